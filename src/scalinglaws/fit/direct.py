"""Any law on anyone's table: the caller names the column behind each symbol of the law.

``scalinglaws fit L_ND --runs runs.csv --columns N=params,D=tokens,L=loss`` fits Eq 1.5 to a plain
table of (params, tokens, loss), CSV or parquet, without the workflow's column names or its
``kind`` split. Each row is one independent point (one run); rows that are points along runs
(learning curves) name their run column with ``groups``, so the bootstrap resamples whole runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from scalinglaws.fit import laws
from scalinglaws.fit.core import FitResult, FitSettings, Law
from scalinglaws.fit.size_data import fit_table
from scalinglaws.io import name_equals_value

# the suite's law names (``suite.FITS``) -> (the law, the symbol of what it predicts)
LAWS: dict[str, tuple[Law, str]] = {
    "L_N": (laws.power_law("N"), "L"),
    "log_N": (laws.LOG_N, "L"),
    "L_D": (laws.power_law("D"), "L"),
    "L_ND": (laws.L_ND, "L"),
    "chinchilla": (laws.CHINCHILLA, "L"),
    "overfitting": (laws.OVERFIT, "ratio"),  # L(N, D) / L(N, inf) against x = N^(alpha_N/alpha_D) / D
    "L_NS": (laws.L_NS, "L"),
    "L_C": (laws.power_law("C", scales=laws.PF_DAY_SCALES), "L"),
    "L_Cmin": (laws.power_law("C", scales=laws.PF_DAY_SCALES), "L"),
    "B_crit": (laws.B_CRIT, "B"),
    "B_crit_noise": (laws.B_CRIT, "B"),
    "N_opt": (laws.trend_law("C_min", "N"), "N"),
    "S_min_opt": (laws.trend_law("C_min", "S"), "S"),
    "B_opt": (laws.trend_law("C_min", "B"), "B"),
    "D_opt": (laws.trend_law("C_min", "D"), "D"),
    "N_vs_C": (laws.trend_law("C", "N"), "N"),
    "L_T": (laws.PER_TOKEN, "L"),
}


def symbols(name: str) -> list[str]:
    """The symbols ``--columns`` must name for a law: its inputs, then what it predicts."""
    law, target = LAWS[name]
    return [*law.inputs, target]


def parse_columns(text: str) -> dict[str, str]:
    """``"N=params,D=tokens,L=loss"`` -> ``{"N": "params", "D": "tokens", "L": "loss"}``."""
    try:
        pairs = [name_equals_value(item.strip()) for item in text.split(",") if item.strip()]
    except argparse.ArgumentTypeError:
        pairs = []
    if not pairs:
        raise ValueError(f"--columns wants SYMBOL=COLUMN pairs separated by commas, e.g. N=params,L=loss; got {text!r}")
    return {symbol.strip(): column.strip() for symbol, column in pairs}


def read_table(path) -> pd.DataFrame:
    """A CSV, TSV or parquet table, told apart by its suffix."""
    path = Path(path)
    readers = {".csv": pd.read_csv, ".tsv": lambda p: pd.read_csv(p, sep="\t"), ".parquet": pd.read_parquet,
               ".pq": pd.read_parquet}
    if path.suffix.lower() not in readers:
        raise ValueError(f"{path}: a table must be .csv, .tsv or .parquet")
    return readers[path.suffix.lower()](path)


def fit_columns(name: str, df: pd.DataFrame, columns: dict[str, str], *, groups: str | None = None,
                id_column: str = "run_id", settings: FitSettings | None = None) -> FitResult:
    """Fit law ``name`` of ``LAWS`` with ``columns`` mapping each of its ``symbols`` to a column of ``df``."""
    if name not in LAWS:
        raise ValueError(f"unknown law {name!r}; known: {list(LAWS)}")
    law, target = LAWS[name]
    want = symbols(name)
    if set(columns) != set(want):
        missing, extra = [s for s in want if s not in columns], sorted(set(columns) - set(want))
        raise ValueError(f"{name} ({law.formula}) needs --columns for {', '.join(want)}"
                         + (f"; missing {', '.join(missing)}" if missing else "")
                         + (f"; {', '.join(extra)} is not a symbol of it" if extra else ""))
    described = ", ".join(f"{s} = {columns[s]}" for s in want)
    return fit_table(law, df, {s: columns[s] for s in law.inputs}, columns[target], settings=settings, groups=groups,
                     id_column=id_column, description=f"{name} on columns {described}")


def describe(fit: FitResult, source: str = "") -> str:
    """The fit as a terminal shows it: formula, constants with intervals, extrapolation, warnings."""
    settings = fit.provenance.get("settings", {})
    lines = [f"{fit.law}: {fit.provenance.get('formula', '')}",
             f"  {fit.n_points} points{' of ' + source if source else ''}; "
             + (f"{100 * settings.get('ci', 0.95):g}% intervals from {settings.get('n_boot')} bootstrap resamples"
                if fit.intervals else "no bootstrap: no intervals")]
    width = max(map(len, fit.params))
    for k, v in fit.params.items():
        lo, hi = fit.intervals.get(k, (float("nan"), float("nan")))
        lines.append(f"  {k:<{width}} = {v:<11.4g}" + (f" [{lo:.4g}, {hi:.4g}]" if k in fit.intervals else ""))
    ex = fit.extrapolation
    if "max_abs_rel_error" in ex:
        lines.append(f"  refitted without {ex['held_out']} ({ex['n_held_out']} points): those predicted within "
                     f"{100 * ex['max_abs_rel_error']:.2g}%")
    lines += [f"  warning: {w}" for w in fit.warnings]
    return "\n".join(lines)
