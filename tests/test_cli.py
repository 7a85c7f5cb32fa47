"""The ``scalinglaws`` console script reaches every stage's real command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scalinglaws.cli import STAGES

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("scalinglaws")


def run(*args: str) -> subprocess.CompletedProcess:
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing: install the package (pip install -e .) so its console script exists")
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_lists_the_stages():
    out = run("--help")
    assert out.returncode == 0
    assert all(stage in out.stdout for stage in STAGES)


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_stage_answers_help(stage):
    out = run(stage, "--help")
    assert out.returncode == 0, out.stderr
    assert "usage:" in out.stdout


def test_runs_a_stage_with_its_arguments():
    out = run("plan", "--configfile", "config.yaml", "--gpu", "h100")
    assert out.returncode == 0, out.stderr
    assert "total" in out.stdout and "size" in out.stdout


def test_unknown_stage_is_named():
    out = run("trian")
    assert out.returncode != 0
    assert "unknown stage 'trian'" in out.stderr
