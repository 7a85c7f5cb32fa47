"""Registered predictions against their outcomes (``scalinglaws.registered``).

One panel per predicted study: the smaller runs the law was fitted to, the law with its 95% band
carried out to the largest N, the prediction there with its 95% prediction interval, and the
outcome with its standard error. In a data study each dataset size D has its own colour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.figures.style import log_grid, panels, sci
from scalinglaws.fit import laws
from scalinglaws.fit.core import FitResult
from scalinglaws.fit.predict import predict

INPUTS = ("predictions", "registered")
LISTS = ("registered",)  # one prediction JSON per study
LOSS_LABEL = {"test_loss": "Test loss (final)", "test_loss_best": "Test loss (early-stopped)"}


def _D_label(D: float) -> str:
    return "all the data" if np.isinf(D) else f"D = ${sci(D)}$"


def draw(predictions: pd.DataFrame, registered: list[dict]):
    fig, axes = panels(len(registered), "Registered predictions: the largest cells, predicted before they trained")
    for ax, record in zip(axes, registered):
        fit = FitResult.from_dict(record["fit"], fn=laws.law_named(record["fit"]["law"]).fn)
        points = {k: np.asarray(v, dtype=float) for k, v in fit.provenance["points"].items()}
        outcome = predictions[predictions["study"] == record["study"]]
        held = pd.DataFrame(record["predictions"])
        by_D = sorted(set(points.get("D", [np.nan])) | set(held.get("D", [np.nan])), key=lambda d: -d)
        grid = log_grid(np.append(points["N"], held["N"]))
        for i, D in enumerate(by_D):
            color, size_study = f"C{i % 10}", np.isnan(D)  # a size study has one line, no D
            mask = np.ones(len(points["N"]), bool) if size_study else points["D"] == D
            ax.scatter(points["N"][mask], points["y"][mask], s=22, color=color, zorder=3,
                       label="smaller runs" + ("" if size_study else f" ({_D_label(D)})"))
            law = predict(fit, {"N": grid} | ({} if size_study else {"D": np.full_like(grid, D)}))
            ax.plot(grid, law["predicted"], color=color, lw=1.4)
            ax.fill_between(grid, law["law_lo"], law["law_hi"], color=color, alpha=0.15, lw=0)
            p = held if size_study else held[held["D"] == D]
            o = outcome if size_study else outcome[outcome["D"] == D]
            ax.errorbar(p["N"], p["predicted"], yerr=[p["predicted"] - p["lo"], p["hi"] - p["predicted"]], fmt="D",
                        mfc="white", color=color, capsize=4, ms=6, zorder=4,
                        label="prediction, 95% interval" if i == 0 else None)
            ax.errorbar(o["N"] * 1.06, o["observed"], yerr=o["se"], fmt="*", color=color, ms=10, capsize=2, zorder=5,
                        label="outcome ± s.e." if i == 0 else None)
        inside = int(outcome["inside"].sum())
        ax.set(xscale="log", yscale="log", xlabel="Parameters (non-embedding)", ylabel=LOSS_LABEL.get(record["loss"],
               record["loss"]), title=f"{record['study']}: {record['law']}, {inside} of {len(outcome)} inside")
        ax.legend(fontsize=6.5)
    return fig
