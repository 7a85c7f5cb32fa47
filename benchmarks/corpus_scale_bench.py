"""Corpus-scale benchmark: the sharded corpus and tokenize stages on a generated WebText-like corpus.

    python benchmarks/corpus_scale_bench.py --text results/corpus/clean/shards/0000/part.parquet \\
        --sizes-mb 32 64 128 --shard-mb 16 --workdir /tmp/corpus-scale --json corpus_scale.json

For each size, the script writes a corpus of jsonl files (one file per shard, ``--shard-mb`` of text each)
for the ``files`` source: documents of 1-6 paragraphs drawn from the real text of ``--text`` (the
default's clean corpus), each paragraph varied (``--vary`` of its words replaced by others of the
corpus), and ``--planted`` of the documents near copies of an earlier one (``--copy-noise`` of the words
replaced: a Jaccard similarity of about 0.9). It then runs the real Snakefile (``--cores``, one process a
job) to the train and test token manifests, keeping the intermediates, and prints, per stage, documents
and MB per second per core (from each job's CPU time in Snakemake's benchmark files) and the peak RSS of
its jobs; the recall and precision of the planted near duplicates; and the near-duplicate step (MinHash
signatures, LSH join, verification, clusters) beside datasketch's MinHashLSH with the same shingles,
permutations and bands on the same documents, in this process: throughput ratio and agreement. Needs
the ``bench`` extra (datasketch). The generated corpus is deleted unless ``--keep``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import yaml

from scalinglaws.corpus.clean import sharded
from scalinglaws.corpus.clean.ngrams import TokenHasher, ngram_hashes
from scalinglaws.corpus.clean.pipeline import CleanOptions
from scalinglaws.corpus.documents import document_id, read_documents
from scalinglaws.io import USAGE_PREFIX

REPO = Path(__file__).resolve().parents[1]
STAGES = {  # rule -> (its jobs' logs, the report filter whose input it reads, or None: the documents generated)
    "corpus_load": ("corpus/load_", None), "clean_repair": ("corpus/clean_repair_", "unicode"),
    "clean_exact": ("corpus/clean_exact", "exact_dedupe"), "clean_lines": ("corpus/clean_lines_", "exact_dedupe"),
    "clean_boilerplate": ("corpus/clean_boilerplate", "boilerplate"),
    "clean_filter": ("corpus/clean_filter_", "boilerplate"), "clean_near": ("corpus/clean_near", "near_dedupe"),
    "clean_apply": ("corpus/clean_apply_", "near_dedupe"), "split": ("tokenize/split", "split"),
    "train_bpe": ("tokenize/train_bpe", "train"), "encode_split": ("tokenize/encode_", "encode"),
}


def usage(log: Path) -> dict:
    """The job's own CPU seconds and peak RSS: the last line of its log (``scalinglaws.io.usage_line``)."""
    lines = [ln for ln in log.read_text().splitlines() if ln.startswith(USAGE_PREFIX)]
    if not lines:
        raise SystemExit(f"{log}: no usage line")
    return json.loads(lines[-1][len(USAGE_PREFIX):])


def paragraphs(table: str) -> list[list[str]]:
    """The paragraphs (as word lists) of at least 20 words of a document table."""
    out = []
    for doc in read_documents(table):
        out += [p.split() for p in doc["text"].split("\n\n") if len(p.split()) >= 20]
    return out


def vary(words: list[str], share: float, vocab: list[str], rng: random.Random) -> list[str]:
    """``words`` with ``share`` of them (at least one) replaced by words of ``vocab``."""
    words = list(words)
    for k in rng.sample(range(len(words)), max(1, round(share * len(words)))):
        words[k] = rng.choice(vocab)
    return words


