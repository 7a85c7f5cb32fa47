"""Figure 14: the compute-optimal model size and number of steps against the compute budget.

Left: N of the model on the lower envelope of the size study's curves against C_min (and against
the fixed-batch C), with our fits N = N_e C_min^p_N and N = N_e C^p_N and the paper's
1.3e9 C_min^0.73 and 1.6e9 C^0.88. Right: S_min and the fixed-batch S along the envelope, with our
S_min = S_e C_min^p_S and the paper's 5.4e3 C_min^0.03.
"""

from __future__ import annotations

import pandas as pd

from scalinglaws.figures.style import fitted, interval, log_grid, panels, sci
from scalinglaws.fit import paper

NEEDS = {"size"}
INPUTS = ("envelope_C", "envelope_C_min")
OPTIONAL = ("fit_N_opt", "fit_N_vs_C", "fit_S_min_opt")


def trend(ax, grid, fit, symbol, x, color):
    if fitted(fit):
        p = fit["params"]
        ax.plot(grid, p[f"{symbol}_e"] * grid ** p[f"p_{symbol}"], color=color, lw=1.6,
                label=f"ours: ${symbol} = {sci(p[f'{symbol}_e'])}\\,{x}^{{p}}$, p = {interval(fit, f'p_{symbol}', '.2f')}")


def draw(envelope_C: pd.DataFrame, envelope_C_min: pd.DataFrame, fit_N_opt: dict | None = None,
         fit_N_vs_C: dict | None = None, fit_S_min_opt: dict | None = None):
    env_min, env_c = envelope_C_min, envelope_C
    fig, (left, right) = panels(2, "Figure 14: optimal model size and steps vs compute")
    left.scatter(env_min["C_min"], env_min["N"], s=14, color="C0", label="frontier N against $C_{min}$")
    left.scatter(env_c["C"], env_c["N"], s=14, color="C1", marker="^", label="frontier N against C (fixed batch)")
    grid_min, grid_c = log_grid(env_min["C_min"], pad=1.2), log_grid(env_c["C"], pad=1.2)
    trend(left, grid_min, fit_N_opt, "N", "C_{min}", "C0")
    trend(left, grid_c, fit_N_vs_C, "N", "C", "C1")
    left.plot(grid_min, paper.FIG_14["N_e"] * grid_min ** paper.FIG_14["p_N"], color="C0", ls="--", lw=1.1,
              label="paper: $N = 1.3\\cdot10^{9}\\,C_{min}^{0.73}$")
    left.plot(grid_c, paper.FIG_14_N_vs_C["N_e"] * grid_c ** paper.FIG_14_N_vs_C["p_N"], color="C1", ls="--", lw=1.1,
              label="paper: $N = 1.6\\cdot10^{9}\\,C^{0.88}$")
    left.set(xscale="log", yscale="log", xlabel="Compute (PF-days, non-embedding)", ylabel="Parameters (non-embedding)",
             title="Optimal model size")
    left.legend(fontsize=7)
    right.scatter(env_min["C_min"], env_min["S_min"], s=14, color="C0", label="$S_{min}$ (adjusted)")
    right.scatter(env_c["C"], env_c["step"], s=14, color="C1", marker="^", label="S (fixed batch)")
    trend(right, grid_min, fit_S_min_opt, "S", "C_{min}", "C0")
    right.plot(grid_min, paper.FIG_14["S_e"] * grid_min ** paper.FIG_14["p_S"], color="0.45", ls="--", lw=1.1,
               label="paper: $S_{min} = 5.4\\cdot10^{3}\\,C_{min}^{0.03}$")
    right.set(xscale="log", yscale="log", xlabel="Compute (PF-days, non-embedding)", ylabel="Steps",
              title="Optimal number of steps")
    right.legend(fontsize=7)
    return fig
