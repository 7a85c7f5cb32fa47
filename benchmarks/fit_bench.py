"""Wall time of the whole fit suite with 1000 bootstrap resamples.

Fits results/tables/{runs,curves}.parquet when they exist, else a synthetic table shaped like the
default study (config.yaml's 6 shapes, 2048 tokens a step, ~1500 steps, 200 curve points each);
``--full`` adds a synthetic (N, D) grid and batch-size scans so every law is fitted.
Run: ``.venv/bin/python benchmarks/fit_bench.py [--full]``.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglaws.fit import FitSettings, synthetic
from scalinglaws.fit.suite import fit_suite


def tables(full: bool):
    runs_path, curves_path = Path("results/tables/runs.parquet"), Path("results/tables/curves.parquet")
    if runs_path.exists() and curves_path.exists() and not full:
        return "results/tables", pd.read_parquet(runs_path), pd.read_parquet(curves_path)
    shapes = [(1, 8), (2, 16), (2, 32), (3, 48), (4, 64), (4, 96)]  # config.yaml, studies.size
    sizes = np.array([12 * n_layer * d_model**2 for n_layer, d_model in shapes], dtype=float)
    runs, curves = synthetic.size_study(0, sizes=sizes, n_points=200, steps=1465, B=2048)
    runs["n_layer"] = [n_layer for n_layer, _ in shapes]
    if not full:
        return "synthetic default study (6 sizes x 200 points)", runs, curves
    scan_runs, scan_curves = synthetic.batch_scan(0)
    runs = pd.concat([runs, synthetic.data_grid(0), scan_runs], ignore_index=True)
    return "synthetic size + (N, D) grid + batch scans", runs, pd.concat([curves, scan_curves], ignore_index=True)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--full", action="store_true", help="every law: add (N, D) grid and batch scans")
    p.add_argument("--n-boot", type=int, default=1000)
    a = p.parse_args()
    source, runs, curves = tables(a.full)
    t0 = time.perf_counter()
    suite = fit_suite(runs, curves, settings=FitSettings(n_boot=a.n_boot))
    wall = time.perf_counter() - t0
    n = sum(len(f) for f in suite["fits"].values())
    print(f"{source}: {len(runs)} runs, {len(curves)} curve points")
    print(f"{n} fits, {a.n_boot} bootstrap resamples each, both bases: {wall:.1f} s wall, "
          f"{os.cpu_count()} CPUs visible, load average {os.getloadavg()[0]:.1f}")
    for basis, fits in suite["fits"].items():
        for name, f in fits.items():
            err = f.extrapolation.get("max_abs_rel_error", float("nan"))
            consts = ", ".join(f"{k}={v:.3g}" for k, v in f.params.items())
            print(f"  {basis:13s} {name:12s} {f.diagnostics['seconds']:5.2f} s  {consts}  (leave-largest-out "
                  f"error {err:.3f}; condition {f.diagnostics['condition']:.3g}; {len(f.warnings)} warnings)")


if __name__ == "__main__":
    main()
