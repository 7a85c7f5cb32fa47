"""Fit every law the runs support, in both bases, and write fits and Tables 2-6.

Studies are told apart by the runs table's ``study`` column: ``size`` (N sweep, full data),
``data`` (early-stopped (N, D) grid), ``batch`` (batch-size scans). A law whose study is absent is
left out and named in ``notes``. B_crit(L) depends on neither basis and is shared by both; without
a batch study, S_min and C_min use the paper's B_crit. Usage without Snakemake::

    python -m scalinglaws.fit suite --runs runs.parquet --curves curves.parquet --out results/fits
    python -m scalinglaws.fit L_N --runs runs.parquet --out results/fits/L_N.json [--basis total]
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


class Study:
    """The runs and curves of one analysis, split by study, with shared pieces computed once.

    ``bcrit`` (B_star, alpha_B) overrides the B_crit used for S_min and C_min; otherwise ours from
    the batch study, else the paper's Table 5.
    """

    def __init__(self, runs, curves=None, *, settings=None, min_layers=2, studies=("size", "data", "batch"),
                 bcrit=None):
        self.runs, self.settings, self.min_layers = runs, settings or FitSettings(), min_layers
        self.curves = None if curves is None else _with_total_flops(curves, runs)
        self.size, self.data, self.scan = (runs[runs["study"] == s] for s in studies)
        self._bcrit, self._cache = bcrit, {}

    def _once(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def has(self, need: str) -> bool:
        if need in ("size", "curves"):
            return len(self.size) > 0 and (need == "size" or self.curves is not None)
        if need == "data":
            return len(self.data) > 0
        if need == "batch":
            return len(self.scan) > 0 and self.curves is not None and len(self.batch_table()) > 2
        if need == "noise":
            return self.curves is not None and "noise_scale" in self.curves and self.curves["noise_scale"].notna().any()
        raise ValueError(need)

    def batch_table(self) -> pd.DataFrame:
        def make():
            targets = batch_targets(self.scan, self.curves)
            return batch.critical_batch_table(self.scan, self.curves, targets,
                                              settings=dataclasses.replace(self.settings, holdout=0))
        return self._once("batch_table", make)

    def B_crit(self) -> FitResult:
        return self._once("B_crit", lambda: batch.fit_B_crit(self.batch_table(), settings=self.settings))

    def bcrit(self) -> dict | None:
        if self._bcrit is None and len(self.scan) and self.has("batch"):
            self._bcrit = {k: self.B_crit().params[k] for k in ("B_star", "alpha_B")}
        return self._bcrit

    def adjusted(self, basis: str) -> pd.DataFrame:
        """Batch-adjusted curves of the size study's runs with at least ``min_layers`` layers."""
        def make():
            cols = BASES[basis]
            deep = self.size[self.size["n_layer"] >= self.min_layers] if "n_layer" in self.size else self.size
            return compute.adjusted_curves(self.curves[self.curves["run_id"].isin(deep["run_id"])],
                                           deep.assign(N=deep[cols["N"]]), x=cols["flops"], bcrit=self.bcrit())
        return self._once(("adjusted", basis), make)

    def envelope(self, basis: str) -> pd.DataFrame:
        return self._once(("envelope", basis), lambda: compute.envelope(self.adjusted(basis), "C_min"))

    def L_ND(self, basis: str) -> FitResult:
        return self._once(("L_ND", basis), lambda: size_data.fit_L_ND(self.data, x=BASES[basis]["N"], settings=self.settings))

    def compare_log_power(self, basis: str) -> dict:
        return self._once(("cmp", basis), lambda: size_data.compare_log_power(
            self.size, x=BASES[basis]["N"], min_layers=self.min_layers, settings=self.settings))

    def chinchilla(self, basis: str) -> FitResult:
        # Chinchilla's D is tokens trained on: up to the early-stopping step where it is known
        seen = self.data["dataset_tokens"].fillna(self.data["tokens"])
        if {"best_step", "batch_tokens"} <= set(self.data.columns):
            seen = (self.data["best_step"] * self.data["batch_tokens"]).fillna(seen)
        return size_data.fit_chinchilla(self.data.assign(D_seen=seen), x=BASES[basis]["N"], d="D_seen",
                                        loss="test_loss_best", settings=self.settings)

    def L_D(self, basis: str) -> FitResult:
        # the paper's D sweep is one model on nested subsets: take the data grid's largest model
        n = self.data[BASES[basis]["N"]]
        return size_data.fit_L_D(self.data[n == n.max()], settings=self.settings)


def _trend(y):
    return lambda st, b: compute.fit_trend(st.envelope(b), y, settings=st.settings)


