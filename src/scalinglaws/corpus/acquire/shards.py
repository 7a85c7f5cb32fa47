"""Resumable, sharded fetching: the URL list is cut into shards, each written atomically when done.

A shard's file name carries a hash of its URLs and of every option that can change a fetch's result
(``Fetcher.settings``, the source, a pinned timestamp), so a rerun skips exactly the shards already
done for the same list under the same options (after a kill too) and never reuses one made for a
different list or other options. The status table, one row per URL, is assembled from the shards at
the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from scalinglaws.corpus.acquire.fetch import Fetcher, FetchResult
from scalinglaws.corpus.documents import document_id
from scalinglaws.io import atomic_path

STATUS_SCHEMA = pa.schema([
    ("id", pa.string()),            # document id the page will get (documents.document_id)
    ("url", pa.string()),           # the URL as listed by the source (stable across runs)
    ("final_url", pa.string()),     # after redirects
    ("source", pa.string()),
    ("status", pa.string()),        # ok, http_404, timeout, too_large, not_html, redirect_loop ... (fetch.STATUSES)
    ("http_status", pa.int32()),
    ("content_type", pa.string()),
    ("bytes", pa.int64()),
    ("elapsed", pa.float64()),      # seconds, all attempts
    ("attempts", pa.int32()),
    ("fetched_at", pa.string()),    # ISO-8601 UTC: the fetch's date, or the source's timestamp
    ("error", pa.string()),
    ("shard", pa.string()),         # the shard file holding the raw body, relative to the status table's folder
])
SHARD_SCHEMA = pa.schema([f for f in STATUS_SCHEMA if f.name != "shard"] + [pa.field("body", pa.binary())])


def utc_today() -> str:
    # a date, not a time: a run killed and resumed on the same day then gives byte-identical documents
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def shard_name(index: int, urls: list[str], settings: dict) -> str:
    key = json.dumps({"urls": urls, "settings": settings}, sort_keys=True)
    return f"shard-{index:05d}-{hashlib.sha1(key.encode()).hexdigest()[:12]}.parquet"


def fetch_all(urls: list[str], source: str, fetcher: Fetcher, workdir: str | Path, shard_size: int,
              to_fetch: Callable[[str], str] = str, from_fetch: Callable[[str], str] = str,
              timestamp: str | None = None, concurrency: int = 16) -> pa.Table:
    """Fetch every URL not already in a done shard; return the status table (one row per URL, in order,
    with absolute shard paths).

    ``to_fetch`` maps a listed URL to the address actually fetched (a loopback server's port) and
    ``from_fetch`` maps a fetched address back, so that ids and rows never depend on the port.
    """
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    for leftover in workdir.glob(".shard-*.tmp"):  # a killed run's half-written shard
        leftover.unlink()
    settings = {**fetcher.settings(), "source": source, "timestamp": timestamp}
    chunks = [urls[i:i + shard_size] for i in range(0, len(urls), shard_size)]
    paths = [workdir / shard_name(i, chunk, settings) for i, chunk in enumerate(chunks)]
    todo = [i for i, p in enumerate(paths) if not p.exists()]
    n_todo = sum(len(chunks[i]) for i in todo)
    print(f"acquire: {len(urls)} URLs in {len(chunks)} shards; {len(chunks) - len(todo)} shards done, "
          f"fetching {n_todo} URLs", file=sys.stderr)
    if todo:
        with ThreadPoolExecutor(concurrency) as pool, \
                tqdm(total=n_todo, desc="fetch", unit="url", file=sys.stderr, mininterval=1.0) as bar:
            pending: list[list[Future]] = []
            for i in todo:  # queued in order, so shards finish roughly in order
                futures = [pool.submit(fetcher.fetch, to_fetch(u)) for u in chunks[i]]
                for f in futures:
                    f.add_done_callback(lambda _f: bar.update(1))
                pending.append(futures)
            for i, futures in zip(todo, pending):
                results = [f.result() for f in futures]
                _write_shard(paths[i], chunks[i], results, source, from_fetch, timestamp)
    return _status_table(paths)


def _write_shard(path: Path, urls: list[str], results: list[FetchResult], source: str,
                 from_fetch: Callable[[str], str], timestamp: str | None) -> None:
    fetched_at = timestamp or utc_today()
    rows = [{
        "id": document_id(source, url),
        "url": url,
        "final_url": from_fetch(r.final_url),
        "source": source,
        "status": r.status,
        "http_status": r.http_status,
        "content_type": r.content_type,
        "bytes": len(r.body) if r.body is not None else 0,
        "elapsed": r.elapsed,
        "attempts": r.attempts,
        "fetched_at": fetched_at,
        "error": r.error,
        "body": r.body if r.status == "ok" else None,
    } for url, r in zip(urls, results)]
    with atomic_path(path) as tmp:
        pq.write_table(pa.Table.from_pylist(rows, schema=SHARD_SCHEMA), tmp, compression="zstd")


def _status_table(paths: list[Path]) -> pa.Table:
    columns = [f.name for f in STATUS_SCHEMA if f.name != "shard"]
    tables = []
    for path in paths:
        t = pq.read_table(path, columns=columns)
        tables.append(t.append_column("shard", pa.array([str(path)] * len(t), pa.string())))
    if not tables:
        return STATUS_SCHEMA.empty_table()
    return pa.concat_tables(tables).cast(STATUS_SCHEMA)


def relative_shards(status: pa.Table, status_path: str | Path) -> pa.Table:
    """The status table with its shard paths relative to the folder of ``status_path``, where it is
    written, so that extract finds them from any directory, and after the folder moves."""
    base = Path(status_path).resolve().parent
    shards = [os.path.relpath(p, base) for p in status.column("shard").to_pylist()]
    return status.set_column(status.schema.get_field_index("shard"), "shard", pa.array(shards, pa.string()))


def shard_file(status_path: str | Path, shard: str) -> Path:
    """Where a status row's shard is (paths are relative to the status table's folder)."""
    return Path(status_path).parent / shard


def read_bodies(shard: str | Path, ids: set[str]) -> dict[str, bytes]:
    """Raw bodies of the given document ids from one shard file."""
    t = pq.read_table(shard, columns=["id", "body"])
    return {i: b for i, b in zip(t.column("id").to_pylist(), t.column("body").to_pylist()) if i in ids}


