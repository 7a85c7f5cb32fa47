"""The generic fitter: a law, a robust objective in log space, and a driver with diagnostics.

A ``Law`` is a pure, vectorised function from constants and inputs to a positive prediction,
plus how each constant is searched (log or linear, start grid, bounds). ``fit_law`` minimises the
summed Huber loss of log(prediction) - log(observation) from the best points of the start grid
with L-BFGS-B, then bootstraps the data (points, or whole runs via ``groups``) warm-started from
the estimate, and refits without the largest points to measure extrapolation error. Resampling
a few whole runs, the draws are widened for the runs' number (``few_groups_widening``).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import hashlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from scipy.optimize import minimize
from scipy.stats import norm as normal
from scipy.stats import t as student_t

from scalinglaws import __version__
from scalinglaws.io import write_json


@functools.cache
def _openblas_libs() -> tuple:
    """OpenBLAS copies loaded in this process (numpy and scipy each bundle one); Linux only."""
    try:
        with open("/proc/self/maps") as fh:
            paths = {line.split()[-1] for line in fh if "openblas" in line and ".so" in line}
    except OSError:
        return ()
    libs = []
    for path in sorted(paths):
        with contextlib.suppress(OSError, AttributeError):
            libs.append(ctypes.CDLL(path).openblas_set_num_threads_local)
    return tuple(libs)


@contextlib.contextmanager
def one_blas_thread():
    """Run thousands of tiny solves on one BLAS thread: on busy cores, waking a thread pool for
    4x4 matrices made L-BFGS-B 9x slower (measured). The previous setting is restored."""
    _openblas_libs.cache_clear()
    libs = _openblas_libs()
    old = [f(1) for f in libs]
    try:
        yield
    finally:
        for f, n in zip(libs, old):
            f(n)


@dataclass(frozen=True)
class Param:
    """One constant of a law: searched as ln(value) if ``log``, else as the value itself."""

    name: str
    grid: tuple[float, ...]  # start values, in natural units
    log: bool = True
    bounds: tuple[float | None, float | None] = (None, None)  # natural units


@dataclass(frozen=True)
class Law:
    """A law: ``fn(X, **constants)`` predicts the target from the input arrays in dict ``X``.

    ``fn`` must broadcast: constants arrive as (k, 1) arrays when k parameter vectors are
    evaluated at once, inputs as (n,) arrays. ``extrapolate`` names the input whose largest
    values (smallest if ``extrapolate_low``) are held out to measure extrapolation error.
    """

    name: str
    fn: Callable[..., Any]
    inputs: tuple[str, ...]
    params: tuple[Param, ...]
    extrapolate: str
    formula: str = ""
    extrapolate_low: bool = False  # hold out the smallest values instead (e.g. loss for B_crit)
    unlimited: tuple[str, ...] = ()  # inputs that may be +inf (D = inf: unlimited data)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def to_theta(self, constants: dict[str, float]) -> np.ndarray:
        return np.array([np.log(constants[p.name]) if p.log else constants[p.name] for p in self.params])

    def from_theta(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Optimiser coordinates (..., p) -> constants in natural units."""
        theta = np.asarray(theta, dtype=float)
        with np.errstate(over="ignore"):  # a wild start may overflow; the loss then rejects it
            return {p.name: np.exp(theta[..., j]) if p.log else theta[..., j] for j, p in enumerate(self.params)}

    def log_predict(self, thetas: np.ndarray, X: dict[str, np.ndarray]) -> np.ndarray:
        """ln(prediction) for k parameter vectors (k, p) at n points -> (k, n)."""
        consts = {k: v[:, None] for k, v in self.from_theta(np.atleast_2d(thetas)).items()}
        with np.errstate(all="ignore"):
            out = np.log(np.broadcast_to(self.fn(X, **consts), (len(np.atleast_2d(thetas)), len(next(iter(X.values()))))))
        return out


