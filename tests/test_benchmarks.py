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
