"""The document table: the contract between the corpus stage and everything after it.

Every source (the web sources debian-docs, reddit and urls, the text sources of
``scalinglaws.corpus.sources``, and each out-of-distribution loader) ends in a parquet file with these
columns, one row per document:

==================  =======  ==================================================================
column              type     meaning
==================  =======  ==================================================================
id                  str      stable id: sha1 hex of ``source + "\\x00" + url`` (or the source key)
text                str      extracted, cleaned text (UTF-8)
url                 str      where it came from: a URL, or ``file://`` path, or ``hf://id/split#row``
source              str      source plug-in name (``debian-docs``, ``reddit``, ``books`` ...)
fetched_at          str      ISO-8601 UTC time of fetch/read
status              str      ``ok`` for every row of a document table (failures live in status tables)
extractor           str      ``trafilatura``, ``newspaper3k`` or ``none`` for plain text sources
extractor_version   str      version string of the extractor package, or ``""``
lang                str      ISO 639-1 code from language identification (``""`` before cleaning)
cluster_id          str      id of the near-duplicate cluster the document belongs to (after
                             cleaning; equals ``id`` for a singleton). The holdout split keeps a
                             cluster on one side.
==================  =======  ==================================================================

Every stage reads and writes the table through this module: ``write_documents`` (sorted by id,
row groups of ROW_GROUP_ROWS), ``read_documents`` (rows as dicts), ``read_table`` (chosen columns)
and ``open_documents`` (streaming), each refusing a file that is not a document table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from scalinglaws.io import atomic_path

DOCUMENT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("url", pa.string()),
        ("source", pa.string()),
        ("fetched_at", pa.string()),
        ("status", pa.string()),
        ("extractor", pa.string()),
        ("extractor_version", pa.string()),
        ("lang", pa.string()),
        ("cluster_id", pa.string()),
    ]
)

DOCUMENT_COLUMNS = tuple(DOCUMENT_SCHEMA.names)
NOT_NULL = ("id", "text")  # columns a reader refuses nulls in
ROW_GROUP_ROWS = 1024  # row groups of a few MB: the split and encode stages read a table a little at a time


def document_id(source: str, key: str) -> str:
    """Stable id of a document from its source name and its URL (or other unique key)."""
    return hashlib.sha1(f"{source}\x00{key}".encode()).hexdigest()


def open_documents(path: str | os.PathLike, required: Sequence[str] = DOCUMENT_COLUMNS, **options) -> pq.ParquetFile:
    """Open a document table for streaming reads (``options`` go to ``pq.ParquetFile``), with a
    clear error if the file is missing, is not parquet, or lacks a ``required`` column."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"document table not found: {path}")
    try:
        parquet = pq.ParquetFile(path, **options)
    except (OSError, pa.ArrowInvalid) as e:
        raise ValueError(f"{path}: cannot read as parquet ({e})") from None
    missing = [c for c in required if c not in parquet.schema_arrow.names]
    if missing:
        raise ValueError(f"{path}: not a document table, missing column(s) {missing} "
                         "(see scalinglaws.corpus.documents)")
    return parquet


def read_table(path: str | os.PathLike, required: Sequence[str] = DOCUMENT_COLUMNS,
               columns: Sequence[str] | None = None) -> pa.Table:
    """``columns`` (default: the ``required`` ones) of a document table; every ``required`` column
    must exist, and the NOT_NULL ones read must hold no nulls."""
    open_documents(path, required)
    table = pq.read_table(path, columns=list(required if columns is None else columns))
    for c in NOT_NULL:
        if c in table.column_names and table[c].null_count:
            raise ValueError(f"{path}: column {c!r} has {table[c].null_count} null value(s)")
    return table


def read_documents(path: str | os.PathLike) -> list[dict]:
    """Rows of a document table as dicts (its DOCUMENT_COLUMNS only)."""
    return read_table(path).to_pylist()


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
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)


def utc_iso(timestamp: float) -> str:
    """ISO-8601 UTC string of a POSIX timestamp, to the second (the ``fetched_at`` column)."""
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_bytes(text: str) -> int:
    """UTF-8 bytes of a document's text: the size every filter and cap reports."""
    return len(text.encode("utf-8"))
