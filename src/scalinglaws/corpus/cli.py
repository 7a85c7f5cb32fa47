"""Command line of the corpus stage: one subcommand per step (acquire, extract, load, clean, ood ...).

Each step registers its own subcommands from its own module, so the stages stay independent:
a module listed in ``SUBCOMMAND_MODULES`` exposes ``register(subparsers)``, and every subcommand it
adds sets ``func`` (called with the parsed arguments) through ``set_defaults``.
"""

from __future__ import annotations

import argparse
import importlib

SUBCOMMAND_MODULES = [
    "scalinglaws.corpus.acquire.cli",
    "scalinglaws.corpus.clean.cli",
    "scalinglaws.corpus.prose.cli",
    "scalinglaws.corpus.sources.cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.corpus", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> None:
    import sys

    from scalinglaws.io import usage_line

    args = build_parser().parse_args(argv)
    args.func(args)
    print(usage_line(), file=sys.stderr)
