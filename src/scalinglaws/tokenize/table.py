"""The corpus token table: documents, bytes, tokens and bytes per token of each shard."""

from __future__ import annotations

import csv
import os

from scalinglaws.io import atomic_path
from scalinglaws.tokenize.shards import open_shard

COLUMNS = ("shard", "path", "documents", "bytes", "tokens", "bytes_per_token", "dtype", "vocab_size",
           "tokenizer_sha256")


def corpus_table(shards: list[str | os.PathLike], out: str | os.PathLike) -> list[dict]:
    """Write one CSV row per shard; every shard must come from the same tokenizer."""
    rows = []
    for path in shards:
        meta = open_shard(path, verify=False).meta  # sizes are checked; the full pass is the trainer's job
        rows.append({"shard": os.path.splitext(os.path.basename(path))[0], "path": str(path),
                     **{k: meta[k] for k in COLUMNS[2:]}})
    tokenizers = {r["tokenizer_sha256"] for r in rows}
    if len(tokenizers) > 1:
        detail = ", ".join(f"{r['path']}: {r['tokenizer_sha256'][:12]}" for r in rows)
        raise ValueError(f"shards were encoded with different tokenizers ({detail})")
    with atomic_path(out) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows
