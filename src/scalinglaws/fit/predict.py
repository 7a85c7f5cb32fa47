"""Predictions from a fit, with intervals: the loss at new inputs, the compute-optimal allocation.

The law's value at new inputs is uncertain through its constants: each bootstrap draw of the
constants (``FitResult.samples``) gives one value, and their spread is the *law's* interval. A
new run there also scatters about the law as the fitted points do, so the *prediction* interval
adds to each draw's value one of the fit's log residuals, inflated by sqrt(n / (n - p)) for the
p constants the n points paid for. Both are percentile intervals over the draws.

    scalinglaws predict --fit L_ND.json --N 1e9 --D 2e10 [--compute 1e21] [--json out.json]

``predict_held_out`` refits a runs table without its largest cells and predicts them: before
they train (their loss left empty) it is a registered, falsifiable extrapolation; after, the
same call scores it.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from scalinglaws.fit import direct, laws
from scalinglaws.fit.core import FitResult, FitSettings
from scalinglaws.io import read_json, write_json


def load_fit(path) -> FitResult:
    """A fit written by ``save_fit`` (or the suite), its law's function attached."""
    d = read_json(path)
    if "not_fitted" in d:
        raise ValueError(f"{path}: the law was not fitted ({d['not_fitted']})")
    return FitResult.from_dict(d, fn=laws.law_named(d["law"]).fn)


def _inputs(fit: FitResult, inputs: dict) -> dict[str, np.ndarray]:
    names = fit.provenance["inputs"]
    missing = [k for k in names if k not in inputs]
    if missing:
        raise ValueError(f"{fit.law} ({fit.provenance.get('formula', '')}) needs {', '.join(names)}; missing "
                         f"{', '.join(missing)}")
    X = {k: np.atleast_1d(np.asarray(inputs[k], dtype=float)) for k in names}
    shape = np.broadcast_shapes(*(v.shape for v in X.values()))
    return {k: np.broadcast_to(v, shape).ravel() for k, v in X.items()}


def _log_law(fit: FitResult, X: dict[str, np.ndarray], constants: dict[str, np.ndarray]) -> np.ndarray:
    """ln of the law at points X (n,) for constants given as arrays (k,): (k, n)."""
    with np.errstate(all="ignore"):
        return np.log(fit.fn(X, **{c: np.asarray(v, dtype=float)[:, None] for c, v in constants.items()}))


def scatter(fit: FitResult) -> np.ndarray:
    """The fit's log residuals about the law, centred and inflated by sqrt(n / (n - p))."""
    points = fit.provenance["points"]
    X = {k: np.asarray(points[k], dtype=float) for k in fit.provenance["inputs"]}
    r = np.log(np.asarray(points["y"], dtype=float)) - _log_law(fit, X, {k: [v] for k, v in fit.params.items()})[0]
    n, p = len(r), len(fit.params)
    return (r - r.mean()) * np.sqrt(n / (n - p))


def _draws(fit: FitResult) -> dict[str, np.ndarray]:
    if not fit.samples:
        raise ValueError(f"{fit.law}: the fit has no bootstrap draws (n_boot = 0), so no interval")
    return fit.samples


def predict(fit: FitResult, inputs: dict, *, ci: float | None = None, seed: int = 0) -> pd.DataFrame:
    """The loss (or whatever the law predicts) at ``inputs`` (arrays, broadcast together).

    Columns: the inputs, ``predicted`` (the law at the fitted constants), ``lo, hi`` (prediction
    interval: where a new run would land) and ``law_lo, law_hi`` (the law's own interval).
    """
    ci = ci if ci is not None else fit.provenance.get("settings", {}).get("ci", 0.95)
    q = 100 * np.array([(1 - ci) / 2, (1 + ci) / 2])
    X = _inputs(fit, inputs)
    point = np.exp(_log_law(fit, X, {k: [v] for k, v in fit.params.items()})[0])
    draws = _log_law(fit, X, _draws(fit))  # (k, n)
    draws = draws[np.isfinite(draws).all(axis=1)]
    e = np.random.default_rng(seed).choice(scatter(fit), size=draws.shape)
    law_lo, law_hi = np.exp(np.percentile(draws, q, axis=0))
    lo, hi = np.exp(np.percentile(draws + e, q, axis=0))
    return pd.DataFrame({**X, "predicted": point, "lo": lo, "hi": hi, "law_lo": law_lo, "law_hi": law_hi})


