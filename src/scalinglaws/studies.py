"""Studies: named grids in the config, expanded into cells with stable, readable ids.

A cell id names what varies in its study (``L2_d32`` in the size study, ``L2_d32_D1-8`` in the data
study), so a path under results/runs/ tells which run it is. Each cell carries every setting it
trains with; Snakemake passes it as a rule parameter, so changing one cell's settings reruns that
cell only. Every study may override the shared ``train`` settings with its own ``train`` mapping.

Study kinds (the sweeps of the paper's section 6 catalogue):
  size        standard-shape models of several sizes on all the data (Figs 1, 2, 6, 11, 13, 14, 19-21, 23)
  data        an (N, D) grid on nested subsets D = full / 2^k, dropout, early stopping (Figs 1, 4, 9, 16)
  shape       fixed N; feed-forward ratio, aspect ratio and attention-head width varied (Fig 5)
  batch       a few models, each at many batch sizes (Figs 10, 18)
  lstm        LSTMs of 1, 2 and 4 layers over sizes (Fig 7)
  recurrent   Transformers whose block stack is reused k times (Fig 17)
  context     the size sweep at a short context, n_ctx = 8 in the paper (Fig 21)
  lr_schedule one model under several learning-rate schedules (Fig 22)
  depth       fixed N, depth varied, evaluated out of distribution (Fig 24)
  baseline    standard-shape models like the size study's, at the comparison studies' budget and
              settings: the Transformers that LSTMs, recurrent and short-context models are compared to
  lr_scan     a few shapes, each at several peak LRs: the scan whose per-size optima are the tuned LR
  ladder      IsoFLOP sets (a window of shapes at each compute budget, each cell trained to exactly its
              budget) under each retraining step of the Kaplan-to-Chinchilla ladder (fit.ladder, docs/ladder.md)

A config file loaded on top of another removes one of its studies by setting it to null
(``configfile.drop_removed_studies``).

A cell's ``decay_steps: longest`` (the schedule's horizon, ``Cell.horizon``) becomes the step count
of its study's longest cell: one long schedule for every cell, as Kaplan et al. trained.

Any study may list ``seeds``: each cell is then trained once per seed (ids ``<cell>_s<seed>`` after
the first), and the figures and the scorecard measure the run-to-run spread from them.

Any study may list cell ids under ``track``: those cells also log per-position and out-of-
distribution losses at every evaluation during training (Fig 8 right, Fig 20 right).
"""

from __future__ import annotations

import math

from scalinglaws.train.cell import Cell, planned_accounting


def _cell(config: dict, study: str, spec: dict, cell_id: str, **settings) -> dict:
    cell = dict(config["train"])
    cell.update(spec.get("train", {}))
    cell.update(settings)
    cell.update(study=study, cell_id=cell_id)
    return cell


