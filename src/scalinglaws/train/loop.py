"""Train one cell: the loop, its evaluations, checkpoints and the files it leaves behind.

A cell directory ends up with
  metrics.parquet  one row per optimiser step (and step 0): tokens, FLOPs under each convention,
                   learning rate, train loss, and test loss (with its standard error) at the
                   evaluation steps (``schedule.eval_steps``);
  summary.json     the cell, the model's accounting, final / best / early-stopped results, status,
                   and where the run's wall time went (``seconds``, see ``state.ACTIVITIES``);
  model.pt         the weights to evaluate (the best ones when early stopping is on);
  eval.parquet, eval.json   the final evaluation on the test split and every other set given,
                   per position, with standard errors (``evaluator.evaluation_rows``);
  tracking.parquet for a tracked cell: per-position and out-of-distribution losses during training.
While it runs, resume.pt holds everything needed to continue exactly where it stopped. SIGTERM or
SIGUSR1 (a scheduler's preemption warning) saves it and exits, so a requeued job resumes.
"""

from __future__ import annotations

import copy
import math
import signal
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from scalinglaws.io import atomic_path, write_json
from scalinglaws.train.cell import Cell, build_model, model_accounting
from scalinglaws.train.checkpoint import Checkpointer
from scalinglaws.train.data import EpochBatches
from scalinglaws.train.distributed import Ranks
from scalinglaws.train.evaluator import LossEstimate, WindowSet, eval_batch_windows, evaluation_rows
from scalinglaws.train.hardware import Hardware
from scalinglaws.train.model import token_losses
from scalinglaws.train.noise import NoiseScale, two_half_backward
from scalinglaws.train.schedule import eval_steps, lr_at
from scalinglaws.train.state import TrainState

PREEMPT_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)
WARM_STEPS = 3  # steps left out of the throughput (compilation, allocator warm-up)
CHECKPOINT_SECONDS = 120.0  # default: a resume point at least this often, so a kill loses little
FINAL_WINDOWS = 1024  # default windows per set of the final evaluation


class Preempted(Exception):
    """Raised inside the loop when a preemption signal arrived; the state is saved first."""

    def __init__(self, signum: int, message: str):
        super().__init__(message)
        self.signum = signum


@dataclass(frozen=True)
class EvalSet:
    """A token stream to evaluate on, with its bytes per token (for bits per byte)."""

    tokens: np.ndarray
    bytes_per_token: float = math.nan


@contextmanager
def preemption_signals():
    """Collect SIGTERM / SIGUSR1 in a list for the loop to act on between steps."""
    received: list[int] = []
    handlers = {s: signal.signal(s, lambda signum, _frame: received.append(signum)) for s in PREEMPT_SIGNALS}
    try:
        yield received
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)


def _optimizer(model, cell: Cell, device: torch.device) -> torch.optim.Optimizer:
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cell.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    if cell.optimizer == "adafactor":
        return torch.optim.Adafactor(groups, lr=cell.lr)
    fused = device.type == "cuda"
    return torch.optim.AdamW(groups, lr=cell.lr, betas=tuple(cell.betas), fused=fused)


