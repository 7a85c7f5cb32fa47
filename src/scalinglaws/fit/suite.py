"""Fit every law the runs support, in both bases, and write fits and Tables 2-6.

Studies are told apart by the runs table's ``kind`` column: ``size`` (N sweep, full data),
``data`` (early-stopped (N, D) grid), ``batch`` (batch-size scans). A law whose study is absent is
left out and named in ``notes``; a law that is asked for but cannot be fitted (too few points, a
failed optimisation) is recorded as not fitted, with the reason, instead of stopping the others.

B_crit(L) depends on neither basis. S_min and C_min use the B_crit that ``RunSet.bcrit_choice``
adopts: the batch-scan fit (the paper's method) unless it is flagged, then the gradient noise
scale fit (the paper's Fig 10: B_crit ~ B_noise), else the paper's Table 5. Usage without Snakemake::

    python -m scalinglaws.fit suite --runs runs.parquet --curves curves.parquet --out results/fits
    python -m scalinglaws.fit L_N --runs runs.parquet --out results/fits/L_N.json [--basis total]
    scalinglaws fit L_ND --runs any.csv --columns N=params,D=tokens,L=loss [--out L_ND.json]

The last form fits one law to any CSV or parquet table whose columns it is told (``direct``).

The suite writes (``write_suite``)::

    <out>/<basis>/<law>.json            each fit with intervals and provenance, or {"not_fitted": reason}
    <out>/<basis>/adjusted_curves.parquet  the size study's curves with C, C_min, S_min, E_min (Eqs 5.4-5.5)
    <out>/<basis>/envelope_C.parquet    the compute-efficient frontiers L(C) and L(C_min) are fitted on
    <out>/<basis>/envelope_C_min.parquet   (and N_opt, S_min, B and D along them: Table 6)
    <out>/<basis>/early_stop.csv        S_stop against its Eq 5.7 bound (Fig 16), with a data study
    <out>/B_crit_adopted.json           the B_crit(L) that S_min and C_min use, and why
    <out>/batch_critical.csv            S_min, E_min, B_crit per (model, loss target) (Figs 10, 18)
    <out>/per_token.json                L(T) = a + b T^-c of every size-study run (Fig 20), given positions
    <out>/summary.json                  every constant, notes, the Eq 6.8 intersection (Fig 15)
    <tables>/tableN_<slug>.{csv,md}     Tables 2-6, the paper beside ours (Table 1 is train.table1's)

``suite_outputs`` names those files for a set of laws: the workflow's fit rule declares them from it
and the figures and the scorecard ask for them by its names, so the list above is kept in one place.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglaws.fit import analytic, batch, compute, context, direct, paper, size_data, tables
from scalinglaws.fit.core import FitResult, FitSettings, save_fit
from scalinglaws.io import atomic_path, read_json, write_json, write_table

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


class RunSet:
    """The runs and curves a fit reads, split by study kind (the size sweep, the (N, D) grid, the batch
    scans), with what several laws share computed once: the batch table, the adopted B_crit, the
    batch-adjusted curves and their envelopes.

    ``bcrit`` (B_star, alpha_B) overrides the B_crit used for S_min and C_min (see ``bcrit_choice``).
    """

    def __init__(self, runs, curves=None, *, settings=None, min_layers=2, kinds=("size", "data", "batch"),
                 bcrit=None):
        self.runs, self.settings, self.min_layers = runs, settings or FitSettings(), min_layers
        self.curves = None if curves is None else _with_total_flops(curves, runs)
        self.size, self.data, self.batch = (runs[runs["kind"] == kind] for kind in kinds)
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
            return len(self.batch) > 0 and self.curves is not None and len(self.batch_table()) > 2
        if need == "noise":
            return self.curves is not None and "noise_scale" in self.curves and self.curves["noise_scale"].notna().any()
        raise ValueError(need)

    def batch_table(self) -> pd.DataFrame:
        def make():
            targets = batch_targets(self.batch, self.curves)
            return batch.critical_batch_table(self.batch, self.curves, targets,
                                              settings=dataclasses.replace(self.settings, holdout=0))
        return self._once("batch_table", make)

    def B_crit(self) -> FitResult:
        return self._once("B_crit", lambda: batch.fit_B_crit(self.batch_table(), settings=self.settings))

    def B_crit_noise(self) -> FitResult:
        return self._once("B_crit_noise", lambda: batch.fit_B_crit_noise(self.curves, settings=self.settings))

    def bcrit_choice(self) -> dict:
        """The B_crit(L) that S_min and C_min use: ``{"source", "params", "fit", "reason"}`` (``adopt_bcrit``)."""
        def make():
            if self._bcrit is not None:
                return {"source": "given", "params": dict(self._bcrit), "fit": None, "reason": "set by the caller"}
            candidates = []
            for law, fit in (("B_crit", self.B_crit), ("B_crit_noise", self.B_crit_noise)):
                source = BCRIT_SOURCES[law]
                if self.has(FITS[law][0]):
                    try:
                        candidates.append((source, fit()))
                    except Exception as err:  # a degenerate scan: the next source may do
                        candidates.append((source, err))
            return adopt_bcrit(candidates)
        return self._once("bcrit_choice", make)

    def bcrit(self) -> dict | None:
        """B_star and alpha_B for S_min and C_min, or None for the paper's (``bcrit_choice``)."""
        choice = self.bcrit_choice()
        return None if choice["source"] == PAPER_BCRIT else choice["params"]

    def adjusted(self, basis: str) -> pd.DataFrame:
        """Batch-adjusted curves of the size study's runs with at least ``min_layers`` layers."""
        def make():
            cols = BASES[basis]
            deep = self.size[self.size["n_layer"] >= self.min_layers] if "n_layer" in self.size else self.size
            return compute.adjusted_curves(self.curves[self.curves["run_id"].isin(deep["run_id"])],
                                           deep.assign(N=deep[cols["N"]]), x=cols["flops"], bcrit=self.bcrit())
        return self._once(("adjusted", basis), make)

    def envelope(self, basis: str, x: str = "C_min") -> pd.DataFrame:
        return self._once(("envelope", basis, x), lambda: compute.envelope(self.adjusted(basis), x))

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
        limited = self.data[self.data["dataset_tokens"].notna()]
        if len(limited) <= 2:
            raise ValueError(f"L(D) needs at least 3 runs on a limited dataset, the data study has {len(limited)}")
        n = self.data[BASES[basis]["N"]]
        return size_data.fit_L_D(self.data[n == n.max()], settings=self.settings)

    def early_stop(self, basis: str, fits: dict[str, FitResult]) -> pd.DataFrame:
        """Each data-study run's stopping step against the Eq 5.7 bound from our L(N, D) and L(N, S)."""
        lns = fits["L_NS"].params if "L_NS" in fits else paper.TABLE_3
        return size_data.early_stop_table(self.data, {k: fits["L_ND"].params[k] for k in paper.TABLE_2},
                                          lns["S_c"], lns["alpha_S"], x=BASES[basis]["N"],
                                          bcrit=self.bcrit() if "batch_tokens" in self.data else None)

    def per_token(self, positions: pd.DataFrame) -> tuple[dict, list[str]]:
        """L(T) of every size-study run from its per-position test losses (Fig 20), and notes."""
        test = positions[(positions["set"] == "test") & positions["run_id"].isin(set(self.size["run_id"]))]
        size_n = self.size.set_index("run_id")["N"]
        fitted, notes = {}, []
        for run_id, g in test.groupby("run_id"):
            try:
                fit = context.fit_L_T(g["position"], g["loss"], settings=self.settings, provenance={"run_id": run_id})
            except Exception as err:  # one run's curve too flat or too short: the others still count
                notes.append(f"L(T) of {run_id} not fitted: {err}")
                continue
            fitted[run_id] = {**fit.to_dict(), "N": float(size_n.loc[run_id])}
        return fitted, notes


