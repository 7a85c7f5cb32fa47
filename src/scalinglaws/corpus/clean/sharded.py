"""The clean stage in shards: per-shard jobs for the per-document work, small global joins for the
decisions that span the corpus, so no job holds more than a shard.

The filters and their order are ``pipeline``'s; this module cuts them into phases at each global decision:

======  =====================  ===================================================================
phase   job                    work
======  =====================  ===================================================================
A       ``repair`` (shard)     unicode repair; per document its exact key (128 bits of the sha1 of
                               the normalised text) -> ``keys.parquet``
G1      ``exact`` (global)     per exact key, every id but the smallest -> ``exact_drop.parquet``
B       ``count`` (shard)      drops those; per threshold, how many documents hold each candidate
                               boilerplate line (a 64-bit hash of it) -> ``lines.parquet``
G2      ``boilerplate``        the counts summed over shards; lines at or above their threshold
C       ``filter`` (shard)     boilerplate, min_length, toc, language; MinHash signature and LSH
                               band keys (128 bits per band) -> ``minhash.parquet``
G3      ``near`` (global)      per band, documents grouped by band key, each paired with its group's
                               smallest id; pairs verified on the full signatures; union-find over
                               the verified pairs; the representative of each cluster
D       ``apply`` (shard)      cluster ids, near duplicates dropped; documents written to ``parts``
                               tables by a hash of their id (the split and encode shards)
======  =====================  ===================================================================

The decisions are ``pipeline.clean``'s: the kept documents, their text and cluster ids do not depend
on how the corpus is cut into shards (``tests/corpus_clean/test_sharded.py`` checks one shard against
several, and against ``pipeline.clean``). Every global job reads only fixed-width integer columns:
``exact`` and ``boilerplate`` read them in hash partitions of at most PARTITION_ROWS rows; ``near``
holds, per band pass, 24 bytes per document (two key words and the id key), plus the signatures of
the candidate documents only. Ids are sha1 hex strings (``documents.document_id``); their first 64
bits order them as the strings do, and a job refuses two ids that share them.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import asdict, replace
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from scalinglaws.corpus.clean import dedupe, lines, pipeline
from scalinglaws.corpus.clean.ngrams import mix64
from scalinglaws.corpus.clean.pipeline import CleanOptions
from scalinglaws.corpus.documents import read_documents, text_bytes, write_documents
from scalinglaws.io import atomic_path, read_json, write_json

PARTITION_ROWS = 1 << 25  # rows a global job holds at once (a few hundred MB of integer columns)
_ID = re.compile(r"[0-9a-f]{40}")
_BAND_SEEDS = (np.uint64(0x243F6A8885A308D3), np.uint64(0x13198A2E03707344))  # two words of band key


# --- shared helpers -------------------------------------------------------------------------------------

def id_key(doc_id: str, where: str) -> int:
    """The first 64 bits of a sha1 hex id, as an integer: they sort as the ids do."""
    if not _ID.fullmatch(doc_id):
        raise ValueError(f"{where}: document id {doc_id!r} is not a sha1 hex string (scalinglaws.corpus.documents)")
    return int(doc_id[:16], 16)


def part_of(doc_id: str, parts: int) -> int:
    """The part (split and encode shard) of a document: its id, a uniform hash, modulo ``parts``."""
    return int(doc_id[16:32], 16) % parts


def _line_hash(line: str) -> int:
    return int.from_bytes(hashlib.blake2b(line.encode(), digest_size=8).digest(), "little")


def _write_table(path, table: pa.Table) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def _stats(name: str, before: list[dict], after: list[dict]) -> list[dict]:
    """Per source: documents and bytes into and out of the filter ``name``."""
    rows = {}
    for side, docs in (("in", before), ("out", after)):
        for d in docs:
            row = rows.setdefault(d["source"], {"filter": name, "source": d["source"], "docs_in": 0, "docs_out": 0,
                                                "bytes_in": 0, "bytes_out": 0})
            row[f"docs_{side}"] += 1
            row[f"bytes_{side}"] += text_bytes(d["text"])
    return [rows[s] for s in sorted(rows)]


def _run(docs: list[dict], names: Sequence[str], options: CleanOptions, of, stats: list[dict]) -> list[dict]:
    steps = dict(pipeline.FILTERS)
    for name in names:
        kept = steps[name](docs, options, of)
        stats.extend(_stats(name, docs, kept))
        docs = kept
    return docs


class ShardState:
    """What every phase of one shard knows: the options, each source's own ones, and the report rows so far."""

    def __init__(self, path: str | os.PathLike):
        state = read_json(path)
        self.options = CleanOptions.from_dict(state["options"])
        self.overrides = {s: CleanOptions.from_dict(o) for s, o in state["source_options"].items()}
        self.stats = state["filters"]

    def of(self, doc: dict) -> CleanOptions:
        return self.overrides.get(doc["source"], self.options)


