"""Figure 17: recurrent (universal) Transformers, whose block stack is reused k times.

Final test loss of the recurrent study (one line per reuse factor) and of non-recurrent models
trained to the same token budget (the baseline study; else the size study's, at its own budget), against the non-embedding parameters counted with reuse (N x k, left; a
proxy for compute) and without it (unique parameters, right).
"""

from __future__ import annotations

import pandas as pd

from scalinglaws.evaluate.select import reference_transformers, study
from scalinglaws.figures.style import panels

NEEDS = {"recurrent"}
INPUTS = ("runs",)


def draw(runs: pd.DataFrame):
    recurrent = study(runs, "recurrent")
    size, label, _ = reference_transformers(runs, recurrent)
    fig, (left, right) = panels(2, "Figure 17: universal transformers")
    for ax, x, xlabel in ((left, "N_with_reuse", "Parameters, including reuse (non-embedding)"),
                          (right, "N", "Parameters (non-embedding)")):
        for i, (k, group) in enumerate(recurrent.groupby("reuse")):
            group = group.sort_values(x)
            ax.plot(group[x], group["test_loss"], marker="o", color=f"C{i}", label=f"{k}x reuse")
        if not size.empty:
            ax.plot(size["N"], size["test_loss"], marker="s", color="k", lw=1.4, label=label.replace("Transformers", "non-recurrent"))
        ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="Test loss")
        ax.legend()
    return fig
