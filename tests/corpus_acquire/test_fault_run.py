"""End to end over the fault server: >= 500 URLs, every one gets a status, every good page extracts,
the run is bounded in time, a rerun fetches only the transient failures (and nothing once their
reruns are used), and a run killed midway then rerun gives a byte-identical document table."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import FAST_FETCH
from faultserver import GOOD, marker

from scalinglaws.corpus.acquire.extract import extract
from scalinglaws.corpus.acquire.fetch import is_transient
from scalinglaws.corpus.acquire.options import AcquireOptions
from scalinglaws.corpus.acquire.scrape import acquire

N_URLS = 520
REPO = Path(__file__).resolve().parents[2]


def options(urls_file: Path, **fetch) -> dict:
    return {"source": "urls", "urls": {"file": str(urls_file)}, "allow_private_addresses": "loopback",
            "fetch": {**FAST_FETCH, **fetch}}


@pytest.fixture(scope="module")
def run(fault_server, tmp_path_factory):
    """One uninterrupted acquire + extract; returns (dir, expected status by URL, acquire seconds)."""
    d = tmp_path_factory.mktemp("clean")
    expected = fault_server.urls(N_URLS)
    (d / "urls.txt").write_text("\n".join(expected) + "\n")
    t0 = time.monotonic()
    acquire(AcquireOptions.from_dict(options(d / "urls.txt")), d / "cache", d / "raw", d / "status.parquet")
    seconds = time.monotonic() - t0
    extract(d / "status.parquet", "trafilatura", d / "extracted.parquet")
    return d, expected, seconds


def test_every_url_gets_its_status_in_bounded_time(run):
    d, expected, seconds = run
    status = pq.read_table(d / "status.parquet").to_pylist()
    assert len(status) == len(expected) >= 500
    wrong = [(r["url"], r["status"], expected[r["url"]]) for r in status if r["status"] != expected[r["url"]]]
    assert not wrong, wrong[:10]
    # about 60 URLs hang or drip for 2 s each, 48 at a time; the rest is quick
    assert seconds < 30


def test_every_good_page_extracts(run):
    d, expected, _ = run
    docs = {r["url"]: r for r in pq.read_table(d / "extracted.parquet").to_pylist()}
    good = [u for u in expected if u.rsplit("/", 1)[1] in GOOD]
    assert set(docs) == set(good)  # empty pages extract to nothing and are left out
    for url in good:
        n = int(url.rsplit("/", 2)[1])
        text = docs[url]["text"]
        assert marker(n) in text and "Café" in text and "Zürich" in text, (url, text[:200])
        assert docs[url]["cluster_id"] == docs[url]["id"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", docs[url]["fetched_at"])  # the fetch's UTC date


def test_rerun_fetches_only_the_transient_failures(run, fault_server):
    d, expected, _ = run
    before = fault_server.hits()
    status = pq.read_table(d / "status.parquet")
    summary = acquire(AcquireOptions.from_dict(options(d / "urls.txt")), d / "cache", d / "raw", d / "status2.parquet")
    after = fault_server.hits()
    path = {u: u.removeprefix(fault_server.base) for u in expected}
    transient = {u for u, s in expected.items() if is_transient(s)}
    assert {u for u in expected if after[path[u]] != before[path[u]]} == transient
    assert summary["this_run"] == {"new": 0, "refetched_transient": len(transient), "recovered": 0,
                                   "kept_permanent": sum(s != "ok" for s in expected.values()) - len(transient),
                                   "kept_transient": 0}
    rerun = pq.read_table(d / "status2.parquet")
    assert rerun.column("status").equals(status.column("status"))
    assert [r for r, u in zip(rerun.column("runs").to_pylist(), rerun.column("url").to_pylist())
            if r != 1 + (u in transient)] == []

    # without reruns left (transient_reruns: 0 here) a rerun fetches nothing
    acquire(AcquireOptions.from_dict(options(d / "urls.txt", transient_reruns=0)), d / "cache", d / "raw",
            d / "status3.parquet")
    assert fault_server.hits() == after
    assert pq.read_table(d / "status3.parquet").equals(rerun)


def test_killed_run_resumes_to_identical_output(run, fault_server, tmp_path):
    d, _, _ = run
    workdir = tmp_path / "raw"
    cmd = [sys.executable, "-m", "scalinglaws.corpus", "acquire",
           "--options-json", json.dumps(options(d / "urls.txt", concurrency=16, per_host_concurrency=16)),
           "--cache", str(tmp_path / "cache"), "--workdir", str(workdir), "--out", str(tmp_path / "status.parquet")]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(list(workdir.glob("shard-*.parquet"))) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {p.name for p in workdir.glob("shard-*.parquet")}
    n_shards = -(-N_URLS // FAST_FETCH["shard_size"])
    assert 3 <= len(done) < n_shards, f"kill came too late or too early: {len(done)} shards done"
    done_rows = [r for name in done for r in pq.read_table(workdir / name, columns=["final_url", "status"]).to_pylist()]
    hits = fault_server.hits()
    hits_at_kill = {r["final_url"]: hits[r["final_url"].removeprefix(fault_server.base)] for r in done_rows}

    subprocess.run(cmd, env=env, check=True, stderr=subprocess.DEVNULL)
    assert not list(workdir.glob(".*.tmp"))  # the killed run's half-written shard is gone
    hits = fault_server.hits()
    # done URLs are not fetched again, except the transient failures (their first rerun)
    refetched = {r["final_url"] for r in done_rows
                 if hits[r["final_url"].removeprefix(fault_server.base)] > hits_at_kill[r["final_url"]]}
    assert refetched == {r["final_url"] for r in done_rows if is_transient(r["status"])}
    extract(tmp_path / "status.parquet", "trafilatura", tmp_path / "extracted.parquet")
    assert (tmp_path / "extracted.parquet").read_bytes() == (d / "extracted.parquet").read_bytes()
