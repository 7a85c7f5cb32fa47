"""The ``acquire`` step: a source's URLs -> raw HTML shards under a workdir + one status row per URL."""

from __future__ import annotations

import collections
import dataclasses
import json
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from scalinglaws.corpus.acquire.fetch import Fetcher
from scalinglaws.corpus.acquire.options import AcquireOptions
from scalinglaws.corpus.acquire.shards import fetch_all, relative_shards
from scalinglaws.corpus.acquire.sources import open_source
from scalinglaws.io import atomic_path


def acquire(opts: AcquireOptions, cache: str | Path, workdir: str | Path, out: str | Path) -> dict:
    """Fetch every URL of the source that is not already done; write the status table to ``out``."""
    t0 = time.time()
    with open_source(opts, cache) as plan:
        t1 = time.time()
        fetcher = Fetcher(opts.fetch, plan.allowed_networks)
        status, fetched = fetch_all(plan.urls, plan.source, fetcher, workdir, opts.fetch.shard_size, plan.to_fetch,
                                    plan.from_fetch, plan.timestamp, opts.fetch.concurrency,
                                    opts.fetch.transient_reruns)
    # provenance: the options this table was fetched under travel with it
    options = json.dumps(dataclasses.asdict(opts))
    status = relative_shards(status, out).replace_schema_metadata({"scalinglaws.acquire.options": options})
    with atomic_path(out) as tmp:
        pq.write_table(status, tmp, compression="zstd")
    counts = collections.Counter(status.column("status").to_pylist())
    summary = {"source": plan.source, "urls": status.num_rows, "statuses": dict(sorted(counts.items())),
               "this_run": fetched,
               "html_MB": round(sum(status.column("bytes").to_pylist()) / 1e6, 2),
               "prepare_s": round(t1 - t0, 1), "fetch_s": round(time.time() - t1, 1), "out": str(out)}
    print(json.dumps(summary), file=sys.stderr)
    return summary
