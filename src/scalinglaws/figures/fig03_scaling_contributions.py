"""Figure 3: how a growing compute budget should be split between model size, batch size and steps.

Analytic: with N ∝ C^p_N, B ∝ C^p_B and S ∝ C^p_S (Table 6), the multiplicative growth of each
factor against the compute increase, from the paper's exponents (dashed) and ours (solid).
"""

from __future__ import annotations

import numpy as np

from scalinglaws.figures.style import fitted, interval, panels
from scalinglaws.fit import paper

NEEDS = set()  # drawn from fits alone: the paper's lines where ours are missing
INPUTS = ()
OPTIONAL = ("fit_N_opt", "fit_B_opt", "fit_S_min_opt")
FACTORS = (("Model size", "N", "fit_N_opt"), ("Batch size", "B", "fit_B_opt"), ("Serial steps", "S", "fit_S_min_opt"))


def draw(**fits):
    fig, (ax,) = panels(1, "Figure 3: how to scale up model size, batch size and steps")
    fig.set_size_inches(6.4, 4.4)
    ratio = np.geomspace(1, 1e9, 100)
    for i, (name, symbol, key) in enumerate(FACTORS):
        p_paper = paper.TABLE_6[f"p_{symbol}"]
        ax.plot(ratio, ratio**p_paper, color=f"C{i}", ls="--", lw=1.5,
                label=f"{name}, paper: $C^{{{p_paper}}}$ → {1e9**p_paper:.3g}x")
        fit = fits.get(key)
        if fitted(fit):
            p = fit["params"][f"p_{symbol}"]
            ax.plot(ratio, ratio**p, color=f"C{i}", lw=2,
                    label=f"{name}, ours: $p_{symbol}$ = {interval(fit, f'p_{symbol}', '.2f')} → {1e9**p:.3g}x")
    ax.set(xscale="log", yscale="log", xlabel="Compute increase (multiple of the starting budget)",
           ylabel="Multiplicative contribution")
    ax.legend(loc="upper left")
    return fig
