"""Studies: named grids in the config, expanded into cells with stable, readable ids.

A cell id names what varies in its study (``L2_d32`` in the size study), so a path under
results/runs/ tells which run it is. Each cell carries every setting it trains with; Snakemake
passes it as a rule parameter, so changing one cell's settings reruns that cell only.
"""

from __future__ import annotations

from scalinglaws.train.cell import Cell

# train-section keys that are not cell settings
_NON_CELL_TRAIN_KEYS: set[str] = set()


def _base(config: dict, study: str, overrides: dict) -> dict:
    base = {k: v for k, v in config["train"].items() if k not in _NON_CELL_TRAIN_KEYS}
    base.update(overrides)
    base["study"] = study
    return base


def _shape_cell(config: dict, study: str, spec: dict, n_layer: int, d_model: int) -> dict:
    head_dim = spec.get("head_dim", 64)
    n_head = max(1, d_model // head_dim)
    if d_model % n_head:
        raise ValueError(f"studies.{study}: d_model={d_model} is not divisible into heads of {head_dim}")
    cell = _base(config, study, spec.get("train", {}))
    cell.update(cell_id=f"L{n_layer}_d{d_model}", n_layer=n_layer, d_model=d_model, n_head=n_head)
    return cell


def size_study(config: dict, study: str, spec: dict) -> list[dict]:
    """The N sweep: standard-shape models of several sizes on the full data (Figs 1, 2, 6, 11, 13, 14)."""
    return [_shape_cell(config, study, spec, n_layer, d_model) for n_layer, d_model in spec["shapes"]]


STUDY_KINDS = {"size": size_study}


def expand_studies(config: dict) -> dict[str, dict[str, dict]]:
    """``{study: {cell_id: cell settings}}`` for every study in the config, each cell validated."""
    studies = {}
    for study, spec in config.get("studies", {}).items():
        kind = spec.get("kind", study)
        if kind not in STUDY_KINDS:
            raise ValueError(f"studies.{study}: unknown kind {kind!r}; known kinds are {sorted(STUDY_KINDS)}")
        cells = STUDY_KINDS[kind](config, study, spec)
        if not cells:
            raise ValueError(f"studies.{study}: the grid is empty")
        by_id = {}
        for cell in cells:
            Cell.from_dict(cell)  # validates names and types before any job runs
            if cell["cell_id"] in by_id:
                raise ValueError(f"studies.{study}: two cells share the id {cell['cell_id']}")
            by_id[cell["cell_id"]] = cell
        studies[study] = by_id
    return studies
