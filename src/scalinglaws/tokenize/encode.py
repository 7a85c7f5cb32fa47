"""Streaming encode: a document table becomes one token shard, memory bounded whatever its size.

Pass 1 reads the text column in row batches, encodes blocks of about a megabyte on a small thread
pool (tiktoken releases the GIL) and appends each document's ids plus the end-of-text id to a file,
in row order. Pass 2 copies the documents into stream order: by id, or, with a shuffle seed, by
``sha1(seed, id)``. That order is a random sample at every prefix, so a dataset-size cell that reads
the first D tokens sees a random subset of documents and D/2 lies inside D; adding documents to the
corpus never changes the relative order of the old ones. Memory is a few blocks of text and ids plus
a few tens of bytes per document for the bookkeeping arrays.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from scalinglaws.corpus.documents import read_table
from scalinglaws.io import atomic_path, file_sha256, write_json
from scalinglaws.tokenize.bpe import BPE, load_tokenizer
from scalinglaws.tokenize.shards import shard_dtype, sidecar_path

BLOCK_CHARS = 1 << 20  # characters per unit of work handed to a thread
READ_ROWS = 256  # rows per parquet read batch
PIECE_CHARS = 1 << 20  # longer documents are encoded piece by piece
_CUT = re.compile(r"(?<=\S\n)(?=\S)")  # Python's \s covers every Unicode space the pattern's \s does


def document_order(src: str | os.PathLike, shuffle_seed: int | None) -> np.ndarray:
    """Row indices of ``src`` in stream order: sorted by id, or by sha1(seed, id) when shuffled."""
    ids = read_table(src, ["id", "text"], columns=["id"])["id"]
    order = pc.array_sort_indices(ids).to_numpy()
    if shuffle_seed is None:
        return order
    keys = np.empty(len(order), dtype=np.uint64)
    for start in range(0, len(order), 1 << 18):  # hash in slices: 10M ids as Python strings would not be small
        chunk = ids.take(order[start:start + (1 << 18)]).to_pylist()
        keys[start:start + len(chunk)] = [_shuffle_key(i, shuffle_seed) for i in chunk]
    return order[np.argsort(keys, kind="stable")]


def _shuffle_key(doc_id: str, seed: int) -> int:
    return int.from_bytes(hashlib.sha1(f"{seed}\x00{doc_id}".encode()).digest()[:8], "big")


def _pieces(text: str, piece_chars: int):
    """Cut a very long document at single line breaks between non-spaces.

    Such a break is a pre-token boundary of the GPT-2 pattern (the newline is a token of its own on
    either side of the cut), and BPE never merges across pre-tokens, so the ids do not change; only
    the Python lists holding them stay small.
    """
    start = 0
    while len(text) - start > piece_chars:
        cut = _CUT.search(text, start + piece_chars // 2)
        if cut is None:
            break
        yield text[start:cut.start()]
        start = cut.start()
    yield text[start:]


def _encode_block(bpe: BPE, texts: list[str], dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Ids of several documents, each followed by EOT, flattened; and each document's length with EOT."""
    eot = np.array([bpe.eot_id], dtype=dtype)
    docs = []
    for text in texts:
        pieces = [np.array(bpe.encode(p), dtype=dtype) for p in _pieces(text, PIECE_CHARS)]
        docs.append(np.concatenate([*pieces, eot]))
    return np.concatenate(docs), np.array([len(d) for d in docs], dtype=np.int64)


def _blocks(src: str | os.PathLike):
    """(texts, UTF-8 bytes) of consecutive documents in row order, about BLOCK_CHARS characters a block."""
    block, chars, nbytes = [], 0, 0
    # pre-buffering, or reads without a buffer, hold a row group's whole text column in memory
    parquet = pq.ParquetFile(src, pre_buffer=False, buffer_size=1 << 16)
    for batch in parquet.iter_batches(batch_size=READ_ROWS, columns=["text"]):
        nbytes += pc.sum(pc.binary_length(batch.column("text"))).as_py() or 0
        for text in batch.column("text").to_pylist():
            block.append(text)
            chars += len(text)
            if chars >= BLOCK_CHARS:
                yield block, nbytes
                block, chars, nbytes = [], 0, 0
    if block:
        yield block, nbytes


