"""Write the prose sets as one document table (uncleaned: the training corpus's clean stage cleans
it together with the extracted pages), with the provenance of every artefact read.

``CLEAN`` is how the clean stage treats these documents, after the OOD build's reasoning: no
boilerplate-line filter (a verse's "And the LORD spake unto Moses, saying," or a fortune's
attribution repeats by nature), no TOC filter (verse, poems in cookies and dictionary entries are
short lines), and a 100-character minimum (the fortune cookie cut; dictionary entries are short).
Dedupe, unicode repair and language identification apply as to every document.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from scalinglaws.corpus.documents import text_bytes, write_documents
from scalinglaws.corpus.ood.build import to_row
from scalinglaws.corpus.prose.sets import SETS
from scalinglaws.io import write_json

CLEAN = {"boilerplate_min_docs": 0, "toc_max_short_share": 1.0, "min_chars": 100}


def build(names: list[str], cache: str | Path, out: str | Path) -> dict:
    """Write the documents of prose sets ``names`` to ``out`` (+ ``out.provenance.json``); return
    documents and bytes per set."""
    unknown = sorted(set(names) - set(SETS))
    if unknown:
        raise ValueError(f"unknown prose set(s) {unknown}; choose from {sorted(SETS)}")
    start, rows, artefacts = time.time(), [], []
    for name in names:
        raw, used = SETS[name](Path(cache))
        rows += [to_row(name, d) for d in raw]
        artefacts += used
    write_documents(out, rows)
    docs, nbytes = Counter(r["source"] for r in rows), Counter()
    for r in rows:
        nbytes[r["source"]] += text_bytes(r["text"])
    summary = {name: {"docs": docs[name], "bytes": nbytes[name]} for name in names}
    write_json(f"{out}.provenance.json", {"sets": summary, "artefacts": artefacts, "clean_options": CLEAN,
                                          "build_seconds": round(time.time() - start, 1)})
    return summary
