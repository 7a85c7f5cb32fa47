"""``python -m scalinglaws.evaluate``: evaluate one finished run on named token shards."""

import argparse

from scalinglaws.evaluate.run import evaluate_run
from scalinglaws.io import name_equals_value
from scalinglaws.tokenize.shards import open_shard


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.evaluate", description=__doc__)
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--shard", action="append", required=True, type=name_equals_value, metavar="NAME=PATH",
                        help="a token shard to evaluate on, e.g. test=results/data/tokens/test.bin (repeatable)")
    parser.add_argument("--windows", type=int, default=1024, help="evaluation windows of n_ctx tokens per shard")
    parser.add_argument("--out", required=True, help="per-position losses (parquet)")
    parser.add_argument("--out-json", required=True, help="per-set mean loss, its standard error and bits per byte (JSON)")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    shards = {name: open_shard(path) for name, path in args.shard}
    evaluate_run(args.run_dir, shards, args.out, args.out_json, args.windows, args.device)


main()
