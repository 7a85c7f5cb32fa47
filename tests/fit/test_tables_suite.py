"""Tables 2-6 and the table writer, the suite over both bases, the CLI, and imports without torch or Snakemake."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scalinglaws.fit import FitSettings, paper, synthetic, tables
from scalinglaws.fit.suite import fit_paths, fit_suite, main, suite_outputs, table_paths, write_suite
from scalinglaws.io import write_table


@pytest.fixture(scope="module")
def suite():
    runs, curves = synthetic.size_study(0, n_points=60)
    scan_runs, scan_curves = synthetic.batch_scan(0, n_points=80)
    grid = synthetic.data_grid(0).assign(best_step=3e4, batch_tokens=2**19)
    runs = pd.concat([runs, grid, scan_runs], ignore_index=True)
    return fit_suite(runs, pd.concat([curves, scan_curves], ignore_index=True), settings=FitSettings(n_boot=50))


def test_suite_fits_every_law_in_both_bases(suite):
    names = {"B_crit", "L_N", "log_N", "L_NS", "L_C", "L_Cmin", "N_opt", "S_min_opt", "B_opt", "D_opt", "N_vs_C",
             "L_D", "L_ND", "overfitting", "chinchilla"}
    for basis in ("non_embedding", "total"):
        assert set(suite["fits"][basis]) == names and not suite["not_fitted"][basis]
    assert suite["fits"]["total"]["L_N"].provenance["columns"]["N"] == "N_total"
    assert suite["notes"] == []


def test_suite_early_stop_and_intersection(suite):
    es = suite["early_stop"]["non_embedding"]
    assert len(es) == 35 and {"S_stop", "bound", "holds"} <= set(es.columns)
    inter = suite["intersection"]["non_embedding"]
    assert inter["point"]["C_star"] > 0 and inter["n_draws"] > 0
    lo, hi = inter["intervals"]["L_star"]
    assert lo <= hi


def test_tables_put_paper_beside_ours(suite):
    fits = suite["fits"]["non_embedding"]
    t5 = tables.table_5(fits)
    assert list(t5.columns) == tables.COLUMNS
    assert dict(zip(t5["quantity"], t5["paper"])) == paper.TABLE_5
    assert t5["ours"].notna().all() and (t5["lo"] <= t5["hi"]).all()
    assert tables.table_2(fits).loc[lambda d: d.quantity == "alpha_D", "paper"].item() == 0.103
    assert tables.table_3(fits)["ours"].notna().all()
    assert len(tables.table_6(fits)) == 8
    assert "^" in tables.table_4(fits)["ours"].iloc[0]


def test_missing_fit_is_marked_not_fitted():
    t2 = tables.table_2({})
    assert t2["ours"].isna().all() and t2["notes"].str.contains("not fitted").all()


def test_markdown_keeps_integers_and_rounds_floats(tmp_path):
    table = pd.DataFrame({"n_vocab": [50257], "alpha": [0.0761234], "note": ["a|b"], "lo": [math.nan]})
    write_table(table, tmp_path / "t")
    assert (tmp_path / "t.md").read_text().splitlines()[2] == "| 50257 | 0.07612 | a\\|b |  |"
    assert pd.read_csv(tmp_path / "t.csv")["alpha"].iloc[0] == 0.0761234


def test_write_suite_and_tables(suite, tmp_path):
    write_suite(suite, tmp_path)
    assert json.loads((tmp_path / "non_embedding" / "L_ND.json").read_text())["law"] == "L(N,D)"
    for i, stem in table_paths(tmp_path / "tables").items():
        assert Path(f"{stem}.csv").exists()
        assert Path(f"{stem}.md").read_text().startswith("| quantity | paper | ours | lo | hi | notes |")
    assert pd.read_csv(tmp_path / "tables" / "table5_trend_parameters.csv").shape == (12, 6)
    assert len(pd.read_csv(tmp_path / "non_embedding" / "early_stop.csv")) == 35


def test_write_suite_writes_what_it_declares(suite, tmp_path):
    """The files the workflow's fit rule declares (fit_paths, suite_outputs) are exactly those written."""
    write_suite(suite, tmp_path, tmp_path / "tables")
    written = {str(p) for p in tmp_path.rglob("*.*") if "tables" not in p.parts and not p.name.startswith(".")}
    declared = {*fit_paths(suite["laws"], str(tmp_path)).values(), *suite_outputs(suite["laws"], str(tmp_path)).values()}
    declared |= {path.replace(".csv", ".md") for path in declared if path.endswith(".csv")}  # write_table's Markdown
    assert written == declared - {str(tmp_path / "per_token.json")}  # per-token fits need positions, not given here
    env = pd.read_parquet(tmp_path / "non_embedding" / "envelope_C_min.parquet")
    fitted = json.loads((tmp_path / "non_embedding" / "L_Cmin.json").read_text())
    assert env["C_min"].tolist() == pytest.approx(fitted["provenance"]["envelope"]["C_min"])  # the frontier fitted


def test_cli_on_size_study_only(tmp_path):
    runs, curves = synthetic.size_study(1, n_points=40)
    runs.to_parquet(tmp_path / "runs.parquet")
    curves.to_parquet(tmp_path / "curves.parquet")
    main(["suite", "--runs", str(tmp_path / "runs.parquet"), "--curves", str(tmp_path / "curves.parquet"),
          "--out", str(tmp_path / "fits"), "--n-boot", "20"])
    summary = json.loads((tmp_path / "fits" / "summary.json").read_text())
    assert "non_embedding/L_N" in summary["fits"] and "non_embedding/L_ND" not in summary["fits"]
    assert any("no data study" in n for n in summary["notes"])
    assert "not fitted" in (tmp_path / "fits" / "tables" / "table2_fit_L_N_D.md").read_text()
    assert summary["B_crit_adopted"]["source"] == "paper Table 5"  # no batch study, no noise scale


def test_cli_one_law_on_the_workflow_runs_table(tmp_path):
    # python -m scalinglaws.fit L_N --runs {runs table} --n-boot N --out {output}
    synthetic.converged_runs(0).to_parquet(tmp_path / "runs.parquet")
    main(["L_N", "--runs", str(tmp_path / "runs.parquet"), "--n-boot", "20", "--out", str(tmp_path / "L_N.json")])
    fit = json.loads((tmp_path / "L_N.json").read_text())
    assert fit["law"] == "L(N)" and abs(fit["params"]["alpha_N"] - 0.076) < 0.005
    with pytest.raises(SystemExit, match="L_ND needs data runs"):
        main(["L_ND", "--runs", str(tmp_path / "runs.parquet"), "--out", str(tmp_path / "L_ND.json")])


def test_imports_without_torch_or_snakemake():
    code = "import sys, scalinglaws.fit.suite; assert not {'torch', 'snakemake'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