def _options_dict(options: CleanOptions) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(options).items()}


def _save_state(path, options: CleanOptions, overrides: dict[str, CleanOptions], stats: list[dict]) -> None:
    write_json(path, {"options": _options_dict(options),
                      "source_options": {s: _options_dict(o) for s, o in overrides.items()}, "filters": stats})


def _keys(docs: list[dict], where: str) -> np.ndarray:
    return np.array([id_key(d["id"], where) for d in docs], dtype=np.uint64)


def _drop(docs: list[dict], where: str, dropped: np.ndarray) -> list[dict]:
    """``docs`` without those whose id key is in ``dropped`` (sorted)."""
    if not len(dropped) or not docs:
        return docs
    keep = ~np.isin(_keys(docs, where), dropped, assume_unique=True)
    return [d for d, k in zip(docs, keep) if k]


def _partitions(paths: Sequence[str | os.PathLike], column: str, columns: list[str]) -> Iterable[pa.Table]:
    """The rows of every table, ``columns`` of them, in hash partitions of ``column`` (a uniform uint64)
    of about PARTITION_ROWS rows each, each partition read from every file in turn."""
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
    count = max(1, math.ceil(rows / PARTITION_ROWS))
    for part in range(count):
        pieces = []
        for path in paths:
            table = pq.read_table(path, columns=columns)
            if count > 1:
                values = table[column].to_numpy()
                table = table.filter(pa.array(values % np.uint64(count) == part))
            pieces.append(table)
        yield pa.concat_tables(pieces)


# --- phase A: unicode, exact keys --------------------------------------------------------------------------

KEY_SCHEMA = pa.schema([("id_key", pa.uint64()), ("exact_hi", pa.uint64()), ("exact_lo", pa.uint64())])


def repair(pages: Sequence[str], prose: str | None, options: CleanOptions, prose_options: dict,
           out_docs, out_keys, out_state) -> None:
    """Phase A of a shard: the documents of ``pages`` (and the prose table, filtered with
    ``options`` updated by ``prose_options``) repaired, and their exact keys."""
    docs = [d for path in pages for d in read_documents(path)]
    prose_docs = read_documents(prose) if prose else []
    overrides = {s: replace(options, **prose_options) for s in sorted({d["source"] for d in prose_docs})}
    clash = sorted(set(overrides) & {d["source"] for d in docs})
    if clash:
        raise ValueError(f"--prose {prose}: source(s) {clash} also name documents of --in; "
                         "their filters would be ambiguous")
    stats: list[dict] = []
    docs = _run(docs + prose_docs, ["unicode"], options, lambda d: overrides.get(d["source"], options), stats)
    digests = [hashlib.sha1(dedupe.exact_key(d["text"]).encode()).digest() for d in docs]
    keys = pa.table({"id_key": pa.array(_keys(docs, str(pages[0] if pages else prose))),
                     "exact_hi": pa.array([int.from_bytes(h[:8], "big") for h in digests], pa.uint64()),
                     "exact_lo": pa.array([int.from_bytes(h[8:16], "big") for h in digests], pa.uint64())},
                    schema=KEY_SCHEMA)
    write_documents(out_docs, docs)
    _write_table(out_keys, keys)
    _save_state(out_state, options, overrides, stats)


# --- G1: exact decisions ---------------------------------------------------------------------------------

