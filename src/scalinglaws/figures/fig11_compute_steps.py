"""Figure 11: loss at a fixed compute budget or a fixed number of steps, against model size.

Points are slices of the size study's learning curves (interpolated in log-log) at fixed C (left,
PF-days) and fixed S (right, steps). Lines: our L(N, S) fit (Table 3) turned into L(N, C_min)
(Eq B.3, left) and L(N, S_min(S)) (Eqs 1.6 and 5.4, right), with the B_crit(L) the fit step adopted
(batch scans, else the gradient noise scale, else the paper's).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.figures.style import colorbar, fitted, log_grid, panels
from scalinglaws.fit import analytic

NEEDS = {"size"}
INPUTS = ("adjusted_curves", "B_crit_adopted")
OPTIONAL = ("fit_L_NS",)


def slices(adj: pd.DataFrame, x: str, values) -> pd.DataFrame:
    """Each run's loss at each of ``values`` of ``x`` inside its range, interpolated in log-log."""
    rows = []
    for (run_id, N), c in adj.sort_values(x).groupby(["run_id", "N"]):
        lx, ly = np.log(c[x].to_numpy()), np.log(c["test_loss"].to_numpy())
        for v in values:
            if lx[0] <= np.log(v) <= lx[-1]:
                rows.append({"N": N, x: v, "L": float(np.exp(np.interp(np.log(v), lx, ly)))})
    return pd.DataFrame(rows, columns=["N", x, "L"])


def L_at_steps(N, S, B, lns: dict, bc: dict, iterations: int = 60):
    """L(N, S_min(S)) at batch B: Eq 1.6 with Eq 5.4's S_min, solved by fixed-point iteration."""
    L = analytic.L_N_S(N, S, **lns)
    for _ in range(iterations):
        L = analytic.L_N_S(N, analytic.S_min(S, B, L, **bc), **lns)
    return L


def draw(adjusted_curves: pd.DataFrame, B_crit_adopted: dict, fit_L_NS: dict | None = None):
    adj = adjusted_curves
    bc = {k: B_crit_adopted["params"][k] for k in ("B_star", "alpha_B")}
    B = float(adj["batch_tokens"].median())
    grid = log_grid(adj["N"], pad=1.3)
    fig, (left, right) = panels(2, "Figure 11: performance vs compute budget and vs steps")
    for ax, x, label, unit in ((left, "C", "PF-days", "compute"), (right, "step", "Steps", "steps")):
        values = np.geomspace(adj[x].quantile(0.05), adj[x].max(), 6)
        cut = slices(adj, x, values)
        color = colorbar(ax, values, label)
        for v, group in cut.groupby(x):
            group = group.sort_values("N")
            ax.plot(group["N"], group["L"], "o", color=color(v), ms=4)
            if fitted(fit_L_NS):
                p = fit_L_NS["params"]
                line = (analytic.L_N_C(grid, v, B_star=bc["B_star"], alpha_B=bc["alpha_B"], **p) if x == "C"
                        else L_at_steps(grid, v, B, p, bc))
                ax.plot(grid, line, color=color(v), lw=1.1)
        ax.plot([], [], "o", color="0.4", label=f"our runs at fixed {unit}")
        if fitted(fit_L_NS):
            ax.plot([], [], color="0.4", label="ours: L(N, S) fit (Table 3)")
        ax.set(xscale="log", yscale="log", xlabel="Parameters (non-embedding)", ylabel="Test loss")
        ax.legend()
    left.set(title="Performance vs compute budget")
    right.set(title="Performance vs steps")
    return fig
