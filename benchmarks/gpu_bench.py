"""GPU checks that only a GPU can answer, on random tokens (no corpus needed):

1. MFU of a 12-layer, 768-wide, n_ctx 1024 cell in bf16 (compiled), against the device's peak
   from ``scalinglaws.train.hardware``;
2. eight tiny cells of one shape (eight seeds) as one pack stacked into one batched model, as a
   throughput ratio to the same eight trained one after another in one process (the sequential
   engine), measured in the same run; their curves are compared.

    python benchmarks/gpu_bench.py [--steps 60] [--tiny-steps 300] [--json results.json]

``--smoke`` runs the same code on the CPU at toy sizes (seconds), so the script itself is tested
without a GPU (tests/test_benchmarks.py); its numbers mean nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pack_bench import write_shard  # noqa: E402  (a shard with its sidecar, from the sibling benchmark)


def train(cells: list[dict], shards: dict[str, Path], out: Path, device: str, engine: str) -> tuple[float, list[dict]]:
    """Wall seconds and summaries of one training job (one pack) over ``cells``."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "scalinglaws.train", "--cells-json", json.dumps(cells),
                           "--runs-dir", str(out), "--pack", "bench", "--train-shard", str(shards["train"]),
                           "--test-shard", str(shards["test"]), "--final-windows", "16", "--device", device,
                           "--engine", engine, "--no-progress"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"training {[c['cell_id'] for c in cells]} ({engine}) failed (exit {proc.returncode}):\n"
                         f"{proc.stderr[-3000:]}")
    return seconds, [json.loads((out / c["study"] / c["cell_id"] / "summary.json").read_text()) for c in cells]


def shards_of(root: Path, vocab: int, train_tokens: int, test_tokens: int, rng: np.random.Generator) -> dict[str, Path]:
    paths = {"train": root / f"train_{vocab}.bin", "test": root / f"test_{vocab}.bin"}
    write_shard(paths["train"], rng.integers(0, vocab - 1, train_tokens), vocab)
    write_shard(paths["test"], rng.integers(0, vocab - 1, test_tokens), vocab)
    return paths


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60, help="steps of the 12 x 768 cell")
    parser.add_argument("--tiny-steps", type=int, default=300, help="steps of each tiny cell")
    parser.add_argument("--smoke", action="store_true", help="toy sizes on the CPU: tests the script, not a GPU")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not args.smoke and not torch.cuda.is_available():
        raise SystemExit("no CUDA device: this benchmark measures GPU behaviour only (--smoke tests the script on CPU)")
    rng = np.random.default_rng(0)
    device = "cpu" if args.smoke else "cuda"
    if args.smoke:
        vocab, n_layer, d_model, n_head, n_ctx, batch, steps, n_tiny, tiny_steps = 512, 2, 64, 4, 128, 4, 6, 2, 8
    else:
        vocab, n_layer, d_model, n_head, n_ctx, batch = 50257, 12, 768, 12, 1024, 32
        steps, n_tiny, tiny_steps = args.steps, 8, args.tiny_steps
    no_evals = dict(eval_per_octave=0, eval_points=0, eval_windows=8)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        big_shards = shards_of(root, vocab, max(2_000_000, 2 * steps * batch * n_ctx), 400_000, rng)
        big = dict(study="bench", cell_id="big", n_layer=n_layer, d_model=d_model, n_head=n_head, n_ctx=n_ctx,
                   batch_size=batch, tokens=steps * batch * n_ctx, warmup_fraction=0.05,
                   compile="false" if args.smoke else "true", **no_evals)
        _, (result,) = train([big], big_shards, root / "big", device, "sequential")
        mfu = result["mfu"]
        print(f"{n_layer} x {d_model}, n_ctx {n_ctx}, {result['precision']}{'' if args.smoke else ' compiled'} on "
              f"{result['device']}: {result['tokens_per_second']:,.0f} tokens/s, MFU "
              f"{'n/a (no peak for this device)' if mfu is None else f'{mfu:.1%}'} (matmul FLOPs incl. attention and "
              "head, over the dense peak; warm-up steps left out)")

        tiny_shards = shards_of(root, 512, 4_000_000, 100_000, rng)
        tiny = [dict(study="bench", cell_id=f"tiny{i}", n_layer=2, d_model=64, n_head=4, n_ctx=64, batch_size=32,
                     tokens=tiny_steps * 32 * 64, seed=i, compile="false", threads=1, **no_evals) for i in range(n_tiny)]
        serial, _ = train(tiny, tiny_shards, root / "serial", device, "sequential")
        packed, summaries = train(tiny, tiny_shards, root / "stacked", device, "stacked")
        worst = max(float(np.nanmax(np.abs(a["train_loss"] - b["train_loss"]) / a["train_loss"]))
                    for a, b in ((pd.read_parquet(root / side / "bench" / c["cell_id"] / "metrics.parquet")
                                  for side in ("serial", "stacked")) for c in tiny))
    print(f"{n_tiny} tiny cells of one shape: one after another {serial:.1f} s, stacked in one batched model "
          f"{packed:.1f} s, throughput ratio {serial / packed:.2f}x; largest relative train-loss difference {worst:.1e}")
    figures = {"device": result["device"], "precision": result["precision"], "tokens_per_second": result["tokens_per_second"],
               "mfu": mfu, "tiny_cells": n_tiny, "serial_seconds": serial, "packed_seconds": packed,
               "packing_ratio": serial / packed, "stacked": summaries[0]["pack"]["stacked"],
               "largest_relative_difference": worst, "smoke": args.smoke}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return figures


if __name__ == "__main__":
    main()
