"""Fixtures for the prose tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def cli():
    """Run a corpus subcommand through the real ``python -m scalinglaws.corpus`` entry point."""
    from scalinglaws.corpus.cli import main

    return main
