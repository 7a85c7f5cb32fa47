"""Figure 12: the cost of training a model larger or smaller than the compute-optimal one.

Analytic (App B.4): at fixed loss, the excess compute C/C_eff (Eq B.16, left) and excess steps
S/S_eff (Eq B.17, right) of a model N/N_eff times the efficient size, from the paper's alpha_N,
alpha_S (dashed) and ours from the L(N, S) fit (solid).
"""

from __future__ import annotations

import numpy as np

from scalinglaws.figures.style import PAPER_FIT, fitted, interval, panels
from scalinglaws.fit import analytic, paper

NEEDS = set()  # drawn from fits alone: the paper's lines where ours are missing
INPUTS = ()
OPTIONAL = ("fit_L_NS",)


def draw(fit_L_NS: dict | None = None):
    ratio = np.geomspace(0.1, 10, 300)
    fig, (left, right) = panels(2, "Figure 12: training suboptimal models")
    for ax, fn, ylabel in ((left, analytic.excess_compute, "Excess compute ($C/C_{efficient}$)"),
                           (right, analytic.excess_steps, "Excess steps ($S/S_{efficient}$)")):
        t3 = paper.TABLE_3
        ax.plot(ratio, fn(ratio, t3["alpha_N"], t3["alpha_S"]), **PAPER_FIT,
                label=f"paper: $\\alpha_N$ = {t3['alpha_N']}, $\\alpha_S$ = {t3['alpha_S']}")
        if fitted(fit_L_NS):
            p = fit_L_NS["params"]
            ax.plot(ratio, fn(ratio, p["alpha_N"], p["alpha_S"]), color="C3", lw=1.8,
                    label=f"ours: $\\alpha_N$ = {interval(fit_L_NS, 'alpha_N')}, $\\alpha_S$ = {interval(fit_L_NS, 'alpha_S', '.2f')}")
        ax.axvspan(*paper.SUBOPTIMAL_RANGE, color="C2", alpha=0.12, label="0.6x-2.2x (paper: ≤ 20% extra compute)")
        ax.set(xscale="log", xlabel="Deviation from optimal model ($N/N_{efficient}$)", ylabel=ylabel)
        ax.legend(fontsize=7)
    left.set(yscale="log", ylim=(0.9, 10), title="Excess compute")  # B.16 diverges for small N/N_eff
    right.set(ylim=(0, 6), title="Smaller models need more steps")
    return fig
