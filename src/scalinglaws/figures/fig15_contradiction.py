"""Figure 15: far beyond the data, L(C_min) and L(D(C_min)) must cross.

Analytic: L(C_min) = (C_c^min/C_min)^alpha_C^min (Eq 1.3) against L(D(C_min)), the L(D) law (Eq 1.2)
at the data D = D_e C_min^p_D a compute-efficient run consumes (Table 6), from the paper's constants
(dashed) and ours (solid), each with its intersection (Eq 6.8) marked.
"""

from __future__ import annotations

import numpy as np

from scalinglaws.figures.style import fitted, panels
from scalinglaws.fit import analytic, paper

NEEDS = set()  # drawn from fits alone: the paper's lines where ours are missing
INPUTS = ("summary",)
OPTIONAL = ("fit_L_Cmin", "fit_L_D", "fit_D_opt")


def constants(fit_L_Cmin, fit_L_D, fit_D_opt) -> dict | None:
    if not all(map(fitted, (fit_L_Cmin, fit_L_D, fit_D_opt))):
        return None
    return {"C_min_c": fit_L_Cmin["params"]["C_c"], "alpha_C_min": fit_L_Cmin["params"]["alpha_C"],
            "D_c": fit_L_D["params"]["D_c"], "alpha_D": fit_L_D["params"]["alpha_D"],
            "D_e": fit_D_opt["params"]["D_e"], "p_D": fit_D_opt["params"]["p_D"]}


def draw(summary: dict, fit_L_Cmin: dict | None = None, fit_L_D: dict | None = None, fit_D_opt: dict | None = None):
    t5, t6 = paper.TABLE_5, paper.TABLE_6
    theirs = {"C_min_c": t5["C_min_c"], "alpha_C_min": t5["alpha_C_min"], "D_c": t5["D_c"], "alpha_D": t5["alpha_D"],
              "D_e": t6["D_e"], "p_D": t6["p_D"]}
    ours = constants(fit_L_Cmin, fit_L_D, fit_D_opt)
    fig, (ax,) = panels(1, "Figure 15: contradiction between compute and data trends")
    fig.set_size_inches(6.8, 4.8)
    crossings = {}
    for who, k in (("paper", theirs), ("ours", ours)):
        if k is None:
            continue
        try:
            crossings[who] = analytic.intersection(**k)
        except ValueError:
            crossings[who] = None
    stars = [c["C_star"] for c in crossings.values() if c]
    C = np.geomspace(min([1e-8, *stars]) / 100, max([1e7, *stars]) * 100, 400)
    for who, k, ls in (("paper", theirs, "--"), ("ours", ours, "-")):
        if k is None:
            continue
        ax.plot(C, (k["C_min_c"] / C) ** k["alpha_C_min"], color="C0", ls=ls, label=f"{who}: $L(C_{{min}})$")
        ax.plot(C, (k["D_c"] / (k["D_e"] * C ** k["p_D"])) ** k["alpha_D"], color="C1", ls=ls, label=f"{who}: $L(D(C_{{min}}))$")
        star = crossings.get(who)
        if star:
            ax.plot(star["C_star"], star["L_star"], "k*" if who == "ours" else "ks", ms=9,
                    label=f"{who}: $C^*$ = {star['C_star']:.2g} PF-days, $L^*$ = {star['L_star']:.2f}")
    if ours is None:
        ax.text(0.02, 0.02, "ours: L(C_min), L(D) or D_opt not fitted; " + "; ".join(summary.get("notes", [])[:1]),
                transform=ax.transAxes, fontsize=6.5, color="0.3")
    ax.set(xscale="log", yscale="log", xlabel="Compute (PF-days, non-embedding)", ylabel="Test loss")
    ax.annotate("the intersection is sensitive to\nthe precise power-law parameters", xy=(0.55, 0.85),
                xycoords="axes fraction", fontsize=8)
    ax.legend(fontsize=7, loc="lower left")
    return fig
