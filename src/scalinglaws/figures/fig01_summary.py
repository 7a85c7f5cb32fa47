"""Figure 1: test loss against compute and against non-embedding parameters.

Compute panel: every learning curve of the size study against C = 6NBS in PF-days, with the lower
envelope (the compute-efficient frontier). Parameters panel: the final test loss of each model,
our L(N) fit and the paper's L = (N / 8.8e13)^-0.076.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.figures.style import OUR_FIT, OURS, PAPER_FIT, interval, log_grid, panels
from scalinglaws.fit import paper
from scalinglaws.fit.laws import power_law

INPUTS = ("runs", "curves", "fit_L_N")


def lower_envelope(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of (x, y) that no point with smaller or equal x beats: the frontier, in x order."""
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    keep = y <= np.minimum.accumulate(y)
    return x[keep], y[keep]


def draw_compute(ax, runs: pd.DataFrame, curves: pd.DataFrame) -> None:
    size_runs = runs[runs["study"] == "size"]["run_id"]
    evals = curves[curves["run_id"].isin(size_runs) & curves["test_loss"].notna() & (curves["step"] > 0)]
    for _, curve in evals.groupby("run_id"):
        ax.plot(curve["flops_6N"] / paper.PF_DAY, curve["test_loss"], color="C0", alpha=0.35, lw=0.9)
    x, y = lower_envelope((evals["flops_6N"] / paper.PF_DAY).to_numpy(), evals["test_loss"].to_numpy())
    ax.plot(x, y, color="k", lw=1.6, label="compute-efficient frontier")
    ax.set(xscale="log", yscale="log", xlabel="Compute (PF-days, non-embedding)", ylabel="Test loss", title="Compute")
    ax.legend()


def draw_parameters(ax, runs: pd.DataFrame, fit: dict) -> None:
    size = runs[runs["study"] == "size"]
    used = size["run_id"].isin(fit["provenance"].get("run_ids", size["run_id"]))
    ax.scatter(size.loc[used, "N"], size.loc[used, "test_loss"], s=28, zorder=3, label="our runs", **OURS)
    if (~used).any():
        ax.scatter(size.loc[~used, "N"], size.loc[~used, "test_loss"], s=28, zorder=3, facecolors="none",
                   edgecolors="C0", label="left out of the fit (1 layer)")
    grid = log_grid(size["N"])
    law = power_law("N")
    ax.plot(grid, law.fn({"N": grid}, **fit["params"]), **OUR_FIT,
            label=f"ours: $(N/{fit['params']['N_c']:.2g})^{{-\\alpha_N}}$, $\\alpha_N$ = {interval(fit, 'alpha_N')}")
    ax.plot(grid, law.fn({"N": grid}, N_c=paper.TABLE_5["N_c"], alpha_N=paper.TABLE_5["alpha_N"]), **PAPER_FIT,
            label="paper: $(N/8.8\\cdot10^{13})^{-0.076}$")
    ax.set(xscale="log", yscale="log", xlabel="Parameters (non-embedding)", ylabel="Test loss", title="Parameters")
    ax.legend()


def draw(runs: pd.DataFrame, curves: pd.DataFrame, fit_L_N: dict):
    fig, (ax_c, ax_n) = panels(2, "Figure 1: test loss as a power law in compute and model size")
    draw_compute(ax_c, runs, curves)
    draw_parameters(ax_n, runs, fit_L_N)
    return fig
