"""The BPE's training text: a bounded, seeded sample of the train split's documents.

A document is in the sample when ``sha1(seed, "bpe", id)`` read as a fraction is below
``sample_bytes / text bytes``, so the sample is about ``sample_bytes`` of text and the same documents
whatever the shard count. The text bytes are estimated from the parquet metadata (the uncompressed
size of the ``text`` column), which costs no pass over the data. A split smaller than the sample is
read whole, in the order of its files and rows (as the single-job tokenizer was trained).
"""

from __future__ import annotations

import hashlib
import os
import sys
from typing import Iterator, Sequence

from scalinglaws.corpus.documents import open_documents

READ_ROWS = 256


def text_size(parquet) -> int:
    """Uncompressed bytes of the ``text`` column: the text and 4 bytes of length per row."""
    meta = parquet.metadata
    column = parquet.schema_arrow.names.index("text")
    return sum(meta.row_group(g).column(column).total_uncompressed_size for g in range(meta.num_row_groups))


def _score(doc_id: str, seed: int) -> float:
    return int.from_bytes(hashlib.sha1(f"{seed}\x00bpe\x00{doc_id}".encode()).digest()[:8], "big") / 2**64


def sample_texts(paths: Sequence[str | os.PathLike], sample_bytes: int, seed: int) -> tuple[Iterator[str], int | None]:
    """(texts of the sample, their count when every document is in it); ``sample_bytes`` 0 takes all."""
    files = [open_documents(p, ["id", "text"]) for p in paths]  # fails early, naming the file
    total = sum(text_size(f) for f in files)
    fraction = 1.0 if not sample_bytes else min(1.0, sample_bytes / max(total, 1))
    print(f"train-bpe: {fraction:.4f} of about {total / 1e6:.1f} MB of text in {len(files)} table(s)", file=sys.stderr)
    if fraction >= 1.0:
        texts = (t for f in files for b in f.iter_batches(READ_ROWS, columns=["text"]) for t in b.column(0).to_pylist())
        return texts, sum(f.metadata.num_rows for f in files)
    texts = (t for f in files for b in f.iter_batches(READ_ROWS, columns=["id", "text"])
             for i, t in zip(b.column(0).to_pylist(), b.column(1).to_pylist()) if _score(i, seed) < fraction)
    return texts, None
