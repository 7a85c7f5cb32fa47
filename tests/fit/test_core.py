"""The generic driver: recovery, warnings, bootstrap, leave-the-largest-out, serialisation."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from scalinglaws.fit import FitSettings, fit_law, fit_L_N, save_fit
from scalinglaws.fit import core, laws, paper

T5 = paper.TABLE_5


def size_runs(seed, noise=0.01, n=8):
    """A converged N sweep from Eq 1.1 with the Table 5 constants and lognormal noise."""
    rng = np.random.default_rng(seed)
    N = np.logspace(4, 9, n)
    L = (T5["N_c"] / N) ** T5["alpha_N"] * np.exp(rng.normal(0, noise, n))
    return pd.DataFrame({"run_id": [f"r{i}" for i in range(n)], "N": N, "N_total": N + 5e5, "test_loss": L, "n_layer": 4})


def test_L_N_recovers_table_5():
    # 8 sizes over 5 decades, 1% noise: alpha_N within 0.004, N_c within a factor 3
    r = fit_L_N(size_runs(0))
    assert abs(r.params["alpha_N"] - 0.076) < 0.004
    assert abs(np.log(r.params["N_c"] / 8.8e13)) < np.log(3)
    assert r.warnings == []
    assert r.n_points == 8
    lo, hi = r.intervals["alpha_N"]
    assert lo < r.params["alpha_N"] < hi
    # leave-the-largest-out: the 1e9 model is predicted within 3%
    assert r.extrapolation["n_held_out"] == 1
    assert r.extrapolation["max_abs_rel_error"] < 0.03


def test_L_N_noiseless_is_exact():
    r = fit_L_N(size_runs(0, noise=0.0), settings=FitSettings(n_boot=0))
    assert r.params["alpha_N"] == pytest.approx(0.076, rel=1e-4)
    assert r.params["N_c"] == pytest.approx(8.8e13, rel=1e-2)
    assert r.predict(N=1e9) == pytest.approx((8.8e13 / 1e9) ** 0.076, rel=1e-5)


def test_bootstrap_interval_covers_truth_in_most_seeds():
    # 95% intervals from 1000 resamples of 8 points: cover alpha_N in at least 15 of 20 seeds
    hits = 0
    for seed in range(20):
        r = fit_L_N(size_runs(seed), settings=FitSettings(seed=seed))
        lo, hi = r.intervals["alpha_N"]
        hits += lo <= 0.076 <= hi
    assert hits >= 15


def test_batched_bootstrap_matches_lbfgs():
    # the vectorised refit reaches the L-BFGS-B loss on each resample (within 1e-4 relative)
    df = size_runs(3)
    law, X, logy = laws.power_law("N"), {"N": df["N"].to_numpy()}, np.log(df["test_loss"].to_numpy())
    s = FitSettings(n_boot=0)
    bounds = core._theta_bounds(law)
    theta = law.to_theta(fit_L_N(df, settings=s).params)
    W = np.random.default_rng(0).multinomial(8, np.full(8, 1 / 8), size=10).astype(float)
    batched, _ = core._batched_refit(law, theta, X, logy, W, s.huber_delta, bounds)
    with core.one_blas_thread():
        for w, th in zip(W, batched):
            ref = minimize(core._objective, theta, args=(law, X, logy, w, s.huber_delta), jac=True,
                           method="L-BFGS-B", bounds=bounds, options={"ftol": 1e-14, "gtol": 1e-12})
            f_ref = core._objective(ref.x, law, X, logy, w, s.huber_delta)[0]
            f_b = core._objective(th, law, X, logy, w, s.huber_delta)[0]
            assert f_b <= f_ref * (1 + 1e-4) + 1e-9


def test_edge_of_grid_warning():
    r = fit_L_N(size_runs(0), settings=FitSettings(n_boot=0, n_refine=1))
    assert not any("edge" in w for w in r.warnings)
    df = size_runs(0)
    r = core.fit_law(laws.power_law("N"), {"N": df["N"]}, df["test_loss"], grid={"N_c": [1e5, 1e6], "alpha_N": [0.3, 0.5]},
                     settings=FitSettings(n_boot=0))
    assert any("N_c: optimum on or beyond the edge" in w for w in r.warnings)


def test_ill_conditioning_warning():
    # two nearly identical model sizes cannot separate N_c from alpha_N
    X = {"N": np.array([1e6, 1e6 * (1 + 1e-7), 1e6 * (1 + 2e-7), 1e6 * (1 - 1e-7)])}
    y = (8.8e13 / X["N"]) ** 0.076
    r = fit_law(laws.power_law("N"), X, y, settings=FitSettings(n_boot=0, holdout=0))
    assert any("ill-conditioned" in w for w in r.warnings)


def test_groups_resample_whole_runs_and_hold_out_whole_runs():
    rng = np.random.default_rng(0)
    N = np.repeat(np.logspace(5, 8, 4), 3)
    y = (8.8e13 / N) ** 0.076 * np.exp(rng.normal(0, 0.01, 12))
    r = fit_law(laws.power_law("N"), {"N": N}, y, groups=np.repeat(list("abcd"), 3), settings=FitSettings(n_boot=200))
    assert r.extrapolation["n_held_out"] == 3
    assert r.provenance["groups"] == list("abcd")


def test_resampling_few_runs_widens_the_draws_as_t_with_runs_minus_one_degrees():
    # 4 runs: sqrt(4/3) t_3 / z = 1.155 * 3.182 / 1.960
    rng = np.random.default_rng(0)
    N = np.repeat(np.logspace(5, 8, 4), 3)
    y = (8.8e13 / N) ** 0.076 * np.exp(rng.normal(0, 0.01, 12))
    groups = np.repeat(list("abcd"), 3)
    law, s = laws.power_law("N"), FitSettings(n_boot=300, holdout=0)
    r = fit_law(law, {"N": N}, y, groups=groups, settings=s)
    assert r.diagnostics["bootstrap_widening"] == pytest.approx(1.875, abs=1e-3)
    with core.one_blas_thread():
        raw = core._bootstrap(law, law.to_theta(r.params), {"N": N}, np.log(y), groups, s, core._theta_bounds(law))
    assert np.std(r.samples["alpha_N"]) == pytest.approx(1.875 * np.std(raw[:, 1]), rel=1e-3)
    assert "bootstrap_widening" not in fit_law(law, {"N": N}, y, settings=s).diagnostics  # points, not runs
    with pytest.raises(ValueError, match="every point comes from one group"):
        fit_law(law, {"N": N}, y, groups=np.full(12, "a"), settings=s)


def test_too_few_points_raises():
    with pytest.raises(ValueError, match="usable points"):
        fit_law(laws.power_law("N"), {"N": [1e6, 1e7]}, [3.0, np.nan])


def test_save_fit_round_trips_json(tmp_path):
    r = fit_L_N(size_runs(0), settings=FitSettings(n_boot=50))
    save_fit(r, tmp_path / "fit.json")
    d = json.loads((tmp_path / "fit.json").read_text())
    assert d["law"] == "L(N)" and d["params"]["alpha_N"] == pytest.approx(r.params["alpha_N"])
    assert d["provenance"]["run_ids"] == [f"r{i}" for i in range(8)]
    assert d["provenance"]["settings"]["n_boot"] == 50
    assert len(d["provenance"]["points"]["N"]) == 8


def test_total_parameter_basis():
    r = fit_L_N(size_runs(0), x="N_total", settings=FitSettings(n_boot=0))
    assert r.provenance["columns"]["N"] == "N_total"
    assert r.params["alpha_N"] > 0.08  # the embedding offset squeezes the small models together
