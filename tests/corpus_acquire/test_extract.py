"""Charset handling, both extractors, the options and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from faultserver import marker

from scalinglaws.corpus.acquire.extract import decode_html, extract
from scalinglaws.corpus.acquire.options import AcquireOptions
from scalinglaws.corpus.acquire.scrape import acquire
from conftest import FAST_FETCH

REPO = Path(__file__).resolve().parents[2]
TEXT = "Café Zürich, crème brûlée — “quotes”"


@pytest.mark.parametrize("body,content_type", [
    (TEXT.encode(), "text/html; charset=utf-8"),
    (TEXT.encode(), "text/html; charset=iso-8859-1"),                   # mislabelled UTF-8
    (TEXT.encode("cp1252"), "text/html"),                                # nothing declared
    (TEXT.encode("cp1252"), "text/html; charset=utf-8"),                 # mislabelled cp1252
    (b"\xef\xbb\xbf" + TEXT.encode(), ""),                               # BOM
    (TEXT.encode("utf-16"), "text/html; charset=utf-16"),
    (b'<meta charset="windows-1252">' + TEXT.encode("cp1252"), "text/html"),
    (TEXT.encode("cp1252"), "text/html; charset=no-such-codec"),
])
def test_decode_html(body, content_type):
    assert TEXT in decode_html(body, content_type)


def test_options_reject_bad_keys():
    with pytest.raises(ValueError, match=r"corpus.fetch: unknown key\(s\) \['dedline'\]"):
        AcquireOptions.from_dict({"fetch": {"dedline": 3}})
    with pytest.raises(ValueError, match="corpus.fetch.deadline: expected a non-negative number"):
        AcquireOptions.from_dict({"fetch": {"deadline": "soon"}})
    with pytest.raises(ValueError, match="corpus.fetch.per_host_concurrency: must be positive"):
        AcquireOptions.from_dict({"fetch": {"per_host_concurrency": 0}})
    with pytest.raises(ValueError, match="corpus.source: 'gopher'"):
        AcquireOptions.from_dict({"source": "gopher"})
    opts = AcquireOptions.from_dict({"source": "urls", "hf": {"dataset": "x"}, "fetch": {"deadline": 3}})
    assert opts.fetch.deadline == 3.0 and opts.fetch.retries == 2  # other steps' keys are theirs


@pytest.fixture(scope="module")
def fetched(fault_server, tmp_path_factory):
    d = tmp_path_factory.mktemp("np")
    urls = [f"{fault_server.base}/{n:04d}/good" for n in range(5)] + [f"{fault_server.base}/0005/empty"]
    (d / "urls.txt").write_text("\n".join(urls))
    opts = AcquireOptions.from_dict({"source": "urls", "urls": {"file": str(d / "urls.txt")},
                                     "allow_private_addresses": "loopback", "fetch": FAST_FETCH})
    acquire(opts, d / "cache", d / "raw", d / "status.parquet")
    return d


@pytest.mark.parametrize("extractor", ["trafilatura", "newspaper3k"])
def test_extractors(fetched, extractor):
    summary = extract(fetched / "status.parquet", extractor, fetched / f"{extractor}.parquet")
    assert summary["documents"] == 5 and summary["empty"] == 1
    docs = pq.read_table(fetched / f"{extractor}.parquet").to_pylist()
    assert [d["id"] for d in docs] == sorted(d["id"] for d in docs)  # a document table, sorted by id
    for n in range(5):
        (doc,) = [d for d in docs if marker(n) in d["text"]]
        assert "Copyright the fault server" not in doc["text"]
        assert doc["extractor"] == extractor and doc["extractor_version"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scalinglaws.corpus", *args], capture_output=True, text=True,
                          cwd=REPO, env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"})


def test_cli_reports_bad_input_clearly(tmp_path):
    r = _cli("acquire", "--options-json", json.dumps({"fetch": {"retry": 1}}), "--workdir", str(tmp_path),
             "--out", str(tmp_path / "s.parquet"))
    assert r.returncode != 0 and "corpus.fetch: unknown key(s) ['retry']" in r.stderr
    r = _cli("acquire", "--source", "urls", "--options-json", json.dumps({"urls": {"file": "/no/such.txt"}}),
             "--workdir", str(tmp_path), "--out", str(tmp_path / "s.parquet"))
    assert r.returncode != 0 and "corpus.urls.file: /no/such.txt does not exist" in r.stderr
    assert "extract" in _cli("--help").stdout


def test_cli_extract(fetched, tmp_path):
    r = _cli("extract", "--status", str(fetched / "status.parquet"), "--out", str(tmp_path / "docs.parquet"))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[-1])["documents"] == 5
