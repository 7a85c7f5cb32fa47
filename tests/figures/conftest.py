"""The synthetic study's tables and fits, written as the workflow writes them."""

from __future__ import annotations

import pytest
from figure_data import CONFIG, build

from scalinglaws.fit import suite
from scalinglaws.fit.core import FitSettings
from scalinglaws.studies import fit_kinds


@pytest.fixture(scope="session")
def results(tmp_path_factory):
    """Tables, fits and fit tables of the synthetic study, loaded as the figure CLI loads them."""
    root = tmp_path_factory.mktemp("results")
    tables = build()
    for name, df in tables.items():
        df.to_parquet(root / f"{name}.parquet", index=False)
    fitted = suite.fit_suite(tables["runs"], tables["curves"], positions=tables["positions"],
                             laws=suite.laws_for(fit_kinds(CONFIG)), settings=FitSettings(n_boot=8))
    suite.write_suite(fitted, root / "fits", root / "tables")
    return root
