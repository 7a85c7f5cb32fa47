"""Train one cell: the loop, its evaluations, checkpoints and the files it leaves behind.

A cell directory ends up with
  metrics.parquet  one row per optimiser step (and step 0): tokens, FLOPs under each convention,
                   learning rate, train loss, and test loss at the evaluation steps;
  summary.json     the cell, the model's accounting, final / best / early-stopped results, status;
  model.pt         the weights to evaluate (the best ones when early stopping is on).
While it runs, resume.pt holds everything needed to continue exactly where it stopped. SIGTERM or
SIGUSR1 (a scheduler's preemption warning) saves it and exits, so a requeued job resumes.
"""

from __future__ import annotations

import copy
import math
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from scalinglaws.io import atomic_path, write_json
from scalinglaws.train.cell import Cell, build_model, model_accounting
from scalinglaws.train.data import EpochBatches, eval_windows, windows_to_batch
from scalinglaws.train.distributed import Ranks
from scalinglaws.train.hardware import autocast_for, device_name, peak_flops, pick_device
from scalinglaws.train.model import token_losses
from scalinglaws.train.noise import NoiseScale, two_half_backward
from scalinglaws.train.schedule import lr_at

PREEMPT_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)
WARM_STEPS = 3  # steps left out of the throughput (compilation, allocator warm-up)
CHECKPOINT_SECONDS = 120.0  # default: a resume point at least this often, so a kill loses little


class Preempted(Exception):
    """Raised inside the loop when a preemption signal arrived; the state is saved first."""

    def __init__(self, signum: int, message: str):
        super().__init__(message)
        self.signum = signum


def eval_steps(total_steps: int, every: int) -> set[int]:
    """Steps after which the test loss is measured: log-spaced early on, then every ``every``."""
    steps = {0, total_steps}
    steps.update(2**k for k in range(int(math.log2(max(total_steps, 1))) + 1))
    steps.update(range(every, total_steps + 1, every))
    return {s for s in steps if s <= total_steps}


@torch.no_grad()
def evaluate_loss(model, tokens: np.ndarray, window_ids: np.ndarray, n_ctx: int, batch_size: int, device, autocast) -> torch.Tensor:
    """Mean loss at every context position over the given windows, shape (n_ctx,), in nats."""
    was_training = model.training
    model.eval()
    total = torch.zeros(n_ctx, dtype=torch.float64)
    for start in range(0, len(window_ids), batch_size):
        x, y = windows_to_batch(tokens, window_ids[start : start + batch_size], n_ctx)
        with autocast:
            losses = token_losses(model, x.to(device), y.to(device))
        total += losses.double().sum(0).cpu()
    model.train(was_training)
    return total / len(window_ids)


def _optimizer(model, cell: Cell, device: torch.device) -> torch.optim.Optimizer:
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cell.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    if cell.optimizer == "adafactor":
        return torch.optim.Adafactor(groups, lr=cell.lr)
    fused = device.type == "cuda"
    return torch.optim.AdamW(groups, lr=cell.lr, betas=tuple(cell.betas), fused=fused)


