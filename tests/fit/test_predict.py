"""Predictions from fits of synthetic data with known constants: the loss with its prediction
interval, the compute-optimal allocation, a saved fit read back, held-out cells, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalinglaws.fit import FitSettings, analytic, direct, paper, save_fit
from scalinglaws.fit.predict import compute_optimal, load_fit, predict, predict_held_out

T2, T5 = paper.TABLE_2, paper.TABLE_5
HOFFMANN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
SCRIPT = Path(sys.executable).with_name("scalinglaws")


def size_table(seed=0, n=8, noise=0.01):
    rng = np.random.default_rng(seed)
    N = np.logspace(4, 9, n)
    L = (T5["N_c"] / N) ** T5["alpha_N"] * np.exp(rng.normal(0, noise, n))
    return pd.DataFrame({"run_id": [f"r{i}" for i in range(n)], "N": N, "loss": L})


def chinchilla_table(seed=0, noise=0.01):
    rng = np.random.default_rng(seed)
    N, D = (a.ravel() for a in np.meshgrid(np.geomspace(1e7, 1e10, 6), np.geomspace(1e9, 1e12, 6)))
    c = HOFFMANN
    L = (c["E"] + c["A"] / N ** c["alpha"] + c["B"] / D ** c["beta"]) * np.exp(rng.normal(0, noise, N.size))
    return pd.DataFrame({"run_id": [f"c{i}" for i in range(N.size)], "N": N, "D": D, "loss": L})


def L_ND_table(seed=0):
    rng = np.random.default_rng(seed)
    N, D = (a.ravel() for a in np.meshgrid(np.logspace(6, 9, 5), 2.2e10 / 2.0 ** np.arange(4, 11)))
    L = analytic.L_N_D(N, D, **T2) * np.exp(rng.normal(0, 0.01, N.size))
    return pd.DataFrame({"run_id": [f"d{i}" for i in range(N.size)], "N": N, "D": D, "loss": L})


def fit(name, df, n_boot=400, seed=0):
    return direct.fit_columns(name, df, {s: ("loss" if s == "L" else s) for s in direct.symbols(name)},
                              settings=FitSettings(n_boot=n_boot, seed=seed))


def chinchilla_N_opt(C, E, A, B, alpha, beta):
    # minimising A/N^alpha + B/D^beta at D = C/(6N)
    return (alpha * A / (beta * B)) ** (1 / (alpha + beta)) * (C / 6) ** (beta / (alpha + beta))


def L_ND_N_opt(C, N_c, D_c, alpha_N, alpha_D):
    # minimising (N_c/N)^r + D_c 6 N / C, r = alpha_N / alpha_D
    r = alpha_N / alpha_D
    return (r * N_c**r * C / (6 * D_c)) ** (1 / (r + 1))


def test_prediction_is_the_law_at_the_fitted_constants_and_the_interval_holds_it():
    f = fit("L_N", size_table())
    out = predict(f, {"N": [3e6, 1e9, 1e11]})
    assert np.allclose(out["predicted"], f.predict(N=np.array([3e6, 1e9, 1e11])))
    law_width = np.log(out["law_hi"] / out["law_lo"])
    assert (np.log(out["hi"] / out["lo"]) > law_width).all()  # the scatter of runs widens it
    assert (out["law_lo"] < out["predicted"]).all() and (out["predicted"] < out["law_hi"]).all()
    # the law is known best amid the data (N = 3e6), less at its edge, less still two decades beyond
    assert law_width.iloc[0] < law_width.iloc[1] < law_width.iloc[2] / 1.3


def test_noiseless_data_predict_the_truth_with_no_width():
    f = fit("L_N", size_table(noise=0.0))
    out = predict(f, {"N": 1e11}).iloc[0]
    truth = (T5["N_c"] / 1e11) ** T5["alpha_N"]
    assert out["predicted"] == pytest.approx(truth, rel=1e-5)
    assert out["lo"] == pytest.approx(truth, rel=1e-4) and out["hi"] == pytest.approx(truth, rel=1e-4)


def test_prediction_interval_carries_the_scatter_of_the_points():
    # 60 points with 3% noise: within the data the constants are well known, so a new run's 95%
    # interval is about +-1.96 sigma in log loss
    rng = np.random.default_rng(1)
    N = np.logspace(4, 9, 60)
    df = pd.DataFrame({"run_id": range(60), "N": N, "loss": (T5["N_c"] / N) ** 0.076 * np.exp(rng.normal(0, 0.03, 60))})
    out = predict(fit("L_N", df), {"N": 1e7}).iloc[0]
    assert np.log(out["hi"] / out["lo"]) == pytest.approx(2 * 1.96 * 0.03, rel=0.25)


def test_prediction_interval_holds_new_runs_beyond_the_data_in_most_studies():
    hits = 0
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        new_run = (T5["N_c"] / 1e10) ** T5["alpha_N"] * np.exp(rng.normal(0, 0.01))
        out = predict(fit("L_N", size_table(100 + seed), seed=seed), {"N": 1e10}).iloc[0]
        hits += out["lo"] <= new_run <= out["hi"]
    assert hits >= 16


@pytest.mark.parametrize("name,table,closed_form,truth", [
    ("chinchilla", chinchilla_table, chinchilla_N_opt, HOFFMANN),
    ("L_ND", L_ND_table, L_ND_N_opt, T2),
])
def test_compute_optimal_allocation_matches_the_closed_form(name, table, closed_form, truth):
    f = fit(name, table())
    C = np.array([1e19, 1e21, 1e23])
    out = compute_optimal(f, C)
    assert np.allclose(out["N"], closed_form(C, **f.params), rtol=1e-4)
    assert np.allclose(out["N"] * out["D"] * 6, C)
    assert ((out["N_lo"] < out["N"]) & (out["N"] < out["N_hi"])).all()
    assert ((out["L_lo"] < out["L"]) & (out["L"] < out["L_hi"])).all()
    # the true optimum lies in the interval at the budget the data cover
    assert out["N_lo"].iloc[0] <= closed_form(1e19, **truth) <= out["N_hi"].iloc[0]


def test_compute_optimal_needs_a_law_of_N_and_D():
    with pytest.raises(ValueError, match=r"needs a law of N and D .* this one takes N"):
        compute_optimal(fit("L_N", size_table(), n_boot=20), 1e21)


def test_a_saved_fit_predicts_as_the_one_in_memory(tmp_path):
    f = fit("chinchilla", chinchilla_table(), n_boot=100)
    save_fit(f, tmp_path / "fit.json")
    again = load_fit(tmp_path / "fit.json")
    inputs = {"N": [1e9, 1e11], "D": [2e10, 1e13]}
    pd.testing.assert_frame_equal(predict(again, inputs), predict(f, inputs))
    pd.testing.assert_frame_equal(compute_optimal(again, 1e22), compute_optimal(f, 1e22))


def test_a_fit_without_bootstrap_has_no_interval():
    with pytest.raises(ValueError, match="no bootstrap draws"):
        predict(fit("L_N", size_table(), n_boot=0), {"N": 1e10})


def test_largest_cells_predicted_before_they_train():
    # the largest model has not trained yet: its loss is empty, its prediction is registered
    runs = size_table(3, n=9)
    truth = runs.loc[8, "loss"]
    runs.loc[8, "loss"] = np.nan
    f, out = predict_held_out("L_N", runs, {"N": "N", "L": "loss"}, settings=FitSettings(n_boot=400))
    assert f.n_points == 8 and f.warnings == []
    assert list(out["run_id"]) == ["r8"] and out["observed"].isna().all() and out["inside"].isna().all()
    assert out["lo"].iloc[0] < truth < out["hi"].iloc[0]
    # after training, the same call scores the prediction
    runs.loc[8, "loss"] = truth
    _, scored = predict_held_out("L_N", runs, {"N": "N", "L": "loss"}, settings=FitSettings(n_boot=400))
    assert scored["inside"].tolist() == [True] and scored["predicted"].iloc[0] == pytest.approx(out["predicted"].iloc[0])


def test_held_out_cells_need_only_their_inputs():
    grid = L_ND_table()
    planned = grid.assign(loss=grid["loss"].where(grid["N"] < grid["N"].max()))
    _, out = predict_held_out("L_ND", planned.drop(columns=[]), {"N": "N", "D": "D", "L": "loss"}, n_largest=2,
                              settings=FitSettings(n_boot=100))
    assert len(out) == 14 and set(out["N"]) == set(np.sort(grid["N"].unique())[-2:])
    assert ((out["lo"] < out["predicted"]) & (out["predicted"] < out["hi"])).all()


def run_cli(*args, cwd):
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing: install the package (pip install -e .) so its console script exists")
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_cli_predicts_loss_and_allocation(tmp_path):
    save_fit(fit("L_ND", L_ND_table(), n_boot=200), tmp_path / "fit.json")
    out = run_cli("predict", "--fit", "fit.json", "--N", "1e9", "--D", "2e10", "--compute", "1e21", "--json", "p.json",
                  cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    written = json.loads((tmp_path / "p.json").read_text())
    (row,), (best,) = written["predictions"], written["compute_optimal"]
    assert row["lo"] < row["predicted"] < row["hi"]
    assert f"N=1e+09 D=2e+10: {row['predicted']:.4g} [{row['lo']:.4g}, {row['hi']:.4g}]" in out.stdout
    assert best["N"] == pytest.approx(L_ND_N_opt(1e21, **load_fit(tmp_path / "fit.json").params), rel=1e-4)
    assert "compute-optimal at C = 1e+21 FLOPs: N = " in out.stdout


def test_cli_names_what_is_missing(tmp_path):
    save_fit(fit("L_N", size_table(), n_boot=20), tmp_path / "fit.json")
    out = run_cli("predict", "--fit", "fit.json", "--compute", "1e21", cwd=tmp_path)
    assert out.returncode != 0 and "needs a law of N and D" in out.stderr and "Traceback" not in out.stderr
    out = run_cli("predict", "--fit", "fit.json", cwd=tmp_path)
    assert out.returncode != 0 and "give --N" in out.stderr
