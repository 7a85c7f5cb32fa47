"""Figure 7: Transformers against LSTMs.

Left: final test loss against non-embedding N for LSTMs of 1, 2 and 4 layers and standard
Transformers trained to the same token budget (the baseline study; the size study's, at its own
budget, when there is no baseline). Right: the per-token test loss against the position in the context for the smallest
and largest LSTM and the Transformers closest to them in N: LSTMs plateau early, Transformers keep
improving through the context.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.evaluate.select import reference_transformers, study
from scalinglaws.figures.style import panels

NEEDS = {"lstm"}
INPUTS = ("runs", "positions")


def draw(runs: pd.DataFrame, positions: pd.DataFrame):
    lstm = study(runs, "lstm")
    size, label, _ = reference_transformers(runs, lstm)
    fig, (left, right) = panels(2, "Figure 7: LSTM and Transformer")
    if not size.empty:
        left.plot(size["N"], size["test_loss"], marker="o", color="k", lw=1.8, label=label)
    for i, (layers, group) in enumerate(lstm.groupby("n_layer")):
        group = group.sort_values("N")
        left.plot(group["N"], group["test_loss"], marker="s", color=f"C{i}", label=f"LSTMs, {layers} layer" + "s" * (layers > 1))
    left.set(xscale="log", yscale="log", xlabel="Parameters (non-embedding)", ylabel="Test loss",
             title="Transformers outperform LSTMs")
    left.legend()
    test = positions[positions["set"] == "test"]
    picks = [lstm.loc[lstm["N"].idxmin()], lstm.loc[lstm["N"].idxmax()]]
    for i, row in enumerate(picks):
        curve = test[test["run_id"] == row["run_id"]]
        right.plot(curve["position"], curve["loss"], color=f"C{i}", ls="--", label=f"LSTM {row['N']:.2g}")
        if not size.empty:
            match = size.loc[np.abs(np.log(size["N"] / row["N"])).idxmin()]
            curve = test[test["run_id"] == match["run_id"]]
            right.plot(curve["position"], curve["loss"], color=f"C{i}", label=f"Transformer {match['N']:.2g}")
    right.set(xscale="log", xlabel="Token index in context", ylabel="Per-token test loss",
              title="LSTMs plateau, Transformers keep improving")
    right.legend(title="Parameters")
    return fig
