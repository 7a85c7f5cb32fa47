"""Fit every law the runs support, in both bases, and write fits and Tables 2-6.

Studies are told apart by the runs table's ``study`` column: ``size`` (N sweep, full data),
``data`` (early-stopped (N, D) grid), ``batch`` (batch-size scans). A law whose study is absent is
left out and named in ``notes``. B_crit(L) depends on neither basis and is shared by both; without
a batch study, S_min and C_min use the paper's B_crit. Usage without Snakemake::

    python -m scalinglaws.fit runs.parquet curves.parquet --out results/fits [--models models.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglaws.fit import analytic, batch, compute, paper, size_data, tables
from scalinglaws.fit.core import FitResult, FitSettings, save_fit
from scalinglaws.io import read_json, write_json

# column names of each basis: the paper's non-embedding counts, or every parameter
BASES = {
    "non_embedding": {"N": "N", "flops": "flops_6N"},
    "total": {"N": "N_total", "flops": "flops_6N_total"},
}


def batch_targets(runs: pd.DataFrame, curves: pd.DataFrame, loss="test_loss", n=12, min_runs=3) -> np.ndarray:
    """Loss targets that at least ``min_runs`` runs of every scan reach, log-spaced."""
    lows, highs = [], []
    for _, scan in runs.groupby("N"):
        c = curves[curves["run_id"].isin(scan["run_id"]) & curves[loss].notna()]
        mins = np.sort(c.groupby("run_id")[loss].min().to_numpy())
        if len(mins) >= min_runs:
            lows.append(mins[min_runs - 1])
            highs.append(c[loss].quantile(0.75))
    if not lows:
        return np.array([])
    return np.geomspace(1.01 * max(lows), min(highs), n)


def _with_total_flops(curves: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    if "flops_6N_total" in curves or "N_total" not in runs:
        return curves
    scale = curves["run_id"].map(runs.set_index("run_id")["N_total"] / runs.set_index("run_id")["N"])
    return curves.assign(flops_6N_total=curves["flops_6N"] * scale)


def fit_suite(runs: pd.DataFrame, curves: pd.DataFrame, *, settings: FitSettings | None = None,
              bases=("non_embedding", "total"), min_layers=2, studies=("size", "data", "batch")) -> dict:
    """Every fit the tables support. Returns ``{"fits": {basis: {name: FitResult}}, "batch_table",
    "envelope", "early_stop", "intersection", "models", "notes", "seconds"}``; fit names are those
    ``tables`` reads. ``studies`` names the size, data and batch studies in the ``study`` column."""
    t0 = time.perf_counter()
    settings = settings or FitSettings()
    curves = _with_total_flops(curves, runs)
    size, data, scan = (runs[runs["study"] == s] for s in studies)
    notes: list[str] = []
    out: dict = {"fits": {b: {} for b in bases}, "notes": notes}

    bcrit = None
    if len(scan):
        targets = batch_targets(scan, curves)
        table = batch.critical_batch_table(scan, curves, targets, settings=dataclasses.replace(settings, holdout=0))
        out["batch_table"] = table
        if len(table) > 2:
            fit = batch.fit_B_crit(table, settings=settings)
            bcrit = {k: fit.params[k] for k in ("B_star", "alpha_B")}
            for b in bases:
                out["fits"][b]["B_crit"] = fit
    if bcrit is None:
        notes.append("B_crit(L) not fitted (no batch study): S_min and C_min use the paper's Table 5 "
                     "B_crit, which depends on the paper's tokenizer")
    if "noise_scale" in curves and curves["noise_scale"].notna().any():
        fit = batch.fit_B_crit_noise(curves, settings=settings)
        for b in bases:
            out["fits"][b]["B_crit_noise"] = fit

    for b in bases:
        cols, fits = BASES[b], out["fits"][b]
        if len(size):
            deep = size[size["n_layer"] >= min_layers] if "n_layer" in size else size
            cmp = size_data.compare_log_power(size, x=cols["N"], min_layers=min_layers, settings=settings)
            fits["L_N"], fits["log_N"] = cmp["power"], cmp["log"]
            fits["log_N"].diagnostics["better_form"] = cmp["better"]
            adj = compute.adjusted_curves(curves[curves["run_id"].isin(deep["run_id"])],
                                          deep.assign(N=deep[cols["N"]]), x=cols["flops"], bcrit=bcrit)
            fits["L_NS"] = compute.fit_L_NS(adj, settings=settings)
            fits["L_C"] = compute.fit_L_C(adj, "C", settings=settings)
            fits["L_Cmin"] = compute.fit_L_C(adj, "C_min", settings=settings)
            env = compute.envelope(adj, "C_min")
            out.setdefault("envelope", {})[b] = env
            for name, y in (("N_opt", "N"), ("S_min_opt", "S_min"), ("B_opt", "B_crit"), ("D_opt", "tokens")):
                fits[name] = compute.fit_trend(env, y, settings=settings)
        if len(data):
            largest = data[data[cols["N"]] == data[cols["N"]].max()]
            if largest["dataset_tokens"].notna().sum() > 2:
                fits["L_D"] = size_data.fit_L_D(largest, settings=settings)
            fits["L_ND"] = size_data.fit_L_ND(data, x=cols["N"], settings=settings)
            fits["overfitting"] = size_data.fit_overfitting(data, fits["L_ND"], x=cols["N"], settings=settings)
            if "best_step" in data:
                lns = fits["L_NS"].params if "L_NS" in fits else paper.TABLE_3
                out.setdefault("early_stop", {})[b] = size_data.early_stop_table(
                    data, {k: fits["L_ND"].params[k] for k in paper.TABLE_2}, lns["S_c"], lns["alpha_S"],
                    x=cols["N"], bcrit=bcrit if "batch_tokens" in data else None)
            # Chinchilla's D is tokens trained on: up to the early-stopping step where it is known
            seen = data["dataset_tokens"].fillna(data["tokens"])
            if {"best_step", "batch_tokens"} <= set(data.columns):
                seen = (data["best_step"] * data["batch_tokens"]).fillna(seen)
            grid = data.assign(D_seen=seen)
            fits["chinchilla"] = size_data.fit_chinchilla(grid, x=cols["N"], d="D_seen", loss="test_loss_best", settings=settings)
        if {"L_Cmin", "L_D", "D_opt", "N_opt"} <= set(fits):
            out.setdefault("intersection", {})[b] = intersection(fits)
    if not len(size):
        notes.append("no size study: L(N), L(C), L(C_min), L(N,S) and Table 6 not fitted")
    if not len(data):
        notes.append("no data study: L(D), L(N,D), the overfitting fit and Chinchilla not fitted")
    out["models"] = tables.models_from_runs(runs)
    out["seconds"] = time.perf_counter() - t0
    return out


def intersection(fits: dict[str, FitResult]) -> dict:
    """Fig 15 / Eq 6.8 from our L(C_min), L(D), D_opt and N_opt fits, with a 95% interval from
    pairing the fits' bootstrap draws (independent resamples)."""
    keys = {"C_min_c": ("L_Cmin", "C_c"), "alpha_C_min": ("L_Cmin", "alpha_C"), "D_c": ("L_D", "D_c"),
            "alpha_D": ("L_D", "alpha_D"), "D_e": ("D_opt", "D_e"), "p_D": ("D_opt", "p_D"),
            "N_e": ("N_opt", "N_e"), "p_N": ("N_opt", "p_N")}
    point = analytic.intersection(**{k: fits[f].params[p] for k, (f, p) in keys.items()})
    n = min((len(fits[f].samples.get(p, [])) for f, p in keys.values()), default=0)
    draws = []
    for i in range(n):
        try:
            draws.append(analytic.intersection(**{k: fits[f].samples[p][i] for k, (f, p) in keys.items()}))
        except ValueError:  # the two laws do not cross for this draw
            continue
    out = {"point": point, "n_draws": len(draws), "paper": paper.INTERSECTION}
    if draws:
        out["intervals"] = {k: [float(v) for v in np.percentile([d[k] for d in draws], [2.5, 97.5])] for k in point}
    return out


