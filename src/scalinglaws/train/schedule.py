"""What happens at which step: the learning rate (linear warmup, then a decay to a floor) and the
steps after which the test loss is measured."""

from __future__ import annotations

import math

import numpy as np

SCHEDULES = ("cosine", "linear", "constant")
# Eq. D.1 of the paper: LR(N) = 0.003239 - 0.0001395 ln N, N non-embedding; it reaches zero near
# N = 1.2e10. Here rather than beside the paper's other constants in scalinglaws.fit.paper (whose
# lr_rule reads it): a training job does not import the fitting library (scipy) to start.
PAPER_LR_RULE = {"intercept": 0.003239, "slope": -0.0001395}


def paper_lr_rule(n_nonembedding: float) -> float:
    """Eq. D.1 of the paper (``PAPER_LR_RULE``) at non-embedding N; it breaks down above N ~ 1e10."""
    lr = PAPER_LR_RULE["intercept"] + PAPER_LR_RULE["slope"] * math.log(n_nonembedding)
    if lr <= 0:
        raise ValueError(f"the paper's LR rule gives a non-positive rate for N={n_nonembedding:.3g}")
    return lr


def tuned_lr(rule: dict, n_nonembedding: float) -> float:
    """The peak LR a cell of non-embedding N trains at under an LR scan (``scalinglaws.fit.lr_rule``):
    a scanned size's own optimum; between scanned sizes, their optima interpolated in log-log; beyond
    the scanned sizes, the nearest one's. Each optimum lies within the scanned LRs, so this does too."""
    sizes = sorted(rule["per_size"], key=lambda size: size["N"])
    ln_lr = np.interp(math.log(n_nonembedding), [math.log(size["N"]) for size in sizes],
                      [math.log(size["lr_opt"]) for size in sizes])
    return float(math.exp(ln_lr))


def lr_at(step: int, *, peak: float, total_steps: int, warmup_steps: int, schedule: str = "cosine", floor: float = 0.0) -> float:
    """Learning rate used for optimiser step ``step`` (0-based) of a schedule of ``total_steps``.

    ``total_steps`` is the schedule's horizon (``Cell.horizon``): a run may stop before it, with its LR
    not yet decayed (Kaplan's one long cosine for every budget). ``floor`` is a fraction of the peak
    that the decay ends at (0: decay to zero, as the paper).
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; choose one of {SCHEDULES}")
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    if schedule == "constant":
        return peak
    progress = min((step - warmup_steps) / max(1, total_steps - warmup_steps), 1.0)
    shape = 0.5 * (1 + math.cos(math.pi * progress)) if schedule == "cosine" else 1 - progress
    return peak * (floor + (1 - floor) * shape)


def eval_steps(total_steps: int, per_octave: int = 4, points: int = 8, every: int | None = None) -> list[int]:
    """Steps after which the test loss is measured: step 0 and the last, ``per_octave`` log-spaced
    steps per doubling (a learning curve on log axes gets even coverage), ``points`` evenly spaced
    over the run, and every ``every`` steps when given (early stopping may want a finer grid)."""
    steps = {0, total_steps}
    if total_steps > 0 and per_octave > 0:
        exponents = np.arange(0, math.log2(total_steps) * per_octave + 1) / per_octave
        steps.update(np.unique(np.round(2.0**exponents).astype(int)).tolist())
    steps.update(round(total_steps * (i + 1) / (points + 1)) for i in range(points))
    if every:
        steps.update(range(every, total_steps + 1, every))
    return sorted(s for s in steps if 0 <= s <= total_steps)