# where the adopted B_crit(L) comes from (B_crit_adopted.json's "source"): the fit of each law, else the paper's
BCRIT_SOURCES = {"B_crit": "batch scans", "B_crit_noise": "gradient noise scale"}
PAPER_BCRIT = "paper Table 5"


def adopt_bcrit(candidates: list[tuple[str, FitResult | Exception]]) -> dict:
    """Pick the B_crit(L) for S_min and C_min from fits in order of preference (source, fit or error).

    The batch scans measure B_crit directly, as the paper does, and come first; when their fit is
    flagged (an optimum at the edge of the grid, ill-conditioning: common on small scans) the
    gradient noise scale, which the paper's Fig 10 shows tracks B_crit, takes over if its fit is
    clean. When every fit is flagged the first is kept; with none, the paper's Table 5.
    Returns ``{"source", "params" (B_star, alpha_B), "fit" (FitResult or None), "reason"}``.
    """
    fitted = [(source, fit) for source, fit in candidates if isinstance(fit, FitResult)]
    problems = [f"{source}: not fitted ({fit})" for source, fit in candidates if not isinstance(fit, FitResult)]
    problems += [f"{source}: {w}" for source, fit in fitted for w in fit.warnings]
    if not fitted:
        return {"source": PAPER_BCRIT, "params": {k: paper.TABLE_5[k] for k in ("B_star", "alpha_B")}, "fit": None,
                "reason": "; ".join(problems) or "no batch study and no noise-scale measurements"}
    clean = [(source, fit) for source, fit in fitted if not fit.warnings]
    source, fit = (clean or fitted)[0]
    reason = "the first clean fit in order of preference" if clean else "every fit is flagged: the first is kept"
    return {"source": source, "params": {k: fit.params[k] for k in ("B_star", "alpha_B")}, "fit": fit,
            "reason": "; ".join([reason, *problems])}


