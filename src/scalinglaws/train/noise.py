"""The gradient noise scale B_simple = tr(Sigma) / |G|^2 (McCandlish et al. 2018, App. A.1).

A measured step splits its batch in two halves and back-propagates each separately, so the
squared norms of a small-batch gradient (each half, B/2) and of the big-batch gradient (their mean,
B) come at no extra compute. The two unbiased estimates
    |G|^2    ~ (B_big |G_big|^2 - B_small |G_small|^2) / (B_big - B_small)
    tr(Sigma) ~ (|G_small|^2 - |G_big|^2) / (1/B_small - 1/B_big)
are smoothed by separate exponential moving averages before their ratio is taken; B is in tokens.
"""

from __future__ import annotations

import math

import torch


def squared_grad_norm(params) -> float:
    return float(sum(p.grad.double().pow(2).sum() for p in params if p.grad is not None))


class NoiseScale:
    """Running EMA estimate of B_simple; its state is a plain dict, saved with the resume point."""

    def __init__(self, state: dict | None = None, decay: float = 0.9):
        self.state = state if state is not None else {"G2": None, "trace": None}
        self.decay = decay

    def update(self, small_sq: float, big_sq: float, b_small: int, b_big: int) -> float:
        g2 = (b_big * big_sq - b_small * small_sq) / (b_big - b_small)
        trace = (small_sq - big_sq) / (1 / b_small - 1 / b_big)
        for key, value in (("G2", g2), ("trace", trace)):
            old = self.state[key]
            self.state[key] = value if old is None else self.decay * old + (1 - self.decay) * value
        return self.state["trace"] / self.state["G2"] if self.state["G2"] > 0 else math.nan


def two_half_backward(model, params, x: torch.Tensor, y: torch.Tensor, loss_fn, autocast) -> tuple[torch.Tensor, float, float]:
    """Backward on each half of the batch (``autocast()`` gives each forward pass its precision
    context); grads end as the full-batch mean. Returns
    (loss, mean squared norm of the half-batch gradients, squared norm of the full-batch gradient)."""
    half = x.shape[0] // 2
    small_sq, losses = [], []
    previous = None
    for part in (slice(0, half), slice(half, None)):
        for p in params:
            p.grad = None
        with autocast():
            loss = loss_fn(model, x[part], y[part]).mean()
        loss.backward()
        small_sq.append(squared_grad_norm(params))
        grads = [p.grad.detach().clone() if p.grad is not None else None for p in params]
        previous = grads if previous is None else [a + b if a is not None else None for a, b in zip(previous, grads)]
        losses.append(loss.detach())
    for p, g in zip(params, previous):
        p.grad = None if g is None else g / 2
    return torch.stack(losses).mean(), sum(small_sq) / 2, squared_grad_norm(params)
