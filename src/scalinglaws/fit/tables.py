"""Tables 2-6 of the paper with our values beside the paper's (``io.write_table`` writes them as
CSV and Markdown; Table 1 is the training stage's, ``train.table1``, counted from a built model).

Each table is a DataFrame with columns quantity, paper, ours, lo, hi, notes (lo/hi: our 95%
bootstrap interval), read from a dict of fits keyed as ``suite.fit_suite`` names them.
"""

from __future__ import annotations

import math

import pandas as pd

from scalinglaws.fit import paper
from scalinglaws.fit.core import FitResult

COLUMNS = ["quantity", "paper", "ours", "lo", "hi", "notes"]


def _row(quantity, paper_value, fit: FitResult | None, param: str, notes="") -> dict:
    if fit is None or param not in fit.params:
        return {"quantity": quantity, "paper": paper_value, "ours": math.nan, "lo": math.nan, "hi": math.nan,
                "notes": (notes + "; " if notes else "") + "not fitted (no runs for it)"}
    lo, hi = fit.intervals.get(param, (math.nan, math.nan))
    if fit.warnings:
        notes = "; ".join([notes, *fit.warnings]) if notes else "; ".join(fit.warnings)
    return {"quantity": quantity, "paper": paper_value, "ours": fit.params[param], "lo": lo, "hi": hi, "notes": notes}


def table_2(fits: dict[str, FitResult]) -> pd.DataFrame:
    """Table 2: L(N, D) (Eq 1.5) on the early-stopped (N, D) grid."""
    f = fits.get("L_ND")
    return pd.DataFrame([_row(k, v, f, k) for k, v in paper.TABLE_2.items()], columns=COLUMNS)


def table_3(fits: dict[str, FitResult]) -> pd.DataFrame:
    """Table 3: L(N, S) (Eq 1.6) on post-warmup learning curves."""
    f = fits.get("L_NS")
    return pd.DataFrame([_row(k, v, f, k) for k, v in paper.TABLE_3.items()], columns=COLUMNS)


def table_4(fits: dict[str, FitResult]) -> pd.DataFrame:
    """Table 4: the key trend equations, written out with the paper's constants and ours."""
    t5 = paper.TABLE_5
    specs = [
        ("L(N): N, D = inf, converged", "L_N", "(N_c/N)^alpha_N", {"N_c": t5["N_c"], "alpha_N": t5["alpha_N"]}),
        ("L(D): early stop", "L_D", "(D_c/D)^alpha_D", {"D_c": t5["D_c"], "alpha_D": t5["alpha_D"]}),
        ("L(C): optimal N, fixed B (naive)", "L_C", "(C_c/C)^alpha_C", {"C_c": t5["C_c"], "alpha_C": t5["alpha_C"]}),
        ("L(C_min): N_opt, B << B_crit", "L_Cmin", "(C_c/C_min)^alpha_C", {"C_c": t5["C_min_c"], "alpha_C": t5["alpha_C_min"]}),
        ("L(N, D): early stop", "L_ND", "[(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D", paper.TABLE_2),
        ("L(N, S): S steps at B", "L_NS", "(N_c/N)^alpha_N + (S_c/S_min)^alpha_S", paper.TABLE_3),
    ]
    rows = []
    for quantity, key, form, consts in specs:
        f = fits.get(key)
        ours = _substitute(form, f.params) if f else "not fitted (no runs for it)"
        rows.append({"quantity": quantity, "paper": _substitute(form, consts), "ours": ours, "lo": math.nan,
                     "hi": math.nan, "notes": "; ".join(f.warnings) if f else ""})
    return pd.DataFrame(rows, columns=COLUMNS)


def _substitute(form: str, consts: dict) -> str:
    for k in sorted(consts, key=len, reverse=True):  # alpha_N before N
        form = form.replace(k, f"{consts[k]:.3g}")
    return form


def table_5(fits: dict[str, FitResult], bcrit: dict | None = None, bcrit_fit: FitResult | None = None) -> pd.DataFrame:
    """Table 5: the key parameters of the single-variable trends.

    The B_crit rows show the B_crit(L) the suite adopted (``bcrit``: its source, and ``bcrit_fit``)
    when given, else the batch-scan fit.
    """
    t5 = paper.TABLE_5
    source = f"from the {bcrit['source']}" if bcrit and bcrit_fit is not None else ""
    specs = [
        ("alpha_N", "L_N", "alpha_N", ""), ("N_c", "L_N", "N_c", "non-embedding parameters"),
        ("alpha_D", "L_D", "alpha_D", ""), ("D_c", "L_D", "D_c", "tokens"),
        ("alpha_C", "L_C", "alpha_C", ""), ("C_c", "L_C", "C_c", f"PF-days; Fig 13 legend prints {paper.C_c_fig:.2g}"),
        ("alpha_C_min", "L_Cmin", "alpha_C", f"predicted {paper.alpha_C_min_eq_B_7} (Eq B.7)"),
        ("C_min_c", "L_Cmin", "C_c", f"PF-days; Fig 1/13 legends print {paper.C_min_c_fig:.2g}"),
        ("alpha_B", "B_crit", "alpha_B", source), ("B_star", "B_crit", "B_star", f"tokens; text prints {paper.B_star_text:.2g}"),
        ("alpha_S", "L_NS", "alpha_S", ""), ("S_c", "L_NS", "S_c", "steps"),
    ]
    if bcrit_fit is not None:
        fits = {**fits, "B_crit": bcrit_fit}
    return pd.DataFrame([_row(q, t5[q], fits.get(k), p, n) for q, k, p, n in specs], columns=COLUMNS)


def table_6(fits: dict[str, FitResult]) -> pd.DataFrame:
    """Table 6: compute-efficient trends X = X_e C_min^p_X (C_min in PF-days)."""
    t6 = paper.TABLE_6
    specs = [("p_N", "N_opt"), ("N_e", "N_opt"), ("p_B", "B_opt"), ("B_e", "B_opt"),
             ("p_S", "S_min_opt"), ("S_e", "S_min_opt"), ("p_D", "D_opt"), ("D_e", "D_opt")]
    return pd.DataFrame([_row(q, t6[q], fits.get(k), q) for q, k in specs], columns=COLUMNS)

