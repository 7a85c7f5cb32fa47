"""Command line of the training job: one cell, or a pack of cells, in; their run directories out.

    python -m scalinglaws.train --cell-json '{...}' --out-dir results/runs/size/L2_d16 ...
    python -m scalinglaws.train --cells-json '[{...}, {...}]' --runs-dir results/runs --pack size-1 ...

Each cell's run directory is ``<runs-dir>/<study>/<cell_id>`` in a pack. After its last step a
cell is evaluated on the test shard and on every ``--eval-shard`` (per position, in
``eval.parquet`` / ``eval.json``); a tracked cell also follows those sets during training.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

from scalinglaws.io import name_equals_value, read_json
from scalinglaws.tokenize.shards import open_shard
from scalinglaws.train.cell import Cell, planned_accounting
from scalinglaws.train.loop import CHECKPOINT_SECONDS, FINAL_WINDOWS, EvalSet, Preempted
from scalinglaws.train.pack import ENGINES, process_age_seconds, train_pack
from scalinglaws.train.schedule import tuned_lr


def resolve_tuned_lr(cells: list[Cell], rule_path: str | None) -> list[Cell]:
    """Cells with lr "tuned" get the fitted rule's LR at their non-embedding N (the rule file named in
    their ``extra``), so the resume fingerprint and the summary hold the LR they train with."""
    if not any(c.lr == "tuned" for c in cells):
        return cells
    if rule_path is None:
        raise SystemExit("cells with lr 'tuned' need --lr-rule (the fitted rule of an lr_scan study): "
                         + ", ".join(c.cell_id for c in cells if c.lr == "tuned"))
    rule = read_json(rule_path)
    resolved = []
    for cell in cells:
        if cell.lr == "tuned":
            N = planned_accounting(cell, vocab_size=2)["N"]
            cell = dataclasses.replace(cell, lr=tuned_lr(rule, N), extra={**cell.extra, "lr_rule": str(rule_path)})
        resolved.append(cell)
    return resolved


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--cell-json", help="one cell's settings as JSON (made by scalinglaws.studies); with --out-dir")
    which.add_argument("--cells-json", help="a pack: a JSON list of cells trained one after another; with --runs-dir")
    parser.add_argument("--out-dir", help="run directory of the one cell")
    parser.add_argument("--runs-dir", help="a pack's cells go to <runs-dir>/<study>/<cell_id>")
    parser.add_argument("--pack", default="", help="the pack's name, for logs and summaries")
    parser.add_argument("--train-shard", required=True, help="training token shard (.bin with its .json sidecar)")
    parser.add_argument("--test-shard", required=True, help="test token shard")
    parser.add_argument("--eval-shard", action="append", default=[], type=name_equals_value, metavar="NAME=PATH",
                        help="another set of the final evaluation (tracked cells follow it during training)")
    parser.add_argument("--final-windows", type=int, default=FINAL_WINDOWS,
                        help="windows of n_ctx tokens per set in the final evaluation")
    parser.add_argument("--lr-rule", help="the fitted LR rule (scalinglaws.fit.lr_rule) for cells with lr 'tuned'")
    parser.add_argument("--device", default="auto", help="auto (cuda if available), cpu, cuda, cuda:1 ...")
    parser.add_argument("--engine", choices=ENGINES, default="auto",
                        help="a pack's cells one after another (sequential), those of one shape as one batched model "
                             "(stacked), or stacked on a GPU and sequential on the CPU (auto)")
    parser.add_argument("--checkpoint-seconds", type=float, default=CHECKPOINT_SECONDS,
                        help="write a resume point at least this often (a preemption signal always writes one)")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if args.cell_json is not None:
        if not args.out_dir:
            parser.error("--cell-json needs --out-dir")
        cells, out_dirs = [Cell.from_dict(json.loads(args.cell_json))], [Path(args.out_dir)]
    else:
        if not args.runs_dir:
            parser.error("--cells-json needs --runs-dir")
        cells = [Cell.from_dict(c) for c in json.loads(args.cells_json)]
        out_dirs = [Path(args.runs_dir) / c.study / c.cell_id for c in cells]
    cells = resolve_tuned_lr(cells, args.lr_rule)
    if len(cells) == 1 and cells[0].processes > 1 and "WORLD_SIZE" not in os.environ:
        # data parallel: start again under torchrun, one process per GPU (or per CPU share with gloo)
        os.execv(sys.executable, [sys.executable, "-m", "torch.distributed.run", "--standalone",
                                  f"--nproc_per_node={cells[0].processes}", "-m", "scalinglaws.train",
                                  *(argv if argv is not None else sys.argv[1:])])
    train, test = open_shard(args.train_shard), open_shard(args.test_shard)
    eval_sets = {}
    for name, path in args.eval_shard:
        shard = open_shard(path)
        if shard.meta["tokenizer_sha256"] != train.meta["tokenizer_sha256"]:
            raise SystemExit(f"{path} and {args.train_shard} were encoded with different tokenizers")
        eval_sets[name] = EvalSet(shard.tokens, shard.meta["bytes_per_token"])
    if train.meta["tokenizer_sha256"] != test.meta["tokenizer_sha256"]:
        raise SystemExit(f"{args.train_shard} and {args.test_shard} were encoded with different tokenizers")
    try:
        summaries = train_pack(cells, out_dirs, train.tokens, test.tokens, int(train.meta["vocab_size"]),
                               name=args.pack, device=args.device, engine=args.engine, progress=not args.no_progress,
                               checkpoint_seconds=args.checkpoint_seconds, final_windows=args.final_windows,
                               eval_sets=eval_sets, test_bytes_per_token=test.meta["bytes_per_token"],
                               startup_seconds=process_age_seconds())
    except Preempted as stop:
        print(f"preempted: {stop}; rerun the same command to resume", file=sys.stderr)
        raise SystemExit(128 + stop.signum)
    for summary in summaries:
        print(json.dumps({k: summary[k] for k in ("cell", "status", "steps", "best_test_loss", "tokens_per_second")}))
