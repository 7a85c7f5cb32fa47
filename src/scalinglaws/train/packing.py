"""Which cells share a training job: packs of small cells, big cells alone.

A cell's planned work is its training FLOPs (every matmul, the head included:
``flops_per_token_matmul`` times its token budget) plus ``OVERHEAD_FLOPS_PER_TOKEN`` per token, the
fixed cost of a step that bounds tiny models. A cell of at most ``max_flops`` of work is packed: the
cells of a study are taken in an order that puts cells of one shape together (on a GPU those can
train as one batched model), and each pack is filled up to ``max_cells`` cells and ``max_flops`` of
work in all. Bigger cells, and data-parallel ones, train alone. Cells named ``apart`` (the largest
cells of a study, predicted from the others before they train: ``scalinglaws.registered``) are
packed only among themselves, so no pack holds both a prediction's inputs and its subject. The packs
depend on the cells alone, so a dry run, a rerun and a cluster's job script all see the same ones.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from scalinglaws.train.archs import SHAPE_FIELDS
from scalinglaws.train.cell import Cell, planned_accounting


@dataclass(frozen=True)
class Pack:
    name: str  # <study>.<k>, k counting from 1 in the study
    study: str
    cells: tuple[str, ...]  # cell ids, in training order
    flops: float  # planned work of all its cells (``planned_flops``)

    @property
    def rule_name(self) -> str:
        """The name of its Snakemake rule (an identifier)."""
        return "train_" + "".join(c if c.isalnum() else "_" for c in self.name)


# A step's cost beyond its matmuls, per token: on 2 CPU cores a 6e3-parameter model trains at about
# 1e5 tokens/s and a 2e5-parameter one (1.6e6 FLOPs per token) at 1.3e4 (measured), which this fits.
OVERHEAD_FLOPS_PER_TOKEN = 2.5e5


def planned_flops(cell: Cell, vocab_size: int) -> float:
    """Planned work of a cell's whole token budget in FLOPs, overhead included (early stopping may
    spend less)."""
    accounting = planned_accounting(cell, vocab_size)
    tokens = cell.total_steps() * cell.batch_size * cell.n_ctx
    return tokens * (accounting["flops_per_token_matmul"] + OVERHEAD_FLOPS_PER_TOKEN)


def stack_key(cell: Cell) -> tuple:
    """Cells with equal keys have models and batches of one shape: one batched model on a GPU."""
    return (cell.arch, cell.n_layer, cell.d_model, *(getattr(cell, name) for name in SHAPE_FIELDS), cell.n_ctx,
            cell.batch_size, cell.tie_embeddings)


def _group(cells: list[Cell], cost: dict[str, float], max_cells: int, max_flops: float) -> list[list[Cell]]:
    """Small cells into packs, one shape after another; big and data-parallel cells alone."""
    small = [c for c in cells if cost[c.cell_id] <= max_flops and c.processes == 1 and max_cells > 1]
    order = {key: i for i, key in enumerate(dict.fromkeys(stack_key(c) for c in small))}
    groups: list[list[Cell]] = []
    for cell in sorted(small, key=lambda c: order[stack_key(c)]):  # stable: config order within a shape
        if groups and len(groups[-1]) < max_cells and sum(cost[c.cell_id] for c in groups[-1]) + cost[cell.cell_id] <= max_flops:
            groups[-1].append(cell)
        else:
            groups.append([cell])
    return groups + [[c] for c in cells if c not in small]


def plan_packs(studies: dict[str, dict[str, dict]], vocab_size: int, max_cells: int, max_flops: float,
               apart: dict[str, Collection[str]] | None = None, study_cells: dict[str, int] | None = None) -> list[Pack]:
    """Packs of every study's cells (``studies.expand_studies`` output); ``max_cells`` 1 packs nothing.

    ``apart`` maps a study to cell ids that share packs only with each other (they come last).
    ``study_cells`` sets another ``max_cells`` for some studies: a study the others wait for trains
    faster in several packs side by side.
    """
    packs = []
    for study, cells in studies.items():
        cells_per_pack = (study_cells or {}).get(study, max_cells)
        parsed = [Cell.from_dict(settings) for settings in cells.values()]
        cost = {c.cell_id: planned_flops(c, vocab_size) for c in parsed}
        separate = set((apart or {}).get(study, ()))
        unknown = sorted(separate - set(cells))
        if unknown:
            raise ValueError(f"studies.{study}: no cell named {unknown} to pack apart")
        groups = [group for part in ([c for c in parsed if c.cell_id not in separate],
                                     [c for c in parsed if c.cell_id in separate])
                  for group in _group(part, cost, cells_per_pack, max_flops)]
        for k, group in enumerate(groups, start=1):
            packs.append(Pack(name=f"{study}.{k}", study=study, cells=tuple(c.cell_id for c in group),
                              flops=sum(cost[c.cell_id] for c in group)))
    return packs
