"""Fixtures for the OOD tests."""

from __future__ import annotations

import argparse

import pytest


@pytest.fixture
def cli():
    """Run our subcommands through our own ``register`` (independent of the corpus CLI wiring)."""
    from scalinglaws.corpus.clean.cli import register

    def run(argv: list[str]) -> None:
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(argv)
        args.func(args)

    return run
