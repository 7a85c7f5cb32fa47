"""``scalinglaws fit <law> --runs any.csv --columns N=...,D=...,L=...`` through the real console
script, on plain tables written here: constants with intervals printed, the JSON written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalinglaws.fit import analytic, paper

SCRIPT = Path(sys.executable).with_name("scalinglaws")


def scalinglaws(*args, cwd) -> subprocess.CompletedProcess:
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing: install the package (pip install -e .) so its console script exists")
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture
def grid_csv(tmp_path):
    """Eq 1.5 with the Table 2 constants on 5 sizes x 7 dataset sizes, 1% noise, our own column names."""
    rng = np.random.default_rng(0)
    N, D = (a.ravel() for a in np.meshgrid(np.logspace(6, 9, 5), 2.2e10 / 2.0 ** np.arange(4, 11)))
    L = analytic.L_N_D(N, D, **paper.TABLE_2) * np.exp(rng.normal(0, 0.01, N.size))
    df = pd.DataFrame({"name": [f"m{i}" for i in range(N.size)], "params": N, "tokens": D, "loss": L})
    df.to_csv(tmp_path / "runs.csv", index=False)
    return df


def test_fits_L_ND_on_a_plain_csv(tmp_path, grid_csv):
    out = scalinglaws("fit", "L_ND", "--runs", "runs.csv", "--columns", "N=params,D=tokens,L=loss", "--id", "name",
                      "--n-boot", "200", "--out", "fit.json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    fit = json.loads((tmp_path / "fit.json").read_text())
    assert fit["law"] == "L(N,D)" and fit["n_points"] == 35
    assert abs(fit["params"]["alpha_N"] - 0.076) < 0.006 and abs(fit["params"]["alpha_D"] - 0.103) < 0.006
    assert fit["provenance"]["columns"] == {"N": "params", "D": "tokens", "y": "loss"}
    assert fit["provenance"]["run_ids"] == sorted(grid_csv["name"])
    for k, (lo, hi) in fit["intervals"].items():
        assert lo < fit["params"][k] < hi
        # printed with its interval, as written
        assert f"{k}" in out.stdout and f"[{lo:.4g}, {hi:.4g}]" in out.stdout
    assert "95% intervals from 200 bootstrap resamples" in out.stdout


def test_parquet_and_the_default_output_name(tmp_path, grid_csv):
    grid_csv[grid_csv["tokens"] == grid_csv["tokens"].max()].to_parquet(tmp_path / "runs.parquet")
    out = scalinglaws("fit", "L_N", "--runs", "runs.parquet", "--columns", "N=params,L=loss", "--n-boot", "50", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads((tmp_path / "L_N.json").read_text())["law"] == "L(N)"
    assert "-> L_N.json" in out.stdout


def test_text_in_a_column_is_named_without_a_traceback(tmp_path, grid_csv):
    grid_csv.astype({"tokens": object}).assign(tokens=lambda d: d["tokens"].where(d["name"] != "m3", "lots")).to_csv(
        tmp_path / "runs.csv", index=False)
    out = scalinglaws("fit", "chinchilla", "--runs", "runs.csv", "--columns", "N=params,D=tokens,L=loss", "--id", "name",
                      cwd=tmp_path)
    assert out.returncode != 0
    assert "column 'tokens' (D) must hold numbers, but runs 'm3' (= 'lots') hold text" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_symbol_left_out_is_named(tmp_path, grid_csv):
    out = scalinglaws("fit", "L_ND", "--runs", "runs.csv", "--columns", "N=params,L=loss", cwd=tmp_path)
    assert out.returncode != 0 and "needs --columns for N, D, L; missing D" in out.stderr


def test_a_plain_csv_without_columns_is_told_how_to_name_them(tmp_path, grid_csv):
    # before: a KeyError traceback on 'study'
    out = scalinglaws("fit", "chinchilla", "--runs", "runs.csv", cwd=tmp_path)
    assert out.returncode != 0
    assert "not the workflow's runs table" in out.stderr and "--columns N=...,D=...,L=..." in out.stderr
    assert "Traceback" not in out.stderr
