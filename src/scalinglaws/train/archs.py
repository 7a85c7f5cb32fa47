"""The model architectures a cell can train: one entry each, everything the pipeline needs of it.

An entry says which of the cell's shape fields its model reads, how its model config is made from
a cell, how the model is built from that config, how the model counts its parameters and FLOPs
(the keys of ``accounting.transformer_accounting``), and whether cells of one shape can train as
one batched model (``stacked.py``). A cell that sets a shape field its arch does not read is an
error, so an LSTM has no n_head and no d_ff, and the runs table leaves them blank for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch.nn as nn

from scalinglaws.train.accounting import transformer_accounting
from scalinglaws.train.lstm import LSTMConfig, LSTMLanguageModel, lstm_accounting
from scalinglaws.train.model import Transformer, TransformerConfig

if TYPE_CHECKING:
    from scalinglaws.train.cell import Cell

# the cell's shape fields that some archs read and others do not (every arch reads n_layer and d_model)
SHAPE_FIELDS = ("n_head", "d_attn", "d_ff", "reuse")


@dataclass(frozen=True)
class Arch:
    name: str
    shape: tuple[str, ...]  # the SHAPE_FIELDS its model reads; the others keep the Cell's default
    config: Callable[[Cell, int], Any]  # (cell, vocab_size) -> the model's config, which has these fields
    model: Callable[[Any], nn.Module]  # config -> the model
    accounting: Callable[[nn.Module], dict[str, float]]  # the keys of transformer_accounting
    stacks: bool  # whether cells of one shape can train as one batched model (torch.func.vmap)


def _transformer_config(cell: Cell, vocab_size: int) -> TransformerConfig:
    if cell.n_head is None:
        raise ValueError(f"cell {cell.cell_id}: a transformer needs n_head")
    return TransformerConfig(n_layer=cell.n_layer, d_model=cell.d_model, n_head=cell.n_head, vocab_size=vocab_size,
                             n_ctx=cell.n_ctx, d_attn=cell.d_attn, d_ff=cell.d_ff, dropout=cell.dropout,
                             tie_embeddings=cell.tie_embeddings, reuse=cell.reuse)


def _lstm_config(cell: Cell, vocab_size: int) -> LSTMConfig:
    return LSTMConfig(n_layer=cell.n_layer, d_model=cell.d_model, vocab_size=vocab_size, n_ctx=cell.n_ctx,
                      dropout=cell.dropout, tie_embeddings=cell.tie_embeddings)


ARCHS = {arch.name: arch for arch in (
    Arch("transformer", SHAPE_FIELDS, _transformer_config, Transformer, transformer_accounting, stacks=True),
    Arch("lstm", (), _lstm_config, LSTMLanguageModel, lstm_accounting, stacks=False),
)}
