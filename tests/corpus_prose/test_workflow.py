"""The prose rule is wired into the DAG (dry runs of the real Snakefile), and the schema takes the key."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())
CLEANED = "results/corpus/clean/shards/0000/part.parquet"


def dry_run(workdir: Path, config: dict, target: str = CLEANED) -> str:
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--configfile",
                           "config.yaml", "-n", "-p", "--cores", "1", target],
                          cwd=workdir, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return proc.stdout + proc.stderr


def test_the_default_mixes_the_prose_into_the_cleaned_corpus(tmp_path):
    assert DEFAULT["corpus"]["prose"] == ["kjv", "fortunes", "jargon", "devil"]
    out = dry_run(tmp_path, DEFAULT)
    assert "rule corpus_prose:" in out
    assert ("python -m scalinglaws.corpus prose --sets kjv,fortunes,jargon,devil --cache results/cache "
            "--out results/corpus/main/prose.parquet") in out
    assert ("clean-shard all --in results/corpus/main/extracted.parquet --prose results/corpus/main/prose.parquet") in out


@pytest.mark.parametrize("prose", [[], None])
def test_no_prose_leaves_the_rule_out(tmp_path, prose):
    config = copy.deepcopy(DEFAULT)
    if prose is None:
        del config["corpus"]["prose"]  # the schema's default: none
    else:
        config["corpus"]["prose"] = prose
    out = dry_run(tmp_path, config)
    assert "corpus_prose" not in out and "--prose" not in out
    assert re.search(r"clean-shard all --in results/corpus/main/extracted\.parquet\s+--options-json", out)


def test_one_prose_set_is_accepted(tmp_path):
    config = copy.deepcopy(DEFAULT)
    config["corpus"]["prose"] = ["devil"]
    assert "prose --sets devil --cache" in dry_run(tmp_path, config)