def _trend(y, x="C_min"):
    return lambda st, b: compute.fit_trend(st.envelope(b, x), y, x=x, settings=st.settings)


# name -> (what it needs, how to fit it in a basis); the names are those ``tables`` reads
FITS = {
    "B_crit": ("batch", lambda st, b: st.B_crit()),
    "B_crit_noise": ("noise", lambda st, b: st.B_crit_noise()),
    "L_N": ("size", lambda st, b: st.compare_log_power(b)["power"]),
    "log_N": ("size", lambda st, b: st.compare_log_power(b)["log"]),
    "L_NS": ("curves", lambda st, b: compute.fit_L_NS(st.adjusted(b), settings=st.settings)),
    "L_C": ("curves", lambda st, b: compute.fit_L_C(st.envelope(b, "C"), "C", settings=st.settings)),
    "L_Cmin": ("curves", lambda st, b: compute.fit_L_C(st.envelope(b, "C_min"), "C_min", settings=st.settings)),
    "N_opt": ("curves", _trend("N")),
    "S_min_opt": ("curves", _trend("S_min")),
    "B_opt": ("curves", _trend("B_crit")),
    "D_opt": ("curves", _trend("tokens")),
    "N_vs_C": ("curves", _trend("N", x="C")),  # N against naive compute C = 6NBS (Fig 14 left)
    "L_D": ("data", lambda st, b: st.L_D(b)),
    "L_ND": ("data", lambda st, b: st.L_ND(b)),
    "overfitting": ("data", lambda st, b: size_data.fit_overfitting(st.data, st.L_ND(b), x=BASES[b]["N"], settings=st.settings)),
    "chinchilla": ("data", lambda st, b: st.chinchilla(b)),
}
# the study kind of a config whose runs each need comes from (the noise scale: a size study measuring it)
NEED_KIND = {"size": "size", "curves": "size", "data": "data", "batch": "batch", "noise": "noise"}
MISSING_STUDY_NOTES = {
    "batch": "B_crit(L) not fitted (no batch study)",
    "size": "no size study: L(N), L(C), L(C_min), L(N,S) and Table 6 not fitted",
    "data": "no data study: L(D), L(N,D), the overfitting fit and Chinchilla not fitted",
}
TABLES = {2: "fit_L_N_D", 3: "fit_L_N_S", 4: "trend_equations", 5: "trend_parameters", 6: "compute_efficient"}


def laws_for(kinds: set[str]) -> list[str]:
    """The laws a study with runs of these kinds supports (``studies.fit_kinds`` of a config)."""
    return [law for law, (need, _) in FITS.items() if NEED_KIND[need] in kinds]


