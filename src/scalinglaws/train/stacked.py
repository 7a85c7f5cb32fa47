"""Cells of one shape trained as one batched model: the GPU engine of a pack.

One tiny cell leaves a GPU nearly idle. K cells whose models and batches have one shape (the
seeds, learning-rate schedules or dataset sizes of a study) train together instead: their
parameters are stacked along a new leading dimension, and ``torch.func.vmap`` runs the K forward and
backward passes as one batched computation. Every cell keeps what is its own: its initial weights,
data order and dataset size, learning-rate schedule, weight decay and clipping, early stopping,
noise-scale estimate, evaluations, resume point and files (the per-cell bookkeeping is
``loop.CellRun``'s). A cell that stops (early stopping, divergence, its last step) drops out of the
bookkeeping; its slice is no longer updated.

The optimiser is AdamW written out over the stacked tensors, with a learning rate per cell, in
the arithmetic of ``torch.optim.AdamW``; resume points hold each cell's moments in
``torch.optim.AdamW``'s own format, so a cell can resume stacked or alone. On the CPU a stacked
cell's curves equal its curves alone to float rounding (the batched kernels add in another
order); with dropout its masks are drawn from the shared generator, so they differ from the
masks it draws alone (the same distribution, other draws).
"""

from __future__ import annotations

import copy
import time

import torch
import torch.nn.functional as F
from torch.func import functional_call, grad_and_value, vmap

from scalinglaws.train.cell import Cell
from scalinglaws.train.evaluator import LossEstimate
from scalinglaws.train.loop import WARM_STEPS, CellRun, Preempted
from scalinglaws.train.packing import stack_key


def stackable(cell: Cell) -> bool:
    """Whether a cell can train in a stack (its arch's ``stacks``; tracked and data-parallel cells train alone)."""
    return cell.architecture().stacks and cell.processes == 1 and not cell.track and cell.optimizer == "adamw"


def stacks(cells: list[Cell]) -> list[list[int]]:
    """Indices of ``cells`` grouped into stacks of one shape (singletons train alone), in order."""
    groups: dict[tuple, list[int]] = {}
    for i, cell in enumerate(cells):
        groups.setdefault(stack_key(cell) if stackable(cell) else ("alone", i), []).append(i)
    return list(groups.values())


def _per_cell(values, like: torch.Tensor) -> torch.Tensor:
    """(K,) values shaped to broadcast against a stacked tensor (K, ...)."""
    return values.view(-1, *([1] * (like.dim() - 1)))


def _squared_norms(grads: dict[str, torch.Tensor]) -> torch.Tensor:
    """Per-cell squared norm of a stacked gradient, in float64 as ``noise.squared_grad_norm``."""
    return sum(g.double().pow(2).flatten(1).sum(1) for g in grads.values())


