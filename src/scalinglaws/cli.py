"""``scalinglaws STAGE ...``: one entry point for every stage's command line.

``scalinglaws train --help`` is ``python -m scalinglaws.train --help``; the workflow's rules call the
modules directly, this is the same thing under one name for people at a terminal.
"""

from __future__ import annotations

import runpy
import sys

STAGES = {
    "corpus": ("scalinglaws.corpus", "acquire, clean and decontaminate corpora"),
    "tokenize": ("scalinglaws.tokenize", "holdout split, BPE training, token shards"),
    "train": ("scalinglaws.train", "train one cell"),
    "evaluate": ("scalinglaws.evaluate", "evaluate a run on token shards"),
    "fit": ("scalinglaws.fit", "fit the scaling laws to run tables"),
    "predict": ("scalinglaws.fit.predict", "predict from a fit: loss with intervals, compute-optimal N and D"),
    "figure": ("scalinglaws.figures", "draw one figure"),
    "scorecard": ("scalinglaws.scorecard", "check the paper's claims on the runs and fits"),
    "plan": ("scalinglaws.plan", "cells, FLOPs and GPU-hours of a configuration"),
}


def usage() -> str:
    width = max(map(len, STAGES))
    lines = [f"  {name:<{width}}  {help_}" for name, (_, help_) in STAGES.items()]
    return "usage: scalinglaws STAGE [ARGS ...]\n\nstages:\n" + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(usage(), end="")
        return
    stage, rest = argv[0], argv[1:]
    if stage not in STAGES:
        sys.exit(f"scalinglaws: unknown stage {stage!r}\n\n{usage()}")
    module = STAGES[stage][0]
    sys.argv = [f"scalinglaws {stage}", *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