def fit_paths(laws: list[str], out="results/fits") -> dict[str, str]:
    """``{"<basis>/<law>": path}`` of the fits ``write_suite`` writes for ``laws``."""
    return {f"{b}/{law}": f"{out}/{b}/{law}.json" for b in BASES for law in laws}


# what the suite writes beside the fits: name -> (the need of the laws that brings it, its file in a
# basis, or None for one file of both bases). A file of the total basis is named <name>_total.
SUITE_FILES = {
    "summary": (None, "summary.json"),
    "B_crit_adopted": (None, "B_crit_adopted.json"),
    "batch_critical": ("batch", "batch_critical.csv"),
    "per_token": ("size", "per_token.json"),
    "early_stop": ("data", "{basis}/early_stop.csv"),
    "adjusted_curves": ("curves", "{basis}/adjusted_curves.parquet"),
    "envelope_C": ("curves", "{basis}/envelope_C.parquet"),
    "envelope_C_min": ("curves", "{basis}/envelope_C_min.parquet"),
}


def suite_outputs(laws: list[str], out="results/fits") -> dict[str, str]:
    """``{name: path}`` of every file but the fits and tables that ``write_suite`` writes for ``laws``
    (``SUITE_FILES``): the non-embedding basis's as ``name``, the total basis's as ``name_total``."""
    needs = {FITS[law][0] for law in laws}
    paths = {}
    for name, (need, template) in SUITE_FILES.items():
        if need is not None and need not in needs:
            continue
        if "{basis}" not in template:
            paths[name] = f"{out}/{template}"
            continue
        for basis in BASES:
            paths[_basis_name(name, basis)] = f"{out}/{template.format(basis=basis)}"
    return paths


def _basis_name(name: str, basis: str) -> str:
    """A per-basis file's name in ``suite_outputs``: ``name`` for the non-embedding basis, else ``name_total``."""
    return name if basis == "non_embedding" else f"{name}_{basis}"


def table_paths(tables_out="results/tables") -> dict[int, str]:
    """Stems of Tables 2-6 as ``write_suite`` names them."""
    return {i: f"{tables_out}/table{i}_{slug}" for i, slug in TABLES.items()}


def fit_one(name: str, runs: RunSet, basis="non_embedding") -> FitResult:
    """One law of ``FITS`` on a ``RunSet``; a clear error if its runs are missing."""
    need, fit = FITS[name]
    if not runs.has(need):
        raise ValueError(f"{name} needs {need} runs (or curves), and the tables given have none")
    return fit(runs, basis)


