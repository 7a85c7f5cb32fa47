"""The paper's recurrent baseline (Figure 7): a stacked LSTM language model.

Tied input and output embeddings like the Transformer, no position embedding (recurrence carries
position). Non-embedding parameters are the LSTM's own; the training compute per token is 6N, as
for any model whose every weight is used once per token.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn


@dataclass(frozen=True)
class LSTMConfig:
    n_layer: int
    d_model: int  # hidden and embedding width
    vocab_size: int
    n_ctx: int
    dropout: float = 0.0
    tie_embeddings: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


class LSTMLanguageModel(nn.Module):
    def __init__(self, cfg: LSTMConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)
        self.lstm = nn.LSTM(cfg.d_model, cfg.d_model, num_layers=cfg.n_layer, batch_first=True,
                            dropout=cfg.dropout if cfg.n_layer > 1 else 0.0)
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        if cfg.tie_embeddings:
            self.head.weight = self.wte.weight
        nn.init.normal_(self.wte.weight, std=0.02)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """Logits (B, T, vocab) for token ids idx (B, T)."""
        x = self.drop(self.wte(idx))  # (B, T, d_model)
        x, _ = self.lstm(x)  # (B, T, d_model)
        return self.head(self.ln_f(self.drop(x)))


def lstm_accounting(model: LSTMLanguageModel) -> dict[str, float]:
    """The same keys as ``transformer_accounting``; N is every LSTM weight (biases included)."""
    from scalinglaws.train.accounting import parameter_counts

    cfg = model.cfg
    counts = parameter_counts(model)
    n = sum(p.numel() for p in model.lstm.parameters())
    head = 2 * cfg.d_model * cfg.vocab_size
    return {
        "N": n,
        "N_with_reuse": n,
        "N_exact_nonembedding": counts["nonembedding_exact"],
        "N_total": counts["total"],
        "params_embedding": counts["embedding"],
        "params_position": 0,
        "params_head_untied": counts["head_untied"],
        "flops_per_token_6N": 6 * n,
        "flops_per_token_6N_ctx": 6 * n,
        "flops_per_token_with_head": 6 * n + 3 * head,
        "flops_per_token_6N_total": 6 * counts["total"],
        "flops_per_token_matmul": 6 * n + 3 * head,
    }