def generate(pool: list[list[str]], total_mb: float, shard_mb: float, planted: float, vary_share: float,
             copy_noise: float, seed: int, out: Path) -> tuple[int, list[tuple[str, str]]]:
    """jsonl files of about shard_mb each; return the documents written and the planted (original, copy) id pairs."""
    rng = random.Random(seed)
    vocab = [w for p in rng.sample(pool, min(len(pool), 2000)) for w in p]
    out.mkdir(parents=True)
    shards = max(1, round(total_mb / shard_mb))
    files = [open(out / f"{i:04d}.jsonl", "w") for i in range(shards)]
    written, docs, originals, pairs = 0, 0, [], []
    line_of = [0] * shards
    while written < total_mb * 1e6:
        if originals and rng.random() < planted:
            source = rng.choice(originals)
            paras = [p.split() for p in source[1].split("\n\n")]
            words = vary([w for p in paras for w in p], copy_noise, vocab, rng)  # across the whole document
            cuts = np.cumsum([0] + [len(p) for p in paras])
            text = "\n\n".join(" ".join(words[a:b]) for a, b in zip(cuts, cuts[1:]))
        else:
            source = None
            text = "\n\n".join(" ".join(vary(p, vary_share, vocab, rng)) for p in rng.sample(pool, rng.randint(1, 6)))
        shard = rng.randrange(shards)
        files[shard].write(json.dumps({"text": text}) + "\n")
        line_of[shard] += 1
        doc_id = document_id("files", f"{(out / f'{shard:04d}.jsonl').resolve().as_uri()}#{line_of[shard]}")
        if source is None:
            if len(originals) < 100_000:
                originals.append((doc_id, text))
        else:
            pairs.append((source[0], doc_id))
        written += len(text.encode())
        docs += 1
    for fh in files:
        fh.close()
    return docs, pairs


def run_workflow(work: Path, shards: int, cores: int, sample_mb: float) -> float:
    config = yaml.safe_load((REPO / "tests/e2e/micro.yaml").read_text())
    config["corpus"] = {"source": "files", "extractor": "trafilatura", "shards": shards, "prose": [],
                        "keep_intermediates": True, "files": {"paths": ["corpus/*.jsonl"]}}
    config["tokenizer"] = {"vocab_size": 4096, "test_fraction": 0.05, "bpe_sample_bytes": int(sample_mb * 1e6)}
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    targets = ["results/data/tokens/train.manifest.json", "results/data/tokens/test.manifest.json",
               "results/corpus/clean/main.filters.csv"]
    start = time.time()
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--configfile",
                           "config.yaml", "--cores", str(cores), *targets], cwd=work, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"snakemake failed in {work}:\n{proc.stderr[-4000:]}")
    return time.time() - start


def stage_rows(work: Path) -> list[dict]:
    """Per rule: jobs, documents and MB in, CPU seconds, wall seconds (Snakemake's benchmark files),
    docs/s/core, MB/s/core (CPU seconds), the largest peak RSS of a job."""
    filters = {r["filter"]: r for r in csv.DictReader(open(work / "results/corpus/clean/main.filters.csv"))}
    near = filters["near_dedupe"]
    split = {"docs_in": int(near["docs_out"]), "bytes_in": int(near["bytes_out"])}
    tokens = [json.loads((work / f"results/data/tokens/{s}.manifest.json").read_text()) for s in ("train", "test")]
    encode = {"docs_in": sum(t["documents"] for t in tokens), "bytes_in": sum(t["bytes"] for t in tokens)}
    counts = {name: {"docs_in": int(r["docs_in"]), "bytes_in": int(r["docs_in"]) and
                     int(r["bytes_out"]) + int(r["bytes_removed"])} for name, r in filters.items()}
    counts.update(split=split, encode=encode, train={"docs_in": tokens[0]["documents"], "bytes_in": tokens[0]["bytes"]})
    loaded = sum(pq.read_metadata(p).num_rows for p in (work / "results/corpus/main/load").glob("*.parquet"))
    loaded_bytes = counts["unicode"]["bytes_in"]
    rows = []
    for rule, (prefix, source) in STAGES.items():
        files = sorted((work / "results/benchmarks").glob(f"{prefix}*.tsv"))
        if not files:
            continue
        jobs = [usage(work / "logs" / f.relative_to(work / "results/benchmarks").with_suffix(".log")) for f in files]
        cpu = sum(j["cpu_s"] for j in jobs)
        wall = sum(float(next(csv.DictReader(open(f), delimiter="\t"))["s"]) for f in files)
        docs, nbytes = (loaded, loaded_bytes) if source is None else (counts[source]["docs_in"], counts[source]["bytes_in"])
        rows.append({"stage": rule, "jobs": len(files), "docs": docs, "mb": nbytes / 1e6, "cpu_s": cpu, "wall_s": wall,
                     "docs_per_s_core": docs / cpu if cpu else float("nan"),
                     "mb_per_s_core": nbytes / 1e6 / cpu if cpu else float("nan"),
                     "peak_rss_mb": max(j["peak_rss_mb"] for j in jobs)})
    return rows


