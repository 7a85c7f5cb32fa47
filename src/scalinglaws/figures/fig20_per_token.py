"""Figure 20: the per-token loss is a power law in the position T in the context.

Left: each size-study model's final test loss at each position, coloured by N, with our
L(T) = a + b T^-c fit per model (dashed; a, b, c with c's interval in the legend) and the paper's
fits for its smallest and largest models (grey, over our positions). Right: the per-token test loss
of the tracked model during training, one line per position (when the size study tracks a model).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scalinglaws.evaluate.select import study
from scalinglaws.figures.style import colorbar, fitted, interval, note, panels
from scalinglaws.fit import paper

NEEDS = {"size"}
INPUTS = ("runs", "positions", "per_token")
OPTIONAL = ("run_tracked",)


def L_T(T, a, b, c):
    return a + b * np.asarray(T, dtype=float) ** -c


def draw(runs: pd.DataFrame, positions: pd.DataFrame, per_token: dict, run_tracked: Path | None = None):
    size = study(runs, "size").sort_values("N")
    test = positions[(positions["set"] == "test") & positions["run_id"].isin(size["run_id"])]
    fig, (left, right) = panels(2, "Figure 20: per-token loss against position in the context")
    color = colorbar(left, size["N"], "Model parameters (non-embedding)")
    T = np.arange(1, test["position"].max() + 1)
    for row in size.itertuples():
        curve = test[test["run_id"] == row.run_id]
        left.plot(curve["position"], curve["loss"], color=color(row.N), lw=1.3)
        fit = per_token.get(row.run_id)
        if fitted(fit):
            p = fit["params"]
            left.plot(T, L_T(T, **p), color=color(row.N), ls="--", lw=1,
                      label=f"{p['a']:.2f} + {p['b']:.2f} $T^{{-c}}$, c = {interval(fit, 'c', '.2f')}")
    for p in (paper.PER_TOKEN_FIG_20[0], paper.PER_TOKEN_FIG_20[-1]):
        left.plot(T, L_T(T, **p), color="0.5", ls=":", lw=1.2, label=f"paper: {p['a']} + {p['b']} $T^{{-{p['c']}}}$")
    left.set(xscale="log", xlabel="Token index T", ylabel="Per-token test loss", title="Final models")
    left.legend(fontsize=6.5)
    tracking = run_tracked.parent / "tracking.parquet" if run_tracked is not None else None
    if tracking is None or not tracking.exists():
        note(right, "no tracked run: the size study tracks no model\n(studies.size.track in the config)")
    else:
        during = pd.read_parquet(tracking)
        during = during[(during["set"] == "test") & (during["step"] > 0)]
        n_ctx = int(during["position"].max())
        picks = [t for t in 2 ** np.arange(0, int(np.log2(n_ctx)) + 1)]
        color_t = colorbar(right, picks, "Token index")
        for t in picks:
            c = during[during["position"] == t].sort_values("step")
            right.plot(c["step"], c["loss"], color=color_t(t), lw=1.2)
        right.set(title=f"Per-token loss during training ({run_tracked.parent.name})")
    right.set(xscale="log", yscale="log", xlabel="Step", ylabel="Test loss")
    return fig
