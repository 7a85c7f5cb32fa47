"""Config mistakes the schema cannot see, caught before any job runs (workflow/rules/common.smk).

Each would otherwise pass the dry run and fail hours later, or silently train something else:

- a token budget below one step (the cell would train one whole step anyway);
- a model narrower than its study's ``head_dim`` (it would silently train one head of width
  d_model), unless the study says ``one_head_below_head_dim: true``;
- a fixed-N study (shape, depth) with a cell whose ``n_params`` no shape it can build comes near;
- an unknown ``corpus.source``; a web source's fetch options the schema cannot read (a CIDR of
  ``allow_private_addresses``); the ``reddit`` source with no dump files, the ``urls`` source with no
  URL file; a text source missing a key it needs or naming a local file that is not there
  (``scalinglaws.corpus.sources.check``).

``check_config`` raises a ``ValueError`` naming the key (or the file) and the cells concerned.
Relative paths are read from the working directory, as the jobs will read them.
"""

from __future__ import annotations

import glob
import math
from pathlib import Path

from scalinglaws.corpus.acquire.options import WEB_SOURCES, AcquireOptions
from scalinglaws.corpus.sources import Shard
from scalinglaws.corpus.sources import check as check_text_source
from scalinglaws.corpus.sources import registry as text_sources
from scalinglaws.studies import study_kinds
from scalinglaws.train.accounting import paper_nonembedding
from scalinglaws.train.cell import Cell

DEFAULT_HEAD_DIM = 64  # what studies.py gives a study that sets no head_dim
FIXED_N_KINDS = ("shape", "depth")
# Rounding widths to whole heads moves N by up to ~2x in a sound study (the default depth
# study's 8-layer cell lands at 0.49x); a cell further off than this means no shape reaches N.
FIXED_N_TOLERANCE = 2.5


def check_config(config: dict, cells: dict[str, dict[str, dict]], workdir: str | Path = ".") -> None:
    """Raise a ValueError for the first mistake found; ``cells`` is ``studies.expand_studies(config)``."""
    for study, by_id in cells.items():
        spec = config["studies"][study]
        _check_steps(config, study, spec, by_id)
        _check_heads(study, spec, by_id)
        if study_kinds(config)[study] in FIXED_N_KINDS:
            _check_fixed_n(study, spec, by_id)
    _check_tuned_lr(config, cells)
    _check_corpus(config["corpus"], Path(workdir))


def _check_tuned_lr(config: dict, cells: dict[str, dict[str, dict]]) -> None:
    """lr "tuned" reads the rule fitted to the one lr_scan study (its `lrs`, at least 3, the schema checks)."""
    scans = [name for name, kind in study_kinds(config).items() if kind == "lr_scan"]
    tuned = [f"{study}/{cell}" for study, by_id in cells.items() for cell, settings in by_id.items()
             if settings["lr"] == "tuned"]
    if tuned and len(scans) != 1:
        raise ValueError(f"lr 'tuned' ({len(tuned)} cells, e.g. {tuned[0]}) is the rule fitted to an lr_scan study; "
                         f"the config has {len(scans)} lr_scan studies ({', '.join(scans) or 'none'}), it needs one")


def _source(study: str, spec: dict, cell: dict, key: str) -> str:
    """The config key a cell's setting comes from: a schedule's, the study's train, or the shared train."""
    for name, settings in spec.get("schedules", {}).items():
        if settings.get(key) == cell[key] and cell["cell_id"].startswith(f"{name}_"):
            return f"studies.{study}.schedules.{name}.{key}"
    return f"studies.{study}.train.{key}" if key in spec.get("train", {}) else f"train.{key}"


def _check_steps(config: dict, study: str, spec: dict, cells: dict) -> None:
    short = [c for c in cells.values() if not c.get("steps") and c["tokens"] < c["batch_size"] * c["n_ctx"]]
    if short:
        cell = short[0]
        step = cell["batch_size"] * cell["n_ctx"]
        raise ValueError(f"{_source(study, spec, cell, 'tokens')} = {cell['tokens']:g} is less than one step of "
                         f"studies.{study} cell {cell['cell_id']} (batch_size {cell['batch_size']} x n_ctx "
                         f"{cell['n_ctx']} = {step} tokens), so it would train a whole step of {step} tokens; "
                         f"{len(short)} cell(s) of the study are affected")


