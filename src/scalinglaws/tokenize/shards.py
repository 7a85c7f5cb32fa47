"""Token shards: a flat file of little-endian token ids plus a JSON sidecar that describes it.

``train.bin`` holds every document's ids followed by the end-of-text id, back to back; ``train.json``
records what the file must be (token and document counts, dtype, the sha256 of the bin, the hashes
of the tokenizer and the input table, bytes per token). ``open_shard`` checks the file against the
sidecar, so a truncated or corrupted shard is reported and never trained on.

A stream cut into parts (``corpus.shards`` > 1) is a manifest, ``train.manifest.json``: the parts' shards
in order, read back to back (``Concatenated``) as one stream. ``open_shard`` opens either; a dataset-size
cell reads a prefix of the stream, so D/2 lies inside D, and every part being a hash sample of the
documents, shuffled, a prefix is a random sample of them.

``bytes_per_token`` is UTF-8 text bytes over all tokens of the stream, EOT included, so a mean loss
of L nats per token is ``L / ln 2 / bytes_per_token`` bits per byte.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scalinglaws.io import file_sha256, read_json, write_json

REQUIRED = ("tokens", "documents", "dtype", "vocab_size", "eot_id", "tokenizer_sha256", "input_sha256",
            "bytes", "bytes_per_token", "sha256")
CHUNK_TOKENS = 1 << 24  # verification reads 32-64 MB at a time
MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = "scalinglaws-token-manifest-1"
SHARED = ("dtype", "vocab_size", "eot_id", "tokenizer_sha256")  # fields every shard of a manifest has alike


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


class Concatenated:
    """Token memmaps read back to back as one array: ``len`` and slices ``[a:b]`` (what training reads)."""

    def __init__(self, parts: list[np.ndarray]):
        self.parts = parts
        self.starts = np.cumsum([0] + [len(p) for p in parts])
        self.dtype = parts[0].dtype

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            index = int(index) + len(self) if index < 0 else int(index)
            k = int(np.searchsorted(self.starts, index, side="right")) - 1
            return self.parts[k][index - self.starts[k]]
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("a token stream of several shards takes an index or a contiguous slice")
        start, stop, _ = index.indices(len(self))
        pieces, k = [], int(np.searchsorted(self.starts, start, side="right")) - 1
        while start < stop:
            end = min(stop, int(self.starts[k + 1]))
            pieces.append(np.asarray(self.parts[k][start - self.starts[k]:end - self.starts[k]]))
            start, k = end, k + 1
        return np.concatenate(pieces) if pieces else np.zeros(0, dtype=self.dtype)


def write_manifest(shards: list[str | os.PathLike], out: str | os.PathLike) -> dict:
    """The manifest of ``shards`` (in stream order, paths relative to the manifest): their sizes summed."""
    out = Path(out)
    metas = [open_shard(p, verify=False).meta for p in shards]
    for field in SHARED:
        if len({m[field] for m in metas}) > 1:
            raise ShardError(f"{out}: the shards differ in {field} ({', '.join(str(p) for p in shards)})")
    tokens, nbytes = sum(m["tokens"] for m in metas), sum(m["bytes"] for m in metas)
    meta = {"format": MANIFEST_FORMAT, **{k: metas[0][k] for k in SHARED},
            "shards": [os.path.relpath(Path(p).resolve(), out.resolve().parent) for p in shards],
            "shard_sha256": [m["sha256"] for m in metas], "shard_tokens": [m["tokens"] for m in metas],
            "tokens": tokens, "documents": sum(m["documents"] for m in metas), "bytes": nbytes,
            "bytes_per_token": nbytes / tokens, "input_sha256": [m["input_sha256"] for m in metas],
            "sidecar_sha256": [file_sha256(sidecar_path(p)) for p in shards]}
    write_json(out, meta)
    return meta


def _open_manifest(path: Path, verify: bool) -> TokenShard:
    try:
        meta = read_json(path)
    except ValueError as e:
        raise ShardError(f"{path}: not valid JSON ({e})") from None
    if meta.get("format") != MANIFEST_FORMAT or not meta.get("shards"):
        raise ShardError(f"{path}: not a token manifest (format {MANIFEST_FORMAT!r} with a list of shards)")
    shards = [open_shard(path.parent / p, verify) for p in meta["shards"]]
    for shard, sha, tokens in zip(shards, meta["shard_sha256"], meta["shard_tokens"]):
        if shard.meta["sha256"] != sha or shard.meta["tokens"] != tokens:
            raise ShardError(f"{path}: shard {shard.path} changed since the manifest was written (rerun it)")
    # the stream's sha256: of the shards' hashes, in order
    stream = {**meta, "sha256": hashlib.sha256("".join(meta["shard_sha256"]).encode()).hexdigest()}
    return TokenShard(path=path, tokens=Concatenated([s.tokens for s in shards]), meta=stream)


def open_shard(path: str | os.PathLike, verify: bool = True) -> TokenShard:
    """Open a shard and check it against its sidecar; ``verify`` also reads it once (sha256, id range).
    A manifest (``*.manifest.json``) opens as one stream of its shards, each checked."""
    path = Path(path)
    if path.name.endswith(MANIFEST_SUFFIX):
        return _open_manifest(path, verify)
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
