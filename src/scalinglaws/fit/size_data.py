"""Fits on the runs table: L(N), L(D), L(N, D), the overfitting delta L, Chinchilla, log vs power.

Every function takes the runs table (one row per run, columns in ``scalinglaws.fit``'s docstring)
and column names, so the same fit runs in either basis (``x="N"`` or ``x="N_total"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.fit import analytic, laws
from scalinglaws.fit.core import FitInputError, FitResult, FitSettings, Law, fit_law


def _column(df: pd.DataFrame, name: str) -> np.ndarray:
    """One column as floats; text stays as objects so that ``check_points`` names its rows."""
    if name not in df:
        raise FitInputError(f"the table has no column {name!r}; its columns are {list(df.columns)}")
    try:
        return df[name].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        return df[name].astype(object).where(df[name].notna(), np.nan).to_numpy()


def fit_table(
    law: Law,
    df: pd.DataFrame,
    columns: dict[str, str],
    y: str,
    *,
    settings: FitSettings | None = None,
    groups: str | None = None,
    description: str = "",
    grid=None,
    id_column: str = "run_id",
    one_row_per_run: bool = True,
) -> FitResult:
    """Fit ``law`` to a DataFrame: ``columns`` maps each law input to a column, ``y`` the target.

    ``id_column`` (if the table has it) names the rows in errors. Unless ``groups`` is given or
    ``one_row_per_run`` is False (rows that are points along runs, e.g. an envelope), each row is
    one run and an id given twice is refused: the bootstrap would count that run twice.
    """
    ids = df[id_column].to_numpy() if id_column in df else None
    if ids is not None and groups is None and one_row_per_run:
        repeated = df[id_column].duplicated(keep=False).to_numpy()
        if repeated.any():
            raise FitInputError(f"{law.name}: each run must appear once, but {id_column} "
                                f"{sorted(set(map(str, ids[repeated])))[:8]} appear(s) in {int(repeated.sum())} rows "
                                f"(a table given twice?); the bootstrap would count them twice and narrow the intervals")
    X = {k: _column(df, c) for k, c in columns.items()}
    prov = {
        "description": description,
        "columns": {**columns, "y": y},
        "run_ids": sorted(map(str, df[id_column].unique())) if ids is not None else [],
    }
    return fit_law(
        law, X, _column(df, y), settings=settings, grid=grid, provenance=prov, ids=ids, columns={**columns, "y": y},
        groups=None if groups is None else _groups(df, groups),
    )


def _groups(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df:
        raise FitInputError(f"the table has no column {name!r} to group points by; its columns are {list(df.columns)}")
    return df[name].to_numpy()


def _exclude_shallow(runs: pd.DataFrame, min_layers: int) -> pd.DataFrame:
    # App D.7: 1-layer models are left out of the L(N) and L(C) fits
    return runs[runs["n_layer"] >= min_layers] if "n_layer" in runs else runs


def converged(runs: pd.DataFrame) -> pd.Series:
    """Runs whose test loss stopped decreasing before their last step: early-stopped, or best before the end.

    Eq 1.5 and Eq 4.3 describe the early-stopped loss, the best a model reaches on D tokens however
    long it trains (the paper trains until the test loss stops decreasing). A run whose best
    evaluation is its last was still improving when its budget ran out: its loss is limited by
    compute, not by D, and App D.7 leaves such not-converged runs out. A run without ``best_step`` or
    ``steps`` (someone else's table) counts as converged.
    """
    if not {"best_step", "steps"} <= set(runs.columns):
        return pd.Series(True, index=runs.index)
    stopped = runs["status"].eq("early_stopped") if "status" in runs else False
    unknown = runs["best_step"].isna() | runs["steps"].isna()
    return stopped | unknown | (runs["best_step"] < runs["steps"])


def _converged_only(runs: pd.DataFrame, law: str) -> tuple[pd.DataFrame, str]:
    """The converged runs, and a description of what was left out, for a law's provenance."""
    keep = converged(runs)
    left_out = runs.loc[~keep, "run_id"] if "run_id" in runs else runs.index[~keep]
    if keep.all():
        return runs, f"{law} on {len(runs)} converged runs"
    return runs[keep], (f"{law} on the {int(keep.sum())} of {len(runs)} runs whose test loss stopped decreasing "
                        f"before their last step; left out, still improving (compute-limited, App D.7): "
                        f"{', '.join(map(str, left_out))}")


def fit_L_N(runs, x="N", loss="test_loss", *, min_layers=2, settings=None) -> FitResult:
    """L(N) = (N_c/N)^alpha_N (Eq 1.1) on converged runs; ``x`` picks the parameter count."""
    df = _exclude_shallow(runs, min_layers)
    return fit_table(laws.power_law("N"), df, {"N": x}, loss, settings=settings,
                     description=f"L(N) on runs with n_layer >= {min_layers}")


def fit_L_D(runs, d="dataset_tokens", loss="test_loss_best", *, settings=None) -> FitResult:
    """L(D) = (D_c/D)^alpha_D (Eq 1.2) on converged runs of one model on nested subsets (``converged``)."""
    df, description = _converged_only(runs[np.isfinite(runs[d])], "L(D) with finite D")
    return fit_table(laws.power_law("D"), df, {"D": d}, loss, settings=settings, description=description)


def fit_L_ND(runs, x="N", d="dataset_tokens", loss="test_loss_best", *, settings=None) -> FitResult:
    """L(N, D) (Eq 1.5, Table 2) on the converged runs of the (N, D) grid (``converged``); NaN D means
    unlimited data."""
    df, description = _converged_only(runs.assign(**{d: runs[d].fillna(np.inf)}), "L(N,D)")
    return fit_table(laws.L_ND, df, {"N": x, "D": d}, loss, settings=settings,
                     description=f"{description}; D = inf where dataset_tokens is NaN")


def fit_chinchilla(runs, x="N", d="tokens", loss="test_loss", *, settings=None) -> FitResult:
    """E + A/N^alpha + B/D^beta (Hoffmann et al. 2022), D = tokens trained on by default."""
    return fit_table(laws.CHINCHILLA, runs, {"N": x, "D": d}, loss, settings=settings,
                     description=f"Chinchilla form with D = {d}")


def fit_overfitting(runs, L_ND: FitResult, x="N", d="dataset_tokens", loss="test_loss_best", *, settings=None):
    """Eq 4.3 fitted to delta L = L(N,D)/L(N,inf) - 1 against N^(alpha_N/alpha_D)/D (``overfitting_table``)."""
    df = overfitting_table(runs, L_ND.params, x, d, loss)
    described = _converged_only(runs[runs[d].notna()], "1 + delta L")[1]
    return fit_table(laws.OVERFIT, df, {"x": "x_overfit"}, "ratio", settings=settings,
                     description=f"{described}, against N^{df.attrs['ratio']:.3f}/D")


def overfitting_table(runs, L_ND: dict, x="N", d="dataset_tokens", loss="test_loss_best") -> pd.DataFrame:
    """The converged data-limited runs with L_inf, ``ratio`` = L / L_inf and ``x_overfit`` = N^(alpha_N/alpha_D)/D.

    L(N, inf) is the same model's converged unlimited-data run where the table has one (NaN ``d``),
    else the L(N, D) law ``L_ND`` (its constants) at D = inf, which also gives the exponent ratio.
    """
    ratio = L_ND["alpha_N"] / L_ND["alpha_D"]
    done = runs[converged(runs)]
    full = done[done[d].isna()].groupby(x)[loss].min()
    df = done[done[d].notna()].copy()
    fit_inf = (L_ND["N_c"] / df[x]) ** L_ND["alpha_N"]
    df["L_inf"] = df[x].map(full).fillna(fit_inf)
    df["ratio"] = df[loss] / df["L_inf"]
    df["x_overfit"] = df[x] ** ratio / df[d]
    df.attrs["ratio"] = ratio
    return df


def early_stop_table(runs, L_ND: dict, S_c: float, alpha_S: float, x="N", d="dataset_tokens",
                     loss="test_loss_best", stop="best_step", bcrit: dict | None = None) -> pd.DataFrame:
    """Eq 5.7 (Fig 16 left): each data-limited run's early-stopping step beside its lower bound.

    ``L_ND`` holds the Table 2 constants (ours or the paper's); ``S_c, alpha_S`` those of L(N, S).
    L(N, inf) is the L(N, D) law at D = inf. With ``bcrit`` (B_star, alpha_B) S_stop becomes
    S_min by Eq 5.4, as in the paper. ``holds`` is True where S_stop >= the bound. Only converged runs
    (``converged``) have a stopping step: a run still improving at its last step stopped for its budget.
    """
    df = runs[runs[d].notna() & converged(runs)]
    L = df[loss].to_numpy(dtype=float)
    S = df[stop].to_numpy(dtype=float)
    if bcrit is not None:
        S = analytic.S_min(S, df["batch_tokens"].to_numpy(dtype=float), L, **bcrit)
    L_inf = analytic.L_N_D(df[x].to_numpy(dtype=float), np.inf, **L_ND)
    bound = analytic.early_stop_bound(L, L_inf, S_c, alpha_S)
    return pd.DataFrame({"run_id": df["run_id"].to_numpy(), "N": df[x].to_numpy(), "D": df[d].to_numpy(),
                         "S_stop": S, "bound": bound, "holds": S >= bound})


def compare_log_power(runs, x="N", loss="test_loss", *, min_layers=2, settings=None) -> dict:
    """Fig 23: the power law against L = -k ln(N/N_0) on the same runs; lower loss wins."""
    df = _exclude_shallow(runs, min_layers)
    power = fit_L_N(runs, x, loss, min_layers=min_layers, settings=settings)
    log = fit_table(laws.LOG_N, df, {"N": x}, loss, settings=settings,
                    description=f"logarithmic L(N) on runs with n_layer >= {min_layers}")
    return {
        "power": power,
        "log": log,
        "better": "power" if power.loss <= log.loss else "log",
        "loss_ratio_log_over_power": log.loss / power.loss if power.loss > 0 else float("inf"),
    }
