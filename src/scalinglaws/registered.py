"""Registered predictions: the largest cells of a size or data study, predicted before they train.

Each study named in the config's ``predict.largest`` holds out the cells of its largest N (in a
data study, every D of that N). The workflow fits the study's law to the smaller cells' finished
runs, predicts the held-out cells with their prediction interval (``fit.predict.predict``: the
constants' bootstrap draws plus the fit's scatter) and writes results/predictions/<study>.json,
an input of the held-out cells' training job (they share packs only with each other:
``train.packing``). After they train, ``join`` sets each outcome, with its standard error, beside
its prediction: a registered, falsifiable extrapolation.

  size  L(N) = (N_c/N)^alpha_N (Eq 1.1, ``fit_L_N``) on the final test loss, runs of >= 2 layers
  data  L(N, D) (Eq 1.5, ``fit_L_ND``) on the early-stopped test loss of the converged smaller cells,
        D = inf for all the data; ``join`` marks each outcome converged or still improving (compute-limited)

    python -m scalinglaws.registered predict --study size --kind size --cells-json CELLS \\
        --train-meta results/data/tokens/train.json --n-boot 1000 --out results/predictions/size.json RUN_DIR ...
    python -m scalinglaws.registered join --runs-dir results/runs --out results/tables/predictions PREDICTION.json ...
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from scalinglaws.evaluate.collect import run_row
from scalinglaws.fit.core import FitResult, FitSettings
from scalinglaws.fit.predict import predict
from scalinglaws.fit.size_data import converged, fit_L_N, fit_L_ND
from scalinglaws.io import file_sha256, read_json, write_json, write_table
from scalinglaws.studies import study_kinds
from scalinglaws.train.cell import Cell, planned_accounting
from scalinglaws.train.data import dataset_windows

MIN_LAYERS = 2  # L(N) leaves 1-layer models out (App D.7), as the fit suite does
MIN_SIZES = 3  # smaller model sizes a prediction is fitted to, at least


@dataclass(frozen=True)
class Target:
    law: str
    loss: str  # the runs-table column predicted, and its standard error's
    se: str
    inputs: tuple[str, ...]
    fit: Callable[[pd.DataFrame, FitSettings], FitResult]
    min_layers: int = 1


TARGETS = {
    "size": Target("L_N", "test_loss", "se_test_loss", ("N",),
                   lambda runs, settings: fit_L_N(runs, min_layers=MIN_LAYERS, settings=settings), MIN_LAYERS),
    "data": Target("L_ND", "test_loss_best", "se_test_loss_best", ("N", "D"),
                   lambda runs, settings: fit_L_ND(runs, settings=settings)),
}


@dataclass(frozen=True)
class HeldOut:
    """A study's largest cells and the smaller ones that predict them."""

    study: str
    kind: str
    predicted: tuple[str, ...]
    predictors: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"results/predictions/{self.study}.json"


def cell_N(settings: dict, vocab_size: int) -> float:
    """The non-embedding parameters of a cell as the paper counts them (its runs' ``N``)."""
    return float(planned_accounting(Cell.from_dict(settings), vocab_size)["N"])


def split_largest(study: str, kind: str, cells: dict[str, dict], N: dict[str, float]) -> HeldOut:
    """Hold out the cells of the largest N; refuse a study with too few smaller sizes to fit."""
    top = max(N.values())
    predicted = tuple(c for c in cells if N[c] == top)
    predictors = tuple(c for c in cells if N[c] < top)
    target = TARGETS[kind]
    sizes = {N[c] for c in predictors if cells[c]["n_layer"] >= target.min_layers}
    if len(sizes) < MIN_SIZES:
        deep = f" of at least {target.min_layers} layers" if target.min_layers > 1 else ""
        raise ValueError(f"studies.{study}: predicting its largest cells ({', '.join(predicted)}, N = {top:.4g}) "
                         f"needs at least {MIN_SIZES} smaller model sizes{deep} to fit {target.law} to; it has "
                         f"{len(sizes)}. Add shapes to studies.{study}.shapes or leave {study} out of predict.largest")
    return HeldOut(study, kind, predicted, predictors)


def held_out(config: dict, studies: dict[str, dict[str, dict]]) -> dict[str, HeldOut]:
    """``{study: HeldOut}`` for every study in ``predict.largest`` (``studies``: ``expand_studies`` output)."""
    kinds = study_kinds(config)
    vocab = int(config["tokenizer"]["vocab_size"])
    out = {}
    for study in config.get("predict", {}).get("largest", []):
        if study not in studies:
            raise ValueError(f"predict.largest: no study named {study!r}; the studies are {sorted(studies)}")
        if kinds[study] not in TARGETS:
            raise ValueError(f"predict.largest: {study!r} is a {kinds[study]} study; only {' and '.join(TARGETS)} "
                             "studies are predicted")
        cells = studies[study]
        out[study] = split_largest(study, kinds[study], cells, {c: cell_N(s, vocab) for c, s in cells.items()})
    return out


def cell_inputs(settings: dict, vocab_size: int, available_tokens: int) -> dict[str, float]:
    """N and D of a cell before it trains: D the unique tokens it will see (inf: all of them)."""
    cell = Cell.from_dict(settings)
    usable = cell.usable_tokens(available_tokens)
    D = math.inf if usable is None else float(dataset_windows(usable, cell.n_ctx) * cell.n_ctx)
    return {"N": cell_N(settings, vocab_size), "D": D}


