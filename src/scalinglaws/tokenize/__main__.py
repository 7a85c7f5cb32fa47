"""Command line of the tokenize stage: ``split``, ``train-bpe``, ``encode`` and ``table``."""

from __future__ import annotations

import argparse
import sys


def _train_bpe(args: argparse.Namespace) -> None:
    from scalinglaws.tokenize.bpe import train_bpe
    from scalinglaws.tokenize.sample import sample_texts

    texts, length = sample_texts(args.inp, args.sample_bytes, args.seed)
    train_bpe(texts, args.vocab_size, args.out, length=length)


def _split(args: argparse.Namespace) -> None:
    from scalinglaws.tokenize.split import split_tables

    split_tables(args.inp, args.test_fraction, args.seed, args.train_out, args.test_out)


def _manifest(args: argparse.Namespace) -> None:
    from scalinglaws.tokenize.shards import write_manifest

    meta = write_manifest(args.shard, args.out)
    print(f"{args.out}: {len(args.shard)} shards, {meta['tokens']} tokens", file=sys.stderr)


def _encode(args: argparse.Namespace) -> None:
    from scalinglaws.tokenize.encode import encode_documents

    meta = encode_documents(args.inp, args.tokenizer, args.out, args.shuffle_seed, args.threads)
    print(f"{args.out}: {meta['documents']} documents, {meta['tokens']} tokens, "
          f"{meta['bytes_per_token']:.3f} bytes/token", file=sys.stderr)


def _table(args: argparse.Namespace) -> None:
    from scalinglaws.tokenize.table import corpus_table

    corpus_table(args.shard, args.out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scalinglaws.tokenize", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("split", help="hold out test documents by a stable hash of their cluster")
    p.add_argument("--in", dest="inp", required=True, action="append",
                   help="clean document table (parquet); repeat to split several as one")
    p.add_argument("--test-fraction", type=float, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train-out", required=True)
    p.add_argument("--test-out", required=True)
    p.set_defaults(run=_split)

    p = sub.add_parser("train-bpe", help="train a byte-level BPE on a document table")
    p.add_argument("--in", dest="inp", required=True, action="append", help="train split (parquet); repeat per part")
    p.add_argument("--vocab-size", type=int, required=True, help="tokens including <|endoftext|>")
    p.add_argument("--sample-bytes", type=int, default=0,
                   help="train on a seeded sample of about this many text bytes (0: all of it)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample")
    p.add_argument("--out", required=True, help="tokenizer.json")
    p.set_defaults(run=_train_bpe)

    p = sub.add_parser("encode", help="encode a document table into a token shard + JSON sidecar")
    p.add_argument("--in", dest="inp", required=True, help="document table (parquet)")
    p.add_argument("--tokenizer", required=True, help="tokenizer.json from train-bpe")
    p.add_argument("--shuffle-seed", type=int, default=None, help="shuffle documents (default: order by id)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", required=True, help="shard path (.bin); the sidecar is written beside it (.json)")
    p.set_defaults(run=_encode)

    p = sub.add_parser("manifest", help="list token shards read back to back as one stream (JSON)")
    p.add_argument("--shard", action="append", required=True, help="a shard (.bin), in stream order (repeat)")
    p.add_argument("--out", required=True, help="the manifest (.manifest.json)")
    p.set_defaults(run=_manifest)

    p = sub.add_parser("table", help="documents, bytes, tokens and bytes per token of each shard (CSV)")
    p.add_argument("--shard", action="append", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(run=_table)

    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (ValueError, OSError) as e:  # ShardError is a ValueError: report it without a traceback
        sys.exit(f"error: {e}")
    from scalinglaws.io import usage_line

    print(usage_line(), file=sys.stderr)


if __name__ == "__main__":
    main()
