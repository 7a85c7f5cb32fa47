"""Gather every run of the workflow into two tables the fitting library reads.

runs.parquet   one row per run: the cell's settings, its accounting, final/best losses, and the
               mean loss and bits per byte on each evaluation set (``loss_<set>``, ``bpb_<set>``);
curves.parquet one row per logged step per run: tokens, FLOPs under each convention, losses.
The column names are the fitting library's input schema (``scalinglaws.fit``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from scalinglaws.io import atomic_path, read_json


def run_row(run_dir: Path) -> dict:
    summary = read_json(run_dir / "summary.json")
    config = summary["config"]
    row = {
        "run_id": f"{summary['study']}/{summary['cell']}",
        "study": summary["study"],
        "cell": summary["cell"],
        "status": summary["status"],
        **{k: config[k] for k in ("n_layer", "d_model", "n_head", "n_ctx", "batch_size", "dropout", "reuse")},
        "d_ff": config["d_ff"] or 4 * config["d_model"],
        "d_attn": config["d_attn"] or config["d_model"],
        "dataset_tokens_requested": config["dataset_tokens"],
        **summary["accounting"],
        **{k: summary[k] for k in ("steps", "tokens", "batch_tokens", "dataset_tokens", "unique_tokens_seen", "epochs", "final_test_loss", "final_train_loss", "best_test_loss", "best_step",
                                   "stop_step", "lr_peak", "train_seconds", "tokens_per_second", "device",
                                   "vocab_size")},
    }
    row["flops_6N"] = summary["C_6N"]
    row["test_loss"] = summary["final_test_loss"]
    row["test_loss_best"] = summary["best_test_loss"]
    eval_path = run_dir / "eval.json"
    if eval_path.exists():
        for name, values in read_json(eval_path)["sets"].items():
            row[f"loss_{name}"] = values["loss"]
            row[f"bpb_{name}"] = values["bits_per_byte"]
    return row


def collect(run_dirs: list[str | Path], runs_out: str | Path, curves_out: str | Path) -> pd.DataFrame:
    rows, curves = [], []
    for run_dir in map(Path, run_dirs):
        row = run_row(run_dir)
        rows.append(row)
        metrics = pd.read_parquet(run_dir / "metrics.parquet")
        metrics.insert(0, "run_id", row["run_id"])
        curves.append(metrics)
    runs = pd.DataFrame(rows).sort_values("run_id", ignore_index=True)
    with atomic_path(runs_out) as tmp:
        runs.to_parquet(tmp, index=False)
    with atomic_path(curves_out) as tmp:
        pd.concat(curves, ignore_index=True).to_parquet(tmp, index=False)
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.evaluate.collect", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dirs", nargs="+", help="run directories (with summary.json and metrics.parquet)")
    parser.add_argument("--out-runs", required=True)
    parser.add_argument("--out-curves", required=True)
    args = parser.parse_args(argv)
    runs = collect(args.run_dirs, args.out_runs, args.out_curves)
    print(f"collected {len(runs)} runs into {args.out_runs}")


if __name__ == "__main__":
    main()