def predict_cells(kind: str, runs: pd.DataFrame, cells: list[dict], vocab_size: int, available_tokens: int,
                  settings: FitSettings) -> tuple[FitResult, pd.DataFrame]:
    """Fit the kind's law to ``runs`` (the smaller cells, a runs table) and predict ``cells`` (settings)."""
    target = TARGETS[kind]
    fit = target.fit(runs, settings)
    inputs = [cell_inputs(c, vocab_size, available_tokens) for c in cells]
    table = predict(fit, {k: [x[k] for x in inputs] for k in target.inputs})
    table.insert(0, "cell", [c["cell_id"] for c in cells])
    return fit, table


def write_prediction(out, study: str, kind: str, run_dirs: list[Path], cells: list[dict], train_meta,
                     settings: FitSettings) -> dict:
    """Predict ``cells`` of ``study`` from its finished ``run_dirs``; write the registration JSON."""
    meta = read_json(train_meta)
    runs = pd.DataFrame([run_row(d) for d in run_dirs])
    fit, table = predict_cells(kind, runs, cells, int(meta["vocab_size"]), int(meta["tokens"]), settings)
    target = TARGETS[kind]
    record = {
        "study": study, "kind": kind, "law": target.law, "formula": fit.provenance.get("formula", ""),
        "loss": target.loss, "ci": settings.ci, "registered_at": datetime.now(timezone.utc).isoformat(),
        "predictors": {f"{study}/{d.name}": file_sha256(d / "summary.json") for d in run_dirs},
        "train_shard_sha256": meta.get("sha256"),
        "predictions": table.to_dict(orient="records"),
        "fit": fit.to_dict(),
    }
    write_json(out, record)
    return record


def join(prediction_paths: list, runs_dir) -> pd.DataFrame:
    """Every prediction beside its outcome: one row per predicted cell."""
    rows = []
    for path in prediction_paths:
        record = read_json(path)
        registered = datetime.fromisoformat(record["registered_at"]).timestamp()
        for p in record["predictions"]:
            run_dir = Path(runs_dir) / record["study"] / p["cell"]
            if not (run_dir / "summary.json").exists():
                raise ValueError(f"{path}: predicted cell {p['cell']} has no finished run at {run_dir}")
            outcome = run_row(run_dir)
            observed, se = outcome[record["loss"]], outcome.get(TARGETS[record["kind"]].se, math.nan)
            rows.append({
                "study": record["study"], "cell": p["cell"], "law": record["law"], "N": p["N"],
                "D": p.get("D", math.nan), "predictors": len(record["predictors"]), "predicted": p["predicted"],
                "lo": p["lo"], "hi": p["hi"], "observed": observed, "se": se,
                "error": observed / p["predicted"] - 1, "inside": bool(p["lo"] <= observed <= p["hi"]),
                # L(N, D) predicts a converged loss: a data cell still improving at its last step is compute-limited
                "converged": bool(converged(pd.DataFrame([outcome])).iloc[0]) if record["kind"] == "data" else None,
                # the outcome was written after the prediction (a prediction remade later is not registered)
                "registered_before": registered < os.path.getmtime(run_dir / "summary.json"),
            })
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.registered", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict", help="predict a study's largest cells from its finished smaller runs")
    p.add_argument("run_dirs", nargs="+", type=Path, help="run directories of the smaller cells")
    p.add_argument("--study", required=True)
    p.add_argument("--kind", required=True, choices=sorted(TARGETS))
    p.add_argument("--cells-json", required=True, help="the predicted cells' settings, a JSON list")
    p.add_argument("--train-meta", required=True, help="the training shard's sidecar (tokens, vocab_size)")
    p.add_argument("--n-boot", type=int, default=FitSettings.n_boot)
    p.add_argument("--out", required=True)
    j = sub.add_parser("join", help="set each prediction beside its outcome (CSV and Markdown)")
    j.add_argument("predictions", nargs="+", help="prediction JSONs")
    j.add_argument("--runs-dir", default="results/runs")
    j.add_argument("--out", required=True, help="output stem: writes <stem>.csv and <stem>.md")
    a = parser.parse_args(argv)
    try:
        if a.command == "predict":
            try:
                cells = json.loads(a.cells_json)
            except json.JSONDecodeError as err:
                raise ValueError(f"--cells-json is not JSON ({err}): {a.cells_json[:80]!r}") from None
            record = write_prediction(a.out, a.study, a.kind, a.run_dirs, cells, a.train_meta, FitSettings(n_boot=a.n_boot))
            for row in record["predictions"]:
                print(f"{a.study}/{row['cell']}: {record['loss']} {row['predicted']:.4g} "
                      f"[{row['lo']:.4g}, {row['hi']:.4g}] from {len(record['predictors'])} runs")
        else:
            table = join(a.predictions, a.runs_dir)
            write_table(table, a.out)
            print(f"{int(table['inside'].sum())} of {len(table)} outcomes inside their prediction interval")
    except (OSError, ValueError) as err:  # a missing file, bad JSON, a fit's refusal (it names the runs)
        raise SystemExit(f"scalinglaws.registered {a.command}: error: {err}") from None


if __name__ == "__main__":
    main()
