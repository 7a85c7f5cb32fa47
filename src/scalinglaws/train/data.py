"""Batches from a token stream, deterministic in the step number.

The stream (a memmap of token ids, or a prefix of it for a dataset-size cell) is cut into
non-overlapping windows of n_ctx + 1 tokens. Each epoch visits every window once in an order drawn
from (seed, epoch). The batch of step s is a pure function of s, so a resumed run sees exactly the
batches an uninterrupted run would, with no loader state to save.
"""

from __future__ import annotations

import numpy as np
import torch


def dataset_windows(usable: int, n_ctx: int) -> int:
    """Windows of n_ctx + 1 tokens (one shared with the next) in a prefix of ``usable`` tokens; a cell
    trains on ``dataset_windows(...) * n_ctx`` unique tokens of it."""
    return (usable - 1) // n_ctx


class EpochBatches:
    """Training batches over the first ``dataset_tokens`` tokens of ``tokens``."""

    def __init__(self, tokens: np.ndarray, n_ctx: int, batch_size: int, seed: int, dataset_tokens: int | None = None):
        usable = len(tokens) if dataset_tokens is None else int(dataset_tokens)
        if usable > len(tokens):
            raise ValueError(f"dataset_tokens={usable} is larger than the training shard ({len(tokens)} tokens)")
        self.tokens = tokens
        self.n_ctx = n_ctx
        self.batch_size = batch_size
        self.seed = seed
        self.windows = dataset_windows(usable, n_ctx)  # window i covers tokens [i n_ctx, i n_ctx + n_ctx]
        if self.windows < 1:
            raise ValueError(f"{usable} tokens do not fill one window of n_ctx={n_ctx}")
        self._order_epoch = -1
        self._order = np.empty(0, dtype=np.int64)

    @property
    def unique_tokens(self) -> int:
        return self.windows * self.n_ctx

    def _epoch_order(self, epoch: int) -> np.ndarray:
        if epoch != self._order_epoch:
            self._order = np.random.default_rng([self.seed, epoch]).permutation(self.windows)
            self._order_epoch = epoch
        return self._order

    def window_ids(self, step: int) -> np.ndarray:
        flat = np.arange(step * self.batch_size, (step + 1) * self.batch_size)
        ids = np.empty_like(flat)
        for epoch in np.unique(flat // self.windows):
            mask = flat // self.windows == epoch
            ids[mask] = self._epoch_order(int(epoch))[flat[mask] % self.windows]
        return ids

    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(x, y) int64 tensors of shape (batch_size, n_ctx) for this step."""
        return windows_to_batch(self.tokens, self.window_ids(step), self.n_ctx)

    def unique_tokens_seen(self, steps: int) -> int:
        return min(steps * self.batch_size, self.windows) * self.n_ctx


def windows_to_batch(tokens: np.ndarray, window_ids: np.ndarray, n_ctx: int) -> tuple[torch.Tensor, torch.Tensor]:
    rows = np.stack([np.asarray(tokens[i * n_ctx : i * n_ctx + n_ctx + 1], dtype=np.int64) for i in window_ids])
    data = torch.from_numpy(rows)  # (B, n_ctx + 1)
    return data[:, :-1], data[:, 1:]


def eval_windows(n_tokens: int, n_ctx: int, count: int) -> np.ndarray:
    """Ids of ``count`` windows spread evenly over a stream: the fixed test set of every cell."""
    available = (n_tokens - 1) // n_ctx
    if available < 1:
        raise ValueError(f"the evaluation stream of {n_tokens} tokens does not fill one window of n_ctx={n_ctx}")
    count = min(count, available)
    return np.unique(np.linspace(0, available - 1, count).round().astype(np.int64))
