"""``python -m scalinglaws.figures FIGURE --in NAME=PATH ... --out PNG``: draw one figure.

Each ``--in`` is loaded by its extension (parquet and csv as DataFrames, json as a dict) and passed
to the module's ``draw`` as NAME; a NAME starting with ``run_`` is passed as the path itself (a run
directory's file, whose neighbours the figure may read). A module lists what it needs in ``INPUTS``
and what it draws when present in ``OPTIONAL``; an input it names in ``LISTS`` may be given several
times and is passed as a list.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

import pandas as pd

from scalinglaws.figures.style import save
from scalinglaws.io import name_equals_value, read_json

LOADERS = {".parquet": pd.read_parquet, ".csv": pd.read_csv, ".json": read_json}


def load(name: str, path: str):
    if name.startswith("run_"):
        return Path(path)
    return LOADERS[Path(path).suffix](path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.figures", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("figure", help="module name under scalinglaws.figures, e.g. fig01_summary")
    parser.add_argument("--in", dest="inputs", action="append", default=[], type=name_equals_value,
                        metavar="NAME=PATH",
                        help="an input of the figure (repeatable), e.g. runs=results/tables/runs.parquet")
    parser.add_argument("--out", required=True, help="output PNG; the PDF is written beside it")
    args = parser.parse_args(argv)
    module = importlib.import_module(f"scalinglaws.figures.{args.figure}")
    wanted = (*module.INPUTS, *getattr(module, "OPTIONAL", ()))
    lists = getattr(module, "LISTS", ())
    loaded = {}
    for name, path in args.inputs:
        if name in lists:
            loaded.setdefault(name, []).append(load(name, path))
        elif name in wanted:
            loaded[name] = load(name, path)
    missing = [name for name in module.INPUTS if name not in loaded]
    if missing:
        parser.error(f"{args.figure} needs {missing}")
    save(module.draw(**loaded), args.out)


if __name__ == "__main__":
    main()
