"""Command line of the training job: one cell in, one run directory out."""

from __future__ import annotations

import argparse
import json
import os
import sys

from scalinglaws.tokenize.shards import open_shard
from scalinglaws.train.cell import Cell
from scalinglaws.train.loop import CHECKPOINT_SECONDS, Preempted, train_cell


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.train", description=__doc__)
    parser.add_argument("--cell-json", required=True, help="the cell's settings as JSON (made by scalinglaws.studies)")
    parser.add_argument("--train-shard", required=True, help="training token shard (.bin with its .json sidecar)")
    parser.add_argument("--test-shard", required=True, help="test token shard")
    parser.add_argument("--track-shard", action="append", default=[], metavar="NAME=PATH",
                        help="for a tracked cell: an out-of-distribution shard evaluated at every evaluation step")
    parser.add_argument("--out-dir", required=True, help="run directory: metrics.parquet, summary.json, model.pt")
    parser.add_argument("--device", default="auto", help="auto (cuda if available), cpu, cuda, cuda:1 ...")
    parser.add_argument("--checkpoint-seconds", type=float, default=CHECKPOINT_SECONDS,
                        help="write a resume point at least this often (a preemption signal always writes one)")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    cell = Cell.from_dict(json.loads(args.cell_json))
    if cell.processes > 1 and "WORLD_SIZE" not in os.environ:
        # data parallel: start again under torchrun, one process per GPU (or per CPU share with gloo)
        os.execv(sys.executable, [sys.executable, "-m", "torch.distributed.run", "--standalone",
                                  f"--nproc_per_node={cell.processes}", "-m", "scalinglaws.train",
                                  *(argv if argv is not None else sys.argv[1:])])
    train, test = open_shard(args.train_shard), open_shard(args.test_shard)
    if train.meta["tokenizer_sha256"] != test.meta["tokenizer_sha256"]:
        raise SystemExit(f"{args.train_shard} and {args.test_shard} were encoded with different tokenizers")
    tracked = {}
    for item in args.track_shard:
        name, sep, path = item.partition("=")
        if not sep:
            parser.error(f"--track-shard {item!r} is not NAME=PATH")
        tracked[name] = open_shard(path).tokens
    try:
        summary = train_cell(cell, train.tokens, test.tokens, int(train.meta["vocab_size"]), args.out_dir,
                             device=args.device, progress=not args.no_progress,
                             checkpoint_seconds=args.checkpoint_seconds, tracked_sets=tracked)
    except Preempted as stop:
        print(f"preempted: {stop}; rerun the same command to resume", file=sys.stderr)
        raise SystemExit(128 + stop.signum)
    print(json.dumps({k: summary[k] for k in ("cell", "status", "steps", "best_test_loss", "tokens_per_second")}))
