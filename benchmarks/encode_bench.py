"""Encode benchmark: tiktoken (our encoder) vs `tokenizers` encode_batch, and peak RSS of the encode CLI.

    python benchmarks/encode_bench.py                       # 50257-token BPE, 1 GB corpus for the RSS test
    python benchmarks/encode_bench.py --corpus-mb 200 --vocab-size 8192

Text is real English prose: the docstrings of the Python modules installed beside this interpreter,
cut into ~10 KB documents. The BPE is trained on one half; throughput is measured on the other, both
encoders on the same documents in the same run, best of 5 taken in turns (the machine is shared, so
both see the same load). The RSS test repeats the documents into a parquet corpus of the given size,
runs ``python -m scalinglaws.tokenize encode --shuffle-seed 0`` on it and reads the child's peak RSS.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from scalinglaws.corpus.documents import DOCUMENT_SCHEMA, document_id
from scalinglaws.tokenize.bpe import load_tokenizer, train_bpe
from scalinglaws.tokenize.shards import open_shard


def docstrings(target_bytes: int) -> list[str]:
    """~10 KB documents of docstrings from installed Python files, in a fixed order, until target_bytes."""
    roots = sorted({sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"]})
    docs, cur, size, total = [], [], 0, 0
    for root in roots:
        for path in sorted(Path(root).rglob("*.py")):
            try:
                tree = ast.parse(path.read_bytes())
            except (SyntaxError, ValueError, OSError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    doc = ast.get_docstring(node)
                    if doc and len(doc) > 80:
                        cur.append(doc)
                        size += len(doc.encode())
                        if size > 10_000:
                            docs.append("\n\n".join(cur))
                            total += size
                            cur, size = [], 0
                            if total >= target_bytes:
                                return docs
    return docs


def interleaved_best(fns: dict, reps: int = 5) -> dict:
    """Best time and output of each function, run in turns so that all see the same machine load."""
    best = {name: (float("inf"), None) for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            start = time.perf_counter()
            out = fn()
            best[name] = min(best[name], (time.perf_counter() - start, out), key=lambda b: b[0])
    return best


def throughput(tokenizer: Path, docs: list[str]) -> dict:
    """MB/s of tokenizers' encode_batch and of our tiktoken encoder on the same documents."""
    from tokenizers import Tokenizer

    mb = sum(len(d.encode()) for d in docs) / 1e6
    hf = Tokenizer.from_file(str(tokenizer))
    fast = load_tokenizer(tokenizer, backend="tiktoken")
    best = interleaved_best({"hf": lambda: [e.ids for e in hf.encode_batch(docs, add_special_tokens=False)],
                             "tk": lambda: fast.encode_batch(docs, num_threads=2)})
    (t_hf, ids_hf), (t_tk, ids_tk) = best["hf"], best["tk"]
    tokens = sum(map(len, ids_hf))
    return {"docs": len(docs), "MB": round(mb, 2), "tokens": tokens, "bytes_per_token": round(mb * 1e6 / tokens, 3),
            "tokenizers_encode_batch_MB_s": round(mb / t_hf, 2), "tiktoken_2_threads_MB_s": round(mb / t_tk, 2),
            "ratio": round(t_hf / t_tk, 2), "identical_ids": ids_hf == ids_tk}


def write_corpus(docs: list[str], target_bytes: int, path: Path) -> int:
    """Repeat ``docs`` (each copy a distinct document) into a parquet of about target_bytes of text."""
    written, copy = 0, 0
    with pq.ParquetWriter(path, DOCUMENT_SCHEMA, compression="zstd") as writer:
        while written < target_bytes:
            rows = []
            for i, text in enumerate(docs):
                key = f"bench/{copy}/{i}"
                rows.append({"id": document_id("bench", key), "text": f"{copy} {text}", "url": key, "source": "bench",
                             "fetched_at": "", "status": "ok", "extractor": "none", "extractor_version": "",
                             "lang": "en", "cluster_id": document_id("bench", key)})
                written += len(rows[-1]["text"].encode())
                if written >= target_bytes:
                    break
            writer.write_table(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA), row_group_size=1024)
            copy += 1
    return written


# A child forked from this (large) process would inherit its RSS until exec, and ru_maxrss would count
# it; a bare launcher keeps the measurement to the encode process itself.
LAUNCHER = "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); " \
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"


def encode_rss(tokenizer: Path, corpus: Path, out: Path) -> dict:
    """Run the encode CLI as a child process; its wall time, MB/s and peak RSS."""
    cmd = [sys.executable, "-m", "scalinglaws.tokenize", "encode", "--in", str(corpus), "--tokenizer", str(tokenizer),
           "--shuffle-seed", "0", "--out", str(out)]
    start = time.perf_counter()
    maxrss_kb = int(subprocess.run([sys.executable, "-c", LAUNCHER, *cmd], check=True, stdout=subprocess.PIPE,
                                   text=True).stdout)
    secs = time.perf_counter() - start
    meta = open_shard(out).meta
    return {"corpus_MB": round(meta["bytes"] / 1e6, 1), "documents": meta["documents"], "tokens": meta["tokens"],
            "encode_cli_secs": round(secs, 1), "encode_cli_MB_s": round(meta["bytes"] / 1e6 / secs, 2),
            "peak_rss_MB": round(maxrss_kb / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vocab-size", type=int, default=50257)
    parser.add_argument("--text-mb", type=float, default=20, help="text for training (half) and throughput (half)")
    parser.add_argument("--corpus-mb", type=float, default=1000, help="size of the RSS test corpus; 0 skips it")
    parser.add_argument("--workdir", default=None, help="keep files here (default: a temporary directory)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        tmp = Path(tmp)
        docs = docstrings(int(args.text_mb * 1e6))
        train, held = docs[::2], docs[1::2]
        tokenizer = tmp / "tokenizer.json"
        start = time.perf_counter()
        train_bpe(train, args.vocab_size, tokenizer)
        result = {"cpus": os.cpu_count(), "load_avg": os.getloadavg(), "vocab_size": args.vocab_size,
                  "train_bpe_secs": round(time.perf_counter() - start, 1), "throughput": throughput(tokenizer, held)}
        print(json.dumps(result, indent=1), flush=True)
        if args.corpus_mb > 0:
            corpus = tmp / "corpus.parquet"
            write_corpus(docs, int(args.corpus_mb * 1e6), corpus)
            result["encode_cli"] = encode_rss(tokenizer, corpus, tmp / "tokens.bin")
            result["load_avg_after"] = os.getloadavg()
            print(json.dumps(result["encode_cli"], indent=1))


if __name__ == "__main__":
    main()