def planted_scores(work: Path, pairs: list[tuple[str, str]], clusters: dict[str, str]) -> dict:
    """Recall: planted pairs (both reaching the near step) in one cluster; precision: of the pairs each
    clustered document makes with its cluster's representative, those inside one planted group."""
    seen = set()
    for path in (work / "results/corpus/clean/shards").glob("*/minhash.parquet"):
        seen.update(pq.read_table(path, columns=["id"])["id"].to_pylist())
    group = {}
    for original, copy in pairs:
        group.setdefault(original, original)
        group[copy] = original
    live = [(a, b) for a, b in pairs if a in seen and b in seen]
    found = sum(clusters.get(a, a) == clusters.get(b, b) for a, b in live)
    predicted = [(d, rep) for d, rep in clusters.items() if d != rep]
    right = sum(d in group and rep in group and group[d] == group[rep] for d, rep in predicted)
    return {"planted_pairs": len(live), "recall": found / len(live) if live else float("nan"),
            "predicted_pairs": len(predicted), "precision": right / len(predicted) if predicted else float("nan")}


def ours_near(docs: list[dict], options: CleanOptions, tmp: Path) -> tuple[float, dict[str, str]]:
    """This project's near-duplicate step in one process: signatures, band keys, join, clusters."""
    start = time.process_time()
    table = sharded.minhash_table(docs, options, "bench")
    pq.write_table(table, tmp / "minhash.parquet")
    sharded.near([tmp / "minhash.parquet"], options, tmp / "near.parquet")
    seconds = time.process_time() - start
    near = pq.read_table(tmp / "near.parquet")
    keys = dict(zip(table["id_key"].to_pylist(), table["id"].to_pylist()))
    return seconds, {keys[k]: c for k, c in zip(near["id_key"].to_pylist(), near["cluster_id"].to_pylist())}


