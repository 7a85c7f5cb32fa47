"""The config expands into cells with stable ids; a bad study stops with an error naming its key."""

import copy
import math

import pytest
import yaml

from scalinglaws.studies import expand_studies
from scalinglaws.train.accounting import paper_nonembedding
from scalinglaws.train.cell import Cell

CONFIG = yaml.safe_load(open("config.yaml"))


def test_default_config_expands_every_study():
    cells = expand_studies(CONFIG)
    assert set(cells) == {"lr_scan", "size", "baseline", "data", "shape", "batch", "lstm", "recurrent", "context",
                          "lr_schedule", "depth"}
    sizes = [paper_nonembedding(Cell.from_dict(c).model_config(512)) for c in cells["size"].values()]
    assert len(sizes) >= 6 and max(sizes) / min(sizes) >= 100  # two decades of N


def test_ids_are_stable_and_readable():
    cells = expand_studies(CONFIG)
    assert "L2_d16_D1-16" in cells["data"] and cells["data"]["L2_d16_D1-16"]["dataset_fraction"] == 1 / 16
    assert cells["data"]["L2_d16_Dfull"]["dataset_fraction"] is None
    assert "L2_d32_B64" in cells["batch"] and cells["batch"]["L2_d32_B64"]["batch_size"] == 64
    assert expand_studies(copy.deepcopy(CONFIG)) == cells


def test_shape_study_holds_n_roughly_fixed():
    shape = expand_studies(CONFIG)["shape"]
    counts = [paper_nonembedding(Cell.from_dict(c).model_config(512)) for c in shape.values()]
    target = CONFIG["studies"]["shape"]["n_params"]
    assert all(abs(math.log(n / target)) < math.log(1.8) for n in counts), counts


def test_changing_one_cell_changes_only_that_cell():
    changed = copy.deepcopy(CONFIG)
    changed["studies"]["size"]["shapes"][0] = [1, 12]
    before, after = expand_studies(CONFIG)["size"], expand_studies(changed)["size"]
    assert {k: v for k, v in before.items() if k != "L1_d8"} == {k: v for k, v in after.items() if k != "L1_d12"}


@pytest.mark.parametrize("edit,key", [
    (lambda c: c["studies"]["size"].update(shapes=[[2, 50]], head_dim=16), "studies.size: d_model=50"),
    (lambda c: c["studies"]["data"].pop("halvings"), "studies.data: a data study needs the key 'halvings'"),
    (lambda c: c["studies"].update(wide={"kind": "huge"}), "studies.wide: unknown kind"),
    (lambda c: c["studies"]["size"].update(track=["L9_d9"]), "studies.size.track"),
    (lambda c: c["studies"]["shape"]["head_widths"].update(head_dims=[24]), "studies.shape.head_widths"),
    (lambda c: c["studies"]["size"]["train"].update(learning_rate=1), "unknown setting"),
    (lambda c: c["studies"]["depth"].update(seeds=[0, 0]), "studies.depth.seeds: a list of distinct integers"),
    (lambda c: c["studies"]["lr_scan"].pop("lrs"), "studies.lr_scan: a lr_scan study needs the key 'lrs'"),
])
def test_bad_study_names_its_key(edit, key):
    config = copy.deepcopy(CONFIG)
    edit(config)
    with pytest.raises(ValueError, match=key.replace(".", r"\.").replace("(", r"\(")):
        expand_studies(config)


def test_lr_scan_trains_each_shape_at_every_listed_lr_and_the_rest_use_the_tuned_rule():
    cells = expand_studies(CONFIG)
    scan = cells["lr_scan"]
    lrs = CONFIG["studies"]["lr_scan"]["lrs"]
    assert len(scan) == len(CONFIG["studies"]["lr_scan"]["shapes"]) * len(lrs)
    assert sorted({c["lr"] for c in scan.values()}) == sorted(lrs)
    assert scan[f"L2_d16_lr{lrs[0]:g}"]["lr"] == lrs[0]
    assert all(c["lr"] == "tuned" for study, by_id in cells.items() if study != "lr_scan"
               for c in by_id.values() if study != "lr_schedule" or not c["cell_id"].startswith("cosine_low"))


def test_seeds_repeat_every_cell_and_keep_the_first_id():
    depth = expand_studies(CONFIG)["depth"]
    seeds = CONFIG["studies"]["depth"]["seeds"]
    assert len(depth) == len(CONFIG["studies"]["depth"]["depths"]) * len(seeds)
    assert depth["L8_d16"]["seed"] == seeds[0] and depth[f"L8_d16_s{seeds[1]}"]["seed"] == seeds[1]
    assert {k: v for k, v in depth["L8_d16"].items() if k not in ("seed", "cell_id")} == \
        {k: v for k, v in depth[f"L8_d16_s{seeds[1]}"].items() if k not in ("seed", "cell_id")}


def test_the_baseline_trains_the_size_shapes_at_the_comparison_budget():
    cells = expand_studies(CONFIG)
    baseline, lstm = cells["baseline"], cells["lstm"]
    assert set(baseline) <= set(cells["size"])
    assert {c["tokens"] for c in baseline.values()} == {c["tokens"] for c in lstm.values()}


def test_the_ladder_preset_trains_isoflop_sets_to_exactly_their_budgets():
    from scalinglaws.configfile import load
    from scalinglaws.train.cell import planned_accounting

    config = load(["workflow/presets/ladder.yaml"])
    cells = expand_studies(config)
    assert set(cells) == {"lr_scan", "ladder"}  # the tuned-LR step reads the scan's rule
    spec = config["studies"]["ladder"]
    steps, budgets = list(spec["steps"]), spec["budgets"]
    assert steps == ["kaplan", "short_warmup", "matched_decay", "tuned_lr"] and len(budgets) >= 4
    longest = max(c["steps"] for c in cells["ladder"].values())
    sizes = {}
    for cell in cells["ladder"].values():
        step, budget = cell["extra"]["ladder_step"], cell["extra"]["budget"]
        assert cell["cell_id"].startswith(f"{step}_C") and budget in budgets
        per_token = planned_accounting(Cell.from_dict(cell), 512)["flops_per_token_with_head"]
        step_flops = per_token * cell["batch_size"] * cell["n_ctx"]
        assert abs(cell["tokens"] * per_token - budget) <= step_flops / 2  # its budget, to half a step
        assert cell["steps"] >= 70
        assert cell.get("decay_steps") == (longest if step in ("kaplan", "short_warmup") else None)
        assert cell["lr"] == ("tuned" if step == "tuned_lr" else spec["train"]["lr"])
        assert cell["warmup_steps"] == (150 if step == "kaplan" else 16)
        sizes.setdefault((step, budget), []).append(cell["d_model"] * 100 + cell["n_layer"])
    assert all(len(s) >= 5 for s in sizes.values()) and len(sizes) == len(steps) * len(budgets)
    # the window of sizes moves up with the budget, the same for every step
    for step in steps:
        windows = [sorted(sizes[step, b]) for b in sorted(budgets)]
        assert all(lo[0] < hi[0] and lo[-1] < hi[-1] for lo, hi in zip(windows, windows[1:]))


def test_a_ladder_budget_with_fewer_than_five_sizes_names_its_key():
    from scalinglaws.configfile import load

    config = load(["workflow/presets/ladder.yaml"])
    config["studies"]["ladder"].update(shapes=[[2, 16], [2, 24], [2, 32], [3, 48]], sizes_per_budget=4)
    with pytest.raises(ValueError, match="studies.ladder.shapes: 4 sizes per budget; an IsoFLOP set needs at least 5"):
        expand_studies(config)
