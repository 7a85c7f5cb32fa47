"""The document table: the contract between the corpus stage and everything after it.

Every source (debian-docs, reddit, urls, hf, files, and each out-of-distribution loader) ends in a
parquet file with these columns, one row per document:

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
"""

from __future__ import annotations

import hashlib

import pyarrow as pa

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


def document_id(source: str, key: str) -> str:
    """Stable id of a document from its source name and its URL (or other unique key)."""
    return hashlib.sha1(f"{source}\x00{key}".encode()).hexdigest()
