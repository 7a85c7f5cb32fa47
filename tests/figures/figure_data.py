"""A small synthetic study with every study kind, built from the paper's laws (runs, curves, positions)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.figures import declarations
from scalinglaws.fit import analytic, paper, synthetic

N_CTX, B = 64, 2**14
OOD = ("books", "wikipedia")
CONFIG = {"train": {"noise_scale_every": 10},
          "studies": {k: {} for k in ("size", "data", "shape", "batch", "lstm", "recurrent", "context", "lr_schedule", "depth")}}


def _row(study, cell, N, loss, n_layer=2, **extra):
    d_model = int(np.sqrt(N / (12 * n_layer)))
    return {"run_id": f"{study}/{cell}", "study": study, "kind": study, "cell": cell, "status": "completed", "n_layer": n_layer,
            "d_model": d_model, "n_head": max(1, d_model // 16), "d_ff": 4 * d_model, "d_attn": d_model, "n_ctx": N_CTX,
            "reuse": 1, "N": N, "N_total": N + 600 * d_model, "N_with_reuse": N, "N_exact_nonembedding": N,
            "batch_tokens": B, "test_loss": loss, "test_loss_best": loss, "final_train_loss": loss * 0.98,
            "dataset_tokens": np.nan, "vocab_size": 512, **{f"loss_{s}": loss * (1.1 + 0.05 * i) for i, s in enumerate(OOD)},
            "loss_test": loss, **extra}


def _positions(run_id, loss, n_ctx=N_CTX):
    T = np.arange(1, n_ctx + 1)
    per = loss - 0.5 + 2.5 * T ** -0.5
    return pd.DataFrame({"run_id": run_id, "set": "test", "position": T, "loss": per * loss / per.mean()})


def build() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(0)
    size_runs, size_curves = synthetic.size_study(sizes=np.logspace(5, 8, 5), n_points=60, steps=20_000, B=B)
    size_runs = pd.DataFrame([_row("size", r.run_id.split("/")[1], r.N, r.test_loss, n_layer=int(r.n_layer),
                                   steps=r.steps, tokens=r.tokens, flops_6N=r.flops_6N) for r in size_runs.itertuples()])
    size_curves["noise_scale"] = np.where(size_curves["step"] % 2 == 0,
                                          analytic.B_crit(size_curves["test_loss"]) * rng.lognormal(0, 0.3, len(size_curves)), np.nan)
    grid = synthetic.data_grid(sizes=np.logspace(6, 8, 3), datasets=2.2e10 / 2.0 ** np.arange(4, 9))
    data_rows, data_curves = [], []
    for r in grid.itertuples():
        D = r.dataset_tokens
        cell = f"N{r.N:.3g}_D{'full' if np.isnan(D) else f'{D:.3g}'}"
        steps = np.arange(1, 401, 10)
        L = r.test_loss * (1 + 3 / steps**0.5)
        # the unlimited-data cells are still improving at their last step (compute-limited): drawn hollow, not fitted
        data_rows.append(_row("data", cell, r.N, r.test_loss, dataset_tokens=D, tokens=r.tokens, steps=400,
                              best_step=400 if np.isnan(D) else 300))
        data_curves.append(pd.DataFrame({"run_id": f"data/{cell}", "step": steps, "tokens": steps * B,
                                         "flops_6N": 6 * r.N * steps * B, "test_loss": L, "train_loss": L * 0.97, "lr": 1e-3}))
    scan_runs, scan_curves = synthetic.batch_scan(sizes=(3e6,), n_points=60)
    scan_runs = pd.DataFrame([_row("batch", r.run_id.split("/")[1], r.N, r.test_loss, batch_tokens=r.batch_tokens)
                              for r in scan_runs.itertuples()])
    rows = []
    L_N = lambda N: (paper.TABLE_5["N_c"] / N) ** paper.TABLE_5["alpha_N"]  # noqa: E731
    for prefix, values in (("ff", (0.5, 1, 4, 16)), ("ar", (4, 16, 64)), ("hd", (8, 16, 32))):
        for v in values:
            extra = {"ff": {"d_ff": int(v * 64)}, "ar": {"n_layer": 2, "d_model": int(v * 2)}, "hd": {"n_head": 64 // v}}[prefix]
            row = _row("shape", f"{prefix}{v}_L2_d64", 1e5, L_N(1e5) * (1 + 0.01 * abs(np.log(v / 8))))
            rows.append({**row, "d_model": 64, **extra})
    for layers in (1, 2, 4):
        for N in (1e5, 1e6):
            rows.append(_row("lstm", f"lstm{layers}_N{N:.0e}", N * layers, L_N(N * layers) * 1.15, n_layer=layers,
                             n_head=None, d_ff=None, d_attn=None))  # as collect writes an LSTM's row
    for k in (2, 4):
        for N in (1e5, 1e6):
            rows.append(_row("recurrent", f"N{N:.0e}_x{k}", N, L_N(N * k ** 0.5), reuse=k, N_with_reuse=N * k))
    for N in (1e5, 1e6):
        rows.append(_row("context", f"N{N:.0e}_ctx8", N, L_N(N) * 1.3, n_ctx=8))
    for name in ("cosine", "linear", "constant"):
        rows.append(_row("lr_schedule", f"{name}_L2_d32", 1e5, L_N(1e5) * rng.uniform(1, 1.02)))
    for depth in (1, 2, 4, 8):
        rows.append(_row("depth", f"L{depth}_d32", 1e5, L_N(1e5) * (1.05 if depth == 1 else 1.0), n_layer=depth))
    runs = pd.concat([size_runs, pd.DataFrame(data_rows), scan_runs, pd.DataFrame(rows)], ignore_index=True)
    other = []
    for r in runs[runs["kind"].isin(["lstm", "recurrent", "context", "lr_schedule", "depth", "shape"])].itertuples():
        steps = np.arange(1, 201, 10)
        lr = 1e-3 * np.where(steps < 20, steps / 20, 1.0) * (np.cos(np.pi * steps / 400) if "cosine" in r.cell else 1)
        other.append(pd.DataFrame({"run_id": r.run_id, "step": steps, "tokens": steps * B, "flops_6N": 6 * r.N * steps * B,
                                   "test_loss": r.test_loss * (1 + 2 / steps**0.5), "train_loss": r.test_loss, "lr": lr}))
    curves = pd.concat([size_curves, *data_curves, scan_curves.assign(train_loss=scan_curves["test_loss"], lr=1e-3,
                                                                      flops_6N=6 * 3e6 * scan_curves["tokens"]), *other],
                       ignore_index=True)
    positions = pd.concat([_positions(r.run_id, r.test_loss, 8 if r.study == "context" else N_CTX) for r in runs.itertuples()],
                          ignore_index=True)
    return {"runs": runs, "curves": curves, "positions": positions}


FIGURES = list(declarations())  # every figure module, as the workflow finds them