# name -> (what it needs, how to fit it in a basis); the names are those ``tables`` reads
FITS = {
    "B_crit": ("batch", lambda st, b: st.B_crit()),
    "B_crit_noise": ("noise", lambda st, b: batch.fit_B_crit_noise(st.curves, settings=st.settings)),
    "L_N": ("size", lambda st, b: st.compare_log_power(b)["power"]),
    "log_N": ("size", lambda st, b: st.compare_log_power(b)["log"]),
    "L_NS": ("curves", lambda st, b: compute.fit_L_NS(st.adjusted(b), settings=st.settings)),
    "L_C": ("curves", lambda st, b: compute.fit_L_C(st.adjusted(b), "C", settings=st.settings)),
    "L_Cmin": ("curves", lambda st, b: compute.fit_L_C(st.adjusted(b), "C_min", settings=st.settings)),
    "N_opt": ("curves", _trend("N")),
    "S_min_opt": ("curves", _trend("S_min")),
    "B_opt": ("curves", _trend("B_crit")),
    "D_opt": ("curves", _trend("tokens")),
    "L_D": ("data", lambda st, b: st.L_D(b)),
    "L_ND": ("data", lambda st, b: st.L_ND(b)),
    "overfitting": ("data", lambda st, b: size_data.fit_overfitting(st.data, st.L_ND(b), x=BASES[b]["N"], settings=st.settings)),
    "chinchilla": ("data", lambda st, b: st.chinchilla(b)),
}


def fit_one(name: str, study: Study, basis="non_embedding") -> FitResult:
    """One law of ``FITS`` on a ``Study``; a clear error if its runs are missing."""
    need, fit = FITS[name]
    if not study.has(need):
        raise ValueError(f"{name} needs {need} runs (or curves), and the tables given have none")
    return fit(study, basis)


def fit_suite(runs: pd.DataFrame, curves: pd.DataFrame | None, *, settings: FitSettings | None = None,
              bases=("non_embedding", "total"), min_layers=2, studies=("size", "data", "batch")) -> dict:
    """Every fit the runs support. Returns ``{"fits": {basis: {name: FitResult}}, "batch_table",
    "envelope", "early_stop", "intersection", "models", "notes", "seconds"}``. ``studies`` names
    the size, data and batch studies in the ``study`` column."""
    t0 = time.perf_counter()
    st = Study(runs, curves, settings=settings, min_layers=min_layers, studies=studies)
    out: dict = {"fits": {b: {} for b in bases}, "notes": []}
    for need, missing in (("batch", "B_crit(L) not fitted (no batch study): S_min and C_min use the paper's "
                                    "Table 5 B_crit, which depends on the paper's tokenizer"),
                          ("size", "no size study: L(N), L(C), L(C_min), L(N,S) and Table 6 not fitted"),
                          ("data", "no data study: L(D), L(N,D), the overfitting fit and Chinchilla not fitted")):
        if not st.has(need):
            out["notes"].append(missing)
    for b in bases:
        fits = out["fits"][b]
        for name, (need, fit) in FITS.items():
            if st.has(need) and not (name == "L_D" and st.data["dataset_tokens"].notna().sum() <= 2):
                fits[name] = fit(st, b)
        if "L_NS" in fits:
            out.setdefault("envelope", {})[b] = st.envelope(b)
        if "L_ND" in fits and "best_step" in st.data:
            lns = fits["L_NS"].params if "L_NS" in fits else paper.TABLE_3
            out.setdefault("early_stop", {})[b] = size_data.early_stop_table(
                st.data, {k: fits["L_ND"].params[k] for k in paper.TABLE_2}, lns["S_c"], lns["alpha_S"],
                x=BASES[b]["N"], bcrit=st.bcrit() if "batch_tokens" in st.data else None)
        if {"L_Cmin", "L_D", "D_opt", "N_opt"} <= set(fits):
            out.setdefault("intersection", {})[b] = intersection(fits)
    if st.has("batch"):
        out["batch_table"] = st.batch_table()
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
    p.add_argument("what", choices=["suite", *FITS], help="'suite' for every law, else one law")
    p.add_argument("--runs", required=True, help="runs table (parquet)")
    p.add_argument("--curves", help="curves table (parquet); needed by the curve and batch laws")
    p.add_argument("--out", required=True, help="a JSON file for one law; a directory for the suite")
    p.add_argument("--basis", choices=list(BASES), default="non_embedding", help="one law: parameter basis")
    p.add_argument("--bcrit", help="one law: a B_crit fit (JSON) for S_min and C_min")
    p.add_argument("--models", help="suite: JSON of model shapes and measured counts for Table 1")
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--huber-delta", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    settings = FitSettings(n_boot=a.n_boot, huber_delta=a.huber_delta, seed=a.seed)
    runs = pd.read_parquet(a.runs)
    curves = pd.read_parquet(a.curves) if a.curves else None
    if a.what == "suite":
        suite = fit_suite(runs, curves, settings=settings)
        write_suite(suite, a.out, read_json(a.models) if a.models else None)
        print(f"{sum(len(f) for f in suite['fits'].values())} fits in {suite['seconds']:.1f} s -> {a.out}")
        for note in suite["notes"]:
            print("note:", note)
        return
    bcrit = None
    if a.bcrit:
        params = read_json(a.bcrit)["params"]
        bcrit = {k: params[k] for k in ("B_star", "alpha_B")}
    fit = fit_one(a.what, Study(runs, curves, settings=settings, bcrit=bcrit), a.basis)
    save_fit(fit, a.out)
    print(f"{a.what}: {fit.params} -> {a.out}")
    for w in fit.warnings:
        print("warning:", w)


if __name__ == "__main__":
    main()
