"""Subcommands of ``python -m scalinglaws.corpus`` for cleaning, decontamination and OOD sets.
``register`` adds them to the corpus CLI."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time

from scalinglaws.io import atomic_path, file_sha256, name_equals_value, write_json


def _write_csv(path, columns, rows) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


def _print_table(rows: list[dict]) -> None:
    import pandas as pd

    print(pd.DataFrame(rows).to_string(index=False), file=sys.stderr)


def cmd_clean(args: argparse.Namespace) -> None:
    from dataclasses import asdict, replace

    from scalinglaws.corpus.clean.pipeline import REPORT_COLUMNS, SOURCE_REPORT_COLUMNS, CleanOptions, clean
    from scalinglaws.corpus.documents import read_documents, write_documents
    from scalinglaws.corpus.prose.build import CLEAN as PROSE_CLEAN

    try:
        options = CleanOptions.from_dict(json.loads(args.options_json))
    except json.JSONDecodeError as e:
        raise SystemExit(f"--options-json is not valid JSON: {e}")
    except ValueError as e:
        raise SystemExit(f"--options-json: {e}")
    start = time.time()
    docs = [d for path in args.input for d in read_documents(path)]
    prose = read_documents(args.prose) if args.prose else []
    overrides = {source: replace(options, **PROSE_CLEAN) for source in sorted({d["source"] for d in prose})}
    clash = sorted(set(overrides) & {d["source"] for d in docs})
    if clash:
        raise SystemExit(f"--prose {args.prose}: source(s) {clash} also name documents of --in; "
                         "their filters would be ambiguous")
    inputs = [*args.input, *([args.prose] if args.prose else [])]
    docs, report = clean(docs + prose, options, overrides)
    write_documents(args.out, docs)
    _write_csv(args.report, REPORT_COLUMNS, report.rows)
    if args.source_report:
        _write_csv(args.source_report, SOURCE_REPORT_COLUMNS, report.by_source)
    write_json(f"{args.out}.provenance.json", {
        "inputs": {path: file_sha256(path) for path in inputs},
        "options": asdict(options), "source_options": {k: asdict(v) for k, v in overrides.items()},
        "filters": report.rows, "filters_by_source": report.by_source,
    })
    _print_table(report.by_source)
    print(f"clean: {len(docs)} documents kept in {time.time() - start:.1f} s -> {args.out}", file=sys.stderr)


def _options(args: argparse.Namespace):
    from scalinglaws.corpus.clean.pipeline import CleanOptions

    try:
        return CleanOptions.from_dict(json.loads(args.options_json))
    except json.JSONDecodeError as e:
        raise SystemExit(f"--options-json is not valid JSON: {e}")
    except ValueError as e:
        raise SystemExit(f"--options-json: {e}")


def cmd_shard(args: argparse.Namespace) -> None:
    """One phase of the sharded clean stage (scalinglaws.corpus.clean.sharded)."""
    from scalinglaws.corpus.clean import sharded

    start = time.time()
    try:
        from scalinglaws.corpus.prose.build import CLEAN as PROSE_CLEAN

        if args.phase == "repair":
            sharded.repair(args.input, args.prose, _options(args), PROSE_CLEAN, args.out, args.keys, args.state_out)
        elif args.phase == "all":
            sharded.clean_one_shard(args.input, args.prose, _options(args), PROSE_CLEAN, args.part, args.state_out)
        elif args.phase == "lines":
            sharded.count_lines(args.input[0], args.state, args.exact, args.out, args.state_out)
        elif args.phase == "filter":
            sharded.filter_shard(args.input[0], args.state, args.exact, args.repeated, args.out, args.minhash,
                                 args.state_out)
        else:
            sharded.apply(args.input[0], args.state, args.near, args.part, args.state_out)
    except ValueError as e:
        raise SystemExit(f"clean-shard {args.phase}: {e}")
    print(f"clean-shard {args.phase} {args.input}: {time.time() - start:.1f} s", file=sys.stderr)


def cmd_global(args: argparse.Namespace) -> None:
    """One global decision of the sharded clean stage, from every shard's small tables."""
    from scalinglaws.corpus.clean import sharded

    start = time.time()
    try:
        if args.decision == "exact":
            summary = {"dropped": sharded.exact(args.input, args.out)}
        elif args.decision == "boilerplate":
            summary = {"lines": sharded.boilerplate(args.input, args.out)}
        elif args.decision == "near":
            summary = sharded.near(args.input, _options(args), args.out)
        else:
            sharded.save_report(args.input, args.out, args.source_report, args.provenance, _write_csv)
            summary = {"shards": len(args.input)}
    except ValueError as e:
        raise SystemExit(f"clean-global {args.decision}: {e}")
    print(f"clean-global {args.decision}: {json.dumps(summary)} in {time.time() - start:.1f} s", file=sys.stderr)


def cmd_decontam(args: argparse.Namespace) -> None:
    from scalinglaws.corpus.clean import decontam
    from scalinglaws.corpus.clean.ngrams import TokenHasher
    from scalinglaws.corpus.documents import read_documents

    hasher = TokenHasher()
    train = decontam.train_ngrams([d["text"] for path in args.train for d in read_documents(path)], args.n, hasher)
    others: dict[str, list[str]] = {}  # a set in several tables (the parts of the test split) is one set
    for name, path in args.other:
        others.setdefault(name, []).append(path)
    rows = [decontam.overlap(name, [d["text"] for path in paths for d in read_documents(path)], train, args.n, hasher)
            for name, paths in others.items()]
    _write_csv(args.out, decontam.COLUMNS, rows)
    _print_table(rows)


