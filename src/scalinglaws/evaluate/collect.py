"""Gather every run of the workflow into two tables the fitting library reads.

runs.parquet   one row per run: the cell's settings, its accounting, final/best losses, and the
               mean loss, its standard error and bits per byte on each evaluation set (``loss_<set>``,
               ``se_loss_<set>``, ``bpb_<set>``), and where its wall time went (``seconds_<activity>``);
curves.parquet one row per logged step per run: tokens, FLOPs under each convention, losses;
positions.parquet  the final model's mean loss at each context position, per run and evaluation set
               (``run_id, set, position, loss, loss_se``, from each run's eval.parquet and
               extra/*.parquet; Figs 7, 20, 21);
wall_time.csv  seconds per activity of the training jobs, summed per study (``wall_time_table``).
The column names are the fitting library's input schema (``scalinglaws.fit``). ``study`` holds the
name a run's study has in the config and ``kind`` that study's kind (``size``, ``data``, ``batch`` ...:
what the fits and figures select on); the two differ for ``studies: {scans: {kind: batch}}``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from scalinglaws.io import atomic_path, name_equals_value, read_json
from scalinglaws.train.cell import Cell


def run_row(run_dir: Path, kinds: dict[str, str] | None = None) -> dict:
    """One run's row; ``kinds`` maps a study's config name to its kind where the two differ."""
    summary = read_json(run_dir / "summary.json")
    config = summary["config"]
    # the shape as its arch's model has it: a Transformer's d_ff defaults to 4 d_model, an LSTM has no n_head
    settings = config | Cell.from_dict(config).shape()
    row = {
        "run_id": f"{summary['study']}/{summary['cell']}",
        "study": summary["study"],
        "kind": (kinds or {}).get(summary["study"], summary["study"]),
        "cell": summary["cell"],
        "status": summary["status"],
        **{k: settings[k] for k in ("n_layer", "d_model", "n_head", "n_ctx", "batch_size", "dropout", "reuse", "seed",
                                    "d_ff", "d_attn")},
        "dataset_tokens_requested": config["dataset_tokens"],
        **summary["accounting"],
        **{k: summary[k] for k in ("steps", "tokens", "batch_tokens", "dataset_tokens", "unique_tokens_seen", "epochs", "final_test_loss", "final_train_loss", "best_test_loss", "best_step",
                                   "stop_step", "lr_peak", "train_seconds", "tokens_per_second", "device",
                                   "vocab_size")},
    }
    row["flops_6N"] = summary["C_6N"]
    # the fitting library reads NaN as unlimited data: the run saw the whole training stream
    row["dataset_tokens_available"] = summary["dataset_tokens"]
    if config["dataset_tokens"] is None and config.get("dataset_fraction") is None:
        row["dataset_tokens"] = float("nan")
    row["test_loss"] = summary["final_test_loss"]
    row["test_loss_best"] = summary["best_test_loss"]
    row["se_test_loss"] = summary.get("final_test_loss_se", float("nan"))
    row["se_test_loss_best"] = summary.get("best_test_loss_se", float("nan"))
    row["wall_seconds"] = summary.get("wall_seconds", float("nan"))
    row.update({f"seconds_{activity}": seconds for activity, seconds in summary.get("seconds", {}).items()})
    for eval_path in _evaluations(run_dir, ".json"):
        for name, values in read_json(eval_path)["sets"].items():
            row[f"loss_{name}"] = values["loss"]
            row[f"se_loss_{name}"] = values.get("loss_se", float("nan"))
            row[f"bpb_{name}"] = values["bits_per_byte"]
    if "loss_test" in row:
        # the final evaluation's many windows, not the last point of the training curve, are the run's
        # test loss; with early stopping they evaluate the best weights, so they are also its best loss
        # (the curve's minimum over noisy evaluations is biased low)
        row["test_loss"], row["se_test_loss"] = row["loss_test"], row["se_loss_test"]
        if config.get("patience"):
            row["test_loss_best"], row["se_test_loss_best"] = row["loss_test"], row["se_loss_test"]
    return row


def _evaluations(run_dir: Path, suffix: str) -> list[Path]:
    """The run's final evaluation and its evaluations on sets added later (``extra/<set>``)."""
    return [p for p in [run_dir / f"eval{suffix}", *sorted((run_dir / "extra").glob(f"*{suffix}"))] if p.exists()]


def wall_time_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Where the training jobs' wall time went: seconds per activity (``state.ACTIVITIES``) summed
    over each study's runs and over all, with each activity's share of the total."""
    columns = [c for c in runs.columns if c.startswith("seconds_")]
    if not columns:
        return pd.DataFrame(columns=["study", "runs", "wall_seconds"])
    per_study = runs.groupby("study")[columns].sum()
    per_study.loc["all studies"] = per_study.sum()
    table = per_study.rename(columns=lambda c: c.removeprefix("seconds_"))
    table.insert(0, "runs", runs.groupby("study").size().reindex(table.index).fillna(len(runs)).astype(int))
    table.insert(1, "wall_seconds", table[[c.removeprefix("seconds_") for c in columns]].sum(axis=1))
    steps = table["steps"] + table.get("noise_scale", 0.0)
    table["optimiser_step_share"] = steps / table["wall_seconds"]
    return table.reset_index(names="study").round(3)


def collect(run_dirs: list[str | Path], runs_out: str | Path, curves_out: str | Path,
            positions_out: str | Path | None = None, kinds: dict[str, str] | None = None,
            wall_time_out: str | Path | None = None) -> pd.DataFrame:
    rows, curves, positions = [], [], []
    for run_dir in map(Path, run_dirs):
        row = run_row(run_dir, kinds)
        rows.append(row)
        metrics = pd.read_parquet(run_dir / "metrics.parquet")
        metrics.insert(0, "run_id", row["run_id"])
        curves.append(metrics)
        if positions_out is not None:
            for path in _evaluations(run_dir, ".parquet"):
                per_position = pd.read_parquet(path)
                per_position.insert(0, "run_id", row["run_id"])
                positions.append(per_position)
    runs = pd.DataFrame(rows).sort_values("run_id", ignore_index=True)
    with atomic_path(runs_out) as tmp:
        runs.to_parquet(tmp, index=False)
    with atomic_path(curves_out) as tmp:
        pd.concat(curves, ignore_index=True).to_parquet(tmp, index=False)
    if positions_out is not None:
        with atomic_path(positions_out) as tmp:
            pd.concat(positions, ignore_index=True).to_parquet(tmp, index=False)
    if wall_time_out is not None:
        with atomic_path(wall_time_out) as tmp:
            wall_time_table(runs).to_csv(tmp, index=False)
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.evaluate.collect", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dirs", nargs="+", help="run directories (with summary.json and metrics.parquet)")
    parser.add_argument("--out-runs", required=True)
    parser.add_argument("--out-curves", required=True)
    parser.add_argument("--out-positions", help="per-position losses of every run (needs eval.parquet)")
    parser.add_argument("--out-wall-time", help="CSV of where the training jobs' wall time went, per study")
    parser.add_argument("--kind", action="append", default=[], type=name_equals_value, metavar="STUDY=KIND",
                        help="the kind of a study whose config name is not its kind (repeatable)")
    args = parser.parse_args(argv)
    runs = collect(args.run_dirs, args.out_runs, args.out_curves, args.out_positions, dict(args.kind),
                   args.out_wall_time)
    print(f"collected {len(runs)} runs into {args.out_runs}")


if __name__ == "__main__":
    main()
