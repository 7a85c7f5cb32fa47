"""The cleaning pipeline: filters in a fixed order, each reporting the documents and bytes it removed.

Order (cheap and exact first, so later filters see less):

1. ``unicode``         repair mojibake (ftfy) and drop control characters; empty results removed
2. ``exact_dedupe``    one document per normalised-text hash (the smallest id is kept)
3. ``boilerplate``     prose lines (not code, output or sentence tails: ``lines.repeated_lines``)
                       found in >= ``boilerplate_min_docs`` documents are cut from every document
4. ``min_length``      documents shorter than ``min_chars`` characters removed
5. ``toc``             documents whose share of short lines exceeds ``toc_max_short_share`` removed
6. ``language``        ``lang`` filled by langid; documents not in ``languages`` removed
7. ``near_dedupe``     MinHash-LSH clusters; ``cluster_id`` is the kept representative's id (the
                       longest member, ties to the smaller id); other members removed unless
                       ``keep_near_duplicates``

Documents of one corpus may come from sources that need other settings (verse and dictionary
entries are short lines, not a table of contents): ``overrides`` maps a ``source`` to the options
its documents are filtered with. The per-document filters (unicode, boilerplate, min_length, toc,
language) follow each document's options, boilerplate lines being counted among the documents that
share a threshold; the dedupe steps use the base options across every source, so one corpus is
deduplicated as a whole. The report has a row per filter and, in ``by_source``, a row per filter
and source.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from tqdm import tqdm

from scalinglaws.corpus.clean import dedupe, language, lines, unicode
from scalinglaws.corpus.documents import text_bytes

REPORT_COLUMNS = ("filter", "docs_in", "docs_removed", "bytes_removed", "docs_out", "bytes_out")
SOURCE_REPORT_COLUMNS = ("source", *REPORT_COLUMNS)


@dataclass(frozen=True)
class CleanOptions:
    """Every option of ``clean`` (the ``corpus.clean`` config section), with its default."""

    unicode: str = "ftfy"  # ftfy | nfc | none
    exact_dedupe: bool = True
    boilerplate_min_docs: int = 20  # 0 turns the boilerplate filter off
    min_chars: int = 500
    toc_short_words: int = 4  # a line with fewer words is "short"
    toc_max_short_share: float = 0.6  # 1.0 turns the TOC filter off
    languages: tuple[str, ...] = ("en",)  # empty keeps every language (lang is still filled)
    lang_sample_chars: int = 5000
    near_dedupe: bool = True
    keep_near_duplicates: bool = False  # keep every cluster member, labelled by cluster_id
    near_threshold: float = 0.8  # estimated Jaccard similarity of word shingles
    minhash_ngram: int = 5
    minhash_perms: int = 128
    minhash_bands: int = 16
    seed: int = 0

    @classmethod
    def from_dict(cls, options: dict | None) -> "CleanOptions":
        """Options from a config dict; an unknown key or a wrong type is an error naming it."""
        options = dict(options or {})
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - set(fields))
        if unknown:
            raise ValueError(f"unknown clean option(s) {unknown}; valid: {sorted(fields)}")
        for key, value in options.items():
            default = fields[key].default
            if key == "languages":
                if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                    raise ValueError(f"clean option 'languages' must be a list of codes, got {value!r}")
                options[key] = tuple(value)
            elif isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"clean option {key!r} must be true or false, got {value!r}")
            elif isinstance(default, (int, float)) and not isinstance(default, bool):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"clean option {key!r} must be a number, got {value!r}")
                if isinstance(default, int) and value != int(value):
                    raise ValueError(f"clean option {key!r} must be an integer, got {value!r}")
                options[key] = type(default)(value)
            elif not isinstance(value, type(default)):
                raise ValueError(f"clean option {key!r} must be a {type(default).__name__}, got {value!r}")
        if options.get("unicode", cls.unicode) not in unicode.METHODS:
            raise ValueError(f"clean option 'unicode' must be one of {unicode.METHODS}")
        return cls(**options)


@dataclass
class Report:
    """One row per filter, in the order they ran; ``by_source`` splits each row by source."""

    rows: list[dict] = field(default_factory=list)
    by_source: list[dict] = field(default_factory=list)

    def add(self, name: str, before: list[dict], after: list[dict], bytes_before: int) -> None:
        bytes_after = sum(text_bytes(d["text"]) for d in after)
        self.rows.append(
            dict(filter=name, docs_in=len(before), docs_removed=len(before) - len(after),
                 bytes_removed=bytes_before - bytes_after, docs_out=len(after), bytes_out=bytes_after)
        )
        for source in sorted({d["source"] for d in before}):
            docs_in = [d for d in before if d["source"] == source]
            docs_out = [d for d in after if d["source"] == source]
            b_in, b_out = (sum(text_bytes(d["text"]) for d in part) for part in (docs_in, docs_out))
            self.by_source.append(
                dict(source=source, filter=name, docs_in=len(docs_in), docs_removed=len(docs_in) - len(docs_out),
                     bytes_removed=b_in - b_out, docs_out=len(docs_out), bytes_out=b_out)
            )


def progress(docs: list[dict], desc: str):
    return tqdm(docs, desc=f"clean: {desc}", unit="doc", leave=False, mininterval=2.0)


def _unicode(docs, o, of):
    out = [{**d, "text": unicode.repair(d["text"], of(d).unicode).strip()} for d in progress(docs, "unicode")]
    return [d for d in out if d["text"]]


def _exact(docs, o, of):
    if not o.exact_dedupe:
        return docs
    seen: set[str] = set()
    kept = []
    for d in sorted(docs, key=lambda d: d["id"]):
        key = dedupe.exact_key(d["text"])
        if key not in seen:
            seen.add(key)
            kept.append(d)
    return kept


def _boilerplate(docs, o, of):
    by_threshold: dict[int, list[int]] = {}  # documents that share a threshold share their counts
    for i, d in enumerate(docs):
        if of(d).boilerplate_min_docs > 0:
            by_threshold.setdefault(of(d).boilerplate_min_docs, []).append(i)
    out = list(docs)
    for threshold, members in by_threshold.items():
        repeated = lines.repeated_lines([docs[i]["text"] for i in members], threshold)
        if repeated:
            for i in members:
                out[i] = {**docs[i], "text": lines.remove_lines(docs[i]["text"], repeated)}
    return [d for d in out if d["text"]]


def _min_length(docs, o, of):
    return [d for d in docs if len(d["text"]) >= of(d).min_chars]


def _toc(docs, o, of):
    return [d for d in docs
            if lines.short_line_share(d["text"], of(d).toc_short_words) <= of(d).toc_max_short_share]


def _language(docs, o, of):
    out = []
    for d in progress(docs, "language"):
        lang, _ = language.identify(d["text"], of(d).lang_sample_chars)
        if not of(d).languages or lang in of(d).languages:
            out.append({**d, "lang": lang})
    return out


def _near(docs, o, of):
    docs = sorted(docs, key=lambda d: d["id"])
    if not o.near_dedupe or not docs:
        return [{**d, "cluster_id": d["id"]} for d in docs]
    hasher = dedupe.MinHasher(o.minhash_perms, o.minhash_ngram, o.seed)
    sigs = np.stack([hasher.signature(d["text"]) for d in progress(docs, "minhash")])
    roots = dedupe.near_duplicate_groups(sigs, o.minhash_bands, o.near_threshold)
    rep: dict[int, int] = {}  # root -> index of the representative
    for i, root in enumerate(roots):
        j = rep.setdefault(root, i)
        if len(docs[i]["text"]) > len(docs[j]["text"]):  # ties keep the smaller id (seen first)
            rep[root] = i
    out = []
    for i, d in enumerate(docs):
        r = rep[roots[i]]
        if r == i or o.keep_near_duplicates:
            out.append({**d, "cluster_id": docs[r]["id"]})
    return out


FILTERS: list[tuple[str, Callable]] = [
    ("unicode", _unicode),
    ("exact_dedupe", _exact),
    ("boilerplate", _boilerplate),
    ("min_length", _min_length),
    ("toc", _toc),
    ("language", _language),
    ("near_dedupe", _near),
]


def clean(docs: list[dict], options: CleanOptions,
          overrides: dict[str, CleanOptions] | None = None) -> tuple[list[dict], Report]:
    """Run every filter over ``docs``; return the kept documents (sorted by id) and the report.

    A document whose ``source`` is a key of ``overrides`` is filtered with those options.
    """
    overrides = overrides or {}

    def of(doc: dict) -> CleanOptions:
        return overrides.get(doc["source"], options)

    report = Report()
    nbytes = sum(text_bytes(d["text"]) for d in docs)
    for name, step in FILTERS:
        kept = step(docs, options, of)
        report.add(name, docs, kept, nbytes)
        docs, nbytes = kept, report.rows[-1]["bytes_out"]
    return sorted(docs, key=lambda d: d["id"]), report
