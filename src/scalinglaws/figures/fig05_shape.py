"""Figure 5: at fixed non-embedding N, the loss depends only weakly on the model's shape.

The shape study varies one hyperparameter at a time: the feed-forward ratio d_ff/d_model, the
aspect ratio d_model/n_layer and the attention head width d_model/n_head. The loss increase is
over the best shape of the panel after dividing each loss by the size study's L(N) fit at its N,
which corrects small differences in N (as the paper does) while leaving out any offset between the
two studies' training budgets.
"""

from __future__ import annotations

import pandas as pd

from scalinglaws.evaluate.select import study
from scalinglaws.figures.style import fitted, note, panels

NEEDS = {"shape"}
INPUTS = ("runs",)
OPTIONAL = ("fit_L_N",)
PANELS = (
    ("ff", "Feed-forward ratio ($d_{ff}/d_{model}$)", lambda r: r["d_ff"] / r["d_model"]),
    ("ar", "Aspect ratio ($d_{model}/n_{layer}$)", lambda r: r["d_model"] / r["n_layer"]),
    ("hd", "Attention head dimension ($d_{model}/n_{head}$)", lambda r: r["d_model"] / r["n_head"]),
)


def draw(runs: pd.DataFrame, fit_L_N: dict | None = None):
    shape = study(runs, "shape")
    fig, axes = panels(3, "Figure 5: weak dependence of the loss on the model's shape")
    for ax, (prefix, xlabel, x) in zip(axes, PANELS):
        cells = shape[shape["cell"].str.startswith(prefix)].copy()
        ax.set(xscale="log", xlabel=xlabel, ylabel="Loss increase (%)")
        if cells.empty:
            note(ax, "no cells of this kind in the shape study")
            continue
        cells["x"] = x(cells)
        relative = cells["test_loss"]
        if fitted(fit_L_N):
            relative = relative / (fit_L_N["params"]["N_c"] / cells["N"]) ** fit_L_N["params"]["alpha_N"]
        cells["increase"] = 100 * (relative / relative.min() - 1)
        series = cells.groupby("d_model") if prefix == "hd" else [(None, cells)]
        for key, group in series:
            group = group.sort_values("x")
            label = f"$d_{{model}}$ = {key}" if key is not None else f"N ≈ {group['N'].median():.2g} params"
            ax.plot(group["x"], group["increase"], marker="o", label=label)
        ax.axhline(0, color="0.5", lw=0.8)
        ax.legend(title="N-corrected by L(N)" if fitted(fit_L_N) else "not N-corrected (no L(N) fit)")
    return fig
