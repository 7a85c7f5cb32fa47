"""``python -m scalinglaws.figures FIGURE``: draw one figure from the run tables and fits."""

from __future__ import annotations

import argparse
import importlib

import pandas as pd

from scalinglaws.figures.style import save
from scalinglaws.io import read_json


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.figures", description=__doc__)
    parser.add_argument("figure", help="module name under scalinglaws.figures, e.g. fig01_summary")
    parser.add_argument("--runs", help="results/tables/runs.parquet")
    parser.add_argument("--curves", help="results/tables/curves.parquet")
    parser.add_argument("--fit", action="append", default=[], metavar="NAME=PATH",
                        help="a fit JSON, passed to the figure as fit_NAME (repeatable)")
    parser.add_argument("--out", required=True, help="output PNG; the PDF is written beside it")
    args = parser.parse_args(argv)
    module = importlib.import_module(f"scalinglaws.figures.{args.figure}")
    loaded = {}
    if args.runs:
        loaded["runs"] = pd.read_parquet(args.runs)
    if args.curves:
        loaded["curves"] = pd.read_parquet(args.curves)
    for item in args.fit:
        name, _, path = item.partition("=")
        loaded[f"fit_{name}"] = read_json(path)
    missing = [name for name in module.INPUTS if name not in loaded]
    if missing:
        parser.error(f"{args.figure} needs {missing}")
    save(module.draw(**{name: loaded[name] for name in module.INPUTS}), args.out)


main()
