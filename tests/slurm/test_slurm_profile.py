"""The slurm profile on a real (single-node, localhost) Slurm cluster.

The micro study runs through ``workflow/profiles/slurm``; while the biggest cell trains, its Slurm
job is cancelled with ``scancel``. The training process gets SIGTERM, saves resume.pt and exits;
Snakemake retries the job and the training resumes where it stopped. At the end every output is
there and the runs equal those of a local run of the same config, made alongside.

Needs root and Debian's slurm-wlm + munge (installed with apt-get when missing) and the executor
plugin (snakemake-executor-plugin-slurm). It starts munged, slurmctld and slurmd with
workflow/scripts/slurm_localhost_setup.sh and stops them afterwards; a cluster that is already
up is used and left running. SCALINGLAWS_SLURM_TESTS=0 skips it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIGS = [str(REPO / "tests/e2e/micro.yaml"), str(Path(__file__).with_name("micro_slurm.yaml"))]
PROFILE = REPO / "workflow/profiles/slurm"
SETUP = REPO / "workflow/scripts/slurm_localhost_setup.sh"
TEARDOWN = REPO / "workflow/scripts/slurm_localhost_teardown.sh"
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--configfile", *CONFIGS]
CANCELLED_CELL = "L6_d64"  # the slow cell of micro_slurm.yaml, the second of its pack
CANCELLED_PACK = "size.2"  # micro_slurm.yaml adds a study `size` beside micro.yaml's `models`
FINISHED_CELL = "L2_d24"  # the first cell of that pack
TIMEOUT_S = 1200  # per snakemake run; about 5 min on an idle 2-core machine


def _why_not() -> str | None:
    if os.environ.get("SCALINGLAWS_SLURM_TESTS", "1") == "0":
        return "SCALINGLAWS_SLURM_TESTS=0"
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return "needs root on Linux to start a localhost Slurm cluster (slurmctld, slurmd, munged)"
    if shutil.which("slurmctld") is None and shutil.which("apt-get") is None:
        return "Slurm is not installed and there is no apt-get to install slurm-wlm + munge"
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed"
    if shutil.which("apt-get") is None:
        return "the micro study's corpus source (debian-docs) needs apt-get"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")]


def _cluster_up() -> bool:
    if shutil.which("scontrol") is None:
        return False
    ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True)
    return "UP" in ping.stdout


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A running localhost cluster: started here (and stopped after) unless one is already up."""
    if _cluster_up():
        yield None
        return
    state = tmp_path_factory.mktemp("slurm-cluster")
    env = os.environ | {"SLURM_LOCALHOST_DIR": str(state), "FAKE_GPUS": "1"}
    setup = subprocess.run(["bash", str(SETUP)], env=env, capture_output=True, text=True, timeout=600)
    if setup.returncode != 0:
        subprocess.run(["bash", str(TEARDOWN)], env=env, capture_output=True)
        pytest.fail(f"localhost Slurm did not start:\n{setup.stdout[-3000:]}\n{setup.stderr[-3000:]}")
    try:
        yield state
    finally:
        subprocess.run(["bash", str(TEARDOWN)], env=env, capture_output=True, timeout=120)


def _tail(path: Path, n: int = 4000) -> str:
    return path.read_text(errors="replace")[-n:] if path.exists() else f"({path} missing)"


def _train_step(log: Path, cell: str) -> int:
    """The last step the progress bar of ``cell`` shows in its pack's log (0 if none yet)."""
    if not log.exists():
        return 0
    steps = re.findall(rf"{cell}:.*?\|\s*(\d+)/\d+ \[", log.read_text(errors="replace"))
    return int(steps[-1]) if steps else 0


