"""Noisy synthetic runs generated from the paper's constants, in the input schema.

For tests (does a fit recover the constants it was generated from?) and the benchmark. Curves
follow L(N, S) (Table 3) with S_min from Eq 5.4 and B_crit = 2.1e8 L^-4.8 (Table 5); the noise is
lognormal with standard deviation ``noise`` in log loss.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalinglaws.fit import analytic, paper

N_VOCAB, N_CTX = 50257, 1024


def _shape(N, n_layer):
    d_model = np.sqrt(N / (12 * n_layer))
    return d_model, N + (N_VOCAB + N_CTX) * d_model


def curve(N, B, steps, *, lns=paper.TABLE_3, bcrit=None):
    """Noise-free loss after each of ``steps`` at batch B (tokens) for a model of N parameters.

    Eq 1.6 gives S_min for each loss; Eq 5.4 turns it into S at batch B; invert by interpolation.
    """
    bcrit = bcrit or {"B_star": paper.TABLE_5["B_star"], "alpha_B": paper.TABLE_5["alpha_B"]}
    L_inf = (lns["N_c"] / N) ** lns["alpha_N"]
    L = L_inf + np.geomspace(20.0, 1e-5, 4000)
    S_min = lns["S_c"] / (L - L_inf) ** (1 / lns["alpha_S"])
    S = S_min * (1 + analytic.B_crit(L, **bcrit) / B)
    return np.exp(np.interp(np.log(steps), np.log(S), np.log(L)))


def size_study(seed=0, sizes=np.logspace(5, 9, 6), n_points=200, steps=paper.PAPER_STEPS,
               B=paper.PAPER_BATCH_TOKENS, noise=0.01, study="size"):
    """An N sweep: one run per size at batch B, ``n_points`` log-spaced evaluations each."""
    rng = np.random.default_rng(seed)
    runs, curves = [], []
    for i, N in enumerate(sizes):
        run_id = f"{study}/N{N:.3g}"
        S = np.unique(np.geomspace(10, steps, n_points).astype(int))
        L = curve(N, B, S) * np.exp(rng.normal(0, noise, len(S)))
        warm = min(3000, steps // 10)
        lr = np.where(S < warm, S / warm, 0.5 * (1 + np.cos(np.pi * (S - warm) / (steps - warm)))) * paper.lr_rule(N)
        n_layer = 2 + i
        d_model, N_total = _shape(N, n_layer)
        curves.append(pd.DataFrame({
            "run_id": run_id, "step": S, "tokens": S * B, "flops_6N": 6 * N * S * B,
            "flops_6N_total": 6 * N_total * S * B, "test_loss": L, "train_loss": L, "lr": lr,
        }))
        runs.append({
            "run_id": run_id, "kind": study, "n_layer": n_layer, "d_model": d_model, "N": N,
            "N_exact_nonembedding": N, "N_total": N_total, "batch_tokens": B, "steps": S[-1],
            "tokens": S[-1] * B, "flops_6N": 6 * N * S[-1] * B, "test_loss": L[-1],
            "test_loss_best": L.min(), "dataset_tokens": np.nan,
        })
    return pd.DataFrame(runs), pd.concat(curves, ignore_index=True)


def converged_runs(seed=0, sizes=np.logspace(4, 9, 8), noise=0.01, constants=paper.TABLE_5):
    """Converged N sweep from Eq 1.1 (runs table only)."""
    rng = np.random.default_rng(seed)
    L = (constants["N_c"] / sizes) ** constants["alpha_N"] * np.exp(rng.normal(0, noise, len(sizes)))
    d_model, N_total = _shape(sizes, 4)
    return pd.DataFrame({"run_id": [f"size/N{N:.3g}" for N in sizes], "kind": "size", "n_layer": 4,
                         "d_model": d_model, "N": sizes, "N_total": N_total, "test_loss": L,
                         "test_loss_best": L, "dataset_tokens": np.nan})


def data_grid(seed=0, sizes=np.logspace(6, 9, 5), datasets=2.2e10 / 2.0 ** np.arange(4, 11), noise=0.01,
              constants=paper.TABLE_2, with_unlimited=True):
    """The early-stopped (N, D) grid of Eq 1.5 (Table 2); NaN dataset_tokens for unlimited data."""
    rng = np.random.default_rng(seed)
    N, D = (a.ravel() for a in np.meshgrid(sizes, np.append(datasets, np.inf) if with_unlimited else datasets))
    L = analytic.L_N_D(N, D, **constants) * np.exp(rng.normal(0, noise, len(N)))
    d_model, N_total = _shape(N, 4)
    return pd.DataFrame({"run_id": [f"data/N{n:.3g}_D{d:.3g}" for n, d in zip(N, D)], "kind": "data",
                         "n_layer": 4, "d_model": d_model, "N": N, "N_total": N_total,
                         "test_loss": L, "test_loss_best": L, "dataset_tokens": np.where(np.isinf(D), np.nan, D),
                         "tokens": np.where(np.isinf(D), 2.2e10, D)})


def batch_scan(seed=0, sizes=(3e6, 8.5e7), batches=2.0 ** np.arange(10, 23, 2), n_points=150, noise=0.003):
    """Batch-size scans: runs of each size that differ only in batch size (Fig 18)."""
    rng = np.random.default_rng(seed)
    runs, curves = [], []
    S = np.unique(np.geomspace(10, 1e6, n_points).astype(int))
    for N in sizes:
        for B in batches:
            run_id = f"batch/N{N:.3g}_B{B:.0f}"
            L = curve(N, B, S) * np.exp(rng.normal(0, noise, len(S)))
            runs.append({"run_id": run_id, "kind": "batch", "N": N, "batch_tokens": B, "test_loss": L[-1]})
            curves.append(pd.DataFrame({"run_id": run_id, "step": S, "tokens": S * B, "test_loss": L}))
    return pd.DataFrame(runs), pd.concat(curves, ignore_index=True)


def per_token(seed=0, T=np.arange(1, 1025), noise=0.005, constants=paper.PER_TOKEN_FIG_20[3]):
    """Per-position loss L(T) = a + b T^-c (Fig 20)."""
    rng = np.random.default_rng(seed)
    L = constants["a"] + constants["b"] * T ** -constants["c"]
    return T, L * np.exp(rng.normal(0, noise, len(T)))


# Hoffmann et al. 2022's fitted L(N, D) (Approach 3): N_opt ~ C^(beta / (alpha + beta)) = C^0.45 at C = 6ND
CHINCHILLA = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def isoflop_ladder(seed=0, steps=("kaplan", "tuned_lr"), budgets=(1e17, 1e18, 1e19, 1e20), n_sizes=8, window=5,
                   head_flops=1.2e8, noise=0.002, constants=CHINCHILLA):
    """A ladder study's runs (``scalinglaws.fit.ladder.read_runs``'s columns) with losses from a known
    Chinchilla L(N, D): at each budget C (FLOPs with a head of ``head_flops`` per token, as the study
    sets them), a window of ``window`` of ``n_sizes`` log-spaced sizes, moving one size along per budget,
    each trained D = C / (6N + head_flops) tokens; Gaussian noise of ``noise`` nats. Every step gets
    the same law (different noise), so each must recover its exponents."""
    rng = np.random.default_rng(seed)
    c = constants
    G = (c["alpha"] * c["A"] / (c["beta"] * c["B"])) ** (1 / (c["alpha"] + c["beta"]))
    a = c["beta"] / (c["alpha"] + c["beta"])
    lo, hi = G * (min(budgets) / 6) ** a / 5, G * (max(budgets) / 6) ** a * 5
    sizes = np.geomspace(lo, hi, n_sizes)
    rows = []
    for step in steps:
        for i, C in enumerate(sorted(budgets)):
            start = round(i * (n_sizes - window) / max(1, len(budgets) - 1))
            for j in range(start, start + window):
                N = sizes[j]
                D = C / (6 * N + head_flops)
                loss = c["E"] + c["A"] / N ** c["alpha"] + c["B"] / D ** c["beta"] + noise * rng.standard_normal()
                rows.append({"run_id": f"{step}_C{C:g}_n{j}", "step": step, "budget": C, "n_layer": j, "d_model": 0,
                             "N": N, "N_total": N + head_flops / 6, "flops_per_token_6N": 6 * N,
                             "flops_per_token_with_head": 6 * N + head_flops, "tokens": D, "loss": loss,
                             "loss_se": noise, "lr_peak": 1e-3})
    return pd.DataFrame(rows)