def _unique_ids(ids: np.ndarray, where: str) -> None:
    ids = np.sort(ids)
    same = np.flatnonzero(ids[1:] == ids[:-1])
    if len(same):
        raise ValueError(f"{where}: two documents share the id prefix {int(ids[same[0]]):016x} (a duplicate id, "
                         "or a 64-bit prefix collision)")


def exact(key_paths: Sequence[str], out) -> int:
    """Every id but the smallest of each exact key, over all shards; return how many."""
    dropped = []
    for table in _partitions(key_paths, "exact_hi", ["id_key", "exact_hi", "exact_lo"]):
        ids, hi, lo = (table[c].to_numpy() for c in ("id_key", "exact_hi", "exact_lo"))
        _unique_ids(ids, "exact keys")
        order = np.lexsort((ids, lo, hi))
        hi, lo, ids = hi[order], lo[order], ids[order]
        repeat = np.zeros(len(ids), dtype=bool)
        repeat[1:] = (hi[1:] == hi[:-1]) & (lo[1:] == lo[:-1])
        dropped.append(ids[repeat])
    dropped = np.sort(np.concatenate(dropped)) if dropped else np.zeros(0, np.uint64)
    _write_table(out, pa.table({"id_key": pa.array(dropped, pa.uint64())}))
    return len(dropped)


def _dropped(path) -> np.ndarray:
    return pq.read_table(path, columns=["id_key"])["id_key"].to_numpy()


# --- phase B: boilerplate line counts -------------------------------------------------------------------

LINE_SCHEMA = pa.schema([("threshold", pa.int64()), ("line", pa.uint64()), ("docs", pa.int64())])


def count_lines(docs_path, state_path, exact_drop, out_counts, out_state) -> None:
    """Phase B of a shard: exact duplicates dropped; per threshold, the documents holding each candidate line."""
    state = ShardState(state_path)
    docs = read_documents(docs_path)
    kept = _drop(docs, str(docs_path), _dropped(exact_drop)) if state.options.exact_dedupe else docs
    state.stats.extend(_stats("exact_dedupe", docs, kept))
    counts: dict[tuple[int, int], int] = {}
    for d in kept:
        threshold = state.of(d).boilerplate_min_docs
        if threshold > 0:
            for key in {_line_hash(k) for k in map(lines.boilerplate_key, d["text"].split("\n")) if k is not None}:
                counts[threshold, key] = counts.get((threshold, key), 0) + 1
    table = pa.table({"threshold": pa.array([t for t, _ in counts], pa.int64()),
                      "line": pa.array([h for _, h in counts], pa.uint64()),
                      "docs": pa.array(list(counts.values()), pa.int64())}, schema=LINE_SCHEMA)
    _write_table(out_counts, table)
    _save_state(out_state, state.options, state.overrides, state.stats)


# --- G2: boilerplate lines ---------------------------------------------------------------------------------

def boilerplate(count_paths: Sequence[str], out) -> int:
    """The (threshold, line) pairs whose line is in at least ``threshold`` documents of the corpus."""
    found = []
    for table in _partitions(count_paths, "line", ["threshold", "line", "docs"]):
        total = table.group_by(["threshold", "line"]).aggregate([("docs", "sum")])
        found.append(total.filter(pa.compute.greater_equal(total["docs_sum"], total["threshold"]))
                     .select(["threshold", "line"]))
    table = pa.concat_tables(found) if found else LINE_SCHEMA.empty_table().select(["threshold", "line"])
    table = table.sort_by([("threshold", "ascending"), ("line", "ascending")])
    _write_table(out, table)
    return len(table)


def _repeated(path) -> dict[int, set[int]]:
    table = pq.read_table(path)
    out: dict[int, set[int]] = {}
    for t, h in zip(table["threshold"].to_pylist(), table["line"].to_pylist()):
        out.setdefault(t, set()).add(h)
    return out


def _remove_lines(text: str, repeated: set[int]) -> str:
    """``lines.remove_lines`` by line hash: the candidate lines whose hash is repeated are cut."""
    return lines.remove_lines_where(
        text, lambda ln: (k := lines.boilerplate_key(ln)) is not None and _line_hash(k) in repeated)


# --- phase C: per-document filters, MinHash ----------------------------------------------------------------

