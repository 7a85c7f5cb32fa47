"""Figure 4: loss against model and dataset size, and against model size and training steps.

Left: the early-stopped test loss of every (N, D) cell of the data study against D, one colour per
N, with our L(N, D) fit (Eq 1.5, Table 2; solid) and the paper's Table 2 law (dashed). Hollow markers
are cells still improving at their last step (compute-limited), which the fit leaves out. Right: the
size study's post-warmup learning curves against S_min (Eq 5.4), coloured by N, with our L(N, S)
fit (Eq 1.6, Table 3; dashed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.evaluate.select import study
from scalinglaws.figures.style import (colorbar, fitted, interval, label_still_improving, log_grid, note, panels,
                                       scatter_converged)
from scalinglaws.fit import analytic, paper

NEEDS = {"data"}
INPUTS = ("runs", "fit_L_ND")
OPTIONAL = ("fit_L_NS", "adjusted_curves")


def draw_data(ax, runs: pd.DataFrame, fit: dict) -> None:
    data = study(runs, "data")
    D_max = data["dataset_tokens"].max()
    grid = log_grid(data["dataset_tokens"])
    for i, (N, cells) in enumerate(sorted(data.groupby("N"), reverse=True)):
        cells = cells.assign(D=cells["dataset_tokens"].fillna(2 * D_max)).sort_values("D")
        scatter_converged(ax, cells, "D", color=f"C{i}", label=f"N = {N:.3g}")
        if fitted(fit):
            ax.plot(grid, analytic.L_N_D(N, grid, **fit["params"]), color=f"C{i}", lw=1.4)
        ax.plot(grid, analytic.L_N_D(N, grid, **paper.TABLE_2), color=f"C{i}", lw=1, ls="--", alpha=0.6)
    ax.plot([], [], color="0.3", lw=1.4, label=(f"ours: L(N, D), $\\alpha_D$ = {interval(fit, 'alpha_D')}"
                                                if fitted(fit) else "L(N, D) not fitted"))
    ax.plot([], [], color="0.3", lw=1, ls="--", label="paper: Table 2")
    label_still_improving(ax, data)
    ax.set(xscale="log", yscale="log", xlabel="Tokens in dataset (unlimited: plotted at 2x the largest)",
           ylabel="Loss (early-stopped)", title="Loss vs model and dataset size")
    ax.legend(title="Params (non-embedding)")


def draw_steps(ax, adj: pd.DataFrame | None, fit: dict | None) -> None:
    if adj is None or adj.empty:
        note(ax, "no size study configured")
        return
    color = colorbar(ax, adj["N"], "Parameters (non-embedding)")
    for N, c in adj.groupby("N"):
        c = c.sort_values("step")
        c = c[c["step"] > c["step"].iloc[int(np.nanargmax(c["lr"].to_numpy()))]]  # after warmup
        ax.plot(c["S_min"], c["test_loss"], color=color(N), lw=1.2)
        if fitted(fit):
            ax.plot(c["S_min"], analytic.L_N_S(N, c["S_min"], **fit["params"]), color=color(N), lw=1, ls="--")
    if fitted(fit):
        ax.plot([], [], color="0.3", ls="--", label=f"ours: L(N, S), $\\alpha_S$ = {interval(fit, 'alpha_S')}")
        ax.legend()
    ax.set(xscale="log", yscale="log", xlabel="Estimated $S_{min}$ (steps)", ylabel="Loss",
           title="Loss vs model size and training steps")


def draw(runs: pd.DataFrame, fit_L_ND: dict, fit_L_NS: dict | None = None, adjusted_curves: pd.DataFrame | None = None):
    fig, (left, right) = panels(2, "Figure 4: L(N, D) and L(N, S)")
    draw_data(left, runs, fit_L_ND)
    draw_steps(right, adjusted_curves, fit_L_NS)
    return fig
