"""Subcommand ``load`` of ``python -m scalinglaws.corpus``: any text source into a document table."""

from __future__ import annotations

import argparse
import json
import sys

from scalinglaws.corpus.sources import Shard, check, registry


def _listing() -> str:
    lines = ["text sources and the keys of their corpus.<source> section ([optional]):"]
    for name, source in registry().items():
        required, optional = source.keys()
        lines.append(f"  {name}: {' '.join(required + [f'[{key}]' for key in optional])}")
    return "\n".join(lines)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("load", help="read a text source (hf, files, ...) into a document table",
                              description="Read a text source (one that arrives as text: no fetch, no HTML "
                                          "extraction) into a document table.",
                              epilog=_listing(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", required=True, choices=sorted(registry()), help="the corpus.source")
    p.add_argument("--options-json", default="{}", help="the config's corpus.<source> section as JSON")
    p.add_argument("--shard", type=int, default=0, help="read only this shard of the source (0-based)")
    p.add_argument("--shards", type=int, default=1, help="the number of shards the source is read in (corpus.shards)")
    p.add_argument("--out", required=True, help="document table (parquet)")
    p.set_defaults(func=_load)


def _load(args: argparse.Namespace) -> None:
    from scalinglaws.corpus.documents import write_documents

    try:
        options = json.loads(args.options_json)
    except json.JSONDecodeError as exc:
        sys.exit(f"load: --options-json is not JSON: {exc}")
    if not isinstance(options, dict):
        sys.exit(f"load: --options-json is the corpus.{args.source} section, a JSON object; got {options!r}")
    try:
        check(args.source, options)
    except ValueError as exc:
        sys.exit(f"load: {exc}")
    if not 0 <= args.shard < args.shards:
        sys.exit(f"load: --shard {args.shard} is not in [0, --shards {args.shards})")
    source = registry()[args.source]
    try:
        docs = list(source.read(**options, shard=Shard(args.shard, args.shards)))
    except source.errors as exc:
        sys.exit(f"{args.source}: {exc}")
    write_documents(args.out, docs)
    print(f"{args.source}: {len(docs)} documents -> {args.out}", file=sys.stderr)
