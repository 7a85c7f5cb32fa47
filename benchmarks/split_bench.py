"""Split benchmark: wall time and peak RSS of the split CLI on a synthetic corpus of about 1 GB of text.

    python benchmarks/split_bench.py                                   # this checkout's split
    python benchmarks/split_bench.py --src /path/to/other/src --src src # compare two implementations

The corpus repeats ~10 KB documents of docstrings (as benchmarks/encode_bench.py does), each copy a
distinct document, three copies to a near-duplicate cluster. It is written in two layouts: ``clean``,
sorted by id in the clean stage's way (one ``pq.write_table``, so row groups of up to 1M rows), and
``reversed``, in descending id order with row groups of 1024 rows (the split sorts it externally).
Each ``--src`` tree runs ``python -m scalinglaws.tokenize split`` on each layout as a child process;
the script prints its wall time and peak RSS, and whether all trees wrote the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import scalinglaws
from encode_bench import LAUNCHER, docstrings
from scalinglaws.corpus.documents import DOCUMENT_SCHEMA, document_id
from scalinglaws.io import file_sha256


def write_corpora(docs: list[str], target_bytes: int, workdir: Path) -> tuple[dict[str, Path], int]:
    """The two layouts of one corpus of about target_bytes of text; the bytes of text written."""
    rows, written, copy = [], 0, 0
    while written < target_bytes:
        for i, text in enumerate(docs):
            key = f"bench/{copy}/{i}"
            rows.append({"id": document_id("bench", key), "text": f"{copy} {text}", "url": key, "source": "bench",
                         "fetched_at": "", "status": "ok", "extractor": "none", "extractor_version": "", "lang": "en",
                         "cluster_id": document_id("bench", f"cluster/{copy // 3}/{i}")})
            written += len(rows[-1]["text"].encode())
            if written >= target_bytes:
                break
        copy += 1
    rows.sort(key=lambda r: r["id"])
    table = pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA)
    del rows
    paths = {"clean": workdir / "clean.parquet", "reversed": workdir / "reversed.parquet"}
    pq.write_table(table, paths["clean"], compression="zstd")
    with pq.ParquetWriter(paths["reversed"], DOCUMENT_SCHEMA, compression="zstd") as writer:
        for stop in range(len(table), 0, -1024):
            rows = min(stop, 1024)
            writer.write_table(table.slice(stop - rows, rows).take(np.arange(rows)[::-1]))
    return paths, written


def split_rss(src_tree: str, corpus: Path, out: Path) -> dict:
    """Run the split CLI of ``src_tree`` as a child process; its wall time, peak RSS and outputs' sha256."""
    cmd = [sys.executable, "-m", "scalinglaws.tokenize", "split", "--in", str(corpus), "--test-fraction", "0.1",
           "--train-out", str(out / "train.parquet"), "--test-out", str(out / "test.parquet")]
    env = {**os.environ, "PYTHONPATH": src_tree}
    start = time.perf_counter()
    maxrss_kb = int(subprocess.run([sys.executable, "-c", LAUNCHER, *cmd], check=True, stdout=subprocess.PIPE,
                                   text=True, env=env).stdout)
    secs = time.perf_counter() - start
    outputs = hashlib.sha256(b"".join(file_sha256(out / f"{s}.parquet").encode() for s in ("train", "test")))
    return {"secs": round(secs, 1), "peak_rss_MB": round(maxrss_kb / 1024, 1), "outputs_sha256": outputs.hexdigest()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus-mb", type=float, default=1000, help="text in the corpus")
    parser.add_argument("--src", action="append", help="a src/ tree whose split to run (default: this one's)")
    parser.add_argument("--layout", action="append", choices=["clean", "reversed"], help="default: both")
    parser.add_argument("--workdir", default=None, help="keep files here (default: a temporary directory)")
    args = parser.parse_args()
    trees = [str(Path(t).resolve()) for t in args.src or [Path(scalinglaws.__file__).parents[1]]]

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        tmp = Path(tmp)
        corpora, text_bytes = write_corpora(docstrings(int(20e6)), int(args.corpus_mb * 1e6), tmp)
        meta = pq.ParquetFile(corpora["clean"]).metadata
        result = {"cpus": os.cpu_count(), "load_avg": os.getloadavg(), "documents": meta.num_rows,
                  "row_groups": meta.num_row_groups, "text_MB": round(text_bytes / 1e6),
                  "file_MB": {k: round(p.stat().st_size / 1e6) for k, p in corpora.items()}, "runs": []}
        for layout in args.layout or ["clean", "reversed"]:
            for tree in trees:
                run = split_rss(tree, corpora[layout], tmp / "out")
                result["runs"].append({"layout": layout, "src": tree, **run})
                print(json.dumps(result["runs"][-1]), flush=True)
        result["load_avg_after"] = os.getloadavg()
        for layout in {r["layout"] for r in result["runs"]}:
            result[f"{layout}_same_bytes"] = len({r["outputs_sha256"] for r in result["runs"]
                                                  if r["layout"] == layout}) == 1
        print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
