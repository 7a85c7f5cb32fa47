"""``python -m scalinglaws.train.table1``: Table 1 of the paper for the largest Transformer of the runs."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from scalinglaws.io import write_table
from scalinglaws.train.accounting import table1
from scalinglaws.train.model import Transformer, TransformerConfig


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.train.table1", description=__doc__)
    parser.add_argument("--runs", required=True, help="results/tables/runs.parquet")
    parser.add_argument("--out", required=True, help="output .csv; the .md is written beside it")
    args = parser.parse_args(argv)
    runs = pd.read_parquet(args.runs)
    largest = runs[runs["n_head"].notna()].sort_values("N").iloc[-1]  # an LSTM's row has no n_head
    vocab = int(largest["vocab_size"])
    cfg = TransformerConfig(n_layer=int(largest["n_layer"]), d_model=int(largest["d_model"]),
                            n_head=int(largest["n_head"]), vocab_size=vocab, n_ctx=int(largest["n_ctx"]),
                            d_attn=int(largest["d_attn"]), d_ff=int(largest["d_ff"]))
    table = table1(Transformer(cfg))
    table.insert(0, "model", f"{largest['run_id']} (n_layer={cfg.n_layer}, d_model={cfg.d_model}, n_ctx={cfg.n_ctx}, "
                             f"n_vocab={vocab})")
    write_table(table, Path(args.out).with_suffix(""))


if __name__ == "__main__":
    main()
