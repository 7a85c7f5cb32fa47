"""Input a fit cannot use is refused with the column, the rows (run ids) and the rule, or dropped
with a warning in the result where dropping is the documented behaviour (a NaN target)."""

import numpy as np
import pandas as pd
import pytest

from scalinglaws.fit import FitInputError, FitSettings, core, fit_chinchilla, fit_L_N, fit_L_ND, fit_law, laws, synthetic
from scalinglaws.fit.suite import fit_suite

QUICK = FitSettings(n_boot=20)


def size_runs(n=8, seed=0):
    rng = np.random.default_rng(seed)
    N = np.logspace(4, 9, n)
    L = (8.8e13 / N) ** 0.076 * np.exp(rng.normal(0, 0.01, n))
    return pd.DataFrame({"run_id": [f"r{i}" for i in range(n)], "N": N, "test_loss": L})


def chinchilla_runs(seed=0):
    rng = np.random.default_rng(seed)
    N, D = (a.ravel() for a in np.meshgrid(np.geomspace(1e7, 1e10, 5), np.geomspace(1e9, 1e12, 5)))
    L = (1.69 + 406.4 / N**0.34 + 410.7 / D**0.28) * np.exp(rng.normal(0, 0.005, N.size))
    return pd.DataFrame({"run_id": [f"c{i}" for i in range(N.size)], "N": N, "tokens": D, "test_loss": L})


def edited(df, column, rows, value):
    df = df.copy()
    df[column] = df[column].astype(object) if isinstance(value, str) else df[column]
    df.loc[rows, column] = value
    return df


@pytest.mark.parametrize("value", [-1e6, 0.0])
def test_non_positive_N_is_refused_naming_column_runs_and_rule(value):
    with pytest.raises(FitInputError, match=r"column 'N' must be > 0 .* runs 'r2' \(= (-1e\+06|0)\), 'r5'"):
        fit_L_N(edited(size_runs(), "N", [2, 5], value), settings=QUICK)


def test_every_N_negative_is_refused_even_without_bootstrap():
    # before: the grid corner came back with only "edge of grid" warnings
    df = size_runs().assign(N=lambda d: -d["N"])
    with pytest.raises(FitInputError, match="must be > 0"):
        fit_L_N(df, settings=FitSettings(n_boot=0))


def test_one_negative_D_in_L_ND_is_refused_under_its_own_column_name():
    # before: the point was ignored and the constants moved 2-5% without a word
    grid = synthetic.data_grid(0)
    grid.loc[3, "dataset_tokens"] = -grid.loc[3, "dataset_tokens"]
    with pytest.raises(FitInputError, match=r"column 'dataset_tokens' \(D\) must be > 0 .* runs 'data/N1.78e\+08_D1.38e\+09' \(= -1.375e\+09\)"):
        fit_L_ND(grid, settings=QUICK)


def test_zero_tokens_in_chinchilla_is_refused():
    with pytest.raises(FitInputError, match=r"column 'tokens' \(D\) must be > 0 .* runs 'c7' \(= 0\)"):
        fit_chinchilla(edited(chinchilla_runs(), "tokens", [7], 0.0), settings=QUICK)


def test_nan_input_is_refused():
    with pytest.raises(FitInputError, match=r"column 'N' has no value \(NaN\) for runs 'r4'"):
        fit_L_N(edited(size_runs(), "N", [4], np.nan), settings=QUICK)


def test_inf_is_refused_except_for_unlimited_data():
    with pytest.raises(FitInputError, match=r"column 'N' must be finite, but is inf for runs 'r1'"):
        fit_L_N(edited(size_runs(), "N", [1], np.inf), settings=QUICK)
    with pytest.raises(FitInputError, match=r"column 'N' must be finite; only D may be inf \(unlimited\), but is inf for runs 'data/N1e\+06"):
        fit_L_ND(edited(synthetic.data_grid(0), "N", [0], np.inf), settings=QUICK)
    # D = inf is unlimited data, as documented (NaN dataset_tokens becomes inf)
    assert fit_L_ND(synthetic.data_grid(0), settings=FitSettings(n_boot=0)).n_points == 40


def test_nan_loss_is_dropped_with_a_warning_naming_the_run():
    df = edited(size_runs(9), "test_loss", [3], np.nan)
    r = fit_L_N(df, settings=QUICK)
    assert r.n_points == 8
    assert any("dropped 1 point(s) with no test_loss (NaN): runs 'r3'" in w for w in r.warnings)
    assert r.params == fit_L_N(df.drop(index=3), settings=QUICK).params


@pytest.mark.parametrize("value,shown", [(np.inf, "inf"), (0.0, "0"), (-2.5, "-2.5")])
def test_infinite_or_non_positive_loss_is_refused(value, shown):
    with pytest.raises(FitInputError, match=rf"column 'test_loss' must be finite and > 0 .* 'r6' \(= {shown}\)"):
        fit_L_N(edited(size_runs(), "test_loss", [6], value), settings=QUICK)


