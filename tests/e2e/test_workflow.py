"""The real Snakefile, end to end, on a micro study: corpus to figures, reruns and the report.

The workflow runs once per test session in a temporary working directory (a few hundred KB of
Debian documentation, four tiny cells); the tests then check its outputs and how it reruns.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
MICRO = REPO / "tests" / "e2e" / "micro.yaml"
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--configfile", str(MICRO)]

pytestmark = pytest.mark.slow


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([*SNAKEMAKE, *args], cwd=workdir, capture_output=True, text=True, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return proc


def planned_jobs(workdir: Path, *targets: str) -> dict[str, int]:
    """Rule -> job count of a dry run (empty when there is nothing to do)."""
    out = snakemake(workdir, "-n", "--quiet", "rules", *targets).stdout
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", out, re.M) if m[1] != "total"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    if shutil.which("apt-get") is None:
        pytest.skip("the default corpus source (debian-docs) needs apt-get")
    work = tmp_path_factory.mktemp("micro")
    snakemake(work, "--cores", "2")
    return work


def test_every_target_is_built(workdir):
    for stem in ("fig01_summary", "fig06_embedding"):
        for ext in (".png", ".pdf"):
            assert (workdir / "results/figures" / f"{stem}{ext}").stat().st_size > 10_000
    for name in ("table1_parameters_flops.csv", "table1_parameters_flops.md", "corpus_tokens.csv"):
        assert (workdir / "results/tables" / name).exists()
    runs = pd.read_parquet(workdir / "results/tables/runs.parquet")
    assert len(runs) == 4 and set(runs["status"]) == {"completed"}
    assert set(runs["kind"]) == {"size"} and set(runs["study"]) == {"models"}  # kind, and the config's name
    summary = json.loads((workdir / "results/fits/summary.json").read_text())
    assert "non_embedding/L_N" in summary["fits"] and summary["B_crit_adopted"]["params"]
    assert runs["N"].tolist() == sorted(runs["N"]) and runs["N"].min() == 768
    assert {"loss_test", "loss_books", "bpb_test", "bpb_books", "se_loss_test"} <= set(runs.columns)
    wall_time = pd.read_csv(workdir / "results/tables/wall_time.csv").set_index("study")
    assert wall_time.loc["all studies", "runs"] == 4 and 0 < wall_time.loc["all studies", "optimiser_step_share"] < 1


def test_every_run_logs_its_full_curve(workdir):
    for run_dir in (workdir / "results/runs/models").iterdir():
        metrics = pd.read_parquet(run_dir / "metrics.parquet")
        assert metrics["step"].tolist() == list(range(len(metrics)))
        assert metrics["test_loss"].notna().sum() >= 5
        assert {"tokens", "flops_6N", "flops_6N_ctx", "flops_with_head", "lr", "train_loss"} <= set(metrics.columns)


def test_a_finished_run_has_nothing_left_to_do(workdir):
    assert planned_jobs(workdir) == {}


def test_deleting_one_run_retrains_its_pack_only(workdir):
    shutil.rmtree(workdir / "results/runs/models/L2_d16")
    jobs = planned_jobs(workdir)
    assert {rule for rule in jobs if rule.startswith("train_") and rule != "train_bpe"} == {"train_models_1"}
    assert not {"corpus_acquire", "train_bpe", "encode_split", "train_models_2"} & set(jobs)
    snakemake(workdir, "--cores", "2")
    assert planned_jobs(workdir) == {}


def test_report_builds(workdir):
    snakemake(workdir, "--report", "report.html")
    html = (workdir / "report.html").read_text(errors="replace")
    assert "fig01_summary" in html and "table1_parameters_flops" in html


def test_lint_is_clean():
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations" in proc.stdout + proc.stderr
