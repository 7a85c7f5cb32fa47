"""The cleaning filters on synthetic documents with known duplicates, boilerplate and languages."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalinglaws.corpus.clean import lines
from scalinglaws.corpus.clean.pipeline import REPORT_COLUMNS, SOURCE_REPORT_COLUMNS, CleanOptions, clean
from scalinglaws.corpus.documents import write_documents

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


VERSE = "\n".join(["Hear me now", "O ye hills", "and be glad", "for the morning", "is come at last"] * 30)


def test_a_source_with_overrides_is_filtered_with_its_own_options():
    pages = [make_doc(f"p{i}", f"Skip to main content\n{english(i)}" + ("\nShared closing line of text" if i < 2 else ""),
                      "pages") for i in range(3)]
    verse = [make_doc(f"v{i}", f"Shared closing line of text\n{VERSE}\nverse {i} of the song", "verse")
             for i in range(2)]
    base = CleanOptions(boilerplate_min_docs=3, near_dedupe=False)
    kept, report = clean(pages + verse, base)
    assert {d["source"] for d in kept} == {"pages"}  # the default TOC filter drops the verse
    assert all("Shared closing line" not in d["text"] for d in kept)  # 4 documents hold it, 3 are enough
    prose = dataclasses.replace(base, boilerplate_min_docs=0, toc_max_short_share=1.0)
    kept, report = clean(pages + verse, base, {"verse": prose})
    by_source = {d["id"]: d for d in kept}
    assert set(by_source) == {d["id"] for d in pages + verse}
    assert all("Skip to main content" not in by_source[d["id"]]["text"] for d in pages)
    # the verse neither counts toward the pages' boilerplate lines nor loses its own
    assert all("Shared closing line of text" in by_source[d["id"]]["text"] for d in pages[:2] + verse)
    rows = {(r["source"], r["filter"]): r for r in report.by_source}
    assert set(SOURCE_REPORT_COLUMNS) == set(rows["verse", "toc"])
    assert rows["verse", "toc"]["docs_removed"] == rows["pages", "toc"]["docs_removed"] == 0
    assert rows["pages", "boilerplate"]["bytes_removed"] == 3 * len("Skip to main content\n")
    assert rows["verse", "boilerplate"]["bytes_removed"] == 0
    for f in ("unicode", "toc", "near_dedupe"):
        total = next(r for r in report.rows if r["filter"] == f)
        assert total["docs_out"] == rows["pages", f]["docs_out"] + rows["verse", f]["docs_out"]


def test_cli_cleans_pages_and_prose_as_one_corpus(tmp_path, cli):
    pages, prose = tmp_path / "pages.parquet", tmp_path / "prose.parquet"
    write_documents(pages, [make_doc(f"p{i}", english(i), "debian-docs") for i in range(3)])
    write_documents(prose, [make_doc("v0", VERSE, "kjv"), make_doc("v1", english(1), "fortunes")])
    out, rep, by_source = tmp_path / "out.parquet", tmp_path / "rep.csv", tmp_path / "src.csv"
    cli(["clean", "--in", str(pages), "--prose", str(prose), "--out", str(out), "--report", str(rep),
         "--source-report", str(by_source)])
    table = pd.read_parquet(out)
    # the fortune is an exact duplicate of a page: one corpus, so one of the two is dropped
    assert len(table) == 4 and table["text"].tolist().count(english(1)) == 1
    assert "kjv" in set(table["source"])  # verse survives the TOC filter
    rows = pd.read_csv(by_source)
    assert list(rows.columns) == list(SOURCE_REPORT_COLUMNS)
    assert set(rows["source"]) == {"debian-docs", "kjv", "fortunes"}
    assert rows.query("filter == 'exact_dedupe'")["docs_removed"].sum() == 1
    provenance = json.loads((tmp_path / "out.parquet.provenance.json").read_text())
    assert set(provenance["source_options"]) == {"kjv", "fortunes"}
    assert provenance["source_options"]["kjv"]["toc_max_short_share"] == 1.0


def test_cli_refuses_a_prose_source_that_also_names_pages(tmp_path, cli):
    pages, prose = tmp_path / "pages.parquet", tmp_path / "prose.parquet"
    write_documents(pages, [make_doc("p0", english(0), "kjv")])
    write_documents(prose, [make_doc("v0", VERSE, "kjv")])
    with pytest.raises(SystemExit, match=r"source\(s\) \['kjv'\] also name documents of --in"):
        cli(["clean", "--in", str(pages), "--prose", str(prose), "--out", str(tmp_path / "o"),
             "--report", str(tmp_path / "r")])
