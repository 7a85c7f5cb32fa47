"""Loss of one trained run on several token streams, per context position, in nats and bits per byte."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import torch

from scalinglaws.io import atomic_path, read_json, write_json
from scalinglaws.tokenize.shards import TokenShard
from scalinglaws.train.cell import Cell, build_model
from scalinglaws.train.data import eval_windows
from scalinglaws.train.hardware import autocast_for, pick_device
from scalinglaws.train.loop import evaluate_loss


def load_run(run_dir: str | Path, vocab_size: int, device: torch.device) -> tuple[torch.nn.Module, Cell]:
    """The trained model of a run directory (weights loaded with weights_only=True)."""
    run_dir = Path(run_dir)
    cell = Cell.from_dict(read_json(run_dir / "summary.json")["config"])
    model = build_model(cell, vocab_size)
    model.load_state_dict(torch.load(run_dir / "model.pt", map_location="cpu", weights_only=True))
    return model.to(device).eval(), cell


def evaluate_run(run_dir: str | Path, shards: dict[str, TokenShard], out_parquet: str | Path, out_json: str | Path,
                 windows: int = 256, device: str = "auto") -> dict:
    """Write per-position losses (``set, position, loss``) and per-set means to the two outputs."""
    dev = pick_device(device)
    vocab_sizes = {int(s.meta["vocab_size"]) for s in shards.values()}
    tokenizers = {s.meta["tokenizer_sha256"] for s in shards.values()}
    if len(vocab_sizes) != 1 or len(tokenizers) != 1:
        raise ValueError(f"the shards of {run_dir} were not all encoded with one tokenizer: {sorted(shards)}")
    model, cell = load_run(run_dir, vocab_sizes.pop(), dev)
    if dev.type == "cpu":
        torch.set_num_threads(cell.threads)
    rows, means = [], {}
    for name, shard in shards.items():
        ids = eval_windows(len(shard.tokens), cell.n_ctx, windows)
        per_position = evaluate_loss(model, shard.tokens, ids, cell.n_ctx, cell.batch_size, dev, autocast_for(dev, cell.precision))
        loss = float(per_position.mean())
        means[name] = {"loss": loss, "bits_per_byte": loss / math.log(2) / shard.meta["bytes_per_token"],
                       "windows": len(ids), "tokens": len(ids) * cell.n_ctx}
        rows += [{"set": name, "position": i + 1, "loss": float(v)} for i, v in enumerate(per_position)]
    with atomic_path(out_parquet) as tmp:
        pd.DataFrame(rows).to_parquet(tmp, index=False)
    write_json(out_json, {"cell": cell.cell_id, "study": cell.study, "sets": means})
    return means
