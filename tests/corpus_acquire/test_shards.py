"""Reruns over a workdir: which shards are reused, which rows are refetched, and where the shards are."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import FAST_FETCH

from scalinglaws.corpus.acquire.extract import extract
from scalinglaws.corpus.acquire.options import AcquireOptions
from scalinglaws.corpus.acquire.scrape import acquire

REPO = Path(__file__).resolve().parents[2]


def _acquire(d: Path, urls: list[str], out: str = "status.parquet", **options) -> dict:
    (d / "urls.txt").write_text("\n".join(urls) + "\n")
    raw = {"source": "urls", "urls": {"file": str(d / "urls.txt")}, "allow_private_addresses": "loopback",
           **options, "fetch": {**FAST_FETCH, **options.get("fetch", {})}}
    return acquire(AcquireOptions.from_dict(raw), d / "cache", d / "raw", d / out)


def _statuses(path: Path) -> dict[str, str]:
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


def test_rerun_refetches_transient_failures_a_bounded_number_of_times(fault_server, tmp_path):
    """An outage longer than one run's retries heals on the rerun; a 500 and a hang are refetched once
    (transient_reruns: 1) and then kept; a 404, a refused redirect and good pages are never refetched."""
    b = fault_server.base
    transient = [f"{b}/410/outage", f"{b}/411/broken", f"{b}/412/hang", f"{b}/413/drop"]
    permanent = [f"{b}/414/missing", f"{b}/415/to_metadata", f"{b}/416/good", f"{b}/417/latin1"]
    urls = sorted(transient + permanent)

    first = _acquire(tmp_path, urls, fetch={"transient_reruns": 1})
    assert first["statuses"] == {"http_503": 1, "http_500": 1, "timeout": 1, "connection_error": 1, "http_404": 1,
                                 "refused_address": 1, "ok": 2}
    hits = _paths(fault_server, urls)

    second = _acquire(tmp_path, urls, fetch={"transient_reruns": 1})
    assert second["this_run"] == {"new": 0, "refetched_transient": 4, "recovered": 1, "kept_permanent": 2,
                                  "kept_transient": 0}
    status = {r["url"]: r for r in pq.read_table(tmp_path / "status.parquet").to_pylist()}
    assert status[f"{b}/410/outage"]["status"] == "ok" and status[f"{b}/410/outage"]["runs"] == 2
    again = _paths(fault_server, urls)
    assert {u for u in urls if again[u] > hits[u]} == set(transient)

    third = _acquire(tmp_path, urls, fetch={"transient_reruns": 1})
    assert third["this_run"] == {"new": 0, "refetched_transient": 0, "recovered": 0, "kept_permanent": 2,
                                 "kept_transient": 3}
    assert _paths(fault_server, urls) == again
    assert third["statuses"] == {"ok": 3, "http_500": 1, "timeout": 1, "connection_error": 1, "http_404": 1,
                                 "refused_address": 1}
    extract(tmp_path / "status.parquet", "trafilatura", tmp_path / "docs.parquet")
    assert pq.read_table(tmp_path / "docs.parquet").num_rows == 3  # the healed page's body is in its shard


def test_no_reruns_keeps_every_result(fault_server, tmp_path):
    urls = [f"{fault_server.base}/420/broken", f"{fault_server.base}/421/good"]
    _acquire(tmp_path, urls, fetch={"transient_reruns": 0})
    hits = _paths(fault_server, urls)
    summary = _acquire(tmp_path, urls, fetch={"transient_reruns": 0})
    assert summary["this_run"]["kept_transient"] == 1 and _paths(fault_server, urls) == hits


def test_extract_finds_the_shards_from_any_directory(fault_server, tmp_path, monkeypatch):
    """acquire run with relative paths in one directory; extract run from another, and after the
    results folder moved."""
    work = tmp_path / "project"
    work.mkdir()
    urls = [f"{fault_server.base}/{n}/good" for n in range(430, 433)]
    (work / "urls.txt").write_text("\n".join(urls))
    monkeypatch.chdir(work)
    opts = AcquireOptions.from_dict({"source": "urls", "urls": {"file": "urls.txt"},
                                     "allow_private_addresses": "loopback", "fetch": FAST_FETCH})
    acquire(opts, "results/cache", "results/corpus/raw", "results/corpus/status.parquet")
    shards = set(pq.read_table("results/corpus/status.parquet", columns=["shard"]).column(0).to_pylist())
    assert len(shards) == 1 and next(iter(shards)).startswith("raw/shard-")

    monkeypatch.chdir(tmp_path)
    assert extract(work / "results/corpus/status.parquet", "trafilatura", tmp_path / "a.parquet")["documents"] == 3
    moved = shutil.move(work / "results", tmp_path / "elsewhere")
    r = subprocess.run([sys.executable, "-m", "scalinglaws.corpus", "extract", "--status",
                        "elsewhere/corpus/status.parquet", "--out", "b.parquet"], cwd=tmp_path,
                       capture_output=True, text=True, env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0 and json.loads(r.stdout.splitlines()[-1])["documents"] == 3, r.stderr
    assert (tmp_path / "b.parquet").read_bytes() == (tmp_path / "a.parquet").read_bytes()

    for shard in (Path(moved) / "corpus/raw").glob("shard-*"):
        shard.unlink()
    with pytest.raises(FileNotFoundError, match=r"status.parquet: shard raw/shard-.* is missing: no .*elsewhere"):
        extract(Path(moved) / "corpus/status.parquet", "trafilatura", tmp_path / "c.parquet")
