"""A run killed at any point and resumed writes exactly the curves of an uninterrupted run."""

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from scalinglaws.train.cell import Cell
from scalinglaws.train.loop import train_cell

VOCAB = 96
CELL = dict(study="t", cell_id="L2_d32", n_layer=2, d_model=32, n_head=2, n_ctx=32, batch_size=8, tokens=8 * 32 * 60,
            eval_every=10, eval_windows=16, dropout=0.1, threads=1)

RUNNER = """
import json, sys, numpy as np
from scalinglaws.train.cell import Cell
from scalinglaws.train.loop import train_cell, Preempted
data = np.load(sys.argv[1])
try:
    train_cell(Cell.from_dict(json.loads(sys.argv[2])), data["train"], data["test"], %d, sys.argv[3],
               progress=False, checkpoint_seconds=0.0)
except Preempted as stop:
    sys.exit(128 + stop.signum)
""" % VOCAB


@pytest.fixture(scope="module")
def tokens(tmp_path_factory):
    rng = np.random.default_rng(0)
    stream = (np.arange(60_000) * 7 + rng.integers(0, 3, 60_000)) % VOCAB  # learnable, not trivial
    path = tmp_path_factory.mktemp("data") / "tokens.npz"
    np.savez(path, train=stream[:50_000].astype(np.uint16), test=stream[50_000:].astype(np.uint16))
    return path


def _run(tokens, out_dir, cell=CELL):
    return subprocess.Popen([sys.executable, "-c", RUNNER, str(tokens), json.dumps(cell), str(out_dir)],
                            stderr=subprocess.PIPE)


def _reference(tokens, tmp_path):
    out = tmp_path / "reference"
    assert _run(tokens, out).wait() == 0
    return pd.read_parquet(out / "metrics.parquet"), json.loads((out / "summary.json").read_text())


@pytest.mark.parametrize("kill_after", [0.3, 1.1, 2.0])
def test_sigkill_at_random_points_then_resume_gives_identical_metrics(tokens, tmp_path, kill_after):
    reference, ref_summary = _reference(tokens, tmp_path)
    out = tmp_path / "killed"
    proc = _run(tokens, out)
    deadline = time.monotonic() + 60
    while not (out / "resume.pt").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(kill_after * 0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if (out / "summary.json").exists():
        pytest.skip("the run finished before it could be killed")
    assert _run(tokens, out).wait() == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "metrics.parquet"), reference)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["best_test_loss"] == ref_summary["best_test_loss"]
    assert not (out / "resume.pt").exists()


def test_sigterm_saves_and_exits_for_requeue(tokens, tmp_path):
    reference, _ = _reference(tokens, tmp_path)
    out = tmp_path / "preempted"
    proc = _run(tokens, out)
    while not (out / "resume.pt").exists():
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait() == 128 + signal.SIGTERM
    assert (out / "resume.pt").exists() and not (out / "summary.json").exists()
    assert _run(tokens, out).wait() == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "metrics.parquet"), reference)


def test_divergence_stops_with_a_clear_status(tokens, tmp_path):
    data = np.load(tokens)
    cell = Cell.from_dict(CELL | {"lr": 1e6, "grad_clip": 0.0, "dropout": 0.0})
    summary = train_cell(cell, data["train"], data["test"], VOCAB, tmp_path, progress=False)
    assert summary["status"] == "diverged"
    metrics = pd.read_parquet(tmp_path / "metrics.parquet")
    assert metrics["step"].max() == summary["steps"] < cell.total_steps()


def test_early_stopping_records_the_stop_step(tokens, tmp_path):
    data = np.load(tokens)
    # a tiny prefix of data, many epochs: the test loss turns up and patience stops the run
    cell = Cell.from_dict(CELL | {"dataset_tokens": 700, "patience": 2, "tokens": 8 * 32 * 400, "dropout": 0.0,
                                  "lr": 1e-2, "n_layer": 2, "d_model": 64, "n_head": 4, "eval_every": 5})
    summary = train_cell(cell, data["train"], data["test"], VOCAB, tmp_path, progress=False)
    assert summary["status"] == "early_stopped"
    assert summary["stop_step"] == summary["steps"] < cell.total_steps()
    assert summary["best_step"] < summary["stop_step"]
    assert summary["epochs"] > 1 and summary["unique_tokens_seen"] <= 700
    assert summary["dataset_tokens"] <= 700


def test_unknown_cell_setting_is_an_error():
    with pytest.raises(ValueError, match="unknown setting"):
        Cell.from_dict(CELL | {"learning_rate": 1e-3})


def test_resume_refuses_a_checkpoint_of_other_settings(tokens, tmp_path):
    out = tmp_path / "run"
    proc = _run(tokens, out)
    while not (out / "resume.pt").exists():
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    data = np.load(tokens)
    with pytest.raises(ValueError, match="another configuration"):
        train_cell(Cell.from_dict(CELL | {"lr": 1e-3}), data["train"], data["test"], VOCAB, out, progress=False)
