"""The ``extract`` step: raw HTML shards -> the document table (``scalinglaws.corpus.documents``).

Rerunnable on its own (another extractor, a newer version) without fetching anything. Pages run
through a process pool in the order of the status table and are written sorted by id
(``documents.write_documents``), so the output is the same bytes for the same shards. Pages that
extract to nothing, or whose extractor raises, are counted, not kept.
"""

from __future__ import annotations

import codecs
import collections
import importlib.metadata
import json
import multiprocessing
import os
import re
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from scalinglaws.corpus.acquire.shards import read_bodies, shard_file
from scalinglaws.corpus.documents import text_bytes, write_documents

EXTRACTORS = {"trafilatura": "trafilatura", "newspaper3k": "newspaper3k"}  # name -> distribution
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
                      rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_html(body: bytes, content_type: str = "") -> str:
    """Decode a page whose declared charset may be wrong or missing.

    A BOM wins; then strict UTF-8 (text in a single-byte charset almost never decodes as UTF-8 by
    accident, while servers often mislabel UTF-8 pages); then the header's and the page's declared
    charsets; then cp1252, the web's most common mislabel; finally latin-1, which never fails.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    declared = [m.group(1) for m in re.finditer(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.I)]
    declared += [(m.group(1) or m.group(2)).decode("ascii") for m in _CHARSET.finditer(body[:4096])]
    wide = [c for c in declared if c.lower().startswith(("utf-16", "utf-32"))]
    for codec in [*wide, "utf-8", *declared, "cp1252"]:
        try:
            return body.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("latin-1")


def make_extractor(extractor: str, fast: bool = False) -> Callable[[str, str], str | None]:
    """A function (html, url) -> main text or None, for ``trafilatura`` or ``newspaper3k``."""
    if extractor == "trafilatura":
        import trafilatura

        def run(html: str, url: str) -> str | None:
            return trafilatura.extract(html, url=url, include_comments=False, include_tables=True,
                                       deduplicate=False, fast=fast)
    elif extractor == "newspaper3k":
        from newspaper import Article, Config, settings
        # newspaper checks for, then makes, this shared directory as each article parses (racy across processes)
        os.makedirs(os.path.join(settings.TOP_DIRECTORY, "article_resources"), exist_ok=True)
        config = Config()
        config.fetch_images, config.memoize_articles = False, False

        def run(html: str, url: str) -> str | None:
            article = Article(url, language="en", config=config)
            article.download(input_html=html)
            article.parse()
            return article.text
    else:
        raise ValueError(f"--extractor: {extractor!r} is not one of {sorted(EXTRACTORS)}")
    return run


_extract_one: Callable[[str, str], str | None] | None = None  # set in each worker by _init_worker


def _init_worker(extractor: str, fast: bool) -> None:
    global _extract_one
    _extract_one = make_extractor(extractor, fast)


def _work(item: tuple[str, str, bytes, str]) -> tuple[str, str | None, str]:
    doc_id, url, body, content_type = item
    try:
        text = _extract_one(decode_html(body, content_type), url)
        return doc_id, (text or "").strip() or None, ""
    except Exception as exc:  # an extractor bug on one page must not end the run
        return doc_id, None, f"{type(exc).__name__}: {exc}"[:300]


def _shards(status: pa.Table, status_path: Path) -> Iterator[list[tuple[str, str, bytes, str]]]:
    """Per shard, (id, url, body, content type) of its ok pages, in status order."""
    by_shard: dict[str, list[dict]] = collections.defaultdict(list)
    for row in status.select(["id", "url", "content_type", "shard"]).to_pylist():
        by_shard[row["shard"]].append(row)
    for shard, rows in by_shard.items():
        path = shard_file(status_path, shard)
        if not path.is_file():
            raise FileNotFoundError(f"{status_path}: shard {shard} is missing: no {path} (rerun acquire)")
        bodies = read_bodies(path, {r["id"] for r in rows})
        for r in rows:
            if bodies.get(r["id"]) is None:
                raise ValueError(f"{path}: no body for {r['url']} although its status is ok")
        yield [(r["id"], r["url"], bodies[r["id"]], r["content_type"] or "") for r in rows]


def _results(pool, status: pa.Table, status_path: Path) -> Iterator[tuple[str, str | None, str]]:
    """Results in status order, with at most two shards of HTML in memory (one queued ahead)."""
    queued: collections.deque = collections.deque()
    for pages in _shards(status, status_path):
        queued.append(pool.imap(_work, pages, chunksize=2))
        if len(queued) > 1:
            yield from queued.popleft()
    while queued:
        yield from queued.popleft()


def extract(status_path: str | Path, extractor: str, out: str | Path, processes: int = 2,
            fast: bool = False) -> dict:
    """Extract every ok page listed in the status table; write the non-empty ones to ``out``.

    ``fast`` skips trafilatura's fallback extractors: 1.1-1.6x faster on Debian documentation pages,
    bag-of-words F1 0.904 instead of 0.912 (``benchmarks/scrape_bench.py``).
    """
    if extractor not in EXTRACTORS:
        raise ValueError(f"--extractor: {extractor!r} is not one of {sorted(EXTRACTORS)}")
    version = importlib.metadata.version(EXTRACTORS[extractor])
    status_path = Path(status_path)
    status = pq.read_table(status_path)
    missing = {"id", "url", "source", "status", "content_type", "fetched_at", "shard"} - set(status.column_names)
    if missing:
        raise ValueError(f"{status_path}: not a fetch status table (missing columns {sorted(missing)})")
    ok = status.filter(pc.equal(status.column("status"), "ok"))
    meta = {r["id"]: r for r in ok.select(["id", "url", "source", "fetched_at"]).to_pylist()}
    t0 = time.time()
    rows, empty, errors = [], 0, collections.Counter()
    # import the extractor here, once, before the workers fork from this process: newspaper3k makes its
    # directories at import and at the first parse, each a check-then-mkdir that two fresh workers race on
    make_extractor(extractor, fast)
    with multiprocessing.get_context("fork").Pool(processes, _init_worker, (extractor, fast)) as pool, \
            tqdm(total=ok.num_rows, desc=f"extract ({extractor})", unit="page", file=sys.stderr,
                 mininterval=1.0) as bar:
        for doc_id, text, error in _results(pool, ok, status_path):
            bar.update(1)
            if error:
                errors[error.split(":")[0]] += 1
                if sum(errors.values()) <= 3:
                    print(f"extract: {meta[doc_id]['url']}: {error}", file=sys.stderr)
            elif text is None:
                empty += 1
            else:
                m = meta[doc_id]
                rows.append({"id": doc_id, "text": text, "url": m["url"], "source": m["source"],
                             "fetched_at": m["fetched_at"], "status": "ok", "extractor": extractor,
                             "extractor_version": version, "lang": "", "cluster_id": doc_id})
    write_documents(out, rows)
    seconds = time.time() - t0
    name = f"{extractor} {version}" + (" (fast)" if fast and extractor == "trafilatura" else "")
    summary = {"extractor": name, "urls": status.num_rows, "pages_ok": ok.num_rows,
               "documents": len(rows), "empty": empty, "errors": dict(errors),
               "text_MB": round(sum(text_bytes(r["text"]) for r in rows) / 1e6, 2),
               "seconds": round(seconds, 1), "pages_per_s": round(ok.num_rows / max(seconds, 1e-9), 1),
               "out": str(out)}
    print(json.dumps(summary))
    return summary
