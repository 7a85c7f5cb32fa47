"""Learning-curve fits: L(N, S), the compute-efficient envelope, L(C), L(C_min), Table 6 trends.

Compute is in PF-days. Steps and compute are adjusted for the batch size with B_crit(L)
(Eqs 5.4, 5.5); pass our fitted ``B_star, alpha_B`` or the paper's (tokenizer-dependent) ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.fit import analytic, laws, paper
from scalinglaws.fit.core import FitResult
from scalinglaws.fit.size_data import fit_table


def _bcrit(bcrit):
    return dict(bcrit or {"B_star": paper.TABLE_5["B_star"], "alpha_B": paper.TABLE_5["alpha_B"]})


def adjusted_curves(curves, runs, x="flops_6N", loss="test_loss", bcrit=None) -> pd.DataFrame:
    """Curve points with N, B, C (PF-days), C_min, S_min and E_min beside them; NaN losses dropped.

    ``x`` is the compute column (``flops_6N`` or ``flops_6N_total``); ``bcrit`` holds B_star and
    alpha_B (default: Table 5).
    """
    bc = _bcrit(bcrit)
    cols = [c for c in ("run_id", "N", "N_total", "n_layer", "batch_tokens") if c in runs]
    df = curves[curves[loss].notna() & (curves["step"] > 0)].merge(runs[cols], on="run_id")
    L, B = df[loss].to_numpy(), df["batch_tokens"].to_numpy(dtype=float)
    return df.assign(
        C=df[x] / paper.PF_DAY,
        C_min=analytic.C_min(df[x] / paper.PF_DAY, B, L, **bc),
        S_min=analytic.S_min(df["step"], B, L, **bc),
        E_min=analytic.E_min(df["step"], B, L, **bc),
        B_crit=analytic.B_crit(L, **bc),
    )


def envelope(adjusted: pd.DataFrame, x="C", loss="test_loss", n_grid=40, drop_smallest=True) -> pd.DataFrame:
    """Lower envelope of loss against ``x`` over all runs on a log grid of ``x`` (Fig 1, Fig 13).

    Each run's curve is interpolated in log-log within its own range; every grid point keeps the
    run that is lowest there, with that run's N, S_min and B_crit at the point. Where the smallest
    model is lowest, a smaller one (not trained) would have been lower still, so those points
    are dropped unless ``drop_smallest`` is False (on synthetic curves, keeping them biases
    alpha_C^min from 0.053 to 0.061).
    """
    lo, hi = adjusted[x].min(), adjusted[x].max()
    grid = np.geomspace(lo, hi, n_grid)
    best = np.full(n_grid, np.inf)
    rows: list[dict | None] = [None] * n_grid
    # sorted by x, not step: noise in L can make C_min(step) wiggle, and np.interp needs order
    for run_id, c in adjusted.sort_values(x).groupby("run_id"):
        cx = c[x].to_numpy()
        lx = np.log(cx)
        inside = (grid >= cx.min()) & (grid <= cx.max())
        lg = np.log(grid[inside])
        interp = {k: np.exp(np.interp(lg, lx, np.log(c[k].to_numpy()))) for k in (loss, "S_min", "B_crit", "step")}
        for j, i in enumerate(np.flatnonzero(inside)):
            if interp[loss][j] < best[i]:
                best[i] = interp[loss][j]
                rows[i] = {x: grid[i], "L": interp[loss][j], "run_id": run_id, "N": c["N"].iloc[0],
                           "N_total": c["N_total"].iloc[0] if "N_total" in c else np.nan,
                           "S_min": interp["S_min"][j], "B_crit": interp["B_crit"][j],
                           "step": interp["step"][j], "tokens": interp["step"][j] * c["batch_tokens"].iloc[0]}
    env = pd.DataFrame([r for r in rows if r is not None])
    return env[env["N"] > adjusted["N"].min()] if drop_smallest else env


def fit_L_C(env: pd.DataFrame, x="C", *, settings=None) -> FitResult:
    """L(C) = (C_c/C)^alpha_C on the lower envelope against C (``x="C"``, see ``envelope``), or
    L(C_min) on the envelope against C_min (``x="C_min"``)."""
    fit = fit_table(laws.power_law("C", scales=laws.PF_DAY_SCALES), env, {"C": x}, "L", settings=settings,
                    description=f"L({x}) on the lower envelope of {env['run_id'].nunique()} runs' curves",
                    one_row_per_run=False)
    fit.provenance["envelope"] = env.to_dict(orient="list")
    return fit


def fit_trend(env: pd.DataFrame, y: str, x="C_min", *, settings=None) -> FitResult:
    """Table 6 trend y = y_e x^p_y along the envelope, e.g. ``y="N"`` for N_opt(C_min).

    ``y`` is one of the envelope's columns: N, S_min (fitted as S), B_crit (as B), tokens (as D).
    """
    symbol = {"N": "N", "N_total": "N", "S_min": "S", "B_crit": "B", "tokens": "D"}[y]
    xs = "C_min" if x.startswith("C_min") else "C"
    return fit_table(laws.trend_law(xs, symbol), env, {xs: x}, y, settings=settings,
                     description=f"{y} of the compute-efficient frontier against {x}", one_row_per_run=False)


def fit_L_NS(adjusted, x="N", loss="test_loss", *, points_per_run=40, settings=None) -> FitResult:
    """L(N, S) = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S (Eq 1.6, Table 3) on post-warmup curves.

    Warmup ends where the learning rate peaks; each run keeps ``points_per_run`` points evenly
    spaced in log step, so long runs do not outweigh short ones. Bootstrap resamples whole runs.
    """
    parts = []
    for _, c in adjusted.sort_values("step").groupby("run_id"):
        if "lr" in c and c["lr"].notna().any():
            c = c[c["step"] > c["step"].iloc[int(np.nanargmax(c["lr"].to_numpy()))]]
        if len(c) > points_per_run:
            want = np.geomspace(c["step"].iloc[0], c["step"].iloc[-1], points_per_run)
            c = c.iloc[np.unique(np.searchsorted(c["step"].to_numpy(), want).clip(0, len(c) - 1))]
        parts.append(c)
    df = pd.concat(parts)
    return fit_table(laws.L_NS, df, {"N": x, "S_min": "S_min"}, loss, settings=settings, groups="run_id",
                     description="L(N,S) on post-warmup curve points, S_min from Eq 5.4")