def test_a_run_id_given_twice_is_refused():
    df = size_runs()
    df.loc[5, "run_id"] = "r1"
    with pytest.raises(FitInputError, match=r"each run must appear once, but run_id \['r1'\] appear\(s\) in 2 rows"):
        fit_L_N(df, settings=QUICK)


def test_the_whole_table_twice_is_refused():
    # before: accepted, and the Chinchilla intervals shrank to 0.45-0.88x
    df = chinchilla_runs()
    with pytest.raises(FitInputError, match="a table given twice"):
        fit_chinchilla(pd.concat([df, df], ignore_index=True), settings=QUICK)


def test_repeated_points_without_run_ids_are_refused():
    df = size_runs()
    N, L = np.tile(df["N"], 2), np.tile(df["test_loss"], 2)
    with pytest.raises(FitInputError, match=r"rows 8, 9, .* repeat the points of rows 0, 1, "):
        fit_law(laws.power_law("N"), {"N": N}, L, settings=QUICK)


def test_repeated_curve_points_of_a_grouped_fit_are_refused():
    # points along runs may share a run id, but not a whole point
    rng = np.random.default_rng(0)
    N = np.repeat(np.logspace(5, 8, 4), 3)
    y = (8.8e13 / N) ** 0.076 * np.exp(rng.normal(0, 0.01, 12))
    groups = np.repeat(list("abcd"), 3)
    with pytest.raises(FitInputError, match="repeat the points"):
        fit_law(laws.power_law("N"), {"N": np.append(N, N[4])}, np.append(y, y[4]), groups=np.append(groups, "b"),
                ids=np.append(groups, "b"), settings=QUICK)


@pytest.mark.parametrize("column", ["N", "test_loss"])
def test_text_in_a_numeric_column_is_named(column):
    df = edited(size_runs(), column, [2], "n/a")
    with pytest.raises(FitInputError, match=rf"column '{column}' must hold numbers, but runs 'r2' \(= 'n/a'\) hold text"):
        fit_L_N(df, settings=QUICK)


def test_text_in_arrays_given_to_fit_law_is_named():
    with pytest.raises(FitInputError, match=r"column 'N' must hold numbers, but rows 1 \(= 'big'\) hold text"):
        fit_law(laws.power_law("N"), {"N": [1e6, "big", 1e8]}, [3.0, 2.5, 2.0])


def test_a_missing_column_is_named():
    with pytest.raises(FitInputError, match=r"no column 'N_total'; its columns are \['run_id', 'N', 'test_loss'\]"):
        fit_L_N(size_runs(), x="N_total", settings=QUICK)


# a law defined only for k >= 0.5, fitted to data that want k = 0.3: the optimum sits on the
# edge of its domain, where a step to smaller k has no value
EDGE = core.Law("edge", lambda X, c, k: c * X["x"] ** k * np.sqrt(k - 0.5) / np.sqrt(k - 0.5),
                ("x",), (core.Param("c", (1.0, 2.0)), core.Param("k", (0.6, 1.0), log=False, bounds=(0.5, 3.0))), "x")


def test_nan_jacobian_is_named_not_called_ill_conditioned():
    x = np.geomspace(1, 100, 8)
    r = fit_law(EDGE, {"x": x}, 2 * x**0.3, settings=FitSettings(n_boot=0, holdout=0))
    assert r.params["k"] == pytest.approx(0.5)
    assert any("derivative is not finite at the optimum with respect to k for points 0, 1" in w for w in r.warnings)
    assert not any("ill-conditioned" in w for w in r.warnings)


def test_a_constant_no_point_depends_on_is_named():
    # every run on unlimited data: L(N, inf) = (N_c/N)^alpha_N, so neither D_c nor alpha_D matters
    grid = synthetic.data_grid(0)
    r = fit_L_ND(grid[grid["dataset_tokens"].isna()], settings=FitSettings(n_boot=0, holdout=0))
    assert any("D_c, alpha_D change no prediction" in w for w in r.warnings)


def test_bootstrap_that_always_fails_warns_instead_of_crashing():
    # a law with no value above x = 5 for most points: resamples that hold one cannot be fitted
    law = core.Law("partial", lambda X, c, k: np.where(X["x"] < 5, c * X["x"] ** k, np.nan), ("x",),
                   (core.Param("c", (1.0, 2.0)), core.Param("k", (0.1, 0.5), log=False)), "x")
    x = np.geomspace(1, 100, 12)
    r = fit_law(law, {"x": x}, 2 * x**0.3, settings=FitSettings(n_boot=50, holdout=0))
    assert r.intervals == {} and r.samples == {}
    assert any("every one of 50 bootstrap refits failed: no intervals" in w for w in r.warnings)


def test_suite_on_a_doubled_table_records_why_each_law_was_not_fitted():
    grid = synthetic.data_grid(0)
    suite = fit_suite(pd.concat([grid, grid], ignore_index=True), None, laws=["L_ND", "chinchilla"],
                      settings=FitSettings(n_boot=0), bases=("non_embedding",))
    reasons = suite["not_fitted"]["non_embedding"]
    assert set(reasons) == {"L_ND", "chinchilla"}
    assert all("each run must appear once" in r for r in reasons.values())
