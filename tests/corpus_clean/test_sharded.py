"""The sharded clean stage against the one-process pipeline: the same decisions however the corpus is cut."""

from __future__ import annotations

import random

import pytest

from scalinglaws.corpus.clean import sharded
from scalinglaws.corpus.clean.pipeline import CleanOptions, clean
from scalinglaws.corpus.documents import read_documents, write_documents

from .conftest import english, make_doc

OPTIONS = CleanOptions(boilerplate_min_docs=3, min_chars=200)


def corpus() -> list[dict]:
    """Unique prose, exact and near duplicates (some clusters of three), boilerplate chrome, short, TOC."""
    rng = random.Random(0)
    docs = [make_doc(f"u{i}", english(i)) for i in range(30)]
    for i in range(0, 12, 2):  # near duplicates of u0, u2, ...: a few words changed
        words = docs[i]["text"].split(" ")
        for k in rng.sample(range(len(words)), 3):
            words[k] = "zebra"
        docs.append(make_doc(f"n{i}", " ".join(words)))
        if i % 4 == 0:  # a second, longer member
            docs.append(make_doc(f"m{i}", docs[i]["text"] + " And one more sentence at the end."))
    docs += [make_doc(f"x{i}", "  " + docs[i]["text"].upper()) for i in (1, 3, 5)]  # exact duplicates
    chrome = "Skip to main content\nAll rights reserved by Example Ltd"
    docs += [make_doc(f"b{i}", f"{chrome}\n{english(100 + i)}") for i in range(5)]
    docs += [make_doc("s0", "Too short."), make_doc("t0", "\n".join(f"{i}. Chapter {i}" for i in range(90)))]
    return docs


def run_sharded(shards: list[list[dict]], options: CleanOptions, tmp, parts: int = 1):
    """Every phase in turn, as the workflow's jobs run them; returns (kept docs, report rows, by source)."""
    opts = {k: v for k, v in vars(options).items()}
    opts["languages"] = list(opts["languages"])
    states = []
    for s, docs in enumerate(shards):
        d = tmp / f"s{s}"
        d.mkdir(parents=True)
        write_documents(d / "in.parquet", docs)
        sharded.repair([d / "in.parquet"], None, options, {}, d / "repaired.parquet", d / "keys.parquet",
                       d / "a.json")
    sharded.exact([tmp / f"s{s}" / "keys.parquet" for s in range(len(shards))], tmp / "exact.parquet")
    for s in range(len(shards)):
        d = tmp / f"s{s}"
        sharded.count_lines(d / "repaired.parquet", d / "a.json", tmp / "exact.parquet", d / "lines.parquet",
                            d / "b.json")
    sharded.boilerplate([tmp / f"s{s}" / "lines.parquet" for s in range(len(shards))], tmp / "repeated.parquet")
    for s in range(len(shards)):
        d = tmp / f"s{s}"
        sharded.filter_shard(d / "repaired.parquet", d / "b.json", tmp / "exact.parquet", tmp / "repeated.parquet",
                             d / "filtered.parquet", d / "minhash.parquet", d / "c.json")
    sharded.near([tmp / f"s{s}" / "minhash.parquet" for s in range(len(shards))], options, tmp / "near.parquet")
    kept = []
    for s in range(len(shards)):
        d = tmp / f"s{s}"
        paths = [d / f"part{p}.parquet" for p in range(parts)]
        sharded.apply(d / "filtered.parquet", d / "c.json", tmp / "near.parquet", paths, d / "d.json")
        for p, path in enumerate(paths):
            rows = read_documents(path)
            assert all(sharded.part_of(r["id"], parts) == p for r in rows)
            kept += rows
        states.append(d / "d.json")
    rows, by_source = sharded.report(states)
    return sorted(kept, key=lambda r: r["id"]), rows, by_source


@pytest.mark.parametrize("keep_near", [False, True])
def test_one_shard_and_many_give_the_pipeline_decisions(tmp_path, keep_near):
    options = CleanOptions(**{**vars(OPTIONS), "keep_near_duplicates": keep_near})
    docs = corpus()
    expected, report = clean(docs, options)
    removed = {r["filter"]: r["docs_removed"] for r in report.rows}
    assert removed["exact_dedupe"] == 3 and (removed["near_dedupe"] == 0 if keep_near else removed["near_dedupe"] >= 6)
    assert removed["min_length"] >= 1 and removed["toc"] == 1
    assert any("Skip to main content" in d["text"] for d in docs)
    assert not any("Skip to main content" in d["text"] for d in expected)
    rng = random.Random(1)
    for n, parts in [(1, 1), (3, 2), (5, 3)]:
        shards = [[] for _ in range(n)]
        for d in docs:
            shards[rng.randrange(n)].append(d)
        kept, rows, by_source = run_sharded(shards, options, tmp_path / f"{n}", parts)
        assert kept == expected, f"{n} shards"
        assert rows == report.rows
        assert by_source == report.by_source


def test_a_bad_id_is_an_error_naming_the_file(tmp_path):
    doc = {**make_doc("a", english(1)), "id": "not-a-sha1"}
    write_documents(tmp_path / "in.parquet", [doc])
    with pytest.raises(ValueError, match=r"in.parquet: document id 'not-a-sha1'"):
        sharded.repair([tmp_path / "in.parquet"], None, OPTIONS, {}, tmp_path / "r.parquet", tmp_path / "k.parquet",
                       tmp_path / "a.json")