def _check_heads(study: str, spec: dict, cells: dict) -> None:
    if spec.get("one_head_below_head_dim"):
        return
    head_dim = spec.get("head_dim", DEFAULT_HEAD_DIM)
    hw = spec.get("head_widths", {})
    explicit = {(d, dim) for d in hw.get("d_model", []) for dim in hw.get("head_dims", [])}  # chosen head widths
    narrow = [c for c in cells.values() if "n_head" in Cell.from_dict(c).architecture().shape  # an arch with heads
              and c["d_model"] < head_dim and (c["d_model"], c["d_model"] // c["n_head"]) not in explicit]
    if narrow:
        raise ValueError(f"studies.{study}.head_dim = {head_dim} is larger than d_model of cell(s) "
                         f"{', '.join(c['cell_id'] for c in narrow)}, which would silently train one head of width "
                         f"d_model; widen them, lower head_dim, or set studies.{study}.one_head_below_head_dim: true")


def _check_fixed_n(study: str, spec: dict, cells: dict) -> None:
    target = spec["n_params"]
    worst = max(cells.values(), key=lambda c: abs(math.log(_n_params(c) / target)))
    ratio = _n_params(worst) / target
    if max(ratio, 1 / ratio) > FIXED_N_TOLERANCE:
        multiple = spec.get("width_multiple", spec.get("head_dim", DEFAULT_HEAD_DIM))
        raise ValueError(f"studies.{study}.n_params = {target:g} is out of reach of cell {worst['cell_id']}: the "
                         f"nearest shape it can build has N = {_n_params(worst):,} ({ratio:.2g}x, more than "
                         f"{FIXED_N_TOLERANCE:g}x off), with widths in multiples of {multiple} (width_multiple, "
                         f"else head_dim)")


def _n_params(cell: dict) -> int:
    # the paper's non-embedding count, 2 d_model n_layer (2 d_attn + d_ff); the vocabulary does not enter it
    return paper_nonembedding(Cell.from_dict(cell).model_config(vocab_size=2))


def _check_corpus(corpus: dict, workdir: Path) -> None:
    source = corpus["source"]
    if source in text_sources():
        check_text_source(source, corpus.get(source, {}), workdir)
        caps = {k: corpus.get(source, {}).get(k, 0) for k in ("max_docs", "max_bytes")}
        Shard(0, corpus.get("shards", 1)).check_caps(source, **caps)  # a whole-source cap needs one shard
    elif source in WEB_SOURCES:
        AcquireOptions.from_dict(corpus)  # fetched from the web: its options parse, its CIDRs are networks
    else:
        raise ValueError(f"corpus.source: {source!r} is not a source; the web sources are {', '.join(WEB_SOURCES)}, "
                         f"the text sources {', '.join(text_sources())} (src/scalinglaws/corpus/sources/)")
    if source == "reddit":
        dumps = corpus.get("reddit", {}).get("dumps", [])
        if not dumps:
            raise ValueError("corpus.reddit.dumps lists no Pushshift dump files (RS_YYYY-MM.zst), which the reddit "
                             "source reads its URLs from")
        for pattern in dumps:
            if not glob.glob(str(workdir / pattern)):
                raise ValueError(f"corpus.reddit.dumps: {pattern!r} matches no file (relative paths are read from "
                                 f"{workdir.resolve()})")
    if source == "urls":
        path = corpus.get("urls", {}).get("file")
        if not path:
            raise ValueError("corpus.urls.file is required for the urls source (a file of URLs, one a line)")
        if not (workdir / path).is_file():
            raise ValueError(f"corpus.urls.file: {path!r} does not exist (relative paths are read from "
                             f"{workdir.resolve()})")
