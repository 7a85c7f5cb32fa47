"""The discrepancy ladder, in the style of Porian et al. 2024, Figure 1 (``scalinglaws.fit.ladder``).

Left: the exponent a of N_opt ~ C^a at each rung of the ladder (Kaplan's accounting, then the head
counted, a short warmup, the decay matched to the budget, the LR tuned per size) with its 95%
bootstrap interval; the other convention of each step as open markers, Approach 3 on the final step
as diamonds; Kaplan's 0.73 and Chinchilla's 0.5 dashed. Right: each rung's N_opt(C), the IsoFLOP
minima (crosses: at the edge of their budget's sampled sizes) and the fitted line.
"""

from __future__ import annotations

import numpy as np

from scalinglaws.figures.style import PAPER_FIT, panels

INPUTS = ("ladder",)


def _errorbar(ax, x, fit: dict, **style):
    lo, hi = fit.get("a_interval", [np.nan, np.nan])
    if lo is None or not np.isfinite(fit["a"]):
        return
    ax.errorbar([x], [fit["a"]], yerr=[[fit["a"] - lo], [hi - fit["a"]]], capsize=3, ls="none", **style)


def draw(ladder: dict):
    fig, (left, right) = panels(2, "The Kaplan-to-Chinchilla ladder on our runs")
    rungs = [(r["step"], r["convention"]) for r in ladder["rungs"]]
    accounting = {"kaplan": "(Kaplan acct.)", "total": "(head counted)"}
    labels = ["\n".join([*step.split("_"), accounting[conv]]) for step, conv in rungs]
    for i, (step, conv) in enumerate(rungs):
        _errorbar(left, i, ladder["approach2"][step][conv], color=f"C{i}", marker="o", ms=6)
        other = next(c for c in ladder["conventions"] if c != conv)
        if i > 0:  # the other convention of the same runs, beside its rung
            _errorbar(left, i + 0.18, ladder["approach2"][step][other], color=f"C{i}", marker="o", mfc="white", ms=5)
    a3 = ladder["approach3"]
    for j, conv in enumerate(ladder["conventions"]):
        _errorbar(left, len(rungs) - 1 + 0.36 + 0.12 * j, a3[conv], color="k", marker="D", ms=4,
                  mfc="k" if conv == ladder["grid_convention"] else "white")
    for (name, a), ls in zip(ladder["reference_a"].items(), ("--", ":")):
        left.axhline(a, **{**PAPER_FIT, "ls": ls}, label=f"{name}: a = {a}")
    left.plot([], [], "o", color="0.4", mfc="white", label="same runs, other convention")
    left.plot([], [], "D", color="k", label=f"Approach 3 ({a3['step']}; open: other convention)")
    left.set_xticks(range(len(rungs)), labels, fontsize=6.5)
    left.set(ylabel="a in $N_{opt} \\propto C^a$ (95% interval)", title="Exponent at each step")
    left.legend(loc="best", fontsize=6.5)

    for i, (step, conv) in enumerate(rungs):
        fit = ladder["approach2"][step][conv]
        budgets = [b for b in fit["per_budget"] if b["N_opt"] is not None]
        if not budgets:
            continue
        C = np.array([b["C"] for b in budgets])
        N = np.array([b["N_opt"] for b in budgets])
        edge = np.array([b["edge"] for b in budgets])
        right.scatter(C[~edge], N[~edge], color=f"C{i}", s=18)
        right.scatter(C[edge], N[edge], color=f"C{i}", marker="x", s=22)
        if fit["N_e"] is not None and np.isfinite(fit["a"]):
            grid = np.geomspace(C.min() / 1.5, C.max() * 1.5, 50)
            lo, hi = fit["a_interval"]
            right.plot(grid, fit["N_e"] * grid ** fit["a"], color=f"C{i}",
                       label=f"{step}, {conv}: a = {fit['a']:.2f} [{lo:.2f}, {hi:.2f}]")
    right.scatter([], [], color="0.4", marker="x", label="optimum at the edge of its budget's sizes")
    right.set(xscale="log", yscale="log", xlabel="Compute C (FLOPs, in each rung's convention)",
              ylabel="$N_{opt}$ (in each rung's convention)", title="Compute-optimal model size")
    right.legend(loc="upper left", fontsize=6.5)
    return fig
