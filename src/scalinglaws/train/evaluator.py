"""Losses of a model on fixed windows of a token stream, with their standard errors.

Every estimate is taken in inference mode, in batches as large as a memory budget allows, on windows
fixed for the life of a run (the same windows at every evaluation, so a curve's steps differ by the
model, not by the sample). The standard error of the mean loss comes from the spread of the window
means (tokens within a window are correlated; windows are far apart); that of each position from the
spread over windows at that position.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from scalinglaws.train.data import eval_windows, windows_to_batch
from scalinglaws.train.hardware import Hardware
from scalinglaws.train.model import token_losses

# logits of one evaluation batch may take about this much memory (float32, with cross-entropy's copies)
EVAL_BATCH_BYTES = {"cpu": 64 << 20, "cuda": 2 << 30}


@dataclass(frozen=True)
class LossEstimate:
    """Mean loss over windows, per position and overall, each with its standard error (nats)."""

    per_position: np.ndarray  # (n_ctx,)
    per_position_se: np.ndarray  # (n_ctx,)
    mean: float
    se: float
    windows: int

    @classmethod
    def from_window_losses(cls, losses: torch.Tensor) -> "LossEstimate":
        """From the loss of every token of every window, shape (windows, n_ctx)."""
        losses = losses.double()
        count = losses.shape[0]
        window_means = losses.mean(1)
        spread = (lambda x: x.std(0, correction=1).numpy() / math.sqrt(count)) if count > 1 else (
            lambda x: np.full(x.shape[1:], math.nan))
        return cls(per_position=losses.mean(0).numpy(), per_position_se=spread(losses),
                   mean=float(window_means.mean()), se=float(spread(window_means[:, None])[0]), windows=count)


def eval_batch_windows(n_ctx: int, vocab_size: int, device: torch.device) -> int:
    """Windows per evaluation batch within the device's memory budget for logits."""
    per_window = n_ctx * vocab_size * 4 * 3  # logits, their float copy and the softmax
    return max(1, EVAL_BATCH_BYTES.get(device.type, EVAL_BATCH_BYTES["cpu"]) // per_window)


class WindowSet:
    """``windows`` fixed windows spread evenly over a token stream, evaluated on demand."""

    def __init__(self, tokens: np.ndarray, n_ctx: int, windows: int):
        self.tokens, self.n_ctx = tokens, n_ctx
        self.ids = eval_windows(len(tokens), n_ctx, windows)

    def __len__(self) -> int:
        return len(self.ids)

    def batch(self, start: int, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and targets of windows ``start`` to ``start + count``, each (count, n_ctx)."""
        return windows_to_batch(self.tokens, self.ids[start : start + count], self.n_ctx)

    @torch.inference_mode()
    def window_losses(self, model: torch.nn.Module, hw: Hardware, batch_windows: int) -> torch.Tensor:
        """Loss of every target token, shape (windows, n_ctx), on the CPU."""
        was_training = model.training
        model.eval()
        parts = []
        for start in range(0, len(self.ids), batch_windows):
            x, y = self.batch(start, batch_windows)
            with hw.autocast():
                parts.append(token_losses(model, x.to(hw.device), y.to(hw.device)).float().cpu())
        model.train(was_training)
        return torch.cat(parts)

    def estimate(self, model: torch.nn.Module, hw: Hardware, batch_windows: int) -> LossEstimate:
        return LossEstimate.from_window_losses(self.window_losses(model, hw, batch_windows))


def evaluation_rows(estimates: dict[str, LossEstimate], bytes_per_token: dict[str, float]) -> tuple[list[dict], dict]:
    """The per-position table (``set, position, loss, loss_se``) and per-set means of a final evaluation."""
    rows, means = [], {}
    for name, est in estimates.items():
        means[name] = {"loss": est.mean, "loss_se": est.se, "windows": est.windows,
                       "tokens": est.windows * len(est.per_position),
                       "bits_per_byte": est.mean / math.log(2) / bytes_per_token[name],
                       "max_position_se": float(np.max(est.per_position_se))}
        rows += [{"set": name, "position": i + 1, "loss": float(v), "loss_se": float(s)}
                 for i, (v, s) in enumerate(zip(est.per_position, est.per_position_se))]
    return rows, means
