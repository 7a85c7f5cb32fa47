"""Everything a run accumulates while it trains, and the resume format that carries it across a restart.

The state is plain data (numbers, strings, lists, dicts and tensors), so a resume point loads with
``torch.load(..., weights_only=True)``. Wall time is kept per activity in ``seconds``; a resumed run
adds to the times of the attempts before it, so the totals are those of the whole run.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, fields

# where a run's wall time goes; their sum is the run's wall time
ACTIVITIES = (
    "startup",  # interpreter, imports and token shards, shared equally by the cells of a pack
    "setup",  # building the model, optimiser and data order; loading a resume point
    "steps",  # optimiser steps
    "noise_scale",  # optimiser steps that also measure the gradient noise scale (two half batches)
    "evaluation",  # test loss during training
    "tracking",  # per-position and out-of-distribution losses of a tracked cell during training
    "checkpoints",  # resume points
    "final_evaluation",  # test and out-of-distribution sets, per position, after the last step
    "output",  # writing the run's files
)


@dataclass
class TrainState:
    step: int = 0
    status: str = "running"  # running, completed, early_stopped, diverged
    rows: list[dict] = field(default_factory=list)  # one per step: the curve of metrics.parquet
    tracking: list[dict] = field(default_factory=list)  # per-position / OOD losses of a tracked cell
    best_loss: float = math.inf
    best_step: int = 0
    bad_evals: int = 0  # evaluations since the best one (early stopping)
    best_weights: dict | None = None  # kept only when early stopping needs them
    noise: dict = field(default_factory=lambda: {"G2": None, "trace": None})  # the noise scale's EMAs
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ACTIVITIES, 0.0))
    warm_seconds: float = 0.0  # step time of the first steps, left out of the throughput

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "TrainState":
        state = cls(**data)
        state.seconds = dict.fromkeys(ACTIVITIES, 0.0) | state.seconds
        return state

    @property
    def step_seconds(self) -> float:
        """Time in optimiser steps, the noise-scale steps included."""
        return self.seconds["steps"] + self.seconds["noise_scale"]

    @contextmanager
    def timed(self, activity: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[activity] += time.perf_counter() - start