def fit_suite(runs: pd.DataFrame, curves: pd.DataFrame | None, *, positions: pd.DataFrame | None = None,
              laws: list[str] | None = None, settings: FitSettings | None = None, bases=tuple(BASES), min_layers=2,
              kinds=("size", "data", "batch")) -> dict:
    """Fit ``laws`` (default: every law the runs support) in each basis.

    Returns ``{"fits": {basis: {law: FitResult}}, "not_fitted": {basis: {law: reason}}, "bcrit" (the
    adopted B_crit, see ``RunSet.bcrit_choice``), "bcrit_fit", "batch_table", "curve_tables", "early_stop",
    "intersection", "per_token", "models", "laws", "notes", "seconds"}``.
    Diverged runs are left out. ``kinds`` are the study kinds of the size sweep, the (N, D) grid and the
    batch scans in the runs table's ``kind`` column; ``positions`` (per-position test losses) adds the per-token fits of Fig 20.
    """
    t0 = time.perf_counter()
    notes = []
    if "status" in runs and (runs["status"] == "diverged").any():
        notes.append(f"left out {int((runs['status'] == 'diverged').sum())} diverged run(s)")
        runs = runs[runs["status"] != "diverged"]
    st = RunSet(runs, curves, settings=settings, min_layers=min_layers, kinds=kinds)
    notes += [note for need, note in MISSING_STUDY_NOTES.items() if not st.has(need)]
    laws = [law for law, (need, _) in FITS.items() if st.has(need)] if laws is None else list(laws)
    unknown = sorted(set(laws) - set(FITS))
    if unknown:
        raise ValueError(f"unknown law(s) {unknown}; known: {list(FITS)}")
    out: dict = {"laws": laws, "fits": {b: {} for b in bases}, "not_fitted": {b: {} for b in bases}, "notes": notes}
    for b in bases:
        for law in laws:
            try:
                out["fits"][b][law] = fit_one(law, st, b)
            except Exception as err:  # a degenerate grid: say why, fit the others
                out["not_fitted"][b][law] = str(err)
                notes.append(f"{b}/{law} not fitted: {err}")
        if any(FITS[law][0] == "curves" for law in laws) and st.has("curves"):
            try:
                curve_tables = {"adjusted_curves": st.adjusted(b), "envelope_C": st.envelope(b, "C"),
                                "envelope_C_min": st.envelope(b, "C_min")}
            except Exception as err:  # say, no size-study model deep enough: the files exist, empty, and say why here
                notes.append(f"{b}: no batch-adjusted curves or envelopes: {err}")
                curve_tables = dict.fromkeys(("adjusted_curves", "envelope_C", "envelope_C_min"), pd.DataFrame())
            out.setdefault("curve_tables", {})[b] = curve_tables
        fits = out["fits"][b]
        if "L_ND" in fits and "best_step" in st.data:
            out.setdefault("early_stop", {})[b] = st.early_stop(b, fits)
        if {"L_Cmin", "L_D", "D_opt", "N_opt"} <= set(fits):
            try:
                out.setdefault("intersection", {})[b] = intersection(fits)
            except ValueError as err:
                notes.append(f"{b}: no L(C_min) / L(D(C)) intersection: {err}")
    choice = st.bcrit_choice()
    out["bcrit"] = {k: v for k, v in choice.items() if k != "fit"}
    out["bcrit_fit"] = choice["fit"]
    if "B_crit" in laws:
        table = st.batch_table() if len(st.batch) and st.curves is not None else pd.DataFrame()
        if table.empty:
            table = pd.DataFrame(columns=["N", "L", "n_runs", "S_min", "E_min", "B_crit"])
            notes.append("batch study: no loss target reached by three batch sizes of one model")
        out["batch_table"] = table
    if positions is not None and len(st.size):
        out["per_token"], per_token_notes = st.per_token(positions)
        notes += per_token_notes
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


