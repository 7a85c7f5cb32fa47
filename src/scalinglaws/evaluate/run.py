"""Loss of one trained run on several token streams, per context position, in nats and bits per byte.

A training job evaluates its cells on the test split and the configured out-of-distribution sets
itself, while the model is in memory; this re-evaluates a finished run on sets added later.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from scalinglaws.io import atomic_path, read_json, write_json
from scalinglaws.tokenize.shards import TokenShard
from scalinglaws.train.cell import Cell, build_model
from scalinglaws.train.evaluator import WindowSet, eval_batch_windows, evaluation_rows
from scalinglaws.train.hardware import Hardware


def load_run(run_dir: str | Path, vocab_size: int, device: torch.device) -> tuple[torch.nn.Module, Cell]:
    """The trained model of a run directory (weights loaded with weights_only=True)."""
    run_dir = Path(run_dir)
    cell = Cell.from_dict(read_json(run_dir / "summary.json")["config"])
    model = build_model(cell, vocab_size)
    model.load_state_dict(torch.load(run_dir / "model.pt", map_location="cpu", weights_only=True))
    return model.to(device).eval(), cell


def evaluate_run(run_dir: str | Path, shards: dict[str, TokenShard], out_parquet: str | Path, out_json: str | Path,
                 windows: int = 1024, device: str = "auto") -> dict:
    """Write per-position losses (``set, position, loss, loss_se``) and per-set means to the two outputs."""
    vocab_sizes = {int(s.meta["vocab_size"]) for s in shards.values()}
    tokenizers = {s.meta["tokenizer_sha256"] for s in shards.values()}
    if len(vocab_sizes) != 1 or len(tokenizers) != 1:
        raise ValueError(f"the shards of {run_dir} were not all encoded with one tokenizer: {sorted(shards)}")
    vocab_size = vocab_sizes.pop()
    cell = Cell.from_dict(read_json(Path(run_dir) / "summary.json")["config"])
    hw = Hardware.choose(device, cell.precision)
    if hw.device.type == "cpu":
        torch.set_num_threads(cell.threads)
    model, cell = load_run(run_dir, vocab_size, hw.device)
    batch = eval_batch_windows(cell.n_ctx, vocab_size, hw.device)
    estimates = {name: WindowSet(shard.tokens, cell.n_ctx, windows).estimate(model, hw, batch)
                 for name, shard in shards.items()}
    rows, means = evaluation_rows(estimates, {name: shard.meta["bytes_per_token"] for name, shard in shards.items()})
    with atomic_path(out_parquet) as tmp:
        pd.DataFrame(rows).to_parquet(tmp, index=False)
    write_json(out_json, {"cell": cell.cell_id, "study": cell.study, "sets": means})
    return means
