"""The Kaplan-to-Chinchilla discrepancy ladder (Porian et al. 2024) fitted to a ``ladder`` study's runs.

Each retraining step of the study (``studies.ladder_study``: Kaplan's long warmup and fixed-horizon
cosine, a short warmup, a cosine matched to each budget, the LR tuned per size) trained IsoFLOP sets
at several budgets. Each step is analysed under both accounting conventions (``CONVENTIONS``):

  kaplan   N = non-embedding parameters (Table 1), C = 6 N D
  total    N = every parameter (embeddings and head), C = D (6N + attention + head), the FLOPs a
           step costs; the study's budgets are in this convention

Per step and convention, Chinchilla's Approach 2: for each budget, the final test loss against ln N
over the set's cells, interpolated by the parabola through the best cell and its two neighbours
(the way ``fit.lr_rule`` finds each size's best LR); its vertex is N_opt(C), and D_opt = C / (FLOPs
per token at N_opt), the FLOPs per token interpolated in ln N between the set's cells. A parabola over
the whole set was tried first and failed on the ladder's runs: the sizes far above the optimum are
undertrained by a nat or more, far off any parabola, and dragged its vertex out of the sampled range.
A set whose lowest loss is at its smallest or largest size has no bracketed optimum: it is flagged
as ``edge`` (its best sampled size kept as a bound in the per-budget results, the budget named in
``warnings``) and left out of the exponents. Over the other budgets, ln N_opt = a ln C + const and
ln D_opt = b ln C + const (in each bootstrap draw, over the budgets whose redrawn optimum is bracketed).

The cells of a set share one budget in the study's convention only: in the other, their C differ
(the head's share of a small model's FLOPs is large). Each cell's loss is moved to the set's common
budget (the geometric mean of its cells' C) along its own size's loss-against-compute curve: a
parabola in ln C through that size's 3 runs nearest the target budget (a line through 2; for a size
trained at one budget only, the slope of the nearest size in N); ``max_shift`` says how far (in ln C).

Intervals are a parametric bootstrap over the cells: every cell's loss is redrawn from a normal
distribution about it whose standard deviation is its final evaluation's standard error and the
run-to-run spread (``SEED_SPREAD``, 0.02 nats, measured on the default's seeds) in quadrature, and the
whole fit (vertices, edges, D_opt, both exponents) redone; 95% percentiles.

Chinchilla's Approach 3 on the final step: L = E + A/N^alpha + B/D^beta (``laws.CHINCHILLA``) fitted
to its cells in each convention (D = tokens trained), whose compute-optimal exponents are
a = beta / (alpha + beta) and b = alpha / (alpha + beta), intervals from the fit's bootstrap draws.

    python -m scalinglaws.fit.ladder --out results/fits/ladder.json --table results/tables/ladder \\
        results/runs/ladder/*/summary.json
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglaws.fit.core import FitSettings
from scalinglaws.fit.size_data import fit_chinchilla
from scalinglaws.io import read_json, write_json, write_table

# convention -> (parameter column, FLOPs-per-token column, what it means)
CONVENTIONS = {
    "kaplan": ("N", "flops_per_token_6N", "non-embedding N, C = 6ND (Kaplan et al.)"),
    "total": ("N_total", "flops_per_token_with_head", "total N, C = D (6N + attention + head), head counted"),
}
GRID_CONVENTION = "total"  # the convention the study's budgets are set in (studies.ladder_study)
REFERENCE_A = {"Kaplan et al. 2020": 0.73, "Hoffmann et al. 2022": 0.50}
# run-to-run spread of a final test loss, in nats, added to each cell's evaluation standard error in the
# bootstrap: three seeds of the default's 2 x 32 model at 6e5 tokens ended 3.89-3.91 (docs/experiment.md)
SEED_SPREAD = 0.02


def read_runs(summaries: list[str | Path]) -> pd.DataFrame:
    """One row per finished ladder run: its step, budget, shape, accounting, tokens and final test loss."""
    rows = []
    for path in summaries:
        summary = read_json(path)
        extra = summary["config"].get("extra", {})
        if "ladder_step" not in extra:
            raise ValueError(f"{path}: not a ladder cell (its config has no extra.ladder_step)")
        if summary["status"] != "completed":
            continue  # a diverged run has no loss to fit
        acc = summary["accounting"]
        rows.append({"run_id": f"{summary['study']}/{summary['cell']}", "step": extra["ladder_step"],
                     "budget": float(extra["budget"]), "n_layer": summary["config"]["n_layer"],
                     "d_model": summary["config"]["d_model"], "N": float(acc["N"]), "N_total": float(acc["N_total"]),
                     "flops_per_token_6N": float(acc["flops_per_token_6N"]),
                     "flops_per_token_with_head": float(acc["flops_per_token_with_head"]),
                     "tokens": float(summary["tokens"]), "loss": float(summary["final_eval_test_loss"]),
                     "loss_se": float(summary["final_eval_test_loss_se"]), "lr_peak": float(summary["lr_peak"])})
    if not rows:
        raise ValueError(f"no finished ladder runs among {len(summaries)} summaries")
    return pd.DataFrame(rows)


def isoflop_sets(runs: pd.DataFrame, convention: str) -> list[dict]:
    """One step's runs as IsoFLOP sets in ``convention``: per budget, ``C`` (the set's common budget),
    and per cell ``lnN``, ``lnk`` (FLOPs per token), ``loss`` moved to C along its size's curve, ``shift``."""
    n_col, k_col, _ = CONVENTIONS[convention]
    runs = runs.assign(lnN=np.log(runs[n_col]), lnk=np.log(runs[k_col]), lnC=np.log(runs["tokens"] * runs[k_col]))
    curves = {size: g.sort_values("lnC") for size, g in runs.groupby(["n_layer", "d_model"])}
    slopes = {size: np.polyfit(g["lnC"], g["loss"], 1)[0] for size, g in curves.items() if len(g) >= 2}

    def loss_at(size, lnC_target, lnC, loss):
        g = curves[size]
        if len(g) >= 2:  # the size's own curve: through its 3 runs nearest in C (a line through 2)
            x, y = g["lnC"].to_numpy(), g["loss"].to_numpy()
            near = np.sort(np.argsort(np.abs(x - lnC_target))[:3])
            return float(np.polyval(np.polyfit(x[near], y[near], len(near) - 1), lnC_target))
        if not slopes:
            return loss if abs(lnC_target - lnC) < 1e-12 else math.nan
        nearest = min(slopes, key=lambda s: abs(curves[s]["lnN"].iloc[0] - g["lnN"].iloc[0]))
        return loss + slopes[nearest] * (lnC_target - lnC)

    sets = []
    for budget, g in runs.groupby("budget"):
        lnC = float(g["lnC"].mean())
        cells = g.assign(loss=[loss_at((r.n_layer, r.d_model), lnC, r.lnC, r.loss) for r in g.itertuples()],
                         shift=lnC - g["lnC"]).sort_values("lnN")
        sets.append({"budget": float(budget), "C": math.exp(lnC), "cells": cells})
    return sets


