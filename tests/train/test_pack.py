"""A pack trains its cells in one process exactly as each would train alone, and loses nothing when killed."""

import hashlib
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from scalinglaws.tokenize.shards import shard_dtype
from scalinglaws.train.cell import Cell
from scalinglaws.train.loop import EvalSet, train_cell
from scalinglaws.train.pack import run_files
from scalinglaws.train.packing import plan_packs
from scalinglaws.train.state import ACTIVITIES

VOCAB = 96
BASE = dict(study="p", n_layer=2, d_model=32, n_head=2, n_ctx=32, batch_size=8, tokens=8 * 32 * 40, eval_windows=16,
            threads=1)
# shapes, dropout, noise scale and early stopping: everything a cell carries of its own
CELLS = [
    BASE | {"cell_id": "a", "noise_scale_every": 4},
    BASE | {"cell_id": "b", "n_layer": 1, "d_model": 16, "n_head": 1, "dropout": 0.1, "seed": 3},
    BASE | {"cell_id": "c", "dataset_tokens": 900, "patience": 2, "eval_every": 4, "lr": 1e-2, "tokens": 8 * 32 * 150},
]


def _write_shard(path, tokens):
    """A token shard with a sidecar that open_shard accepts (the last id plays end-of-text)."""
    tokens = tokens.astype(shard_dtype(VOCAB))
    tokens.tofile(path)
    meta = {"tokens": len(tokens), "documents": int((tokens == VOCAB - 1).sum()), "dtype": "uint16",
            "vocab_size": VOCAB, "eot_id": VOCAB - 1, "tokenizer_sha256": "t" * 64, "input_sha256": "i" * 64,
            "bytes": 2 * len(tokens), "bytes_per_token": 2.0, "sha256": hashlib.sha256(tokens.tobytes()).hexdigest()}
    path.with_suffix(".json").write_text(json.dumps(meta))


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    rng = np.random.default_rng(0)
    stream = (np.arange(70_000) * 7 + rng.integers(0, 3, 70_000)) % VOCAB
    root = tmp_path_factory.mktemp("shards")
    paths = {name: root / f"{name}.bin" for name in ("train", "test", "ood")}
    _write_shard(paths["train"], stream[:50_000])
    _write_shard(paths["test"], stream[50_000:60_000])
    _write_shard(paths["ood"], rng.integers(0, VOCAB, 10_000))
    return paths


def _pack_command(shards, runs, cells=CELLS):
    return [sys.executable, "-m", "scalinglaws.train", "--cells-json", json.dumps(cells), "--runs-dir", str(runs),
            "--pack", "p.1", "--train-shard", str(shards["train"]), "--test-shard", str(shards["test"]),
            "--eval-shard", f"ood={shards['ood']}", "--final-windows", "64", "--checkpoint-seconds", "0", "--no-progress"]


def _alone(cell, shards, out):
    """The cell trained by itself in this process, with the pack's final evaluation."""
    data = {name: np.fromfile(path, dtype=np.uint16) for name, path in shards.items()}
    return train_cell(cell, data["train"], data["test"], VOCAB, out, progress=False, final_windows=64,
                      final_sets={"ood": EvalSet(data["ood"], 2.0)}, test_bytes_per_token=2.0)


@pytest.fixture(scope="module")
def packed(shards, tmp_path_factory):
    runs = tmp_path_factory.mktemp("packed")
    subprocess.run(_pack_command(shards, runs), check=True, capture_output=True)
    return runs