class Stack:
    """K ``CellRun``s of one shape, trained as one batched model."""

    def __init__(self, runs: list[CellRun]):
        if len({stack_key(r.cell) for r in runs}) != 1 or not all(stackable(r.cell) for r in runs):
            raise ValueError(f"cells {[r.cell.cell_id for r in runs]} do not share one stackable shape")
        if len({r.state.step for r in runs if r.running}) > 1:
            raise ValueError(f"cells {[r.cell.cell_id for r in runs]} resume from different steps: they cannot stack")
        self.runs, self.hw = runs, runs[0].hw
        models = [r.model for r in runs]
        # the module whose forward runs with each cell's parameters (a real copy: moving it to the meta
        # device would untie its tied embedding and head)
        self.base = copy.deepcopy(models[0])
        named = [dict(m.named_parameters()) for m in models]  # tied weights appear once
        self.names = list(named[0])
        with torch.no_grad():
            self.params = {n: torch.stack([p[n].detach() for p in named]) for n in self.names}
            self.exp_avg, self.exp_avg_sq = {}, {}
            for n in self.names:
                moments = [r.optimizer.state.get(p[n], {}) for r, p in zip(runs, named)]
                zeros = torch.zeros_like(self.params[n][0])
                self.exp_avg[n] = torch.stack([m.get("exp_avg", zeros).to(zeros) for m in moments])
                self.exp_avg_sq[n] = torch.stack([m.get("exp_avg_sq", zeros).to(zeros) for m in moments])
        device = self.hw.device
        self.weight_decay = torch.tensor([r.cell.weight_decay for r in runs], device=device)
        self.clip = torch.tensor([r.cell.grad_clip for r in runs], device=device)
        self.betas = {tuple(r.cell.betas) for r in runs}
        if len(self.betas) != 1:
            raise ValueError(f"cells {[r.cell.cell_id for r in runs]} have different Adam betas: they cannot stack")
        self._grad = vmap(grad_and_value(self._loss), randomness="different")
        self._token_losses = vmap(self._per_token, in_dims=(0, None, None), randomness="different")

    # -- the batched model ------------------------------------------------------------------------
    def _loss(self, params, x, y):
        return self._per_token(params, x, y).mean()

    def _per_token(self, params, x, y):
        with self.hw.autocast():
            logits = functional_call(self.base, params, (x,))
        return F.cross_entropy(logits.float().flatten(0, 1), y.flatten(), reduction="none").view_as(y)

    def _batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        xs, ys = zip(*(r.batches.batch(step) for r in self.runs))
        x, y = torch.stack(xs), torch.stack(ys)  # (K, B, T)
        if self.hw.device.type == "cuda":
            return x.pin_memory().to(self.hw.device, non_blocking=True), y.pin_memory().to(self.hw.device, non_blocking=True)
        return x, y

    def _gradients(self, step: int, active: list[bool]) -> tuple[dict, torch.Tensor, dict[int, dict]]:
        """Stacked gradients and losses of one step; noise-scale columns of the cells measuring it."""
        x, y = self._batch(step)
        measuring = [a and r.measures_noise(step) for a, r in zip(active, self.runs)]
        noise = {}
        if not any(measuring):
            grads, loss = self._grad(self.params, x, y)
            return grads, loss, noise
        half = x.shape[1] // 2
        g_a, l_a = self._grad(self.params, x[:, :half], y[:, :half])
        g_b, l_b = self._grad(self.params, x[:, half:], y[:, half:])
        small_sq = ((_squared_norms(g_a) + _squared_norms(g_b)) / 2).detach()
        grads = {n: (g_a[n] + g_b[n]) / 2 for n in self.names}
        loss = torch.stack([l_a, l_b]).mean(0)
        big_sq = _squared_norms(grads).detach()
        for k in (k for k, m in enumerate(measuring) if m):
            noise[k] = self.runs[k].noise_row(float(small_sq[k]), float(big_sq[k]))
        if not all(measuring):  # the others step on the whole batch, as they would alone
            full, full_loss = self._grad(self.params, x, y)
            keep = torch.tensor(measuring, device=loss.device)
            grads = {n: torch.where(_per_cell(keep, grads[n]), grads[n], full[n]) for n in self.names}
            loss = torch.where(keep, loss, full_loss)
        return grads, loss, noise

    @torch.no_grad()
    def _update(self, grads: dict, lr: torch.Tensor) -> None:
        """Clip each cell's gradient to its norm, then one AdamW step with each cell's learning rate."""
        norms = torch.stack([g.flatten(1).norm(dim=1) for g in grads.values()]).norm(dim=0)
        coef = torch.where(self.clip > 0, (self.clip / (norms + 1e-6)).clamp(max=1.0), torch.ones_like(norms))
        (beta1, beta2), eps = next(iter(self.betas)), 1e-8
        steps = torch.tensor([r.state.step + 1 for r in self.runs], device=lr.device, dtype=torch.float64)
        step_size = (lr.double() / (1 - beta1**steps)).to(lr.dtype)
        bias2_sqrt = (1 - beta2**steps).sqrt().to(lr.dtype)
        for n in self.names:
            p, g = self.params[n], grads[n] * _per_cell(coef, grads[n])
            if p.dim() >= 3:  # weight decay on matrices only, as the cell's own optimiser groups it
                p.mul_(1 - _per_cell(lr * self.weight_decay, p))
            self.exp_avg[n].lerp_(g, 1 - beta1)
            self.exp_avg_sq[n].mul_(beta2).addcmul_(g, g, value=1 - beta2)
            denom = (self.exp_avg_sq[n].sqrt() / _per_cell(bias2_sqrt, p)).add_(eps)
            p.sub_(_per_cell(step_size, p) * self.exp_avg[n] / denom)

    @torch.no_grad()
    def _estimates(self, due: list[int]) -> dict[int, LossEstimate]:
        """Test-loss estimates of the cells in ``due``, one batched pass per set of windows."""
        out: dict[int, LossEstimate] = {}
        by_windows: dict[tuple, list[int]] = {}
        for k in due:
            by_windows.setdefault(tuple(self.runs[k].test.ids), []).append(k)
        self.base.eval()
        for ks in by_windows.values():
            window_set = self.runs[ks[0]].test
            params = {n: p[ks] for n, p in self.params.items()}
            batch = max(1, self.runs[ks[0]].eval_batch // len(ks))
            parts = []
            for start in range(0, len(window_set.ids), batch):
                x, y = window_set.batch(start, batch)
                parts.append(self._token_losses(params, x.to(self.hw.device), y.to(self.hw.device)).float().cpu())
            losses = torch.cat(parts, dim=1)  # (len(ks), windows, n_ctx)
            out.update({k: LossEstimate.from_window_losses(losses[i]) for i, k in enumerate(ks)})
        self.base.train()
        return out

    # -- weights and resume points ----------------------------------------------------------------
    @torch.no_grad()
    def _weights(self, k: int) -> dict[str, torch.Tensor]:
        """Cell k's state dict, in its own model's format (tied weights under both names)."""
        model = self.runs[k].model
        for name, p in model.named_parameters():
            p.copy_(self.params[name][k])
        return model.state_dict()

    def _sync(self, k: int) -> None:
        """Cell k's model and optimiser hold its slice: for a resume point, or its final files."""
        run = self.runs[k]
        self._weights(k)
        fused = bool(run.optimizer.defaults.get("fused"))
        for name, p in run.model.named_parameters():
            step = torch.tensor(float(run.state.step), dtype=torch.float32, device=p.device if fused else "cpu")
            run.optimizer.state[p] = {"step": step, "exp_avg": self.exp_avg[name][k].clone(),
                                      "exp_avg_sq": self.exp_avg_sq[name][k].clone()}

    def _save(self) -> None:
        """Every cell's resume point (stopped ones too: a resumed stack steps in lockstep)."""
        for k, run in enumerate(self.runs):
            self._sync(k)
            run.checkpointer.save(run.model, run.optimizer, run.state)

    # -- the loop ---------------------------------------------------------------------------------
    def train(self, stop_signals: list[int]) -> None:
        """Step every cell until each has stopped; each cell's bookkeeping is its ``CellRun``'s."""
        runs = self.runs
        for k, run in enumerate(runs):
            run.start(lambda k=k: self._estimates([k])[k])
        bars = [r.progress_bar() for r in runs]
        step = min((r.state.step for r in runs if r.running), default=0)
        while any(r.running for r in runs):
            active = [r.running and r.state.step == step for r in runs]
            lrs = [r.lr_for(step) if a else 0.0 for r, a in zip(runs, active)]
            t0 = time.perf_counter()
            grads, loss, noise = self._gradients(step, active)
            self._update(grads, torch.tensor(lrs, device=self.hw.device, dtype=self.params[self.names[0]].dtype))
            losses = loss.tolist()  # synchronises the device, so the timing is honest
            share = (time.perf_counter() - t0) / sum(active)
            due = [k for k, a in enumerate(active) if a and step + 1 in runs[k].to_eval]
            t1 = time.perf_counter()
            estimates = self._estimates(due) if due else {}
            eval_share = (time.perf_counter() - t1) / max(1, len(due))
            for k, run in enumerate(runs):
                if not active[k]:
                    continue
                run.state.seconds["noise_scale" if k in noise else "steps"] += share
                if step < WARM_STEPS:
                    run.state.warm_seconds = run.state.step_seconds
                if k in due:
                    run.state.seconds["evaluation"] += eval_share
                run.step_done(lrs[k], losses[k], noise.get(k, {}), lambda k=k: estimates[k],
                              lambda k=k: copy.deepcopy(self._weights(k)))
                bars[k].update(1)
            step += 1
            if stop_signals:
                self._save()
                raise Preempted(stop_signals[0], f"signal {stop_signals[0]} at step {step}: state saved to the "
                                                 f"resume points of {[r.cell.cell_id for r in runs]}")
            if runs[0].checkpointer.due():
                self._save()
        for k, run in enumerate(runs):
            bars[k].close()
            self._sync(k)
            run.stop()

