"""Figure 24: depth does not change generalization at fixed N.

Final loss of the depth study's models (fixed non-embedding N, depth varied) on the train split,
the test split and each out-of-distribution set, against depth.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import NullLocator

from scalinglaws.evaluate.select import study
from scalinglaws.figures.style import panels, set_label

NEEDS = {"depth"}
INPUTS = ("runs",)


def draw(runs: pd.DataFrame):
    depth = study(runs, "depth").sort_values("n_layer")
    sets = [c.removeprefix("loss_") for c in depth.columns if c.startswith("loss_") and c != "loss_test"]
    fig, (ax,) = panels(1, f"Figure 24: generalization vs depth (N ≈ {depth['N'].median():.2g})")
    fig.set_size_inches(6.4, 4.6)
    for i, name in enumerate(sets):
        ax.plot(depth["n_layer"], depth[f"loss_{name}"], marker="o", color=f"C{i + 2}", label=set_label(name))
    ax.plot(depth["n_layer"], depth["final_train_loss"], marker="s", color="C0", label="Training distribution (train)")
    ax.plot(depth["n_layer"], depth["loss_test"], marker="s", color="C1", label="Training distribution (test)")
    ax.set(xscale="log", yscale="log", xlabel="Depth (layers)", ylabel="Loss")
    ax.set_xticks(depth["n_layer"], [str(n) for n in depth["n_layer"]], minor=False)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.legend(fontsize=7)
    return fig
