"""Selections of the collected tables (``evaluate.collect``) that figures and the scorecard share:
a study's completed runs, the Transformers a comparison study is drawn against, evaluation rows of
learning curves, and the lower envelope of points."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd


def study(runs, kind: str):
    """The completed (not diverged) runs of the studies of one kind."""
    keep = runs["kind"] == kind
    if "status" in runs:
        keep &= runs["status"] != "diverged"
    return runs[keep]


class Reference(NamedTuple):
    runs: pd.DataFrame  # the Transformers, sorted by N
    label: str  # what they are, for a legend
    same_budget: bool  # trained to the compared runs' token budget


def reference_transformers(runs, compared) -> Reference:
    """The standard Transformers a comparison study's runs (``compared``) are drawn against: the
    baseline (else the size) study's runs trained to the same token budget when there are any, else
    the size study's (whose budget the label names, since it differs)."""
    tokens = float(compared["tokens"].median()) if len(compared) else float("nan")
    for kind in ("baseline", "size"):
        candidates = study(runs, kind)
        same = candidates[np.isclose(candidates["tokens"], tokens, rtol=0.02)] if len(candidates) else candidates
        if len(same):
            return Reference(same.sort_values("N"), f"Transformers, {tokens:.2g} tokens (same budget)", True)
    size = study(runs, "size").sort_values("N")
    return Reference(size, f"Transformers (size study, {size['tokens'].median():.2g} tokens)" if len(size) else "", False)


def evals(curves, run_ids, loss: str = "test_loss"):
    """The evaluation rows (loss logged, step > 0) of the given runs."""
    return curves[curves["run_id"].isin(run_ids) & curves[loss].notna() & (curves["step"] > 0)]


def lower_envelope(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of (x, y) that no point with smaller or equal x beats: the frontier, in x order."""
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    keep = y <= np.minimum.accumulate(y)
    return x[keep], y[keep]