@pytest.mark.parametrize("index", range(len(CELLS)))
def test_a_packed_cell_gives_the_curves_it_gives_alone(shards, packed, tmp_path, index):
    cell = Cell.from_dict(CELLS[index])
    alone = _alone(cell, shards, tmp_path)
    run = packed / "p" / cell.cell_id
    pd.testing.assert_frame_equal(pd.read_parquet(run / "metrics.parquet"), pd.read_parquet(tmp_path / "metrics.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(run / "eval.parquet"), pd.read_parquet(tmp_path / "eval.parquet"))
    summary = json.loads((run / "summary.json").read_text())
    assert summary["best_test_loss"] == alone["best_test_loss"] and summary["status"] == alone["status"]
    assert summary["pack"] == {"name": "p.1", "cells": 3, "index": index, "stacked": 1}
    assert sorted(p.name for p in run.iterdir()) == sorted(run_files(cell))  # no resume point or record left


def test_every_cell_accounts_for_its_wall_time(packed):
    for cell in CELLS:
        summary = json.loads((packed / "p" / cell["cell_id"] / "summary.json").read_text())
        seconds = summary["seconds"]
        assert set(seconds) == set(ACTIVITIES)
        assert summary["wall_seconds"] == pytest.approx(sum(seconds.values()))
        assert seconds["startup"] > 0 and seconds["final_evaluation"] > 0 and seconds["evaluation"] > 0
        assert summary["train_seconds"] == pytest.approx(seconds["steps"] + seconds["noise_scale"])
    noisy = json.loads((packed / "p" / "a" / "summary.json").read_text())["seconds"]
    assert noisy["noise_scale"] > 0


def test_final_evaluation_reports_standard_errors(packed):
    evaluation = json.loads((packed / "p" / "a" / "eval.json").read_text())["sets"]
    assert set(evaluation) == {"test", "ood"}
    for means in evaluation.values():
        assert means["windows"] == 64 and 0 < means["loss_se"] < 0.5
        assert means["bits_per_byte"] == pytest.approx(means["loss"] / np.log(2) / 2.0)
    positions = pd.read_parquet(packed / "p" / "a" / "eval.parquet")
    assert len(positions) == 2 * 32 and (positions["loss_se"] > 0).all()
    metrics = pd.read_parquet(packed / "p" / "a" / "metrics.parquet").dropna(subset=["test_loss"])
    assert (metrics["test_loss_se"] > 0).all()


def test_a_killed_pack_keeps_its_finished_cells_and_resumes_the_current_one(shards, packed, tmp_path):
    runs = tmp_path / "runs"
    proc = subprocess.Popen(_pack_command(shards, runs), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    # kill once the second cell has a resume point: the first has finished
    while not (runs / "p" / "b" / "resume.pt").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # as Snakemake does after a failed job: every declared output of the pack goes
    for cell in CELLS:
        for name in run_files(Cell.from_dict(cell)):
            (runs / "p" / cell["cell_id"] / name).unlink(missing_ok=True)
    rerun = subprocess.run(_pack_command(shards, runs), capture_output=True, text=True, check=True)
    assert "a finished in an earlier attempt" in rerun.stderr
    assert "resuming b" in rerun.stderr
    for cell in CELLS:
        name = cell["cell_id"]
        pd.testing.assert_frame_equal(pd.read_parquet(runs / "p" / name / "metrics.parquet"),
                                      pd.read_parquet(packed / "p" / name / "metrics.parquet"))
        assert not (runs / "p" / name / "finished").exists()


def test_plan_packs_small_cells_together_and_big_ones_alone():
    studies = {"s": {c["cell_id"]: c for c in CELLS}, "big": {"x": BASE | {"cell_id": "x", "study": "big", "d_model": 256,
                                                                          "n_head": 8, "tokens": 1e7}}}
    packs = plan_packs(studies, VOCAB, max_cells=2, max_flops=1e12)
    assert [(p.name, p.cells) for p in packs] == [("s.1", ("a", "c")), ("s.2", ("b",)), ("big.1", ("x",))]
    assert packs[0].rule_name == "train_s_1"
    assert [p.cells for p in plan_packs(studies, VOCAB, max_cells=1, max_flops=1e12)] == [("a",), ("b",), ("c",), ("x",)]
    # a study of its own packing: one cell per job there, the others as before
    assert [p.cells for p in plan_packs(studies, VOCAB, max_cells=2, max_flops=1e12, study_cells={"s": 1})] == \
        [("a",), ("b",), ("c",), ("x",)]


# cells of one shape, as a GPU pack stacks them: other seeds, schedules, dataset sizes, noise scale
# and early stopping; no dropout (stacked, the masks come from one shared generator)
SAME_SHAPE = [
    BASE | {"cell_id": "s0", "noise_scale_every": 4},
    BASE | {"cell_id": "s1", "seed": 1, "schedule": "linear", "lr": 2e-3, "weight_decay": 0.1, "grad_clip": 0.5},
    BASE | {"cell_id": "s2", "seed": 2, "dataset_tokens": 900, "patience": 2, "eval_every": 4, "lr": 1e-2,
            "tokens": 8 * 32 * 150},
]


def _stacked_command(shards, runs):
    return _pack_command(shards, runs, SAME_SHAPE) + ["--engine", "stacked", "--device", "cpu"]


@pytest.fixture(scope="module")
def stacked(shards, tmp_path_factory):
    runs = tmp_path_factory.mktemp("stacked")
    subprocess.run(_stacked_command(shards, runs), check=True, capture_output=True)
    return runs


@pytest.mark.parametrize("index", range(len(SAME_SHAPE)))
def test_a_stacked_cell_gives_the_curves_it_gives_alone(shards, stacked, tmp_path, index):
    cell = Cell.from_dict(SAME_SHAPE[index])
    alone = _alone(cell, shards, tmp_path)
    run = stacked / "p" / cell.cell_id
    summary = json.loads((run / "summary.json").read_text())
    assert summary["pack"]["stacked"] == 3
    assert (summary["status"], summary["steps"], summary["best_step"]) == (alone["status"], alone["steps"], alone["best_step"])
    a, b = pd.read_parquet(run / "metrics.parquet"), pd.read_parquet(tmp_path / "metrics.parquet")
    assert a["step"].tolist() == b["step"].tolist()
    for column in ("train_loss", "test_loss", "noise_scale", "lr"):
        if column in b:  # the batched kernels add in another order: equal to float rounding, not bitwise
            np.testing.assert_allclose(a[column], b[column], rtol=1e-4, err_msg=column)
    np.testing.assert_allclose(pd.read_parquet(run / "eval.parquet")["loss"], pd.read_parquet(tmp_path / "eval.parquet")["loss"],
                               rtol=1e-4)


def test_a_killed_stack_resumes_to_the_same_curves(shards, stacked, tmp_path):
    runs = tmp_path / "runs"
    proc = subprocess.Popen(_stacked_command(shards, runs), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (runs / "p" / "s2" / "resume.pt").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if (runs / "p" / "s0" / "summary.json").exists():
        pytest.skip("the stack finished before it could be killed")
    rerun = subprocess.run(_stacked_command(shards, runs), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "resuming s0" in rerun.stderr and "resuming s2" in rerun.stderr
    for cell in SAME_SHAPE:
        name = cell["cell_id"]
        a, b = (pd.read_parquet(root / "p" / name / "metrics.parquet") for root in (runs, stacked))
        assert a["step"].tolist() == b["step"].tolist()
        # killed between two cells' resume points, the cells resume in two parts: equal to rounding
        np.testing.assert_allclose(a["train_loss"], b["train_loss"], rtol=1e-4)
        np.testing.assert_allclose(a["test_loss"], b["test_loss"], rtol=1e-4)
