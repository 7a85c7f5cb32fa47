"""Fixtures of the tokenize tests: a small real-text document table and a BPE trained on it."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from scalinglaws.tokenize.bpe import train_bpe
from tokenize_helpers import make_documents, write_documents


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> str:
    return write_documents(make_documents(), tmp_path_factory.mktemp("corpus") / "docs.parquet")


@pytest.fixture(scope="session")
def tokenizer(tmp_path_factory, corpus) -> str:
    path = tmp_path_factory.mktemp("bpe") / "tokenizer.json"
    texts = pq.read_table(corpus, columns=["text"])["text"].to_pylist()
    train_bpe(texts, vocab_size=512, out=path)
    return str(path)
