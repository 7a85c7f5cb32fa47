"""Data parallelism for cells too big for one GPU: ``torchrun --nproc_per_node K -m scalinglaws.train``.

Every rank draws the same global batch (batches are a function of the step) and trains on its
contiguous 1/K of the rows; DDP averages the gradients, so a step equals one process's step on the
whole batch. Evaluations are deterministic and run on every rank (no rank waits on another to decide
early stopping); only rank 0 writes files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Ranks:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_env(cls) -> "Ranks":
        """Join the process group torchrun describes in the environment (a single process otherwise)."""
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world == 1:
            return cls()
        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")
        return cls(rank=dist.get_rank(), world=world, local_rank=int(os.environ.get("LOCAL_RANK", "0")))

    def shard(self, batch: torch.Tensor) -> torch.Tensor:
        """This rank's rows of a global batch (batch size divisible by the world size)."""
        return batch if self.world == 1 else batch.chunk(self.world)[self.rank]

    def mean(self, value: float) -> float:
        """The mean of a scalar over ranks (each rank's share of the batch is equal)."""
        if self.world == 1:
            return value
        tensor = torch.tensor([value], dtype=torch.float64)
        dist.all_reduce(tensor)
        return float(tensor) / self.world

    def wrap(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        if self.world == 1:
            return model
        return torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    def close(self) -> None:
        if self.world > 1 and dist.is_initialized():
            dist.destroy_process_group()
