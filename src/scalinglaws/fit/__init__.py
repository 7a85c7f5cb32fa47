"""Fit every scaling law of Kaplan et al. (2020), with intervals, on anyone's table of runs.

Needs only numpy, scipy and pandas (no torch, no Snakemake). Every fit minimises the summed Huber
loss of log(predicted) - log(observed) from a grid of starts with L-BFGS-B, bootstraps each
constant (1000 resamples by default; whole runs when points are grouped by run), warns on
ill-conditioning and on optima at the edge of the start grid, and refits without the largest
points to report the extrapolation error. Results are ``FitResult`` objects; ``save_fit`` writes
one as JSON with its provenance (runs, points, settings).

Input schema
------------
The **runs table** has one row per training run:

=====================  =====================================================================
column                 meaning
=====================  =====================================================================
run_id                 unique id of the run
kind                   its study's kind (``size``, ``data``, ``batch`` ...): what the fits select on
n_layer, d_model       shape (the paper leaves 1-layer models out of L(N) and L(C))
N                      non-embedding parameters as the paper counts them, 12 n_layer d_model^2
N_exact_nonembedding   exact non-embedding parameter count of the model
N_total                all parameters, embeddings included
batch_tokens           tokens per step, B
steps                  optimiser steps taken, S
tokens                 tokens processed, B S
flops_6N               training FLOPs, 6 N B S
test_loss              final test loss (nats/token)
test_loss_best         best (early-stopped) test loss
dataset_tokens         dataset size D in tokens; NaN for unlimited data
=====================  =====================================================================

The **curves table** has one row per evaluation: ``run_id, step, tokens, flops_6N, test_loss,
train_loss, lr`` (plus optional ``noise_scale`` for the gradient noise scale B_simple).

Every fit takes column names, so the same law runs in the paper's basis (``N``, ``flops_6N``)
or in total parameters (``N_total``, ``flops_6N_total``). Compute is in PF-days (``paper.PF_DAY``).

Every fit checks its points first (``core.check_points``) and refuses, with a ``FitInputError``
naming the column, the run ids and the rule: text in a numeric column; an input that is NaN,
<= 0 or infinite (D = inf, unlimited data, is allowed in L(N, D) and Chinchilla); a loss that is
infinite or <= 0; a run id given twice or a point repeated (a table passed twice), which would
narrow the intervals. A NaN loss (a run with no measurement) is dropped and named in the fit's
``warnings``; ``n_points`` counts the points used.

Modules
-------
``core``       Law, Param, FitSettings, FitResult, fit_law (the driver), save_fit
``laws``       each law as a pure function of its constants, with its start grid
``paper``      every published constant, inconsistencies named by source
``analytic``   the equations: Eqs 1.1-1.6 (which ``laws`` fits), 5.1-5.5 (B_crit, S_min, E_min, C_min), App B
               closed forms, Figs 3, 12, 15
``size_data``  L(N), L(D), L(N, D), overfitting, early-stop bound, Chinchilla, log vs power
``compute``    batch-adjusted curves, the compute envelope, L(C), L(C_min), L(N, S), Table 6 trends
``batch``      batch-scan crossings, the S-E hyperbola, B_crit(L) from scans or the noise scale
``context``    per-token L(T) = a + b T^-c
``tables``     Tables 2-6 (paper beside ours; ``io.write_table`` writes them as CSV and Markdown)
``suite``      every law by name (FITS) on a runs + curves pair, both bases, the adopted B_crit,
               the files the workflow's figures read; the CLI
               ``python -m scalinglaws.fit {suite,L_N,L_ND,...} --runs R [--curves C] --out P``
``direct``     any law on any table whose columns the caller names; the CLI
               ``scalinglaws fit L_ND --runs any.csv --columns N=params,D=tokens,L=loss``
``predict``    a fit's prediction at new inputs with its prediction interval, the compute-optimal
               N and D of an (N, D) law, the largest cells predicted from the others; the CLI
               ``scalinglaws predict --fit L_ND.json --N 1e9 --D 2e10 --compute 1e21``
``ladder``     the Kaplan-to-Chinchilla ladder: IsoFLOP minima per retraining step in both conventions,
               exponents with bootstrap intervals, Approach 3; the CLI ``python -m scalinglaws.fit.ladder``
``synthetic``  noisy runs generated from the paper's constants (tests, benchmark); a ladder study from Chinchilla's L(N, D)

Example::

    from scalinglaws.fit import fit_L_N
    fit = fit_L_N(runs, x="N")          # or x="N_total"
    fit.params, fit.intervals, fit.extrapolation, fit.warnings
    fit.predict(N=1e9)
"""

from scalinglaws.fit.batch import critical_batch_table, fit_B_crit, fit_B_crit_noise, fit_hyperbola
from scalinglaws.fit.compute import adjusted_curves, envelope, fit_L_C, fit_L_NS, fit_trend
from scalinglaws.fit.context import fit_L_T, fit_per_token
from scalinglaws.fit.core import FitInputError, FitResult, FitSettings, Law, Param, check_points, fit_law, save_fit
from scalinglaws.fit.size_data import (
    compare_log_power,
    early_stop_table,
    fit_chinchilla,
    fit_L_D,
    fit_L_N,
    fit_L_ND,
    fit_overfitting,
    fit_table,
)
from scalinglaws.fit.suite import FITS, RunSet, fit_one, fit_suite, write_suite

__all__ = [
    "FitInputError", "FitResult", "FitSettings", "Law", "Param", "check_points", "fit_law", "save_fit", "fit_table",
    "fit_L_N", "fit_L_D", "fit_L_ND", "fit_chinchilla", "fit_overfitting", "compare_log_power", "early_stop_table",
    "adjusted_curves", "envelope", "fit_L_C", "fit_L_NS", "fit_trend",
    "critical_batch_table", "fit_B_crit", "fit_B_crit_noise", "fit_hyperbola",
    "fit_L_T", "fit_per_token", "FITS", "RunSet", "fit_one", "fit_suite", "write_suite",
]