def datasketch_near(docs: list[dict], options: CleanOptions) -> tuple[float, dict[str, str]]:
    """datasketch's MinHashLSH with the same shingles (word 5-grams, as 64-bit hashes), permutations and
    bands: each document queried against those inserted before it, candidates verified on the estimated
    Jaccard, clusters by union-find, the representative the longest member (ties: smaller id)."""
    from datasketch import MinHash, MinHashLSH

    start = time.process_time()
    tokens = TokenHasher()
    rows = options.minhash_perms // options.minhash_bands
    lsh = MinHashLSH(threshold=options.near_threshold, num_perm=options.minhash_perms,
                     params=(options.minhash_bands, rows))
    parent = list(range(len(docs)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hashes = []
    for i, d in enumerate(docs):
        t = tokens(d["text"])
        shingles = np.unique(ngram_hashes(t, min(options.minhash_ngram, max(len(t), 1))))
        m = MinHash(num_perm=options.minhash_perms, seed=options.seed + 1)
        m.update_batch([s.tobytes() for s in shingles])
        for j in lsh.query(m):
            if hashes[j].jaccard(m) >= options.near_threshold:
                a, b = find(i), find(j)
                parent[max(a, b)] = min(a, b)
        lsh.insert(i, m)
        hashes.append(m)
    seconds = time.process_time() - start
    members: dict[int, list[int]] = {}
    for i in range(len(docs)):
        members.setdefault(find(i), []).append(i)
    clusters = {}
    for group in members.values():
        if len(group) > 1:
            rep = min(group, key=lambda i: (-len(docs[i]["text"]), docs[i]["id"]))
            clusters.update({docs[i]["id"]: docs[rep]["id"] for i in group})
    return seconds, clusters


def agreement(a: dict[str, str], b: dict[str, str]) -> float:
    """Jaccard similarity of the two sets of documents found in a cluster of two or more."""
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text", required=True, help="a document table of real text (the default's clean corpus)")
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[32, 64, 128])
    parser.add_argument("--shard-mb", type=float, default=16, help="text per shard (a jsonl file each)")
    parser.add_argument("--planted", type=float, default=0.1, help="share of documents that are near copies")
    parser.add_argument("--vary", type=float, default=0.05, help="share of a drawn paragraph's words replaced")
    parser.add_argument("--copy-noise", type=float, default=0.01, help="share of a near copy's words replaced")
    parser.add_argument("--bpe-sample-mb", type=float, default=16)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--json", help="write every figure here (rewritten after each size)")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus and the workflow's outputs")
    args = parser.parse_args()

    pool = paragraphs(args.text)
    print(f"{len(pool)} paragraphs of real text from {args.text}")
    results = []
    for size in args.sizes_mb:
        work = Path(args.workdir) / f"{size:g}mb"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        docs, pairs = generate(pool, size, args.shard_mb, args.planted, args.vary, args.copy_noise, 0, work / "corpus")
        shards = len(list((work / "corpus").glob("*.jsonl")))
        wall = run_workflow(work, shards, args.cores, args.bpe_sample_mb)
        rows = stage_rows(work)
        near = pq.read_table(work / "results/corpus/clean/near_clusters.parquet")
        ids = {}
        for path in (work / "results/corpus/clean/shards").glob("*/minhash.parquet"):
            t = pq.read_table(path, columns=["id_key", "id"])
            ids.update(zip(t["id_key"].to_pylist(), t["id"].to_pylist()))
        clusters = {ids[k]: c for k, c in zip(near["id_key"].to_pylist(), near["cluster_id"].to_pylist())}
        scores = planted_scores(work, pairs, clusters)
        filtered = sorted((d for p in (work / "results/corpus/clean/shards").glob("*/filtered.parquet")
                           for d in read_documents(p)), key=lambda d: d["id"])
        options = CleanOptions()
        ours_s, ours = ours_near(filtered, options, work)
        ds_s, theirs = datasketch_near(filtered, options)
        result = {"size_mb": size, "shards": shards, "documents": docs, "wall_s": wall, "stages": rows, **scores,
                  "near_docs": len(filtered), "ours_near_cpu_s": ours_s, "datasketch_near_cpu_s": ds_s,
                  "throughput_ratio": ds_s / ours_s, "agreement": agreement(ours, theirs),
                  "datasketch": planted_scores(work, pairs, theirs), "pipeline_matches_in_process": ours == clusters}
        results.append(result)
        print(f"\n== {size:g} MB: {docs} documents, {shards} shards, workflow {wall:.0f} s wall on {args.cores} cores")
        print(f"{'stage':<18}{'jobs':>5}{'docs':>9}{'MB':>8}{'cpu s':>9}{'docs/s/core':>13}{'MB/s/core':>11}"
              f"{'peak RSS MB':>13}")
        for r in rows:
            print(f"{r['stage']:<18}{r['jobs']:>5}{r['docs']:>9}{r['mb']:>8.1f}{r['cpu_s']:>9.1f}"
                  f"{r['docs_per_s_core']:>13.1f}{r['mb_per_s_core']:>11.3f}{r['peak_rss_mb']:>13.0f}")
        print(f"planted near duplicates: recall {scores['recall']:.4f} of {scores['planted_pairs']} pairs, precision "
              f"{scores['precision']:.4f} of {scores['predicted_pairs']} (datasketch: recall "
              f"{result['datasketch']['recall']:.4f}, precision {result['datasketch']['precision']:.4f})")
        print(f"near-duplicate step on {len(filtered)} documents, one process: ours {ours_s:.1f} s CPU, datasketch "
              f"MinHashLSH {ds_s:.1f} s: throughput ratio {ds_s / ours_s:.2f}x; agreement (Jaccard of the "
              f"clustered documents) {result['agreement']:.4f}; workflow clusters = in-process clusters: "
              f"{result['pipeline_matches_in_process']}")
        if not args.keep:
            shutil.rmtree(work)
        if args.json:  # after every size: a long run stopped early keeps the sizes done
            Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
