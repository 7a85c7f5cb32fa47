"""The one style every figure shares, and how a figure is saved (PNG for the report, PDF for print)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from scalinglaws.io import atomic_path  # noqa: E402

PANEL_SIZE = (4.6, 3.6)  # inches per panel: readable at report width with two or three panels
OURS = dict(color="C0")
OUR_FIT = dict(color="C3", lw=1.8)
PAPER_FIT = dict(color="0.45", lw=1.5, ls="--")


def setup() -> None:
    sns.set_theme(context="paper", style="whitegrid", palette="deep", font_scale=1.05)
    plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 150, "axes.titleweight": "bold", "legend.fontsize": 7.5,
                         "legend.framealpha": 0.85})


def panels(n: int, title: str | None = None):
    setup()
    fig, axes = plt.subplots(1, n, figsize=(PANEL_SIZE[0] * n, PANEL_SIZE[1]), squeeze=False)
    if title:
        fig.suptitle(title, fontweight="bold")
    return fig, list(axes[0])


def log_grid(values, pad: float = 1.5, num: int = 200) -> np.ndarray:
    """A log-spaced grid spanning ``values`` widened by a factor ``pad`` on each side."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    return np.geomspace(values.min() / pad, values.max() * pad, num)


def interval(fit: dict, name: str, fmt: str = ".3f") -> str:
    """``0.071 [0.065, 0.078]``: a fitted constant with its bootstrap interval."""
    value = fit["params"][name]
    lo, hi = fit.get("intervals", {}).get(name, (np.nan, np.nan))
    return f"{value:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"


def save(fig, out_png: str | Path) -> None:
    """Write ``out_png`` and the PDF beside it, atomically."""
    out_png = Path(out_png)
    fig.tight_layout()
    for path in (out_png, out_png.with_suffix(".pdf")):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=path.suffix[1:], bbox_inches="tight")
    plt.close(fig)
