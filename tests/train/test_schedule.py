import math

import pytest

from scalinglaws.train.cell import Cell
from scalinglaws.train.schedule import lr_at, paper_lr_rule


def test_warmup_then_cosine_to_zero():
    lrs = [lr_at(s, peak=1.0, total_steps=100, warmup_steps=10) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(lrs[9:], lrs[10:]))  # monotone decay after warmup
    assert 0 < lrs[-1] < 1e-3  # the last step still learns; the schedule ends at zero


def test_floor_and_other_schedules():
    assert lr_at(99, peak=1.0, total_steps=100, warmup_steps=10, floor=0.1) == pytest.approx(0.1, abs=1e-3)
    assert lr_at(55, peak=2.0, total_steps=100, warmup_steps=10, schedule="linear") == pytest.approx(1.0)
    assert lr_at(80, peak=2.0, total_steps=100, warmup_steps=10, schedule="constant") == 2.0
    with pytest.raises(ValueError, match="unknown schedule"):
        lr_at(0, peak=1.0, total_steps=10, warmup_steps=1, schedule="step")


def test_paper_lr_rule_values():
    # derived in spec/paper.md from Eq. D.1 with the natural log
    assert paper_lr_rule(1e6) == pytest.approx(1.31e-3, rel=0.01)
    assert paper_lr_rule(1e9) == pytest.approx(3.5e-4, rel=0.02)
    with pytest.raises(ValueError):
        paper_lr_rule(math.exp(0.003239 / 0.0001395) * 2)


def test_a_fixed_horizon_stops_a_short_run_before_its_lr_has_decayed():
    base = dict(study="s", cell_id="c", n_layer=1, d_model=8, n_head=1, n_ctx=8, batch_size=2, tokens=1600.0,
                warmup_steps=10)
    own, fixed = Cell.from_dict(base), Cell.from_dict({**base, "decay_steps": 1000})
    assert own.total_steps() == fixed.total_steps() == 100
    assert own.horizon() == 100 and fixed.horizon() == 1000
    last = {cell.horizon(): lr_at(99, peak=1.0, total_steps=cell.horizon(), warmup_steps=cell.warmup(cell.horizon()))
            for cell in (own, fixed)}
    assert last[100] < 1e-3 and last[1000] > 0.97  # matched: decayed to zero; fixed horizon: still near the peak
    assert own.fingerprint() != fixed.fingerprint()  # a resumed run never continues under another schedule
    # a share of the horizon, not of the run: Kaplan's warmup is long beside a short budget
    assert Cell.from_dict({**base, "warmup_steps": None, "warmup_fraction": 0.2, "decay_steps": 1000}).warmup(1000) == 200
    with pytest.raises(ValueError, match="decay_steps must be a whole number of steps"):
        Cell.from_dict({**base, "decay_steps": "longest"}).horizon()  # resolved only by studies.expand_studies
