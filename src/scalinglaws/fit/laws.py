"""The laws of the paper (and Chinchilla's) as pure functions plus their search spaces.

Each ``fn(X, **constants)`` is the equation as printed (the paper's equations themselves live in
``analytic``); ``X`` holds the input arrays. Start grids span the paper's values by a wide margin,
so an optimum on the grid's edge means trouble.
"""

from __future__ import annotations

import re

import numpy as np

from scalinglaws.fit import analytic
from scalinglaws.fit.core import Law, Param

_EXP = (0.02, 0.05, 0.1, 0.2, 0.5)  # start grid for small exponents
_SCALE = (1e-30, 1e60)  # bounds for scale constants: flat data would otherwise overflow them
PF_DAY_SCALES = (1e-2, 1e2, 1e6, 1e10, 1e14)  # start grid of C_c with compute in PF-days


def _power(x):
    """Law L = (X_c / X)^alpha_X for input ``x`` (Eqs 1.1-1.3)."""

    def fn(X, **c):
        return analytic.L_X(X[x], c[f"{x}_c"], c[f"alpha_{x}"])

    return fn


def power_law(x: str, scales=(1e6, 1e10, 1e14, 1e18)) -> Law:
    """L(X) = (X_c/X)^alpha_X, searched over ln X_c and alpha_X."""
    return Law(
        name=f"L({x})",
        fn=_power(x),
        inputs=(x,),
        params=(Param(f"{x}_c", scales, bounds=_SCALE), Param(f"alpha_{x}", _EXP, log=False, bounds=(1e-4, 5.0))),
        extrapolate=x,
        formula=f"L = ({x}_c / {x})^alpha_{x}",
    )


def trend_law(x: str, y: str) -> Law:
    """Y = Y_e * X^p_Y, e.g. N_opt = N_e C_min^p_N (Table 6)."""

    def fn(X, **c):
        return c[f"{y}_e"] * X[x] ** c[f"p_{y}"]

    return Law(
        name=f"{y}({x})",
        fn=fn,
        inputs=(x,),
        params=(Param(f"{y}_e", (1e0, 1e3, 1e6, 1e9, 1e12)), Param(f"p_{y}", (-0.5, 0.0, 0.5, 1.0), log=False)),
        extrapolate=x,
        formula=f"{y} = {y}_e * {x}^p_{y}",
    )


def _L_ND(X, N_c, D_c, alpha_N, alpha_D):
    return analytic.L_N_D(X["N"], X["D"], N_c, D_c, alpha_N, alpha_D)


L_ND = Law(
    name="L(N,D)",
    fn=_L_ND,
    inputs=("N", "D"),
    params=(
        Param("N_c", (1e9, 1e12, 1e15)),
        Param("D_c", (1e9, 1e12, 1e15)),
        Param("alpha_N", (0.03, 0.08, 0.2), log=False, bounds=(1e-3, 3.0)),
        Param("alpha_D", (0.03, 0.1, 0.3), log=False, bounds=(1e-3, 3.0)),
    ),
    extrapolate="N",
    formula="L = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D",
    unlimited=("D",),
)


def _L_NS(X, N_c, S_c, alpha_N, alpha_S):
    # Eq 5.6: Eq 1.6 with S = S_min(S, B)
    return analytic.L_N_S(X["N"], X["S_min"], N_c, S_c, alpha_N, alpha_S)


L_NS = Law(
    name="L(N,S)",
    fn=_L_NS,
    inputs=("N", "S_min"),
    params=(
        Param("N_c", (1e9, 1e12, 1e15)),
        Param("S_c", (1e1, 1e3, 1e5)),
        Param("alpha_N", (0.03, 0.08, 0.2), log=False, bounds=(1e-3, 3.0)),
        Param("alpha_S", (0.2, 0.7, 1.5), log=False, bounds=(1e-3, 5.0)),
    ),
    extrapolate="N",
    formula="L = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S",
)


def _chinchilla(X, E, A, B, alpha, beta):
    return E + A / X["N"] ** alpha + B / X["D"] ** beta


CHINCHILLA = Law(
    name="Chinchilla",
    fn=_chinchilla,
    inputs=("N", "D"),
    params=(
        Param("E", (0.5, 1.5, 3.0), bounds=(1e-6, None)),
        Param("A", (1e1, 1e3, 1e5)),
        Param("B", (1e1, 1e3, 1e5)),
        Param("alpha", (0.1, 0.3, 0.6), log=False, bounds=(1e-3, 3.0)),
        Param("beta", (0.1, 0.3, 0.6), log=False, bounds=(1e-3, 3.0)),
    ),
    extrapolate="N",
    formula="L = E + A/N^alpha + B/D^beta",
    unlimited=("D",),
)


