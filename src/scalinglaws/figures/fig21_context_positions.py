"""Figure 21: the loss at each position in the context improves smoothly with model size.

Final test loss at token T of the context against N, for T = 1, 2, 4, ... up to the full context
(solid: standard models trained to the short-context models' budget, the baseline study; else the
size study's), and for the context study's short-context models (dashed, T = 1, 2, 4, ... n_ctx).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.evaluate.select import reference_transformers, study
from scalinglaws.figures.style import panels

NEEDS = {"size"}
INPUTS = ("runs", "positions")


def powers_of_two(n: int) -> list[int]:
    return [int(t) for t in 2 ** np.arange(0, int(np.log2(n)) + 1)]


def draw(runs: pd.DataFrame, positions: pd.DataFrame):
    fig, (ax,) = panels(1, "Figure 21: per-position loss vs model size")
    fig.set_size_inches(6.6, 4.8)
    test = positions[positions["set"] == "test"]
    context = study(runs, "context")
    full, label, _ = reference_transformers(runs, context)
    for runs_, ls in ((full, "-"), (context, "--")):
        if runs_.empty:
            continue
        n_ctx = int(runs_["n_ctx"].max())
        table = test.merge(runs_[["run_id", "N"]], on="run_id")
        picks = powers_of_two(n_ctx)
        for i, t in enumerate(picks):
            c = table[table["position"] == t].sort_values("N")
            ax.plot(c["N"], c["loss"], ls=ls, marker="o", ms=3, color=f"C{i}", label=f"Token {t}/{n_ctx}")
    ax.set(xscale="log", yscale="log", xlabel="Parameters (non-embedding)", ylabel="Test loss",
           title=f"solid: {label}" if label else None)
    ax.legend(fontsize=7, ncol=2)
    return fig
