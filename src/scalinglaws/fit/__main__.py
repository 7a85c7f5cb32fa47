"""``python -m scalinglaws.fit LAW``: fit one law to the collected runs and write it as JSON.

Only runs that finished (status ``completed`` or ``early_stopped``) of the law's study are used;
diverged runs are left out and named in the log.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from scalinglaws.fit import FitSettings, fit_L_N, save_fit

# law -> (study it reads, fitting function)
LAWS = {"L_N": ("size", fit_L_N)}


def usable_runs(runs: pd.DataFrame, study: str) -> pd.DataFrame:
    selected = runs[runs["study"] == study]
    bad = selected[~selected["status"].isin(["completed", "early_stopped"])]
    for run in bad.itertuples():
        print(f"leaving out {run.run_id}: status {run.status}", file=sys.stderr)
    if len(selected) == len(bad):
        raise SystemExit(f"no finished runs of study {study!r} to fit")
    return selected.drop(bad.index)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.fit", description=__doc__)
    parser.add_argument("law", choices=sorted(LAWS))
    parser.add_argument("--runs", required=True, help="results/tables/runs.parquet")
    parser.add_argument("--x", default="N", help="parameter column: N (the paper's basis) or N_total")
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    study, fit = LAWS[args.law]
    result = fit(usable_runs(pd.read_parquet(args.runs), study), x=args.x, settings=FitSettings(n_boot=args.n_boot))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    save_fit(result, args.out)
    print(f"{args.law}: {result.params}", file=sys.stderr)


main()
