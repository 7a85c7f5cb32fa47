"""Figure 13: the empirical compute trend L(C) against the batch-adjusted L(C_min).

The size study's learning curves (models of 2 or more layers, as in the paper's fits) against the
fixed-batch compute C = 6NBS and against C_min = C/(1 + B/B_crit(L)) (Eq 5.5), with the lower
envelope of each that the fit step fitted (where the smallest model is lowest it is left out, see
``fit.compute.envelope``), our fits of L(C) and L(C_min) and the paper's Fig 13 legend laws.
"""

from __future__ import annotations

import pandas as pd

from scalinglaws.figures.style import fitted, interval, log_grid, panels, sci
from scalinglaws.fit import analytic, paper

NEEDS = {"size"}
INPUTS = ("adjusted_curves", "envelope_C", "envelope_C_min")
OPTIONAL = ("fit_L_C", "fit_L_Cmin")
SERIES = (("C", "C0", "fit_L_C", "C_c", "alpha_C", "$L = (C/2.0\\cdot10^{7})^{-0.057}$"),
          ("C_min", "C1", "fit_L_Cmin", "C_min_c", "alpha_C_min", "$L = (C_{min}/2.3\\cdot10^{8})^{-0.050}$"))


def draw(adjusted_curves: pd.DataFrame, envelope_C: pd.DataFrame, envelope_C_min: pd.DataFrame,
         fit_L_C: dict | None = None, fit_L_Cmin: dict | None = None):
    adj = adjusted_curves
    fits = {"fit_L_C": fit_L_C, "fit_L_Cmin": fit_L_Cmin}
    envelopes = {"C": envelope_C, "C_min": envelope_C_min}
    fig, (ax,) = panels(1, "Figure 13: empirical and batch-adjusted compute trends")
    fig.set_size_inches(6.8, 4.8)
    for x, color, key, paper_scale, paper_alpha, paper_label in SERIES:
        for _, c in adj.sort_values(x).groupby("run_id"):
            ax.plot(c[x], c["test_loss"], color=color, alpha=0.2, lw=0.8)
        env = envelopes[x]
        ax.plot(env[x], env["L"], color=color, lw=2, label=f"lower envelope of L({x}), as fitted")
        grid = log_grid(adj[x], pad=1)
        fit = fits[key]
        if fitted(fit):
            ax.plot(grid, analytic.L_X(grid, fit["params"]["C_c"], fit["params"]["alpha_C"]), color=color, ls="-.", lw=1.5,
                    label=f"ours: $L = ({x.replace('_min', '_{min}')}/{sci(fit['params']['C_c'])})^{{-\\alpha}}$, "
                          f"$\\alpha$ = {interval(fit, 'alpha_C')}")
        ax.plot(grid, analytic.L_X(grid, paper.FIG_13[paper_scale], paper.FIG_13[paper_alpha]), color=color, ls="--",
                lw=1.2, alpha=0.8, label=f"paper: {paper_label}")
    ax.set(xscale="log", yscale="log", xlabel="Compute (PF-days, non-embedding)", ylabel="Test loss")
    ax.legend(fontsize=7)
    return fig
