"""The ladder's figure and table, drawn by the figure CLI from a fit of a synthetic ladder study."""

import pandas as pd

from scalinglaws.figures.__main__ import main
from scalinglaws.fit import synthetic
from scalinglaws.fit.ladder import fit_ladder, ladder_table
from scalinglaws.io import write_json, write_table


def test_the_ladder_figure_and_table_are_drawn_from_the_fit(tmp_path):
    runs = synthetic.isoflop_ladder(steps=("kaplan", "short_warmup", "matched_decay", "tuned_lr"),
                                    budgets=(1e17, 3e17, 1e18, 3e18))
    fit = fit_ladder(runs, n_boot=20)
    write_json(tmp_path / "ladder.json", fit)
    main(["ladder", "--in", f"ladder={tmp_path / 'ladder.json'}", "--out", str(tmp_path / "ladder.png")])
    assert (tmp_path / "ladder.png").stat().st_size > 20_000 and (tmp_path / "ladder.pdf").exists()
    write_table(ladder_table(fit), tmp_path / "ladder")
    table = pd.read_csv(tmp_path / "ladder.csv")
    assert list(table["rung"].dropna().astype(int)) == [0, 1, 2, 3, 4]  # Porian's path: 5 rungs for 4 steps
    assert "| rung | step | convention |" in (tmp_path / "ladder.md").read_text()
