"""Figure 22: the learning-rate schedule matters little once the summed learning rate is large.

Left: the learning rate against step for each schedule of the lr_schedule study. Right: each run's
final test loss against its learning rate summed over steps.
"""

from __future__ import annotations

import pandas as pd

from scalinglaws.evaluate.select import study
from scalinglaws.figures.style import panels

NEEDS = {"lr_schedule"}
INPUTS = ("runs", "curves")


def draw(runs: pd.DataFrame, curves: pd.DataFrame):
    scan = study(runs, "lr_schedule")
    fig, (left, right) = panels(2, "Figure 22: learning rate schedule scan")
    for i, row in enumerate(scan.itertuples()):
        c = curves[curves["run_id"] == row.run_id].sort_values("step")
        name = row.cell.rsplit("_L", 1)[0]
        left.plot(c["step"], c["lr"], color=f"C{i}", lw=1.3, label=name)
        right.scatter(c["lr"].sum(), row.test_loss, color=f"C{i}", s=36, zorder=3, label=name)
    left.set(xlabel="Step", ylabel="Learning rate")
    right.set(xlabel="LR summed over steps", ylabel="Final test loss")
    left.legend()
    right.legend()
    return fig
