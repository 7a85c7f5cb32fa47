"""LSTM cells, the gradient noise scale and tracked cells write what their figures need."""

import shutil
import sysconfig
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalinglaws.train.cell import Cell
from scalinglaws.train.loop import train_cell
from scalinglaws.train.noise import NoiseScale

VOCAB = 64
BASE = dict(study="t", cell_id="c", n_layer=2, d_model=32, n_head=2, n_ctx=16, batch_size=8, tokens=8 * 16 * 40,
            eval_every=10, eval_windows=16, threads=1)
LSTM = {k: v for k, v in BASE.items() if k != "n_head"} | {"arch": "lstm"}


@pytest.fixture(scope="module")
def streams():
    rng = np.random.default_rng(1)
    stream = ((np.arange(30_000) * 5 + rng.integers(0, 2, 30_000)) % VOCAB).astype(np.uint16)
    return stream[:25_000], stream[25_000:]


def test_noise_scale_estimator_recovers_a_known_ratio():
    # per-example gradients g_i = G + noise with tr(Sigma) = 40, |G|^2 = 4: B_simple = 10
    rng = np.random.default_rng(0)
    scale = NoiseScale(decay=0.998)
    for _ in range(6000):
        grads = 2 / np.sqrt(2) * np.ones(2) + rng.normal(0, np.sqrt(20), size=(64, 2))
        small = np.mean([np.sum(grads[:32].mean(0) ** 2), np.sum(grads[32:].mean(0) ** 2)])
        estimate = scale.update(small, np.sum(grads.mean(0) ** 2), 32, 64)
    assert estimate == pytest.approx(10, rel=0.15)


def test_noise_scale_is_logged_on_measured_steps(streams, tmp_path):
    train, test = streams
    train_cell(Cell.from_dict(BASE | {"noise_scale_every": 5}), train, test, VOCAB, tmp_path, progress=False)
    metrics = pd.read_parquet(tmp_path / "metrics.parquet")
    measured = metrics.dropna(subset=["noise_scale"])
    assert measured["step"].tolist() == list(range(1, 41, 5))
    assert (measured["grad_sq_small"] > measured["grad_sq_big"]).all()


def test_lstm_cell_trains_and_counts_itself(streams, tmp_path):
    train, test = streams
    summary = train_cell(Cell.from_dict(LSTM | {"lr": 2e-2, "tokens": 8 * 16 * 120}),
                         train, test, VOCAB, tmp_path, progress=False)
    acc = summary["accounting"]
    assert summary["status"] == "completed"
    assert acc["N"] == 2 * 4 * (32 * 32 + 32 * 32 + 2 * 32)  # two layers of four gates, two bias vectors each
    assert acc["N_total"] == acc["N"] + VOCAB * 32 + 2 * 32  # tied embedding and the final norm
    initial = pd.read_parquet(tmp_path / "metrics.parquet")["test_loss"].iloc[0]
    assert summary["best_test_loss"] < initial - 0.2


def test_a_cell_has_the_shape_its_arch_reads():
    assert Cell.from_dict(BASE).shape() == {"n_head": 2, "d_attn": 32, "d_ff": 128, "reuse": 1}
    assert Cell.from_dict(LSTM).shape() == {"n_head": None, "d_attn": None, "d_ff": None, "reuse": 1}
    with pytest.raises(ValueError, match="cell c: arch lstm has no n_head, d_ff"):
        Cell.from_dict(LSTM | {"n_head": 1, "d_ff": 64}).model_config(VOCAB)
    with pytest.raises(ValueError, match="cell c: unknown arch 'gpt'"):
        Cell.from_dict(BASE | {"arch": "gpt"}).model_config(VOCAB)


def test_compiled_model_trains_exactly_like_eager(streams, tmp_path):
    # the path every GPU cell above 1e6 parameters takes, here on torch.compile's CPU backend,
    # with noise-scale steps (half batches: a second compiled shape) among the ordinary ones
    if shutil.which("c++") is None or not Path(sysconfig.get_paths()["include"], "Python.h").exists():
        pytest.skip("torch.compile's CPU backend needs a C++ compiler and Python's headers (apt-get install g++ python3-dev)")
    train, test = streams
    cell = BASE | {"noise_scale_every": 7, "tokens": 8 * 16 * 20}
    eager = train_cell(Cell.from_dict(cell | {"compile": "false"}), train, test, VOCAB, tmp_path / "eager", progress=False)
    compiled = train_cell(Cell.from_dict(cell | {"compile": "true"}), train, test, VOCAB, tmp_path / "compiled",
                          progress=False)
    a, b = (pd.read_parquet(tmp_path / run / "metrics.parquet") for run in ("eager", "compiled"))
    assert compiled["status"] == eager["status"] == "completed"
    np.testing.assert_allclose(b["train_loss"].iloc[1:], a["train_loss"].iloc[1:], rtol=1e-5)
    np.testing.assert_allclose(b["test_loss"].dropna(), a["test_loss"].dropna(), rtol=1e-5)
    np.testing.assert_allclose(b["noise_scale"].dropna(), a["noise_scale"].dropna(), rtol=1e-3)


def test_tracked_cell_logs_positions_and_ood_sets(streams, tmp_path):
    train, test = streams
    ood = np.random.default_rng(2).integers(0, VOCAB, 5_000).astype(np.uint16)
    summary = train_cell(Cell.from_dict(BASE | {"track": True}), train, test, VOCAB, tmp_path, progress=False,
                         tracked_sets={"books": ood})
    tracking = pd.read_parquet(tmp_path / "tracking.parquet")
    assert set(tracking["set"]) == {"test", "books"}
    assert tracking["position"].max() == 16
    metrics = pd.read_parquet(tmp_path / "metrics.parquet").dropna(subset=["test_loss"])
    per_step = tracking[tracking["set"] == "test"].groupby("step")["loss"].mean()
    np.testing.assert_allclose(per_step.loc[metrics["step"]].to_numpy(), metrics["test_loss"].to_numpy(), rtol=1e-6)
    assert summary["status"] == "completed"


def test_concurrent_jobs_claim_different_gpus(tmp_path):
    import subprocess
    import sys

    code = ("import sys, time; from scalinglaws.train.hardware import claim_gpu; "
            f"i, h = claim_gpu(2, {str(tmp_path)!r}, poll_seconds=0.05); print(i, flush=True); time.sleep(float(sys.argv[1]))")
    first = subprocess.Popen([sys.executable, "-c", code, "60"], stdout=subprocess.PIPE, text=True)
    assert first.stdout.readline().strip() == "0"
    second = subprocess.Popen([sys.executable, "-c", code, "60"], stdout=subprocess.PIPE, text=True)
    assert second.stdout.readline().strip() == "1"
    third = subprocess.Popen([sys.executable, "-c", code, "0"], stdout=subprocess.PIPE, text=True)
    first.kill()  # a killed job frees its GPU
    assert third.stdout.readline().strip() == "0"
    for proc in (first, second, third):
        proc.kill()
        proc.wait()


def test_slots_let_several_cells_share_a_gpu(tmp_path):
    from scalinglaws.train.hardware import claim_gpu

    held = [claim_gpu(2, str(tmp_path), poll_seconds=0.01, per_gpu=2) for _ in range(4)]
    assert [index for index, _ in held] == [0, 1, 0, 1]  # first slots of every GPU, then second slots
