"""Figure 6: test loss against parameters counted with and without the embedding matrices.

With embeddings counted (left), models of different depth fall on different curves; without them
(right) they collapse onto one trend, the paper's reason for using non-embedding N.
"""

from __future__ import annotations

import pandas as pd
import seaborn as sns

from scalinglaws.evaluate.select import study
from scalinglaws.figures.style import OUR_FIT, fitted, interval, log_grid, panels
from scalinglaws.fit import analytic

NEEDS = {"size"}
INPUTS = ("runs", "fit_L_N")


def draw(runs: pd.DataFrame, fit_L_N: dict):
    size = study(runs, "size").copy()
    size["layers"] = size["n_layer"].map(lambda n: f"{n} layer" + ("s" if n > 1 else ""))
    order = sorted(size["layers"].unique(), key=lambda s: int(s.split()[0]))
    fig, (left, right) = panels(2, "Figure 6: parameters with and without embeddings")
    for ax, column, xlabel in ((left, "N_total", "Parameters (with embedding)"),
                               (right, "N", "Parameters (non-embedding)")):
        sns.lineplot(data=size.sort_values(column), x=column, y="test_loss", hue="layers", hue_order=order,
                     marker="o", ax=ax, palette="viridis")
        ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="Test loss")
    if fitted(fit_L_N):
        grid = log_grid(size["N"])
        right.plot(grid, analytic.L_X(grid, fit_L_N["params"]["N_c"], fit_L_N["params"]["alpha_N"]), **OUR_FIT,
                   label=f"L(N) fit, $\\alpha_N$ = {interval(fit_L_N, 'alpha_N')}")
        right.legend()
    return fig
