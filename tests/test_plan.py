"""The planner prices a config before anything runs, from models built on the meta device, and
reads the config as the workflow does."""

import pytest
import yaml

from scalinglaws.configfile import load
from scalinglaws.plan import main, plan_cells, report
from scalinglaws.studies import expand_studies


def test_default_plan_covers_every_cell():
    config = load([])
    cells = sum(len(by_id) for by_id in expand_studies(config).values())
    plan = plan_cells(config)
    assert len(plan) == cells and plan["flops"].gt(plan["flops_6N"]).all()
    table = report(plan, "h100", 0.35, None)
    assert table.loc["total", "cells"] == cells


def test_a_preset_removes_a_default_study_with_null():
    config = load(["workflow/presets/paper.yaml"])
    assert "lr_scan" not in config["studies"] and "baseline" not in config["studies"]
    assert "lr_scan" not in set(plan_cells(config)["study"])


def test_paper_preset_spans_the_papers_range():
    plan = plan_cells(load(["workflow/presets/paper.yaml"]))
    size = plan[plan["study"] == "size"]
    assert size["N"].min() == 768 and 1.4e9 < size["N"].max() < 1.6e9
    steps = size["tokens"] / 2**19
    assert (steps == 250_000).all()  # 2.5e5 steps of 2^19 tokens


def test_a_preset_merges_over_config_yaml_key_by_key(tmp_path):
    preset = tmp_path / "preset.yaml"
    preset.write_text(yaml.safe_dump({"train": {"lr": 2e-3}, "studies": {"lstm": None}}))
    config, default = load([str(preset)]), yaml.safe_load(open("config.yaml"))
    assert config["train"] == default["train"] | {"lr": 2e-3}
    assert set(config["studies"]) == set(default["studies"]) - {"lstm"}


def test_the_schemas_defaults_are_filled_in_as_the_snakefile_fills_them(tmp_path, monkeypatch):
    config = yaml.safe_load(open("config.yaml"))
    del config["corpus"]["prose"]
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)  # no config.yaml here: snakemake would read the given file alone
    assert load(["mine.yaml"])["corpus"]["prose"] == []


@pytest.mark.parametrize("preset, key", [
    ({"train": {"batch_size": "big"}}, "On instance['train']['batch_size']"),  # the schema's
    ({"studies": {"lstm": {"widths": [8], "layers": [1], "trian": {}}}}, "'trian' was unexpected"),
    ({"train": {"tokens": 1000}}, "train.tokens = 1000 is less than one step"),  # config_checks'
    ({"corpus": {"allow_private_addresses": ["10/8"]}}, "corpus.allow_private_addresses[0]: '10/8' is not"),
])
def test_a_bad_preset_is_refused_naming_the_key(preset, key, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(preset))
    with pytest.raises(SystemExit) as refused:
        main(["--configfile", str(path)])
    assert str(refused.value).startswith("config error: ") and key in str(refused.value)


def test_the_ladder_is_priced_at_gpu_scale():
    config = load(["workflow/presets/gpu.yaml", "workflow/presets/ladder-gpu.yaml"])
    plan = plan_cells(config)
    ladder = plan[plan["study"] == "ladder"]
    assert set(plan["study"]) == {"lr_scan", "ladder"} and len(ladder) == 80
    assert ladder["tokens"].max() < 1e9  # one epoch of the gpu preset's corpus at most
    assert 1 < report(plan, "h100", 0.35, None).loc["total", "gpu_hours"] < 10
