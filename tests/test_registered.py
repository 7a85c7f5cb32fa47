"""Registered predictions: the largest cells of a size or data study predicted from the smaller ones
before they train, on run directories written from known constants; their packs apart; the real
Snakefile's DAG on a micro config (a dry run) with the prediction between the two; the joined table."""

from __future__ import annotations

import copy
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from scalinglaws.fit import analytic, paper
from scalinglaws.plan import config_packs, pack_table
from scalinglaws.registered import TARGETS, cell_inputs, held_out, join
from scalinglaws.studies import expand_studies
from scalinglaws.train.cell import Cell, planned_accounting
from scalinglaws.train.data import EpochBatches
from scalinglaws.train.packing import plan_packs

REPO = Path(__file__).resolve().parents[1]
MICRO = yaml.safe_load((REPO / "tests/e2e/micro.yaml").read_text())
AVAILABLE = 200_000  # tokens in the (synthetic) training shard
# the micro e2e config with a size and a data study of 4 sizes each: 3 predict the 4th
CONFIG = copy.deepcopy(MICRO) | {
    "studies": {
        "models": {"kind": "size", "shapes": [[2, 8], [2, 16], [2, 24], [3, 32]], "head_dim": 8},
        "grid": {"kind": "data", "shapes": [[2, 8], [2, 16], [2, 24], [3, 32]], "halvings": [0, 2, 4], "head_dim": 8,
                 "train": {"dropout": 0.1, "patience": 4}},
    },
    "predict": {"largest": ["models", "grid"]},
}
CELLS = expand_studies(CONFIG)
T2, T5 = paper.TABLE_2, paper.TABLE_5


def true_loss(kind: str, N: float, D: float) -> float:
    """The law the synthetic runs follow: the paper's L(N) (Table 5) or L(N, D) (Table 2)."""
    return (T5["N_c"] / N) ** T5["alpha_N"] if kind == "size" else float(analytic.L_N_D(N, D, **T2))


def write_run(runs: Path, study: str, kind: str, settings: dict, rng) -> float:
    """A finished run directory as a training job leaves it (the files collect.run_row reads), its loss
    the law's with 1% noise; returns the noise-free loss. Data-study runs are written early-stopped: their
    loss is the converged one L(N, D) describes (the fit leaves out runs still improving at their last step)."""
    cell = Cell.from_dict(settings)
    accounting = planned_accounting(cell, CONFIG["tokenizer"]["vocab_size"])
    x = cell_inputs(settings, CONFIG["tokenizer"]["vocab_size"], AVAILABLE)
    truth = true_loss(kind, accounting["N"], x["D"])
    loss = truth * math.exp(rng.normal(0, 0.01))
    tokens = cell.total_steps() * cell.batch_size * cell.n_ctx
    summary = {
        "study": study, "cell": cell.cell_id, "status": "early_stopped" if kind == "data" else "completed",
        "config": cell.to_dict(), "accounting": accounting,
        "steps": cell.total_steps(), "tokens": tokens, "batch_tokens": cell.batch_size * cell.n_ctx,
        "dataset_tokens": AVAILABLE if math.isinf(x["D"]) else int(x["D"]), "unique_tokens_seen": tokens, "epochs": 1.0,
        "final_test_loss": loss, "final_test_loss_se": 0.01, "final_train_loss": loss, "best_test_loss": loss,
        "best_test_loss_se": 0.01, "best_step": cell.total_steps(), "stop_step": None, "lr_peak": cell.lr,
        "train_seconds": 1.0, "tokens_per_second": 1e4, "device": "cpu", "vocab_size": CONFIG["tokenizer"]["vocab_size"],
        "C_6N": 6 * accounting["N"] * tokens,
    }
    run_dir = runs / study / cell.cell_id
    run_dir.mkdir(parents=True)
    (run_dir / "summary.json").write_text(json.dumps(summary))
    (run_dir / "eval.json").write_text(json.dumps({"sets": {"test": {"loss": loss, "loss_se": 0.01, "bits_per_byte": 1.0}}}))
    return truth