def _argmin_log_N(f, lo: float, hi: float, k: int, n_grid=801, iterations=60) -> np.ndarray:
    """Per row of a (k, m) -> (k, m) function of ln N: the ln N in [lo, hi] that minimises it.

    A log grid brackets each row's minimum, golden-section search refines it; a row whose
    minimum sits on the grid's edge has none inside and gets NaN.
    """
    grid = np.linspace(lo, hi, n_grid)
    values = f(np.broadcast_to(grid, (k, n_grid)))
    i = np.nanargmin(np.where(np.isfinite(values), values, np.inf), axis=1)
    a, b = grid[np.clip(i - 1, 0, n_grid - 1)], grid[np.clip(i + 1, 0, n_grid - 1)]
    golden = (np.sqrt(5) - 1) / 2
    for _ in range(iterations):
        c, d = b - golden * (b - a), a + golden * (b - a)
        left = f(c[:, None])[:, 0] < f(d[:, None])[:, 0]
        a, b = np.where(left, a, c), np.where(left, d, b)
    x = (a + b) / 2
    return np.where((i == 0) | (i == n_grid - 1), np.nan, x)


def compute_optimal(fit: FitResult, compute, *, ci: float | None = None, seed: int = 0) -> pd.DataFrame:
    """The N and D = C / (6 N) that minimise an (N, D) law at training compute C (FLOPs, C = 6 N D).

    Columns: ``C``, ``N, N_lo, N_hi``, ``D, D_lo, D_hi`` (the allocation at the fitted constants and
    its interval over the bootstrap draws), and ``L, L_lo, L_hi`` (the loss there, with the
    prediction interval of ``predict``).
    """
    if set(fit.provenance["inputs"]) != {"N", "D"}:
        raise ValueError(f"{fit.law}: a compute-optimal allocation needs a law of N and D (L(N,D), Chinchilla); "
                         f"this one takes {', '.join(fit.provenance['inputs'])}")
    ci = ci if ci is not None else fit.provenance.get("settings", {}).get("ci", 0.95)
    q = 100 * np.array([(1 - ci) / 2, (1 + ci) / 2])
    draws = _draws(fit)
    rows = []
    for C in np.atleast_1d(np.asarray(compute, dtype=float)):
        hi = np.log(C / 6)  # D >= 1 token

        def allocation(constants):
            def loss(log_N):
                N = np.exp(log_N)
                with np.errstate(all="ignore"):
                    return fit.fn({"N": N, "D": C / (6 * N)}, **{k: np.asarray(v)[:, None] for k, v in constants.items()})
            return np.exp(_argmin_log_N(loss, 0.0, hi, len(next(iter(constants.values())))))

        N = allocation({k: np.array([v]) for k, v in fit.params.items()})[0]
        N_draws = allocation(draws)
        N_draws = N_draws[np.isfinite(N_draws)]
        at = predict(fit, {"N": N, "D": C / (6 * N)}, ci=ci, seed=seed).iloc[0]
        N_lo, N_hi = np.percentile(N_draws, q) if len(N_draws) else (np.nan, np.nan)
        rows.append({"C": C, "N": N, "N_lo": N_lo, "N_hi": N_hi, "D": C / (6 * N), "D_lo": C / (6 * N_hi),
                     "D_hi": C / (6 * N_lo), "L": at["predicted"], "L_lo": at["lo"], "L_hi": at["hi"]})
    return pd.DataFrame(rows)