def train_cell(cell: Cell, train_tokens: np.ndarray, test_tokens: np.ndarray, vocab_size: int, out_dir: str | Path,
               device: str = "auto", progress: bool = True, checkpoint_seconds: float = CHECKPOINT_SECONDS,
               tracked_sets: dict[str, np.ndarray] | None = None) -> dict:
    """Train ``cell`` and write metrics.parquet, summary.json and model.pt into ``out_dir``.

    With ``cell.track``, every evaluation step also records the per-position test loss and the loss
    on each of ``tracked_sets`` (the OOD streams) in tracking.parquet (Figs 8 right, 20 right).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    resume_path = out_dir / "resume.pt"
    ranks = Ranks.from_env()
    if ranks.world > 1:
        if cell.batch_size % ranks.world or cell.noise_scale_every:
            raise ValueError(f"cell {cell.cell_id}: data parallelism over {ranks.world} processes needs a batch_size "
                             "divisible by it and no noise_scale_every")
        device = f"cuda:{ranks.local_rank}" if torch.cuda.is_available() else "cpu"
    dev = pick_device(device)
    if dev.type == "cpu":
        torch.set_num_threads(cell.threads)
    else:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    torch.manual_seed(cell.seed)
    model = build_model(cell, vocab_size).to(dev)
    accounting = model_accounting(model)
    peak_lr = cell.resolved_lr(accounting["N"])
    batches = EpochBatches(train_tokens, cell.n_ctx, cell.batch_size, cell.seed, cell.usable_tokens(len(train_tokens)))
    test_ids = eval_windows(len(test_tokens), cell.n_ctx, cell.eval_batches * cell.batch_size)
    total_steps = cell.total_steps()
    warmup = cell.warmup(total_steps)
    to_eval = eval_steps(total_steps, cell.eval_every)
    optimizer = _optimizer(model, cell, dev)
    autocast = autocast_for(dev, cell.precision)
    step_model = ranks.wrap(torch.compile(model) if cell.wants_compile(dev, accounting["N"]) else model, dev)
    tokens_per_step = cell.batch_size * cell.n_ctx

    state = {"step": 0, "rows": [], "best": (math.inf, 0), "best_weights": None, "bad_evals": 0,
             "status": "running", "train_seconds": 0.0, "warm_seconds": 0.0, "noise": {"G2": None, "trace": None}, "tracking": []}
    if resume_path.exists():
        saved = torch.load(resume_path, map_location=dev, weights_only=True)
        if saved["cell_id"] != cell.fingerprint():
            raise ValueError(f"{resume_path} belongs to another configuration of this cell; delete it to start over")
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        torch.set_rng_state(saved["rng"])
        state.update(saved["state"])
        print(f"resuming {cell.cell_id} at step {state['step']} of {total_steps}", file=sys.stderr)

    noise_scale = NoiseScale(state["noise"])
    params = [p for p in model.parameters() if p.requires_grad]
    prefetched: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    def load_batch(step: int) -> tuple[torch.Tensor, ...]:
        """This process's share of a step's batch on the device (pinned, copied asynchronously on a GPU)."""
        shards = (ranks.shard(t) for t in batches.batch(step))
        if dev.type == "cuda":
            return tuple(t.pin_memory().to(dev, non_blocking=True) for t in shards)
        return tuple(t.to(dev) for t in shards)

    def save_resume() -> None:
        if not ranks.main:
            return
        with atomic_path(resume_path) as tmp:
            torch.save({"cell_id": cell.fingerprint(), "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "rng": torch.get_rng_state(), "state": state}, tmp)

    def row(step: int, lr: float, train_loss: float, test_loss: float) -> dict:
        tokens = step * tokens_per_step
        return {"step": step, "tokens": tokens, "lr": lr, "train_loss": train_loss, "test_loss": test_loss,
                **{f"flops_{k.removeprefix('flops_per_token_')}": tokens * v for k, v in accounting.items() if k.startswith("flops_per_token_")}}

    tracked = {"test": (test_tokens, test_ids)} | {
        name: (tokens, eval_windows(len(tokens), cell.n_ctx, len(test_ids))) for name, tokens in (tracked_sets or {}).items()}

    def run_eval() -> float:
        """Mean test loss now; with tracking, also every tracked set's per-position losses."""
        if not cell.track:
            return float(evaluate_loss(model, test_tokens, test_ids, cell.n_ctx, cell.batch_size, dev, autocast).mean())
        step, losses = state["step"], {}
        for name, (tokens, ids) in tracked.items():
            losses[name] = evaluate_loss(model, tokens, ids, cell.n_ctx, cell.batch_size, dev, autocast)
            state["tracking"] += [{"step": step, "tokens": step * tokens_per_step, "set": name, "position": i + 1,
                                   "loss": float(v)} for i, v in enumerate(losses[name])]
        return float(losses["test"].mean())

    stop_signal: list[int] = []
    handlers = {s: signal.signal(s, lambda signum, _frame: stop_signal.append(signum)) for s in PREEMPT_SIGNALS}
    last_save = time.monotonic()
    try:
        if state["step"] == 0 and not state["rows"]:
            state["rows"].append(row(0, 0.0, math.nan, run_eval()))
        bar = tqdm(total=total_steps, initial=state["step"], desc=cell.cell_id, disable=not (progress and ranks.main), file=sys.stderr,
                   mininterval=2.0, unit="step")
        model.train()
        while state["step"] < total_steps and state["status"] == "running":
            step = state["step"]
            lr = lr_at(step, peak=peak_lr, total_steps=total_steps, warmup_steps=warmup, schedule=cell.schedule,
                       floor=cell.lr_floor)
            for group in optimizer.param_groups:
                group["lr"] = lr
            t0 = time.perf_counter()
            x, y = prefetched.pop(step) if step in prefetched else load_batch(step)
            measure_noise = cell.noise_scale_every and step % cell.noise_scale_every == 0 and cell.batch_size >= 2
            if measure_noise:
                loss, small_sq, big_sq = two_half_backward(step_model, params, x, y, token_losses, autocast)
                half_tokens = (cell.batch_size // 2) * cell.n_ctx
                noise = {"grad_sq_small": small_sq, "grad_sq_big": big_sq,
                         "noise_scale": noise_scale.update(small_sq, big_sq, half_tokens, tokens_per_step)}
            else:
                with autocast:
                    loss = token_losses(step_model, x, y).mean()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
            if cell.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cell.grad_clip)
            optimizer.step()
            if dev.type == "cuda" and step + 1 < total_steps:
                # gather the next batch from the memmap while the GPU works through this step
                prefetched[step + 1] = load_batch(step + 1)
            train_loss = ranks.mean(loss.item())  # synchronises the device, so the timing below is honest
            state["train_seconds"] += time.perf_counter() - t0
            if step < WARM_STEPS:  # compilation and allocator warm-up: not steady-state throughput
                state["warm_seconds"] = state["train_seconds"]
            state["step"] = step = step + 1
            if not math.isfinite(train_loss):
                state["status"] = "diverged"
                state["rows"].append(row(step, lr, train_loss, math.nan))
                break
            test_loss = run_eval() if step in to_eval else math.nan
            state["rows"].append(row(step, lr, train_loss, test_loss) | (noise if measure_noise else {}))
            if not math.isnan(test_loss):
                _track_best(state, model, test_loss, step, cell)
            bar.update(1)
            bar.set_postfix(loss=f"{train_loss:.3f}", test=f"{state['best'][0]:.3f}", refresh=False)
            if stop_signal:
                save_resume()
                raise Preempted(stop_signal[0], f"signal {stop_signal[0]} at step {step}: state saved to {resume_path}")
            if time.monotonic() - last_save >= checkpoint_seconds:
                save_resume()
                last_save = time.monotonic()
        bar.close()
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)
        ranks.close()

    if state["status"] == "running":
        state["status"] = "completed"
    summary = _summarise(cell, accounting, state, batches, peak_lr, total_steps, warmup, dev, tokens_per_step)
    summary["vocab_size"] = vocab_size
    summary["processes"] = ranks.world
    if not ranks.main:
        return summary
    weights = state["best_weights"] if cell.patience and state["best_weights"] is not None else model.state_dict()
    with atomic_path(out_dir / "model.pt") as tmp:
        torch.save({k: v.detach().cpu() for k, v in weights.items()}, tmp)
    metrics = pd.DataFrame(state["rows"])
    with atomic_path(out_dir / "metrics.parquet") as tmp:
        metrics.to_parquet(tmp, index=False)
    if cell.track:
        with atomic_path(out_dir / "tracking.parquet") as tmp:
            pd.DataFrame(state["tracking"]).to_parquet(tmp, index=False)
    write_json(out_dir / "summary.json", summary)
    resume_path.unlink(missing_ok=True)
    if state["status"] == "diverged":
        print(f"WARNING: {cell.cell_id} diverged (non-finite loss) at step {state['step']}; "
              f"its summary says status=diverged and the fits leave it out", file=sys.stderr)
    return summary


