"""CPU training throughput of our loop as a ratio to a minimal PyTorch loop, measured in the same run.

Both train the same model on the same batches for the same number of steps: the minimal loop is
forward, cross-entropy, backward, AdamW step, nothing else; ours is ``train_cell`` with everything
it does per step (schedule, gradient clipping, loss bookkeeping, resume-point checks, progress).
Ours counts only its training steps (its evaluations are excluded), so the ratio is the cost of the
loop itself; both leave out the first WARM_STEPS steps (warm-up). The two alternate for ``--repeats`` rounds on the same cores.

    .venv/bin/python benchmarks/train_bench.py [--threads 2] [--steps 150]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

from scalinglaws.train.cell import Cell, build_model
from scalinglaws.train.data import EpochBatches
from scalinglaws.train.loop import WARM_STEPS, train_cell

SHAPES = {"small": (2, 64), "medium": (4, 128), "large": (6, 256)}
VOCAB, N_CTX, BATCH = 512, 64, 32


def minimal_loop(cell: Cell, tokens: np.ndarray, steps: int) -> float:
    """Tokens per second of the plainest correct training loop on the same model and batches."""
    torch.manual_seed(cell.seed)
    model = build_model(cell, VOCAB)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cell.lr, betas=cell.betas, weight_decay=0.0)
    batches = EpochBatches(tokens, cell.n_ctx, cell.batch_size, cell.seed)
    model.train()
    for step in range(steps):
        if step == WARM_STEPS:  # time steady state only, as train_cell does
            start = time.perf_counter()
        x, y = batches.batch(step)
        logits = model(x)
        loss = F.cross_entropy(logits.flatten(0, 1), y.flatten())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss.item()
    return (steps - WARM_STEPS) * cell.batch_size * cell.n_ctx / (time.perf_counter() - start)


def our_loop(cell: Cell, tokens: np.ndarray, test: np.ndarray) -> float:
    with tempfile.TemporaryDirectory() as out:
        return train_cell(cell, tokens, test, VOCAB, out, progress=False)["tokens_per_second"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, VOCAB, 2_000_000).astype(np.uint16)
    test = rng.integers(0, VOCAB, 50_000).astype(np.uint16)
    print(f"torch {torch.__version__}, {args.threads} threads, batch {BATCH} x {N_CTX} tokens, {args.steps} steps")
    print(f"{'shape':>8} {'N':>9} {'minimal tok/s':>14} {'ours tok/s':>11} {'ratio':>6}")
    for name in args.shapes:
        n_layer, d_model = SHAPES[name]
        cell = Cell(study="bench", cell_id=name, n_layer=n_layer, d_model=d_model, n_head=d_model // 32, n_ctx=N_CTX,
                    batch_size=BATCH, tokens=args.steps * BATCH * N_CTX, threads=args.threads, eval_per_octave=0,
                    eval_points=0, eval_windows=8, warmup_fraction=0.05)
        minimal, ours = [], []
        for _ in range(args.repeats):  # alternate, so both see the same machine load
            minimal.append(minimal_loop(cell, tokens, args.steps))
            ours.append(our_loop(cell, tokens, test))
        m, o = statistics.median(minimal), statistics.median(ours)
        print(f"{name:>8} {12 * n_layer * d_model**2:>9} {m:>14,.0f} {o:>11,.0f} {o / m:>6.3f}")


if __name__ == "__main__":
    main()
