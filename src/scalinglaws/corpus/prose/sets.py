"""The prose sets of the training mix: which registry artefacts each reads, and how.

==========  ======================================================================================
set         source
==========  ======================================================================================
kjv         King James Bible (Debian bible-kjv-text, printed by bible-kjv's ``bible``), one
            document per chapter (1,189)
fortunes    Debian ``fortunes`` cookie files (not ascii-art), cookies of at least 100 characters,
            consecutive cookies of a file grouped into documents of at most 4,000 characters
jargon      The Jargon File 4.4.7 (Debian jargon-text), one document per lexicon entry
devil       Ambrose Bierce's The Devil's Dictionary (Debian dict-devil, dictd format), one
            document per entry
==========  ======================================================================================

Why the Bible is printed by its own program: ``bible.data`` is the Bible Retrieval System's own
compressed format ("EC02", Chip Chapin's text storage library), which has no published
description and whose decompressor exists only as C in the program's source. The ``bible`` binary
of the unpacked package is run from the private cache tree (never installed, never on PATH) with
``-p`` pointing at the package's own data, so the text is what that package version holds.
It needs an x86-64 Linux with libreadline 8, and says so when it cannot run.
"""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path
from typing import Callable

from scalinglaws.corpus.ood import fetch
from scalinglaws.corpus.ood.sets import RawDoc
from scalinglaws.corpus.prose import readers

FORTUNE_DIR = "usr/share/games/fortunes"
FORTUNE_SKIP = {"ascii-art"}  # pictures, not prose
FORTUNE_MIN_CHARS = 100
FORTUNE_DOC_CHARS = 4000
JARGON = "usr/share/doc/jargon-text/jargon.txt.gz"
DEVIL = "usr/share/dictd/devil"
BIBLE_SPAN = "Gen1:1-Rev22:21"


def kjv(cache: Path) -> tuple[list[RawDoc], list[dict]]:
    text = fetch.debian_package("bible-kjv-text", cache)
    program = fetch.debian_package("bible-kjv", cache)
    binary = program.path / "usr/bin/bible"
    try:
        proc = subprocess.run([str(binary), "-p", str(text.path / "usr/lib"), "-f", BIBLE_SPAN],
                              capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    except OSError as e:  # wrong architecture, missing loader
        raise fetch.FetchError(f"cannot run {binary} (bible-kjv's reader of bible.data): {e}") from None
    if proc.returncode:
        raise fetch.FetchError(f"{binary} exited {proc.returncode} (needs libreadline 8): "
                               f"{proc.stderr.strip()[-300:]}")
    when = text.provenance["downloaded_at"]
    docs = [RawDoc(f"deb:bible-kjv-text/usr/lib/bible.data#{ref}", chapter, when)
            for ref, chapter in readers.kjv_chapters(proc.stdout, f"{binary} {BIBLE_SPAN}")]
    return docs, [text.provenance, program.provenance]


def fortunes(cache: Path) -> tuple[list[RawDoc], list[dict]]:
    pkg = fetch.debian_package("fortunes", cache)
    files = sorted(p for p in (pkg.path / FORTUNE_DIR).iterdir()
                   if p.is_file() and not p.is_symlink() and not p.suffix and p.name not in FORTUNE_SKIP)
    if not files:
        raise fetch.FetchError(f"no fortune files in {pkg.path / FORTUNE_DIR}")
    docs = []
    for path in files:
        cookies = readers.fortune_cookies(path.read_text(encoding="utf-8", errors="replace"), FORTUNE_MIN_CHARS)
        for k, text in enumerate(readers.group(cookies, FORTUNE_DOC_CHARS)):
            docs.append(RawDoc(f"deb:fortunes/{FORTUNE_DIR}/{path.name}#{k}", text, pkg.provenance["downloaded_at"]))
    return docs, [pkg.provenance]


def jargon(cache: Path) -> tuple[list[RawDoc], list[dict]]:
    pkg = fetch.debian_package("jargon-text", cache)
    text = gzip.decompress((pkg.path / JARGON).read_bytes()).decode("utf-8")
    entries = readers.jargon_entries(text)
    if not entries:
        raise ValueError(f"{pkg.path / JARGON}: no lexicon entries (':headword:' lines) found")
    return ([RawDoc(f"deb:jargon-text/{JARGON}#{k}", e, pkg.provenance["downloaded_at"]) for k, e in enumerate(entries)],
            [pkg.provenance])


def devil(cache: Path) -> tuple[list[RawDoc], list[dict]]:
    pkg = fetch.debian_package("dict-devil", cache)
    index, data = pkg.path / f"{DEVIL}.index", pkg.path / f"{DEVIL}.dict.dz"
    entries = readers.dictd_entries(index.read_text(encoding="utf-8"), data.read_bytes(), str(index))
    return ([RawDoc(f"deb:dict-devil/{DEVIL}.dict.dz#{k}", text, pkg.provenance["downloaded_at"])
             for k, (_, text) in enumerate(entries)], [pkg.provenance])


SETS: dict[str, Callable[[Path], tuple[list[RawDoc], list[dict]]]] = {
    "kjv": kjv,
    "fortunes": fortunes,
    "jargon": jargon,
    "devil": devil,
}
