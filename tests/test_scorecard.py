"""The scorecard's checks on synthetic runs built to satisfy or to violate the paper's claims."""

import numpy as np
import pandas as pd
import pytest

from scalinglaws import scorecard
from scalinglaws.fit import synthetic
from scalinglaws.fit.core import FitSettings
from scalinglaws.fit.suite import RunSet, fit_suite, write_suite
from scalinglaws.scorecard import FAIL, NOT_TESTABLE, PASS, Inputs


def verdicts(rows):
    return [r["verdict"] for r in rows]


@pytest.fixture(scope="module")
def power_law_results(tmp_path_factory):
    """Runs that follow the paper's power laws, fitted by the real suite and written as the workflow does."""
    size, curves = synthetic.size_study(seed=0, n_points=60, noise=0.003)
    data = synthetic.data_grid(seed=0, sizes=np.array([1e11]), noise=0.003)
    runs = pd.concat([size, data], ignore_index=True)
    suite = fit_suite(runs, curves, laws=["L_N", "log_N", "L_D", "L_Cmin"], settings=FitSettings(n_boot=40),
                      bases=("non_embedding",))
    out = tmp_path_factory.mktemp("results")
    (out / "tables").mkdir()
    runs.to_parquet(out / "tables" / "runs.parquet")
    curves.to_parquet(out / "tables" / "curves.parquet")
    write_suite(suite, out / "fits", out / "tables")
    return out


def test_power_law_runs_pass_fig1_and_fig23(power_law_results):
    inp = scorecard.load(power_law_results / "tables" / "runs.parquet", power_law_results / "tables" / "curves.parquet",
                         None, power_law_results / "fits")
    assert verdicts(scorecard.fig01(inp)) == [PASS]
    assert verdicts(scorecard.fig23(inp)) == [PASS]


def test_logarithmic_runs_fail_fig23(tmp_path):
    runs = synthetic.converged_runs(sizes=np.logspace(4, 9, 8), noise=0.0)
    runs["test_loss"] = -0.25 * np.log(runs["N"] / 7.1e12)  # exactly the Fig 23 logarithm
    suite = fit_suite(runs, None, laws=["L_N", "log_N"], settings=FitSettings(n_boot=0), bases=("non_embedding",))
    write_suite(suite, tmp_path)
    inp = Inputs(runs=runs, **scorecard.load_fits(tmp_path))
    (result,) = scorecard.fig23(inp)
    assert result["verdict"] == FAIL
    assert "not below log" in result["reason"]


def test_fig2_passes_when_larger_models_learn_faster_and_fails_when_they_do_not():
    def inputs(runs, curves):  # with the compute-efficient frontier the fit step writes
        return Inputs(runs=runs, curves=curves, envelope_C=RunSet(runs, curves).envelope("non_embedding", "C"))

    runs, curves = synthetic.size_study(seed=1, n_points=60, noise=0.0)
    assert verdicts(scorecard.fig02(inputs(runs, curves))) == [PASS, PASS]
    backwards = runs.assign(N=runs["N"].to_numpy()[::-1])  # the fastest learner now labelled the smallest
    assert verdicts(scorecard.fig02(inputs(backwards, curves))) == [FAIL, FAIL]


def test_fig8_offset_and_slope():
    runs = synthetic.converged_runs(noise=0.0)
    rng = np.random.default_rng(0)
    parallel = runs.assign(loss_books=runs["test_loss"] + 0.3 + rng.normal(0, 0.002, len(runs)))
    assert verdicts(scorecard.fig08(Inputs(runs=parallel))) == [PASS]
    flat = runs.assign(loss_books=0.3 * runs["test_loss"] + 3)  # OOD loss improving far more slowly
    (result,) = scorecard.fig08(Inputs(runs=flat))
    assert result["verdict"] == FAIL and "outside" in result["reason"]


