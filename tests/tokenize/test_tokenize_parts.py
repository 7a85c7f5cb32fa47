"""A corpus in parts: split per part, BPE on a bounded sample, encode per part, one stream through a manifest."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from scalinglaws.corpus.clean.sharded import part_of
from scalinglaws.tokenize.__main__ import main
from scalinglaws.tokenize.sample import sample_texts
from scalinglaws.tokenize.shards import ShardError, open_shard
from scalinglaws.train.data import EpochBatches
from tokenize_helpers import make_documents, write_documents


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """The fixture corpus cut into 3 parts by ``part_of``, each in two tables (two clean shards)."""
    d = tmp_path_factory.mktemp("parts")
    docs = make_documents(n_clusters=60)
    paths = []
    for p in range(3):
        mine = [r for r in docs if part_of(r["id"], 3) == p]
        paths.append([write_documents(mine[0::2], d / f"a{p}.parquet"), write_documents(mine[1::2], d / f"b{p}.parquet")])
    return d, docs, paths


def test_parts_split_encode_and_read_as_one_stream(parts):
    d, docs, paths = parts
    for p, tables in enumerate(paths):
        main(["split", *[f"--in={t}" for t in tables], "--test-fraction", "0.2", "--seed", "0",
              "--train-out", f"{d}/train.{p}.parquet", "--test-out", f"{d}/test.{p}.parquet"])
    trains = [f"{d}/train.{p}.parquet" for p in range(3)]
    got = sum(pq.read_metadata(t).num_rows + pq.read_metadata(f"{d}/test.{p}.parquet").num_rows
              for p, t in enumerate(trains))
    assert got == len(docs)
    for t in trains:
        ids = pq.read_table(t, columns=["id"])["id"].to_pylist()
        assert ids == sorted(ids)
    main(["train-bpe", *[f"--in={t}" for t in trains], "--vocab-size", "300", "--sample-bytes", "20000",
          "--out", f"{d}/tokenizer.json"])
    for p, t in enumerate(trains):
        main(["encode", "--in", t, "--tokenizer", f"{d}/tokenizer.json", "--shuffle-seed", "0",
              "--out", f"{d}/tokens/train.{p}.bin"])
    main(["manifest", *[f"--shard={d}/tokens/train.{p}.bin" for p in range(3)], "--out", f"{d}/tokens/train.manifest.json"])
    stream = open_shard(f"{d}/tokens/train.manifest.json")
    shards = [open_shard(f"{d}/tokens/train.{p}.bin") for p in range(3)]
    whole = np.concatenate([np.asarray(s.tokens) for s in shards])
    assert len(stream.tokens) == len(whole) == stream.meta["tokens"]
    assert stream.meta["documents"] == sum(s.meta["documents"] for s in shards)
    cut = len(shards[0].tokens)
    for a, b in [(0, 10), (cut - 5, cut + 7), (0, len(whole)), (len(whole) - 3, len(whole))]:
        assert np.array_equal(stream.tokens[a:b], whole[a:b])
    assert stream.tokens[cut] == whole[cut]
    # D/2 is a prefix of D: the windows a dataset-size cell reads lie inside the larger cell's
    small, big = (EpochBatches(stream.tokens, 16, 4, 0, dataset_tokens=n) for n in (len(whole) // 2, len(whole)))
    assert small.windows * 16 <= len(whole) // 2 < big.windows * 16
    x, _ = small.batch(0)
    assert all(np.array_equal(row.numpy(), whole[i * 16:i * 16 + 16]) for row, i in zip(x, small.window_ids(0)))


def test_bpe_sample_is_bounded_seeded_and_whole_when_small(parts):
    _, docs, paths = parts
    tables = [t for pair in paths for t in pair]
    texts, length = sample_texts(tables, 10**9, 0)
    everything = list(texts)
    assert length == len(everything) == len(docs)
    texts, length = sample_texts(tables, 30000, 0)
    sample = list(texts)
    assert length is None and 0 < len(sample) < len(docs)
    assert sample == list(sample_texts(tables, 30000, 0)[0])
    assert sample != list(sample_texts(tables, 30000, 1)[0])
    assert sum(len(t.encode()) for t in sample) < 3 * 30000


def test_a_changed_shard_is_refused_by_its_manifest(parts, tmp_path):
    d, _, _ = parts
    manifest = json.loads((d / "tokens/train.manifest.json").read_text())
    manifest["shard_sha256"][1] = "0" * 64
    bad = d / "tokens/bad.manifest.json"
    bad.write_text(json.dumps(manifest))
    with pytest.raises(ShardError, match=r"bad.manifest.json: shard .*train.1.bin changed"):
        open_shard(bad, verify=False)
    (tmp_path / "x.manifest.json").write_text("{}")
    with pytest.raises(ShardError, match="not a token manifest"):
        open_shard(tmp_path / "x.manifest.json")
