"""Every constant Kaplan et al. (2020) publish, named after where it is printed.

Units: N in non-embedding parameters, D and B in tokens, S in steps, C in PF-days, L in nats/token.
Where the paper contradicts itself, both values are kept under names that say which source
printed them (e.g. ``C_min_c_text`` = 3.1e8 from the text and Table 5, ``C_min_c_fig`` = 2.3e8
from the Fig 1 and Fig 13 legends). The unsuffixed dicts (``TABLE_5`` ...) follow the tables.

Known inconsistencies (paper.md section 7):
- C_c^min is 3.1e8 in the text and Table 5 but 2.3e8 in the Fig 1 / Fig 13 legends.
- C_c is 1.6e7 in Table 5 but 2.0e7 in the Fig 13 legend.
- B_* is 2e8 in the text but 2.1e8 in Table 5 and the Fig 10 legend.
- alpha_C^min is fitted as 0.050 but predicted as 0.054 (Eq 6.4) and 0.052 (Eq B.7); the
  arithmetic 1/(1/alpha_S + 1/alpha_B + 1/alpha_N) gives 0.0520.
- D(C_min) is 4e10 C^0.26 in Eq 6.7 but 2e10 C^0.27 in Table 6; only Table 6 reproduces the
  Eq 6.8 intersection (C* ~ 1e4 PF-days, L* ~ 1.7).
- Eq 1.7 predicts S_min ~ C_min^(alpha_C^min/alpha_S) = C_min^0.07; the fit (Fig 14) gives 0.03.
- Table 2 (L(N,D)), Table 3 (L(N,S)) and Eq 1.1 (L(N)) give different N_c and alpha_N.
"""

import numpy as np

from scalinglaws.train.schedule import PAPER_LR_RULE

PF_DAY = 8.64e19  # FLOPs: 1e15 * 24 * 3600
PAPER_BATCH_TOKENS = 2**19  # 512 sequences x 1024 tokens
PAPER_STEPS = 250_000

# Table 5 and Eqs 1.1-1.4, 1.6 (the "headline" single-variable fits).
TABLE_5 = {
    "alpha_N": 0.076, "N_c": 8.8e13,
    "alpha_D": 0.095, "D_c": 5.4e13,
    "alpha_C": 0.057, "C_c": 1.6e7,
    "alpha_C_min": 0.050, "C_min_c": 3.1e8,
    "alpha_B": 0.21, "B_star": 2.1e8,
    "alpha_S": 0.76, "S_c": 2.1e3,
}

# Table 2: Eq 1.5 fitted to the early-stopped (N, D) grid with 10% dropout.
TABLE_2 = {"alpha_N": 0.076, "alpha_D": 0.103, "N_c": 6.4e13, "D_c": 1.8e13}

# Table 3: Eq 1.6 / 5.6 fitted to all post-warmup steps of the stable Adam runs.
TABLE_3 = {"alpha_N": 0.077, "alpha_S": 0.76, "N_c": 6.5e13, "S_c": 2.1e3}

# Table 6: compute-efficient trends X = X_e * C_min^p_X, C_min in PF-days.
TABLE_6 = {
    "p_N": 0.73, "N_e": 1.3e9,
    "p_B": 0.24, "B_e": 2.0e6,
    "p_S": 0.03, "S_e": 5.4e3,
    "p_D": 0.27, "D_e": 2e10,
}

# Values printed elsewhere that disagree with the tables.
C_min_c_text = 3.1e8  # text and Table 5
C_min_c_fig = 2.3e8  # Fig 1 and Fig 13 legends
C_c_table = 1.6e7  # Table 5
C_c_fig = 2.0e7  # Fig 13 legend
B_star_text = 2e8  # Eq 1.4 text
B_star_table = 2.1e8  # Table 5, Fig 10 legend
alpha_C_min_eq_6_4 = 0.054
alpha_C_min_eq_B_7 = 0.052
N_opt_exponent_eq_6_5 = 0.71  # predicted alpha_C^min / alpha_N
D_opt_eq_6_7 = {"D_e": 4e10, "p_D": 0.26}  # Eq 6.7; Table 6 has 2e10, 0.27
D_overfit_eq_6_6_exponent = 0.54  # D ~ N^0.74 ~ C_min^0.54 (overfitting-safe)

# Fits printed in figure legends (reference lines for the figures).
FIG_1 = {"C_min_c": C_min_c_fig, "alpha_C_min": 0.050, "D_c": 5.4e13, "alpha_D": 0.095, "N_c": 8.8e13, "alpha_N": 0.076}
FIG_10 = {"B_star": B_star_table, "alpha_B": 1 / 4.8}  # legend: B_crit = 2.1e8 L^-4.8
FIG_13 = {"C_min_c": C_min_c_fig, "alpha_C_min": 0.050, "C_c": C_c_fig, "alpha_C": 0.057}
FIG_14 = {"N_e": 1.3e9, "p_N": 0.73, "S_e": 5.4e3, "p_S": 0.03}
FIG_14_N_vs_C = {"N_e": 1.6e9, "p_N": 0.88}  # N against unadjusted compute

# Eq 4.4: overfitting is negligible when D >~ 5e3 * N^0.74.
OVERFIT_RULE = {"coef": 5e3, "exponent": 0.74}

# Eq 6.8: where L(C_min) and L(D(C_min)) cross (uncertain by ~10x either way).
INTERSECTION = {"C_star": 1e4, "N_star": 1e12, "D_star": 1e12, "L_star": 1.7}

# Fig 20: per-token loss L(T) = a + b T^-c, smallest model first (sizes not published).
PER_TOKEN_FIG_20 = [
    {"a": 4.0, "b": 3.2, "c": 0.47},
    {"a": 3.4, "b": 4.0, "c": 0.56},
    {"a": 2.9, "b": 4.5, "c": 0.56},
    {"a": 2.7, "b": 4.9, "c": 0.60},
    {"a": 2.4, "b": 5.1, "c": 0.61},
    {"a": 2.3, "b": 5.4, "c": 0.62},
]

# Fig 23: logarithmic alternative to L(N), L = -k log(N / N_0) with the natural log.
LOG_FIT_FIG_23 = {"k": 0.25, "N_0": 7.1e12}

# App B.2-B.4: compute-efficient training stops alpha_N/alpha_S ~ 10% above the converged loss;
# models 0.6x-2.2x the optimal size cost at most ~20% more compute.
SUBOPTIMAL_RANGE = (0.6, 2.2)
SUBOPTIMAL_EXCESS_COMPUTE = 0.20

SEED_VARIANCE = 0.02  # loss, section 4.2


def lr_rule(N):
    """Eq D.1 (``train.schedule.PAPER_LR_RULE``): the learning rate the paper used for a model with N
    non-embedding parameters, for an array of N."""
    return PAPER_LR_RULE["intercept"] + PAPER_LR_RULE["slope"] * np.log(N)
