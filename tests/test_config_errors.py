"""Every kind of bad config stops the workflow before any job runs, with an error naming the key;
``scalinglaws plan`` refuses it alike."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scalinglaws.config_checks import check_config
from scalinglaws.configfile import load
from scalinglaws.plan import config_packs
from scalinglaws.plan import main as plan
from scalinglaws.studies import expand_studies

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
    "unknown study kind": (_set("studies.wide", {"kind": "huge", "shapes": [[2, 16]]}), "studies.wide: unknown kind 'huge'"),
    "negative learning rate": (_set("train.lr", -1.0), "['train']['lr']"),
    "test fraction out of range": (_set("tokenizer.test_fraction", 0.7), "['tokenizer']['test_fraction']"),
    "unknown OOD set": (_set("ood.sets", ["books", "twitter"]), "['ood']['sets']"),
    "unknown prose set": (_set("corpus.prose", ["kjv", "gcide"]), "['corpus']['prose']"),
    "prose set named twice": (_set("corpus.prose", ["kjv", "kjv"]), "['corpus']['prose']"),
    "prose not a list": (_set("corpus.prose", "kjv"), "['corpus']['prose']"),
    "study missing its grid": (lambda c: c["studies"]["data"].pop("halvings"), "studies.data: a data study needs the key 'halvings'"),
    "unknown extractor": (_set("corpus.extractor", "beautifulsoup"), "['corpus']['extractor']"),
    "bad address network": (_set("corpus.allow_private_addresses", ["loopback", "10/8"]),
                            "corpus.allow_private_addresses[1]: '10/8' is not 'loopback' or a CIDR"),
    "negative transient reruns": (_set("corpus.fetch", {"transient_reruns": -1}), "['corpus']['fetch']"),
    "tracking an unknown cell": (_set("studies.size.track", ["L9_d9"]), "studies.size.track"),
    "token budget below one step": (_set("train.tokens", 1000), "train.tokens = 1000 is less than one step of "
                                    "studies.size cell L1_d8 (batch_size 32 x n_ctx 64 = 2048 tokens)"),
    "study budget below one step": (_set("studies.batch.train.tokens", 5000),
                                    "studies.batch.train.tokens = 5000 is less than one step of studies.batch cell"),
    "head_dim wider than d_model": (lambda c: c["studies"]["size"].pop("one_head_below_head_dim"),
                                    "studies.size.head_dim = 16 is larger than d_model of cell(s) L1_d8"),
    "fixed N no depth reaches": (_set("studies.depth.n_params", 1000), "studies.depth.n_params = 1000 is out of "
                                 "reach of cell L8_d16: the nearest shape it can build has N = 24,576 (25x"),
    "fixed N no head width reaches": (_set("studies.shape.n_params", 500),
                                      "studies.shape.n_params = 500 is out of reach of cell"),
    "reddit without dumps": (lambda c: c["corpus"].update(source="reddit"), "corpus.reddit.dumps lists no"),
    "reddit dump missing": (lambda c: c["corpus"].update(source="reddit", reddit={"dumps": ["dumps/RS_2019-01.zst"]}),
                            "corpus.reddit.dumps: 'dumps/RS_2019-01.zst' matches no file"),
    "urls without a file": (lambda c: c["corpus"].update(source="urls"), "corpus.urls.file is required"),
    "tuned LR without a scan": (lambda c: c["studies"].pop("lr_scan"), "lr 'tuned' ("),
    "two LR scans": (lambda c: c["studies"].update(scan2=dict(c["studies"]["lr_scan"], kind="lr_scan")),
                     "the config has 2 lr_scan studies (lr_scan, scan2), it needs one"),
    "urls file missing": (lambda c: c["corpus"].update(source="urls", urls={"file": "my_urls.txt"}),
                          "corpus.urls.file: 'my_urls.txt' does not exist"),
    "unknown source": (_set("corpus.source", "gopher"), "corpus.source: 'gopher' is not a source; the web sources "
                       "are debian-docs, reddit, urls, the text sources files, hf"),
    "hf without a dataset": (_set("corpus.source", "hf"), "corpus.hf.dataset is required for the hf source"),
    "unknown hf key": (lambda c: c["corpus"].update(source="hf", hf={"dataset": "x", "splits": "train"}),
                       "['corpus']['hf']"),
    "files without paths": (lambda c: c["corpus"].update(source="files", files={"text_field": "body"}),
                            "corpus.files.paths is required for the files source"),
    "files path matching nothing": (lambda c: c["corpus"].update(source="files", files={"paths": ["my/*.txt"]}),
                                    "corpus.files.paths: 'my/*.txt' matches no file"),
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


@pytest.mark.parametrize("case", sorted(CASES))
def test_plan_refuses_it_alike(case, tmp_path, monkeypatch):
    edit, expected = CASES[case]
    config = copy.deepcopy(DEFAULT)
    edit(config)
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)  # as dry_run: no config.yaml under it, bad.yaml alone
    with pytest.raises(SystemExit) as refused:
        plan(["--configfile", "bad.yaml"])
    assert str(refused.value).startswith("config error: ") and expected in str(refused.value)


def test_dataset_larger_than_the_shard_is_refused_once_the_shard_exists(tmp_path):
    sidecar = tmp_path / "results/data/tokens/train.json"
    sidecar.parent.mkdir(parents=True)
    sidecar.write_text(json.dumps({"tokens": 10_000}))
    config = copy.deepcopy(DEFAULT)
    config["studies"]["size"]["train"]["dataset_tokens"] = 50_000
    proc = dry_run(tmp_path, config)
    assert proc.returncode != 0
    assert "studies.size: cell L1_d8 asks for dataset_tokens=50000" in proc.stdout + proc.stderr


# shipped configs; True for the presets, loaded on top of config.yaml
SHIPPED = {"config.yaml": False, "tests/e2e/micro.yaml": False, "workflow/presets/gpu.yaml": True,
           "workflow/presets/ladder.yaml": True,
           "workflow/presets/paper.yaml": True}


@pytest.mark.parametrize("path", sorted(SHIPPED))
def test_shipped_configs_pass_the_checks(path, tmp_path, monkeypatch):
    if not SHIPPED[path]:
        monkeypatch.chdir(tmp_path)  # read alone, not over config.yaml
    config = load([REPO / path])  # as the Snakefile reads it
    for pattern in config["corpus"].get("reddit", {}).get("dumps", []):  # the paper's dumps, which users supply
        (tmp_path / pattern.replace("*", "01")).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / pattern.replace("*", "01")).write_bytes(b"")
    cells = expand_studies(config)
    check_config(config, cells, tmp_path)
    config_packs(config, cells)  # the packs and the registered predictions' held-out cells, as common.smk plans them


def test_corpus_files_that_exist_pass(tmp_path):
    (tmp_path / "dumps").mkdir()
    (tmp_path / "dumps" / "RS_2019-01.zst").write_bytes(b"")
    (tmp_path / "urls.txt").write_text("https://example.org/\n")
    config = copy.deepcopy(DEFAULT)
    cells = expand_studies(config)
    config["corpus"].update(source="reddit", reddit={"dumps": ["dumps/RS_*.zst"]})
    check_config(config, cells, tmp_path)
    config["corpus"].update(source="urls", urls={"file": "urls.txt"})
    check_config(config, cells, tmp_path)
    config["corpus"].update(source="files", files={"paths": ["*.txt", "dumps/**/*.zst"]})
    check_config(config, cells, tmp_path)
