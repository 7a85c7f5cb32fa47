"""The planner prices a config before anything runs, from models built on the meta device."""

from scalinglaws.plan import load_config, plan_cells, report


def test_default_plan_covers_every_cell():
    plan = plan_cells(load_config(["config.yaml"]))
    assert len(plan) == 60 and plan["flops"].gt(plan["flops_6N"]).all()
    table = report(plan, "h100", 0.35, None)
    assert table.loc["total", "cells"] == 60


def test_paper_preset_spans_the_papers_range():
    plan = plan_cells(load_config(["config.yaml", "workflow/presets/paper.yaml"]))
    size = plan[plan["study"] == "size"]
    assert size["N"].min() == 768 and 1.4e9 < size["N"].max() < 1.6e9
    steps = size["tokens"] / 2**19
    assert (steps == 250_000).all()  # 2.5e5 steps of 2^19 tokens