def predict_held_out(name: str, runs: pd.DataFrame, columns: dict[str, str], *, n_largest: int = 1,
                     by: str | None = None, groups: str | None = None, id_column: str = "run_id",
                     settings: FitSettings | None = None, ci: float | None = None) -> tuple[FitResult, pd.DataFrame]:
    """Fit law ``name`` (of ``direct.LAWS``) without the rows at the ``n_largest`` largest values of
    symbol ``by`` (default the law's extrapolation input, e.g. N) and predict those rows.

    Rows held out need only their inputs: before those cells train their loss may be NaN or
    absent. Returns the fit on the rest and one row per held-out row: its id, inputs,
    ``predicted, lo, hi, law_lo, law_hi``, and where the table has it ``observed`` and ``inside``
    (whether the prediction interval holds it).
    """
    law, target = direct.LAWS[name]
    by = by or law.extrapolate
    x = pd.to_numeric(runs[columns[by]])
    levels = np.sort(x.unique())
    if len(levels) <= n_largest:
        raise ValueError(f"{name}: {len(levels)} distinct values of {columns[by]}, none left after holding out "
                         f"the {n_largest} largest")
    held = (x >= levels[-n_largest]).to_numpy()
    fit = direct.fit_columns(name, runs[~held], columns, groups=groups, id_column=id_column, settings=settings)
    rest = runs[held]
    out = predict(fit, {s: rest[columns[s]].to_numpy(dtype=float) for s in law.inputs}, ci=ci)
    if id_column in rest:
        out.insert(0, id_column, rest[id_column].to_numpy())
    if columns[target] in rest:
        out["observed"] = pd.to_numeric(rest[columns[target]]).to_numpy(dtype=float)
        inside = pd.array((out["lo"] <= out["observed"]) & (out["observed"] <= out["hi"]), dtype="boolean")
        inside[out["observed"].isna().to_numpy()] = pd.NA  # not trained yet: nothing to score
        out["inside"] = inside
    return fit, out


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    first = argparse.ArgumentParser(add_help=False)
    first.add_argument("--fit")
    known, _ = first.parse_known_args(argv)
    fit = None
    if known.fit:
        try:
            fit = load_fit(known.fit)
        except (OSError, ValueError) as err:
            sys.exit(f"scalinglaws predict: error: {err}")
    p = argparse.ArgumentParser(prog="scalinglaws predict", description=__doc__, allow_abbrev=False,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fit", required=True, help="a fit's JSON (scalinglaws fit ... --out, or results/fits/...); "
                                                "each input of its law becomes an option, e.g. --N, --D")
    for name in fit.provenance["inputs"] if fit else []:
        p.add_argument(f"--{name}", type=float, nargs="+", help=f"{name} at which to predict (one or more values)")
    p.add_argument("--compute", type=float, nargs="+",
                   help="training compute in FLOPs (C = 6 N D): the compute-optimal N and D of an (N, D) law")
    p.add_argument("--ci", type=float, help="interval coverage (default: the fit's, 0.95)")
    p.add_argument("--json", help="also write the predictions here")
    a = p.parse_args(argv)
    asked = {name: getattr(a, name) for name in fit.provenance["inputs"] if getattr(a, name) is not None}
    if not asked and not a.compute:
        p.error(f"give --{' --'.join(fit.provenance['inputs'])} (values at which to predict) or --compute")
    ci = a.ci if a.ci is not None else fit.provenance.get("settings", {}).get("ci", 0.95)
    out = {"fit": a.fit, "law": fit.law, "ci": ci}
    print(f"{fit.law}: {fit.provenance.get('formula', '')} (from {a.fit}: {fit.n_points} points, "
          f"{len(next(iter(fit.samples.values()), []))} bootstrap draws); {100 * ci:g}% intervals")
    try:
        if asked:
            table = predict(fit, asked, ci=ci)
            for row in table.itertuples():
                where = " ".join(f"{k}={_fmt(getattr(row, k))}" for k in fit.provenance["inputs"])
                print(f"  {where}: {_fmt(row.predicted)} [{_fmt(row.lo)}, {_fmt(row.hi)}] "
                      f"(the law alone: [{_fmt(row.law_lo)}, {_fmt(row.law_hi)}])")
            out["predictions"] = table.to_dict(orient="records")
        if a.compute:
            table = compute_optimal(fit, a.compute, ci=ci)
            for row in table.itertuples():
                print(f"  compute-optimal at C = {_fmt(row.C)} FLOPs: N = {_fmt(row.N)} [{_fmt(row.N_lo)}, "
                      f"{_fmt(row.N_hi)}], D = {_fmt(row.D)} [{_fmt(row.D_lo)}, {_fmt(row.D_hi)}], "
                      f"L = {_fmt(row.L)} [{_fmt(row.L_lo)}, {_fmt(row.L_hi)}]")
            out["compute_optimal"] = table.to_dict(orient="records")
    except ValueError as err:
        sys.exit(f"scalinglaws predict: error: {err}")
    if a.json:
        write_json(a.json, out)


if __name__ == "__main__":
    main()
