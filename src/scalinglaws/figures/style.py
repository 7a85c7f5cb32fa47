"""The one style every figure shares, and how a figure is saved (PNG for the report, PDF for print)."""

from __future__ import annotations

from pathlib import Path
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from scalinglaws.fit.size_data import converged  # noqa: E402
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


def fitted(fit: dict | None) -> bool:
    """Whether a fit file holds constants (the fit step writes ``not_fitted`` when the runs could not)."""
    return bool(fit and fit.get("params"))


def sci(x: float) -> str:
    """``2.3e8`` as mathtext ``2.3\\cdot10^{8}``."""
    exponent = int(np.floor(np.log10(abs(x))))
    return f"{x / 10**exponent:.2g}\\cdot10^{{{exponent}}}"


def note(ax, text: str) -> None:
    """Say in the panel why it is (partly) empty."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=8, color="0.3", wrap=True,
            bbox=dict(boxstyle="round", fc="white", ec="0.7"))


def scatter_converged(ax, cells, x: str, color, label: str) -> None:
    """Early-stopped losses against ``x``: filled where the run converged, hollow where it was still
    improving at its last step (``fit.size_data.converged``: the fits leave those out)."""
    done = converged(cells)
    ax.scatter(cells.loc[done, x], cells.loc[done, "test_loss_best"], color=color, s=22, zorder=3, label=label)
    ax.scatter(cells.loc[~done, x], cells.loc[~done, "test_loss_best"], facecolors="none", edgecolors=color,
               s=22, zorder=3)


def label_still_improving(ax, runs) -> None:
    """One legend entry for the hollow markers of ``scatter_converged``, where any run has them."""
    if not converged(runs).all():
        ax.scatter([], [], facecolors="none", edgecolors="0.3", s=22, label="still improving: not fitted")


def colorbar(ax, values, label: str, cmap: str = "viridis", log: bool = True):
    """A colour bar beside ``ax`` for lines coloured by ``values``; returns value -> colour."""
    values = np.asarray(values, dtype=float)
    norm = (matplotlib.colors.LogNorm if log else matplotlib.colors.Normalize)(values.min(), max(values.max(), values.min() * 1.01))
    cmap = plt.get_cmap(cmap)
    ax.figure.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=label)
    return lambda value: cmap(norm(value))


def plain_short_log_axes(fig) -> None:
    """Log axes of losses (under 1000, under two decades) get plain tick labels: 3, 4, 5 rather than
    3x10^0, minor ticks included (only 2, 3 and 5 per decade when the axis spans more than 4x)."""
    plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.3g}")
    sparse = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.3g}" if f"{v:.1e}"[0] in "235" else "")
    for ax in fig.axes:
        for axis, scale, (lo, hi) in ((ax.xaxis, ax.get_xscale(), ax.get_xlim()), (ax.yaxis, ax.get_yscale(), ax.get_ylim())):
            lo, hi = min(lo, hi), max(lo, hi)
            fixed = isinstance(axis.get_major_formatter(), matplotlib.ticker.FixedFormatter)  # labels a figure set
            if scale == "log" and not fixed and 0 < lo and hi < 1e3 and hi / lo < 100:
                axis.set_major_formatter(plain)
                axis.set_minor_formatter(plain if hi / lo < 4 else sparse)


def save(fig, out_png: str | Path) -> None:
    """Write ``out_png`` and the PDF beside it, atomically."""
    out_png = Path(out_png)
    plain_short_log_axes(fig)
    fig.tight_layout()
    for path in (out_png, out_png.with_suffix(".pdf")):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=path.suffix[1:], bbox_inches="tight")
    plt.close(fig)


def set_label(name: str) -> str:
    """An evaluation set's legend label: ``test`` is the training distribution's held-out split."""
    return "Training distribution (test)" if name == "test" else name.replace("_", " ").title()
