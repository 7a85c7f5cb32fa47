"""Eight tiny cells (N <= 2.5e4) as one pack against the same eight as separate training jobs.

Both sides run the real training command line (``python -m scalinglaws.train``) on the same token
shards, start-up included: eight processes with ``--cell-json`` one after another, against one
process with ``--cells-json``. The ratio is the separate jobs' wall time over the pack's, measured
in the same run (the two alternate for ``--repeats`` rounds); the curves of every cell are compared.

    .venv/bin/python benchmarks/pack_bench.py [--tokens 6e5] [--repeats 2] [--device cpu|cuda]

On a GPU (``--device cuda``) the pack stacks cells of one shape into one batched model (the
``auto`` engine), so the cells are four shapes with two seeds each; the curves then agree to
float rounding rather than bitwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

VOCAB = 512
SHAPES = [(2, 16), (2, 24), (2, 32), (3, 24)]  # N = 6.1e3 to 2.5e4 (12 n_layer d_model^2)


def write_shard(path: Path, tokens: np.ndarray, vocab: int = VOCAB) -> None:
    """A token shard and sidecar that ``open_shard`` accepts (the last id plays end-of-text)."""
    tokens = tokens.astype("<u2")
    tokens.tofile(path)
    meta = {"tokens": len(tokens), "documents": int((tokens == vocab - 1).sum()), "dtype": "uint16",
            "vocab_size": vocab, "eot_id": vocab - 1, "tokenizer_sha256": "bench", "input_sha256": "bench",
            "bytes": 2 * len(tokens), "bytes_per_token": 2.0, "sha256": hashlib.sha256(tokens.tobytes()).hexdigest()}
    path.with_suffix(".json").write_text(json.dumps(meta))


def learnable_stream(n: int, rng: np.random.Generator) -> np.ndarray:
    """Tokens with structure a small model can learn: a noisy arithmetic progression."""
    return (np.arange(n) * 7 + rng.integers(0, 5, n)) % VOCAB


def cells(tokens: float) -> list[dict]:
    return [{"study": "bench", "cell_id": f"L{n_layer}_d{d_model}_s{seed}", "n_layer": n_layer, "d_model": d_model,
             "n_head": max(1, d_model // 16), "n_ctx": 64, "batch_size": 32, "tokens": tokens, "seed": seed,
             "threads": 1, "lr": 5e-3}
            for n_layer, d_model in SHAPES for seed in (0, 1)]


def common_args(shards: dict[str, Path], device: str) -> list[str]:
    return ["--train-shard", str(shards["train"]), "--test-shard", str(shards["test"]),
            "--eval-shard", f"ood={shards['ood']}", "--device", device, "--no-progress"]


def separate(specs: list[dict], shards: dict[str, Path], out: Path, device: str) -> float:
    start = time.perf_counter()
    for spec in specs:
        subprocess.run([sys.executable, "-m", "scalinglaws.train", "--cell-json", json.dumps(spec),
                        "--out-dir", str(out / spec["study"] / spec["cell_id"]), *common_args(shards, device)],
                       check=True, capture_output=True)
    return time.perf_counter() - start


def packed(specs: list[dict], shards: dict[str, Path], out: Path, device: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scalinglaws.train", "--cells-json", json.dumps(specs), "--runs-dir", str(out),
                    "--pack", "bench.1", *common_args(shards, device)], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=float, default=6e5, help="training tokens per cell")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    specs = cells(args.tokens)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shards = {name: root / f"{name}.bin" for name in ("train", "test", "ood")}
        write_shard(shards["train"], learnable_stream(4_000_000, rng))
        write_shard(shards["test"], learnable_stream(200_000, rng))
        write_shard(shards["ood"], rng.integers(0, VOCAB, 200_000))
        times = {"separate": [], "packed": []}
        for r in range(args.repeats):  # alternate, so both see the same machine load
            times["separate"].append(separate(specs, shards, root / f"separate{r}", args.device))
            times["packed"].append(packed(specs, shards, root / f"packed{r}", args.device))
        worst = {}
        for spec in specs:
            a, b = (pd.read_parquet(root / f"{side}0/bench/{spec['cell_id']}/metrics.parquet") for side in ("separate", "packed"))
            worst[spec["cell_id"]] = float(np.nanmax(np.abs(a["test_loss"] - b["test_loss"]) / a["test_loss"]))
        summaries = [json.loads((root / f"packed0/bench/{s['cell_id']}/summary.json").read_text()) for s in specs]
    sep, pack = statistics.median(times["separate"]), statistics.median(times["packed"])
    steps = sum(s["train_seconds"] for s in summaries)
    print(f"{len(specs)} cells, N {min(12 * n * d * d for n, d in SHAPES):.1e} to {max(12 * n * d * d for n, d in SHAPES):.1e}, "
          f"{args.tokens:.0e} tokens each, device {args.device}, {args.repeats} rounds")
    print(f"separate processes: {sep:.1f} s   one pack: {pack:.1f} s   throughput ratio {sep / pack:.2f}x")
    print(f"pack: optimiser steps {steps:.1f} s = {steps / pack:.1%} of its wall time; "
          f"engine {'stacked' if summaries[0]['pack']['stacked'] > 1 else 'sequential'}")
    print(f"largest relative difference of a test loss, packed vs alone: {max(worst.values()):.1e}")


if __name__ == "__main__":
    main()
