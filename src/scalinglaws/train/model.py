"""Decoder-only Transformer, in the shapes the paper sweeps.

Pre-LayerNorm blocks, learned positions, GELU MLP, optional tied embeddings. Every width is
independent (n_layer, d_model, n_head, d_attn, d_ff), so the shape sweep of Figure 5 and the
paper's parameter count N = 2 d_model n_layer (2 d_attn + d_ff) can be reproduced exactly.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class TransformerConfig:
    n_layer: int
    d_model: int
    n_head: int
    vocab_size: int
    n_ctx: int
    d_attn: int | None = None  # defaults to d_model (the paper's standard shape)
    d_ff: int | None = None  # defaults to 4 d_model
    dropout: float = 0.0
    bias: bool = True
    tie_embeddings: bool = True
    reuse: int = 1  # apply the stack of blocks this many times (recurrent / universal Transformer)

    def __post_init__(self) -> None:
        object.__setattr__(self, "d_attn", self.d_attn or self.d_model)
        object.__setattr__(self, "d_ff", self.d_ff or 4 * self.d_model)
        if self.d_attn % self.n_head:
            raise ValueError(f"d_attn={self.d_attn} is not divisible by n_head={self.n_head}")
        if min(self.n_layer, self.d_model, self.n_head, self.vocab_size, self.n_ctx, self.reuse) < 1:
            raise ValueError(f"every size must be positive: {asdict(self)}")

    def to_dict(self) -> dict:
        return asdict(self)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.n_head = cfg.n_head
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_attn, bias=cfg.bias)
        self.proj = nn.Linear(cfg.d_attn, cfg.d_model, bias=cfg.bias)
        self.dropout = cfg.dropout
        self.resid_dropout = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, _ = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)  # (B, T, d_attn) each
        q, k, v = (t.view(B, T, self.n_head, -1).transpose(1, 2) for t in (q, k, v))  # (B, nh, T, hs)
        y = F.scaled_dot_product_attention(
            q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0.0
        )  # (B, nh, T, hs)
        y = y.transpose(1, 2).reshape(B, T, -1)  # (B, T, d_attn)
        return self.resid_dropout(self.proj(y))


class MLP(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.up = nn.Linear(cfg.d_model, cfg.d_ff, bias=cfg.bias)
        self.proj = nn.Linear(cfg.d_ff, cfg.d_model, bias=cfg.bias)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.proj(F.gelu(self.up(x))))


class Block(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.d_model, bias=cfg.bias)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.d_model, bias=cfg.bias)
        self.mlp = MLP(cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.wpe = nn.Embedding(cfg.n_ctx, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.d_model, bias=cfg.bias)
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        if cfg.tie_embeddings:
            self.head.weight = self.wte.weight
        # a model on the meta device (built by plans to count parameters and FLOPs) has no values to set,
        # and initialising one costs ~10 ms a tensor: most of a DAG build's time
        if not self.wte.weight.is_meta:
            self.apply(self._init_weights)
            # GPT-2: residual projections scaled down by the number of residual additions
            for name, p in self.named_parameters():
                if name.endswith("proj.weight"):
                    nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer * cfg.reuse))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """Logits (B, T, vocab) for token ids idx (B, T)."""
        _, T = idx.shape
        if T > self.cfg.n_ctx:
            raise ValueError(f"sequence of {T} tokens is longer than n_ctx={self.cfg.n_ctx}")
        pos = torch.arange(T, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))  # (B, T, d_model)
        for _ in range(self.cfg.reuse):
            for block in self.blocks:
                x = block(x)
        return self.head(self.ln_f(x))  # (B, T, vocab)


def token_losses(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy in nats of every target token, shape (B, T)."""
    logits = model(x)
    return F.cross_entropy(logits.float().flatten(0, 1), y.flatten(), reduction="none").view_as(y)
