"""Figure 1: test loss is a power law in compute, dataset size and model size.

Compute: every learning curve of the size study against C = 6NBS (PF-days, non-embedding), the
lower envelope, and L(C_min) (ours and the paper's 2.3e8 / 0.050). Dataset size: the early-stopped
loss of the data study's largest model on each subset, with L(D). Parameters: the final loss of
each size-study model, with L(N).
"""

from __future__ import annotations

import pandas as pd

from scalinglaws.evaluate.select import evals, lower_envelope, study
from scalinglaws.figures.style import OUR_FIT, OURS, PAPER_FIT, fitted, interval, log_grid, note, panels, sci
from scalinglaws.fit import analytic, paper

NEEDS = {"size"}
INPUTS = ("runs", "curves", "fit_L_N")
OPTIONAL = ("fit_L_Cmin", "fit_L_D")


def our_label(fit: dict, x: str, scale: str, alpha: str) -> str:
    p = fit["params"]
    return f"ours: $L = ({x}/{sci(p[scale])})^{{-\\alpha}}$, $\\alpha$ = {interval(fit, alpha)}"


def draw_compute(ax, runs: pd.DataFrame, curves: pd.DataFrame, fit: dict | None) -> None:
    points = evals(curves, study(runs, "size")["run_id"])
    for _, curve in points.groupby("run_id"):
        ax.plot(curve["flops_6N"] / paper.PF_DAY, curve["test_loss"], color="C0", alpha=0.3, lw=0.9)
    C = (points["flops_6N"] / paper.PF_DAY).to_numpy()
    x, y = lower_envelope(C, points["test_loss"].to_numpy())
    ax.plot(x, y, color="k", lw=1.6, label="lower envelope (compute-efficient frontier)")
    grid = log_grid(C, pad=1)
    if fitted(fit):
        ax.plot(grid, analytic.L_X(grid, fit["params"]["C_c"], fit["params"]["alpha_C"]), **OUR_FIT,
                label=our_label(fit, "C_{min}", "C_c", "alpha_C"))
    ax.plot(grid, analytic.L_X(grid, paper.FIG_1["C_min_c"], paper.FIG_1["alpha_C_min"]), color="C1", ls="--", lw=1.5,
            label="paper: $L = (C_{min}/2.3\\cdot10^{8})^{-0.050}$")
    ax.set(xscale="log", yscale="log", xlabel="Compute (PF-days, non-embedding)", ylabel="Test loss", title="Compute")
    ax.legend()


def draw_data(ax, runs: pd.DataFrame, fit: dict | None) -> None:
    data = study(runs, "data")
    ax.set(xscale="log", yscale="log", xlabel="Dataset size (tokens)", ylabel="Test loss", title="Dataset size")
    if data.empty:
        note(ax, "no data study configured")
        return
    largest = data[(data["N"] == data["N"].max()) & data["dataset_tokens"].notna()]
    ax.scatter(largest["dataset_tokens"], largest["test_loss_best"], s=28, zorder=3,
               label=f"ours: N = {largest['N'].iloc[0]:.3g}, early-stopped", **OURS)
    grid = log_grid(largest["dataset_tokens"])
    if fitted(fit):
        ax.plot(grid, analytic.L_X(grid, fit["params"]["D_c"], fit["params"]["alpha_D"]), **OUR_FIT,
                label=our_label(fit, "D", "D_c", "alpha_D"))
    else:
        note(ax, "L(D) not fitted (see results/fits/summary.json)")
    ax.plot(grid, analytic.L_X(grid, paper.FIG_1["D_c"], paper.FIG_1["alpha_D"]), **PAPER_FIT,
            label="paper: $L = (D/5.4\\cdot10^{13})^{-0.095}$")
    ax.legend()


def draw_parameters(ax, runs: pd.DataFrame, fit: dict) -> None:
    size = study(runs, "size")
    used = size["run_id"].isin(fit.get("provenance", {}).get("run_ids", size["run_id"]))
    ax.scatter(size.loc[used, "N"], size.loc[used, "test_loss"], s=28, zorder=3, label="our runs", **OURS)
    if (~used).any():
        ax.scatter(size.loc[~used, "N"], size.loc[~used, "test_loss"], s=28, zorder=3, facecolors="none",
                   edgecolors="C0", label="left out of the fit (1 layer)")
    grid = log_grid(size["N"])
    if fitted(fit):
        ax.plot(grid, analytic.L_X(grid, fit["params"]["N_c"], fit["params"]["alpha_N"]), **OUR_FIT,
                label=our_label(fit, "N", "N_c", "alpha_N"))
    ax.plot(grid, analytic.L_X(grid, paper.FIG_1["N_c"], paper.FIG_1["alpha_N"]), **PAPER_FIT,
            label="paper: $L = (N/8.8\\cdot10^{13})^{-0.076}$")
    ax.set(xscale="log", yscale="log", xlabel="Parameters (non-embedding)", ylabel="Test loss", title="Parameters")
    ax.legend()


def draw(runs: pd.DataFrame, curves: pd.DataFrame, fit_L_N: dict, fit_L_Cmin: dict | None = None,
         fit_L_D: dict | None = None):
    fig, (ax_c, ax_d, ax_n) = panels(3, "Figure 1: test loss as a power law in compute, data and model size")
    draw_compute(ax_c, runs, curves, fit_L_Cmin)
    draw_data(ax_d, runs, fit_L_D)
    draw_parameters(ax_n, runs, fit_L_N)
    return fig
