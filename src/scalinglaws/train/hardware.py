"""The device a job trains on: which one (GPU slots shared by several jobs), its precision, its peak.

Peak throughputs for model-FLOPs utilisation (MFU) are looked up by device name: dense (no
sparsity) peaks from the vendors' data sheets, in FLOP/s. MFU is reported only when the device is
found here; an unknown device gets no MFU rather than a guess.
"""

from __future__ import annotations

import fcntl
import os
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass

import torch

# name fragment (lower case) -> {dtype: peak FLOP/s}
PEAK_FLOPS = {
    "h200": {"bf16": 989.4e12, "fp32": 67e12, "tf32": 494.7e12},
    "h100 sxm": {"bf16": 989.4e12, "fp32": 67e12, "tf32": 494.7e12},
    "h100 nvl": {"bf16": 835.5e12, "fp32": 60e12, "tf32": 417.5e12},
    "h100 pcie": {"bf16": 756.5e12, "fp32": 51e12, "tf32": 378e12},
    "h100": {"bf16": 989.4e12, "fp32": 67e12, "tf32": 494.7e12},  # HBM3 parts report as "H100 80GB HBM3"
    "a100": {"bf16": 312e12, "fp32": 19.5e12, "tf32": 156e12},
    "l40s": {"bf16": 362e12, "fp32": 91.6e12, "tf32": 183e12},
    "a10g": {"bf16": 125e12, "fp32": 31.2e12, "tf32": 62.5e12},
    "v100": {"bf16": 125e12, "fp32": 15.7e12, "tf32": 15.7e12},  # fp16 tensor cores; no bf16
    "t4": {"bf16": 65e12, "fp32": 8.1e12, "tf32": 8.1e12},
}


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return device.type


def peak_flops(name: str, dtype: str) -> float | None:
    lowered = name.lower()
    for fragment, peaks in PEAK_FLOPS.items():  # insertion order: specific names before generic
        if fragment in lowered:
            return peaks.get(dtype)
    return None


def claim_gpu(count: int, lock_dir: str | None = None, poll_seconds: float = 5.0, per_gpu: int | None = None):
    """Claim a GPU slot no other training job on this machine holds, for the life of the process.

    Snakemake schedules GPU jobs by a count (``--resources gpu=N``) but does not say which GPU a job
    gets. Each GPU has ``per_gpu`` slots (``SCALINGLAWS_CELLS_PER_GPU``, default 1), so several tiny
    cells can share one GPU; a job takes the first free slot, filling every GPU's first slot before
    any second one. The lock goes with the process, so a killed job frees its slot.
    Returns (GPU index, open lock file: keep a reference to it).
    """
    lock_dir = lock_dir or os.environ.get("SCALINGLAWS_GPU_LOCKS", tempfile.gettempdir())
    per_gpu = per_gpu or int(os.environ.get("SCALINGLAWS_CELLS_PER_GPU", "1"))
    waited = False
    while True:
        for slot in range(per_gpu):
            for index in range(count):
                handle = open(os.path.join(lock_dir, f"scalinglaws-gpu-{index}-slot-{slot}.lock"), "a")
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return index, handle
                except BlockingIOError:
                    handle.close()
        if not waited:
            print(f"all {count} x {per_gpu} GPU slots are held by other training jobs; waiting", file=sys.stderr)
            waited = True
        time.sleep(poll_seconds)


_GPU_CLAIM = None  # the lock file of the GPU this process claimed; lives as long as the process


def pick_device(requested: str = "auto") -> torch.device:
    """``auto``: the CPU without CUDA, the only GPU, or a free one of several (see ``claim_gpu``)."""
    global _GPU_CLAIM
    if requested != "auto":
        return torch.device(requested)
    if not torch.cuda.is_available():
        return torch.device("cpu")
    if torch.cuda.device_count() == 1 and int(os.environ.get("SCALINGLAWS_CELLS_PER_GPU", "1")) == 1:
        return torch.device("cuda:0")
    if _GPU_CLAIM is None:
        _GPU_CLAIM = claim_gpu(torch.cuda.device_count())
    return torch.device(f"cuda:{_GPU_CLAIM[0]}")


@dataclass(frozen=True)
class Hardware:
    """Where a cell runs and in which precision: bf16 autocast on a GPU when the cell asks for it,
    full precision otherwise (and always on a CPU)."""

    device: torch.device
    precision: str  # what actually runs: "bf16" or "fp32"

    @classmethod
    def choose(cls, requested: str, precision: str) -> "Hardware":
        device = pick_device(requested)
        return cls(device, "bf16" if device.type == "cuda" and precision == "bf16" else "fp32")

    @property
    def name(self) -> str:
        return device_name(self.device)

    @property
    def peak_flops(self) -> float | None:
        return peak_flops(self.name, self.precision)

    def autocast(self):
        """A fresh autocast context for one forward pass (a no-op in fp32)."""
        return torch.autocast("cuda", dtype=torch.bfloat16) if self.precision == "bf16" else nullcontext()
