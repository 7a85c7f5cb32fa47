"""The planner prices a config before anything runs, from models built on the meta device."""

from scalinglaws.plan import load_config, plan_cells, report
from scalinglaws.studies import expand_studies


def test_default_plan_covers_every_cell():
    config = load_config(["config.yaml"])
    cells = sum(len(by_id) for by_id in expand_studies(config).values())
    plan = plan_cells(config)
    assert len(plan) == cells and plan["flops"].gt(plan["flops_6N"]).all()
    table = report(plan, "h100", 0.35, None)
    assert table.loc["total", "cells"] == cells


def test_a_preset_removes_a_default_study_with_null():
    config = load_config(["config.yaml", "workflow/presets/paper.yaml"])
    assert "lr_scan" not in config["studies"] and "baseline" not in config["studies"]
    assert "lr_scan" not in set(plan_cells(config)["study"])


def test_paper_preset_spans_the_papers_range():
    plan = plan_cells(load_config(["config.yaml", "workflow/presets/paper.yaml"]))
    size = plan[plan["study"] == "size"]
    assert size["N"].min() == 768 and 1.4e9 < size["N"].max() < 1.6e9
    steps = size["tokens"] / 2**19
    assert (steps == 250_000).all()  # 2.5e5 steps of 2^19 tokens


def test_the_ladder_is_priced_at_gpu_scale():
    config = load_config(["config.yaml", "workflow/presets/gpu.yaml", "workflow/presets/ladder-gpu.yaml"])
    plan = plan_cells(config)
    ladder = plan[plan["study"] == "ladder"]
    assert set(plan["study"]) == {"lr_scan", "ladder"} and len(ladder) == 80
    assert ladder["tokens"].max() < 1e9  # one epoch of the gpu preset's corpus at most
    assert 1 < report(plan, "h100", 0.35, None).loc["total", "gpu_hours"] < 10
