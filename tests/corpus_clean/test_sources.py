"""The text sources: every registered one matches its schema section; ``files`` reads local formats into
document tables; ``hf`` fails fast offline."""

from __future__ import annotations

import inspect
import json
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from scalinglaws.corpus.sources import files, hf, registry

from .conftest import english

HTML = f"""<html><head><title>Page</title></head><body><nav><a href="/">Home</a></nav>
<main><article><h1>A heading</h1><p>{english(1, 120)}</p><p>{english(2, 120)}</p></article></main>
<footer>Copyright</footer></body></html>"""


SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[2] / "workflow/schemas/config.schema.yaml").read_text())


@pytest.mark.parametrize("name", sorted(registry()))
def test_each_source_has_its_schema_section(name):
    """The schema's corpus.<name> keys are the parameters of the source's read function."""
    section = SCHEMA["properties"]["corpus"]["properties"].get(name)
    assert section is not None, f"workflow/schemas/config.schema.yaml has no corpus.{name} section"
    required, optional = registry()[name].keys()
    assert set(section["properties"]) == set(required + optional)
    assert "shard" in inspect.signature(registry()[name].read).parameters  # every source reads in shards
    assert section["additionalProperties"] is False


def load(cli, source, options, out):
    cli(["load", "--source", source, "--options-json", json.dumps(options), "--out", str(out)])


@pytest.fixture
def local(tmp_path):
    (tmp_path / "a.txt").write_text(english(0))
    (tmp_path / "b.jsonl").write_text(json.dumps({"text": english(3)}) + "\n\n" + json.dumps({"text": english(4)}) + "\n")
    pq.write_table(pa.table({"body": [english(5), english(6)]}), tmp_path / "c.parquet")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.html").write_text(HTML)
    return tmp_path


def test_files_reads_every_format(local, cli):
    out = local / "out.parquet"
    globs = [str(local / "*.txt"), str(local / "*.jsonl"), str(local / "**/*.html")]
    load(cli, "files", {"paths": globs}, out)
    table = pd.read_parquet(out)
    assert len(table) == 4 and set(table["source"]) == {"files"}
    html = table[table["url"].str.endswith("d.html")].iloc[0]
    assert html["extractor"] == "trafilatura" and "A heading" in html["text"] and "Copyright" not in html["text"]
    assert sorted(table["url"].str.rsplit("/", n=1).str[-1]) == ["a.txt", "b.jsonl#1", "b.jsonl#3", "d.html"]
    again = local / "again.parquet"
    load(cli, "files", {"paths": globs}, again)
    assert again.read_bytes() == out.read_bytes()


def test_files_parquet_field_and_caps(local):
    docs = list(files.read([str(local / "c.parquet")], text_field="body"))
    assert [d["text"] for d in docs] == [english(5), english(6)]
    assert len(list(files.read([str(local / "c.parquet")], text_field="body", max_docs=1))) == 1
    assert len(list(files.read([str(local / "b.jsonl")], max_bytes=len(english(3)) + 1))) == 1
    with pytest.raises(ValueError, match="no column 'text'"):
        list(files.read([str(local / "c.parquet")]))


def test_files_shards_are_whole_files_and_together_the_source(local, cli):
    options = {"paths": [str(local / "*.txt"), str(local / "*.jsonl")], "text_field": "text"}
    whole = sorted(d["id"] for d in files.read(**options))
    for n in (1, 2):
        ids = []
        for k in range(n):
            out = local / f"shard{n}-{k}.parquet"
            cli(["load", "--source", "files", "--options-json", json.dumps(options), "--shard", str(k),
                 "--shards", str(n), "--out", str(out)])
            ids += pq.read_table(out)["id"].to_pylist()
        assert sorted(ids) == whole
    with pytest.raises(SystemExit, match=r"corpus.shards is 3, but corpus.files.paths match 2 file\(s\)"):
        load_shard = ["load", "--source", "files", "--options-json", json.dumps(options), "--shards", "3"]
        cli([*load_shard, "--out", str(local / "x.parquet")])
    with pytest.raises(SystemExit, match=r"corpus.files.max_docs caps the whole source"):
        cli(["load", "--source", "files", "--options-json", json.dumps({**options, "max_docs": 1}), "--shards", "2",
             "--out", str(local / "x.parquet")])


def test_files_errors_name_the_file(local, cli):
    (local / "bad.jsonl").write_text('{"text": "ok"}\nnot json\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        list(files.read([str(local / "bad.jsonl")]))
    (local / "x.csv").write_text("a,b\n")
    with pytest.raises(ValueError, match="x.csv: unsupported file type"):
        list(files.read([str(local / "x.csv")]))
    with pytest.raises(SystemExit, match=r"corpus.files.paths: '.*\*.nothing' matches no file"):
        load(cli, "files", {"paths": [str(local / "*.nothing")]}, local / "o.parquet")
    with pytest.raises(SystemExit, match=r"corpus.files: unknown key\(s\) \['path'\]; known: \['max_bytes'"):
        load(cli, "files", {"path": [str(local / "*.txt")]}, local / "o.parquet")
    with pytest.raises(SystemExit, match="corpus.files.paths is required for the files source"):
        load(cli, "files", {}, local / "o.parquet")
    with pytest.raises(SystemExit, match="bad.jsonl:2"):
        load(cli, "files", {"paths": [str(local / "bad.jsonl")]}, local / "o.parquet")
    assert not (local / "o.parquet").exists()


@pytest.mark.parametrize("var", ["HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"])
def test_hf_fails_fast_offline(var, monkeypatch, tmp_path, cli):
    monkeypatch.setenv(var, "1")
    start = time.time()
    with pytest.raises(SystemExit, match=rf"{var} is set.*use the `files` source"):
        load(cli, "hf", {"dataset": "allenai/c4", "config": "en"}, tmp_path / "x.parquet")
    assert time.time() - start < 10  # no retries against the Hub (those take ~25 s)
    assert not (tmp_path / "x.parquet").exists()


def test_hf_fails_fast_when_hub_unreachable(monkeypatch):
    import datasets

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(datasets.config, "HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: refused
    with pytest.raises(hf.HFUnavailable, match="127.0.0.1 is unreachable.*files"):
        next(hf.stream("allenai/c4", config="en", connect_timeout=1))
