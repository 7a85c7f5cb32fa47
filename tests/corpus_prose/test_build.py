"""The prose sets end to end: on fake package trees (offline), and on the real registry artefacts (slow)."""

from __future__ import annotations

import gzip
import shutil
import stat
from pathlib import Path

import pandas as pd
import pytest

from scalinglaws.corpus.ood import fetch
from scalinglaws.corpus.prose import sets
from scalinglaws.corpus.prose.build import build
from scalinglaws.io import read_json

from .test_readers import BIBLE, FORTUNES, JARGON, _dictd


def _fake_packages(root: Path, bible_exit: int = 0) -> dict[str, fetch.Artefact]:
    """Unpacked trees laid out as the four packages lay out their files."""
    trees = {name: root / name for name in ("bible-kjv-text", "bible-kjv", "fortunes", "jargon-text", "dict-devil")}
    (trees["bible-kjv-text"] / "usr/lib").mkdir(parents=True)
    (trees["bible-kjv-text"] / "usr/lib/bible.data").write_bytes(b"EC02")
    binary = trees["bible-kjv"] / "usr/bin/bible"
    binary.parent.mkdir(parents=True)
    verses = root / "verses.txt"
    verses.write_text(BIBLE)
    # prints the verses only when called as the reader calls it
    binary.write_text(f'#!/bin/sh\n[ "$1" = -p ] && [ -f "$2/bible.data" ] && [ "$3" = -f ] || exit 2\n'
                      f'cat {verses}\nexit {bible_exit}\n')
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    cookies = trees["fortunes"] / sets.FORTUNE_DIR
    cookies.mkdir(parents=True)
    (cookies / "people").write_text(FORTUNES)
    (cookies / "people.dat").write_bytes(b"\x00\x00")
    (cookies / "ascii-art").write_text("#" * 200 + "\n%\n")
    (trees["jargon-text"] / sets.JARGON).parent.mkdir(parents=True)
    (trees["jargon-text"] / sets.JARGON).write_bytes(gzip.compress(JARGON.encode()))
    index, data = _dictd({"00databaseshort": "Devil\n", "bath": "BATH, n.  A kind of mystic ceremony.\n"})
    (trees["dict-devil"] / sets.DEVIL).parent.mkdir(parents=True)
    (trees["dict-devil"] / f"{sets.DEVIL}.index").write_text(index)
    (trees["dict-devil"] / f"{sets.DEVIL}.dict.dz").write_bytes(gzip.compress(data))
    return {name: fetch.Artefact(path, {"registry": "debian", "name": name, "version": "1",
                                        "downloaded_at": "2026-01-01T00:00:00Z"}) for name, path in trees.items()}


@pytest.fixture
def fake_registry(tmp_path, monkeypatch):
    def install(bible_exit: int = 0):
        packages = _fake_packages(tmp_path / "trees", bible_exit)
        monkeypatch.setattr(fetch, "debian_package", lambda name, cache: packages[name])
    return install


def test_every_set_reads_its_package_tree(tmp_path, fake_registry):
    fake_registry()
    out = tmp_path / "prose.parquet"
    summary = build(["kjv", "fortunes", "jargon", "devil"], tmp_path / "cache", out)
    assert {k: v["docs"] for k, v in summary.items()} == {"kjv": 3, "fortunes": 1, "jargon": 3, "devil": 1}
    table = pd.read_parquet(out)
    assert set(table["source"]) == {"kjv", "fortunes", "jargon", "devil"}
    urls = set(table["url"])
    assert "deb:bible-kjv-text/usr/lib/bible.data#1Sm3" in urls
    assert "deb:fortunes/usr/share/games/fortunes/people#0" in urls  # ascii-art and .dat are skipped
    assert "deb:dict-devil/usr/share/dictd/devil.dict.dz#0" in urls
    assert table["id"].is_unique and (table["status"] == "ok").all()
    fortune = table.loc[table["source"] == "fortunes", "text"].item()
    assert fortune.startswith("A banker") and "William of Occam" in fortune and "Short one" not in fortune
    provenance = read_json(f"{out}.provenance.json")
    assert {a["name"] for a in provenance["artefacts"]} == {"bible-kjv-text", "bible-kjv", "fortunes",
                                                            "jargon-text", "dict-devil"}
    assert provenance["clean_options"]["toc_max_short_share"] == 1.0


def test_a_failing_bible_program_is_a_clear_error(tmp_path, fake_registry, cli):
    fake_registry(bible_exit=1)
    with pytest.raises(SystemExit, match=r"prose: .*usr/bin/bible exited 1"):
        cli(["prose", "--sets", "kjv", "--cache", str(tmp_path / "c"), "--out", str(tmp_path / "p.parquet")])


def test_unknown_set_is_rejected(tmp_path, cli):
    with pytest.raises(SystemExit, match=r"prose: unknown prose set\(s\) \['gcide'\]"):
        cli(["prose", "--sets", "devil,gcide", "--cache", str(tmp_path), "--out", str(tmp_path / "p.parquet")])


def test_missing_apt_is_a_clear_error(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("PATH", str(tmp_path))  # no apt-get, no dpkg-deb
    with pytest.raises(SystemExit, match=r"prose: 'apt-get' not found.*dict-devil"):
        cli(["prose", "--sets", "devil", "--cache", str(tmp_path / "c"), "--out", str(tmp_path / "p.parquet")])


@pytest.mark.slow
def test_the_real_packages_build(tmp_path):
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        pytest.skip("apt-get and dpkg-deb are needed to fetch Debian packages")
    out = tmp_path / "prose.parquet"
    try:
        summary = build(["kjv", "fortunes", "jargon", "devil"], tmp_path / "cache", out)
    except fetch.FetchError as e:
        pytest.skip(f"package registry or bible program unavailable: {e}")
    assert summary["kjv"]["docs"] == 1189 and 4_100_000 < summary["kjv"]["bytes"] < 4_400_000
    assert summary["fortunes"]["docs"] > 400 and summary["fortunes"]["bytes"] > 1_500_000
    assert summary["jargon"]["docs"] > 2000 and summary["devil"]["docs"] > 900
    table = pd.read_parquet(out).set_index("url")
    genesis = table.loc["deb:bible-kjv-text/usr/lib/bible.data#Ge1", "text"]
    assert genesis.startswith("Ge 1\n\n1 In the beginning God created the heaven and the earth.")
    assert table.loc["deb:bible-kjv-text/usr/lib/bible.data#Rev22", "text"].endswith("be with you all. Amen.")
    assert table["text"].str.contains("Numeric zero, as opposed to the letter").any()  # the Jargon File's 0
    assert table["text"].str.startswith("BATH, n.").any()
    first = out.read_bytes()
    build(["kjv", "fortunes", "jargon", "devil"], tmp_path / "cache", out)  # cached: same bytes
    assert out.read_bytes() == first
