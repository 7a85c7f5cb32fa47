"""The tuned LR: per-size optima from a scan, applied per size and summarised by lr*(N) = lr_ref (N / N_ref)^-p."""

import json
import math

import numpy as np
import pytest

from scalinglaws.fit.lr_rule import fit_lr_rule, power_law_lr, read_scan, scan_table, size_optimum
from scalinglaws.train.schedule import tuned_lr

LRS = [2.5e-3, 5e-3, 1e-2, 2e-2]


def scan(p=0.3, lr_ref=6e-3, N_ref=2e4, Ns=(5e3, 2e4, 8e4), curvature=0.4, noise=0.0, seed=0):
    """Losses parabolic in ln(lr) about each size's true optimum."""
    rng = np.random.default_rng(seed)
    runs = []
    for N in Ns:
        best = math.log(lr_ref * (N / N_ref) ** -p)
        for lr in LRS:
            loss = 4.0 - 0.1 * math.log(N) + curvature * (math.log(lr) - best) ** 2 + noise * rng.standard_normal()
            runs.append({"N": N, "lr": lr, "loss": loss, "se": noise, "run": f"scan/N{N:g}_lr{lr:g}"})
    return runs


def test_the_rule_recovers_the_optima_it_was_drawn_from():
    rule = fit_lr_rule(scan(), n_boot=50)
    N_ref = rule["N_ref"]
    for size in rule["per_size"]:
        assert size["lr_opt"] == pytest.approx(6e-3 * (size["N"] / 2e4) ** -0.3, rel=1e-6)
    assert rule["params"]["p"] == pytest.approx(0.3, abs=1e-6)
    assert power_law_lr(rule, N_ref) == pytest.approx(rule["params"]["lr_ref"])
    assert rule["warnings"] == []


def test_a_cell_trains_at_its_sizes_optimum_interpolated_between_sizes():
    # optima that no power law fits: the smallest size wants a much larger LR than the other two
    runs = [r for r in scan(Ns=(2e4, 8e4))] + [r | {"N": 5e3, "loss": r["loss"] - (r["lr"] == 2e-2)} for r in scan(Ns=(5e3,))]
    rule = fit_lr_rule(runs, n_boot=10)
    optima = {size["N"]: size["lr_opt"] for size in rule["per_size"]}
    assert optima[5e3] == pytest.approx(2e-2)
    for N, lr in optima.items():
        assert tuned_lr(rule, N) == pytest.approx(lr)
    assert tuned_lr(rule, 1e4) == pytest.approx(math.exp((math.log(optima[5e3]) + math.log(optima[2e4])) / 2))
    assert tuned_lr(rule, 1e3) == pytest.approx(optima[5e3]) and tuned_lr(rule, 1e6) == pytest.approx(optima[8e4])


def test_noisy_losses_give_an_interval_that_covers_the_truth():
    rule = fit_lr_rule(scan(noise=0.01, seed=3), n_boot=300)
    lo, hi = rule["intervals"]["p"]
    assert lo < 0.3 < hi and hi - lo < 1.0


def test_an_optimum_at_the_edge_of_the_scan_is_flagged_and_kept_at_the_edge():
    runs = scan(lr_ref=5e-2)  # every optimum above the largest scanned LR
    rule = fit_lr_rule(runs, n_boot=10)
    assert len(rule["warnings"]) == 3 and "edge of the scan" in rule["warnings"][0]
    assert all(size["lr_opt"] == pytest.approx(max(LRS)) for size in rule["per_size"])


def test_an_optimum_beyond_the_scan_is_its_edge_lr():
    rule = fit_lr_rule(scan(p=0.5, Ns=(1e3, 2e4, 1e6)), n_boot=10)  # the ends' optima beyond the scan
    assert tuned_lr(rule, 1e3) == pytest.approx(max(LRS))
    assert tuned_lr(rule, 1e6) == pytest.approx(min(LRS))


def test_a_scan_too_small_for_a_rule_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="at least 2 sizes"):
        fit_lr_rule(scan(Ns=(1e4,)))
    runs = [r for r in scan() if not (r["N"] == 5e3 and r["lr"] in (2.5e-3, 5e-3))]
    with pytest.raises(ValueError, match=r"too few LRs at N 5e\+03"):
        fit_lr_rule(runs)


def test_size_optimum_is_the_vertex_through_the_best_and_its_neighbours():
    lrs = np.array(LRS)
    losses = (np.log(lrs) - math.log(7e-3)) ** 2
    ln_opt, at_edge = size_optimum(lrs, losses)
    assert math.exp(ln_opt) == pytest.approx(7e-3) and not at_edge


def test_read_scan_reads_summaries_and_skips_diverged_runs(tmp_path):
    paths = []
    for i, (lr, status) in enumerate([(5e-3, "completed"), (4e-2, "diverged"), ("paper", "completed")]):
        summary = {"study": "lr_scan", "cell": f"c{i}", "status": status, "config": {"lr": lr}, "accounting": {"N": 1e4},
                   "final_eval_test_loss": 3.0, "final_eval_test_loss_se": 0.01}
        path = tmp_path / f"c{i}" / "summary.json"
        path.parent.mkdir()
        path.write_text(json.dumps(summary))
        paths.append(path)
    assert [r["run"] for r in read_scan(paths[:2])] == ["lr_scan/c0"]
    with pytest.raises(ValueError, match="needs a numeric lr"):
        read_scan(paths)


def test_the_scan_table_has_every_run_with_the_lr_the_other_studies_get():
    rule = fit_lr_rule(scan(), n_boot=10)
    rows = scan_table(rule)
    assert len(rows) == 3 * len(LRS)
    assert all(r["lr_tuned"] == pytest.approx(tuned_lr(rule, r["N"])) for r in rows)
    assert all(r["lr_power_law"] == pytest.approx(power_law_lr(rule, r["N"])) for r in rows)
