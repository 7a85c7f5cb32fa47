"""The n-gram decontamination report on sets with known overlap."""

from __future__ import annotations

import pandas as pd

from scalinglaws.corpus.clean import decontam
from scalinglaws.corpus.clean.ngrams import TokenHasher, ngram_hashes
from scalinglaws.corpus.documents import write_documents

from .conftest import english, make_doc


def test_ngram_hashes_are_stable_and_case_insensitive():
    h = TokenHasher()
    a = ngram_hashes(h("The cat sat on the mat"), 3)
    assert len(a) == 4 and (a == ngram_hashes(TokenHasher()("the CAT sat  on\nthe mat"), 3)).all()
    assert len(ngram_hashes(h("too short"), 3)) == 0


def test_overlap_counts_shared_ngrams():
    h = TokenHasher()
    train = decontam.train_ngrams([english(1), english(2)], 13, h)
    leaked = english(1).split()[:50]  # exactly 38 13-grams, all in train
    row = decontam.overlap("x", [" ".join(leaked), english(3)], train, 13, h)
    assert row["docs"] == 2 and row["docs_with_overlap"] == 1
    total = 38 + len(english(3).split()) - 12
    assert abs(row["ngram_overlap_fraction"] - 38 / total) < 1e-9


def test_cli_writes_one_row_per_set(tmp_path, cli):
    train = [make_doc(f"t{i}", english(i)) for i in range(3)]
    test = [make_doc("a", english(1)), make_doc("b", english(50))]
    write_documents(tmp_path / "train.parquet", train)
    write_documents(tmp_path / "test.parquet", test)
    write_documents(tmp_path / "ood.parquet", [make_doc("c", english(60))])
    out = tmp_path / "d.csv"
    cli(["decontam", "--train", str(tmp_path / "train.parquet"), "--other", f"test={tmp_path / 'test.parquet'}",
         "--other", f"books={tmp_path / 'ood.parquet'}", "--out", str(out)])
    table = pd.read_csv(out)
    assert list(table.columns[:5]) == ["set", "docs", "bytes", "docs_with_overlap", "ngram_overlap_fraction"]
    assert table.set_index("set").loc["test", "docs_with_overlap"] == 1
    assert table.set_index("set").loc["books", "docs_with_overlap"] == 0
