"""Every figure drawn from the synthetic study: its panels have their series, data and log axes."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from figure_data import FIGURES

from scalinglaws.figures import declaration, declarations
from scalinglaws.figures.__main__ import load, main
from scalinglaws.fit import suite

# figure -> per panel: (x log, y log, legend labels that must appear (substrings), least lines + collections)
EXPECT = {
    "fig01_summary": [(True, True, ["envelope", "ours", "paper"], 5), (True, True, ["ours", "paper"], 3),
                      (True, True, ["ours", "paper", "our runs"], 3)],
    "fig02_sample_efficiency": [(True, True, ["params"], 5), (True, True, ["frontier"], 6)],
    "fig03_scaling_contributions": [(True, True, ["Model size, paper", "Model size, ours", "Batch size, ours",
                                                  "Serial steps, ours"], 6)],
    "fig04_loss_n_d": [(True, True, ["N = ", "ours", "paper", "still improving"], 9), (True, True, ["ours"], 8)],
    "fig05_shape": [(True, False, ["N ≈"], 2), (True, False, ["N ≈"], 2), (True, False, ["d_{model}"], 2)],
    "fig06_embedding": [(True, True, ["layers"], 2), (True, True, ["L(N) fit"], 3)],
    "fig07_lstm": [(True, True, ["Transformers", "LSTMs, 1 layer", "LSTMs, 2 layers", "LSTMs, 4 layers"], 4),
                   (True, False, ["LSTM", "Transformer"], 4)],
    "fig08_generalization": [(True, True, ["Training distribution (test)", "Books", "Wikipedia"], 3),
                             (False, False, ["Books at convergence", "Wikipedia at convergence"], 3)],
    "fig09_overfitting": [(True, True, ["all data", "ours", "still improving"], 8), (True, False, ["ours", "paper"], 5)],
    "fig10_critical_batch": [(True, True, ["noise scale", "empirical", "ours (scans)", "ours (noise scale)", "adopted",
                                            "paper"], 5)],
    "fig11_compute_steps": [(True, True, ["our runs", "ours"], 8), (True, True, ["our runs", "ours"], 8)],
    "fig12_suboptimal": [(True, True, ["paper", "ours", "0.6x-2.2x"], 2), (True, False, ["paper", "ours"], 2)],
    "fig13_compute_trends": [(True, True, ["envelope of L(C)", "envelope of L(C_min)", "ours", "paper"], 8)],
    "fig14_optimal_size_steps": [(True, True, ["frontier N", "ours", "paper"], 6), (True, True, ["S_{min}", "ours", "paper"], 4)],
    "fig15_contradiction": [(True, True, ["paper: $L(C_{min})$", "ours: $L(C_{min})$", "ours: $L(D(C_{min}))$"], 4)],
    "fig16_early_stopping": [(True, True, ["lower bound"], 2), (True, True, ["test loss", "train loss"], 6)],
    "fig17_recurrent": [(True, True, ["2x reuse", "4x reuse", "non-recurrent"], 3), (True, True, ["2x reuse"], 3)],
    "fig18_batch_scans": [(True, True, ["one run per batch size", "Eq 5.1"], 8)],
    "fig19_sample_efficiency_min": [(True, True, [], 3), (True, True, [], 3)],
    "fig20_per_token": [(True, False, ["paper", "T^{-c}"], 8), (True, True, [], 0)],
    "fig21_context_positions": [(True, True, ["Token 1/64", "Token 64/64", "Token 8/8"], 10)],
    "fig22_lr_schedule": [(False, False, ["cosine", "linear", "constant"], 3), (False, False, ["cosine"], 3)],
    "fig23_log_vs_power": [(True, True, ["ours: $(N", "ours: $-k", "paper: $(N", "paper: $-0.25"], 5)],
    "fig24_depth_generalization": [(True, True, ["Books", "Wikipedia", "(train)", "(test)"], 4)],
}


def paths(root) -> dict[str, str]:
    """Every input a figure may take, by the name its draw() uses, as figures.smk names them."""
    out = {name: root / f"{name}.parquet" for name in ("runs", "curves", "positions")}
    out |= {f"fit_{p.stem}": p for p in (root / "fits" / "non_embedding").glob("*.json")}
    out |= suite.suite_outputs(list(suite.FITS), str(root / "fits"))
    return {k: str(v) for k, v in out.items() if Path(v).exists()}


def draw(name: str, root):
    module = importlib.import_module(f"scalinglaws.figures.{name}")
    available = paths(root)
    wanted = [n for n in (*module.INPUTS, *getattr(module, "OPTIONAL", ())) if n in available]
    return module.draw(**{n: load(n, available[n]) for n in wanted})


def test_every_figure_has_a_test():
    assert sorted(EXPECT) == FIGURES and len(FIGURES) == 24


@pytest.mark.parametrize("name", FIGURES)
def test_declaration_matches_draw(name):
    """What a module declares (read from its source, as the workflow reads it) is what its draw() takes:
    every required input is a parameter without a default, every optional one a parameter with one."""
    declared = declaration(name)
    module = importlib.import_module(f"scalinglaws.figures.{name}")
    assert (declared.inputs, declared.optional) == (module.INPUTS, getattr(module, "OPTIONAL", ()))
    params = inspect.signature(module.draw).parameters
    takes_any = any(v.kind is inspect.Parameter.VAR_KEYWORD for v in params.values())  # draw(**fits)
    named = {p: v for p, v in params.items() if v.kind is not inspect.Parameter.VAR_KEYWORD}
    required = [p for p, v in named.items() if v.default is inspect.Parameter.empty]
    assert sorted(required) == sorted(declared.inputs)
    optional = set(named) - set(required)
    assert optional <= set(declared.optional) if takes_any else optional == set(declared.optional)


def test_declaration_must_be_literal(tmp_path, monkeypatch):
    import scalinglaws.figures as figures

    (tmp_path / "fig99_made_up.py").write_text("KINDS = {'size'}\nNEEDS = KINDS\nINPUTS = ('runs',)\n")
    monkeypatch.setattr(figures, "FIGURES_DIR", tmp_path)
    with pytest.raises(ValueError, match="fig99_made_up.py: NEEDS must be a literal"):
        declarations()


@pytest.mark.parametrize("name", FIGURES)
def test_figure_has_its_series(name, results):
    fig = draw(name, results)
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    try:
        assert len(axes) == len(EXPECT[name]), [ax.get_title() for ax in axes]
        for ax, (xlog, ylog, labels, n_artists) in zip(axes, EXPECT[name]):
            assert (ax.get_xscale() == "log") == xlog and (ax.get_yscale() == "log") == ylog, ax.get_title()
            legend = [t.get_text() for t in ax.get_legend().get_texts()] if ax.get_legend() else []
            for label in labels:
                assert any(label in text for text in legend), (label, legend)
            artists = [a for a in [*ax.lines, *ax.collections] if _has_data(a)]
            assert len(artists) >= n_artists, (ax.get_title(), len(artists))
    finally:
        plt.close(fig)


def _has_data(artist) -> bool:
    data = artist.get_xydata() if hasattr(artist, "get_xydata") else artist.get_offsets()
    data = np.asarray(data, dtype=float)
    return data.size > 0 and np.isfinite(data).any()


def test_cli_writes_png_and_pdf(results, tmp_path):
    available = paths(results)
    main(["fig23_log_vs_power", *(f"--in={n}={available[n]}" for n in ("runs", "fit_L_N", "fit_log_N")),
          "--out", str(tmp_path / "fig23.png")])
    assert (tmp_path / "fig23.png").stat().st_size > 10_000 and (tmp_path / "fig23.pdf").stat().st_size > 5_000


def test_missing_study_is_named_not_drawn(results):
    runs = load("runs", paths(results)["runs"])
    module = importlib.import_module("scalinglaws.figures.fig01_summary")
    fig = module.draw(runs[runs["kind"] != "data"], load("curves", paths(results)["curves"]),
                      load("fit_L_N", paths(results)["fit_L_N"]))
    assert any("no data study" in t.get_text() for t in fig.axes[1].texts)
    plt.close(fig)


def test_not_fitted_law_is_left_out(results):
    runs = load("runs", paths(results)["runs"])
    module = importlib.import_module("scalinglaws.figures.fig23_log_vs_power")
    empty = {"law": "L_N", "params": {}, "intervals": {}, "not_fitted": "too few runs"}
    fig = module.draw(runs, empty, empty)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert not any(label.startswith("ours") for label in labels) and any(label.startswith("paper") for label in labels)
    plt.close(fig)
