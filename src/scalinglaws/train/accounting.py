"""Parameter and FLOP accounting, computed from a built model.

Every convention the fits may want is a named number here, so a law can be refitted in another
basis (non-embedding vs total parameters, 6N vs 6N plus the attention context term) without
touching the fitter. The paper's conventions are Table 1 and Eq. 2.1-2.2 of Kaplan et al. 2020.
"""

from __future__ import annotations

import torch.nn as nn

from scalinglaws.train.model import TransformerConfig

PF_DAY = 1e15 * 24 * 3600  # FLOPs in one petaflop/s-day


def paper_nonembedding(cfg: TransformerConfig) -> int:
    """N = 2 d_model n_layer (2 d_attn + d_ff): Table 1, biases and layer norms left out."""
    return 2 * cfg.d_model * cfg.n_layer * (2 * cfg.d_attn + cfg.d_ff)


def parameter_counts(model: nn.Module) -> dict[str, int]:
    """Exact parameter counts of a built model, split the way the paper's figures need.

    ``total`` counts a tied input/output matrix once. ``nonembedding_exact`` is everything except
    the token and position embeddings and an untied output head (biases and norms included).
    """
    embedding = model.wte.weight.numel()
    position = model.wpe.weight.numel() if hasattr(model, "wpe") else 0
    head = model.head.weight.numel()
    tied = model.head.weight is model.wte.weight
    total = sum(p.numel() for p in model.parameters())  # shared tensors appear once
    untied_head = 0 if tied else head
    return {
        "total": total,
        "embedding": embedding,
        "position": position,
        "head": head,
        "head_untied": untied_head,
        "nonembedding_exact": total - embedding - position - untied_head,
    }


def transformer_accounting(model: nn.Module) -> dict[str, float]:
    """Parameters and training FLOPs per token of a Transformer under each convention.

    Training FLOPs are three forward passes (forward + a backward twice as costly), as the paper's
    C = 6NBS. ``reuse`` multiplies the compute of the blocks, not their parameters.
    """
    cfg: TransformerConfig = model.cfg
    counts = parameter_counts(model)
    n = paper_nonembedding(cfg)
    context = 2 * cfg.n_layer * cfg.n_ctx * cfg.d_attn * cfg.reuse  # forward, per token (Eq. 2.2)
    head = 2 * cfg.d_model * cfg.vocab_size  # forward de-embedding, per token
    return {
        "N": n,
        "N_with_reuse": n * cfg.reuse,
        "N_exact_nonembedding": counts["nonembedding_exact"],
        "N_total": counts["total"],
        "params_embedding": counts["embedding"],
        "params_position": counts["position"],
        "params_head_untied": counts["head_untied"],
        "flops_per_token_6N": 6 * n * cfg.reuse,
        "flops_per_token_6N_ctx": 6 * n * cfg.reuse + 3 * context,
        "flops_per_token_with_head": 6 * n * cfg.reuse + 3 * context + 3 * head,
        "flops_per_token_6N_total": 6 * counts["total"],
    }


def forward_flops_exact(cfg: TransformerConfig) -> int:
    """Forward matmul FLOPs per token as a FLOP counter sees them (no causal-mask saving).

    Projections 2 N, both attention products 2 * 2 n_ctx d_attn per layer, and the output head.
    """
    per_layer_attention = 4 * cfg.n_ctx * cfg.d_attn
    return cfg.reuse * (2 * paper_nonembedding(cfg) + cfg.n_layer * per_layer_attention) + 2 * cfg.d_model * cfg.vocab_size
