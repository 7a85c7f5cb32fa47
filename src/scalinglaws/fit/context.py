"""Per-token loss against position in the context: L(T) = a + b T^-c (Fig 20)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.fit import laws
from scalinglaws.fit.core import FitResult, fit_law


def fit_L_T(positions, losses, *, max_points=64, settings=None, provenance=None) -> FitResult:
    """Fit a + b T^-c to the mean test loss at each position T = 1, 2, ... of the context.

    At most ``max_points`` positions, evenly spaced in log T, are kept: the law is a power law
    in T, and 1024 equally weighted positions would let the last decade outvote the first two.
    """
    T, L = np.asarray(positions, dtype=float), np.asarray(losses, dtype=float)
    order = np.argsort(T)
    T, L = T[order], L[order]
    if len(T) > max_points:
        keep = np.unique(np.searchsorted(T, np.geomspace(T[0], T[-1], max_points)).clip(0, len(T) - 1))
        T, L = T[keep], L[keep]
    return fit_law(laws.PER_TOKEN, {"T": T}, L, settings=settings, provenance=provenance)


def fit_per_token(table: pd.DataFrame, position="position", loss="loss", by="run_id", *, settings=None) -> dict:
    """One L(T) fit per run of a long table (``by``, ``position``, ``loss``); positions from 1."""
    return {
        key: fit_L_T(g[position], g[loss], settings=settings, provenance={"run_id": str(key), "columns": [position, loss]})
        for key, g in table.groupby(by)
    }
