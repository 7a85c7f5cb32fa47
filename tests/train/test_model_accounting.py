"""The model counts itself the way the paper does, and its FLOPs agree with torch's counter."""

import pandas as pd
import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from scalinglaws.train.accounting import paper_nonembedding, transformer_accounting
from scalinglaws.train.model import Transformer, TransformerConfig, token_losses
from scalinglaws.train.table1 import main as table1_main


def test_gpt2_small_has_its_published_parameter_count():
    model = Transformer(TransformerConfig(n_layer=12, d_model=768, n_head=12, vocab_size=50257, n_ctx=1024))
    counts = transformer_accounting(model)
    assert counts["N_total"] == 124_439_808
    assert counts["N"] == 12 * 12 * 768**2  # Eq. 2.1 for the standard shape
    # exact non-embedding = the paper's N plus biases and layer norms only
    biases_and_norms = 12 * (3 * 768 + 768 + 4 * 768 + 768 + 4 * 768) + 2 * 768
    assert counts["N_exact_nonembedding"] == counts["N"] + biases_and_norms


@pytest.mark.parametrize("d_attn,d_ff,n_head", [(None, None, 4), (64, 96, 2), (256, 1024, 8)])
def test_paper_count_follows_table1_for_any_shape(d_attn, d_ff, n_head):
    cfg = TransformerConfig(n_layer=3, d_model=128, n_head=n_head, vocab_size=300, n_ctx=32, d_attn=d_attn, d_ff=d_ff,
                            bias=False)
    model = Transformer(cfg)
    weights_only = sum(p.numel() for n, p in model.named_parameters() if n.startswith("blocks") and p.dim() == 2)
    assert paper_nonembedding(cfg) == weights_only == 2 * 128 * 3 * (2 * cfg.d_attn + cfg.d_ff)


def test_untied_head_is_counted_separately():
    tied = transformer_accounting(Transformer(TransformerConfig(2, 64, 4, 500, 32)))
    untied = transformer_accounting(Transformer(TransformerConfig(2, 64, 4, 500, 32, tie_embeddings=False)))
    assert untied["N_total"] - tied["N_total"] == 500 * 64 == untied["params_head_untied"]
    assert untied["N_exact_nonembedding"] == tied["N_exact_nonembedding"]


def test_training_flops_agree_with_torch_flop_counter():
    cfg = TransformerConfig(n_layer=4, d_model=256, n_head=4, vocab_size=2048, n_ctx=128)
    model = Transformer(cfg)
    x = torch.randint(0, cfg.vocab_size, (2, cfg.n_ctx))
    with FlopCounterMode(display=False) as counter:
        token_losses(model, x, x).mean().backward()
    counted = counter.get_total_flops() / x.numel()
    ours = transformer_accounting(model)["flops_per_token_with_head"]
    assert abs(counted - ours) / ours < 0.05, (counted, ours)


def test_matmul_flops_of_mfu_match_the_counter_where_attention_dominates():
    # n_ctx 512 on a 64-wide model: both attention products outweigh the weights' 6N
    cfg = TransformerConfig(n_layer=2, d_model=64, n_head=4, vocab_size=256, n_ctx=512)
    model = Transformer(cfg)
    x = torch.randint(0, cfg.vocab_size, (1, cfg.n_ctx))
    # the math backend runs attention as plain matmuls, which the counter sees (CPU flash does not)
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        token_losses(model, x, x).mean().backward()
    counted = counter.get_total_flops() / x.numel()
    accounting = transformer_accounting(model)
    assert abs(counted - accounting["flops_per_token_matmul"]) / counted < 0.01, (counted, accounting)
    assert accounting["flops_per_token_with_head"] < 0.8 * counted  # the paper's C counts one attention product


def test_reuse_multiplies_compute_not_parameters():
    once = transformer_accounting(Transformer(TransformerConfig(2, 64, 4, 100, 16)))
    twice = transformer_accounting(Transformer(TransformerConfig(2, 64, 4, 100, 16, reuse=4)))
    assert once["N"] == twice["N"] and twice["N_with_reuse"] == 4 * once["N"]
    assert twice["flops_per_token_6N"] == 4 * once["flops_per_token_6N"]


def test_impossible_shape_is_refused():
    with pytest.raises(ValueError, match="not divisible"):
        TransformerConfig(n_layer=2, d_model=100, n_head=3, vocab_size=10, n_ctx=8)


def test_table1_beside_the_model_and_its_command_line(tmp_path):
    # Table 1 has one home: the formulas beside the counts of a built model (train.table1's CLI)
    runs = pd.DataFrame({"run_id": ["small", "big"], "N": [24_576, 98_304], "n_layer": [2, 2], "d_model": [32, 64],
                         "n_head": [4, 4], "vocab_size": [50257, 50257], "n_ctx": [64, 64], "d_attn": [32, 64],
                         "d_ff": [128, 256]})
    runs.to_parquet(tmp_path / "runs.parquet")
    table1_main(["--runs", str(tmp_path / "runs.parquet"), "--out", str(tmp_path / "table1.csv")])
    t1 = pd.read_csv(tmp_path / "table1.csv").set_index("operation")
    assert (t1["model"].str.startswith("big (n_layer=2, d_model=64")).all()
    for operation in ("Attention: QKV", "Attention: Project", "Feedforward", "Total (non-embedding)"):
        assert t1.loc[operation, "parameters_model"] == t1.loc[operation, "parameters_paper"]
    assert t1.loc["Total (non-embedding)", "parameters_paper"] == 98_304
    assert t1.loc["Embed", "parameters_paper"] == (50257 + 64) * 64
    assert "| 3220544 |" in (tmp_path / "table1.md").read_text()  # integers stay whole in the Markdown