def cmd_ood(args: argparse.Namespace) -> None:
    from scalinglaws.corpus.ood.build import build
    from scalinglaws.corpus.ood.fetch import FetchError

    start = time.time()
    try:
        summary = build(args.set, args.cache, args.out, args.max_bytes)
    except FetchError as e:
        raise SystemExit(f"ood {args.set}: {e}")
    print(f"ood {args.set}: {summary['docs']} documents, {summary['bytes'] / 1e6:.2f} MB "
          f"in {time.time() - start:.1f} s -> {args.out}", file=sys.stderr)


def register(subparsers) -> None:
    """Add the clean, decontam and ood subcommands to the corpus CLI."""
    p = subparsers.add_parser("clean", help="filter and de-duplicate a document table")
    p.add_argument("--in", dest="input", required=True, action="append",
                   help="input document table (parquet); repeat to clean several as one corpus")
    p.add_argument("--prose", default=None,
                   help="document table of prose sets, cleaned with the others under the prose filter settings "
                        "(scalinglaws.corpus.prose.build.CLEAN)")
    p.add_argument("--options-json", default="{}", help="the corpus.clean config section as JSON")
    p.add_argument("--out", required=True, help="cleaned document table (parquet)")
    p.add_argument("--report", required=True, help="CSV: documents and bytes removed by each filter")
    p.add_argument("--source-report", default=None, help="CSV: the same, one row per filter and source")
    p.set_defaults(func=cmd_clean)

    p = subparsers.add_parser("clean-shard", help="one phase of the sharded clean stage, on one shard",
                              description="Phases of one shard, in order: repair (unicode, exact keys), lines "
                                          "(boilerplate line counts), filter (per-document filters, MinHash), apply "
                                          "(near duplicates; the parts); all: every phase and join, for a corpus "
                                          "of one shard. See scalinglaws.corpus.clean.sharded.")
    p.add_argument("phase", choices=["repair", "lines", "filter", "apply", "all"])
    p.add_argument("--in", dest="input", required=True, action="append",
                   help="the shard's document table (repair, all: repeat to read several as one shard)")
    p.add_argument("--prose", default=None,
                   help="repair, all: prose sets cleaned with the shard under their own settings")
    p.add_argument("--options-json", default="{}", help="repair, all: the corpus.clean config section as JSON")
    p.add_argument("--state", help="the shard's state (options, report rows) from the previous phase")
    p.add_argument("--state-out", required=True, help="the shard's state after this phase (JSON)")
    p.add_argument("--exact", help="lines, filter: the exact duplicates to drop (clean-global exact)")
    p.add_argument("--repeated", help="filter: the boilerplate lines (clean-global boilerplate)")
    p.add_argument("--near", help="apply: the near-duplicate clusters (clean-global near)")
    p.add_argument("--out", help="repair, filter: document table; lines: the line counts")
    p.add_argument("--keys", help="repair: the exact keys (parquet)")
    p.add_argument("--minhash", help="filter: signatures and band keys (parquet)")
    p.add_argument("--part", action="append", default=[], help="apply, all: a part's document table (repeat, in order)")
    p.set_defaults(func=cmd_shard)

    p = subparsers.add_parser("clean-global", help="a global decision of the sharded clean stage, from every shard")
    p.add_argument("decision", choices=["exact", "boilerplate", "near", "report"])
    p.add_argument("--in", dest="input", required=True, action="append",
                   help="every shard's table of this decision (exact: keys; boilerplate: line counts; near: "
                        "minhash; report: final state), repeated")
    p.add_argument("--options-json", default="{}", help="near: the corpus.clean config section as JSON")
    p.add_argument("--out", required=True, help="the decision (parquet); report: the CSV of the filters")
    p.add_argument("--source-report", help="report: CSV, one row per filter and source")
    p.add_argument("--provenance", help="report: JSON of the options and report rows")
    p.set_defaults(func=cmd_global)

    p = subparsers.add_parser("decontam", help="n-gram overlap of held-out sets with the train split")
    p.add_argument("--train", required=True, action="append", help="train split document table (repeat per part)")
    p.add_argument("--other", action="append", default=[], type=name_equals_value, metavar="NAME=PATH",
                   help="a held-out set (repeat; a name given twice is one set in several tables)")
    p.add_argument("--n", type=int, default=13, help="n-gram length in whitespace tokens (default 13)")
    p.add_argument("--out", required=True, help="CSV: one row per held-out set")
    p.set_defaults(func=cmd_decontam)

    from scalinglaws.corpus.ood.build import DEFAULT_MAX_BYTES
    from scalinglaws.corpus.ood.sets import SETS

    p = subparsers.add_parser("ood", help="build an out-of-distribution evaluation set")
    p.add_argument("--set", required=True, choices=sorted(SETS), help="which of the paper's four OOD sets")
    p.add_argument("--cache", required=True, help="folder for downloaded registry artefacts (reused)")
    p.add_argument("--out", required=True, help="document table (parquet); provenance goes beside it")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                   help=f"cap on the set's text bytes, 0 for none (default {DEFAULT_MAX_BYTES})")
    p.set_defaults(func=cmd_ood)
