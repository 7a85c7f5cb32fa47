"""The ladder preset's DAG, from a dry run of the real Snakefile: the scan, the ladder's packs, its fit,
table and figure, and none of the figures whose studies the preset removes."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_ladder_preset_plans_its_fit_table_and_figure(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--configfile",
                           str(REPO / "config.yaml"), str(REPO / "workflow/presets/ladder.yaml"), "-n", "--quiet",
                           "rules"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rules = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", proc.stdout, re.M)}
    assert {"fit_lr_rule", "fit_ladder", "ladder_figure", "corpus_acquire", "scorecard"} <= set(rules)
    assert any(rule.startswith("train_ladder_") for rule in rules) and "train_lr_scan_1" in rules
    assert not {"fig01_summary", "fig22_lr_schedule", "predictions_table"} & set(rules)
