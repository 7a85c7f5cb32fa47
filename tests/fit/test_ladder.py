"""The ladder's fits recover the compute-optimal exponents of a known Chinchilla L(N, D) from IsoFLOP sets."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar

from scalinglaws.fit import synthetic
from scalinglaws.fit.ladder import approach2, fit_ladder, ladder_table, read_runs
from scalinglaws.io import write_json

C = synthetic.CHINCHILLA
A_TRUE = C["beta"] / (C["alpha"] + C["beta"])  # N_opt ~ C^a at C = 6ND, analytically
HEAD = 1.2e8  # FLOPs per token of the synthetic head: 60% of the smallest model's, 4% of the largest's
BUDGETS = (1e17, 3e17, 1e18, 3e18)  # a factor ~3 apart, as the ladder preset's


def true_total_exponent(budgets):
    """a in the head-counted convention: the optimum of L(N, C / (6N + head)), found numerically, against
    C, with N_total = N + head / 6."""
    def n_opt(budget):
        loss = lambda u: C["A"] / math.exp(u) ** C["alpha"] + C["B"] / (budget / (6 * math.exp(u) + HEAD)) ** C["beta"]
        return math.exp(minimize_scalar(loss, bounds=(5, 40), method="bounded", options={"xatol": 1e-10}).x)
    lnC = np.log(budgets)
    return np.polyfit(lnC, np.log([n_opt(b) + HEAD / 6 for b in budgets]), 1)[0]


@pytest.fixture(scope="module")
def fit():
    runs = synthetic.isoflop_ladder(budgets=BUDGETS, head_flops=HEAD, noise=0.01)
    return fit_ladder(runs, n_boot=200, seed_spread=0.01)  # the bootstrap's noise is the runs' noise


def test_approach2_recovers_the_exponent_in_both_conventions_within_its_interval(fit):
    budgets = [b["C"] for b in fit["approach2"]["kaplan"]["total"]["per_budget"]]
    truth = {"kaplan": A_TRUE, "total": true_total_exponent(budgets)}
    assert truth["total"] < truth["kaplan"] - 0.03  # counting the head moves the optimum: the test can tell them apart
    for step in ("kaplan", "tuned_lr"):
        for conv, a_true in truth.items():
            a2 = fit["approach2"][step][conv]
            lo, hi = a2["a_interval"]
            assert lo <= a_true <= hi and abs(a2["a"] - a_true) < 0.04, (step, conv, a2["a"], lo, hi, a_true)
            assert not any(b["edge"] for b in a2["per_budget"]) and not a2["warnings"]
    # kaplan's accounting is a reanalysis: its cells are moved to a common 6ND budget, and D_opt = C / 6 N_opt
    kaplan = fit["approach2"]["kaplan"]["kaplan"]
    assert max(b["max_shift"] for b in kaplan["per_budget"]) > 0.1
    assert kaplan["a"] + kaplan["b"] == pytest.approx(1, abs=1e-6)


def test_approach3_recovers_chinchillas_constants(fit):
    a3 = fit["approach3"]["kaplan"]
    assert a3["params"]["alpha"] == pytest.approx(C["alpha"], rel=0.1)
    assert a3["a_interval"][0] <= A_TRUE <= a3["a_interval"][1]


def test_an_optimum_beyond_the_sampled_sizes_is_flagged_and_left_out():
    runs = synthetic.isoflop_ladder(steps=("kaplan",), budgets=BUDGETS, head_flops=HEAD, noise=0.0)
    top, low = max(BUDGETS), min(BUDGETS)
    # the largest budget trains the smallest budget's sizes instead of its own: its optimum lies above them
    moved = runs[runs["budget"] == low].copy()
    moved["tokens"] = top / moved["flops_per_token_with_head"]
    moved["loss"] = C["E"] + C["A"] / moved["N"] ** C["alpha"] + C["B"] / moved["tokens"] ** C["beta"]
    moved = moved.assign(budget=top, run_id=moved["run_id"] + "_moved")
    edged = pd.concat([runs[runs["budget"] != top], moved], ignore_index=True)
    a2 = approach2(edged, "total", n_boot=50)
    edge = {b["budget"]: b["edge"] for b in a2["per_budget"]}
    assert edge[top] and not any(v for k, v in edge.items() if k != top)
    assert any(f"budget {top:.3g}" in w and "left out" in w for w in a2["warnings"])
    full = approach2(runs, "total", n_boot=0)
    assert abs(a2["a"] - full["a"]) < 0.05  # the three other budgets still measure a


def test_the_table_orders_porians_path_and_adds_approach_3(fit):
    table = ladder_table(fit)
    assert len(table) == 2 * 2 + 2
    path = table.dropna(subset=["rung"])
    assert list(zip(path["step"], path["convention"])) == [("kaplan", "kaplan"), ("kaplan", "total"),
                                                          ("tuned_lr", "total")]
    assert (table["a_lo"] <= table["a"]).all() and (table["a"] <= table["a_hi"]).all()
    assert set(table["method"]) == {"approach 2 (IsoFLOP parabolas)", "approach 3 (parametric L(N, D))"}


def test_runs_are_read_from_their_summaries_and_a_foreign_run_is_refused(tmp_path):
    summary = {"study": "ladder", "cell": "kaplan_C4e10_L2_d16", "status": "completed", "tokens": 4.1e5,
               "final_eval_test_loss": 4.2, "final_eval_test_loss_se": 0.01, "lr_peak": 5e-3,
               "config": {"n_layer": 2, "d_model": 16, "extra": {"ladder_step": "kaplan", "budget": 4e10}},
               "accounting": {"N": 6144, "N_total": 23552, "flops_per_token_6N": 36864,
                              "flops_per_token_with_head": 98304}}
    write_json(tmp_path / "a.json", summary)
    runs = read_runs([tmp_path / "a.json"])
    assert runs.loc[0, "step"] == "kaplan" and runs.loc[0, "budget"] == 4e10 and runs.loc[0, "loss"] == 4.2
    write_json(tmp_path / "b.json", {**summary, "config": {"n_layer": 2, "d_model": 16, "extra": {}}})
    with pytest.raises(ValueError, match="b.json: not a ladder cell"):
        read_runs([tmp_path / "b.json"])