def registration(tmp_path: Path, held, runs: Path, n_boot=300) -> Path:
    """The workflow's prediction rule, by its command line, for one study."""
    meta = tmp_path / "train.json"
    meta.write_text(json.dumps({"tokens": AVAILABLE, "vocab_size": CONFIG["tokenizer"]["vocab_size"], "sha256": "s"}))
    out = tmp_path / f"predictions/{held.study}.json"
    cells = json.dumps([CELLS[held.study][c] for c in held.predicted])
    proc = subprocess.run([sys.executable, "-m", "scalinglaws.registered", "predict", "--study", held.study,
                           "--kind", held.kind, "--cells-json", cells, "--train-meta", str(meta), "--n-boot",
                           str(n_boot), "--out", str(out), *(str(runs / held.study / c) for c in held.predictors)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    """Both studies predicted from their smaller runs, then the largest cells 'trained' (written)."""
    tmp = tmp_path_factory.mktemp("registered")
    runs, rng = tmp / "runs", np.random.default_rng(1)
    held = held_out(CONFIG, CELLS)
    truths, paths = {}, {}
    for study, h in held.items():
        for cell in h.predictors:
            write_run(runs, study, h.kind, CELLS[study][cell], rng)
        paths[study] = registration(tmp, h, runs)
        for cell in h.predicted:  # the outcome, only after the prediction is on record
            truths[study, cell] = write_run(runs, study, h.kind, CELLS[study][cell], rng)
    return held, paths, truths, runs


def test_the_largest_cells_are_held_out_and_the_rest_predict_them():
    held = held_out(CONFIG, CELLS)
    assert held["models"].predicted == ("L3_d32",) and held["models"].predictors == ("L2_d8", "L2_d16", "L2_d24")
    assert held["grid"].predicted == ("L3_d32_Dfull", "L3_d32_D1-4", "L3_d32_D1-16")  # every D of the largest N
    assert len(held["grid"].predictors) == 9 and held["grid"].kind == "data"
    assert held["grid"].path == "results/predictions/grid.json"
    assert held_out({**CONFIG, "predict": {"largest": []}}, CELLS) == {}


def test_a_predicted_cell_sees_the_tokens_its_training_will():
    settings = CELLS["grid"]["L3_d32_D1-4"]
    cell = Cell.from_dict(settings)
    batches = EpochBatches(np.zeros(AVAILABLE, dtype=np.uint16), cell.n_ctx, cell.batch_size, cell.seed,
                           cell.usable_tokens(AVAILABLE))
    assert cell_inputs(settings, 320, AVAILABLE)["D"] == batches.unique_tokens < AVAILABLE / 4
    assert math.isinf(cell_inputs(CELLS["grid"]["L3_d32_Dfull"], 320, AVAILABLE)["D"])  # all the data: D = inf
    assert cell_inputs(settings, 320, AVAILABLE)["N"] == 12 * 3 * 32**2


@pytest.mark.parametrize("study", ["models", "grid"])
def test_the_prediction_interval_covers_the_law(registered, study):
    held, paths, truths, _ = registered
    record = json.loads(paths[study].read_text())
    assert record["law"] == TARGETS[held[study].kind].law and set(record["predictors"]) == {
        f"{study}/{c}" for c in held[study].predictors}
    assert [p["cell"] for p in record["predictions"]] == list(held[study].predicted)
    for p in record["predictions"]:
        truth = truths[study, p["cell"]]
        assert p["lo"] < truth < p["hi"], (p, truth)
        assert p["hi"] / p["lo"] < 1.25  # an interval, not the whole axis
        assert abs(p["predicted"] / truth - 1) < 0.05


def test_the_fit_refuses_a_study_with_too_few_smaller_sizes():
    config = copy.deepcopy(CONFIG)
    config["studies"]["models"]["shapes"] = [[1, 8], [2, 16], [2, 24], [3, 32]]  # one of the 3 has 1 layer
    with pytest.raises(ValueError, match=r"studies\.models: predicting its largest cells \(L3_d32, N = 3\.686e\+04\) "
                                         r"needs at least 3 smaller model sizes of at least 2 layers to fit L_N to; it has 2"):
        held_out(config, expand_studies(config))
    config["studies"]["grid"]["shapes"] = [[2, 8], [3, 32]]
    config["predict"]["largest"] = ["grid"]
    with pytest.raises(ValueError, match=r"studies\.grid: .* to fit L_ND to; it has 1"):
        held_out(config, expand_studies(config))


@pytest.mark.parametrize("largest, message", [
    (["nosuch"], "predict.largest: no study named 'nosuch'"),
    (["scan"], "predict.largest: 'scan' is a batch study; only size and data studies are predicted"),
])
def test_only_configured_size_and_data_studies_are_predicted(largest, message):
    config = copy.deepcopy(CONFIG)
    config["studies"]["scan"] = {"kind": "batch", "shapes": [[2, 8]], "batch_sizes": [8, 16], "head_dim": 8}
    config["predict"]["largest"] = largest
    with pytest.raises(ValueError, match=re.escape(message)):
        held_out(config, expand_studies(config))


def test_predicted_cells_never_share_a_pack_with_their_predictors():
    everything = {**CONFIG["packing"], "cells": 100, "flops": 1e15}  # room for a whole study in one pack
    together = plan_packs(CELLS, 320, everything["cells"], everything["flops"])
    assert [p.cells for p in together if p.study == "models"] == [("L2_d8", "L2_d16", "L2_d24", "L3_d32")]
    packs, held = config_packs({**CONFIG, "packing": everything}, CELLS)
    by_study = {s: [p.cells for p in packs if p.study == s] for s in CELLS}
    assert by_study["models"] == [("L2_d8", "L2_d16", "L2_d24"), ("L3_d32",)]
    assert by_study["grid"] == [held["grid"].predictors, held["grid"].predicted]  # the held-out cells, one pack
    for pack in packs:  # at the micro config's own limits too
        assert len({c in held[pack.study].predicted for c in pack.cells}) == 1
    for pack in config_packs(CONFIG, CELLS)[0]:
        assert len({c in held[pack.study].predicted for c in pack.cells}) == 1
    table = pack_table(CONFIG)
    waiting = table[table["waits_for"] != ""]
    assert set(waiting["waits_for"]) == {"results/predictions/models.json", "results/predictions/grid.json"}
    assert " ".join(waiting["cells"]).split() == [*held["models"].predicted, *held["grid"].predicted]


def test_the_joined_table_sets_each_outcome_beside_its_prediction(registered):
    held, paths, truths, runs = registered
    table = join(list(paths.values()), runs)
    assert list(table["cell"]) == [*held["models"].predicted, *held["grid"].predicted]
    assert {"predicted", "lo", "hi", "observed", "se", "inside", "error", "registered_before"} <= set(table.columns)
    outcome = {(r["study"], r["cell"]): r for r in table.to_dict(orient="records")}
    for (study, cell), truth in truths.items():
        row = outcome[study, cell]
        summary = json.loads((runs / study / cell / "summary.json").read_text())
        assert row["observed"] == summary["best_test_loss" if study == "grid" else "final_test_loss"]
        assert row["se"] == 0.01 and row["inside"] == (row["lo"] <= row["observed"] <= row["hi"])
        assert row["error"] == pytest.approx(row["observed"] / row["predicted"] - 1)
    assert table["registered_before"].all() and table["inside"].any() and len(table) == 4
    by_study = table.groupby("study")["converged"]
    assert by_study.get_group("grid").all() and by_study.get_group("models").isna().all()


def test_a_prediction_remade_after_its_outcome_is_not_registered(registered, tmp_path):
    held, paths, _, runs = registered
    record = json.loads(paths["models"].read_text())
    record["registered_at"] = "2999-01-01T00:00:00+00:00"  # made after the outcome was written
    late = tmp_path / "models.json"
    late.write_text(json.dumps(record))
    assert not join([late], runs)["registered_before"].any()


def test_join_names_a_predicted_cell_that_has_not_trained(registered, tmp_path):
    _, paths, _, runs = registered
    with pytest.raises(ValueError, match=r"models\.json: predicted cell L3_d32 has no finished run"):
        join([paths["models"]], tmp_path)


def test_the_figure_draws_each_study_from_its_registration_and_outcomes(registered, tmp_path):
    _, paths, _, runs = registered
    join(list(paths.values()), runs).to_csv(tmp_path / "predictions.csv", index=False)
    proc = subprocess.run([sys.executable, "-m", "scalinglaws.figures", "predictions", "--in",
                           f"predictions={tmp_path / 'predictions.csv'}", *(f"--in=registered={p}" for p in paths.values()),
                           "--out", str(tmp_path / "predictions.png")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "predictions.png").stat().st_size > 30_000 and (tmp_path / "predictions.pdf").exists()


# --- the real Snakefile, dry runs on the micro config -------------------------------------------------------

def dag(workdir: Path, config: dict) -> tuple[subprocess.CompletedProcess, dict[str, str], set[tuple[str, str]]]:
    """``snakemake --dag`` (a dry run): job labels ('train_models_3', 'predict_largest study: grid') by
    node id, and the edges as (upstream label, downstream label)."""
    (workdir / "micro.yaml").write_text(yaml.safe_dump(config))
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--configfile",
                           "micro.yaml", "--dag"], cwd=workdir, capture_output=True, text=True, timeout=300)
    labels = {m[1]: m[2].replace("\\n", " ") for m in re.finditer(r'^\s*(\d+)\[label = "([^"]*)"', proc.stdout, re.M)}
    edges = {(labels[a], labels[b]) for a, b in re.findall(r"^\s*(\d+) -> (\d+)$", proc.stdout, re.M)}
    return proc, labels, edges


def test_the_prediction_sits_between_the_smaller_cells_and_the_largest(tmp_path):
    proc, labels, edges = dag(tmp_path, CONFIG)
    assert proc.returncode == 0, proc.stderr[-3000:]
    packs, held = config_packs(CONFIG, CELLS)
    train_jobs = {label for label in labels.values() if label.startswith("train_") and label != "train_bpe"}
    assert train_jobs == {p.rule_name for p in packs}  # the planner's packs are the DAG's
    for study, h in held.items():
        predict = f"predict_largest study: {study}"
        upstream = {a for a, b in edges if b == predict and a.startswith("train_")}
        downstream = {b for a, b in edges if a == predict and b.startswith("train_")}
        largest = {p.rule_name for p in packs if p.study == study and set(p.cells) <= set(h.predicted)}
        smaller = {p.rule_name for p in packs if p.study == study} - largest
        assert largest and smaller
        assert downstream == largest and upstream == smaller, (study, upstream, downstream)
        assert ("encode_split split: train", predict) in edges  # the shard's size gives each held-out cell its D
        assert (predict, "predictions_table") in edges and (predict, "predictions_figure") in edges
    assert {("predictions_table", "predictions_figure"), ("predictions_figure", "all")} <= edges
    assert {a for a, b in edges if b == "predictions_table" and a.startswith("train_")} == {
        p.rule_name for p in packs if p.cells[0] in held[p.study].predicted}
    assert ("predictions_table", "all") in edges


def test_switched_off_there_is_no_edge(tmp_path):
    proc, labels, edges = dag(tmp_path, {**CONFIG, "predict": {"largest": []}})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not any(label.startswith(("predict_largest", "predictions_")) for label in labels.values())
    assert not [edge for edge in edges if edge[0].startswith("train_models") and edge[1].startswith("train_")]
    assert {label for label in labels.values() if label.startswith("train_models")} == {
        p.rule_name for p in plan_packs({"models": CELLS["models"]}, 320, 2, 1e12)}


def test_too_few_smaller_sizes_stop_the_dry_run(tmp_path):
    config = copy.deepcopy(CONFIG)
    config["studies"]["models"]["shapes"] = [[2, 8], [2, 16], [3, 32]]
    proc, _, _ = dag(tmp_path, config)
    assert proc.returncode != 0
    assert "config error: studies.models: predicting its largest cells (L3_d32" in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()
