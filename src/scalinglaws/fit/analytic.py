"""The paper's equations as plain functions: the laws (Eqs 1.1-1.6, 5.3, whose fitted forms
``laws`` wraps), batch-size adjustments (Eqs 5.1-5.5), App B, Fig 3, 12 and 15.

All take constants as arguments (ours or ``paper``'s), so the analytic figures can be drawn from
either. Units: C in PF-days, B in tokens, S in steps, L in nats.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from scalinglaws.fit import paper


def L_X(X, X_c, alpha_X):
    """Eqs 1.1-1.3: the single-variable power law L = (X_c/X)^alpha_X in N, D, C or C_min."""
    return (X_c / np.asarray(X, dtype=float)) ** alpha_X


def B_crit(L, B_star=paper.TABLE_5["B_star"], alpha_B=paper.TABLE_5["alpha_B"]):
    """Eq 5.3: critical batch size in tokens at loss L."""
    return B_star / np.asarray(L, dtype=float) ** (1 / alpha_B)


def S_min(S, B, L, **bcrit):
    """Eq 5.4: steps needed at B >> B_crit to reach the loss that S steps at batch B reach."""
    return S / (1 + B_crit(L, **bcrit) / B)


def E_min(S, B, L, **bcrit):
    """Examples (tokens) needed at B << B_crit: E = B S / (1 + B/B_crit) (Eq 5.1 with 5.2)."""
    return B * S / (1 + B / B_crit(L, **bcrit))


def C_min(C, B, L, **bcrit):
    """Eq 5.5: compute needed at B << B_crit."""
    return C / (1 + B / B_crit(L, **bcrit))


def L_N_S(N, S, N_c, S_c, alpha_N, alpha_S):
    """Eq 1.6: loss after S_min steps of a model with N parameters."""
    return (N_c / N) ** alpha_N + (S_c / S) ** alpha_S


def L_N_C(N, C, N_c, S_c, B_star, alpha_N, alpha_S, alpha_B):
    """Eq B.3 (Fig 11 left): loss of an N-parameter model trained with C_min = C PF-days.

    L = (N_c/N)^alpha_N + (6 B_* S_c N / (L^(1/alpha_B) C))^alpha_S is implicit in L; the right
    side falls as L grows, so the root is found by vectorised bisection on log L.
    """
    N, C = np.broadcast_arrays(np.asarray(N, dtype=float), np.asarray(C, dtype=float) * paper.PF_DAY)
    L_inf = (N_c / N) ** alpha_N
    lo, hi = np.log(L_inf), np.log(L_inf + 100.0)
    for _ in range(80):
        mid = (lo + hi) / 2
        L = np.exp(mid)
        above = L > L_inf + (6 * B_star * S_c * N / (L ** (1 / alpha_B) * C)) ** alpha_S
        hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
    return np.exp((lo + hi) / 2)


def L_N_D(N, D, N_c, D_c, alpha_N, alpha_D):
    """Eq 1.5; D = inf gives L(N)."""
    return ((N_c / N) ** (alpha_N / alpha_D) + D_c / D) ** alpha_D


def overfitting_delta(N, D, N_c, D_c, alpha_N, alpha_D):
    """Eq 4.3: delta L = L(N,D)/L(N,inf) - 1 = (1 + (N/N_c)^(alpha_N/alpha_D) D_c/D)^alpha_D - 1."""
    return (1 + (N / N_c) ** (alpha_N / alpha_D) * D_c / D) ** alpha_D - 1


def early_stop_bound(L_ND, L_N_inf, S_c, alpha_S):
    """Eq 5.7: S_stop >~ S_c / (L(N,D) - L(N,inf))^(1/alpha_S)."""
    gap = np.asarray(L_ND, dtype=float) - np.asarray(L_N_inf, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(gap > 0, S_c / gap ** (1 / alpha_S), np.inf)


def alpha_C_min_predicted(alpha_N, alpha_B, alpha_S):
    """Eq B.7: 1/(1/alpha_S + 1/alpha_B + 1/alpha_N) (0.052 with Table 5)."""
    return 1 / (1 / alpha_S + 1 / alpha_B + 1 / alpha_N)


def C_c_predicted(N_c, B_star, S_c, alpha_N, alpha_S):
    """Eq B.8 in PF-days: 6 N_c B_* S_c (1 + a_N/a_S)^(1/a_S + 1/a_N) (a_S/a_N)^(1/a_S)."""
    r = alpha_N / alpha_S
    return 6 * N_c * B_star * S_c * (1 + r) ** (1 / alpha_S + 1 / alpha_N) * (1 / r) ** (1 / alpha_S) / paper.PF_DAY


def N_opt_predicted(C, C_c, N_c, alpha_C, alpha_N, alpha_S):
    """Eq B.9: N(C) = N_c (C/C_c)^(alpha_C/alpha_N) (1 + alpha_N/alpha_S)^(1/alpha_N)."""
    return N_c * (C / C_c) ** (alpha_C / alpha_N) * (1 + alpha_N / alpha_S) ** (1 / alpha_N)


def S_opt_predicted(C, C_c, N_c, B_star, alpha_C, alpha_N, alpha_S):
    """Eq B.10: S(C) = C_c/(6 N_c B_*) (1 + alpha_N/alpha_S)^(-1/alpha_N) (C/C_c)^(alpha_C/alpha_S)."""
    return (C_c * paper.PF_DAY / (6 * N_c * B_star) * (1 + alpha_N / alpha_S) ** (-1 / alpha_N)
            * (C / C_c) ** (alpha_C / alpha_S))


def compute_to_reach(N, L, N_c, S_c, B_star, alpha_N, alpha_S, alpha_B):
    """Eq B.15 in PF-days: C(N, L) = 6 B_* S_c N / L^(1/alpha_B) (L - (N_c/N)^alpha_N)^(-1/alpha_S)."""
    gap = L - (N_c / N) ** alpha_N
    with np.errstate(invalid="ignore"):
        c = 6 * B_star * S_c * N / L ** (1 / alpha_B) * gap ** (-1 / alpha_S)
    return np.where(gap > 0, c / paper.PF_DAY, np.inf)


def excess_compute(ratio, alpha_N, alpha_S):
    """Eq B.16 (Fig 12 left): C(N, N_eff)/C(N_eff, N_eff) for N = ratio * N_eff."""
    return ratio * excess_steps(ratio, alpha_N, alpha_S)


def excess_steps(ratio, alpha_N, alpha_S):
    """Eq B.17 (Fig 12 right): S(N, N_eff)/S(N_eff, N_eff) for N = ratio * N_eff."""
    ratio = np.asarray(ratio, dtype=float)
    with np.errstate(invalid="ignore"):
        return (1 + alpha_S / alpha_N * (1 - ratio ** -alpha_N)) ** (-1 / alpha_S)


def multiplicative_contributions(C_ratio, p_N=paper.TABLE_6["p_N"], p_B=paper.TABLE_6["p_B"], p_S=paper.TABLE_6["p_S"]):
    """Fig 3: growth of model size, batch size and serial steps for a C_ratio-fold compute increase."""
    return {"model_size": C_ratio**p_N, "batch_size": C_ratio**p_B, "serial_steps": C_ratio**p_S}


def intersection(C_min_c, alpha_C_min, D_c, alpha_D, D_e, p_D, N_e=None, p_N=None):
    """Fig 15 / Eq 6.8: where L(C_min) = (C_min_c/C)^alpha_C_min meets L(D(C)), D(C) = D_e C^p_D.

    Returns C* (PF-days), L* and D*, plus N* when the N_opt trend (N_e, p_N) is given.
    """

    def gap(logC):
        C = np.exp(logC)
        return alpha_C_min * np.log(C_min_c / C) - alpha_D * np.log(D_c / (D_e * C**p_D))

    logC = brentq(gap, np.log(1e-10), np.log(1e30))
    C = float(np.exp(logC))
    out = {"C_star": C, "L_star": float((C_min_c / C) ** alpha_C_min), "D_star": float(D_e * C**p_D)}
    if N_e is not None:
        out["N_star"] = float(N_e * C**p_N)
    return out