def write_suite(suite: dict, out: str | Path, models: dict | None = None) -> None:
    """Write every fit as ``<out>/<basis>/<name>.json`` and Tables 1-6 as ``<out>/tables/tableN.{csv,md}``.

    Table 1 uses ``models`` (see ``tables.table_1``), else the shapes and counts in the runs table.
    """
    out = Path(out)
    summary = {"notes": suite["notes"], "seconds": suite["seconds"], "fits": {}}
    for basis, fits in suite["fits"].items():
        for name, fit in fits.items():
            save_fit(fit, out / basis / f"{name}.json")
            summary["fits"][f"{basis}/{name}"] = {"params": fit.params, "intervals": fit.intervals,
                                                  "extrapolation": fit.extrapolation, "warnings": fit.warnings}
    if "batch_table" in suite:
        tables.write_table(suite["batch_table"], out / "batch_critical")
    for basis, table in suite.get("early_stop", {}).items():
        tables.write_table(table, out / basis / "early_stop")
    summary["intersection"] = suite.get("intersection", {})
    fits = suite["fits"].get("non_embedding", {})
    for i, make in enumerate((tables.table_2, tables.table_3, tables.table_4, tables.table_5, tables.table_6), start=2):
        tables.write_table(make(fits), out / "tables" / f"table{i}")
    models = models or suite.get("models")
    if models:
        tables.write_table(tables.table_1(models), out / "tables" / "table1")
    write_json(out / "summary.json", summary)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m scalinglaws.fit", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", help="runs table (parquet)")
    p.add_argument("curves", help="curves table (parquet)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--models", help="JSON of model shapes and measured counts for Table 1")
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--huber-delta", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    settings = FitSettings(n_boot=a.n_boot, huber_delta=a.huber_delta, seed=a.seed)
    suite = fit_suite(pd.read_parquet(a.runs), pd.read_parquet(a.curves), settings=settings)
    write_suite(suite, a.out, read_json(a.models) if a.models else None)
    n = sum(len(f) for f in suite["fits"].values())
    print(f"{n} fits in {suite['seconds']:.1f} s -> {a.out}")
    for note in suite["notes"]:
        print("note:", note)


if __name__ == "__main__":
    main()
