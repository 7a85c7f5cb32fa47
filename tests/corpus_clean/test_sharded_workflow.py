"""The real Snakefile on a micro `files` corpus in 2 shards: a job per shard and stage (a dry run), and, run
(slow: about 20 jobs, about a minute on 2 cores), the one-process clean's decisions and a train stream read
through its manifest."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from scalinglaws.corpus.clean.pipeline import CleanOptions, clean
from scalinglaws.corpus.documents import read_documents
from scalinglaws.corpus.sources import files
from scalinglaws.tokenize.shards import open_shard

from .conftest import english

REPO = Path(__file__).resolve().parents[2]
MICRO = yaml.safe_load((REPO / "tests/e2e/micro.yaml").read_text())
SHARDS = 2


TARGETS = ["results/data/tokens/train.manifest.json", "results/corpus/clean/main.filters.csv"]


def micro_corpus(tmp_path: Path, clean_options: dict) -> None:
    """A config.yaml reading 5 jsonl files in SHARDS shards; near and exact duplicates across files, chrome lines."""
    texts = [english(i, 150) for i in range(24)]
    texts += [t.replace(" the ", " a ", 2) for t in texts[:6]]  # near duplicates, in other files
    texts += [texts[7].upper(), texts[8]]  # exact duplicates
    chrome = "Skip to main content\nAll rights reserved by Example Ltd\n"
    for i, text in enumerate(texts):
        (tmp_path / "corpus").mkdir(exist_ok=True)
        with open(tmp_path / "corpus" / f"{i % 5}.jsonl", "a") as fh:
            fh.write(json.dumps({"text": chrome + text if i % 2 else text}) + "\n")
    config = {**MICRO, "corpus": {"source": "files", "extractor": "trafilatura", "shards": SHARDS, "prose": [],
                                  "files": {"paths": ["corpus/*.jsonl"]}, "clean": clean_options}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))


def snakemake(tmp_path: Path, *args: str) -> dict[str, int]:
    """Run Snakemake on TARGETS; return its plan (rule -> jobs)."""
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--configfile",
                           "config.yaml", "--cores", "2", *args, *TARGETS],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    stats = (proc.stdout + proc.stderr).split("Job stats:")[1].split("\n\n")[0]  # the plan, printed first
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M)}


def test_a_job_per_shard_and_stage(tmp_path):
    micro_corpus(tmp_path, {})
    jobs = snakemake(tmp_path, "-n")
    for rule in ("corpus_load", "clean_repair", "clean_lines", "clean_filter", "clean_apply", "split", "encode_split"):
        assert jobs[rule] == SHARDS, rule
    assert jobs["clean_exact"] == jobs["clean_boilerplate"] == jobs["clean_near"] == jobs["train_bpe"] == 1


@pytest.mark.slow
def test_two_shards_through_the_real_dag(tmp_path):
    clean_options = {"boilerplate_min_docs": 3, "min_chars": 200}
    micro_corpus(tmp_path, clean_options)
    snakemake(tmp_path)
    assert not (tmp_path / "results/corpus/clean/shards/0000/repaired.parquet").exists()  # intermediates go

    # the kept documents are those of the one-process clean of the whole corpus
    docs = list(files.read([str(tmp_path / "corpus/*.jsonl")]))
    expected, report = clean(docs, CleanOptions.from_dict(clean_options))
    parts = sorted((tmp_path / "results/corpus/clean/shards").glob("*/part.*.parquet"))
    assert len(parts) == SHARDS * SHARDS
    kept = sorted((d for p in parts for d in read_documents(p)), key=lambda d: d["id"])
    assert [(d["id"], d["text"], d["cluster_id"]) for d in kept] == [(d["id"], d["text"], d["cluster_id"])
                                                                     for d in expected]
    assert {r["filter"]: r["docs_removed"] for r in report.rows}["near_dedupe"] >= 5
    csv = (tmp_path / "results/corpus/clean/main.filters.csv").read_text().splitlines()
    assert len(csv) == 1 + len(report.rows)

    stream = open_shard(tmp_path / "results/data/tokens/train.manifest.json")
    train = sum(pq.read_metadata(p).num_rows for p in (tmp_path / "results/data/split").glob("train.*.parquet"))
    assert stream.meta["documents"] == train and len(stream.meta["shards"]) == SHARDS
