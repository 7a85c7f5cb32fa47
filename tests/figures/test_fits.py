"""The fit step writes exactly the files the config declares, whatever the runs can support."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from figure_data import build

from scalinglaws.fit import paper, suite
from scalinglaws.fit.core import FitResult
from scalinglaws.studies import fit_kinds


def test_laws_follow_the_configured_studies():
    assert suite.laws_for(fit_kinds({"studies": {"data": {}}})) == ["L_D", "L_ND", "overfitting", "chinchilla"]
    size = suite.laws_for(fit_kinds({"studies": {"size": {}}}))
    assert "L_N" in size and "B_crit_noise" not in size and "B_crit" not in size
    noisy = fit_kinds({"train": {}, "studies": {"size": {"train": {"noise_scale_every": 10}}, "batch": {}}})
    assert {"B_crit", "B_crit_noise", "N_vs_C"} <= set(suite.laws_for(noisy))
    renamed = fit_kinds({"studies": {"scans": {"kind": "batch"}}})
    assert renamed == {"batch"}


def _degenerate(tmp_path):
    tables = build()
    runs = tables["runs"]
    two = runs[runs["kind"] == "size"].head(2)["run_id"]  # two models: too few for most laws
    keep = runs["run_id"].isin(two) | (runs["kind"] == "batch")
    for name, df in tables.items():
        df[df["run_id"].isin(runs.loc[keep, "run_id"])].to_parquet(tmp_path / f"{name}.parquet", index=False)


def test_a_degenerate_grid_still_writes_every_declared_file(tmp_path, capsys):
    _degenerate(tmp_path)
    laws = suite.laws_for(fit_kinds({"studies": {"size": {}, "batch": {}}}))
    suite.main(["suite", "--runs", str(tmp_path / "runs.parquet"), "--curves", str(tmp_path / "curves.parquet"),
                "--positions", str(tmp_path / "positions.parquet"), "--laws", *laws, "--n-boot", "4",
                "--out", str(tmp_path / "fits"), "--tables", str(tmp_path / "tables")])
    for path in suite.fit_paths(laws, str(tmp_path / "fits")).values():
        fit = json.loads(open(path).read())
        assert fit["params"] or fit["not_fitted"]
    assert "not fitted" in capsys.readouterr().out
    assert all((tmp_path / "tables" / f"{stem.split('/')[-1]}.md").exists() for stem in suite.table_paths().values())
    assert not list((tmp_path / "tables").glob("table1*"))  # Table 1 is train.table1's
    for name in ("per_token.json", "batch_critical.csv", "B_crit_adopted.json", "summary.json"):
        assert (tmp_path / "fits" / name).exists(), name


def _fit(warnings=(), B_star=1e8, alpha_B=0.2) -> FitResult:
    return FitResult(law="B_crit(L)", params={"B_star": B_star, "alpha_B": alpha_B}, intervals={}, n_points=10,
                     loss=0.0, warnings=list(warnings))


def test_a_flagged_batch_scan_fit_gives_way_to_a_clean_noise_scale_fit():
    scans, noise = _fit(["alpha_B: optimum on or beyond the edge of the start grid"], alpha_B=1.0), _fit(alpha_B=0.18)
    choice = suite.adopt_bcrit([("batch scans", scans), ("gradient noise scale", noise)])
    assert choice["source"] == "gradient noise scale" and choice["params"]["alpha_B"] == 0.18
    assert "edge of the start grid" in choice["reason"]


def test_a_clean_batch_scan_fit_is_preferred():
    choice = suite.adopt_bcrit([("batch scans", _fit(alpha_B=0.21)), ("gradient noise scale", _fit(alpha_B=0.3))])
    assert choice["source"] == "batch scans" and choice["params"]["alpha_B"] == 0.21


def test_all_flagged_keeps_the_first_and_nothing_falls_back_to_the_paper():
    flagged = [("batch scans", _fit(["ill-conditioned"], alpha_B=1.0)),
               ("gradient noise scale", ValueError("too few points"))]
    choice = suite.adopt_bcrit(flagged)
    assert choice["source"] == "batch scans" and "too few points" in choice["reason"]
    paper_choice = suite.adopt_bcrit([("gradient noise scale", ValueError("too few points"))])
    assert paper_choice["source"] == "paper Table 5"
    assert paper_choice["params"] == {k: paper.TABLE_5[k] for k in ("B_star", "alpha_B")}


def test_the_adopted_bcrit_is_the_one_s_min_and_table_5_use(tmp_path):
    tables = build()
    fitted = suite.fit_suite(tables["runs"], tables["curves"], laws=["B_crit", "B_crit_noise", "L_Cmin"],
                             bases=("non_embedding",), settings=suite.FitSettings(n_boot=8))
    choice = fitted["bcrit"]
    assert choice["source"] in ("batch scans", "gradient noise scale")
    suite.write_suite(fitted, tmp_path / "fits", tmp_path / "tables")
    assert json.loads((tmp_path / "fits" / "B_crit_adopted.json").read_text())["params"] == choice["params"]
    table5 = pd.read_csv(tmp_path / "tables" / "table5_trend_parameters.csv").set_index("quantity")
    assert table5.loc["alpha_B", "ours"] == pytest.approx(choice["params"]["alpha_B"])
    assert choice["source"] in table5.loc["alpha_B", "notes"]
