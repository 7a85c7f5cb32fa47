"""The fit step writes exactly the files the config declares, whatever the runs can support."""

from __future__ import annotations

import json

from figure_data import build

from scalinglaws.figures import fits


def test_expected_fits_follow_the_configured_studies():
    assert fits.expected_fits({"studies": {"data": {}}}) == ["L_D", "L_ND", "overfitting", "chinchilla"]
    size = fits.expected_fits({"studies": {"size": {}}})
    assert "L_N" in size and "B_crit_noise" not in size and "B_crit" not in size
    noisy = fits.expected_fits({"train": {}, "studies": {"size": {"train": {"noise_scale_every": 10}}, "batch": {}}})
    assert {"B_crit", "B_crit_noise", "N_vs_C"} <= set(noisy)
    assert fits.fit_inputs({"studies": {"size": {}}}, "L_N", "L_ND") == {"fit_L_N": "results/fits/non_embedding/L_N.json"}


def test_a_degenerate_grid_still_writes_every_declared_file(tmp_path):
    tables = build()
    runs = tables["runs"]
    two = runs[runs["study"] == "size"].head(2)["run_id"]  # two models: too few for most laws
    keep = runs["run_id"].isin(two) | (runs["study"] == "batch")
    for name, df in tables.items():
        df[df["run_id"].isin(runs.loc[keep, "run_id"])].to_parquet(tmp_path / f"{name}.parquet", index=False)
    config = {"studies": {"size": {}, "batch": {}}}
    notes = fits.run(tmp_path / "runs.parquet", tmp_path / "curves.parquet", tmp_path / "positions.parquet",
                     tmp_path / "fits", tmp_path / "tables", fits.expected_fits(config), n_boot=4)
    for path in fits.fit_paths(config, str(tmp_path / "fits")).values():
        fit = json.loads(open(path).read())
        assert fit["params"] or fit["not_fitted"]
    assert notes and all((tmp_path / "tables" / f"{stem.split('/')[-1]}.md").exists()
                         for stem in fits.table_paths().values())
    assert (tmp_path / "fits/per_token.json").exists() and (tmp_path / "fits/batch_critical.csv").exists()