def _track_best(state: dict, model, test_loss: float, step: int, cell: Cell) -> None:
    """Keep the best test loss (and its weights when early stopping); stop after ``patience`` bad evals."""
    if test_loss < state["best"][0]:
        state["best"] = (test_loss, step)
        state["bad_evals"] = 0
        if cell.patience:
            state["best_weights"] = copy.deepcopy(model.state_dict())
        return
    state["bad_evals"] += 1
    if cell.patience and state["bad_evals"] >= cell.patience:
        state["status"] = "early_stopped"


def _summarise(cell: Cell, accounting: dict, state: dict, batches: EpochBatches, peak_lr: float, total_steps: int,
               warmup: int, dev: torch.device, tokens_per_step: int) -> dict:
    rows = pd.DataFrame(state["rows"])
    evals = rows.dropna(subset=["test_loss"])
    steps = state["step"]
    tokens = steps * tokens_per_step
    best_loss, best_step = state["best"]
    steady_seconds = state["train_seconds"] - state["warm_seconds"]
    steady_steps = steps - min(steps, WARM_STEPS)
    tokens_per_second = steady_steps * tokens_per_step / steady_seconds if steady_steps and steady_seconds > 0 else math.nan
    name = device_name(dev)
    precision = "bf16" if dev.type == "cuda" and cell.precision == "bf16" else "fp32"
    peak = peak_flops(name, precision)
    achieved = tokens_per_second * accounting["flops_per_token_matmul"]
    return {
        "study": cell.study,
        "cell": cell.cell_id,
        "status": state["status"],
        "config": cell.to_dict(),
        "accounting": accounting,
        "lr_peak": peak_lr,
        "steps_planned": total_steps,
        "warmup_steps": warmup,
        "steps": steps,
        "tokens": tokens,
        "batch_tokens": tokens_per_step,
        "dataset_tokens": batches.unique_tokens,
        "unique_tokens_seen": batches.unique_tokens_seen(steps),
        "epochs": tokens / batches.unique_tokens,
        "C_6N": tokens * accounting["flops_per_token_6N"],
        "final_test_loss": float(evals["test_loss"].iloc[-1]) if len(evals) else math.nan,
        "final_train_loss": float(rows["train_loss"].iloc[-1]),
        "best_test_loss": best_loss,
        "best_step": best_step,
        "stop_step": steps if state["status"] == "early_stopped" else None,
        "device": name,
        "precision": precision,
        "train_seconds": state["train_seconds"],
        "tokens_per_second": tokens_per_second,
        "mfu": achieved / peak if peak else None,
    }
