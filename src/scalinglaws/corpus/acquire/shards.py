"""Resumable, sharded fetching: the URL list is cut into shards, each written atomically when done.

A shard's file name carries a hash of its URLs and of every option that can change a fetch's result
(``Fetcher.settings``, the source, a pinned timestamp), so a rerun skips exactly the shards already
done for the same list under the same options (after a kill too) and never reuses one made for a
different list or other options. Progress is saved a shard at a time: a kill loses the URLs of the
shards still in progress, not more. A rerun also refetches, in done shards, the URLs whose result
was transient (``fetch.is_transient``: timeouts, dropped connections, 5xx, 408, 429), at most
``transient_reruns`` times per URL, and keeps every other result. The status table, one row per URL,
is assembled from the shards at the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import queue
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from scalinglaws.corpus.acquire.fetch import Fetcher, FetchResult, is_transient
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
    ("elapsed", pa.float64()),      # seconds, all attempts (queueing for a busy host not included)
    ("attempts", pa.int32()),       # of the latest run that fetched the URL
    ("runs", pa.int32()),           # acquire runs that fetched the URL (reruns refetch transient failures)
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


@dataclass
class _Job:
    """URLs of one shard to fetch: all of a new shard, or a done shard's transient failures."""
    shard: int
    rows: list[int]                 # positions in the shard
    rerun: bool = False             # a done shard: its other rows are kept
    futures: list[Future] | None = None


def fetch_all(urls: list[str], source: str, fetcher: Fetcher, workdir: str | Path, shard_size: int,
              to_fetch: Callable[[str], str] = str, from_fetch: Callable[[str], str] = str,
              timestamp: str | None = None, concurrency: int = 16,
              transient_reruns: int = 0) -> tuple[pa.Table, dict[str, int]]:
    """Fetch every URL not already in a done shard, and refetch the transient failures of done shards
    that have reruns left; return the status table (one row per URL, in order, with absolute shard
    paths) and how many URLs were fetched, refetched and kept.

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
    jobs, counts = [], {"new": 0, "refetched_transient": 0, "recovered": 0, "kept_permanent": 0,
                        "kept_transient": 0}
    for i, path in enumerate(paths):
        if not path.exists():
            jobs.append(_Job(i, list(range(len(chunks[i])))))
            counts["new"] += len(chunks[i])
            continue
        old = pq.read_table(path, columns=["status", "runs"]).to_pylist()
        retry = [k for k, r in enumerate(old) if is_transient(r["status"]) and r["runs"] <= transient_reruns]
        counts["refetched_transient"] += len(retry)
        counts["kept_transient"] += sum(is_transient(r["status"]) for r in old) - len(retry)
        counts["kept_permanent"] += sum(r["status"] != "ok" and not is_transient(r["status"]) for r in old)
        if retry:
            jobs.append(_Job(i, retry, rerun=True))
    n_new_shards = sum(not job.rerun for job in jobs)
    print(f"acquire: {len(urls)} URLs in {len(chunks)} shards, {len(chunks) - n_new_shards} done; fetching "
          f"{counts['new']} new URLs and refetching {counts['refetched_transient']} transient failures; keeping "
          f"{counts['kept_permanent']} permanent failures and {counts['kept_transient']} transient ones that "
          f"used their {transient_reruns} reruns", file=sys.stderr)
    if jobs:
        counts["recovered"] = _run(jobs, chunks, paths, source, fetcher, to_fetch, from_fetch, timestamp,
                                   concurrency)
    return _status_table(paths), counts


def _run(jobs: list[_Job], chunks: list[list[str]], paths: list[Path], source: str, fetcher: Fetcher,
         to_fetch: Callable[[str], str], from_fetch: Callable[[str], str], timestamp: str | None,
         concurrency: int) -> int:
    """Fetch the jobs' URLs, writing each shard as soon as its last URL is done; return how many
    refetched transient failures are now ok."""
    finished: queue.Queue[_Job] = queue.Queue()
    left, lock = {}, threading.Lock()

    def done(job: _Job) -> None:
        with lock:
            left[job.shard] -= 1
            if left[job.shard] == 0:
                finished.put(job)

    recovered = 0
    with ThreadPoolExecutor(concurrency) as pool, \
            tqdm(total=sum(len(j.rows) for j in jobs), desc="fetch", unit="url", file=sys.stderr,
                 mininterval=1.0) as bar:
        for job in jobs:  # queued in order, so shards finish roughly in order
            left[job.shard] = len(job.rows)
            job.futures = [pool.submit(fetcher.fetch, to_fetch(chunks[job.shard][k])) for k in job.rows]
            for f in job.futures:
                f.add_done_callback(lambda _f, job=job: (done(job), bar.update(1)))
        for _ in jobs:
            job = finished.get()
            results = [f.result() for f in job.futures]
            recovered += sum(r.status == "ok" for r in results) if job.rerun else 0
            _write_shard(paths[job.shard], chunks[job.shard], job, results, source, from_fetch, timestamp)
    return recovered


def _write_shard(path: Path, urls: list[str], job: _Job, results: list[FetchResult], source: str,
                 from_fetch: Callable[[str], str], timestamp: str | None) -> None:
    fetched_at = timestamp or utc_today()
    rows = pq.read_table(path).to_pylist() if job.rerun else [None] * len(urls)
    for k, r in zip(job.rows, results):
        rows[k] = {
            "id": document_id(source, urls[k]),
            "url": urls[k],
            "final_url": from_fetch(r.final_url),
            "source": source,
            "status": r.status,
            "http_status": r.http_status,
            "content_type": r.content_type,
            "bytes": len(r.body) if r.body is not None else 0,
            "elapsed": r.elapsed,
            "attempts": r.attempts,
            "runs": (rows[k]["runs"] if rows[k] else 0) + 1,
            "fetched_at": fetched_at,
            "error": r.error,
            "body": r.body if r.status == "ok" else None,
        }
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
