"""Figure 16: when early stopping happens, and the train and test curves of overfit models.

Left: the early-stopping step S_stop (as S_min, Eq 5.4) of each data-limited cell against its lower
bound S_c [L(N, D) - L(N, inf)]^(-1/alpha_S) (Eq 5.7, our L(N, D) and L(N, S) fits), with the bound as
the line y = x; a cell still improving at its last step has no stopping step and is left out. Right:
the train (dashed) and test (solid) loss of the data study's largest model on each dataset size; the
test loss follows the full-data run until it turns up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.evaluate.select import study
from scalinglaws.figures.style import colorbar, note, panels

NEEDS = {"data"}
INPUTS = ("runs", "curves", "early_stop")


def draw(runs: pd.DataFrame, curves: pd.DataFrame, early_stop: pd.DataFrame):
    data = study(runs, "data")
    fig, (left, right) = panels(2, "Figure 16: early stopping")
    ok = early_stop[np.isfinite(early_stop["bound"]) & (early_stop["S_stop"] > 0)] if not early_stop.empty else early_stop
    if ok.empty:
        note(left, "no early-stopped cell with L(N, D) above L(N, inf)")
    else:
        color = colorbar(left, ok["D"], "Dataset size (tokens)")
        left.scatter(ok["bound"], ok["S_stop"], c=[color(d) for d in ok["D"]], s=24, zorder=3,
                     label="converged data-limited cells")
        span = np.geomspace(min(ok["bound"].min(), ok["S_stop"].min()), max(ok["bound"].max(), ok["S_stop"].max()), 10)
        left.plot(span, span, color="C3", lw=1.5, label="Eq 5.7 lower bound (y = x)")
        left.legend()
    left.set(xscale="log", yscale="log", xlabel="$S_c \\times [L(N,D) - L(N,\\infty)]^{-1/\\alpha_S}$",
             ylabel="$S_{stop}$ (as $S_{min}$)", title="Early stopping step")
    largest = data[data["N"] == data["N"].max()]
    D = largest["dataset_tokens"].fillna(largest["tokens"].max())
    color = colorbar(right, D, "Dataset size (tokens)")
    for run_id, d in zip(largest["run_id"], D):
        c = curves[(curves["run_id"] == run_id) & (curves["step"] > 0)].sort_values("step")
        test = c[c["test_loss"].notna()]
        right.plot(test["step"], test["test_loss"], color=color(d), lw=1.3)
        train = c["train_loss"].rolling(10, min_periods=1).mean()
        right.plot(c["step"], train, color=color(d), lw=1, ls="--")
    right.plot([], [], color="0.3", label="test loss")
    right.plot([], [], color="0.3", ls="--", label="train loss (10-step mean)")
    right.set(xscale="log", yscale="log", xlabel="Step", ylabel="Loss",
              title=f"Train and test loss, N = {largest['N'].max():.3g}")
    right.legend()
    return fig
