"""The GPU benchmark's own code, run at toy sizes on the CPU, so a lent GPU's minutes are not spent
finding a bug in the script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_bench_smoke_runs_every_measurement(tmp_path):
    out = tmp_path / "gpu_bench.json"
    proc = subprocess.run([sys.executable, "benchmarks/gpu_bench.py", "--smoke", "--json", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures["device"] == "cpu" and figures["precision"] == "fp32" and figures["mfu"] is None
    assert figures["tokens_per_second"] > 0 and figures["serial_seconds"] > 0 and figures["packed_seconds"] > 0
    assert "tokens/s" in proc.stdout and "throughput ratio" in proc.stdout


def test_coverage_bench_smoke_counts_every_case(tmp_path):
    out = tmp_path / "coverage.json"
    proc = subprocess.run([sys.executable, "benchmarks/coverage_bench.py", "--studies", "3", "--n-boot", "40",
                           "--cases", "L_N", "L_NS", "chinchilla data, Eq 1.5 fit", "--json", str(out),
                           "--markdown", str(tmp_path / "coverage.md")], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {row["case"]: row for row in json.loads(out.read_text())}
    assert set(rows) == {"L_N", "L_NS", "chinchilla data, Eq 1.5 fit"}
    assert set(rows["L_NS"]["params"]) == {"N_c", "S_c", "alpha_N", "alpha_S"}
    assert "params" not in rows["chinchilla data, Eq 1.5 fit"]  # misspecified: no true constants
    assert all(0 <= row["prediction"] <= 1 for row in rows.values())
    assert "| L_NS | L_NS | alpha_N " in (tmp_path / "coverage.md").read_text()
