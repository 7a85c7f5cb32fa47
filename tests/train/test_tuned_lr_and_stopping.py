"""A tuned cell trains at the fitted rule's LR; early stopping waits for a real rise; the final test
evaluation takes the cell's own number of windows."""

import json

import numpy as np
import pytest

from scalinglaws.train.cell import Cell
from scalinglaws.train.cli import resolve_tuned_lr
from scalinglaws.train.loop import CellRun, EvalSet, train_cell

VOCAB = 64
BASE = dict(study="t", cell_id="c", n_layer=1, d_model=16, n_head=1, n_ctx=16, batch_size=4, tokens=4 * 16 * 20,
            eval_windows=8, threads=1)
# two scanned sizes: N 3072 (optimum 4e-3) and N 12288 (2e-3)
RULE = {"per_size": [{"N": 3072.0, "lr_opt": 4e-3}, {"N": 12288.0, "lr_opt": 2e-3}]}


@pytest.fixture(scope="module")
def stream():
    rng = np.random.default_rng(0)
    return ((np.arange(20_000) * 5 + rng.integers(0, 3, 20_000)) % VOCAB).astype(np.uint16)


def test_tuned_cells_get_the_rules_lr_at_their_n_and_others_keep_theirs(tmp_path):
    path = tmp_path / "lr_rule.json"
    path.write_text(json.dumps(RULE))
    tuned = Cell.from_dict(BASE | {"lr": "tuned"})  # N = 12 * 1 * 16^2 = 3072 = N_ref
    wide = Cell.from_dict(BASE | {"cell_id": "w", "d_model": 64, "lr": "tuned"})  # N 16x: the largest size's
    fixed = Cell.from_dict(BASE | {"cell_id": "f", "lr": 2e-3})
    a, b, c = resolve_tuned_lr([tuned, wide, fixed], str(path))
    assert a.lr == pytest.approx(4e-3) and a.extra["lr_rule"] == str(path)
    assert b.lr == pytest.approx(2e-3)
    assert c == fixed
    assert a.fingerprint() != tuned.fingerprint()  # a resume point of another LR is never reused


def test_tuned_cells_without_a_rule_stop_with_the_cells_named():
    with pytest.raises(SystemExit, match="need --lr-rule.*: c"):
        resolve_tuned_lr([Cell.from_dict(BASE | {"lr": "tuned"})], None)
    with pytest.raises(ValueError, match="lr 'tuned' is resolved"):
        Cell.from_dict(BASE | {"lr": "tuned"}).resolved_lr(3072)


def _stopping_run(stream, tmp_path, margin):
    cell = Cell.from_dict(BASE | {"patience": 2, "stop_margin": margin})
    return CellRun(cell, stream[:15_000], stream[15_000:], VOCAB, tmp_path, progress=False)


@pytest.mark.parametrize("margin,stops", [(0.0, True), (0.05, False)])
def test_early_stopping_counts_only_evaluations_beyond_the_margin(stream, tmp_path, margin, stops):
    run = _stopping_run(stream, tmp_path, margin)
    for loss in (3.00, 3.01, 3.02, 3.03):  # a plateau 1% above the best: noise, not overfitting
        run.state.step += 1
        run._track_best(loss, weights=dict)
    assert (run.state.status == "early_stopped") is stops
    run._track_best(3.5, weights=dict)
    run._track_best(3.6, weights=dict)
    assert run.state.status == "early_stopped"  # a real rise stops it either way


def test_the_final_test_evaluation_uses_the_cells_windows(stream, tmp_path):
    cell = Cell.from_dict(BASE | {"final_test_windows": 40})
    train_cell(cell, stream[:15_000], stream[15_000:], VOCAB, tmp_path, progress=False, final_windows=10,
               final_sets={"ood": EvalSet(stream[:5_000], 2.0)})
    sets = json.loads((tmp_path / "eval.json").read_text())["sets"]
    assert sets["test"]["windows"] == 40 and sets["ood"]["windows"] == 10