@dataclass
class FitSettings:
    """Knobs of ``fit_law``; stored in every fit's provenance."""

    huber_delta: float = 1e-3  # on log residuals, as in Hoffmann et al. 2022
    n_boot: int = 1000
    ci: float = 0.95
    seed: int = 0
    n_refine: int = 4  # L-BFGS-B runs from this many best grid points
    holdout: int = 1  # leave-the-largest-out: hold out at least this many largest distinct values,
    holdout_fraction: float = 0.1  # or this share of the distinct values if that is more
    cond_warn: float = 1e3  # warn above this condition number of the column-scaled Jacobian
    maxiter: int = 500


@dataclass
class FitResult:
    """A fitted law: constants, bootstrap intervals, diagnostics and provenance."""

    law: str
    params: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    n_points: int
    loss: float
    warnings: list[str] = field(default_factory=list)
    extrapolation: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    samples: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # bootstrap draws
    fn: Callable[..., Any] | None = field(default=None, repr=False)

    def predict(self, **inputs) -> np.ndarray:
        """The law evaluated at our constants, e.g. ``result.predict(N=1e9)``."""
        X = {k: np.asarray(v, dtype=float) for k, v in inputs.items()}
        return self.fn(X, **self.params)

    def to_dict(self) -> dict[str, Any]:
        """Everything but the law's function; the bootstrap draws as lists (predictions need them)."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "fn"}
        d["intervals"] = {k: list(v) for k, v in self.intervals.items()}
        d["samples"] = {k: np.asarray(v).tolist() for k, v in self.samples.items()}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], fn: Callable[..., Any] | None = None) -> "FitResult":
        """The inverse of ``to_dict``; ``fn`` is the law's function (``laws.law_named(d["law"]).fn``)."""
        known = {f.name for f in dataclasses.fields(cls)} - {"fn"}
        fields = {k: v for k, v in d.items() if k in known}
        fields["intervals"] = {k: tuple(v) for k, v in d.get("intervals", {}).items()}
        fields["samples"] = {k: np.asarray(v, dtype=float) for k, v in d.get("samples", {}).items()}
        return cls(**fields, fn=fn)


def save_fit(result: FitResult, path) -> None:
    """Write a fit as JSON, atomically."""
    write_json(path, result.to_dict())


class FitInputError(ValueError):
    """Points a fit refuses to use; the message names the column, the rows (run ids) and the rule."""


def _value(v) -> str:
    return f"{v:.4g}" if isinstance(v, (float, int, np.number)) else repr(str(v))


def _rows(ids: np.ndarray, mask: np.ndarray, values=None, limit: int = 8) -> str:
    """``'a' (= -1), 'b' (= 0)``: the labels (and values) of the rows in ``mask``, the first ``limit``."""
    idx = np.flatnonzero(mask)
    shown = [str(ids[i]) + ("" if values is None else f" (= {_value(values[i])})") for i in idx[:limit]]
    more = f" and {len(idx) - limit} more" if len(idx) > limit else ""
    return ", ".join(shown) + more


