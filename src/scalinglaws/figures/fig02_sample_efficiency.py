"""Figure 2: larger models need fewer samples, and the compute-optimal size grows with the budget.

Left: test loss against tokens processed for every size-study model, coloured by N. Right: the same
curves against compute (PF-days), with the lower envelope: compute-efficient training stops each
model far short of convergence.
"""

from __future__ import annotations

import pandas as pd

from scalinglaws.evaluate.select import evals, lower_envelope, study
from scalinglaws.figures.style import colorbar, panels
from scalinglaws.fit import paper

NEEDS = {"size"}
INPUTS = ("runs", "curves")


def draw(runs: pd.DataFrame, curves: pd.DataFrame):
    size = study(runs, "size").sort_values("N")
    points = evals(curves, size["run_id"]).merge(size[["run_id", "N"]], on="run_id")
    points["C"] = points["flops_6N"] / paper.PF_DAY
    fig, (left, right) = panels(2, "Figure 2: sample efficiency and compute efficiency")
    for ax, x in ((left, "tokens"), (right, "C")):
        color = colorbar(ax, size["N"], "Parameters (non-embedding)")
        for (run_id, N), curve in points.groupby(["run_id", "N"]):
            label = f"{N:.2g} params" if N in (size["N"].min(), size["N"].max()) else None
            ax.plot(curve[x], curve["test_loss"], color=color(N), lw=1.2, label=label)
        ax.set(xscale="log", yscale="log", ylabel="Test loss")
    left.set(xlabel="Tokens processed", title="Larger models need fewer samples")
    ex, ey = lower_envelope(points["C"].to_numpy(), points["test_loss"].to_numpy())
    right.plot(ex, ey, color="k", lw=1.4, ls=":", label="compute-efficient frontier")
    right.set(xlabel="Compute (PF-days)", title="Optimal size grows with the compute budget")
    right.annotate("compute-efficient training\nstops far short of convergence", xy=(ex[len(ex) // 2], ey[len(ey) // 2]),
                   xytext=(0.35, 0.85), textcoords="axes fraction", fontsize=7.5, arrowprops=dict(arrowstyle="->"))
    for ax in (left, right):
        ax.legend()
    return fig
