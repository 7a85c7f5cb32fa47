import math

import pytest

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