def _heads(study: str, d_attn: int, head_dim: int) -> int:
    n_head = max(1, d_attn // head_dim)
    if d_attn % n_head:
        raise ValueError(f"studies.{study}: d_model={d_attn} does not split into heads of head_dim={head_dim}")
    return n_head


def _round_width(value: float, multiple: int) -> int:
    return max(multiple, int(round(value / multiple)) * multiple)


def _label(x: float) -> str:
    """A number as a path-safe label: 0.5 -> 0.5, 4.0 -> 4, 1/8 -> 1-8."""
    return f"{x:g}".replace("/", "-")


def _standard(config, study, spec, n_layer, d_model, cell_id=None, **settings) -> dict:
    head_dim = spec.get("head_dim", 64)
    return _cell(config, study, spec, cell_id or f"L{n_layer}_d{d_model}", n_layer=n_layer, d_model=d_model,
                 n_head=_heads(study, d_model, head_dim), **settings)


def size_study(config: dict, study: str, spec: dict) -> list[dict]:
    return [_standard(config, study, spec, n_layer, d_model) for n_layer, d_model in spec["shapes"]]


def data_study(config: dict, study: str, spec: dict) -> list[dict]:
    """Each shape on D = full / 2^k for every k in ``halvings`` (k = 0 is all the data)."""
    cells = []
    for n_layer, d_model in spec["shapes"]:
        for k in spec["halvings"]:
            fraction = 0.5 ** k
            label = "full" if k == 0 else f"1-{2 ** k}"
            cells.append(_standard(config, study, spec, n_layer, d_model, f"L{n_layer}_d{d_model}_D{label}",
                                   dataset_fraction=None if k == 0 else fraction))
    return cells


def shape_study(config: dict, study: str, spec: dict) -> list[dict]:
    """At a fixed non-embedding N: vary d_ff / d_model, d_model / n_layer, and d_model / n_head."""
    n_target, head_dim = spec["n_params"], spec.get("head_dim", 64)
    multiple = spec.get("width_multiple", head_dim)  # widths round to whole heads
    cells = []
    n_layer = spec.get("ff_n_layer", 4)
    for ratio in spec.get("ff_ratios", []):
        # N = 2 n_layer d (2 d + ratio d)  =>  d = sqrt(N / (2 n_layer (2 + ratio)))
        d_model = _round_width(math.sqrt(n_target / (2 * n_layer * (2 + ratio))), multiple)
        d_ff = max(1, round(ratio * d_model))
        cells.append(_cell(config, study, spec, f"ff{_label(ratio)}_L{n_layer}_d{d_model}", n_layer=n_layer,
                           d_model=d_model, d_ff=d_ff, n_head=_heads(study, d_model, head_dim)))
    for ratio in spec.get("aspect_ratios", []):
        # N = 12 n_layer d^2 with d = ratio n_layer  =>  n_layer = (N / (12 ratio^2))^(1/3)
        n_layer = max(1, round((n_target / (12 * ratio**2)) ** (1 / 3)))
        d_model = _round_width(math.sqrt(n_target / (12 * n_layer)), multiple)
        cells.append(_cell(config, study, spec, f"ar{_label(ratio)}_L{n_layer}_d{d_model}", n_layer=n_layer,
                           d_model=d_model, n_head=_heads(study, d_model, head_dim)))
    for d_model in spec.get("head_widths", {}).get("d_model", []):
        n_layer = max(1, round(n_target / (12 * d_model**2)))
        for dim in spec["head_widths"]["head_dims"]:
            if d_model % dim:
                raise ValueError(f"studies.{study}.head_widths: d_model={d_model} is not divisible by head dim {dim}")
            cells.append(_cell(config, study, spec, f"hd{dim}_L{n_layer}_d{d_model}", n_layer=n_layer,
                               d_model=d_model, n_head=d_model // dim))
    return cells


def batch_study(config: dict, study: str, spec: dict) -> list[dict]:
    return [_standard(config, study, spec, n_layer, d_model, f"L{n_layer}_d{d_model}_B{batch}", batch_size=batch)
            for n_layer, d_model in spec["shapes"] for batch in spec["batch_sizes"]]


def lr_scan_study(config: dict, study: str, spec: dict) -> list[dict]:
    """Each shape at every peak LR of ``lrs``: the scan whose per-size optima are the tuned LR (fit.lr_rule)."""
    return [_standard(config, study, spec, n_layer, d_model, f"L{n_layer}_d{d_model}_lr{lr:g}", lr=float(lr))
            for n_layer, d_model in spec["shapes"] for lr in spec["lrs"]]


def ladder_study(config: dict, study: str, spec: dict) -> list[dict]:
    """Each retraining step of ``steps`` at every budget of ``budgets``, over a window of
    ``sizes_per_budget`` consecutive ``shapes`` that moves along the list from the smallest budget to the
    largest (the compute-optimal size grows with the budget). A cell trains exactly its budget C in
    FLOPs with the head: D = C / flops_per_token_with_head tokens, rounded to whole steps."""
    budgets, shapes, steps = sorted(spec["budgets"]), spec["shapes"], spec["steps"]
    window = spec.get("sizes_per_budget", len(shapes))
    if window > len(shapes):
        raise ValueError(f"studies.{study}.sizes_per_budget = {window} is more than the {len(shapes)} shapes listed")
    if window < 5:
        raise ValueError(f"studies.{study}.shapes: {window} sizes per budget; an IsoFLOP set needs at least 5 "
                         "(list more shapes, or set sizes_per_budget)")
    vocab = int(config["tokenizer"]["vocab_size"])
    cells = []
    for i, budget in enumerate(budgets):
        start = round(i * (len(shapes) - window) / max(1, len(budgets) - 1))
        for n_layer, d_model in shapes[start:start + window]:
            for name, settings in steps.items():
                cell = _standard(config, study, spec, n_layer, d_model,
                                 f"{name}_C{_label(budget).replace('+', '')}_L{n_layer}_d{d_model}", **settings)
                per_token = planned_accounting(Cell.from_dict(cell), vocab)["flops_per_token_with_head"]
                step_tokens = cell["batch_size"] * cell["n_ctx"]
                cell_steps = round(budget / per_token / step_tokens)
                if cell_steps < 1:
                    raise ValueError(f"studies.{study}.budgets: {budget:g} FLOPs is less than one step of cell "
                                     f"{cell['cell_id']} ({per_token * step_tokens:.3g} FLOPs)")
                cell.update(steps=cell_steps, tokens=float(cell_steps * step_tokens),
                            extra={"ladder_step": name, "budget": float(budget)})
                cells.append(cell)
    return cells


def lstm_study(config: dict, study: str, spec: dict) -> list[dict]:
    return [_cell(config, study, spec, f"lstm{n_layer}_d{d_model}", arch="lstm", n_layer=n_layer, d_model=d_model)
            for n_layer in spec["layers"] for d_model in spec["widths"]]


def recurrent_study(config: dict, study: str, spec: dict) -> list[dict]:
    return [_standard(config, study, spec, n_layer, d_model, f"L{n_layer}_d{d_model}_x{reuse}", reuse=reuse)
            for n_layer, d_model in spec["shapes"] for reuse in spec["reuse"]]


def context_study(config: dict, study: str, spec: dict) -> list[dict]:
    n_ctx = spec["n_ctx"]
    return [_standard(config, study, spec, n_layer, d_model, f"L{n_layer}_d{d_model}_ctx{n_ctx}", n_ctx=n_ctx)
            for n_layer, d_model in spec["shapes"]]


def lr_schedule_study(config: dict, study: str, spec: dict) -> list[dict]:
    n_layer, d_model = spec["shape"]
    return [_standard(config, study, spec, n_layer, d_model, f"{name}_L{n_layer}_d{d_model}", **settings)
            for name, settings in spec["schedules"].items()]


def depth_study(config: dict, study: str, spec: dict) -> list[dict]:
    multiple = spec.get("width_multiple", spec.get("head_dim", 64))
    cells = []
    for n_layer in spec["depths"]:
        d_model = _round_width(math.sqrt(spec["n_params"] / (12 * n_layer)), multiple)
        cells.append(_standard(config, study, spec, n_layer, d_model))
    return cells


STUDY_KINDS = {
    "size": size_study,
    "baseline": size_study,
    "data": data_study,
    "shape": shape_study,
    "batch": batch_study,
    "lstm": lstm_study,
    "recurrent": recurrent_study,
    "context": context_study,
    "lr_schedule": lr_schedule_study,
    "depth": depth_study,
    "lr_scan": lr_scan_study,
    "ladder": ladder_study,
}


def with_seeds(study: str, spec: dict, cells: list[dict]) -> list[dict]:
    """Every cell once per seed of the study's ``seeds`` (the first keeps its id, the others get
    ``_s<seed>``): repeated runs that measure the run-to-run spread."""
    seeds = spec.get("seeds")
    if seeds is None:
        return cells
    if not seeds or len(set(seeds)) != len(seeds) or not all(isinstance(s, int) for s in seeds):
        raise ValueError(f"studies.{study}.seeds: a list of distinct integers, not {seeds!r}")
    return [{**cell, "seed": seed, "cell_id": cell["cell_id"] + ("" if i == 0 else f"_s{seed}")}
            for cell in cells for i, seed in enumerate(seeds)]


def study_kinds(config: dict) -> dict[str, str]:
    """``{study name: kind}``; a study's kind defaults to its name."""
    return {name: spec.get("kind", name) for name, spec in config.get("studies", {}).items()}


def expand_studies(config: dict) -> dict[str, dict[str, dict]]:
    """``{study: {cell_id: cell settings}}`` for every study in the config, each cell validated."""
    studies, kinds = {}, study_kinds(config)
    for study, spec in config.get("studies", {}).items():
        kind = kinds[study]
        if kind not in STUDY_KINDS:
            raise ValueError(f"studies.{study}: unknown kind {kind!r}; known kinds are {sorted(STUDY_KINDS)}")
        try:
            cells = STUDY_KINDS[kind](config, study, spec)
        except KeyError as missing:
            raise ValueError(f"studies.{study}: a {kind} study needs the key {missing}") from None
        if not cells:
            raise ValueError(f"studies.{study}: the grid is empty")
        cells = with_seeds(study, spec, cells)
        longest = max(Cell.from_dict({**c, "decay_steps": None}).total_steps() for c in cells)
        for cell in cells:
            if cell.get("decay_steps") == "longest":
                cell["decay_steps"] = longest
        ids = {cell["cell_id"] for cell in cells}
        unknown = sorted(set(spec.get("track", [])) - ids)
        if unknown:
            raise ValueError(f"studies.{study}.track: no cell named {unknown}; the cells are {sorted(ids)}")
        for cell in cells:
            cell["track"] = cell["cell_id"] in spec.get("track", [])
        by_id = {}
        for cell in cells:
            try:
                Cell.from_dict(cell).model_config(vocab_size=2)  # names, types and shape, before any job runs
            except (TypeError, ValueError) as err:
                raise ValueError(f"studies.{study}: cell {cell['cell_id']}: {err}") from None
            if cell["cell_id"] in by_id:
                raise ValueError(f"studies.{study}: two cells share the id {cell['cell_id']}")
            by_id[cell["cell_id"]] = cell
        studies[study] = by_id
    return studies


def fit_kinds(config: dict) -> set[str]:
    """The study kinds a config's runs will hold, as the fit suite needs them (``fit.suite.laws_for``):
    the configured kinds, plus ``noise`` when a size study measures the gradient noise scale."""
    named = study_kinds(config)
    kinds = set(named.values())
    if any(kind == "size" and {**config.get("train", {}), **config["studies"][name].get("train", {})}.get("noise_scale_every")
           for name, kind in named.items()):
        kinds.add("noise")
    return kinds
