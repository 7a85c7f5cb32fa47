"""Figure 19: the minimum steps and examples to reach a loss fall steeply with model size.

For loss targets spread over the size study's range, each model's S_min (Eq 5.4, left) and E_min
(examples at B << B_crit, right) at the step it first reaches the target, against N, one line per
target coloured by the loss.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.figures.style import colorbar, panels
from scalinglaws.fit.batch import first_reach

NEEDS = {"size"}
INPUTS = ("adjusted_curves",)


def reach_table(adj: pd.DataFrame, targets) -> pd.DataFrame:
    """S_min and E_min of each run at each target it reaches (interpolated in log step)."""
    rows = []
    for (run_id, N), c in adj.sort_values("step").groupby(["run_id", "N"]):
        for L in targets:
            S = first_reach(c["step"], c["test_loss"], L)
            if np.isfinite(S):
                at = lambda col: float(np.exp(np.interp(np.log(S), np.log(c["step"]), np.log(c[col]))))
                rows.append({"N": N, "L": L, "S_min": at("S_min"), "E_min": at("E_min")})
    return pd.DataFrame(rows, columns=["N", "L", "S_min", "E_min"])


def draw(adjusted_curves: pd.DataFrame):
    adj = adjusted_curves
    final = adj.groupby("run_id")["test_loss"].min()
    targets = np.geomspace(final.max() * 1.02, adj["test_loss"].quantile(0.8), 8)
    table = reach_table(adj, targets)
    fig, (left, right) = panels(2, "Figure 19: minimum steps and examples vs model size")
    for ax, y, ylabel in ((left, "S_min", "Minimum steps ($S_{min}$)"), (right, "E_min", "Minimum examples ($E_{min}$, tokens)")):
        color = colorbar(ax, targets, "Loss")
        for L, group in table.groupby("L"):
            group = group.sort_values("N")
            ax.plot(group["N"], group[y], marker="o", ms=3, color=color(L))
        ax.set(xscale="log", yscale="log", xlabel="Parameters (non-embedding)", ylabel=ylabel)
    return fig
