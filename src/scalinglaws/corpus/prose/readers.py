"""Readers for the prose sets' formats. Each takes text (or bytes) and names its input in errors."""

from __future__ import annotations

import gzip
import re
import textwrap

from scalinglaws.corpus.ood.sets import unwrap

# "Ge1:1 In the beginning ...", "1Sm3:4 ...": one verse a line, as `bible -f` prints them
_VERSE = re.compile(r"^(?P<book>[1-3]?[A-Za-z]+)(?P<chapter>[0-9]+):(?P<verse>[0-9]+) (?P<text>.*)$")
_JARGON_ENTRY = re.compile(r"^   :(?P<head>.+?):(?:\s+(?P<rest>.*?))?\s*$")
_JARGON_END = re.compile(r"^ {0,2}\S")  # a letter heading ("  C") or an appendix title ends an entry
_XREF = re.compile(r"\{([^{}\n]+)\}")  # {bit bucket}: a cross-reference
_DICTD_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def kjv_chapters(text: str, where: str) -> list[tuple[str, str]]:
    """(reference, text) of each chapter, e.g. ("Ge1", "Ge 1\\n\\n1 In the beginning ..."), in order.

    ``text`` is the output of ``bible -f "Gen1:1-Rev22:21"``: every line starts with its reference.
    """
    chapters: dict[str, list[str]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _VERSE.match(line)
        if not m:
            raise ValueError(f"{where}: line {n} is not a verse ('Book1:1 text'): {line[:60]!r}")
        ref = f"{m['book']} {m['chapter']}"
        chapters.setdefault(ref, []).append(f"{m['verse']} {m['text'].strip()}")
    return [(ref.replace(" ", ""), f"{ref}\n\n" + "\n".join(verses)) for ref, verses in chapters.items()]


def fortune_cookies(text: str, min_chars: int) -> list[str]:
    """Cookies of a fortune file (separated by lines of ``%``) with at least ``min_chars`` characters."""
    cookies = (c.strip("\n").rstrip() for c in re.split(r"^%[ \t]*$", text.replace("\r\n", "\n"), flags=re.M))
    return [c for c in cookies if len(c.strip()) >= min_chars]


def group(texts: list[str], max_chars: int) -> list[str]:
    """Consecutive texts joined by blank lines into documents of at most ``max_chars`` characters
    (a longer text stays a document of its own)."""
    docs, current = [], ""
    for t in texts:
        if current and len(current) + 2 + len(t) > max_chars:
            docs.append(current)
            current = ""
        current = f"{current}\n\n{t}" if current else t
    if current:
        docs.append(current)
    return docs


def jargon_entries(text: str) -> list[str]:
    """Lexicon entries of the Jargon File's text edition (``jargon.txt``): "head: pos" then the body,
    hard wraps joined and ``{cross-references}`` unbraced. Front matter and appendices are skipped."""
    entries, head, body = [], None, []

    def flush():
        if head is not None:
            paragraphs = unwrap(textwrap.dedent("\n".join(body)))
            entries.append(_XREF.sub(r"\1", f"{head}\n\n{paragraphs}".strip()))

    for line in text.replace("\r\n", "\n").split("\n"):
        m = _JARGON_ENTRY.match(line)
        if m:
            flush()
            head = f"{m['head']}: {m['rest']}" if m["rest"] else m["head"]
            body = []
        elif head is not None and _JARGON_END.match(line):
            flush()
            head, body = None, []
        elif head is not None:
            body.append(line)
    flush()
    return entries


def dictd_number(digits: str, where: str) -> int:
    """A dictd index number (base 64, most significant digit first)."""
    value = 0
    for c in digits:
        k = _DICTD_DIGITS.find(c)
        if k < 0:
            raise ValueError(f"{where}: {digits!r} is not a dictd base-64 number")
        value = value * 64 + k
    return value


def dictd_entries(index: str, data: bytes, where: str) -> list[tuple[str, str]]:
    """(headword, definition) of every entry of a dictd dictionary, in index order, without the
    ``00database*`` metadata entries. ``data`` is the ``.dict`` file (``.dict.dz`` is gzip; pass it
    decompressed or compressed)."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    entries = []
    for n, line in enumerate(index.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 3:
            raise ValueError(f"{where}: index line {n} has {len(fields)} tab-separated fields, expected 3")
        head, offset, length = fields[0], dictd_number(fields[1], where), dictd_number(fields[2], where)
        if head.startswith("00database") or head.startswith("00-database"):
            continue
        if offset + length > len(data):
            raise ValueError(f"{where}: entry {head!r} ends at byte {offset + length}, past the data "
                             f"({len(data)} bytes)")
        body = data[offset:offset + length].decode("utf-8", errors="replace")
        entries.append((head, "\n".join(ln.rstrip() for ln in body.strip("\n").split("\n"))))
    return entries