class CellRun:
    """One cell, from a fresh start or its resume point to its files (``train``, then ``finish``)."""

    def __init__(self, cell: Cell, train_tokens: np.ndarray, test_tokens: np.ndarray, vocab_size: int,
                 out_dir: str | Path, *, device: str = "auto", progress: bool = True,
                 checkpoint_seconds: float = CHECKPOINT_SECONDS, tracked_sets: dict[str, np.ndarray] | None = None,
                 final_sets: dict[str, EvalSet] | None = None, final_windows: int = FINAL_WINDOWS,
                 test_bytes_per_token: float = math.nan, startup_seconds: float = 0.0, pack: dict | None = None):
        setup_start = time.perf_counter()
        self.cell, self.vocab_size, self.progress, self.pack = cell, vocab_size, progress, pack
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.ranks = Ranks.from_env()
        if self.ranks.world > 1:
            if cell.batch_size % self.ranks.world or cell.noise_scale_every:
                raise ValueError(f"cell {cell.cell_id}: data parallelism over {self.ranks.world} processes needs a "
                                 "batch_size divisible by it and no noise_scale_every")
            device = f"cuda:{self.ranks.local_rank}" if torch.cuda.is_available() else "cpu"
        self.hw = hw = Hardware.choose(device, cell.precision)
        if hw.device.type == "cpu":
            torch.set_num_threads(cell.threads)
        else:
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        torch.manual_seed(cell.seed)
        self.model = build_model(cell, vocab_size).to(hw.device)
        self.accounting = model_accounting(cell, self.model)
        self.peak_lr = cell.resolved_lr(self.accounting["N"])
        self.batches = EpochBatches(train_tokens, cell.n_ctx, cell.batch_size, cell.seed,
                                    cell.usable_tokens(len(train_tokens)))
        self.total_steps = cell.total_steps()
        self.horizon = cell.horizon()  # the schedule's length; longer than the run under a fixed horizon
        self.warmup = cell.warmup(self.horizon)
        self.to_eval = set(eval_steps(self.total_steps, cell.eval_per_octave, cell.eval_points, cell.eval_every))
        self.optimizer = _optimizer(self.model, cell, hw.device)
        compiled = torch.compile(self.model) if cell.wants_compile(hw.device, self.accounting["N"]) else self.model
        self.step_model = self.ranks.wrap(compiled, hw.device)
        self.tokens_per_step = cell.batch_size * cell.n_ctx
        self.eval_batch = eval_batch_windows(cell.n_ctx, vocab_size, hw.device)
        self.test = WindowSet(test_tokens, cell.n_ctx, cell.eval_windows)
        self.tracked = {name: WindowSet(tokens, cell.n_ctx, len(self.test)) for name, tokens in (tracked_sets or {}).items()}
        self.final_sets = {"test": EvalSet(test_tokens, test_bytes_per_token)} | (final_sets or {})
        self.final_windows = final_windows
        self.checkpointer = Checkpointer(self.out_dir, cell.fingerprint(), checkpoint_seconds, enabled=self.ranks.main)
        resumed = self.checkpointer.load(self.model, self.optimizer, hw.device)
        self.state = resumed or TrainState()
        if resumed is not None:
            print(f"resuming {cell.cell_id} at step {self.state.step} of {self.total_steps}", file=sys.stderr)
        self.noise_scale = NoiseScale(self.state.noise)
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self._prefetched: tuple[int, tuple[torch.Tensor, torch.Tensor]] | None = None
        self.state.seconds["startup"] += startup_seconds
        self.state.seconds["setup"] += time.perf_counter() - setup_start

    # -- one step ---------------------------------------------------------------------------------
    def _load_batch(self, step: int) -> tuple[torch.Tensor, ...]:
        """This process's share of a step's batch on the device (pinned, copied asynchronously on a GPU)."""
        shards = (self.ranks.shard(t) for t in self.batches.batch(step))
        if self.hw.device.type == "cuda":
            return tuple(t.pin_memory().to(self.hw.device, non_blocking=True) for t in shards)
        return tuple(t.to(self.hw.device) for t in shards)

    def _batch(self, step: int) -> tuple[torch.Tensor, ...]:
        if self._prefetched is not None and self._prefetched[0] == step:
            batch, self._prefetched = self._prefetched[1], None
            return batch
        return self._load_batch(step)

    def _row(self, step: int, lr: float, train_loss: float, test_loss: float = math.nan, test_loss_se: float = math.nan) -> dict:
        tokens = step * self.tokens_per_step
        return {"step": step, "tokens": tokens, "lr": lr, "train_loss": train_loss, "test_loss": test_loss,
                "test_loss_se": test_loss_se,
                **{f"flops_{k.removeprefix('flops_per_token_')}": tokens * v for k, v in self.accounting.items()
                   if k.startswith("flops_per_token_")}}

    def lr_for(self, step: int) -> float:
        return lr_at(step, peak=self.peak_lr, total_steps=self.horizon, warmup_steps=self.warmup,
                     schedule=self.cell.schedule, floor=self.cell.lr_floor)

    def measures_noise(self, step: int) -> bool:
        every = self.cell.noise_scale_every
        return bool(every) and step % every == 0 and self.cell.batch_size >= 2

    @property
    def running(self) -> bool:
        return self.state.step < self.total_steps and self.state.status == "running"

    def _optimizer_step(self, step: int) -> tuple[float, float, dict]:
        """One optimiser step; returns (lr, train loss, noise-scale columns of the row)."""
        cell, state = self.cell, self.state
        lr = self.lr_for(step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        measure_noise = self.measures_noise(step)
        noise = {}
        with state.timed("noise_scale" if measure_noise else "steps"):
            x, y = self._batch(step)
            if measure_noise:
                loss, small_sq, big_sq = two_half_backward(self.step_model, self.params, x, y, token_losses, self.hw.autocast)
                noise = self.noise_row(small_sq, big_sq)
            else:
                with self.hw.autocast():
                    loss = token_losses(self.step_model, x, y).mean()
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
            if cell.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), cell.grad_clip)
            self.optimizer.step()
            if self.hw.device.type == "cuda" and step + 1 < self.total_steps:
                # gather the next batch from the memmap while the GPU works through this step
                self._prefetched = (step + 1, self._load_batch(step + 1))
            train_loss = self.ranks.mean(loss.item())  # synchronises the device, so the timing is honest
        if step < WARM_STEPS:  # compilation and allocator warm-up: not steady-state throughput
            state.warm_seconds = state.step_seconds
        return lr, train_loss, noise

    # -- evaluation -------------------------------------------------------------------------------
    def noise_row(self, small_sq: float, big_sq: float) -> dict:
        """The noise-scale columns of a measured step's row, the running estimate updated."""
        half_tokens = (self.cell.batch_size // 2) * self.cell.n_ctx
        return {"grad_sq_small": small_sq, "grad_sq_big": big_sq,
                "noise_scale": self.noise_scale.update(small_sq, big_sq, half_tokens, self.tokens_per_step)}

    def _evaluate(self) -> LossEstimate:
        """The test loss now; a tracked cell also logs its other sets."""
        state = self.state
        with state.timed("evaluation"):
            test = self.test.estimate(self.model, self.hw, self.eval_batch)
        if self.cell.track:
            with state.timed("tracking"):
                estimates = {"test": test} | {name: s.estimate(self.model, self.hw, self.eval_batch)
                                              for name, s in self.tracked.items()}
                tokens = state.step * self.tokens_per_step
                for name, est in estimates.items():
                    state.tracking += [{"step": state.step, "tokens": tokens, "set": name, "position": i + 1,
                                        "loss": float(v)} for i, v in enumerate(est.per_position)]
        return test

    def step_done(self, lr: float, train_loss: float, noise: dict, evaluate, weights) -> None:
        """Book a finished optimiser step: its row, and at an evaluation step the test loss
        (``evaluate()``, a ``LossEstimate``) and early stopping (``weights()``: a copy of the
        current state dict, taken only when early stopping keeps a new best)."""
        state = self.state
        state.step += 1
        if not math.isfinite(train_loss):
            state.status = "diverged"
            state.rows.append(self._row(state.step, lr, train_loss))
            return
        test = evaluate() if state.step in self.to_eval else None
        state.rows.append(self._row(state.step, lr, train_loss, *((test.mean, test.se) if test else ())) | noise)
        if test is not None:
            self._track_best(test.mean, weights)

    def _track_best(self, test_loss: float, weights) -> None:
        """Keep the best test loss (and its weights when early stopping); stop after ``patience``
        evaluations above the best by more than ``stop_margin``."""
        state, cell = self.state, self.cell
        if test_loss < state.best_loss:
            state.best_loss, state.best_step, state.bad_evals = test_loss, state.step, 0
            if cell.patience:
                state.best_weights = weights()
            return
        if test_loss <= state.best_loss * (1 + cell.stop_margin):
            return  # within the margin of the best: a plateau, or evaluation noise, not overfitting
        state.bad_evals += 1
        if cell.patience and state.bad_evals >= cell.patience:
            state.status = "early_stopped"

    # -- the run ----------------------------------------------------------------------------------
    def train(self, stop_signals: list[int]) -> TrainState:
        """Step until the budget is spent, early stopping stops it or the loss diverges."""
        state = self.state
        try:
            self.start(self._evaluate)
            bar = self.progress_bar()
            self.model.train()
            while self.running:
                lr, train_loss, noise = self._optimizer_step(state.step)
                self.step_done(lr, train_loss, noise, self._evaluate, lambda: copy.deepcopy(self.model.state_dict()))
                bar.update(1)
                bar.set_postfix(loss=f"{train_loss:.3f}", test=f"{state.best_loss:.3f}", refresh=False)
                if stop_signals:
                    self.checkpointer.save(self.model, self.optimizer, state)
                    raise Preempted(stop_signals[0], f"signal {stop_signals[0]} at step {state.step}: state saved to "
                                                     f"{self.checkpointer.path}")
                if self.checkpointer.due():
                    self.checkpointer.save(self.model, self.optimizer, state)
            bar.close()
        finally:
            self.ranks.close()
        return self.stop()

    def start(self, evaluate) -> None:
        """Step 0's row (the untrained model's test loss), unless the run resumed past it."""
        if self.state.step == 0 and not self.state.rows:
            test = evaluate()
            self.state.rows.append(self._row(0, 0.0, math.nan, test.mean, test.se))

    def progress_bar(self):
        return tqdm(total=self.total_steps, initial=self.state.step, desc=self.cell.cell_id, file=sys.stderr,
                    disable=not (self.progress and self.ranks.main), mininterval=2.0, unit="step")

    def stop(self) -> TrainState:
        if self.state.status == "running":
            self.state.status = "completed"
        return self.state

    def finish(self) -> dict:
        """The final evaluation (on the weights kept), then every file of the run; returns the summary."""
        state, cell = self.state, self.cell
        if cell.patience and state.best_weights is not None:
            self.model.load_state_dict(state.best_weights)
        with state.timed("final_evaluation"):
            windows = {name: self.final_windows for name in self.final_sets}
            if cell.final_test_windows:
                windows["test"] = cell.final_test_windows
            estimates = {name: WindowSet(s.tokens, cell.n_ctx, windows[name]).estimate(self.model, self.hw, self.eval_batch)
                         for name, s in self.final_sets.items()}
        if not self.ranks.main:
            return self._summary(estimates["test"])
        with state.timed("output"):
            eval_rows, eval_means = evaluation_rows(estimates, {k: s.bytes_per_token for k, s in self.final_sets.items()})
            with atomic_path(self.out_dir / "model.pt") as tmp:
                torch.save({k: v.detach().cpu() for k, v in self.model.state_dict().items()}, tmp)
            with atomic_path(self.out_dir / "metrics.parquet") as tmp:
                pd.DataFrame(state.rows).to_parquet(tmp, index=False)
            if cell.track:
                with atomic_path(self.out_dir / "tracking.parquet") as tmp:
                    pd.DataFrame(state.tracking).to_parquet(tmp, index=False)
            with atomic_path(self.out_dir / "eval.parquet") as tmp:
                pd.DataFrame(eval_rows).to_parquet(tmp, index=False)
            write_json(self.out_dir / "eval.json", {"cell": cell.cell_id, "study": cell.study, "sets": eval_means})
        summary = self._summary(estimates["test"])
        write_json(self.out_dir / "summary.json", summary)  # last: its presence means the run is whole
        self.checkpointer.clear()
        if state.status == "diverged":
            print(f"WARNING: {cell.cell_id} diverged (non-finite loss) at step {state.step}; "
                  f"its summary says status=diverged and the fits leave it out", file=sys.stderr)
        return summary

    def _summary(self, final_test) -> dict:
        state, cell, accounting = self.state, self.cell, self.accounting
        rows = pd.DataFrame(state.rows)
        evals = rows.dropna(subset=["test_loss"])
        steps = state.step
        tokens = steps * self.tokens_per_step
        steady_seconds = state.step_seconds - state.warm_seconds
        steady_steps = steps - min(steps, WARM_STEPS)
        tokens_per_second = steady_steps * self.tokens_per_step / steady_seconds if steady_steps and steady_seconds > 0 else math.nan
        peak = self.hw.peak_flops
        best_row = evals[evals["step"] == state.best_step]
        return {
            "study": cell.study,
            "cell": cell.cell_id,
            "status": state.status,
            "config": cell.to_dict(),
            "accounting": accounting,
            "lr_peak": self.peak_lr,
            "steps_planned": self.total_steps,
            "warmup_steps": self.warmup,
            "steps": steps,
            "tokens": tokens,
            "batch_tokens": self.tokens_per_step,
            "dataset_tokens": self.batches.unique_tokens,
            "unique_tokens_seen": self.batches.unique_tokens_seen(steps),
            "epochs": tokens / self.batches.unique_tokens,
            "C_6N": tokens * accounting["flops_per_token_6N"],
            "final_test_loss": float(evals["test_loss"].iloc[-1]) if len(evals) else math.nan,
            "final_test_loss_se": float(evals["test_loss_se"].iloc[-1]) if len(evals) else math.nan,
            "final_train_loss": float(rows["train_loss"].iloc[-1]),
            "best_test_loss": state.best_loss,
            "best_test_loss_se": float(best_row["test_loss_se"].iloc[0]) if len(best_row) else math.nan,
            "best_step": state.best_step,
            "stop_step": steps if state.status == "early_stopped" else None,
            "eval_windows": len(self.test),
            "evaluations": len(evals),
            "final_eval_test_loss": final_test.mean,
            "final_eval_test_loss_se": final_test.se,
            "device": self.hw.name,
            "precision": self.hw.precision,
            "vocab_size": self.vocab_size,
            "processes": self.ranks.world,
            "pack": self.pack,
            "train_seconds": state.step_seconds,
            "wall_seconds": sum(state.seconds.values()),
            "seconds": dict(state.seconds),
            "tokens_per_second": tokens_per_second,
            "mfu": tokens_per_second * accounting["flops_per_token_matmul"] / peak if peak else None,
        }


def train_cell(cell: Cell, train_tokens: np.ndarray, test_tokens: np.ndarray, vocab_size: int, out_dir: str | Path,
               device: str = "auto", progress: bool = True, checkpoint_seconds: float = CHECKPOINT_SECONDS,
               tracked_sets: dict[str, np.ndarray] | None = None, final_sets: dict[str, EvalSet] | None = None,
               final_windows: int = FINAL_WINDOWS, test_bytes_per_token: float = math.nan) -> dict:
    """Train ``cell`` and write its run directory (module docstring) into ``out_dir``; returns the summary.

    With ``cell.track``, every evaluation step also records the per-position test loss and the loss
    on each of ``tracked_sets`` (the OOD streams) in tracking.parquet (Figs 8 right, 20 right).
    The final evaluation covers the test stream and every one of ``final_sets``.
    """
    run = CellRun(cell, train_tokens, test_tokens, vocab_size, out_dir, device=device, progress=progress,
                  checkpoint_seconds=checkpoint_seconds, tracked_sets=tracked_sets, final_sets=final_sets,
                  final_windows=final_windows, test_bytes_per_token=test_bytes_per_token)
    with preemption_signals() as received:
        run.train(received)
    return run.finish()