def _encode_rows(src, bpe: BPE, dst: Path, dtype: np.dtype, num_threads: int, documents: int) -> tuple[np.ndarray, int]:
    """Pass 1: append every document's ids + EOT to ``dst`` in row order; return tokens per document, text bytes."""
    lengths, pending, text_bytes = [], deque(), 0
    progress = tqdm(total=documents, desc=f"encode {src}", unit="doc", file=sys.stderr, mininterval=1)
    with progress, open(dst, "wb") as fh, ThreadPoolExecutor(num_threads) as pool:
        def drain(keep: int) -> None:
            while len(pending) > keep:
                flat, n = pending.popleft().result()
                fh.write(flat.tobytes())
                lengths.append(n)
                progress.update(len(n))

        for block, nbytes in _blocks(src):
            text_bytes += nbytes
            pending.append(pool.submit(_encode_block, bpe, block, dtype))
            drain(keep=2 * num_threads)  # bounded in-flight work keeps memory bounded
        drain(keep=0)
    return np.concatenate(lengths), text_bytes


def _reorder(rows: Path, dst: Path, lengths: np.ndarray, order: np.ndarray, itemsize: int) -> None:
    """Pass 2: copy each document's ids from the row-ordered file into ``dst`` in stream order."""
    offsets = (np.cumsum(lengths) - lengths) * itemsize
    with open(rows, "rb") as fin, open(dst, "wb", buffering=1 << 20) as fout:
        fd = fin.fileno()
        for i in tqdm(order.tolist(), desc="reorder", unit="doc", file=sys.stderr, mininterval=1):
            fout.write(os.pread(fd, int(lengths[i]) * itemsize, int(offsets[i])))


def encode_documents(src: str | os.PathLike, tokenizer: str | os.PathLike, out: str | os.PathLike,
                     shuffle_seed: int | None = None, num_threads: int = 2) -> dict:
    """Encode the document table ``src`` into the shard ``out`` (+ its JSON sidecar); return the sidecar."""
    out = Path(out)
    bpe = load_tokenizer(tokenizer)
    dtype = shard_dtype(bpe.vocab_size)
    order = document_order(src, shuffle_seed)
    if len(order) == 0:
        raise ValueError(f"{src}: no documents to encode")

    with atomic_path(out) as tmp:
        if np.array_equal(order, np.arange(len(order))):  # already in stream order: one pass
            lengths, text_bytes = _encode_rows(src, bpe, tmp, dtype, num_threads, len(order))
        else:
            with tempfile.NamedTemporaryFile(dir=tmp.parent, prefix=f".{out.name}.", suffix=".rows") as rows:
                lengths, text_bytes = _encode_rows(src, bpe, Path(rows.name), dtype, num_threads, len(order))
                _reorder(Path(rows.name), tmp, lengths, order, dtype.itemsize)
        tokens = int(lengths.sum())
        meta = {
            "format": "scalinglaws-tokens-1",
            "tokens": tokens,
            "documents": len(order),
            "dtype": dtype.name,
            "vocab_size": bpe.vocab_size,
            "eot_id": bpe.eot_id,
            "tokenizer": str(tokenizer),
            "tokenizer_sha256": bpe.sha256,
            "input": str(src),
            "input_sha256": file_sha256(src),
            "shuffle_seed": shuffle_seed,
            "bytes": text_bytes,
            "bytes_per_token": text_bytes / tokens,
            "sha256": file_sha256(tmp),
        }
    write_json(sidecar_path(out), meta)
    return meta
