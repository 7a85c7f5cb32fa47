"""The slurm profile's settings that the pipeline relies on (fast; no cluster needed)."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

PROFILE = Path(__file__).resolve().parents[2] / "workflow/profiles/slurm/config.yaml"


def load() -> dict:
    return yaml.safe_load(PROFILE.read_text())


def test_cancelled_and_preempted_jobs_are_retried():
    profile = load()
    assert profile["executor"] == "slurm"
    assert profile["retries"] >= 2
    assert profile["rerun-incomplete"] is True


def test_training_gets_a_gpu_and_sigterm_before_its_time_limit():
    train = load()["set-resources"]["train"]
    assert train["gpu"] == 1 and train["runtime"] > 0 and train["mem_mb"] > 0
    # to every job step (where the training runs), not "B:" (the batch shell only); TERM, which the
    # Snakemake process wrapping the step survives, not USR1, which kills it
    assert "--signal=TERM@" in train["slurm_extra"] and "B:" not in train["slurm_extra"]


def test_status_works_without_accounting():
    assert load()["slurm-status-command"] == "squeue"


def test_cells_are_packed_by_the_workflow_not_grouped():
    profile = load()
    assert not {"train", "evaluate", "evaluate_extra"} & set(profile["groups"])
    assert set(profile["groups"].values()) == {"prep"}


def test_partition_and_account_come_from_the_environment():
    defaults = load()["default-resources"]
    assert "SLURM_PARTITION" in defaults["slurm_partition"]
    assert "SLURM_ACCOUNT" in defaults["slurm_account"]


def test_train_resources_reach_every_pack(tmp_path):
    """A profile's `set-resources: train` applies to each pack's own rule (a dry run, no cluster)."""
    repo = PROFILE.parents[3]
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(repo / "Snakefile"), "--configfile",
                           str(repo / "tests/e2e/micro.yaml"), "-n", "--set-resources", "train:mem_mb=4321",
                           "train:runtime=77"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = re.findall(r"^rule (train_models_\d+):\n(?:    .*\n)*?    resources: (.*)$", proc.stdout, re.M)
    assert sorted(name for name, _ in jobs) == ["train_models_1", "train_models_2"], proc.stdout[-3000:]
    for _, resources in jobs:
        assert "mem_mb=4321" in resources and "runtime=77" in resources
