"""Parameter and FLOP accounting, computed from a built model.

Every convention the fits may want is a named number here, so a law can be refitted in another
basis (non-embedding vs total parameters, 6N vs 6N plus the attention context term) without
touching the fitter. The paper's conventions are Table 1 and Eq. 2.1-2.2 of Kaplan et al. 2020.
"""

from __future__ import annotations

import torch.nn as nn

from scalinglaws.train.model import TransformerConfig


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
        # what the hardware multiplies (both attention products over the full context, the head):
        # the FLOPs of model-FLOPs utilisation as PaLM defines it, and what torch's counter sees
        "flops_per_token_matmul": 3 * forward_flops_exact(cfg),
    }


def forward_flops_exact(cfg: TransformerConfig) -> int:
    """Forward matmul FLOPs per token as a FLOP counter sees them (no causal-mask saving).

    Projections 2 N, both attention products 2 * 2 n_ctx d_attn per layer, and the output head.
    """
    per_layer_attention = 4 * cfg.n_ctx * cfg.d_attn
    return cfg.reuse * (2 * paper_nonembedding(cfg) + cfg.n_layer * per_layer_attention) + 2 * cfg.d_model * cfg.vocab_size


def _counted_forward_flops(model: nn.Module) -> dict[str, float]:
    """Forward FLOPs per token of each module family, from torch's FLOP counter on one sequence."""
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    cfg: TransformerConfig = model.cfg
    x = torch.zeros(1, cfg.n_ctx, dtype=torch.long, device=model.wte.weight.device)
    was_training = model.training
    model.eval()
    # the math backend runs attention as plain matmuls, which the counter sees
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    model.train(was_training)
    counts = {name: sum(ops.values()) / cfg.n_ctx for name, ops in counter.get_flop_counts().items()}

    def family(suffix: str) -> float:
        return sum(v for name, v in counts.items() if name.endswith(suffix) and ".blocks." in name)

    attention_products = sum(v for name, v in counts.items() if name.endswith(".attn")) - family(".attn.qkv") - family(".attn.proj")
    return {"qkv": family(".attn.qkv"), "mask": attention_products, "project": family(".attn.proj"),
            "feedforward": family(".mlp.up") + family(".mlp.proj"), "deembed": counts.get("Transformer.head", 0.0),
            "total": counts["Global"]}


def table1(model: nn.Module):
    """Table 1 of the paper for a built model: each operation's formula beside what the model has.

    Parameters are counted from the model's tensors (weights only, as the paper omits biases and
    norms); forward FLOPs per token come from torch's FLOP counter. The counter sees both
    attention products (QK^T and AV) over the full context, so its mask row is twice the paper's
    2 n_layer n_ctx d_attn, which counts one of them.
    """
    import pandas as pd

    cfg: TransformerConfig = model.cfg
    L, d, da, dff, T, V = cfg.n_layer, cfg.d_model, cfg.d_attn, cfg.d_ff, cfg.n_ctx, cfg.vocab_size
    weights = {name: p.numel() for name, p in model.named_parameters() if p.dim() == 2}

    def params(suffix: str) -> int:
        return sum(n for name, n in weights.items() if name.endswith(suffix))

    flops = _counted_forward_flops(model)
    n = paper_nonembedding(cfg)
    rows = [
        ("Embed", "(n_vocab + n_ctx) d_model", (V + T) * d, params("wte.weight") + params("wpe.weight"), "4 d_model", 4 * d, None),
        ("Attention: QKV", "n_layer d_model 3 d_attn", L * d * 3 * da, params("attn.qkv.weight"), "2 n_layer d_model 3 d_attn", 2 * L * d * 3 * da, flops["qkv"]),
        ("Attention: Mask", "-", None, None, "2 n_layer n_ctx d_attn", 2 * L * T * da, flops["mask"]),
        ("Attention: Project", "n_layer d_attn d_model", L * da * d, params("attn.proj.weight"), "2 n_layer d_attn d_model", 2 * L * da * d, flops["project"]),
        ("Feedforward", "n_layer 2 d_model d_ff", L * 2 * d * dff, params("mlp.up.weight") + params("mlp.proj.weight"), "2 n_layer 2 d_model d_ff", 2 * L * 2 * d * dff, flops["feedforward"]),
        ("De-embed", "-", None, None, "2 d_model n_vocab", 2 * d * V, flops["deembed"]),
        ("Total (non-embedding)", "N = 2 d_model n_layer (2 d_attn + d_ff)", n,
         params("attn.qkv.weight") + params("attn.proj.weight") + params("mlp.up.weight") + params("mlp.proj.weight"),
         "C_forward = 2N + 2 n_layer n_ctx d_attn", 2 * n + 2 * L * T * da, flops["total"] - flops["deembed"]),
    ]
    table = pd.DataFrame(rows, columns=["operation", "parameters_formula", "parameters_paper", "parameters_model",
                                        "flops_formula", "flops_paper", "flops_counted"])
    # counts are integers, blank where an operation has none (not floats: 36864, not 3.686e+04)
    return table.astype({"parameters_paper": "Int64", "parameters_model": "Int64"})
