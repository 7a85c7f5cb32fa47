"""Figure 8: generalization to other distributions.

Left: the final loss of each size-study model on the test split and on each out-of-distribution
set against N. Right: the loss on each other distribution against the test loss, for the
converged models (points) and, where the size study tracks a model during training, for that model
at every evaluation (dashed): generalization depends on the in-distribution loss only.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scalinglaws.evaluate.select import study
from scalinglaws.figures.style import panels, set_label

NEEDS = {"size"}
INPUTS = ("runs",)
OPTIONAL = ("run_tracked",)


def draw(runs: pd.DataFrame, run_tracked: Path | None = None):
    size = study(runs, "size").sort_values("N")
    sets = [c.removeprefix("loss_") for c in size.columns if c.startswith("loss_")]
    sets = ["test", *(s for s in sets if s != "test")]
    fig, (left, right) = panels(2, "Figure 8: generalization to other test sets")
    for i, name in enumerate(sets):
        left.plot(size["N"], size[f"loss_{name}"], marker="o", color=f"C{i}", label=set_label(name))
    left.set(xscale="log", yscale="log", xlabel="Parameters (non-embedding)", ylabel="Test loss")
    left.legend()
    tracking = run_tracked.parent / "tracking.parquet" if run_tracked is not None else None
    during = pd.read_parquet(tracking) if tracking is not None and tracking.exists() else None
    for i, name in enumerate(sets[1:], start=1):
        right.scatter(size["loss_test"], size[f"loss_{name}"], color=f"C{i}", s=24, zorder=3,
                      label=f"{set_label(name)} at convergence")
        if during is not None and name in set(during["set"]):
            mean = during.groupby(["set", "step"])["loss"].mean().unstack(0)
            right.plot(mean["test"], mean[name], color=f"C{i}", ls="--", lw=1.2, label=f"{set_label(name)} during training")
    lo = min(size[[f"loss_{s}" for s in sets]].min())
    hi = max(size[[f"loss_{s}" for s in sets]].max())
    right.plot([lo, hi], [lo, hi], color="0.6", lw=0.8, ls=":", label="y = x")
    right.set(xlabel="Test loss on the training distribution", ylabel="Loss on the other distribution",
              title="Generalization tracks the test loss" + ("" if during is not None else " (no tracked run)"))
    right.legend()
    return fig
