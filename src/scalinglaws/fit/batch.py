"""Critical batch size: batch-scan crossings, the S-E hyperbola per loss target, B_crit(L).

A scan is a set of runs of one model that differ only in batch size. For each loss target the
(S, E = B S) at which every run first reaches it lies on (S/S_min - 1)(E/E_min - 1) = 1 (Eq 5.1);
B_crit = E_min / S_min (Eq 5.2), and B_crit(L) = B_* / L^(1/alpha_B) (Eq 5.3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.fit import laws
from scalinglaws.fit.core import FitResult, FitSettings, fit_law
from scalinglaws.fit.size_data import fit_table


def first_reach(steps, loss, target: float) -> float:
    """Step at which a curve first reaches ``target``, interpolated in log-log; NaN if never.

    The running minimum of the loss is used, so evaluation noise cannot make it reach twice.
    """
    steps, loss = np.asarray(steps, dtype=float), np.minimum.accumulate(np.asarray(loss, dtype=float))
    hit = np.flatnonzero(loss <= target)
    if not len(hit):
        return np.nan
    i = hit[0]
    if i == 0:
        return float(steps[0])
    l0, l1 = np.log(loss[i - 1]), np.log(loss[i])
    t = (l0 - np.log(target)) / (l0 - l1)
    return float(np.exp(np.log(steps[i - 1]) + t * (np.log(steps[i]) - np.log(steps[i - 1]))))


def crossings(runs: pd.DataFrame, curves: pd.DataFrame, targets, loss="test_loss") -> pd.DataFrame:
    """(S, E) at which each run first reaches each target: columns run_id, batch_tokens, L, S, E."""
    rows = []
    for run in runs.itertuples():
        c = curves[(curves["run_id"] == run.run_id) & curves[loss].notna() & (curves["step"] > 0)].sort_values("step")
        for L in targets:
            S = first_reach(c["step"], c[loss], L)
            if np.isfinite(S):
                rows.append({"run_id": run.run_id, "batch_tokens": run.batch_tokens, "L": L, "S": S, "E": S * run.batch_tokens})
    return pd.DataFrame(rows, columns=["run_id", "batch_tokens", "L", "S", "E"])


def fit_hyperbola(S, E, *, settings: FitSettings | None = None) -> FitResult:
    """Fit S_min/S + E_min/E = 1 (Eq 5.1) to one target's (S, E) points.

    Linear least squares on (1/S, 1/E) gives the start; the grid spans it by 4x either way.
    """
    S, E = np.asarray(S, dtype=float), np.asarray(E, dtype=float)
    sol, *_ = np.linalg.lstsq(np.column_stack([1 / S, 1 / E]), np.ones_like(S), rcond=None)
    s0 = sol[0] if sol[0] > 0 else 0.5 * S.min()
    e0 = sol[1] if sol[1] > 0 else 0.5 * E.min()
    grid = {"S_min": [s0 / 4, s0, s0 * 4], "E_min": [e0 / 4, e0, e0 * 4]}
    return fit_law(laws.BATCH_HYPERBOLA, {"S": S, "E": E}, np.ones_like(S), settings=settings, grid=grid)


def critical_batch_table(runs, curves, targets, loss="test_loss", *, by="N", min_runs=3, settings=None) -> pd.DataFrame:
    """S_min, E_min and B_crit for every (model, target) with at least ``min_runs`` crossings.

    ``runs`` holds the scan runs; ``by`` names the column that tells scans apart (one per model).
    """
    settings = settings or FitSettings(holdout=0)
    rows = []
    for key, scan in runs.groupby(by):
        cross = crossings(scan, curves, targets, loss)
        for L, pts in cross.groupby("L"):
            if pts["batch_tokens"].nunique() < min_runs:
                continue
            fit = fit_hyperbola(pts["S"], pts["E"], settings=settings)
            row = {by: key, "L": L, "n_runs": len(pts), **fit.params, "warnings": "; ".join(fit.warnings),
                   "run_ids": ",".join(map(str, pts["run_id"]))}
            row["B_crit"] = fit.params["E_min"] / fit.params["S_min"]
            if fit.samples:
                b = fit.samples["E_min"] / fit.samples["S_min"]
                row["B_crit_lo"], row["B_crit_hi"] = np.percentile(b, [2.5, 97.5])
            rows.append(row)
    return pd.DataFrame(rows)


def fit_B_crit(table: pd.DataFrame, *, settings=None) -> FitResult:
    """B_crit(L) = B_* / L^(1/alpha_B) (Eq 5.3) fitted to a ``critical_batch_table``."""
    return fit_table(laws.B_CRIT, table, {"L": "L"}, "B_crit",
                     settings=settings, description="B_crit(L) from batch-size scans (Eq 5.1 per target)")


def fit_B_crit_noise(curves: pd.DataFrame, loss="train_loss", noise="noise_scale", *, settings=None) -> FitResult:
    """B_crit(L) fitted to the gradient noise scale B_simple measured along training (Fig 10)."""
    df = curves[curves[noise].notna() & curves[loss].notna() & (curves[noise] > 0)]
    return fit_table(laws.B_CRIT, df, {"L": loss}, noise, settings=settings, groups="run_id",
                     description=f"B_crit(L) from the gradient noise scale column {noise!r}")
