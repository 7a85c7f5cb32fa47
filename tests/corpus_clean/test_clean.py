"""The cleaning filters on synthetic documents with known duplicates, boilerplate and languages."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalinglaws.corpus.clean import lines
from scalinglaws.corpus.clean.pipeline import REPORT_COLUMNS, CleanOptions, clean
from scalinglaws.corpus.clean.table import write_documents

from .conftest import english, make_doc


def all_docs(corpus):
    return [d for group in corpus.values() for d in group]


def test_default_filters_remove_the_expected_documents(corpus):
    kept, report = clean(all_docs(corpus), CleanOptions())
    kept_ids = {d["id"] for d in kept}
    ids = {k: [d["id"] for d in v] for k, v in corpus.items()}
    assert len(kept_ids & {ids["unique"][1], ids["exact"][0]}) == 1  # one of the exact pair
    assert len(kept_ids & {ids["unique"][0], ids["near"][0]}) == 1  # one of the near pair
    assert set(ids["unique"][2:] + ids["mojibake"]) <= kept_ids
    assert len(kept_ids) == len(ids["unique"]) + 1
    removed = {r["filter"]: r["docs_removed"] for r in report.rows}
    assert removed == {"unicode": 0, "exact_dedupe": 1, "boilerplate": 0, "min_length": 1, "toc": 1,
                       "language": 1, "near_dedupe": 1}
    assert all(d["lang"] == "en" for d in kept)


def test_report_rows_chain(corpus):
    docs = all_docs(corpus)
    _, report = clean(docs, CleanOptions())
    assert [r["filter"] for r in report.rows][0] == "unicode"
    assert report.rows[0]["docs_in"] == len(docs)
    for prev, row in zip(report.rows, report.rows[1:]):
        assert row["docs_in"] == prev["docs_out"]
    for row in report.rows:
        assert row["docs_in"] - row["docs_removed"] == row["docs_out"]
    assert set(report.rows[0]) == set(REPORT_COLUMNS)


def test_unicode_repair_fixes_mojibake_and_control_chars(corpus):
    kept, _ = clean(corpus["mojibake"], CleanOptions())
    assert kept[0]["text"].startswith("The café opened. ")


def test_near_duplicate_cluster_keeps_representative(corpus):
    docs = corpus["unique"] + corpus["near"]
    kept, _ = clean(docs, CleanOptions(keep_near_duplicates=True))
    by_id = {d["id"]: d for d in kept}
    u0, n0 = corpus["unique"][0]["id"], corpus["near"][0]["id"]
    assert by_id[u0]["cluster_id"] == by_id[n0]["cluster_id"] in (u0, n0)
    singletons = [d for d in kept if d["id"] not in (u0, n0)]
    assert all(d["cluster_id"] == d["id"] for d in singletons)
    kept, _ = clean(docs, CleanOptions())
    assert len(kept) == len(corpus["unique"])


def test_boilerplate_lines_are_cut():
    docs = [make_doc(f"b{i}", f"Skip to main content\n{english(i)}\nView page source") for i in range(5)]
    kept, report = clean(docs, CleanOptions(boilerplate_min_docs=3))
    assert all("Skip to main content" not in d["text"] and "View page source" not in d["text"] for d in kept)
    row = next(r for r in report.rows if r["filter"] == "boilerplate")
    assert row["docs_removed"] == 0 and row["bytes_removed"] == 5 * len("Skip to main content\n\nView page source")


def test_lines_without_letters_are_never_boilerplate():
    assert lines.repeated_lines(["}\nHello there", "}\nHello there"], 2) == {"Hello there"}


CHROME = ["Skip to content", "Share this article", "All rights reserved.", "© 2024 Example Docs Ltd",
          "Privacy Policy | Terms of Use", "Small. Fast. Reliable.", "Search Documentation"]
CODE = [
    "import os", "class Point:", "    def __init__(self, x, y):", "        self.x = x", "    else:", "        pass",
    "int main(void) {", "    return 0;", "}", "for f in *.txt; do", "    fi", "done", "end", "BEGIN;",
    "SELECT name FROM users WHERE id = 1;", "IF EXISTS", "{% endfor %}", "Traceback (most recent call last):",
    'File "<stdin>", line 1, in <module>', "Out[3]:", "dtype: float64", "(1 row)", "True",
]
WRAPPED = ["documentation.", "on the current database."]  # the tails of hard-wrapped sentences


@pytest.mark.parametrize("line", CHROME)
def test_repeated_chrome_is_boilerplate(line):
    assert lines.repeated_lines([f"{line}\nText {i}." for i in range(3)], 3) == {line}


@pytest.mark.parametrize("line", CODE + WRAPPED)
def test_repeated_code_and_sentence_tails_are_not_boilerplate(line):
    assert lines.repeated_lines([f"{line}\nText {i}." for i in range(3)], 3) == set()


def test_code_blocks_survive_the_boilerplate_filter():
    code = "\n".join(CODE)
    docs = [make_doc(f"c{i}", "\n".join(CHROME[:3] + [english(i), f"For more on part {i}, see its", WRAPPED[0], code]
                                          + CHROME[3:])) for i in range(5)]
    kept, _ = clean(docs, CleanOptions(boilerplate_min_docs=3, toc_max_short_share=1.0))
    assert len(kept) == 5
    for i, d in enumerate(sorted(kept, key=lambda d: d["url"])):
        assert d["text"].endswith(f"For more on part {i}, see its\ndocumentation.\n{code}")
        assert not any(line in d["text"] for line in CHROME)


def test_languages_empty_keeps_all_and_labels(corpus):
    kept, _ = clean(corpus["german"] + corpus["unique"][:1], CleanOptions(languages=()))
    assert sorted(d["lang"] for d in kept) == ["de", "en"]


def test_options_reject_unknown_and_bad_types():
    with pytest.raises(ValueError, match="unknown clean option"):
        CleanOptions.from_dict({"min_char": 10})
    with pytest.raises(ValueError, match="min_chars"):
        CleanOptions.from_dict({"min_chars": "ten"})
    assert CleanOptions.from_dict({"languages": ["en", "de"], "min_chars": 100}).languages == ("en", "de")


def test_cli_is_deterministic(tmp_path, corpus, cli):
    src = tmp_path / "in.parquet"
    docs = all_docs(corpus)
    write_documents(src, docs[::-1])
    outs = []
    for k in range(2):
        out, rep = tmp_path / f"out{k}.parquet", tmp_path / f"rep{k}.csv"
        cli(["clean", "--in", str(src), "--options-json", json.dumps({"min_chars": 400}),
             "--out", str(out), "--report", str(rep)])
        outs.append((out.read_bytes(), rep.read_bytes()))
    assert outs[0] == outs[1]
    table = pd.read_parquet(tmp_path / "out0.parquet")
    assert list(table["id"]) == sorted(table["id"])
    assert list(pd.read_csv(tmp_path / "rep0.csv").columns) == list(REPORT_COLUMNS)


def test_cli_rejects_bad_options(tmp_path, corpus, cli):
    src = tmp_path / "in.parquet"
    write_documents(src, corpus["unique"])
    with pytest.raises(SystemExit, match="unknown clean option"):
        cli(["clean", "--in", str(src), "--options-json", '{"nope": 1}', "--out", str(tmp_path / "o"),
             "--report", str(tmp_path / "r")])


@given(st.permutations(range(14)))
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_output_does_not_depend_on_input_order(corpus, order):
    docs = all_docs(corpus)
    reference, _ = clean(docs, CleanOptions(keep_near_duplicates=True))
    shuffled, _ = clean([docs[i] for i in order], CleanOptions(keep_near_duplicates=True))
    assert shuffled == reference
