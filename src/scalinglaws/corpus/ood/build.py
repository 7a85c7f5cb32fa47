"""Build one OOD set: read its artefacts, clean it, cap it, write it with its provenance.

Cleaning uses the training corpus's filters with three changes that suit books and articles:
no boilerplate-line filter (a refrain or a speaker name is not boilerplate), no TOC filter (verse
and plays are short lines), and a 200-character minimum (news posts are short). The cap keeps the
documents in id order (a stable pseudo-random order, ids being hashes) until ``max_bytes``.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

from scalinglaws.corpus.clean.pipeline import CleanOptions, clean
from scalinglaws.corpus.documents import document_id, text_bytes, write_documents
from scalinglaws.corpus.ood.sets import SETS, RawDoc
from scalinglaws.io import write_json

OOD_CLEAN = {"boilerplate_min_docs": 0, "toc_max_short_share": 1.0, "min_chars": 200}
DEFAULT_MAX_BYTES = 4_000_000


def to_row(set_name: str, doc: RawDoc) -> dict:
    """A document-table row for ``doc``."""
    return {
        "id": document_id(set_name, doc.url), "text": doc.text, "url": doc.url, "source": set_name,
        "fetched_at": doc.fetched_at, "status": "ok", "extractor": doc.extractor,
        "extractor_version": doc.extractor_version, "lang": "", "cluster_id": "",
    }


def cap(docs: list[dict], max_bytes: int) -> list[dict]:
    """Documents in id order until the next one would pass ``max_bytes`` (0 keeps everything)."""
    kept, total = [], 0
    for d in sorted(docs, key=lambda d: d["id"]):
        size = text_bytes(d["text"])
        if max_bytes and total + size > max_bytes:
            break
        kept.append(d)
        total += size
    return kept


def build(name: str, cache: str | Path, out: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """Write OOD set ``name`` to ``out`` (+ ``out.provenance.json``); return its summary."""
    if name not in SETS:
        raise ValueError(f"unknown OOD set {name!r}; choose from {sorted(SETS)}")
    start = time.time()
    raw, artefacts = SETS[name](Path(cache))
    options = CleanOptions.from_dict(OOD_CLEAN)
    cleaned, report = clean([to_row(name, d) for d in raw], options)
    docs = cap(cleaned, max_bytes)
    write_documents(out, docs)
    summary = {"set": name, "docs": len(docs), "bytes": sum(text_bytes(d["text"]) for d in docs),
               "docs_before_cap": len(cleaned), "max_bytes": max_bytes}
    write_json(f"{out}.provenance.json", {
        **summary, "artefacts": artefacts, "clean_options": asdict(options), "filters": report.rows,
        "build_seconds": round(time.time() - start, 1),
    })
    return summary
