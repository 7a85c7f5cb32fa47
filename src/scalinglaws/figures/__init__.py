"""Figures 1-24 of the paper, one module each, drawn from our runs and fits with the paper's lines.

A figure module declares what it draws from, as literal module constants that the workflow reads
without importing the module (``declarations``; importing would load matplotlib at every DAG build):

    NEEDS     the study kinds without which the figure is not drawn, e.g. {"size"}
    INPUTS    the inputs ``draw`` needs, by name: a collected table (runs, curves, positions), a fit
              (fit_<law>, non-embedding basis), another file of the fit step (``fit.suite.SUITE_FILES``:
              B_crit_adopted, adjusted_curves, envelope_C, ...) or run_tracked (a tracked run's summary)
    OPTIONAL  inputs it draws when the config provides them
    LISTS     inputs that may be given several times (passed as a list)

Adding a figure is one module here with those constants and a ``draw(**inputs)`` returning a
matplotlib figure, and its caption, workflow/report/<module>.rst.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

FIGURES_DIR = Path(__file__).parent


class Declaration(NamedTuple):
    needs: frozenset[str]
    inputs: tuple[str, ...]
    optional: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()


def declaration(module: str) -> Declaration:
    """The NEEDS, INPUTS, OPTIONAL and LISTS of ``scalinglaws.figures.<module>``, read from its source."""
    path = FIGURES_DIR / f"{module}.py"
    constants = {}
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("NEEDS", "INPUTS", "OPTIONAL", "LISTS"):
                try:
                    constants[name] = ast.literal_eval(node.value)
                except ValueError:
                    raise ValueError(f"{path}: {name} must be a literal (a set or tuple of strings)") from None
    missing = [name for name in ("NEEDS", "INPUTS") if name not in constants]
    if missing:
        raise ValueError(f"{path}: a figure module declares {' and '.join(missing)} (see scalinglaws.figures)")
    return Declaration(frozenset(constants["NEEDS"]), tuple(constants["INPUTS"]), tuple(constants.get("OPTIONAL", ())),
                       tuple(constants.get("LISTS", ())))


def declarations() -> dict[str, Declaration]:
    """Every paper figure's declaration (modules ``figNN_*``), in figure order."""
    return {path.stem: declaration(path.stem) for path in sorted(FIGURES_DIR.glob("fig[0-9][0-9]_*.py"))}
