"""The synthetic study's tables and fits, written as the workflow writes them."""

from __future__ import annotations

import pytest
from figure_data import CONFIG, build

from scalinglaws.figures import fits


@pytest.fixture(scope="session")
def results(tmp_path_factory):
    """Tables, fits and fit tables of the synthetic study, loaded as the figure CLI loads them."""
    root = tmp_path_factory.mktemp("results")
    tables = build()
    for name, df in tables.items():
        df.to_parquet(root / f"{name}.parquet", index=False)
    fits.run(root / "runs.parquet", root / "curves.parquet", root / "positions.parquet", root / "fits", root / "tables",
             fits.expected_fits(CONFIG), n_boot=8)
    return root
