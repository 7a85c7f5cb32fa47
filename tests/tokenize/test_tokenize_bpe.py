"""The trained BPE is reversible, and tiktoken built from it gives the ids of `tokenizers`."""

from __future__ import annotations

import json
import sys

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings, strategies as st

from tokenize_helpers import sha256
from scalinglaws.tokenize.bpe import EOT, load_tokenizer, train_bpe

WHITESPACE = st.text(alphabet=" \t\n\r\x0b\x0c\u00a0\u2003\u3000", min_size=1, max_size=50)
CONTROL = st.text(alphabet=st.characters(categories=["Cc", "Cf"]), min_size=1, max_size=20)
EMOJI = st.lists(st.sampled_from(["🎉", "🚀", "👩‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "❤️", "🇫🇷", "\u200d", "\ufe0f"]),
                 min_size=1, max_size=20).map("".join)
LONG_WORD = st.builds(lambda c, n: c * n, st.sampled_from(["a", "é", "东", "🙂", "ab1"]), st.integers(1000, 20000))
TEXT = st.lists(st.one_of(st.text(), WHITESPACE, CONTROL, EMOJI, LONG_WORD,
                          st.just(EOT), st.just("don't we'll I'm"), st.sampled_from(["  x", "\n\n\ny", " \t "])),
                max_size=8).map("".join)


@pytest.fixture(scope="module")
def fast(tokenizer):
    return load_tokenizer(tokenizer, backend="tiktoken")


@pytest.fixture(scope="module")
def reference(tokenizer):
    return load_tokenizer(tokenizer, backend="tokenizers")


def test_vocab_and_eot(fast, reference):
    assert fast.vocab_size == reference.vocab_size == 512
    assert fast.eot_id == reference.eot_id == 511  # appended last, like GPT-2's 50256
    assert fast.decode([fast.eot_id]) == reference.decode([reference.eot_id]) == EOT


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_round_trip(fast, reference, text):
    for bpe in (fast, reference):
        assert bpe.decode(bpe.encode(text)) == text


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_tiktoken_ids_equal_tokenizers_ids(fast, reference, text):
    assert fast.encode(text) == reference.encode(text)


def test_ids_equal_on_corpus(fast, reference, corpus):
    texts = pq.read_table(corpus, columns=["text"])["text"].to_pylist()
    assert fast.encode_batch(texts) == reference.encode_batch(texts)
    assert fast.encode_batch(texts, num_threads=1) == [fast.encode(t) for t in texts]


def test_literal_eot_is_text(fast, reference):
    for bpe in (fast, reference):
        assert bpe.eot_id not in bpe.encode(f"a {EOT} b")


def test_training_is_deterministic(tmp_path, corpus, tokenizer):
    texts = pq.read_table(corpus, columns=["text"])["text"].to_pylist()
    train_bpe(iter(texts), vocab_size=512, out=tmp_path / "again.json")
    assert sha256(tmp_path / "again.json") == sha256(tokenizer)


def test_falls_back_without_tiktoken(tokenizer, monkeypatch):
    monkeypatch.setitem(sys.modules, "tiktoken", None)  # import tiktoken now raises ImportError
    bpe = load_tokenizer(tokenizer)
    assert bpe.backend == "tokenizers"
    assert bpe.decode(bpe.encode("héllo wörld")) == "héllo wörld"


def test_rejects_other_tokenizers(tmp_path, tokenizer):
    spec = json.loads(open(tokenizer).read())
    spec["pre_tokenizer"]["add_prefix_space"] = True
    bad = tmp_path / "prefix.json"
    bad.write_text(json.dumps(spec))
    with pytest.raises(ValueError, match="prefix.json"):
        load_tokenizer(bad)
    with pytest.raises(ValueError, match="missing.json"):
        load_tokenizer(tmp_path / "missing.json")


def test_vocab_too_small(tmp_path):
    with pytest.raises(ValueError, match="vocab-size"):
        train_bpe(["abc"], vocab_size=100, out=tmp_path / "t.json")