def test_fig3_needs_the_order_at_the_95_percent_level():
    def trend(p, value, lo, hi):
        return {"params": {p: value}, "intervals": {p: [lo, hi]}, "warnings": []}

    fits = {"non_embedding/N_opt": trend("p_N", 0.73, 0.6, 0.85), "non_embedding/B_opt": trend("p_B", 0.24, 0.18, 0.3),
            "non_embedding/S_min_opt": trend("p_S", 0.03, 0.0, 0.06)}
    runs = pd.DataFrame(columns=["kind"])
    assert verdicts(scorecard.fig03(Inputs(runs=runs, fits=fits))) == [PASS]
    fits["non_embedding/S_min_opt"] = trend("p_S", 0.03, -0.1, 0.1)  # point fine, interval reaches below 0
    assert verdicts(scorecard.fig03(Inputs(runs=runs, fits=fits))) == [FAIL]


@pytest.mark.parametrize("holds, expected", [(9, PASS), (5, FAIL)])
def test_fig16_share_of_cells_above_the_bound(holds, expected):
    table = pd.DataFrame({"run_id": [f"data/{i}" for i in range(10)], "S_stop": 100.0, "bound": 50.0,
                          "holds": [True] * holds + [False] * (10 - holds)})
    assert verdicts(scorecard.fig16(Inputs(runs=pd.DataFrame(columns=["kind"]), early_stop=table))) == [expected]


def test_missing_studies_columns_and_fits_are_not_testable():
    runs = synthetic.converged_runs()
    fits = {"non_embedding/L_NS": {"law": "L_NS", "params": {}, "intervals": {}, "not_fitted": "Singular matrix"}}
    card = scorecard.scorecard(Inputs(runs=runs, fits=fits))
    figures = set(card["figure"])
    assert set(range(1, 25)) <= figures and {f"Table {i}" for i in range(1, 7)} <= figures
    by_figure = card.set_index(card["figure"].astype(str))
    assert by_figure.loc["7", "verdict"] == NOT_TESTABLE and "no lstm study" in by_figure.loc["7", "reason"]
    assert by_figure.loc["12", "verdict"] == NOT_TESTABLE and "Singular matrix" in by_figure.loc["12", "reason"]
    assert by_figure.loc["8", "verdict"] == NOT_TESTABLE  # no loss_<set> columns
    assert not card["reason"].str.startswith("check could not run").any(), card[["figure", "reason"]]


def test_cli_writes_csv_and_markdown_and_counts(power_law_results, tmp_path, capsys):
    tables = power_law_results / "tables"
    out = tmp_path / "scorecard.csv"
    scorecard.main(["--runs", str(tables / "runs.parquet"), "--curves", str(tables / "curves.parquet"),
                    "--fits", str(power_law_results / "fits"), "--out", str(out)])
    card = pd.read_csv(out)
    assert list(card.columns) == scorecard.COLUMNS
    assert set(card["verdict"]) <= {PASS, FAIL, NOT_TESTABLE}
    counts = scorecard.counts(card)
    assert f"{counts[PASS]} pass, {counts[FAIL]} fail, {counts[NOT_TESTABLE]} not testable" in capsys.readouterr().out
    assert out.with_suffix(".md").read_text().startswith("# Reproduction scorecard")


def test_fig17_signs_and_standard_errors():
    size = pd.DataFrame({"run_id": ["size/a", "size/b", "size/c"], "kind": "size", "N": [1e4, 1e5, 1e6],
                         "test_loss": [4.0, 3.5, 3.0], "tokens": 1e6})
    recurrent = pd.DataFrame({"run_id": ["recurrent/x2"], "kind": "recurrent", "N": [1e5], "N_with_reuse": [2e5],
                              "reuse": [2], "test_loss": [3.49], "tokens": [1e6]})
    runs = pd.concat([size, recurrent], ignore_index=True)
    assert verdicts(scorecard.fig17(Inputs(runs=runs))) == [PASS, PASS]
    # 0.01 better at equal N is inside the noise of two losses with standard error 0.03
    noisy = runs.assign(se_test_loss=0.03)
    assert verdicts(scorecard.fig17(Inputs(runs=noisy))) == [FAIL, PASS]


