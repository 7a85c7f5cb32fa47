"""Reruns over a workdir: which shards are reused, which rows are refetched, and where the shards are."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from conftest import FAST_FETCH

from scalinglaws.corpus.acquire.options import AcquireOptions
from scalinglaws.corpus.acquire.scrape import acquire


def _acquire(d, urls: list[str], out: str = "status.parquet", **options) -> dict:
    (d / "urls.txt").write_text("\n".join(urls) + "\n")
    raw = {"source": "urls", "urls": {"file": str(d / "urls.txt")}, "allow_private_addresses": "loopback",
           **options, "fetch": {**FAST_FETCH, **options.get("fetch", {})}}
    return acquire(AcquireOptions.from_dict(raw), d / "cache", d / "raw", d / out)


def _statuses(path) -> dict[str, str]:
    return {r["url"]: r["status"] for r in pq.read_table(path, columns=["url", "status"]).to_pylist()}


def _paths(fault_server, urls: list[str]) -> dict[str, int]:
    hits = fault_server.hits()
    return {u: hits[u.removeprefix(fault_server.base)] for u in urls}


def test_options_that_change_results_make_new_shards(fault_server, tmp_path):
    """Refused under the default allowance, then fetched once loopback is allowed; an option that only
    changes the pace (concurrency) reuses the shards, one that changes results (max_bytes) does not."""
    urls = [f"{fault_server.base}/{n}/good" for n in range(400, 405)]
    _acquire(tmp_path, urls, allow_private_addresses=None)
    assert set(_statuses(tmp_path / "status.parquet").values()) == {"refused_address"}
    assert _paths(fault_server, urls) == dict.fromkeys(urls, 0)

    _acquire(tmp_path, urls)
    assert set(_statuses(tmp_path / "status.parquet").values()) == {"ok"}
    assert _paths(fault_server, urls) == dict.fromkeys(urls, 1)

    _acquire(tmp_path, urls, fetch={"concurrency": 3, "per_host_concurrency": 2})
    assert _paths(fault_server, urls) == dict.fromkeys(urls, 1)

    _acquire(tmp_path, urls, fetch={"max_bytes": 100})
    assert set(_statuses(tmp_path / "status.parquet").values()) == {"too_large"}
    assert _paths(fault_server, urls) == dict.fromkeys(urls, 2)
    status = pq.read_table(tmp_path / "status.parquet")
    assert json.loads(status.schema.metadata[b"scalinglaws.acquire.options"])["fetch"]["max_bytes"] == 100
