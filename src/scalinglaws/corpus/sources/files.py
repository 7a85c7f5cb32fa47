"""The ``files`` source: local .txt, .jsonl, .parquet and .html/.htm files matched by glob patterns.

A .txt or .html file is one document (HTML goes through trafilatura); a .jsonl line or a parquet row
is one document, its text in ``text_field``. ``fetched_at`` is the file's modification time, so
re-reading unchanged files gives the same table.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Iterator

from tqdm import tqdm

from scalinglaws.corpus.documents import document_id, text_bytes, utc_iso
from scalinglaws.corpus.sources import Shard, TextSource, expand

SUFFIXES = (".txt", ".jsonl", ".parquet", ".html", ".htm")


def _supported(patterns: list[str]) -> list[Path]:
    """The files matched by ``patterns`` (``sources.expand``), each of a type this source reads."""
    found = expand(patterns)
    for path in found:
        if path.suffix.lower() not in SUFFIXES:
            raise ValueError(f"{path}: unsupported file type {path.suffix!r}; use one of {SUFFIXES}")
    return found


def _texts(path: Path, text_field: str) -> Iterator[tuple[str, str, str]]:
    """(url, text, extractor) for each document in ``path``."""
    url, suffix = path.as_uri(), path.suffix.lower()
    if suffix == ".txt":
        try:
            yield url, path.read_text(encoding="utf-8"), "none"
        except UnicodeDecodeError as e:
            raise ValueError(f"{path}: not UTF-8 text ({e})") from None
    elif suffix == ".jsonl":
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    text = json.loads(line)[text_field]
                except (json.JSONDecodeError, KeyError, TypeError) as e:
                    raise ValueError(f"{path}:{n}: expected a JSON object with a {text_field!r} field ({e})") from None
                yield f"{url}#{n}", text or "", "none"
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        names = pq.read_schema(path).names
        if text_field not in names:
            raise ValueError(f"{path}: no column {text_field!r}; columns are {names}")
        for n, text in enumerate(pq.read_table(path, columns=[text_field]).column(0).to_pylist()):
            yield f"{url}#{n}", text or "", "none"
    else:
        import trafilatura

        yield url, trafilatura.extract(path.read_bytes()) or "", "trafilatura"


def _version(extractor: str) -> str:
    return "" if extractor == "none" else importlib.metadata.version(extractor)


def read(paths: list[str], text_field: str = "text", max_docs: int = 0, max_bytes: int = 0,
         shard: Shard = Shard()) -> Iterator[dict]:
    """Document rows from the files matching the globs ``paths``, until ``max_docs``/``max_bytes`` (0: no cap).

    Shard ``i`` of ``n`` reads the files ``i, i + n, i + 2n ...`` of the sorted list: a shard is whole files.
    """
    shard.check_caps("files", max_docs=max_docs, max_bytes=max_bytes)
    files = _supported(paths)
    if shard.count > len(files):
        raise ValueError(f"corpus.shards is {shard.count}, but corpus.files.paths match {len(files)} file(s): "
                         "a shard is whole files")
    docs = total = 0
    for path in tqdm(files[shard.index::shard.count], desc="files", unit="file", mininterval=2.0):
        fetched_at = utc_iso(path.stat().st_mtime)
        for url, text, extractor in _texts(path, text_field):
            if not text.strip():
                continue
            total += text_bytes(text)
            if (max_docs and docs >= max_docs) or (max_bytes and total > max_bytes):
                return
            docs += 1
            yield {"id": document_id("files", url), "text": text, "url": url, "source": "files",
                   "fetched_at": fetched_at, "status": "ok", "extractor": extractor,
                   "extractor_version": _version(extractor),
                   "lang": "", "cluster_id": ""}


SOURCE = TextSource("files", read, paths=("paths",))