@pytest.mark.parametrize("worst, expected", [(1.03, PASS), (1.15, FAIL)])
def test_fig5_shape_penalty_within_five_percent(worst, expected):
    n_layer = np.array([1, 2, 4, 8])
    d_model = 64 / np.sqrt(n_layer)  # aspect ratios 64 to 2.8, all within 40x of the best
    shape = pd.DataFrame({"run_id": [f"shape/ar{i}" for i in range(4)], "kind": "shape",
                          "cell": [f"ar{i}_L{n}" for i, n in enumerate(n_layer)], "n_layer": n_layer,
                          "d_model": d_model, "n_head": 1, "N": 5e4, "test_loss": 4.0 * np.array([1.0, 1.01, 1.0, worst])})
    (result,) = scorecard.fig05(Inputs(runs=shape))
    assert result["verdict"] == expected


def test_fig17_uses_a_baseline_at_the_same_budget_over_a_longer_size_study():
    size = pd.DataFrame({"run_id": ["size/a", "size/b"], "kind": "size", "N": [1e4, 1e6], "test_loss": [3.0, 2.0],
                         "tokens": 5e6})
    baseline = pd.DataFrame({"run_id": ["baseline/a", "baseline/b"], "kind": "baseline", "N": [1e4, 1e6],
                             "test_loss": [4.0, 3.0], "tokens": 1e6})
    recurrent = pd.DataFrame({"run_id": ["recurrent/x2"], "kind": "recurrent", "N": [1e5], "N_with_reuse": [2e5],
                              "reuse": [2], "test_loss": [3.4], "tokens": [1e6]})
    # against the baseline (3.5 at N 1e5, 3.35 at 2e5) the recurrent model is better per parameter,
    # worse per compute; against the size study's longer runs it would be worse at both
    rows = scorecard.fig17(Inputs(runs=pd.concat([size, baseline, recurrent], ignore_index=True)))
    assert verdicts(rows) == [PASS, PASS]
    assert all("same budget" in r["reason"] for r in rows)
    # without a baseline or curves there is nothing at equal training to compare with
    rows = scorecard.fig17(Inputs(runs=pd.concat([size, recurrent], ignore_index=True)))
    assert verdicts(rows) == [NOT_TESTABLE, NOT_TESTABLE]


def test_seed_spread_is_measured_from_repeated_seeds():
    runs = pd.DataFrame({"study": "depth", "cell": ["L1_d64", "L1_d64_s1", "L2_d48", "L2_d48_s1", "L4_d32"],
                         "test_loss": [4.00, 4.03, 4.10, 4.08, 4.2]})
    spread, configs = scorecard.seed_range(runs, runs["test_loss"])
    assert configs == 2 and spread == pytest.approx(0.03)
    assert scorecard.seed_range(runs.drop(columns="study"), runs["test_loss"]) == (pytest.approx(np.nan, nan_ok=True), 0)


@pytest.mark.parametrize("l2_gaps, expected", [((0.60, 0.61), FAIL), ((0.505, 0.515), PASS), ((0.52, 0.56), NOT_TESTABLE)])
def test_fig24_compares_the_depths_gaps_with_their_seed_spread(l2_gaps, expected):
    # L1's gaps are 0.50 and 0.51 over two seeds. L2's are either 0.1 larger with seeds that agree
    # (a depth effect beyond the seed spread), or as L1's (none), or 0.04 apart: a seed spread above
    # the paper's 0.02, so the claim cannot be tested
    cells = ["L1_d64", "L1_d64_s1", "L2_d48", "L2_d48_s1"]
    depth = pd.DataFrame({"run_id": [f"depth/{c}" for c in cells], "kind": "depth", "study": "depth",
                          "cell": cells, "n_layer": [1, 1, 2, 2], "tokens": 6e5, "test_loss": 4.0,
                          "loss_books": 4.0 + np.array([0.50, 0.51, *l2_gaps])})
    (result,) = scorecard.fig24(Inputs(runs=depth))
    assert result["verdict"] == expected and "seed spread measured" in result["reason"]
    assert ("exceeds the 0.02 nats the claim allows" in result["reason"]) == (expected == NOT_TESTABLE)
