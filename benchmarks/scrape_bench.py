"""Benchmark the corpus acquisition on the default debian-docs packages, over loopback.

Reports (JSON on stdout, and in --out):
* speed: ``acquire`` into a fresh workdir (fetch pages/s), ``extract`` with trafilatura in 2 processes
  (pages/s), and both together (end-to-end pages/s, target >= 40 on 2 cores);
* quality: bag-of-words precision/recall/F1 of each extractor against a reference main text, on a
  seeded sample of the fetched pages (target F1 >= 0.9). The reference is the page's main region
  (``[role=main]``, ``#docContent`` or ``<body>``) without navigation, header, footer, scripts and
  Sphinx header links: what a person would call the page's text.

usage: python benchmarks/scrape_bench.py [--cache results/cache] [--sample 200] [--out FILE]
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import lxml.html
import pyarrow.parquet as pq

from scalinglaws.corpus.acquire import debian_docs
from scalinglaws.corpus.acquire.extract import decode_html, extract, make_extractor
from scalinglaws.corpus.acquire.options import AcquireOptions
from scalinglaws.corpus.acquire.scrape import acquire
from scalinglaws.corpus.acquire.shards import read_bodies, shard_file
from scalinglaws.io import write_json

WORD = re.compile(r"[a-z0-9]+")
DROP = (".//script|.//style|.//nav|.//header|.//footer|.//*[contains(@class,'navheader')]"
        "|.//*[contains(@class,'navfooter')]|.//a[@class='headerlink']")


def reference(body: bytes) -> str:
    doc = lxml.html.fromstring(body)  # bytes: lxml refuses str with an XML encoding declaration
    main = (doc.xpath("//*[@role='main']") or doc.xpath("//div[@id='docContent']") or doc.xpath("//body") or [doc])[0]
    for node in main.xpath(DROP):
        node.drop_tree()
    return main.text_content()


def prf(text: str, ref: str) -> tuple[float, float, float]:
    got, want = collections.Counter(WORD.findall(text.lower())), collections.Counter(WORD.findall(ref.lower()))
    both = sum((got & want).values())
    p = both / max(sum(got.values()), 1)
    r = both / max(sum(want.values()), 1)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def quality(status_path: Path, sample: int, seed: int) -> dict:
    """Mean P/R/F1 of each extractor on ``sample`` pages, one process each (pages/s is per core)."""
    ok = [r for r in pq.read_table(status_path).to_pylist() if r["status"] == "ok"]
    rows = sorted(random.Random(seed).sample(ok, min(sample, len(ok))), key=lambda r: r["url"])
    pages = []
    for r in rows:
        body = read_bodies(shard_file(status_path, r["shard"]), {r["id"]})[r["id"]]
        pages.append((r["url"], decode_html(body, r["content_type"]), reference(body)))
    results = {}
    for name, extractor, fast in [("trafilatura", "trafilatura", False), ("trafilatura --fast", "trafilatura", True),
                                  ("newspaper3k", "newspaper3k", False)]:
        run = make_extractor(extractor, fast)
        scores, empty, t0 = [], 0, time.time()
        for url, html, ref in pages:
            text = run(html, url) or ""
            empty += not text.strip()
            scores.append(prf(text, ref))
        seconds = time.time() - t0
        n = len(scores)
        results[name] = {"pages": n, "pages_per_s_1_process": round(n / seconds, 1), "empty": empty,
                         "precision": round(sum(s[0] for s in scores) / n, 3),
                         "recall": round(sum(s[1] for s in scores) / n, 3),
                         "f1": round(sum(s[2] for s in scores) / n, 3),
                         "pages_recall_below_0.5": sum(s[1] < 0.5 for s in scores)}
        print(f"quality: {name}: {json.dumps(results[name])}", file=sys.stderr)
    return results


def _cpu_seconds() -> float:
    """CPU time of this process and its reaped children (the extraction pool's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", default="results/cache", help="where the debs are (downloaded if absent)")
    parser.add_argument("--options-json", default="{}", help="corpus options (default: the default packages)")
    parser.add_argument("--sample", type=int, default=200, help="pages scored for quality")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="also write the JSON report here")
    args = parser.parse_args()
    opts = AcquireOptions.from_dict(json.loads(args.options_json))
    with tempfile.TemporaryDirectory(prefix="scrape_bench.") as tmp:
        tmp = Path(tmp)
        if opts.source == "debian-docs":  # download and unpack outside the timing
            debian_docs.prepare(opts.debian_docs, Path(args.cache))
        t0 = time.time()
        fetched = acquire(opts, args.cache, tmp / "raw", tmp / "status_timed.parquet")
        t1, cpu1 = time.time(), _cpu_seconds()
        extracted = extract(tmp / "status_timed.parquet", opts.extractor, tmp / "docs.parquet")
        t2, cpu2 = time.time(), _cpu_seconds()
        pages = fetched["urls"]
        report = {
            "packages": list(opts.debian_docs.packages), "pages": pages, "html_MB": fetched["html_MB"],
            "documents": extracted["documents"], "text_MB": extracted["text_MB"],
            "acquire_s": round(t1 - t0, 1), "fetch_pages_per_s": round(pages / max(fetched["fetch_s"], 1e-9), 1),
            "extract_s": round(t2 - t1, 1), "extract_pages_per_s": round(pages / (t2 - t1), 1),
            # on a shared machine wall time depends on the neighbours; CPU time does much less
            "extract_cpu_s": round(cpu2 - cpu1, 1), "extract_pages_per_cpu_s": round(pages / (cpu2 - cpu1), 1),
            "end_to_end_pages_per_s": round(pages / (t2 - t0), 1),
            "quality": quality(tmp / "status_timed.parquet", args.sample, args.seed),
        }
    print(json.dumps(report, indent=2))
    if args.out:
        write_json(args.out, report)


if __name__ == "__main__":
    main()
