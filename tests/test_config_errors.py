"""Every kind of bad config stops the workflow before any job runs, with an error naming the key."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())


def _set(path: str, value):
    def edit(config):
        *parents, leaf = path.split(".")
        node = config
        for key in parents:
            node = node[key]
        node[leaf] = value
    return edit


CASES = {
    "unknown key": (_set("trian", {"lr": 1e-3}), "'trian' was unexpected"),
    "wrong type": (_set("train.batch_size", "big"), "['train']['batch_size']"),
    "impossible shape": (_set("studies.size.shapes", [[2, 50]]), "studies.size: d_model=50 does not split into heads of head_dim=16"),
    "empty grid": (_set("studies.size.shapes", []), "['studies']['size']['shapes']"),
    "vocab beyond the shard dtype": (_set("tokenizer.vocab_size", 2**33), "['tokenizer']['vocab_size']"),
    "unknown study kind": (_set("studies.wide", {"kind": "huge", "shapes": [[2, 16]]}), "['studies']['wide']['kind']"),
    "negative learning rate": (_set("train.lr", -1.0), "['train']['lr']"),
    "test fraction out of range": (_set("tokenizer.test_fraction", 0.7), "['tokenizer']['test_fraction']"),
    "unknown OOD set": (_set("ood.sets", ["books", "twitter"]), "['ood']['sets']"),
    "study missing its grid": (lambda c: c["studies"]["data"].pop("halvings"), "studies.data: a data study needs the key 'halvings'"),
    "unknown extractor": (_set("corpus.extractor", "beautifulsoup"), "['corpus']['extractor']"),
    "bad address network": (_set("corpus.allow_private_addresses", ["loopback", "10/8"]),
                            "corpus.allow_private_addresses[1]: '10/8' is not 'loopback' or a CIDR"),
    "negative transient reruns": (_set("corpus.fetch", {"transient_reruns": -1}), "['corpus']['fetch']"),
    "tracking an unknown cell": (_set("studies.size.track", ["L9_d9"]), "studies.size.track"),
}


def dry_run(workdir: Path, config: dict) -> subprocess.CompletedProcess:
    (workdir / "bad.yaml").write_text(yaml.safe_dump(config))
    return subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--configfile", "bad.yaml",
                           "-n"], cwd=workdir, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_names_the_key(case, tmp_path):
    edit, expected = CASES[case]
    config = copy.deepcopy(DEFAULT)
    edit(config)
    proc = dry_run(tmp_path, config)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert expected in output, output[-2000:]
    assert not (tmp_path / "results").exists()  # nothing ran


def test_dataset_larger_than_the_shard_is_refused_once_the_shard_exists(tmp_path):
    sidecar = tmp_path / "results/data/tokens/train.json"
    sidecar.parent.mkdir(parents=True)
    sidecar.write_text(json.dumps({"tokens": 10_000}))
    config = copy.deepcopy(DEFAULT)
    config["studies"]["size"]["train"]["dataset_tokens"] = 50_000
    proc = dry_run(tmp_path, config)
    assert proc.returncode != 0
    assert "studies.size: cell L1_d8 asks for dataset_tokens=50000" in proc.stdout + proc.stderr
