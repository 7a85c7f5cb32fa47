"""Figure 10: the critical batch size falls as a power law in the loss.

Empirical B_crit = E_min/S_min (Eq 5.2) of each batch-scan model at each loss target (Fig 18), the
gradient noise scale B_simple measured along the size study's training, our B_crit(L) fits to each
and the paper's B_crit = 2.1e8 L^-4.8 tokens; the fit the other figures use for S_min and C_min is marked
"adopted". The loss axis runs from high to low, as in the paper.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.figures.style import PAPER_FIT, fitted, interval, log_grid, note, panels, sci
from scalinglaws.fit import analytic, paper
from scalinglaws.fit.suite import BCRIT_SOURCES

NEEDS = {"batch"}
INPUTS = ("curves", "batch_critical")
OPTIONAL = ("fit_B_crit", "fit_B_crit_noise", "B_crit_adopted")


def bcrit_label(who: str, fit: dict) -> str:
    p = fit["params"]
    return (f"{who}: $B_{{crit}} = {sci(p['B_star'])}\\,L^{{-{1 / p['alpha_B']:.2g}}}$, "
            f"$\\alpha_B$ = {interval(fit, 'alpha_B', '.2f')}")


def draw(curves: pd.DataFrame, batch_critical: pd.DataFrame, fit_B_crit: dict | None = None,
         fit_B_crit_noise: dict | None = None, B_crit_adopted: dict | None = None):
    fig, (ax,) = panels(1, "Figure 10: critical batch size vs performance")
    fig.set_size_inches(6.4, 4.6)
    losses, points = [], []
    if "noise_scale" in curves:
        noise = curves[curves["noise_scale"].notna() & (curves["noise_scale"] > 0) & curves["train_loss"].notna()]
        ax.scatter(noise["train_loss"], noise["noise_scale"], s=5, color="C2", alpha=0.35, label="noise scale measurement")
        losses.append(noise["train_loss"])
        points.append(noise["noise_scale"])
    for i, (N, scan) in enumerate(batch_critical.groupby("N") if not batch_critical.empty else []):
        err = None
        if {"B_crit_lo", "B_crit_hi"} <= set(scan.columns):
            err = np.clip([scan["B_crit"] - scan["B_crit_lo"], scan["B_crit_hi"] - scan["B_crit"]], 0, None)
        ax.errorbar(scan["L"], scan["B_crit"], yerr=err, fmt="o", ms=4, color=f"C{i}", label=f"empirical $B_{{crit}}$, N = {N:.3g}")
        losses.append(scan["L"])
        points.append(scan["B_crit"])
    if not losses:
        note(ax, "no batch scan reached three common loss targets")
        return fig
    grid = log_grid(pd.concat(losses), pad=1.05)
    for fit, law, who, style in ((fit_B_crit, "B_crit", "ours (scans)", dict(color="C3", lw=1.8)),
                                 (fit_B_crit_noise, "B_crit_noise", "ours (noise scale)", dict(color="C2", lw=1.5))):
        if fitted(fit):
            # the fit behind S_min and C_min in every other figure is marked
            adopted = bool(B_crit_adopted) and B_crit_adopted.get("source") == BCRIT_SOURCES[law]
            ax.plot(grid, analytic.B_crit(grid, **fit["params"]), **style,
                    label=bcrit_label(who + (", adopted" if adopted else ""), fit))
    ax.plot(grid, analytic.B_crit(grid, **paper.FIG_10), **PAPER_FIT, label="paper: $B_{crit} = 2.1\\cdot10^{8}\\,L^{-4.8}$")
    measured = np.concatenate([np.asarray(v, dtype=float) for v in points])
    ax.set(xscale="log", yscale="log", xlabel="Train loss", ylabel="Critical batch size (tokens)",
           ylim=(measured.min() / 10, measured.max() * 10))  # wide bootstrap intervals would hide the points
    ax.invert_xaxis()
    ax.legend()
    return fig
