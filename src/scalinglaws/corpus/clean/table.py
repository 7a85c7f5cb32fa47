"""Read and write document tables (schema in ``scalinglaws.corpus.documents``), validated and sorted."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from scalinglaws.corpus.documents import DOCUMENT_COLUMNS, DOCUMENT_SCHEMA
from scalinglaws.io import atomic_path

ROW_GROUP_ROWS = 1024


def read_documents(path: str | os.PathLike) -> list[dict]:
    """Rows of a document table, with a clear error if the file or a column is missing."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"document table not found: {path}")
    table = pq.read_table(path)
    missing = [c for c in DOCUMENT_COLUMNS if c not in table.column_names]
    if missing:
        raise ValueError(f"{path}: not a document table, missing column(s) {', '.join(missing)}")
    rows = table.select(list(DOCUMENT_COLUMNS)).to_pylist()
    for i, row in enumerate(rows):
        if not isinstance(row["id"], str) or not isinstance(row["text"], str):
            raise ValueError(f"{path}: row {i} has a null 'id' or 'text'")
    return rows


def write_documents(path: str | os.PathLike, rows: list[dict]) -> None:
    """Write rows sorted by id, atomically; the same rows always give the same bytes."""
    rows = sorted(rows, key=lambda r: r["id"])
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        dup = next(i for i, j in zip(ids, ids[1:]) if i == j)
        raise ValueError(f"{path}: duplicate document id {dup}")
    columns = {c: [r.get(c) or "" for r in rows] for c in DOCUMENT_COLUMNS}
    table = pa.table(columns, schema=DOCUMENT_SCHEMA)
    with atomic_path(path) as tmp:
        # row groups of a few MB: the split and encode stages then read the table a little at a time
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)


def utc_iso(timestamp: float) -> str:
    """ISO-8601 UTC string of a POSIX timestamp, to the second."""
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_bytes(text: str) -> int:
    return len(text.encode("utf-8"))