def write_suite(suite: dict, out: str | Path, tables_out: str | Path | None = None) -> None:
    """Write every file of the module docstring's list; Tables 2-6 go to ``tables_out``, default
    ``<out>/tables``."""
    out = Path(out)
    tables_out = Path(tables_out) if tables_out is not None else out / "tables"
    summary = {"laws": suite["laws"], "notes": suite["notes"], "seconds": suite["seconds"], "fits": {},
               "B_crit_adopted": suite["bcrit"], "intersection": suite.get("intersection", {})}
    for basis, fits in suite["fits"].items():
        for name, fit in fits.items():
            save_fit(fit, out / basis / f"{name}.json")
            summary["fits"][f"{basis}/{name}"] = {"params": fit.params, "intervals": fit.intervals,
                                                  "extrapolation": fit.extrapolation, "warnings": fit.warnings}
        for name, reason in suite["not_fitted"][basis].items():
            write_json(out / basis / f"{name}.json", {"law": name, "params": {}, "intervals": {}, "not_fitted": reason})
    paths = suite_outputs(suite["laws"], str(out))  # the files the workflow declares, by name
    write_json(paths["B_crit_adopted"], {"law": "B_crit(L) used for S_min and C_min", **suite["bcrit"]})
    if "batch_table" in suite:
        write_table(suite["batch_table"], paths["batch_critical"].removesuffix(".csv"))
    if "L_ND" in suite["laws"]:
        for basis in suite["fits"]:
            early = suite.get("early_stop", {}).get(basis, pd.DataFrame(columns=["run_id", "N", "D", "S_stop", "bound", "holds"]))
            write_table(early, paths[_basis_name("early_stop", basis)].removesuffix(".csv"))
    for basis, frames in suite.get("curve_tables", {}).items():
        for name, frame in frames.items():
            with atomic_path(paths[_basis_name(name, basis)]) as tmp:
                frame.to_parquet(tmp, index=False)
    if "per_token" in suite:
        write_json(paths["per_token"], suite["per_token"])
    fits = suite["fits"].get("non_embedding", {})
    for i, stem in table_paths(tables_out).items():
        table = tables.table_5(fits, suite["bcrit"], suite.get("bcrit_fit")) if i == 5 else getattr(tables, f"table_{i}")(fits)
        write_table(table, stem)
    write_json(paths["summary"], summary)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m scalinglaws.fit", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["suite", *dict.fromkeys([*FITS, *direct.LAWS])],
                   help="'suite' for every law, else one law")
    p.add_argument("--runs", required=True, help="runs table (parquet or CSV)")
    p.add_argument("--columns", help="one law on any table: SYMBOL=COLUMN for each input of the law and what it "
                                     "predicts, e.g. N=params,D=tokens,L=loss (see scalinglaws.fit.direct.LAWS)")
    p.add_argument("--groups", help="with --columns: the column naming each row's run, when rows are points "
                                    "along runs (the bootstrap then resamples whole runs)")
    p.add_argument("--id", default="run_id", help="with --columns: the column that names rows in errors")
    p.add_argument("--curves", help="curves table (parquet or CSV); needed by the curve and batch laws")
    p.add_argument("--positions", help="suite: per-position losses (parquet) for the per-token fits of Fig 20")
    p.add_argument("--laws", nargs="*", help="suite: the laws to fit, each written even when it cannot be "
                                             "fitted (default: every law the runs support)")
    p.add_argument("--out", help="a JSON file for one law (default <law>.json); a directory for the suite")
    p.add_argument("--tables", help="suite: directory of Tables 2-6 (default: <out>/tables)")
    p.add_argument("--basis", choices=list(BASES), default="non_embedding", help="one law: parameter basis")
    p.add_argument("--bcrit", help="one law: a B_crit fit (JSON) for S_min and C_min")
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--huber-delta", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    settings = FitSettings(n_boot=a.n_boot, huber_delta=a.huber_delta, seed=a.seed)
    runs = direct.read_table(a.runs)
    if a.what == "suite":
        if a.out is None:
            p.error("the suite needs --out DIRECTORY")
        curves = direct.read_table(a.curves) if a.curves else None
        positions = pd.read_parquet(a.positions) if a.positions else None
        suite = fit_suite(runs, curves, positions=positions, laws=a.laws, settings=settings)
        write_suite(suite, a.out, a.tables)
        print(f"{sum(len(f) for f in suite['fits'].values())} fits in {suite['seconds']:.1f} s -> {a.out}; "
              f"S_min and C_min use B_crit from {suite['bcrit']['source']}")
        for note in suite["notes"]:
            print("note:", note)
        return
    out = a.out or f"{a.what}.json"
    try:
        if a.columns:
            fit = direct.fit_columns(a.what, runs, direct.parse_columns(a.columns), groups=a.groups, id_column=a.id,
                                     settings=settings)
        else:
            fit = _fit_workflow_table(a, runs, settings)
    except ValueError as err:  # bad input or a missing study: the message says what, a traceback would not
        sys.exit(f"{p.prog} {a.what}: error: {err}")
    save_fit(fit, out)
    print(direct.describe(fit, a.runs))
    print(f"-> {out}")


def _fit_workflow_table(a, runs: pd.DataFrame, settings: FitSettings) -> FitResult:
    """One law of ``FITS`` on the workflow's runs table (columns in ``scalinglaws.fit``'s docstring)."""
    hint = f"for a table of your own, name its columns: --columns {','.join(f'{s}=...' for s in direct.symbols(a.what))}"
    if a.what not in FITS:
        raise ValueError(f"{a.what} is fitted only on named columns; {hint}")
    if "kind" not in runs:
        raise ValueError(f"{a.runs} has no 'kind' column, so it is not the workflow's runs table; {hint}")
    bcrit = None
    if a.bcrit:
        params = read_json(a.bcrit)["params"]
        bcrit = {k: params[k] for k in ("B_star", "alpha_B")}
    curves = direct.read_table(a.curves) if a.curves else None
    try:
        return fit_one(a.what, RunSet(runs, curves, settings=settings, bcrit=bcrit), a.basis)
    except KeyError as missing:
        raise ValueError(f"{a.what}: the runs table has no column {missing}; {hint}") from None


if __name__ == "__main__":
    main()
