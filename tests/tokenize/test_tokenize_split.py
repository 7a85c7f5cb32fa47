"""The holdout split: disjoint, clusters kept whole, stable as the corpus grows, deterministic."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scalinglaws.corpus.documents import DOCUMENT_SCHEMA, ROW_GROUP_ROWS
from scalinglaws.tokenize import split
from scalinglaws.tokenize.__main__ import main
from scalinglaws.tokenize.split import split_documents
from tokenize_helpers import make_documents, sha256, write_documents


def run_split(src, out_dir, fraction=0.2, seed=0):
    train, test = out_dir / "train.parquet", out_dir / "test.parquet"
    split_documents(src, fraction, seed, str(train), str(test))
    return pq.read_table(train).to_pylist(), pq.read_table(test).to_pylist()


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    return make_documents(n_clusters=3000)


def test_disjoint_and_clusters_whole(tmp_path, many):
    train, test = run_split(write_documents(many, tmp_path / "docs.parquet"), tmp_path)
    assert len(train) + len(test) == len(many)
    assert not {r["id"] for r in train} & {r["id"] for r in test}
    assert not {r["cluster_id"] for r in train} & {r["cluster_id"] for r in test}
    assert [r["id"] for r in train] == sorted(r["id"] for r in train)
    assert set(train[0]) == set(many[0])  # same schema


def test_fraction_is_close(tmp_path, many):
    train, test = run_split(write_documents(many, tmp_path / "docs.parquet"), tmp_path, fraction=0.1)
    clusters = {r["cluster_id"] for r in many}
    assert len({r["cluster_id"] for r in test}) / len(clusters) == pytest.approx(0.1, abs=0.02)


def test_stable_when_documents_are_added(tmp_path, many):
    old_train, old_test = run_split(write_documents(many[:2000], tmp_path / "old.parquet"), tmp_path / "old")
    new_train, new_test = run_split(write_documents(many[::-1], tmp_path / "new.parquet"), tmp_path / "new")
    assert {r["id"] for r in old_train} <= {r["id"] for r in new_train}
    assert {r["id"] for r in old_test} <= {r["id"] for r in new_test}


def test_seed_changes_split_and_output_is_byte_deterministic(tmp_path, corpus):
    for name in ("a", "b"):
        split_documents(corpus, 0.3, 0, str(tmp_path / f"{name}_train.parquet"), str(tmp_path / f"{name}_test.parquet"))
    assert sha256(tmp_path / "a_train.parquet") == sha256(tmp_path / "b_train.parquet")
    assert sha256(tmp_path / "a_test.parquet") == sha256(tmp_path / "b_test.parquet")
    _, other = run_split(corpus, tmp_path, fraction=0.3, seed=1)
    assert {r["id"] for r in other} != set(pq.read_table(tmp_path / "a_test.parquet")["id"].to_pylist())


def test_bad_input_names_file_and_field(tmp_path, capsys):
    rows = make_documents()[:5]
    for r in rows:
        del r["cluster_id"]
    bad = tmp_path / "nocluster.parquet"
    pq.write_table(pa.Table.from_pylist(rows), bad)
    with pytest.raises(SystemExit, match="nocluster.parquet.*cluster_id"):
        main(["split", "--in", str(bad), "--test-fraction", "0.1", "--train-out", str(tmp_path / "a"),
              "--test-out", str(tmp_path / "b")])
    with pytest.raises(ValueError, match="test-fraction"):
        split_documents(str(bad), 1.5, 0, "a", "b")


@pytest.mark.parametrize("layout", ["reversed", "shuffled", "three_sorted_runs"])
@pytest.mark.parametrize("spill", [False, True])
def test_row_order_of_the_input_does_not_matter(tmp_path, many, monkeypatch, layout, spill):
    """Out-of-order inputs (external sort, several merge passes when spilling) give the sorted input's split."""
    if spill:
        monkeypatch.setattr(split, "SPILL_ROWS", 100)
        monkeypatch.setattr(split, "MERGE_RUNS", 3)
    rows = sorted(many, key=lambda r: r["id"])
    sorted_src = write_documents(rows, tmp_path / "sorted.parquet")
    rows = {"reversed": rows[::-1], "shuffled": many,
            "three_sorted_runs": rows[0::3] + rows[1::3] + rows[2::3]}[layout]
    src = tmp_path / "unsorted.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA), src, row_group_size=333)
    outs = {}
    for name, path in (("sorted", sorted_src), ("unsorted", str(src))):
        out = tmp_path / name
        sizes = split_documents(path, 0.2, 0, str(out / "train.parquet"), str(out / "test.parquet"))
        outs[name] = sizes, [pq.read_table(out / f"{side}.parquet") for side in ("train", "test")]
    assert outs["unsorted"][0] == outs["sorted"][0]
    for got, want in zip(outs["unsorted"][1], outs["sorted"][1]):
        assert got.to_pylist() == want.to_pylist()
        provenance = json.loads(got.schema.metadata[b"scalinglaws.split"])
        assert provenance["input_sha256"] == sha256(src)
    train = pq.ParquetFile(tmp_path / "unsorted" / "train.parquet").metadata
    assert [train.row_group(i).num_rows for i in range(train.num_row_groups - 1)] == \
        [ROW_GROUP_ROWS] * (train.num_row_groups - 1)
    assert not list(tmp_path.rglob(".*"))  # no temporary files left


@pytest.mark.parametrize("statistics", [True, False])
def test_nulls_and_duplicates_name_file_and_field(tmp_path, statistics):
    rows = make_documents()[:50]
    for column, value in (("text", None), ("cluster_id", None), ("id", rows[4]["id"])):
        bad = [dict(r) for r in rows]
        bad[3][column] = bad[7][column] = value
        src = tmp_path / f"{column}.parquet"
        pq.write_table(pa.Table.from_pylist(bad, schema=DOCUMENT_SCHEMA), src, row_group_size=10,
                       write_statistics=statistics)
        problem = "duplicate values" if value else "2 null value"
        with pytest.raises(ValueError, match=f"{column}.parquet: column '{column}' has {problem}"):
            split_documents(str(src), 0.2, 0, str(tmp_path / "train.parquet"), str(tmp_path / "test.parquet"))
    assert not (tmp_path / "train.parquet").exists() and not (tmp_path / "test.parquet").exists()
