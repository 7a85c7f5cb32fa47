"""A cell: one training run's complete settings, and the model it builds.

Cells are made by ``scalinglaws.studies`` from the config; the training job receives one as JSON.
Unknown keys are errors, so a typo in a study cannot silently fall back to a default.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import torch

from scalinglaws.train.archs import ARCHS, SHAPE_FIELDS, Arch
from scalinglaws.train.schedule import paper_lr_rule


@dataclass(frozen=True)
class Cell:
    study: str
    cell_id: str
    n_layer: int
    d_model: int
    n_ctx: int
    batch_size: int  # sequences per step
    tokens: float  # token budget; steps = ceil(tokens / (batch_size n_ctx)) unless ``steps`` is set
    lr: float | str = 5e-3  # a number, "paper" for the rule of Eq. D.1, or "tuned" for the rule fitted to an lr_scan study
    arch: str = "transformer"  # a name in archs.ARCHS; which of the shape fields below it reads is its ``shape``
    n_head: int | None = None
    d_ff: int | None = None
    d_attn: int | None = None
    reuse: int = 1
    tie_embeddings: bool = True
    steps: int | None = None
    schedule: str = "cosine"
    lr_floor: float = 0.0
    warmup_fraction: float = 0.1
    warmup_steps: int | None = None
    # the schedule's horizon: warmup and decay are laid out over this many steps instead of the cell's
    # own (Kaplan's one long cosine for every budget: a shorter cell stops before its LR has decayed);
    # "longest" is resolved by studies.expand_studies to the longest cell of the study
    decay_steps: int | str | None = None
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    dropout: float = 0.0
    betas: tuple[float, float] = (0.9, 0.95)
    optimizer: str = "adamw"
    seed: int = 0
    dataset_tokens: int | None = None  # train on this prefix of the shuffled stream (None: all of it)
    dataset_fraction: float | None = None  # or on this fraction of it (the paper's D = full / 2^k)
    patience: int | None = None  # early stopping after this many evaluations worse than the best by stop_margin
    stop_margin: float = 0.0  # relative: an evaluation counts against patience when above best * (1 + stop_margin)
    eval_per_octave: int = 4  # test-loss evaluations per doubling of the step (schedule.eval_steps)
    eval_points: int = 8  # plus this many evenly spaced over the run
    eval_every: int | None = None  # plus every this many steps (a finer grid for early stopping)
    eval_windows: int = 128  # fixed test windows of n_ctx tokens behind each evaluation during training
    final_test_windows: int | None = None  # test windows of the final evaluation (None: the job's --final-windows)
    noise_scale_every: int | None = None  # measure the gradient noise scale every this many steps
    track: bool = False  # log per-position and out-of-distribution losses at every evaluation
    threads: int = 2
    processes: int = 1  # data-parallel processes (torchrun); one GPU each on a GPU machine
    precision: str = "bf16"  # on GPU; CPU always runs fp32
    compile: str = "auto"  # "auto" compiles on GPU for models above 1e6 parameters
    extra: dict = field(default_factory=dict)  # free-form labels carried into the summary

    @classmethod
    def from_dict(cls, data: dict) -> "Cell":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"cell {data.get('cell_id', '?')}: unknown setting(s) {unknown}")
        data = dict(data)
        if "betas" in data:
            data["betas"] = tuple(data["betas"])
        return cls(**data)

    def to_dict(self) -> dict:
        return asdict(self)

    def fingerprint(self) -> str:
        """Hash of every setting except the ones that do not change the result."""
        settings = {k: v for k, v in self.to_dict().items() if k not in ("threads", "processes", "extra")}
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]

    def usable_tokens(self, available: int) -> int | None:
        """Tokens of the training stream this cell may read, checked against what the shard holds."""
        if self.dataset_fraction is not None:
            return max(self.n_ctx + 1, int(available * self.dataset_fraction))
        if self.dataset_tokens is not None and self.dataset_tokens > available:
            raise ValueError(f"studies.{self.study}: cell {self.cell_id} asks for dataset_tokens={self.dataset_tokens}, "
                             f"more than the {available} tokens of the training shard")
        return self.dataset_tokens

    def architecture(self) -> Arch:
        if self.arch not in ARCHS:
            raise ValueError(f"cell {self.cell_id}: unknown arch {self.arch!r}; choose one of {sorted(ARCHS)}")
        return ARCHS[self.arch]

    def model_config(self, vocab_size: int) -> Any:
        """Its arch's model config; a shape field the arch does not read must keep the Cell's default."""
        arch = self.architecture()
        unread = [name for name in SHAPE_FIELDS if name not in arch.shape and getattr(self, name) != _DEFAULTS[name]]
        if unread:
            raise ValueError(f"cell {self.cell_id}: arch {self.arch} has no {', '.join(unread)} "
                             f"(it reads {', '.join(('n_layer', 'd_model', *arch.shape))})")
        return arch.config(self, vocab_size)

    def shape(self) -> dict[str, Any]:
        """``archs.SHAPE_FIELDS`` as its model has them: those its arch reads from the model config (a
        Transformer's d_ff defaults to 4 d_model there), the others at the Cell's default (an LSTM's
        n_head, d_attn and d_ff are None, its reuse 1)."""
        arch, config = self.architecture(), self.model_config(vocab_size=2)
        return {name: getattr(config, name) if name in arch.shape else _DEFAULTS[name] for name in SHAPE_FIELDS}

    def total_steps(self) -> int:
        return self.steps or math.ceil(self.tokens / (self.batch_size * self.n_ctx))

    def horizon(self) -> int:
        """Steps the schedule's warmup and decay span: ``decay_steps``, else the cell's own length."""
        if self.decay_steps is None:
            return self.total_steps()
        if not isinstance(self.decay_steps, int) or isinstance(self.decay_steps, bool) or self.decay_steps < 1:
            raise ValueError(f"cell {self.cell_id}: decay_steps must be a whole number of steps >= 1 (\"longest\" is "
                             f"resolved when the study expands), not {self.decay_steps!r}")
        return self.decay_steps

    def warmup(self, horizon: int) -> int:
        """Warmup steps of a schedule of ``horizon`` steps (``warmup_steps``, else ``warmup_fraction`` of it)."""
        if self.warmup_steps is not None:
            return min(self.warmup_steps, horizon)
        return max(1, round(self.warmup_fraction * horizon))

    def resolved_lr(self, n_nonembedding: float) -> float:
        if self.lr == "tuned":
            raise ValueError(f"cell {self.cell_id}: lr 'tuned' is resolved from a fitted LR rule before training "
                             "(python -m scalinglaws.train --lr-rule)")
        return paper_lr_rule(n_nonembedding) if self.lr == "paper" else float(self.lr)

    def wants_compile(self, device: torch.device, n_params: float) -> bool:
        if self.compile == "auto":
            return device.type == "cuda" and n_params > 1e6
        return self.compile in (True, "true", "on")


_DEFAULTS = {f.name: f.default for f in fields(Cell) if f.name in SHAPE_FIELDS}


def build_model(cell: Cell, vocab_size: int) -> torch.nn.Module:
    return cell.architecture().model(cell.model_config(vocab_size))


def model_accounting(cell: Cell, model: torch.nn.Module) -> dict[str, float]:
    """Parameter and FLOP accounting of the model ``build_model`` made of ``cell``, by its arch."""
    return cell.architecture().accounting(model)


def planned_accounting(cell: Cell, vocab_size: int) -> dict[str, float]:
    """A cell's accounting before it trains, from its model built on the meta device (no memory)."""
    with torch.device("meta"):
        return model_accounting(cell, build_model(cell, vocab_size))
