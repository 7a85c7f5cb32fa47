"""The slurm profile's settings that the pipeline relies on (fast; no cluster needed)."""

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


def test_cells_are_grouped_and_share_one_gpu_per_job():
    profile = load()
    assert profile["groups"]["train"] == profile["groups"]["evaluate"] == "cells"
    assert profile["group-components"]["cells"] >= 2
    assert profile["resources"]["gpu"] == 1 and profile["set-resource-scopes"]["gpu"] == "local"


def test_partition_and_account_come_from_the_environment():
    defaults = load()["default-resources"]
    assert "SLURM_PARTITION" in defaults["slurm_partition"]
    assert "SLURM_ACCOUNT" in defaults["slurm_account"]