def _numbers(values, what: str, ids: np.ndarray, noun: str) -> np.ndarray:
    """``values`` as floats, or an error naming the rows that hold text."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        pass
    values = list(values)

    def is_number(v):
        try:
            float(v)
            return True
        except (TypeError, ValueError):
            return False

    bad = np.array([not is_number(v) for v in values])
    raise FitInputError(f"{what} must hold numbers, but {noun} {_rows(ids, bad, values)} hold text")


def check_points(law: Law, X: dict[str, Any], y, *, groups=None, ids=None, columns: dict[str, str] | None = None):
    """The points of a fit, checked: ``(X, logy, groups, ids, warnings)`` of those it keeps.

    Every input must be a number > 0 (each law takes powers or logs of it; +inf only for an input
    in ``law.unlimited``, e.g. D = inf for unlimited data), and no point may appear twice: the
    bootstrap would count it twice and narrow the intervals (a table passed twice). A target
    that is NaN (a run with no measured loss) is dropped and named in the warnings; one that is
    infinite or <= 0 is refused, since the fit compares logarithms. Each refusal is a
    ``FitInputError`` naming the column, the rows and the rule. ``ids`` label the rows in those
    messages (run ids; default the row numbers); ``columns`` maps each input and ``"y"`` to the
    table column it came from.
    """
    n = len(np.asarray(y, dtype=object).reshape(-1))
    noun = "runs" if ids is not None else "rows"
    ids = np.array([str(i) for i in range(n)] if ids is None else [repr(str(i)) for i in ids], dtype=object)
    columns = columns or {}

    def what(key):
        column = columns.get(key, key)
        return f"{law.name}: column {column!r}" + (f" ({key})" if column != key and key != "y" else "")

    for name, values in [*((f"values of column {columns.get(k, k)!r}", X[k]) for k in law.inputs), ("ids", ids),
                         ("groups", groups)]:
        if values is not None and len(values) != n:
            raise FitInputError(f"{law.name}: {n} points but {len(values)} {name}")
    X = {k: _numbers(X[k], what(k), ids, noun) for k in law.inputs}
    y = _numbers(y, what("y"), ids, noun)
    for key, v in X.items():
        if np.isnan(v).any():
            raise FitInputError(f"{what(key)} has no value (NaN) for {noun} {_rows(ids, np.isnan(v))}: every point "
                                f"needs each input of the law")
        if (v <= 0).any():
            raise FitInputError(f"{what(key)} must be > 0 (the law takes powers and logs of it), but is not for "
                                f"{noun} {_rows(ids, v <= 0, v)}")
        if np.isposinf(v).any() and key not in law.unlimited:
            allowed = f"; only {', '.join(law.unlimited)} may be inf (unlimited)" if law.unlimited else ""
            raise FitInputError(f"{what(key)} must be finite{allowed}, but is inf for {noun} {_rows(ids, np.isposinf(v))}")
    bad = ~np.isnan(y) & ~(np.isfinite(y) & (y > 0))
    if bad.any():
        raise FitInputError(f"{what('y')} must be finite and > 0 (the fit compares logarithms), but is not for "
                            f"{noun} {_rows(ids, bad, y)}")
    warns = []
    missing = np.isnan(y)
    if missing.any():
        warns.append(f"dropped {int(missing.sum())} point(s) with no {columns.get('y', 'y')} (NaN): {noun} "
                     f"{_rows(ids, missing)}")
    keep = ~missing
    X, y, ids = {k: v[keep] for k, v in X.items()}, y[keep], ids[keep]
    groups = None if groups is None else np.asarray(groups)[keep]
    # a point given twice has the same inputs, target and group as another
    key = np.column_stack([*X.values(), y] + ([] if groups is None else [np.unique(groups, return_inverse=True)[1]]))
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    original = first[inverse.reshape(-1)]  # the first row with the same point
    twice = np.arange(len(y)) != original
    if twice.any():
        originals = ids[original[twice]]
        raise FitInputError(f"{law.name}: {noun} {_rows(ids, twice)} repeat the points of {noun} "
                            f"{', '.join(originals[:8])} (same inputs and {columns.get('y', 'y')}): "
                            f"each point must appear once, or the bootstrap counts it twice and narrows the intervals")
    return X, np.log(y), groups, ids, warns


def huber(r: np.ndarray, delta: float) -> np.ndarray:
    """Quadratic within +-delta, linear outside: outlying runs pull on the fit but cannot dominate."""
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def _objective(theta, law, X, logy, w, delta):
    """Summed (weighted) Huber of the log residuals and its gradient by central differences."""
    p = len(theta)
    h = 1e-6 * np.maximum(1.0, np.abs(theta))
    steps = np.vstack([theta, theta + np.diag(h), theta - np.diag(h)])
    lp = law.log_predict(steps, X)
    bad = ~np.isfinite(lp)
    if bad.any():  # outside the law's domain: a large, flat penalty steers the line search back
        lp = np.where(bad, logy + 10.0, lp)
    r = lp[0] - logy
    jac = (lp[1 : p + 1] - lp[p + 1 :]) / (2 * h[:, None])
    f = np.sum(w * huber(r, delta))
    g = jac @ (w * np.clip(r, -delta, delta))
    # Scale by 1/delta so L-BFGS-B tolerances mean the same for any delta
    return f / delta, g / delta


def _minimize(law, theta0, X, logy, w, settings, bounds):
    res = minimize(
        _objective, theta0, args=(law, X, logy, w, settings.huber_delta), jac=True, method="L-BFGS-B",
        bounds=bounds, options={"maxiter": settings.maxiter, "ftol": 1e-13, "gtol": 1e-9},
    )
    return res


def _theta_bounds(law):
    out = []
    for p in law.params:
        lo, hi = p.bounds
        f = np.log if p.log else (lambda v: v)
        out.append((None if lo is None else f(lo), None if hi is None else f(hi)))
    return out


def _grid(law, grid):
    """Start grid in optimiser coordinates, (G, p)."""
    axes = []
    for p in law.params:
        vals = np.asarray(grid.get(p.name, p.grid) if grid else p.grid, dtype=float)
        axes.append(np.log(vals) if p.log else vals)
    return np.array(list(itertools.product(*axes))), axes


def _best_fit(law, X, logy, w, settings, grid=None, extra_starts=()):
    """Screen the grid, run L-BFGS-B from the best starts, keep the lowest loss."""
    starts, axes = _grid(law, grid)
    if len(extra_starts):
        starts = np.vstack([starts, np.atleast_2d(extra_starts)])
    lp = law.log_predict(starts, X)
    r = np.where(np.isfinite(lp), lp - logy, 10.0)
    screen = (w * huber(r, settings.huber_delta)).sum(axis=1)
    bounds = _theta_bounds(law)
    best = None
    for i in np.argsort(screen)[: settings.n_refine]:
        res = _minimize(law, starts[i], X, logy, w, settings, bounds)
        if best is None or res.fun < best.fun:
            best = res
    return best, axes, bounds


def _diagnose(law, theta, X, logy, res, axes, bounds, settings, ids):
    """Warnings for edge-of-grid and at-bound optima, an undefined or flat derivative,
    ill-conditioning and non-convergence; ``ids`` name the points in them."""
    warns, diag = [], {}
    names = law.names
    for j, ax in enumerate(axes):
        span = ax.max() - ax.min()
        if span > 0 and (theta[j] <= ax.min() + 1e-3 * span or theta[j] >= ax.max() - 1e-3 * span):
            warns.append(f"{names[j]}: optimum on or beyond the edge of the start grid")
        lo, hi = bounds[j]
        if (lo is not None and theta[j] - lo < 1e-6) or (hi is not None and hi - theta[j] < 1e-6):
            warns.append(f"{names[j]}: optimum at the search bound")
    p = len(theta)
    h = 1e-6 * np.maximum(1.0, np.abs(theta))
    lp = law.log_predict(np.vstack([theta + np.diag(h), theta - np.diag(h)]), X)
    with np.errstate(invalid="ignore"):  # inf - inf where a step leaves the law's domain: reported below
        jac = ((lp[:p] - lp[p:]) / (2 * h[:, None])).T  # (n, p)
    finite = np.isfinite(jac)
    norms = np.linalg.norm(np.where(finite, jac, 0.0), axis=0)
    cond = float("nan")
    if not finite.all():
        consts = [names[j] for j in np.flatnonzero(~finite.all(axis=0))]
        warns.append(f"the law's derivative is not finite at the optimum with respect to {', '.join(consts)} for "
                     f"points {_rows(ids, ~finite.all(axis=1))}: the optimum sits where the law stops being "
                     f"defined, so its intervals and condition number mean nothing")
    elif not (norms > 0).all():
        flat = [names[j] for j in np.flatnonzero(norms == 0)]
        warns.append(f"{', '.join(flat)} {'changes' if len(flat) == 1 else 'change'} no prediction (zero derivative "
                     f"at every point): the data cannot determine {'it' if len(flat) == 1 else 'them'}")
    else:
        cond = float(np.linalg.cond(jac / norms))
        if cond > settings.cond_warn:
            warns.append(f"ill-conditioned: scaled Jacobian condition number {cond:.3g} > {settings.cond_warn:.3g}")
    diag["condition"] = cond
    diag["optimizer_message"] = str(res.message)
    if res.status == 1:  # iteration limit; an "ABNORMAL" line search at the optimum is benign
        warns.append(f"optimiser did not converge: {res.message}")
    diag["rms_log_residual"] = float(np.sqrt(np.mean((law.log_predict(theta, X)[0] - logy) ** 2)))
    return warns, diag


def _batched_refit(law, theta0, X, logy, W, delta, bounds, maxiter=50, tol=1e-7):
    """Minimise the weighted summed Huber for every weight row of ``W`` at once, from ``theta0``.

    Levenberg-Marquardt on iteratively reweighted least squares (the Huber weights
    min(1, delta/|r|) majorise the loss), vectorised over rows: each bootstrap resample is a
    small perturbation of the fit, so a few damped Gauss-Newton steps converge where a loop of
    L-BFGS-B runs would spend its time in Python overhead. A row stops when its loss falls by
    less than ``tol`` (relative): the interval ends then move far less than their Monte Carlo error.
    """
    B, p = len(W), len(theta0)
    lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    hi = np.array([np.inf if b[1] is None else b[1] for b in bounds])
    theta = np.tile(theta0, (B, 1))
    lam = np.full(B, 1e-3)
    active = np.ones(B, dtype=bool)

    def loss(th, w):
        lp = law.log_predict(th, X)
        with np.errstate(invalid="ignore"):  # inf - inf where a draw leaves the law's domain: masked below
            return np.where(np.isfinite(lp), w * huber(lp - logy, delta), np.inf).sum(axis=1)

    f = loss(theta, W)
    for _ in range(maxiter):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        th, w = theta[idx], W[idx]
        h = 1e-6 * np.maximum(1.0, np.abs(th))
        k = len(idx)
        lp = law.log_predict(np.concatenate([th, (th[:, None, :] + h[:, :, None] * np.eye(p)).reshape(-1, p)]), X)
        r = lp[:k] - logy
        J = (lp[k:].reshape(k, p, -1) - lp[:k, None, :]) / h[:, :, None]  # (k, p, n)
        with np.errstate(all="ignore"):  # rows that left the law's domain fail the loss test below
            u = w * np.minimum(1.0, delta / np.maximum(np.abs(r), 1e-300))
            g = np.einsum("kn,kpn->kp", u * r, J)
            H = np.einsum("kn,kpn,kqn->kpq", u, J, J)
            d = np.diagonal(H, axis1=1, axis2=2)
            A = H + (lam[idx, None] * (d + 1e-12))[:, :, None] * np.eye(p)
            step = -np.linalg.solve(A, g[..., None])[..., 0]
        new = np.clip(th + step, lo, hi)
        fnew = loss(new, w)
        better = fnew <= f[idx]
        tiny_step = np.all(np.abs(new - th) <= 1e-7 * (1 + np.abs(th)), axis=1)
        with np.errstate(invalid="ignore"):  # inf - inf: a row with no finite loss, reported as failed
            done = better & ((f[idx] - fnew <= tol * np.maximum(f[idx], 1e-300)) | tiny_step)
        theta[idx[better]] = new[better]
        f[idx[better]] = fnew[better]
        lam[idx] = np.where(better, lam[idx] / 3, lam[idx] * 4)
        active[idx[done | (lam[idx] > 1e12)]] = False
    return theta, f


def _bootstrap(law, theta, X, logy, groups, settings, bounds):
    """Resample points (or groups), refit each warm-started from ``theta``: (n_boot, p) draws."""
    rng = np.random.default_rng(settings.seed)
    n = len(logy)
    if groups is None:
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=settings.n_boot).astype(float)
    else:
        _, idx = np.unique(np.asarray(groups), return_inverse=True)
        g = idx.max() + 1
        counts = rng.multinomial(g, np.full(g, 1.0 / g), size=settings.n_boot)[:, idx].astype(float)
    draws = np.empty((settings.n_boot, len(theta)))
    for lo in range(0, settings.n_boot, 256):  # chunks bound the memory of (k, p, n) Jacobians
        w = counts[lo : lo + 256]
        th, f = _batched_refit(law, theta, X, logy, w, settings.huber_delta, bounds)
        draws[lo : lo + 256] = np.where(np.isfinite(f)[:, None], th, np.nan)
    return draws


def few_groups_widening(n_groups: int, ci: float) -> float:
    """How far to stretch bootstrap draws about the estimate when whole groups (runs) are resampled.

    From G runs the bootstrap learns the run-to-run spread as a cluster-robust variance does:
    short by (G - 1) / G, and itself uncertain, so the estimate follows Student's t with G - 1
    degrees of freedom, not a normal. The stretch sqrt(G / (G - 1)) t_{G-1} / z (the small-sample
    correction of cluster-robust inference, CR1 with t(G - 1)) turns the percentile interval into
    one that covers: on L(N, S) from 6 learning curves with a per-run offset, the constants were
    covered 82-91% of the time before and 95.5-98.5% after (benchmarks/coverage_bench.py, docs/
    coverage.md). Ungrouped points need none: resamples that drop extreme points already widen
    the draws enough (95-96% for L(N) and L(D) on 8 points).
    """
    q = (1 + ci) / 2
    return float(np.sqrt(n_groups / (n_groups - 1)) * student_t.ppf(q, n_groups - 1) / normal.ppf(q))


def _extrapolation(law, X, logy, groups, settings, theta, grid):
    """Refit without the largest values of ``law.extrapolate``; relative error on those held out."""
    if settings.holdout <= 0:
        return {}
    sign = -1.0 if law.extrapolate_low else 1.0
    x = sign * X[law.extrapolate]
    levels = np.unique(x[np.isfinite(x)])
    n_out = max(settings.holdout, int(settings.holdout_fraction * len(levels)))
    if len(levels) <= n_out:
        return {"skipped": "too few distinct values to hold any out"}
    cut = levels[-n_out]
    out = x >= cut
    if groups is not None:  # hold out whole runs
        g = np.asarray(groups)
        out = np.isin(g, np.unique(g[out]))
    keep = ~out
    if keep.sum() <= len(theta):
        return {"skipped": "too few points left after holding out the largest"}
    Xk = {k: v[keep] for k, v in X.items()}
    # the full-data optimum is the natural start; the best grid point guards against a jump
    quick = dataclasses.replace(settings, n_refine=2)
    res, _, _ = _best_fit(law, Xk, logy[keep], np.ones(keep.sum()), quick, grid, extra_starts=theta)
    Xo = {k: v[out] for k, v in X.items()}
    rel = np.exp(law.log_predict(res.x, Xo)[0] - logy[out]) - 1
    return {
        "held_out": f"{law.extrapolate} {'<=' if sign < 0 else '>='} {sign * cut:.4g}",
        "n_held_out": int(out.sum()),
        "mean_abs_rel_error": float(np.mean(np.abs(rel))),
        "max_abs_rel_error": float(np.max(np.abs(rel))),
        "mean_rel_error": float(np.mean(rel)),
        "params_without": {k: float(v) for k, v in law.from_theta(res.x).items()},
    }


def fit_law(
    law: Law,
    X: dict[str, Any],
    y,
    *,
    groups=None,
    ids=None,
    columns: dict[str, str] | None = None,
    settings: FitSettings | None = None,
    grid: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
) -> FitResult:
    """Fit ``law`` to observations ``y`` (> 0) at inputs ``X`` (dict of equal-length arrays).

    ``groups`` (one label per point, e.g. run ids) makes the bootstrap resample whole groups and
    leave-the-largest-out drop whole groups. ``grid`` overrides start values per constant.
    The points are checked first (``check_points``: ``ids`` and ``columns`` name the rows and
    columns in its errors); a NaN target is dropped with a warning, anything else it cannot use
    is a ``FitInputError``.
    """
    t0 = time.perf_counter()
    with one_blas_thread():
        result = _fit(law, X, y, groups, ids, columns, settings or FitSettings(), grid, provenance)
    result.diagnostics["seconds"] = time.perf_counter() - t0
    return result


def _fit(law, X, y, groups, ids, columns, settings, grid, provenance) -> FitResult:
    X, logy, groups, ids, dropped = check_points(law, X, y, groups=groups, ids=ids, columns=columns)
    n = len(logy)
    if n <= len(law.params):
        raise FitInputError(f"{law.name}: {n} usable points for {len(law.params)} constants")

    res, axes, bounds = _best_fit(law, X, logy, np.ones(n), settings, grid)
    theta = res.x
    warns, diag = _diagnose(law, theta, X, logy, res, axes, bounds, settings, ids)
    warns = dropped + warns

    params = {k: float(v) for k, v in law.from_theta(theta).items()}
    intervals, samples = {}, {}
    if settings.n_boot > 0:
        if groups is not None and len(np.unique(groups)) < 2:
            raise FitInputError(f"{law.name}: every point comes from one group ({groups[0]!r}); resampling whole "
                                f"groups needs at least two")
        draws = _bootstrap(law, theta, X, logy, groups, settings, bounds)
        if groups is not None:
            diag["bootstrap_widening"] = few_groups_widening(len(np.unique(groups)), settings.ci)
            lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
            hi = np.array([np.inf if b[1] is None else b[1] for b in bounds])
            draws = np.clip(theta + diag["bootstrap_widening"] * (draws - theta), lo, hi)
        good = np.all(np.isfinite(draws), axis=1)
        diag["bootstrap_failed"] = int((~good).sum())
        if not good.any():
            warns.append(f"every one of {len(draws)} bootstrap refits failed: no intervals")
        else:
            if good.mean() < 0.95:
                warns.append(f"{(~good).sum()} of {len(draws)} bootstrap refits failed")
            samples = {k: np.asarray(v) for k, v in law.from_theta(draws[good]).items()}
            q = 100 * np.array([(1 - settings.ci) / 2, (1 + settings.ci) / 2])
            intervals = {k: tuple(float(t) for t in np.percentile(v, q)) for k, v in samples.items()}

    prov = dict(provenance or {})
    prov.update(
        library=f"scalinglaws {__version__}",
        settings=dataclasses.asdict(settings),
        formula=law.formula,
        inputs=list(law.inputs),
        points={**{k: v.tolist() for k, v in X.items()}, "y": np.exp(logy).tolist()},
        data_sha256=hashlib.sha256(np.concatenate([*X.values(), logy]).tobytes()).hexdigest(),
    )
    if groups is not None:
        prov["groups"] = sorted({str(g) for g in groups})
    return FitResult(
        law=law.name,
        params=params,
        intervals=intervals,
        n_points=n,
        loss=float(res.fun * settings.huber_delta),
        warnings=warns,
        extrapolation=_extrapolation(law, X, logy, groups, settings, theta, grid),
        provenance=prov,
        diagnostics=diag,
        samples=samples,
        fn=law.fn,
    )
