"""Closed forms against the check values paper.md derives from the published constants."""

import numpy as np
import pytest

from scalinglaws.fit import analytic, paper

T3, T5, T6 = paper.TABLE_3, paper.TABLE_5, paper.TABLE_6


def test_fig_12_suboptimal_models():
    # App B.4 check values, to 1%
    r = np.array([0.6, 2.2, 10])
    assert analytic.excess_compute(r, 0.076, 0.76) == pytest.approx([1.16, 1.20, 2.84], rel=0.01)
    assert analytic.excess_steps(r, 0.076, 0.76) == pytest.approx([1.94, 0.547, 0.284], rel=0.01)


def test_fig_15_intersection_with_table_6():
    # Eq 6.8 via Table 6: C* ~ 1.1e4 PF-days, L* ~ 1.67, N* ~ 1.2e12, D* ~ 2.5e11 (to 5%)
    out = analytic.intersection(T5["C_min_c"], T5["alpha_C_min"], T5["D_c"], T5["alpha_D"], T6["D_e"], T6["p_D"],
                                T6["N_e"], T6["p_N"])
    assert out["C_star"] == pytest.approx(1.1e4, rel=0.05)
    assert out["L_star"] == pytest.approx(1.67, rel=0.01)
    assert out["N_star"] == pytest.approx(1.2e12, rel=0.05)
    assert out["D_star"] == pytest.approx(2.5e11, rel=0.05)
    # with Eq 6.7's 4e10 C^0.26 instead, C* ~ 1e5 and L* ~ 1.49
    alt = analytic.intersection(T5["C_min_c"], T5["alpha_C_min"], T5["D_c"], T5["alpha_D"], **paper.D_opt_eq_6_7)
    assert alt["L_star"] == pytest.approx(1.49, abs=0.01)


def test_fig_3_contributions():
    c = analytic.multiplicative_contributions(1e9)
    assert c["model_size"] > 1e6 and 100 < c["batch_size"] < 200 and c["serial_steps"] < 10


def test_app_b_predictions():
    assert analytic.alpha_C_min_predicted(0.076, 0.21, 0.76) == pytest.approx(0.0520, abs=1e-4)
    for n_c, s_c, a_n in ((T5["N_c"], T5["S_c"], T5["alpha_N"]), (T3["N_c"], T3["S_c"], T3["alpha_N"])):
        assert 1.5e8 < analytic.C_c_predicted(n_c, T5["B_star"], s_c, a_n, 0.76) < 2.3e8


def test_table_6_consistency():
    # L(C_min = 1) ~ 2.66 and B_crit(2.66) ~ B_e = 2.0e6; C_min / (6 N_e B_e) ~ S_e
    L1 = T5["C_min_c"] ** T5["alpha_C_min"]
    assert L1 == pytest.approx(2.66, abs=0.01)
    assert analytic.B_crit(L1) == pytest.approx(T6["B_e"], rel=0.02)
    assert paper.PF_DAY / (6 * T6["N_e"] * T6["B_e"]) == pytest.approx(T6["S_e"], rel=0.03)
    assert analytic.B_crit([3.0, 2.5]) == pytest.approx([1.1e6, 2.7e6], rel=0.03)


def test_batch_adjustments_satisfy_eq_5_1():
    # S_min and E_min from Eqs 5.4/5.5 put (S, E = B S) on the hyperbola, with B_crit = E_min/S_min
    S, B, L = 1e4, np.array([1e4, 1e5, 1e6, 1e7]), 4.0
    s, e = analytic.S_min(S, B, L), analytic.E_min(S, B, L)
    assert (S / s - 1) * (B * S / e - 1) == pytest.approx(np.ones(4))
    assert e / s == pytest.approx(analytic.B_crit(L))
    assert analytic.C_min(6 * 1e6 * B * S, B, L) == pytest.approx(6 * 1e6 * e)


def test_early_stop_bound_and_overfitting_delta():
    t2 = paper.TABLE_2
    N, D = 3e8, 2.2e10 / 2**6
    L_ND, L_inf = analytic.L_N_D(N, D, **t2), analytic.L_N_D(N, np.inf, **t2)
    assert L_ND / L_inf - 1 == pytest.approx(analytic.overfitting_delta(N, D, **t2))
    bound = analytic.early_stop_bound(L_ND, L_inf, T3["S_c"], T3["alpha_S"])
    assert bound == pytest.approx(T3["S_c"] / (L_ND - L_inf) ** (1 / 0.76))
    assert analytic.early_stop_bound(3.0, 3.0, 2.1e3, 0.76) == np.inf


def test_lr_rule():
    assert paper.lr_rule(np.array([1e6, 1e8, 1e9])) == pytest.approx([1.31e-3, 6.7e-4, 3.5e-4], rel=0.02)


def test_L_N_C_solves_eq_b3():
    # the root satisfies B.3; more compute lowers the loss towards L(N)
    N, C = 1e8, np.array([1e-3, 1e-1, 1e1])
    L = analytic.L_N_C(N, C, T3["N_c"], T3["S_c"], T5["B_star"], T3["alpha_N"], T3["alpha_S"], T5["alpha_B"])
    rhs = (T3["N_c"] / N) ** T3["alpha_N"] + (6 * T5["B_star"] * T3["S_c"] * N / (L ** (1 / T5["alpha_B"]) * C * paper.PF_DAY)) ** T3["alpha_S"]
    assert L == pytest.approx(rhs, rel=1e-9)
    assert np.all(np.diff(L) < 0) and L[-1] > (T3["N_c"] / N) ** T3["alpha_N"]
