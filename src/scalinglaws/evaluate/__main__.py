"""``python -m scalinglaws.evaluate``: evaluate one run on named token shards."""

import argparse

from scalinglaws.evaluate.run import evaluate_run
from scalinglaws.tokenize.shards import open_shard


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.evaluate", description=__doc__)
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--shard", action="append", required=True, metavar="NAME=PATH",
                        help="a token shard to evaluate on, e.g. test=results/data/tokens/test.bin (repeatable)")
    parser.add_argument("--windows", type=int, default=256, help="evaluation windows of n_ctx tokens per shard")
    parser.add_argument("--out", required=True, help="per-position losses (parquet)")
    parser.add_argument("--out-json", required=True, help="per-set mean loss and bits per byte (JSON)")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    shards = {}
    for item in args.shard:
        name, sep, path = item.partition("=")
        if not sep:
            parser.error(f"--shard {item!r} is not NAME=PATH")
        shards[name] = open_shard(path)
    evaluate_run(args.run_dir, shards, args.out, args.out_json, args.windows, args.device)


main()