def _running_job_of() -> str | None:
    """Id of the running Slurm job that trains a pack of cells (rule train_<study>_<k>)."""
    out = subprocess.run(["squeue", "-h", "-t", "RUNNING", "-o", "%i|%k"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        job, _, comment = line.partition("|")
        if comment.startswith(("rule_cells", "rule_train")):
            return job
    return None


def _job_state(job: str) -> str:
    out = subprocess.run(["squeue", "-h", "--states=all", "-j", job, "-o", "%T"], capture_output=True, text=True)
    return out.stdout.strip()


@pytest.fixture(scope="module")
def runs(cluster, tmp_path_factory):
    """The Slurm run (one training job cancelled midway) and a local run, side by side."""
    slurm_dir, local_dir = tmp_path_factory.mktemp("slurm-run"), tmp_path_factory.mktemp("local-run")
    started = time.monotonic()
    with open(local_dir / "snakemake.log", "w") as local_log, open(slurm_dir / "snakemake.log", "w") as slurm_log:
        # timeout -s INT: Snakemake waits for its remote jobs on SIGTERM, SIGINT cancels them
        local = subprocess.Popen(["timeout", "-s", "INT", str(TIMEOUT_S), *SNAKEMAKE, "--cores", "1"],
                                 cwd=local_dir, stdout=local_log, stderr=subprocess.STDOUT)
        slurm = subprocess.Popen(["timeout", "-s", "INT", str(TIMEOUT_S), *SNAKEMAKE,
                                  "--workflow-profile", str(PROFILE), "--cores", "2",
                                  "--slurm-init-seconds-before-status-checks", "5"],
                                 cwd=slurm_dir, stdout=slurm_log, stderr=subprocess.STDOUT)
        try:
            run_dir = slurm_dir / "results/runs/size" / CANCELLED_CELL
            train_log = slurm_dir / "logs/train" / f"{CANCELLED_PACK}.log"
            cancel = None
            while cancel is None and slurm.poll() is None and time.monotonic() - started < TIMEOUT_S:
                step = _train_step(train_log, CANCELLED_CELL)
                job = _running_job_of()
                if step >= 5 and job and not (run_dir / "metrics.parquet").exists():
                    subprocess.run(["scancel", job], check=True)
                    cancel = {"job": job, "step": step, "at": time.monotonic() - started}
                time.sleep(0.2)
            assert cancel, f"never saw {CANCELLED_CELL} training under Slurm:\n{_tail(slurm_dir / 'snakemake.log')}"
            # SIGTERM reaches the training process, which saves its resume point before exiting
            deadline = time.monotonic() + 60
            while not (run_dir / "resume.pt").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            cancel["resume_pt"] = (run_dir / "resume.pt").exists()
            time.sleep(1)  # the "preempted" line follows the save; the retry needs many seconds to start
            cancel["cancelled_log"] = train_log.read_text(errors="replace")
            slurm_rc, local_rc = slurm.wait(TIMEOUT_S), local.wait(TIMEOUT_S)
        finally:
            for proc in (slurm, local):
                if proc.poll() is None:
                    proc.send_signal(2)
                    proc.wait(60)
    cancel["job_state"] = _job_state(cancel["job"])
    cancel["seconds"] = time.monotonic() - started
    print(json.dumps({k: v for k, v in cancel.items() if k != "cancelled_log"}))
    assert local_rc == 0, f"local run failed:\n{_tail(local_dir / 'snakemake.log')}"
    assert slurm_rc == 0, f"Slurm run failed:\n{_tail(slurm_dir / 'snakemake.log', 8000)}"
    return {"slurm": slurm_dir, "local": local_dir, "cancel": cancel}


def test_cancelled_job_saved_a_resume_point_and_the_retry_resumed(runs):
    cancel, slurm_dir = runs["cancel"], runs["slurm"]
    assert cancel["job_state"] == "CANCELLED"
    assert cancel["resume_pt"], f"no resume.pt after scancel; training log:\n{cancel['cancelled_log'][-2000:]}"
    assert "preempted: signal 15" in cancel["cancelled_log"]
    retried = (slurm_dir / "logs/train" / f"{CANCELLED_PACK}.log").read_text(errors="replace")
    resumed = re.search(rf"resuming {CANCELLED_CELL} at step (\d+)", retried)
    assert resumed, f"the retried job did not resume:\n{retried[-2000:]}"
    assert int(resumed[1]) >= cancel["step"]
    # the cell that had finished before the cancel is restored by the retry, not trained again
    assert f"{FINISHED_CELL} finished in an earlier attempt" in retried
    assert not (slurm_dir / "results/runs/size" / CANCELLED_CELL / "resume.pt").exists()


def _outputs(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in (root / "results").rglob("*") if p.is_file() and "cache" not in p.parts}


def test_every_output_is_there(runs):
    assert _outputs(runs["slurm"]) == _outputs(runs["local"])
    dry = subprocess.run([*SNAKEMAKE, "-n", "--quiet", "rules"], cwd=runs["slurm"], capture_output=True, text=True,
                         timeout=300)
    assert dry.returncode == 0 and not re.search(r"^total\s+[1-9]", dry.stdout, re.M), dry.stdout


def test_runs_equal_a_local_run(runs):
    import torch

    cells = sorted(p.name for p in (runs["local"] / "results/runs/size").iterdir())
    assert CANCELLED_CELL in cells and len(cells) == 4
    for cell in cells:
        slurm_run, local_run = (runs[k] / "results/runs/size" / cell for k in ("slurm", "local"))
        pd.testing.assert_frame_equal(pd.read_parquet(slurm_run / "metrics.parquet"),
                                      pd.read_parquet(local_run / "metrics.parquet"))
        pd.testing.assert_frame_equal(pd.read_parquet(slurm_run / "eval.parquet"),
                                      pd.read_parquet(local_run / "eval.parquet"))
        a, b = (torch.load(r / "model.pt", weights_only=True) for r in (slurm_run, local_run))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    for table in ("results/tables/table1_parameters_flops.csv", "results/corpus/decontamination.csv",
                  "results/tables/corpus_tokens.csv"):
        assert (runs["slurm"] / table).read_bytes() == (runs["local"] / table).read_bytes(), table


def test_slurm_jobs_asked_for_what_the_profile_says(runs):
    """The training jobs were Slurm jobs, one per pack, each with the GPU (a fake one here) that the
    profile's `train` settings ask for."""
    logs = list((runs["slurm"] / "logs/slurm").rglob("*.log"))
    pack_logs = [p for p in logs if "train_models_" in str(p)]
    assert {p.parent.name for p in pack_logs} >= {"rule_train_models_1", "rule_train_models_2"}, sorted(map(str, logs))
    text = "\n".join(p.read_text(errors="replace") for p in pack_logs)
    assert "--gpus=1" in text or "gpu=1" in text
