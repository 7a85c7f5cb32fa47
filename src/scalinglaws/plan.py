"""``python -m scalinglaws.plan``: what a config will cost before anything runs, and what it did cost.

For every study: its cells, their parameters, the training FLOPs of their token budgets (6N plus
the attention context term, output head included) and the GPU-hours that takes on a named GPU at an
assumed model-FLOPs utilisation. Cells that stop early cost less than planned; the plan is an upper
bound for them. With ``--results``, runs that have finished are compared with the estimate.
With ``--packs``, the training jobs the workflow will run (``config_packs``, the same packs as
``snakemake -n``), and which of them wait for a registered prediction (``scalinglaws.registered``).

The config is read as the workflow reads it (``scalinglaws.configfile``: config.yaml with each
``--configfile`` over it, validated against the workflow's schema with its defaults filled in) and
checked as the dry run checks it (``config_checks.check_config``), so a config ``snakemake -n``
refuses is refused here with the same error.

Models are built on PyTorch's meta device, so planning the paper's 1.5e9-parameter cells allocates
no memory.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
from snakemake.exceptions import WorkflowError

from scalinglaws.config_checks import check_config
from scalinglaws.configfile import load
from scalinglaws.registered import HeldOut, held_out
from scalinglaws.studies import expand_studies
from scalinglaws.train.cell import Cell, planned_accounting
from scalinglaws.train.hardware import PEAK_FLOPS
from scalinglaws.train.packing import Pack, plan_packs

DEFAULT_MFU = 0.35  # a realistic utilisation for small-to-medium models in bf16


def plan_cells(config: dict) -> pd.DataFrame:
    """One row per cell: study, cell, N, tokens, training FLOPs (every matmul: both attention products, the head)."""
    vocab = int(config["tokenizer"]["vocab_size"])
    rows = []
    for study, cells in expand_studies(config).items():
        for cell_id, settings in cells.items():
            cell = Cell.from_dict(settings)
            accounting = planned_accounting(cell, vocab)
            tokens = cell.total_steps() * cell.batch_size * cell.n_ctx
            rows.append({"study": study, "cell": cell_id, "N": accounting["N"], "N_total": accounting["N_total"],
                         "tokens": tokens, "flops": tokens * accounting["flops_per_token_matmul"],
                         "flops_6N": tokens * accounting["flops_per_token_6N"], "early_stopping": bool(cell.patience)})
    return pd.DataFrame(rows)


def config_packs(config: dict, studies: dict[str, dict[str, dict]]) -> tuple[list[Pack], dict[str, HeldOut]]:
    """The workflow's training jobs (common.smk) and the held-out cells of ``predict.largest``: those
    pack only among themselves, after the predictions of them are made."""
    held = held_out(config, studies)
    packs = plan_packs(studies, int(config["tokenizer"]["vocab_size"]), config["packing"]["cells"],
                       config["packing"]["flops"], apart={study: h.predicted for study, h in held.items()},
                       study_cells={study: spec["pack_cells"] for study, spec in config["studies"].items()
                                    if "pack_cells" in spec})
    return packs, held


def pack_prediction(pack: Pack, held: dict[str, HeldOut]) -> str | None:
    """The prediction a pack's job waits for: its study's, when the pack holds that study's largest cells."""
    study = held.get(pack.study)
    return study.path if study is not None and set(pack.cells) <= set(study.predicted) else None


def pack_table(config: dict) -> pd.DataFrame:
    """One row per training job: its rule, study, cells, planned work and the prediction it waits for."""
    packs, held = config_packs(config, expand_studies(config))
    return pd.DataFrame([{"rule": p.rule_name, "study": p.study, "cells": " ".join(p.cells), "flops": p.flops,
                          "waits_for": pack_prediction(p, held) or ""} for p in packs])


def gpu_hours(flops: pd.Series, gpu: str, mfu: float) -> pd.Series:
    peak = next((peaks["bf16"] for name, peaks in PEAK_FLOPS.items() if name == gpu.lower()), None)
    if peak is None:
        raise SystemExit(f"unknown GPU {gpu!r}; known: {', '.join(PEAK_FLOPS)}")
    return flops / (peak * mfu) / 3600


def measured(results: Path) -> pd.DataFrame:
    rows = []
    for summary_path in results.glob("runs/*/*/summary.json"):
        summary = json.loads(summary_path.read_text())
        rows.append({"study": summary["study"], "cell": summary["cell"], "measured_hours": summary["train_seconds"] / 3600,
                     "measured_tokens": summary["tokens"], "device": summary["device"], "mfu": summary.get("mfu")})
    return pd.DataFrame(rows, columns=["study", "cell", "measured_hours", "measured_tokens", "device", "mfu"])


def report(plan: pd.DataFrame, gpu: str, mfu: float, results: Path | None) -> pd.DataFrame:
    plan = plan.assign(gpu_hours=gpu_hours(plan["flops"], gpu, mfu))
    by_study = plan.groupby("study", sort=False).agg(
        cells=("cell", "size"), N_min=("N", "min"), N_max=("N", "max"), tokens=("tokens", "sum"),
        flops=("flops", "sum"), gpu_hours=("gpu_hours", "sum"), early_stopping=("early_stopping", "any"))
    if results is not None:
        done = plan.merge(measured(results), on=["study", "cell"], how="inner")
        if len(done):
            by_study = by_study.join(done.groupby("study").agg(runs_done=("cell", "size"),
                                                                estimated_hours_done=("gpu_hours", "sum"),
                                                                measured_hours=("measured_hours", "sum")))
    total = by_study.drop(columns=["N_min", "N_max", "early_stopping"]).sum().to_frame("total").T
    return pd.concat([by_study, total])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.plan", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", action="append", default=[],
                        help="config file(s) merged over config.yaml in order, as snakemake --configfile does")
    parser.add_argument("--gpu", default="h100", help=f"GPU to estimate for: {', '.join(PEAK_FLOPS)}")
    parser.add_argument("--mfu", type=float, default=DEFAULT_MFU, help="assumed model-FLOPs utilisation")
    parser.add_argument("--results", type=Path, help="a results/ directory: compare finished runs with the estimate")
    parser.add_argument("--cells", action="store_true", help="also list every cell")
    parser.add_argument("--packs", action="store_true", help="also list the training jobs (packs of cells)")
    args = parser.parse_args(argv)
    try:
        config = load(args.configfile)
        check_config(config, expand_studies(config))
        plan = plan_cells(config)
        packs = pack_table(config)  # the dry run plans them too, and refuses a config it cannot pack
    except (WorkflowError, ValueError, FileNotFoundError) as err:
        raise SystemExit(f"config error: {err}") from None
    pd.set_option("display.width", 200)
    pd.set_option("display.float_format", lambda v: f"{v:.3g}")
    if args.cells:
        print(plan.assign(gpu_hours=gpu_hours(plan["flops"], args.gpu, args.mfu)).to_string(index=False))
        print()
    if args.packs:
        print(packs.to_string(index=False))
        print()
    print(f"estimate on one {args.gpu.upper()} at MFU {args.mfu:.0%} (bf16 peak); early-stopping studies are upper bounds")
    print(report(plan, args.gpu, args.mfu, args.results).to_string())


if __name__ == "__main__":
    main()
