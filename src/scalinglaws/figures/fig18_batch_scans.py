"""Figure 18: batch-size scans, the data behind B_crit.

One panel per model of the batch study: tokens processed against steps for each batch size (grey);
the (S, E) at which each run first reaches each loss target (points coloured by the target) and
the fitted hyperbola S_min/S + E_min/E = 1 (Eq 5.1) of each target.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.evaluate.select import evals, study
from scalinglaws.figures.style import colorbar, note, panels
from scalinglaws.fit import batch

NEEDS = {"batch"}
INPUTS = ("runs", "curves", "batch_critical")


def draw(runs: pd.DataFrame, curves: pd.DataFrame, batch_critical: pd.DataFrame):
    scans = study(runs, "batch")
    models = sorted(scans["N"].unique())
    fig, axes = panels(len(models), "Figure 18: batch size scans")
    for ax, N in zip(axes, models):
        scan = scans[scans["N"] == N]
        points = evals(curves, scan["run_id"])
        for run_id, c in points.groupby("run_id"):
            ax.plot(c["step"], c["tokens"], color="0.7", lw=0.8)
        ax.plot([], [], color="0.7", label="one run per batch size")
        table = batch_critical[batch_critical["N"] == N] if not batch_critical.empty else batch_critical
        if table.empty:
            note(ax, "no loss target reached by three batch sizes")
        else:
            color = colorbar(ax, table["L"], "Test loss")
            cross = batch.crossings(scan, curves, table["L"].to_numpy())
            ax.scatter(cross["S"], cross["E"], c=[color(v) for v in cross["L"]], s=14, zorder=3)
            for row in table.itertuples():
                S = np.geomspace(row.S_min * 1.02, cross["S"].max() * 2, 100)
                ax.plot(S, row.E_min / (1 - row.S_min / S), color=color(row.L), lw=1)
            ax.plot([], [], color="0.3", label="Eq 5.1 fit per loss target")
        ax.set(xscale="log", yscale="log", xlabel="Step", ylabel="Tokens processed", title=f"Batch size scan, N = {N:.3g}")
        ax.legend()
    return fig
