"""Figure 9: the early-stopped loss of the (N, D) grid, and how overfitting scales.

Left: test loss against N, one line per dataset size, with our L(N, D) fit (Eq 1.5). Right: the
overfitting L/L(N, D=inf) - 1 against N^(alpha_N/alpha_D)/D, with our Eq 4.3 fit (solid) and the
paper's Table 2 law (dashed); L(N, inf) is the same model's converged unlimited-data run where the grid
has one (dataset_tokens missing), else our L(N, D) fit at D = inf, as in the fit. Cells still improving
at their last step (compute-limited) are hollow on the left and absent on the right: no fit uses them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.evaluate.select import study
from scalinglaws.figures.style import (colorbar, fitted, interval, label_still_improving, log_grid, panels,
                                       scatter_converged)
from scalinglaws.fit import analytic, paper
from scalinglaws.fit.size_data import overfitting_table

NEEDS = {"data"}
INPUTS = ("runs", "fit_L_ND")
OPTIONAL = ("fit_overfitting",)


def dataset_label(D: float) -> str:
    return "all data" if not np.isfinite(D) else f"{D:.3g}"


def draw(runs: pd.DataFrame, fit_L_ND: dict, fit_overfitting: dict | None = None):
    data = study(runs, "data").assign(D=lambda d: d["dataset_tokens"].fillna(np.inf))
    fig, (left, right) = panels(2, "Figure 9: universality of overfitting")
    finite = data[np.isfinite(data["D"])]
    color = colorbar(left, finite["D"], "Dataset size (tokens)")
    grid = log_grid(data["N"])
    for D, group in data.groupby("D"):
        c = "k" if not np.isfinite(D) else color(D)
        group = group.sort_values("N")
        scatter_converged(left, group, "N", color=c, label=dataset_label(D))
        if fitted(fit_L_ND):
            left.plot(grid, analytic.L_N_D(grid, D, **fit_L_ND["params"]), color=c, lw=1.2)
    left.plot([], [], color="0.3", label=(f"ours: L(N, D), $\\alpha_N$ = {interval(fit_L_ND, 'alpha_N')}"
                                          if fitted(fit_L_ND) else "L(N, D) not fitted"))
    label_still_improving(left, data)
    left.set(xscale="log", yscale="log", xlabel="Params (non-embedding)", ylabel="Test loss (early-stopped)",
             title="Data size bottleneck")
    left.legend(title="Data size")
    # L(N, inf) and N^(alpha_N/alpha_D)/D as the overfitting fit takes them (the paper's constants without a fit)
    table = overfitting_table(study(runs, "data"), fit_L_ND["params"] if fitted(fit_L_ND) else paper.TABLE_2)
    ratio = table.attrs["ratio"]
    limited = table.assign(D=table["dataset_tokens"], x=table["x_overfit"], dL=table["ratio"] - 1)
    for D, group in limited.groupby("D"):
        right.scatter(group["x"], group["dL"], color=color(D), s=22, zorder=3, label=dataset_label(D))
    if not limited.empty:
        x = log_grid(limited["x"])
        if fitted(fit_overfitting):
            p = fit_overfitting["params"]
            right.plot(x, (1 + x / p["x_c"]) ** p["alpha_D"] - 1, color="C3", lw=1.8,
                       label=f"ours: Eq 4.3, $\\alpha_D$ = {interval(fit_overfitting, 'alpha_D')}")
        t2 = paper.TABLE_2
        x_c = t2["N_c"] ** (t2["alpha_N"] / t2["alpha_D"]) / t2["D_c"]
        right.plot(x, (1 + x / x_c) ** t2["alpha_D"] - 1, **{"color": "0.45", "ls": "--"}, label="paper: Eq 4.3, Table 2")
    right.set(xscale="log", xlabel=f"$N^{{{ratio:.2f}}}/D$", ylabel="$L/L(D=\\infty) - 1$", title="Overfitting")
    right.legend(title="Data size")
    return fig
