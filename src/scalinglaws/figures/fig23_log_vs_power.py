"""Figure 23: a power law fits L(N) better than a logarithm.

The size study's final test loss against N with our power law (N_c/N)^alpha_N and our logarithmic
fit -k ln(N/N_0), both on models of 2 or more layers, beside the paper's two fits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.evaluate.select import study
from scalinglaws.figures.style import PAPER_FIT, fitted, interval, log_grid, panels, sci
from scalinglaws.fit import analytic, paper

NEEDS = {"size"}
INPUTS = ("runs", "fit_L_N", "fit_log_N")


def draw(runs: pd.DataFrame, fit_L_N: dict, fit_log_N: dict):
    size = study(runs, "size")
    fig, (ax,) = panels(1, "Figure 23: power-law and logarithmic fits")
    fig.set_size_inches(6.6, 4.8)
    ax.scatter(size["N"], size["test_loss"], s=28, zorder=3, color="C0", label="our runs")
    grid = log_grid(size["N"])
    if fitted(fit_L_N):
        p = fit_L_N["params"]
        ax.plot(grid, analytic.L_X(grid, p["N_c"], p["alpha_N"]), color="C3", lw=1.8,
                label=f"ours: $(N/{sci(p['N_c'])})^{{-\\alpha_N}}$, $\\alpha_N$ = {interval(fit_L_N, 'alpha_N')}")
    if fitted(fit_log_N):
        p = fit_log_N["params"]
        ax.plot(grid, -p["k"] * np.log(grid / p["N_0"]), color="C2", lw=1.8,
                label=f"ours: $-k\\,\\log(N/{sci(p['N_0'])})$, k = {interval(fit_log_N, 'k')}")
    ax.plot(grid, analytic.L_X(grid, paper.TABLE_5["N_c"], paper.TABLE_5["alpha_N"]), **PAPER_FIT,
            label="paper: $(N/8.8\\cdot10^{13})^{-0.076}$")
    k, N_0 = paper.LOG_FIT_FIG_23["k"], paper.LOG_FIT_FIG_23["N_0"]
    ax.plot(grid, -k * np.log(grid / N_0), color="0.45", ls=":", lw=1.5, label="paper: $-0.25\\,\\log(N/7.1\\cdot10^{12})$")
    ax.set(xscale="log", yscale="log", xlabel="Parameters (non-embedding)", ylabel="Test loss (at convergence)")
    ax.legend(fontsize=7)
    return fig
