"""Helpers of the tokenize tests: a small real-text document table, written as parquet."""

from __future__ import annotations

import hashlib
import importlib
import random

import pyarrow as pa
import pyarrow.parquet as pq

from scalinglaws.corpus.documents import DOCUMENT_SCHEMA, document_id

MODULES = ["argparse", "collections", "csv", "email", "json", "logging", "os", "pathlib", "re", "shutil",
           "subprocess", "tarfile", "textwrap", "threading", "unittest", "urllib.request", "zipfile"]
EXTRA = ["Ünïcödé façade — naïve café ☕, 東京 and emoji 🎉🚀 in one line.", "tabs\tand\r\nwindows lines ",
         "a literal <|endoftext|> inside a document", "x" * 3000, "   leading and trailing spaces   "]


def make_documents(n_clusters: int = 0, seed: int = 0) -> list[dict]:
    """Documents made of stdlib docstrings (real English prose), plus odd text; clusters of 1-3 near copies."""
    texts = []
    for name in MODULES:
        mod = importlib.import_module(name)
        texts += [obj.__doc__ for obj in vars(mod).values() if isinstance(getattr(obj, "__doc__", None), str)]
    texts = sorted({t for t in texts if len(t) > 200}) + EXTRA
    rng = random.Random(seed)
    rows = []
    for i in range(max(n_clusters, len(texts))):
        text = texts[i % len(texts)]
        cluster = document_id("fixture", f"cluster/{i}")
        for copy in range(rng.choice([1, 1, 2, 3])):  # near duplicates share a cluster id
            rows.append({"id": document_id("fixture", f"doc/{i}/{copy}"), "text": text + " " * copy,
                         "url": f"file:///fixture/{i}/{copy}", "source": "fixture", "fetched_at": "2026-01-01",
                         "status": "ok", "extractor": "none", "extractor_version": "", "lang": "en",
                         "cluster_id": cluster})
    return rows


def write_documents(rows: list[dict], path) -> str:
    pq.write_table(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA), path)
    return str(path)


def sha256(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()
