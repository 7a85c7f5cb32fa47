"""GPU checks that only a GPU can answer, on random tokens (no corpus needed):

1. MFU of a 12-layer, 768-wide, n_ctx 1024 cell in bf16 (compiled), against the device's peak
   from ``scalinglaws.train.hardware``;
2. eight tiny cells packed on one GPU (concurrent processes, SCALINGLAWS_CELLS_PER_GPU=8) as a
   throughput ratio to the same eight run one after another, measured in the same run.

    python benchmarks/gpu_bench.py [--steps 60] [--tiny-steps 300] [--json results.json]

``--smoke`` runs the same code on the CPU at toy sizes (seconds), so the script itself is tested
without a GPU (tests/test_benchmarks.py); its numbers mean nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

RUNNER = """
import json, sys, numpy as np
from scalinglaws.train.cell import Cell
from scalinglaws.train.loop import train_cell
data = np.load(sys.argv[1])
s = train_cell(Cell.from_dict(json.loads(sys.argv[2])), data["train"], data["test"], int(sys.argv[4]), sys.argv[3],
               device=sys.argv[5], progress=False)
print(json.dumps({k: s[k] for k in ("tokens_per_second", "mfu", "device", "precision", "train_seconds", "tokens")}))
"""


def run_cells(cells: list[dict], data: str, vocab: int, device: str, concurrent: bool,
              env: dict) -> tuple[float, list[dict]]:
    """Wall seconds and summaries of training ``cells`` in subprocesses, together or in turn."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        procs, results = [], []
        for i, cell in enumerate(cells):
            args = [sys.executable, "-c", RUNNER, data, json.dumps(cell), f"{out}/{i}", str(vocab), device]
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            if concurrent:
                procs.append(proc)
            else:
                results.append(_result(proc, cell))
        results += [_result(p, c) for p, c in zip(procs, cells)]
        return time.perf_counter() - start, results


def _result(proc: subprocess.Popen, cell: dict) -> dict:
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"cell {cell['cell_id']} failed (exit {proc.returncode}):\n{stderr[-3000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def token_file(vocab: int, train_tokens: int, test_tokens: int, rng: np.random.Generator) -> str:
    path = os.path.join(tempfile.mkdtemp(), f"tokens_{vocab}.npz")
    np.savez(path, train=rng.integers(0, vocab, train_tokens).astype(np.uint16),
             test=rng.integers(0, vocab, test_tokens).astype(np.uint16))
    return path


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
    env = dict(os.environ)
    device = "cpu" if args.smoke else "auto"
    if args.smoke:
        vocab, n_layer, d_model, n_head, n_ctx, batch, steps, n_tiny, tiny_steps = 512, 2, 64, 4, 128, 4, 6, 2, 8
    else:
        vocab, n_layer, d_model, n_head, n_ctx, batch = 50257, 12, 768, 12, 1024, 32
        steps, n_tiny, tiny_steps = args.steps, 8, args.tiny_steps

    big_data = token_file(vocab, max(2_000_000, 2 * steps * batch * n_ctx), 400_000, rng)
    big = dict(study="bench", cell_id="big", n_layer=n_layer, d_model=d_model, n_head=n_head, n_ctx=n_ctx,
               batch_size=batch, tokens=steps * batch * n_ctx, eval_per_octave=0, eval_points=0, eval_windows=8,
               warmup_fraction=0.05, compile="false" if args.smoke else "true")
    _, (result,) = run_cells([big], big_data, vocab, device, False, env)
    mfu = result["mfu"]
    print(f"{n_layer} x {d_model}, n_ctx {n_ctx}, {result['precision']}{'' if args.smoke else ' compiled'} on "
          f"{result['device']}: {result['tokens_per_second']:,.0f} tokens/s, MFU "
          f"{'n/a (no peak for this device)' if mfu is None else f'{mfu:.1%}'} (matmul FLOPs incl. attention and "
          "head, over the dense peak; warm-up steps left out)")

    small_vocab = 512
    small_data = token_file(small_vocab, 4_000_000, 100_000, rng)
    tiny = [dict(study="bench", cell_id=f"tiny{i}", n_layer=2, d_model=64 + 16 * i, n_head=4, n_ctx=64, batch_size=32,
                 tokens=tiny_steps * 32 * 64, eval_per_octave=0, eval_points=0, eval_windows=8, compile="false", threads=1)
            for i in range(n_tiny)]
    serial, _ = run_cells(tiny, small_data, small_vocab, device, False, env)
    packed, _ = run_cells(tiny, small_data, small_vocab, device, True, env | {"SCALINGLAWS_CELLS_PER_GPU": str(n_tiny)})
    print(f"{n_tiny} tiny cells: one after another {serial:.1f} s, packed on one device {packed:.1f} s, "
          f"throughput ratio {serial / packed:.2f}x")
    figures = {"device": result["device"], "precision": result["precision"], "tokens_per_second": result["tokens_per_second"],
               "mfu": mfu, "tiny_cells": n_tiny, "serial_seconds": serial, "packed_seconds": packed,
               "packing_ratio": serial / packed, "smoke": args.smoke}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return figures


if __name__ == "__main__":
    main()
