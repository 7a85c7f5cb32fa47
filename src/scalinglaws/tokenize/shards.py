"""Token shards: a flat file of little-endian token ids plus a JSON sidecar that describes it.

``train.bin`` holds every document's ids followed by the end-of-text id, back to back; ``train.json``
records what the file must be (token and document counts, dtype, the sha256 of the bin, the hashes
of the tokenizer and the input table, bytes per token). ``open_shard`` checks the file against the
sidecar, so a truncated or corrupted shard is reported and never trained on.

``bytes_per_token`` is UTF-8 text bytes over all tokens of the stream, EOT included, so a mean loss
of L nats per token is ``L / ln 2 / bytes_per_token`` bits per byte.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scalinglaws.io import read_json

REQUIRED = ("tokens", "documents", "dtype", "vocab_size", "eot_id", "tokenizer_sha256", "input_sha256",
            "bytes", "bytes_per_token", "sha256")
CHUNK_TOKENS = 1 << 24  # verification reads 32-64 MB at a time


class ShardError(ValueError):
    """A token shard that is missing, truncated, corrupted or inconsistent with its sidecar."""


def shard_dtype(vocab_size: int) -> np.dtype:
    """uint16 when every id fits in 16 bits, else uint32; always little-endian."""
    return np.dtype("<u2") if vocab_size <= 1 << 16 else np.dtype("<u4")


def sidecar_path(path: str | os.PathLike) -> Path:
    return Path(path).with_suffix(".json")


@dataclass
class TokenShard:
    """An opened shard: ``tokens`` is a read-only memmap of the whole file, ``meta`` its sidecar."""

    path: Path
    tokens: np.ndarray
    meta: dict


def open_shard(path: str | os.PathLike, verify: bool = True) -> TokenShard:
    """Open a shard and check it against its sidecar; ``verify`` also reads it once (sha256, id range)."""
    path = Path(path)
    side = sidecar_path(path)
    if not side.exists():
        raise ShardError(f"{path}: sidecar {side.name} is missing")
    try:
        meta = read_json(side)
    except ValueError as e:
        raise ShardError(f"{side}: not valid JSON ({e})") from None
    missing = [k for k in REQUIRED if k not in meta]
    if missing:
        raise ShardError(f"{side}: missing field(s) {missing}")
    if meta["dtype"] not in ("uint16", "uint32"):
        raise ShardError(f"{side}: dtype {meta['dtype']!r} is not uint16 or uint32")
    dtype = np.dtype(meta["dtype"]).newbyteorder("<")
    if dtype != shard_dtype(meta["vocab_size"]):
        raise ShardError(f"{side}: dtype {meta['dtype']} does not match vocab_size {meta['vocab_size']}")
    if not path.exists():
        raise ShardError(f"{path}: token file is missing")
    size, expected = path.stat().st_size, meta["tokens"] * dtype.itemsize
    if size != expected:
        raise ShardError(f"{path}: {size} bytes on disk, sidecar says {meta['tokens']} {meta['dtype']} tokens "
                         f"= {expected} bytes (truncated or wrong dtype)")
    if meta["tokens"] == 0:
        raise ShardError(f"{path}: shard has no tokens")
    tokens = np.memmap(path, dtype=dtype, mode="r")
    if verify:
        _verify(path, tokens, meta)
    return TokenShard(path=path, tokens=tokens, meta=meta)


def _verify(path: Path, tokens: np.ndarray, meta: dict) -> None:
    """One pass over the ids: sha256 of the bytes, largest id, and the number of end-of-text ids."""
    digest, top, eots = hashlib.sha256(), 0, 0
    for start in range(0, len(tokens), CHUNK_TOKENS):
        chunk = np.asarray(tokens[start:start + CHUNK_TOKENS])
        digest.update(chunk.tobytes())
        top = max(top, int(chunk.max()))
        eots += int(np.count_nonzero(chunk == meta["eot_id"]))
    if digest.hexdigest() != meta["sha256"]:
        raise ShardError(f"{path}: sha256 {digest.hexdigest()[:16]}... does not match the sidecar's "
                         f"{str(meta['sha256'])[:16]}... (file corrupted or replaced)")
    if top >= meta["vocab_size"]:
        raise ShardError(f"{path}: token id {top} is outside the vocabulary (vocab_size {meta['vocab_size']})")
    if eots != meta["documents"]:
        raise ShardError(f"{path}: {eots} end-of-text ids, sidecar says {meta['documents']} documents")