def _B_crit(X, B_star, alpha_B):
    return analytic.B_crit(X["L"], B_star, alpha_B)


B_CRIT = Law(
    name="B_crit(L)",
    fn=_B_crit,
    inputs=("L",),
    params=(Param("B_star", (1e4, 1e6, 1e8, 1e10)), Param("alpha_B", (0.1, 0.2, 0.4, 0.8), log=False, bounds=(0.01, 5.0))),
    extrapolate="L",
    extrapolate_low=True,  # lower loss is the far end
    formula="B_crit = B_star / L^(1/alpha_B)",
)


def _hyperbola(X, S_min, E_min):
    # Eq 5.1 rearranged: (S/S_min - 1)(E/E_min - 1) = 1  <=>  S_min/S + E_min/E = 1
    return S_min / X["S"] + E_min / X["E"]


BATCH_HYPERBOLA = Law(
    name="S-E hyperbola",
    fn=_hyperbola,
    inputs=("S", "E"),
    # start grid set per target from the data; bounds keep degenerate resamples finite
    params=(Param("S_min", (1.0,), bounds=(1e-3, 1e15)), Param("E_min", (1.0,), bounds=(1e-3, 1e25))),
    extrapolate="E",
    formula="S_min/S + E_min/E = 1",
)


def _per_token(X, a, b, c):
    # Fig 20: loss at position T in the context
    return a + b * X["T"] ** -c


PER_TOKEN = Law(
    name="L(T)",
    fn=_per_token,
    inputs=("T",),
    params=(
        Param("a", (1.0, 3.0, 6.0), log=False, bounds=(0.0, None)),
        # starts across the bounds: short contexts and small vocabularies give far larger c than the
        # paper's 0.5 (the loss falls within a few tokens), and tiny models a small b
        Param("b", (0.05, 0.5, 2.0, 8.0)),
        Param("c", (0.2, 0.5, 1.0, 2.0, 4.0), log=False, bounds=(1e-3, 5.0)),
    ),
    extrapolate="T",
    formula="L = a + b T^-c",
)


def _log_law(X, k, N_0):
    # Fig 23: L = -k ln(N / N_0)
    return k * np.log(N_0 / X["N"])


LOG_N = Law(
    name="L(N) log",
    fn=_log_law,
    inputs=("N",),
    params=(Param("k", (0.05, 0.2, 0.5, 1.0, 2.0)), Param("N_0", (1e6, 1e9, 1e12, 1e15, 1e18), bounds=_SCALE)),
    extrapolate="N",
    formula="L = -k ln(N / N_0)",
)


def _overfit(X, x_c, alpha_D):
    # Eq 4.3 with x = N^(alpha_N/alpha_D)/D:  L/L(N,inf) = (1 + x/x_c)^alpha_D,
    # x_c = N_c^(alpha_N/alpha_D)/D_c
    return (1 + X["x"] / x_c) ** alpha_D


OVERFIT = Law(
    name="overfitting",
    fn=_overfit,
    inputs=("x",),
    params=(Param("x_c", (1e-6, 1e-4, 1e-2, 1.0)), Param("alpha_D", (0.03, 0.1, 0.3, 1.0), log=False, bounds=(1e-4, 5.0))),
    extrapolate="x",
    formula="1 + dL = (1 + x/x_c)^alpha_D, x = N^(alpha_N/alpha_D)/D",
)


FIXED = {law.name: law for law in (L_ND, L_NS, CHINCHILLA, B_CRIT, BATCH_HYPERBOLA, PER_TOKEN, LOG_N, OVERFIT)}


def law_named(name: str) -> Law:
    """The law a saved fit names (``FitResult.law``): one of ``FIXED``, ``L(X)`` (the power law in
    X) or ``Y(X)`` (the trend Y = Y_e X^p_Y)."""
    if name in FIXED:
        return FIXED[name]
    match = re.fullmatch(r"(\w+)\((\w+)\)", name)
    if match is None:
        raise ValueError(f"unknown law {name!r}: not one of {sorted(FIXED)}, L(X) or Y(X)")
    y, x = match.groups()
    return power_law(x) if y == "L" else trend_law(x, y)