def _band_keys(signatures: np.ndarray, bands: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Two 64-bit words per document and band: equal bands give equal words."""
    rows = signatures.shape[1] // bands
    out = []
    for b in range(bands):
        words = []
        for seed in _BAND_SEEDS:
            h = np.full(len(signatures), seed, dtype=np.uint64)
            for j in range(b * rows, (b + 1) * rows):
                h = mix64(h ^ signatures[:, j])
            words.append(h)
        out.append((words[0], words[1]))
    return out


def filter_shard(docs_path, state_path, exact_drop, repeated_path, out_docs, out_minhash, out_state) -> None:
    """Phase C of a shard: boilerplate lines cut, min_length, toc and language filters, MinHash signatures."""
    state = ShardState(state_path)
    docs = read_documents(docs_path)
    if state.options.exact_dedupe:
        docs = _drop(docs, str(docs_path), _dropped(exact_drop))
    repeated = _repeated(repeated_path)
    cut = []
    for d in docs:
        lines_of = repeated.get(state.of(d).boilerplate_min_docs) if state.of(d).boilerplate_min_docs > 0 else None
        cut.append({**d, "text": _remove_lines(d["text"], lines_of)} if lines_of else d)
    cut = [d for d in cut if d["text"]]
    state.stats.extend(_stats("boilerplate", docs, cut))
    docs = _run(cut, ["min_length", "toc", "language"], state.options, state.of, state.stats)
    docs.sort(key=lambda d: d["id"])
    write_documents(out_docs, docs)
    _write_table(out_minhash, minhash_table(docs, state.options, str(docs_path)))
    _save_state(out_state, state.options, state.overrides, state.stats)


def minhash_table(docs: list[dict], o: CleanOptions, where: str) -> pa.Table:
    """A row per document (sorted by id): id, id key, length in characters, MinHash signature, band keys."""
    if o.minhash_perms % o.minhash_bands:
        raise ValueError(f"minhash_perms ({o.minhash_perms}) must be a multiple of minhash_bands ({o.minhash_bands})")
    hasher = dedupe.MinHasher(o.minhash_perms, o.minhash_ngram, o.seed)
    sigs = (np.stack([hasher.signature(d["text"]) for d in pipeline.progress(docs, "minhash")]) if docs and o.near_dedupe
            else np.zeros((len(docs), o.minhash_perms), dtype=np.uint64))
    columns = {"id": pa.array([d["id"] for d in docs], pa.string()),
               "id_key": pa.array(_keys(docs, where), pa.uint64()),
               "chars": pa.array([len(d["text"]) for d in docs], pa.int64()),
               "signature": pa.array([s.tobytes() for s in sigs], pa.binary(8 * o.minhash_perms))}
    for b, (w0, w1) in enumerate(_band_keys(sigs, o.minhash_bands)):
        columns[f"band{b}_0"], columns[f"band{b}_1"] = pa.array(w0, pa.uint64()), pa.array(w1, pa.uint64())
    return pa.table(columns)


# --- G3: near-duplicate clusters ---------------------------------------------------------------------------

NEAR_SCHEMA = pa.schema([("id_key", pa.uint64()), ("cluster_id", pa.string()), ("keep", pa.bool_())])


def candidate_pairs(minhash_paths: Sequence[str], bands: int) -> tuple[np.ndarray, np.ndarray]:
    """(every id key, the candidate pairs (first, other) of id keys): per band, every document of a
    bucket paired with the bucket's smallest id, as ``dedupe.near_duplicate_groups`` checks them."""
    ids = np.concatenate([pq.read_table(p, columns=["id_key"])["id_key"].to_numpy() for p in minhash_paths])
    _unique_ids(ids, "minhash tables")
    pairs = []
    for b in range(bands):
        cols = [f"band{b}_0", f"band{b}_1"]
        w0, w1 = (np.concatenate([pq.read_table(p, columns=[c])[c].to_numpy() for p in minhash_paths]) for c in cols)
        order = np.lexsort((ids, w1, w0))
        w0, w1, keys = w0[order], w1[order], ids[order]
        start = np.ones(len(keys), dtype=bool)
        start[1:] = (w0[1:] != w0[:-1]) | (w1[1:] != w1[:-1])
        first = keys[np.flatnonzero(start)[np.cumsum(start) - 1]]
        pairs.append(np.stack([first[~start], keys[~start]], axis=1))
    pairs = np.unique(np.concatenate(pairs), axis=0) if pairs else np.zeros((0, 2), np.uint64)
    return ids, pairs


def _candidates(minhash_paths: Sequence[str], wanted: np.ndarray) -> pa.Table:
    """id, id_key, chars and signature of the documents whose id key is in ``wanted`` (sorted), by id key."""
    pieces = []
    for path in minhash_paths:
        table = pq.read_table(path, columns=["id", "id_key", "chars", "signature"])
        pieces.append(table.filter(pa.array(np.isin(table["id_key"].to_numpy(), wanted))))
    table = pa.concat_tables(pieces)
    return table.take(pa.array(np.argsort(table["id_key"].to_numpy(), kind="stable")))


def near(minhash_paths: Sequence[str], options: CleanOptions, out) -> dict:
    """The near-duplicate clusters of the corpus: a row per member of a cluster of two or more, with the
    representative's id (the longest, ties to the smaller id) and whether it is kept."""
    o = options
    if not o.near_dedupe:
        _write_table(out, NEAR_SCHEMA.empty_table())
        return {"documents": 0, "candidate_pairs": 0, "similar_pairs": 0, "clustered": 0, "dropped": 0}
    ids, pairs = candidate_pairs(minhash_paths, o.minhash_bands)
    if not len(pairs):
        _write_table(out, NEAR_SCHEMA.empty_table())
        return {"documents": len(ids), "candidate_pairs": 0, "similar_pairs": 0, "clustered": 0, "dropped": 0}
    wanted = np.unique(pairs)
    cand = _candidates(minhash_paths, wanted)
    keys = cand["id_key"].to_numpy()
    sigs = np.frombuffer(b"".join(cand["signature"].to_pylist()), dtype=np.uint64).reshape(len(cand), o.minhash_perms)
    a, b = np.searchsorted(keys, pairs[:, 0]), np.searchsorted(keys, pairs[:, 1])
    similar = np.zeros(len(pairs), dtype=bool)
    for start in range(0, len(pairs), 1 << 16):  # verified in blocks: (block, perms) comparisons at a time
        s = slice(start, start + (1 << 16))
        similar[s] = np.mean(sigs[a[s]] == sigs[b[s]], axis=1) >= o.near_threshold
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(keys)
    graph = coo_matrix((np.ones(int(similar.sum())), (a[similar], b[similar])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    chars = cand["chars"].to_numpy()
    # representative of each component: the longest member, ties to the smallest id key (rows are in id order)
    order = np.lexsort((np.arange(n), -chars, label))
    first = np.ones(n, dtype=bool)
    first[1:] = label[order][1:] != label[order][:-1]
    rep_of_label = np.empty(label.max() + 1, dtype=np.int64)
    rep_of_label[label[order][first]] = order[first]
    member = np.bincount(label)[label] > 1
    rep = rep_of_label[label]
    doc_ids = cand["id"].to_numpy(zero_copy_only=False)
    table = pa.table({"id_key": pa.array(keys[member], pa.uint64()),
                      "cluster_id": pa.array(doc_ids[rep[member]], pa.string()),
                      "keep": pa.array((rep == np.arange(n))[member])}, schema=NEAR_SCHEMA)
    _write_table(out, table)
    return {"documents": len(ids), "candidate_pairs": len(pairs), "similar_pairs": int(similar.sum()),
            "clustered": int(member.sum()), "dropped": int(member.sum() - (rep == np.arange(n))[member].sum())}


# --- phase D: apply, write the parts ---------------------------------------------------------------------

def apply(docs_path, state_path, near_path, part_paths: Sequence[str], out_state) -> None:
    """Phase D of a shard: cluster ids set, near duplicates dropped; the documents written to
    ``part_paths`` by ``part_of`` their id."""
    state = ShardState(state_path)
    docs = read_documents(docs_path)
    clusters = pq.read_table(near_path)
    where = np.isin(clusters["id_key"].to_numpy(), _keys(docs, str(docs_path)))
    clusters = clusters.filter(pa.array(where))
    label = dict(zip(clusters["id_key"].to_pylist(), zip(clusters["cluster_id"].to_pylist(),
                                                          clusters["keep"].to_pylist())))
    out = []
    for d in docs:
        cluster, keep = label.get(id_key(d["id"], str(docs_path)), (d["id"], True))
        if keep or state.options.keep_near_duplicates:
            out.append({**d, "cluster_id": cluster})
    state.stats.extend(_stats("near_dedupe", docs, out))
    parts: list[list[dict]] = [[] for _ in part_paths]
    for d in out:
        parts[part_of(d["id"], len(part_paths))].append(d)
    for path, rows in zip(part_paths, parts):
        write_documents(path, rows)
    _save_state(out_state, state.options, state.overrides, state.stats)


# --- one shard, one job ---------------------------------------------------------------------------------

def clean_one_shard(pages: Sequence[str], prose: str | None, options: CleanOptions, prose_options: dict,
                    part_paths: Sequence[str], out_state) -> None:
    """Every phase and join in one process, for a corpus of one shard (no job start-up or queue wait
    between them); the phases' tables go to a temporary folder beside the parts."""
    import tempfile

    workdir = Path(part_paths[0]).parent
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=workdir, prefix=".clean.") as tmp:
        t = Path(tmp)
        repair(pages, prose, options, prose_options, t / "repaired.parquet", t / "keys.parquet", t / "a.json")
        exact([t / "keys.parquet"], t / "exact.parquet")
        count_lines(t / "repaired.parquet", t / "a.json", t / "exact.parquet", t / "lines.parquet", t / "b.json")
        boilerplate([t / "lines.parquet"], t / "repeated.parquet")
        filter_shard(t / "repaired.parquet", t / "b.json", t / "exact.parquet", t / "repeated.parquet",
                     t / "filtered.parquet", t / "minhash.parquet", t / "c.json")
        near([t / "minhash.parquet"], options, t / "near.parquet")
        apply(t / "filtered.parquet", t / "c.json", t / "near.parquet", part_paths, out_state)


# --- the report ------------------------------------------------------------------------------------------

def report(state_paths: Sequence[str]) -> tuple[list[dict], list[dict]]:
    """The rows of ``pipeline.Report`` (whole corpus, and per source), summed over the shards' final states."""
    totals: dict[tuple[str, str], dict] = {}
    for path in state_paths:
        for row in read_json(path)["filters"]:
            t = totals.setdefault((row["filter"], row["source"]), dict.fromkeys(("docs_in", "docs_out", "bytes_in",
                                                                                "bytes_out"), 0))
            for k in t:
                t[k] += row[k]
    rows, by_source = [], []
    for name, _ in pipeline.FILTERS:
        sources = sorted(s for f, s in totals if f == name and totals[f, s]["docs_in"])
        parts = [totals[name, s] for s in sources]
        for s, t in zip(sources, parts):
            by_source.append(_row(t, source=s, filter=name))
        whole = {k: sum(t[k] for t in parts) for k in ("docs_in", "docs_out", "bytes_in", "bytes_out")}
        rows.append(_row(whole, filter=name))
    return rows, by_source


def _row(t: dict, **labels) -> dict:
    return {**labels, "docs_in": t["docs_in"], "docs_removed": t["docs_in"] - t["docs_out"],
            "bytes_removed": t["bytes_in"] - t["bytes_out"], "docs_out": t["docs_out"], "bytes_out": t["bytes_out"]}


def save_report(state_paths: Sequence[str], out_csv, out_by_source, out_provenance, write_csv) -> None:
    rows, by_source = report(state_paths)
    write_csv(out_csv, pipeline.REPORT_COLUMNS, rows)
    write_csv(out_by_source, pipeline.SOURCE_REPORT_COLUMNS, by_source)
    first = read_json(state_paths[0])
    write_json(out_provenance, {"shards": [str(Path(p)) for p in state_paths], "options": first["options"],
                                "source_options": first["source_options"], "filters": rows,
                                "filters_by_source": by_source})
