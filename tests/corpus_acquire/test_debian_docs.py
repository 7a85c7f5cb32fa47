"""The debian-docs source: a real ``apt-get download`` + ``dpkg -x`` of one small package."""

from __future__ import annotations

import shutil
import subprocess

import pyarrow.parquet as pq
import pytest

from scalinglaws.corpus.acquire import debian_docs
from scalinglaws.corpus.acquire.extract import extract
from scalinglaws.corpus.acquire.options import AcquireOptions, DebianDocsOptions
from scalinglaws.corpus.acquire.scrape import acquire


def _apt_knows(package: str) -> bool:
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        return False
    return subprocess.run(["apt-cache", "show", package], capture_output=True).returncode == 0


needs_apt = pytest.mark.skipif(not _apt_knows("debian-faq"),
                               reason="needs apt-get and dpkg, with package lists that know debian-faq "
                                      "(run `apt-get update`)")


def test_list_pages_excludes_and_caps(tmp_path):
    for rel in ["p/doc/html/index.html", "p/doc/html/a.html", "p/doc/html/_sources/a.txt.html",
                "p/doc/html/genindex.html", "p/doc/html/search.html", "p/doc/html/b.htm", "p/doc/html/c.css"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("<html></html>")
    urls = debian_docs.list_pages(tmp_path, "p", DebianDocsOptions())
    assert urls == [debian_docs.BASE + f"p/doc/html/{n}" for n in ("a.html", "b.htm", "index.html")]
    assert len(debian_docs.list_pages(tmp_path, "p", DebianDocsOptions(max_pages=2))) == 2


def test_missing_apt_names_the_other_sources(monkeypatch):
    monkeypatch.setattr(debian_docs.shutil, "which", lambda tool: None)
    with pytest.raises(RuntimeError, match="apt-get.*'urls'.*'reddit'"):
        debian_docs.require_apt()


@needs_apt
def test_debian_faq_end_to_end(tmp_path):
    opts = AcquireOptions.from_dict({"source": "debian-docs", "debian_docs": {"packages": ["debian-faq"]}})
    cache = tmp_path / "cache"
    first = acquire(opts, cache, tmp_path / "raw1", tmp_path / "status1.parquet")
    assert first["urls"] >= 10 and first["statuses"] == {"ok": first["urls"]}
    status = pq.read_table(tmp_path / "status1.parquet").to_pylist()
    assert all(r["url"].startswith("http://debian-docs.invalid/debian-faq/") and r["url"].endswith(".en.html")
               for r in status)  # English pages only, and no port in the URL
    deb = next((cache / "debs").glob("debian-faq_*.deb"))
    mtime = deb.stat().st_mtime_ns

    # a second run with the same cache downloads nothing, and gives the same documents
    acquire(opts, cache, tmp_path / "raw2", tmp_path / "status2.parquet")
    assert deb.stat().st_mtime_ns == mtime
    for i in (1, 2):
        extract(tmp_path / f"status{i}.parquet", "trafilatura", tmp_path / f"docs{i}.parquet")
    assert (tmp_path / "docs1.parquet").read_bytes() == (tmp_path / "docs2.parquet").read_bytes()
    docs = pq.read_table(tmp_path / "docs1.parquet").to_pylist()
    assert len(docs) == len(status) and all(len(d["text"]) > 200 for d in docs)


@needs_apt
def test_unknown_package_is_a_clear_error(tmp_path):
    opts = AcquireOptions.from_dict({"debian_docs": {"packages": ["no-such-package-doc"]}})
    with pytest.raises(RuntimeError, match="no-such-package-doc"):
        acquire(opts, tmp_path / "cache", tmp_path / "raw", tmp_path / "status.parquet")
