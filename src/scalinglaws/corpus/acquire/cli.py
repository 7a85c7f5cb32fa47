"""Subcommands ``acquire`` and ``extract`` of ``python -m scalinglaws.corpus``."""

from __future__ import annotations

import argparse
import json
import sys

from scalinglaws.corpus.acquire.options import AcquireOptions, defaults


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("acquire", help="fetch a source's pages into resumable raw-HTML shards",
                              description="Fetch every URL of the corpus source (debian-docs, reddit, urls) that "
                                          "is not already in a done shard, and write one status row per URL.")
    p.add_argument("--source", help="overrides the options' source")
    p.add_argument("--options-json", default="{}", help="the config's corpus section as JSON; see --print-defaults")
    p.add_argument("--cache", default="results/cache", help="downloads (debs) and unpacked packages")
    p.add_argument("--workdir", help="raw HTML shards (resumable)")
    p.add_argument("--out", help="fetch status table (parquet)")
    p.add_argument("--print-defaults", action="store_true", help="print every option with its default and exit")
    p.set_defaults(func=_acquire)

    p = subparsers.add_parser("extract", help="raw-HTML shards -> document table",
                              description="Extract the main text of every fetched page into the document table.")
    p.add_argument("--status", required=True, help="fetch status table written by acquire")
    p.add_argument("--extractor", default="trafilatura", choices=["trafilatura", "newspaper3k"])
    p.add_argument("--out", required=True, help="document table (parquet)")
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--fast", action="store_true",
                   help="trafilatura without its fallback extractors (faster, slightly lower recall)")
    p.set_defaults(func=_extract)


def _acquire(args: argparse.Namespace) -> None:
    from scalinglaws.corpus.acquire.scrape import acquire

    if args.print_defaults:
        print(json.dumps(defaults(), indent=2))
        return
    if not args.workdir or not args.out:
        sys.exit("acquire: --workdir and --out are required")
    try:
        raw = json.loads(args.options_json)
    except json.JSONDecodeError as exc:
        sys.exit(f"acquire: --options-json is not JSON: {exc}")
    if args.source:
        raw["source"] = args.source
    try:
        opts = AcquireOptions.from_dict(raw)
    except (TypeError, ValueError) as exc:
        sys.exit(f"acquire: bad options: {exc}")
    try:
        acquire(opts, args.cache, args.workdir, args.out)
    except (RuntimeError, ValueError, FileNotFoundError) as exc:
        sys.exit(f"acquire: {exc}")


def _extract(args: argparse.Namespace) -> None:
    from scalinglaws.corpus.acquire.extract import extract

    extract(args.status, args.extractor, args.out, args.processes, args.fast)
