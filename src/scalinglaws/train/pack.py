"""Several cells in one training job: a pack.

Most cells of a study are tiny, and a tiny cell alone pays an interpreter, torch's import and the
token shards' checks for a few seconds of steps. A pack pays them once. Its cells train one after
another, each exactly as it would alone (its own seed, data order, dropout, schedule, early stopping,
noise-scale estimate, resume point and files), so a cell gives the same curves packed or alone. On a
GPU, cells of one shape train together as one batched model instead (``stacked``).

A pack that fails or is killed keeps its finished cells (``checkpoint.record_finished``) and resumes
its current one from its resume point, so a rerun trains only what is left.
"""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from scalinglaws.train.cell import Cell
from scalinglaws.train.checkpoint import clear_finished, record_finished, restore_finished
from scalinglaws.train.hardware import Hardware
from scalinglaws.train.loop import CHECKPOINT_SECONDS, FINAL_WINDOWS, CellRun, EvalSet, preemption_signals
from scalinglaws.train.stacked import Stack, stacks

RUN_FILES = ("metrics.parquet", "model.pt", "eval.parquet", "eval.json", "summary.json")


def run_files(cell: Cell) -> list[str]:
    """The files a cell's run directory holds when it has finished (tracked cells have one more)."""
    return [*RUN_FILES[:-1], *(["tracking.parquet"] if cell.track else []), RUN_FILES[-1]]


def process_age_seconds() -> float:
    """Seconds since this process started (interpreter and imports included); 0 where unknown."""
    try:
        with open("/proc/self/stat") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


ENGINES = ("auto", "sequential", "stacked")


def train_pack(cells: list[Cell], out_dirs: list[str | Path], train_tokens: np.ndarray, test_tokens: np.ndarray,
               vocab_size: int, *, name: str = "", device: str = "auto", engine: str = "auto", progress: bool = True,
               checkpoint_seconds: float = CHECKPOINT_SECONDS, eval_sets: dict[str, EvalSet] | None = None,
               final_windows: int = FINAL_WINDOWS, test_bytes_per_token: float = math.nan,
               startup_seconds: float = 0.0) -> list[dict]:
    """Train ``cells`` into ``out_dirs``; returns the summaries of the cells trained (not restored).

    ``engine``: ``sequential`` trains the cells one after another; ``stacked`` trains cells of one
    shape as one batched model (``stacked.Stack``) and the others one after another; ``auto`` is
    stacked on a GPU and sequential on the CPU, where batching measured slower than taking turns.
    ``eval_sets`` are the final evaluation's other sets (the test stream is always one), which
    tracked cells also follow during training. ``startup_seconds`` (the job's start-up) is shared
    equally by the cells in their wall-time accounts.
    """
    if len(cells) != len(out_dirs):
        raise ValueError(f"pack {name}: {len(cells)} cells but {len(out_dirs)} run directories")
    if len(cells) > 1 and any(c.processes > 1 for c in cells):
        raise ValueError(f"pack {name}: a data-parallel cell (processes > 1) trains alone, not in a pack")
    if engine not in ENGINES:
        raise ValueError(f"pack {name}: unknown engine {engine!r}; choose one of {ENGINES}")
    if engine == "auto":
        engine = "stacked" if Hardware.choose(device, "fp32").device.type == "cuda" else "sequential"
    eval_sets = eval_sets or {}
    groups = stacks(cells) if engine == "stacked" else [[i] for i in range(len(cells))]
    summaries = []

    def new_run(index: int) -> CellRun:
        cell = cells[index]
        return CellRun(cell, train_tokens, test_tokens, vocab_size, out_dirs[index], device=device, progress=progress,
                       checkpoint_seconds=checkpoint_seconds,
                       tracked_sets={k: s.tokens for k, s in eval_sets.items()} if cell.track else None,
                       final_sets=eval_sets, final_windows=final_windows, test_bytes_per_token=test_bytes_per_token,
                       startup_seconds=startup_seconds / len(cells),
                       pack={"name": name, "cells": len(cells), "index": index, "stacked": 1})

    with preemption_signals() as received:
        for group in groups:
            started = time.perf_counter()
            pending = []
            for index in group:
                if restore_finished(out_dirs[index], cells[index].fingerprint()):
                    print(f"pack {name}: {cells[index].cell_id} finished in an earlier attempt; its files are restored",
                          file=sys.stderr)
                else:
                    pending.append(index)
            if not pending:
                continue
            runs = [new_run(i) for i in pending]
            # a stack killed while it wrote its resume points has cells at two steps: each part resumes
            # on its own (stacked again when it is more than one cell)
            parts: dict[int, list[CellRun]] = {}
            for run in runs:
                parts.setdefault(run.state.step, []).append(run)
            for part in parts.values():
                for run in part:
                    run.pack["stacked"] = len(part)
                if len(part) > 1:
                    Stack(part).train(received)
                else:
                    part[0].train(received)
            for index, run in zip(pending, runs):
                summaries.append(run.finish())
                if len(cells) > 1:
                    record_finished(out_dirs[index], run_files(cells[index]), cells[index].fingerprint())
            print(f"pack {name}: {', '.join(cells[i].cell_id for i in pending)} in {time.perf_counter() - started:.1f} s "
                  f"({'stacked' if len(runs) > 1 else summaries[-1]['status']})", file=sys.stderr)
    for out_dir in out_dirs:
        clear_finished(out_dir)
    return summaries
