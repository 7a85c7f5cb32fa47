"""The tuned learning rate: an LR scan of a few sizes, read by every cell with lr "tuned".

The paper tuned the LR per size and summarised the optima in a rule of N (App. D.6, Eq. D.1). An
``lr_scan`` study trains each of a few shapes at several peak LRs; for each size the optimum is
the vertex of a parabola in ln(lr) through the best LR and its two neighbours (the best scanned LR
itself when it is at the edge of the scan, with a warning).

What a cell of non-embedding N trains at (``scalinglaws.train.schedule.tuned_lr``) is its scanned
size's optimum; between scanned sizes, their optima interpolated in log-log; beyond them, the
nearest size's. The optima are also summarised as the paper's are, by the fit

    lr*(N) = lr_ref (N / N_ref)^(-p)        (a straight line in log-log; N_ref the scan's geometric mean N)

with intervals from a parametric bootstrap (every scanned loss redrawn from its standard error and
the whole fit redone). The fit is reported, not applied: at toy scale the optima are not a power
law. In the default's scan the smallest model's loss changes by less than its standard error from
0.01 to 0.04 (its optimum is at or beyond the scan's edge), while the three larger sizes' optima
agree within 30% (0.005-0.0066); the line through all four gives the second size 0.012, above the
0.01 at which its loss is already 0.08 nats worse than at its own optimum.

    python -m scalinglaws.fit.lr_rule --out results/fits/lr_rule.json results/runs/lr_scan/*/summary.json
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglaws.io import read_json, write_json, write_table
from scalinglaws.train.schedule import tuned_lr

FORM = ("lr = lr_ref * (N / N_ref)^-p (a summary; cells train at each scanned size's optimum, interpolated in "
        "log-log between sizes)")


def read_scan(summaries: list[str | Path]) -> list[dict]:
    """``{N, lr, loss, se, run}`` of the finished runs of an LR scan, from their summary.json files."""
    runs = []
    for path in summaries:
        summary = read_json(path)
        lr = summary["config"]["lr"]
        if not isinstance(lr, (int, float)):
            raise ValueError(f"{path}: an lr_scan cell needs a numeric lr, not {lr!r}")
        if summary["status"] == "diverged":
            continue  # a diverged LR is above the optimum; it has no loss to fit
        runs.append({"N": float(summary["accounting"]["N"]), "lr": float(lr), "run": f"{summary['study']}/{summary['cell']}",
                     "loss": float(summary["final_eval_test_loss"]), "se": float(summary["final_eval_test_loss_se"])})
    if not runs:
        raise ValueError(f"no finished LR-scan runs among {len(summaries)} summaries")
    return runs


def size_optimum(lrs: np.ndarray, losses: np.ndarray) -> tuple[float, bool]:
    """ln of the best LR of one size (the parabola's vertex through the best and its neighbours), and
    whether the best scanned LR is at the edge of the scan."""
    order = np.argsort(lrs)
    x, y = np.log(lrs[order]), losses[order]
    best = int(np.argmin(y))
    if best == 0 or best == len(x) - 1:
        return float(x[best]), True
    a, b, _ = np.polyfit(x[best - 1 : best + 2], y[best - 1 : best + 2], 2)
    if a <= 0:  # three points cannot curve downwards around a minimum; keep the best scanned LR
        return float(x[best]), False
    return float(np.clip(-b / (2 * a), x[best - 1], x[best + 1])), False


def _fit_optima(sizes: list[tuple[float, np.ndarray, np.ndarray]], N_ref: float) -> tuple[float, float, list[float]]:
    ln_N = np.array([math.log(N / N_ref) for N, _, _ in sizes])
    ln_opt = np.array([size_optimum(lrs, losses)[0] for _, lrs, losses in sizes])
    slope, intercept = np.polyfit(ln_N, ln_opt, 1)
    return float(math.exp(intercept)), float(-slope), [float(math.exp(v)) for v in ln_opt]


def fit_lr_rule(runs: list[dict], n_boot: int = 1000, seed: int = 0) -> dict:
    """The rule (module docstring) fitted to scanned runs (``read_scan``)."""
    by_size: dict[float, list[dict]] = {}
    for r in runs:
        by_size.setdefault(r["N"], []).append(r)
    too_few = [f"N {N:.3g} ({len(rs)} LRs)" for N, rs in by_size.items() if len({r['lr'] for r in rs}) < 3]
    if len(by_size) < 2 or too_few:
        raise ValueError("an LR rule needs at least 2 sizes with at least 3 finished LRs each; "
                         f"the scan has {len(by_size)} size(s)" + (f", too few LRs at {', '.join(too_few)}" if too_few else ""))
    Ns = sorted(by_size)
    N_ref = float(math.exp(np.mean(np.log(Ns))))
    sizes = [(N, np.array([r["lr"] for r in by_size[N]]), np.array([r["loss"] for r in by_size[N]])) for N in Ns]
    ses = [np.array([r["se"] for r in by_size[N]]) for N in Ns]
    lr_ref, p, optima = _fit_optima(sizes, N_ref)
    at_edge = [size_optimum(lrs, losses)[1] for _, lrs, losses in sizes]
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        redrawn = [(N, lrs, losses + rng.standard_normal(len(losses)) * np.nan_to_num(se))
                   for (N, lrs, losses), se in zip(sizes, ses)]
        draws.append(_fit_optima(redrawn, N_ref)[:2])
    draws = np.array(draws) if draws else np.full((1, 2), np.nan)
    warnings = [f"N {N:.3g}: the best LR {lrs[np.argmin(losses)]:.3g} is at the edge of the scan"
                for (N, lrs, losses), edge in zip(sizes, at_edge) if edge]
    all_lrs = [r["lr"] for r in runs]
    return {
        "law": "lr_rule",
        "form": FORM,
        "params": {"lr_ref": lr_ref, "p": p},
        "N_ref": N_ref,
        "intervals": {"lr_ref": np.percentile(draws[:, 0], [2.5, 97.5]).tolist(),
                      "p": np.percentile(draws[:, 1], [2.5, 97.5]).tolist()},
        "lr_range": [min(all_lrs), max(all_lrs)],
        "N_range": [Ns[0], Ns[-1]],
        "per_size": [{"N": N, "lr_opt": opt, "at_edge": edge,
                      "scan": sorted(({"lr": r["lr"], "loss": r["loss"], "se": r["se"], "run": r["run"]}
                                      for r in by_size[N]), key=lambda r: r["lr"])}
                     for N, opt, edge in zip(Ns, optima, at_edge)],
        "n_boot": n_boot,
        "warnings": warnings,
    }


def power_law_lr(rule: dict, N: float) -> float:
    """The summary fit's LR at non-embedding N."""
    return rule["params"]["lr_ref"] * (N / rule["N_ref"]) ** -rule["params"]["p"]


def scan_table(rule: dict) -> list[dict]:
    """One row per scanned run: size, LR, final test loss with its standard error, the size's fitted
    optimum, the power law's LR at that size, and the LR the other studies train with at that size."""
    rows = []
    for size in rule["per_size"]:
        for run in size["scan"]:
            rows.append({"N": size["N"], "lr": run["lr"], "test_loss": run["loss"], "test_loss_se": run["se"],
                         "lr_opt": size["lr_opt"], "lr_opt_at_edge": size["at_edge"],
                         "lr_power_law": power_law_lr(rule, size["N"]), "lr_tuned": tuned_lr(rule, size["N"]),
                         "run_id": run["run"]})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.fit.lr_rule", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("summaries", nargs="+", help="summary.json of each run of the scan")
    parser.add_argument("--out", required=True, help="the rule as JSON")
    parser.add_argument("--table", help="also the scan, one row per run, with each size's optimum: <stem>.csv and .md")
    parser.add_argument("--n-boot", type=int, default=1000)
    args = parser.parse_args(argv)
    try:
        rule = fit_lr_rule(read_scan(args.summaries), n_boot=args.n_boot)
    except ValueError as err:
        sys.exit(f"{parser.prog}: error: {err}")
    write_json(args.out, rule)
    if args.table:
        write_table(pd.DataFrame(scan_table(rule)), args.table)
    lo, hi = rule["intervals"]["p"]
    print(f"lr*(N) = {rule['params']['lr_ref']:.3g} (N / {rule['N_ref']:.3g})^-{rule['params']['p']:.3f} "
          f"(p 95% [{lo:.3f}, {hi:.3f}]) -> {args.out}")
    for size in rule["per_size"]:
        print(f"  N {size['N']:.3g}: lr* {size['lr_opt']:.3g}" + (" (edge of the scan)" if size["at_edge"] else ""))
    for warning in rule["warnings"]:
        print("warning:", warning, file=sys.stderr)


if __name__ == "__main__":
    main()
