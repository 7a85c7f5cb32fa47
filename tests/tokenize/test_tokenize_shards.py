"""Encoding into shards: deterministic, ordered as promised, and checked when opened."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings, strategies as st

from scalinglaws.io import file_sha256, write_json
from scalinglaws.tokenize import encode
from scalinglaws.tokenize.__main__ import main
from scalinglaws.tokenize.bpe import load_tokenizer
from scalinglaws.tokenize.encode import document_order, encode_documents
from scalinglaws.tokenize.shards import ShardError, open_shard, shard_dtype
from scalinglaws.tokenize.table import corpus_table
from tokenize_helpers import make_documents, sha256, write_documents


@pytest.fixture(scope="module")
def shard(tmp_path_factory, corpus, tokenizer):
    out = tmp_path_factory.mktemp("shard") / "train.bin"
    encode_documents(corpus, tokenizer, out, shuffle_seed=0)
    return out


def documents_of(tokens, eot_id):
    ends = np.flatnonzero(np.asarray(tokens) == eot_id)
    return [tokens[a:b].tolist() for a, b in zip(np.r_[0, ends[:-1] + 1], ends)]


def test_shard_holds_every_document_in_stream_order(shard, corpus, tokenizer):
    s = open_shard(shard)
    bpe = load_tokenizer(tokenizer)
    table = pq.read_table(corpus)
    texts = table["text"].to_pylist()
    order = document_order(corpus, shuffle_seed=0)
    assert s.meta["documents"] == len(texts) and s.tokens[-1] == bpe.eot_id
    assert [bpe.decode(d) for d in documents_of(s.tokens, bpe.eot_id)] == [texts[i] for i in order]
    assert s.meta["bytes"] == sum(len(t.encode()) for t in texts)
    assert s.meta["bytes_per_token"] == pytest.approx(s.meta["bytes"] / s.meta["tokens"])
    assert s.tokens.dtype == np.uint16 and not s.tokens.flags.writeable
    assert s.meta["tokenizer_sha256"] == file_sha256(tokenizer) and s.meta["input_sha256"] == file_sha256(corpus)


def test_encode_is_deterministic_and_order_is_by_id_without_seed(tmp_path, shard, corpus, tokenizer):
    encode_documents(corpus, tokenizer, tmp_path / "again.bin", shuffle_seed=0)
    assert sha256(tmp_path / "again.bin") == sha256(shard)
    encode_documents(corpus, tokenizer, tmp_path / "byid.bin")
    ids = pq.read_table(corpus)["id"].to_pylist()
    assert [ids[i] for i in document_order(corpus, None)] == sorted(ids)
    assert sha256(tmp_path / "byid.bin") != sha256(shard)
    by_id, shuffled = open_shard(tmp_path / "byid.bin").tokens, open_shard(shard).tokens
    assert sorted(documents_of(by_id, 511)) == sorted(documents_of(shuffled, 511))


def test_shuffled_order_is_stable_when_documents_are_added(tmp_path):
    rows = make_documents(n_clusters=500)
    small = write_documents(rows[:300], tmp_path / "small.parquet")
    big = write_documents(rows[::-1], tmp_path / "big.parquet")
    ids_small = pq.read_table(small)["id"].to_pylist()
    ids_big = pq.read_table(big)["id"].to_pylist()
    seq_small = [ids_small[i] for i in document_order(small, 7)]
    seq_big = [ids_big[i] for i in document_order(big, 7)]
    assert [i for i in seq_big if i in set(seq_small)] == seq_small


def test_blocks_and_threads_do_not_change_ids(tmp_path, shard, corpus, tokenizer, monkeypatch):
    monkeypatch.setattr(encode, "BLOCK_CHARS", 100)  # many tiny blocks in flight
    encode_documents(corpus, tokenizer, tmp_path / "small_blocks.bin", shuffle_seed=0, num_threads=3)
    assert sha256(tmp_path / "small_blocks.bin") == sha256(shard)


def corrupt_copy(shard, tmp_path, damage):
    bad = tmp_path / "bad.bin"
    shutil.copy(shard, bad)
    shutil.copy(shard.with_suffix(".json"), bad.with_suffix(".json"))
    damage(bad)
    return bad


def truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[:-1])


def flip(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def edit_sidecar(**changes):
    def damage(path):
        side = path.with_suffix(".json")
        meta = json.loads(side.read_text())
        meta.update(changes)
        side.write_text(json.dumps(meta))
    return damage


@pytest.mark.parametrize("damage, message", [
    (truncate, "truncated"),
    (flip, "sha256"),
    (edit_sidecar(dtype="uint32"), "dtype"),
    (edit_sidecar(dtype="float32"), "dtype"),
    (edit_sidecar(tokens=1), "bytes on disk"),
    (lambda p: p.with_suffix(".json").unlink(), "sidecar"),
    (lambda p: p.with_suffix(".json").write_text("{"), "JSON"),
    (edit_sidecar(eot_id=0), "end-of-text"),
])
def test_corrupt_shard_is_reported(tmp_path, shard, damage, message):
    bad = corrupt_copy(shard, tmp_path, damage)
    with pytest.raises(ShardError, match=message) as err:
        open_shard(bad)
    assert "bad." in str(err.value)  # the message names the file


def test_ids_outside_vocab_are_reported(tmp_path, shard):
    bad = corrupt_copy(shard, tmp_path, lambda p: None)
    tokens = np.fromfile(bad, dtype="<u2")
    tokens[0] = 600  # a valid uint16, but the vocabulary has 512 ids
    tokens.tofile(bad)
    meta = json.loads(bad.with_suffix(".json").read_text())
    write_json(bad.with_suffix(".json"), {**meta, "sha256": file_sha256(bad)})
    with pytest.raises(ShardError, match="outside the vocabulary"):
        open_shard(bad)
    open_shard(bad, verify=False)  # sizes alone still agree


def test_dtype_rule():
    assert shard_dtype(50257) == np.uint16 and shard_dtype(65536) == np.uint16
    assert shard_dtype(65537) == np.uint32


def test_cli_end_to_end(tmp_path, corpus):
    d = tmp_path
    main(["split", "--in", corpus, "--test-fraction", "0.2", "--seed", "0",
          "--train-out", f"{d}/split/train.parquet", "--test-out", f"{d}/split/test.parquet"])
    main(["train-bpe", "--in", f"{d}/split/train.parquet", "--vocab-size", "300", "--out", f"{d}/tokenizer.json"])
    main(["encode", "--in", f"{d}/split/train.parquet", "--tokenizer", f"{d}/tokenizer.json", "--shuffle-seed", "0",
          "--out", f"{d}/tokens/train.bin"])
    main(["encode", "--in", corpus, "--tokenizer", f"{d}/tokenizer.json", "--out", f"{d}/tokens/ood/books.bin"])
    main(["table", "--shard", f"{d}/tokens/train.bin", "--shard", f"{d}/tokens/ood/books.bin",
          "--out", f"{d}/tables/corpus_tokens.csv"])
    lines = (d / "tables/corpus_tokens.csv").read_text().splitlines()
    assert lines[0].startswith("shard,path,documents,bytes,tokens,bytes_per_token") and len(lines) == 3
    assert open_shard(d / "tokens/train.bin").meta["vocab_size"] == 300
    with pytest.raises(SystemExit, match="missing.bin"):
        main(["table", "--shard", f"{d}/tokens/missing.bin", "--out", f"{d}/t.csv"])


def test_table_rejects_mixed_tokenizers(tmp_path, shard):
    other = corrupt_copy(shard, tmp_path, edit_sidecar(tokenizer_sha256="0" * 64))
    with pytest.raises(ValueError, match="different tokenizers"):
        corpus_table([shard, other], tmp_path / "t.csv")


BREAKS = st.sampled_from(["\n", "\n\n", " \n", "\n ", "x\ny", "\u2028", "\x1c", "'s\n'll"])
LINES = st.lists(st.one_of(st.text(max_size=30), BREAKS), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_long_documents_encode_piecewise_to_the_same_ids(tokenizer, text):
    bpe = load_tokenizer(tokenizer)
    pieces = list(encode._pieces(text, piece_chars=8))
    assert "".join(pieces) == text
    assert [i for p in pieces for i in bpe.encode(p)] == bpe.encode(text)


def test_long_document_is_cut(tokenizer, monkeypatch):
    bpe = load_tokenizer(tokenizer)
    text = "First line of a long book.\n" * 5000
    monkeypatch.setattr(encode, "PIECE_CHARS", 1000)
    assert len(list(encode._pieces(text, 1000))) > 100
    flat, lengths = encode._encode_block(bpe, [text, "short"], np.dtype("<u2"))
    assert flat.tolist() == bpe.encode(text) + [bpe.eot_id] + bpe.encode("short") + [bpe.eot_id]
    assert lengths.tolist() == [len(bpe.encode(text)) + 1, len(bpe.encode("short")) + 1]
