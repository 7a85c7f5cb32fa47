"""Resume points of a run (``resume.pt``) and the record of a finished run that a pack keeps.

A resume point holds the model, the optimiser, the RNGs and the ``TrainState``, tagged with the
cell's fingerprint so a changed configuration never resumes from another's state. It is written at
least every ``every_seconds`` and whenever a preemption signal arrives, and deleted when the run
finishes.

A pack trains several cells in one job. When the job fails or is killed, Snakemake deletes every
output of the job, the finished cells' too; so a finished cell's files are also linked into
``finished/`` in its run directory (not an output), and a rerun of the pack restores them instead of
training the cell again. The pack clears these records once the whole pack has finished.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import torch

from scalinglaws.io import atomic_path, read_json, write_json
from scalinglaws.train.state import TrainState

FINISHED = "finished"


class Checkpointer:
    def __init__(self, run_dir: str | Path, fingerprint: str, every_seconds: float, enabled: bool = True):
        self.path = Path(run_dir) / "resume.pt"
        self.fingerprint, self.every_seconds, self.enabled = fingerprint, every_seconds, enabled
        self._last = time.monotonic()

    def load(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer, device: torch.device) -> TrainState | None:
        """The saved state (model and optimiser restored in place), or None when there is no resume point."""
        if not self.path.exists():
            return None
        saved = torch.load(self.path, map_location=device, weights_only=True)
        if saved["cell_id"] != self.fingerprint:
            raise ValueError(f"{self.path} belongs to another configuration of this cell; delete it to start over")
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        torch.set_rng_state(saved["rng"])
        if "cuda_rng" in saved and device.type == "cuda":  # dropout on a GPU draws from the GPU's generator
            torch.cuda.set_rng_state(saved["cuda_rng"].cpu(), device)
        return TrainState.from_dict(saved["state"])

    def save(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer, state: TrainState) -> None:
        if not self.enabled:
            return
        with state.timed("checkpoints"), atomic_path(self.path) as tmp:
            device = next(model.parameters()).device
            cuda_rng = {"cuda_rng": torch.cuda.get_rng_state(device)} if device.type == "cuda" else {}
            torch.save({"cell_id": self.fingerprint, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "rng": torch.get_rng_state(), "state": state.to_dict(), **cuda_rng}, tmp)
        self._last = time.monotonic()

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.every_seconds

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def record_finished(run_dir: str | Path, files: list[str], fingerprint: str) -> None:
    """Link a finished run's ``files`` into ``run_dir/finished/`` with the cell's fingerprint."""
    run_dir = Path(run_dir)
    record = run_dir / FINISHED
    shutil.rmtree(record, ignore_errors=True)
    record.mkdir()
    for name in files:
        _link_or_copy(run_dir / name, record / name)
    write_json(record / "fingerprint.json", {"fingerprint": fingerprint, "files": files})


def restore_finished(run_dir: str | Path, fingerprint: str) -> bool:
    """Put back the files of a finished run recorded for this fingerprint; False when there is none."""
    run_dir = Path(run_dir)
    record = run_dir / FINISHED
    try:
        meta = read_json(record / "fingerprint.json")
    except (OSError, ValueError):
        return False
    if meta["fingerprint"] != fingerprint or not all((record / name).exists() for name in meta["files"]):
        return False
    for name in meta["files"]:
        (run_dir / name).unlink(missing_ok=True)
        _link_or_copy(record / name, run_dir / name)
    return True


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def clear_finished(run_dir: str | Path) -> None:
    shutil.rmtree(Path(run_dir) / FINISHED, ignore_errors=True)
