"""The holdout split: documents go to train or test by a stable hash of their near-duplicate cluster.

A cluster goes to test when ``sha1(seed, cluster_id)`` read as a number in [0, 1) is below the test
fraction. The side of a document depends on nothing but its cluster id and the seed, so adding
documents to the corpus never moves an existing one, and near duplicates never straddle the split.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scalinglaws.io import atomic_path, file_sha256

ROW_GROUP_ROWS = 1024  # row groups of a few MB keep readers of the split streaming


def holdout_score(cluster_id: str, seed: int) -> float:
    """Where a cluster falls in [0, 1): the first 8 bytes of sha1(seed, cluster_id) as a fraction."""
    digest = hashlib.sha1(f"{seed}\x00{cluster_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def read_documents(path: str | os.PathLike, required: list[str], columns: list[str] | None = None) -> pa.Table:
    """Read ``columns`` (default all) of a document table, checking the ``required`` ones exist with no nulls."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid) as e:
        raise ValueError(f"{path}: cannot read as parquet ({e})") from None
    missing = [c for c in required if c not in schema.names]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing} (see scalinglaws.corpus.documents)")
    table = pq.read_table(path, columns=columns)
    for c in required:
        if c in table.column_names and table[c].null_count:
            raise ValueError(f"{path}: column {c!r} has {table[c].null_count} null value(s)")
    return table


def split_documents(src: str, test_fraction: float, seed: int, train_out: str, test_out: str) -> dict[str, int]:
    """Write the train and test tables (same schema as ``src``, rows sorted by id); return their sizes."""
    if not 0 <= test_fraction < 1:
        raise ValueError(f"--test-fraction must be in [0, 1), got {test_fraction}")
    table = read_documents(src, ["id", "text", "cluster_id"])
    keys = table.select(["id", "cluster_id"])
    if pc.count_distinct(keys["id"]).as_py() != len(keys):
        raise ValueError(f"{src}: column 'id' has duplicate values")
    cluster = keys["cluster_id"].to_pylist()
    scores = {c: holdout_score(c, seed) for c in set(cluster)}
    is_test = np.array([scores[c] < test_fraction for c in cluster], dtype=bool)
    order = pc.sort_indices(keys, sort_keys=[("id", "ascending")]).to_numpy()
    provenance = json.dumps({"input_sha256": file_sha256(src), "seed": seed, "test_fraction": test_fraction})
    schema = table.schema.with_metadata({**(table.schema.metadata or {}), b"scalinglaws.split": provenance.encode()})
    text_bytes = pc.binary_length(table["text"]).to_numpy(zero_copy_only=False)
    sizes = {}
    for name, out, mask in (("train", train_out, ~is_test), ("test", test_out, is_test)):
        rows = order[mask[order]]
        with atomic_path(out) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for start in range(0, len(rows), ROW_GROUP_ROWS):  # one row group at a time: no second copy
                writer.write_table(table.take(rows[start:start + ROW_GROUP_ROWS]).cast(schema))
        sizes[f"{name}_documents"] = len(rows)
        sizes[f"{name}_bytes"] = int(text_bytes[rows].sum())
    sizes["test_clusters"] = sum(s < test_fraction for s in scores.values())
    sizes["clusters"] = len(scores)
    print(f"split {src}: {json.dumps(sizes)}", file=sys.stderr)
    return sizes
