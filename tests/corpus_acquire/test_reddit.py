"""The reddit source: Pushshift-style dumps made here, filtered, normalised, de-duplicated, fetched."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st
from conftest import FAST_FETCH

from scalinglaws.corpus.acquire.extract import extract
from scalinglaws.corpus.acquire.options import AcquireOptions
from scalinglaws.corpus.acquire.reddit import normalise_url
from scalinglaws.corpus.acquire.scrape import acquire

JAN, FEB, MAR = 1546300800, 1548979200, 1551398400  # 2019-01-01, 2019-02-01, 2019-03-01 UTC


def write_dump(path, submissions):
    lines = "".join(json.dumps(s) + "\n" for s in submissions).encode()
    path.write_bytes(zstandard.ZstdCompressor().compress(lines))


def post(url, score=10, created=JAN + 3600, **extra):
    return {"url": url, "score": score, "created_utc": created, "is_self": False, "over_18": False, **extra}


def test_normalise_url():
    assert normalise_url("HTTP://Example.COM:80/a/b?utm_source=x&q=1#frag") == "http://example.com/a/b?q=1"
    assert normalise_url("https://example.com:443") == "https://example.com/"
    assert normalise_url("https://example.com:8443/x") == "https://example.com:8443/x"
    assert normalise_url("ftp://example.com/x") is None and normalise_url("not a url") is None


@given(st.from_regex(r"https?://[a-zA-Z0-9.]{1,20}(:[0-9]{1,4})?(/[a-z0-9_=&?#%]{0,30})?", fullmatch=True))
def test_normalise_url_is_idempotent(url):
    once = normalise_url(url)
    assert once is None or normalise_url(once) == once


def test_reddit_source_end_to_end(fault_server, tmp_path):
    b = fault_server.base
    host = b.removeprefix("http://")
    write_dump(tmp_path / "RS_2019-01.zst", [
        post(f"{b}/0100/good"),
        post(f"HTTP://{host}/0101/good?utm_source=reddit#top"),
        post(f"{b}/0102/good", score=2),                         # too little karma
        post(f"{b}/0103/good", is_self=True),                    # self post
        post(f"{b}/0104/good", over_18=True),                    # NSFW
        post("https://www.reddit.com/r/x/comments/abc/"),        # reddit itself
        post("https://i.imgur.com/abc.png"),                     # media host
        post(f"{b}/0105/photo.JPG"),                             # media file
        post(f"{b}/0106/good", created=JAN - 10),                # before the window
        post(f"{b}/0107/missing"),                               # kept, fails with a status
    ])
    write_dump(tmp_path / "RS_2019-02.zst", [
        post(f"{b}/0100/good", created=FEB + 5),                 # duplicate across months
        post(f"{b}/0101/good?utm_medium=x", created=FEB + 5),    # duplicate after normalisation
        post(f"{b}/0108/latin1", created=FEB + 5, score="7"),    # string scores occur in old dumps
        post(f"{b}/0109/good", created=MAR),                     # after the window
    ])
    opts = AcquireOptions.from_dict({
        "source": "reddit", "allow_private_addresses": "loopback", "fetch": FAST_FETCH,
        "timestamp": "2019-03-02T00:00:00Z",
        "reddit": {"dumps": [str(tmp_path / "RS_*.zst")], "start": "2019-01-01", "end": "2019-03-01"}})
    acquire(opts, tmp_path / "cache", tmp_path / "raw", tmp_path / "status.parquet")
    status = {r["url"]: r["status"] for r in pq.read_table(tmp_path / "status.parquet").to_pylist()}
    assert status == {f"{b}/0100/good": "ok", f"{b}/0101/good": "ok", f"{b}/0107/missing": "http_404",
                      f"{b}/0108/latin1": "ok"}
    extract(tmp_path / "status.parquet", "trafilatura", tmp_path / "docs.parquet")
    docs = pq.read_table(tmp_path / "docs.parquet").to_pylist()
    assert sorted(d["url"] for d in docs) == [f"{b}/0100/good", f"{b}/0101/good", f"{b}/0108/latin1"]
    assert all(d["source"] == "reddit" and d["fetched_at"] == "2019-03-02T00:00:00Z" for d in docs)


def test_reddit_bad_dump_names_file_and_line(tmp_path):
    (tmp_path / "RS_2019-01.zst").write_bytes(zstandard.ZstdCompressor().compress(b'{"url": "x"}\nnot json\n'))
    opts = AcquireOptions.from_dict({"source": "reddit", "reddit": {"dumps": [str(tmp_path / "RS_2019-01.zst")]}})
    with pytest.raises(ValueError, match=r"RS_2019-01.zst: line 2 is not JSON"):
        acquire(opts, tmp_path / "cache", tmp_path / "raw", tmp_path / "status.parquet")