def _vertex(lnN: np.ndarray, loss: np.ndarray) -> tuple[float, list | None]:
    """ln N at the minimum of the parabola through a set's best cell and its two neighbours (sorted by
    N), and that parabola's coefficients; at the set's smallest or largest size, that size and None."""
    best = int(np.argmin(loss))
    if best == 0 or best == len(loss) - 1:
        return float(lnN[best]), None
    near = slice(best - 1, best + 2)
    coef = np.polyfit(lnN[near], loss[near], 2)  # opens upwards: the middle point is the lowest
    return float(-coef[1] / (2 * coef[0])), coef.tolist()


def _optima(sets: list[dict], losses: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """ln C, ln N_opt and ln D_opt of each set for the given losses, and whether each optimum is
    bracketed by the set's sizes."""
    lnC, lnN_opt, lnD_opt, inside = [], [], [], []
    for s, loss in zip(sets, losses):
        lnN = s["cells"]["lnN"].to_numpy()
        u, coef = _vertex(lnN, loss)
        lnk = np.interp(u, lnN, s["cells"]["lnk"].to_numpy())  # FLOPs per token at N_opt
        lnC.append(math.log(s["C"]))
        lnN_opt.append(u)
        lnD_opt.append(math.log(s["C"]) - lnk)
        inside.append(coef is not None)
    return np.array(lnC), np.array(lnN_opt), np.array(lnD_opt), np.array(inside)


def _exponents(lnC, lnN_opt, lnD_opt, inside) -> tuple[float, float, float, float]:
    """a, ln N_e, b, ln D_e of ln N_opt = a ln C + ln N_e and ln D_opt = b ln C + ln D_e over the optima
    inside their sets' sampled sizes (NaN with fewer than 2)."""
    ok = inside
    if ok.sum() < 2:
        return (math.nan,) * 4
    a, lnNe = np.polyfit(lnC[ok], lnN_opt[ok], 1)
    b, lnDe = np.polyfit(lnC[ok], lnD_opt[ok], 1)
    return float(a), float(lnNe), float(b), float(lnDe)


def approach2(runs: pd.DataFrame, convention: str, n_boot: int = 1000, seed: int = 0, ci: float = 0.95,
              seed_spread: float = SEED_SPREAD) -> dict:
    """Approach 2 on one step's runs in one convention (module docstring)."""
    sets = isoflop_sets(runs, convention)
    too_few = [s["budget"] for s in sets if len(s["cells"]) < 3]
    if len(sets) < 2 or too_few:
        raise ValueError(f"Approach 2 needs at least 2 budgets of at least 3 sizes each; the runs have {len(sets)} "
                         f"budget(s)" + (f", fewer than 3 sizes at {too_few}" if too_few else ""))
    losses = [s["cells"]["loss"].to_numpy() for s in sets]
    lnC, lnN_opt, lnD_opt, inside = _optima(sets, losses)
    a, lnNe, b, lnDe = _exponents(lnC, lnN_opt, lnD_opt, inside)
    per_budget, warnings = [], []
    for s, loss, u, v, ok in zip(sets, losses, lnN_opt, lnD_opt, inside):
        lnN = s["cells"]["lnN"].to_numpy()
        if not ok:
            end = "smallest" if np.argmin(loss) == 0 else "largest"
            warnings.append(f"budget {s['budget']:.3g}: the lowest loss is at the {end} size sampled, N "
                            f"{math.exp(u):.3g} (N {math.exp(lnN.min()):.3g}-{math.exp(lnN.max()):.3g}); "
                            f"left out of the exponents")
        per_budget.append({
            "budget": s["budget"], "C": s["C"], "N_opt": math.exp(u), "D_opt": math.exp(v),
            "tokens_per_parameter": math.exp(v - u), "edge": not ok, "parabola": _vertex(lnN, loss)[1],
            "max_shift": float(np.abs(s["cells"]["shift"]).max()),
            "cells": [{"run_id": r.run_id, "N": math.exp(r.lnN), "loss": r.loss, "loss_se": r.loss_se, "shift": r.shift}
                      for r in s["cells"].itertuples()]})
    noise = [np.sqrt(np.nan_to_num(s["cells"]["loss_se"].to_numpy()) ** 2 + seed_spread**2) for s in sets]
    rng = np.random.default_rng(seed)
    draws = np.array([_exponents(*_optima(sets, [loss + sd * rng.standard_normal(len(loss))
                                                 for loss, sd in zip(losses, noise)]))
                      for _ in range(n_boot)]).reshape(-1, 4)
    good = np.isfinite(draws).all(axis=1)
    if n_boot and good.mean() < 0.95:
        warnings.append(f"{int((~good).sum())} of {len(draws)} bootstrap draws had fewer than 2 bracketed optima")
    q = 100 * np.array([(1 - ci) / 2, (1 + ci) / 2])

    def interval(j):
        return np.percentile(draws[good, j], q).tolist() if good.any() else [math.nan, math.nan]

    return {"convention": convention, "meaning": CONVENTIONS[convention][2], "a": a, "a_interval": interval(0),
            "N_e": math.exp(lnNe) if np.isfinite(lnNe) else None, "b": b, "b_interval": interval(2),
            "D_e": math.exp(lnDe) if np.isfinite(lnDe) else None, "per_budget": per_budget,
            "seed_spread": seed_spread, "n_boot": int(good.sum()), "warnings": warnings}


def approach3(runs: pd.DataFrame, convention: str, n_boot: int = 1000) -> dict:
    """Chinchilla's parametric L(N, D) on one step's runs, and the compute-optimal exponents it implies."""
    n_col = CONVENTIONS[convention][0]
    fit = fit_chinchilla(runs, x=n_col, d="tokens", loss="loss", settings=FitSettings(n_boot=n_boot))
    alpha, beta = fit.params["alpha"], fit.params["beta"]
    out = {"convention": convention, "params": fit.params, "intervals": {k: list(v) for k, v in fit.intervals.items()},
           "a": beta / (alpha + beta), "b": alpha / (alpha + beta), "warnings": fit.warnings,
           "rms_log_residual": fit.diagnostics.get("rms_log_residual")}
    if fit.samples:
        a_draws = fit.samples["beta"] / (fit.samples["alpha"] + fit.samples["beta"])
        out["a_interval"] = np.percentile(a_draws, [2.5, 97.5]).tolist()
        out["b_interval"] = np.percentile(1 - a_draws, [2.5, 97.5]).tolist()
    return out


def ladder_rungs(steps: list[str]) -> list[tuple[str, str]]:
    """Porian et al.'s path: the first step in Kaplan's accounting, then every step with the head counted."""
    return [(steps[0], "kaplan")] + [(step, GRID_CONVENTION) for step in steps]


def fit_ladder(runs: pd.DataFrame, n_boot: int = 1000, seed_spread: float = SEED_SPREAD) -> dict:
    """Approach 2 for every step in both conventions, Approach 3 on the last step, and the ladder's path."""
    steps = list(dict.fromkeys(runs["step"]))  # in the study's order (its cells are made step by step)
    fits = {step: {conv: approach2(runs[runs["step"] == step], conv, n_boot, seed_spread=seed_spread)
                   for conv in CONVENTIONS} for step in steps}
    final = runs[runs["step"] == steps[-1]]
    return {"law": "ladder", "steps": steps, "conventions": {c: v[2] for c, v in CONVENTIONS.items()},
            "grid_convention": GRID_CONVENTION, "approach2": fits,
            "approach3": {"step": steps[-1], **{conv: approach3(final, conv, n_boot) for conv in CONVENTIONS}},
            "rungs": [{"step": s, "convention": c} for s, c in ladder_rungs(steps)], "reference_a": REFERENCE_A,
            "n_runs": len(runs)}


def ladder_table(fit: dict) -> pd.DataFrame:
    """One row per step and convention (Approach 2) plus the final step's Approach 3, rung order first."""
    rungs = [(r["step"], r["convention"]) for r in fit["rungs"]]
    rows = []
    for step in fit["steps"]:
        for conv, a2 in fit["approach2"][step].items():
            tpp = [b["tokens_per_parameter"] for b in a2["per_budget"] if not b["edge"]]
            rows.append({"rung": rungs.index((step, conv)) if (step, conv) in rungs else None, "step": step,
                         "convention": conv, "method": "approach 2 (IsoFLOP parabolas)", "a": a2["a"],
                         "a_lo": a2["a_interval"][0], "a_hi": a2["a_interval"][1], "b": a2["b"],
                         "b_lo": a2["b_interval"][0], "b_hi": a2["b_interval"][1],
                         "tokens_per_param_smallest_C": tpp[0] if tpp else None,
                         "tokens_per_param_largest_C": tpp[-1] if tpp else None,
                         "budgets": len(a2["per_budget"]),
                         "edge_budgets": sum(b["edge"] for b in a2["per_budget"]), "warnings": len(a2["warnings"])})
    for conv in CONVENTIONS:
        a3 = fit["approach3"][conv]
        lo, hi = a3.get("a_interval", [None, None])
        blo, bhi = a3.get("b_interval", [None, None])
        rows.append({"rung": None, "step": fit["approach3"]["step"], "convention": conv,
                     "method": "approach 3 (parametric L(N, D))", "a": a3["a"], "a_lo": lo, "a_hi": hi, "b": a3["b"],
                     "b_lo": blo, "b_hi": bhi, "tokens_per_param_smallest_C": None, "tokens_per_param_largest_C": None,
                     "budgets": None, "edge_budgets": None, "warnings": len(a3["warnings"])})
    table = pd.DataFrame(rows)
    table["rung"] = table["rung"].astype("Int64")
    table["budgets"] = table["budgets"].astype("Int64")
    table["edge_budgets"] = table["edge_budgets"].astype("Int64")
    return table.sort_values("rung", na_position="last", kind="stable", ignore_index=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.fit.ladder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("summaries", nargs="+", help="summary.json of each run of the ladder study")
    parser.add_argument("--out", required=True, help="the fits as JSON")
    parser.add_argument("--table", required=True, help="the exponents per step and convention: <stem>.csv and .md")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--seed-spread", type=float, default=SEED_SPREAD,
                        help="run-to-run spread of a final loss (nats), added to each cell's standard error in "
                             "the bootstrap")
    args = parser.parse_args(argv)
    try:
        fit = fit_ladder(read_runs(args.summaries), n_boot=args.n_boot, seed_spread=args.seed_spread)
    except ValueError as err:
        sys.exit(f"{parser.prog}: error: {err}")
    write_json(args.out, fit)
    table = ladder_table(fit)
    write_table(table, args.table)
    print(table.to_string(index=False))
    for step, by_conv in fit["approach2"].items():
        for conv, a2 in by_conv.items():
            for warning in a2["warnings"]:
                print(f"warning: {step}/{conv}: {warning}", file=sys.stderr)


if __name__ == "__main__":
    main()
