"""The ``prose`` subcommand of ``python -m scalinglaws.corpus``: the prose sets of the training mix."""

from __future__ import annotations

import argparse
import sys

from scalinglaws.corpus.prose.sets import SETS


def cmd_prose(args: argparse.Namespace) -> None:
    from scalinglaws.corpus.ood.fetch import FetchError
    from scalinglaws.corpus.prose.build import build

    names = [n for n in args.sets.split(",") if n]
    try:
        summary = build(names, args.cache, args.out)
    except (FetchError, ValueError) as e:
        raise SystemExit(f"prose: {e}")
    for name, row in summary.items():
        print(f"prose {name}: {row['docs']} documents, {row['bytes'] / 1e6:.2f} MB", file=sys.stderr)


def register(subparsers) -> None:
    p = subparsers.add_parser("prose", help="read the offline prose sets of the training mix")
    p.add_argument("--sets", required=True, help=f"comma-separated sets, from {','.join(sorted(SETS))}")
    p.add_argument("--cache", required=True, help="folder for downloaded registry artefacts (reused)")
    p.add_argument("--out", required=True, help="document table (parquet); provenance goes beside it")
    p.set_defaults(func=cmd_prose)
