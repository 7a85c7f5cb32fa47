"""GPU checks that only a GPU can answer, on random tokens (no corpus needed):

1. MFU of a 12-layer, 768-wide, n_ctx 1024 cell in bf16 (compiled), against the device's peak
   from ``scalinglaws.train.hardware``;
2. eight tiny cells packed on one GPU (concurrent processes, SCALINGLAWS_CELLS_PER_GPU=8) as a
   throughput ratio to the same eight run one after another, measured in the same run.

    python benchmarks/gpu_bench.py [--steps 60] [--tiny-steps 300]
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
               progress=False)
print(json.dumps({k: s[k] for k in ("tokens_per_second", "mfu", "device", "train_seconds", "tokens")}))
"""


def run_cells(cells: list[dict], data: str, vocab: int, concurrent: bool, env: dict) -> tuple[float, list[dict]]:
    """Wall seconds and summaries of training ``cells`` in subprocesses, together or in turn."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        procs, results = [], []
        for i, cell in enumerate(cells):
            args = [sys.executable, "-c", RUNNER, data, json.dumps(cell), f"{out}/{i}", str(vocab)]
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)
            if concurrent:
                procs.append(proc)
            else:
                results.append(json.loads(proc.communicate()[0].strip().splitlines()[-1]))
        results += [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
        return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--tiny-steps", type=int, default=300)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device: this benchmark measures GPU behaviour only")
    vocab = 50257
    rng = np.random.default_rng(0)
    data = os.path.join(tempfile.mkdtemp(), "tokens.npz")
    np.savez(data, train=rng.integers(0, vocab, 40_000_000).astype(np.uint16),
             test=rng.integers(0, vocab, 400_000).astype(np.uint16))
    env = dict(os.environ)

    big = dict(study="bench", cell_id="gpt2_small", n_layer=12, d_model=768, n_head=12, n_ctx=1024, batch_size=32,
               tokens=args.steps * 32 * 1024, eval_every=10**9, eval_batches=1, warmup_fraction=0.05, compile="true")
    _, (result,) = run_cells([big], data, vocab, False, env)
    print(f"12 x 768, n_ctx 1024, bf16 compiled on {result['device']}: {result['tokens_per_second']:,.0f} tokens/s, "
          f"MFU {result['mfu']:.1%} (matmul FLOPs incl. attention and head, over the bf16 dense peak; warm-up steps left out)")

    tiny = [dict(study="bench", cell_id=f"tiny{i}", n_layer=2, d_model=64 + 16 * i, n_head=4, n_ctx=64, batch_size=32,
                 tokens=args.tiny_steps * 32 * 64, eval_every=10**9, eval_batches=1, compile="false") for i in range(8)]
    vocab_small = 512
    small = os.path.join(tempfile.mkdtemp(), "small.npz")
    np.savez(small, train=rng.integers(0, vocab_small, 4_000_000).astype(np.uint16),
             test=rng.integers(0, vocab_small, 100_000).astype(np.uint16))
    serial, _ = run_cells(tiny, small, vocab_small, False, env)
    packed, _ = run_cells(tiny, small, vocab_small, True, env | {"SCALINGLAWS_CELLS_PER_GPU": "8"})
    print(f"8 tiny cells: one after another {serial:.1f} s, packed on one GPU {packed:.1f} s, "
          f"throughput ratio {serial / packed:.2f}x")


if __name__ == "__main__":
    main()
