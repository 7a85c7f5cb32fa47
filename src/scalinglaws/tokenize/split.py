"""The holdout split: documents go to train or test by a stable hash of their near-duplicate cluster.

A cluster goes to test when ``sha1(seed, cluster_id)`` read as a number in [0, 1) is below the test
fraction. The side of a document depends on nothing but its cluster id and the seed, so adding
documents to the corpus never moves an existing one, and near duplicates never straddle the split.

The split streams: a first pass reads only the ``id`` and ``cluster_id`` columns (a few tens of
bytes per document) to find the id order and each document's side; a second pass reads whole rows
a few at a time and writes both sides in id order. The input is read as a merge of its runs of
rows already in id order. The clean stage writes its table sorted by id, a single run, which is
read once. An input with more than MERGE_RUNS runs is first rewritten, beside the outputs, as
sorted chunks of SPILL_ROWS rows, then merged MERGE_RUNS runs at a time (an external sort): it
costs a few more passes over the data and up to twice the input's size in temporary disk, but
memory stays bounded by those constants, whatever the corpus size.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scalinglaws.corpus.documents import ROW_GROUP_ROWS, open_documents
from scalinglaws.io import atomic_path, file_sha256

READ_ROWS = 64  # rows each reader of a sorted run holds at a time
READ_BUFFER = 1 << 16  # bytes of read-ahead per column; unbuffered reads load whole column chunks
MERGE_RUNS = 16  # sorted runs merged at once
SPILL_ROWS = 4 * ROW_GROUP_ROWS  # rows sorted in memory at a time when the input has too many runs


def holdout_score(cluster_id: str, seed: int) -> float:
    """Where a cluster falls in [0, 1): the first 8 bytes of sha1(seed, cluster_id) as a fraction."""
    digest = hashlib.sha1(f"{seed}\x00{cluster_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def null_count(parquet: pq.ParquetFile, column: str) -> int:
    """Nulls in a top-level column: from the row groups' statistics, or by reading the column a batch at a time."""
    meta, counts = parquet.metadata, []
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        chunk = next((group.column(j) for j in range(group.num_columns) if group.column(j).path_in_schema == column),
                     None)
        stats = chunk.statistics if chunk is not None else None
        if stats is None or not stats.has_null_count:
            return sum(b.column(0).null_count for b in parquet.iter_batches(READ_ROWS, columns=[column]))
        counts.append(stats.null_count)
    return sum(counts)


def split_documents(src: str, test_fraction: float, seed: int, train_out: str, test_out: str) -> dict[str, int]:
    """Write the train and test tables (same schema as ``src``, rows sorted by id); return their sizes."""
    if not 0 <= test_fraction < 1:
        raise ValueError(f"--test-fraction must be in [0, 1), got {test_fraction}")
    parquet = open_documents(src, ["id", "text", "cluster_id"], pre_buffer=False, buffer_size=READ_BUFFER)
    for c in ["id", "text", "cluster_id"]:
        if n := null_count(parquet, c):
            raise ValueError(f"{src}: column {c!r} has {n} null value(s)")
    keys = parquet.read(columns=["id", "cluster_id"])
    if pc.count_distinct(keys["id"]).as_py() != len(keys):
        raise ValueError(f"{src}: column 'id' has duplicate values")
    order = pc.sort_indices(keys, sort_keys=[("id", "ascending")]).to_numpy()
    cluster = keys["cluster_id"]
    scores = (holdout_score(c, seed) for chunk in cluster.chunks for c in chunk.to_pylist())
    is_test = np.fromiter((s < test_fraction for s in scores), dtype=bool, count=len(cluster))
    clusters = {"test_clusters": pc.count_distinct(cluster.filter(is_test)).as_py(),
                "clusters": pc.count_distinct(cluster).as_py()}
    del keys, cluster  # the write pass needs neither
    provenance = json.dumps({"input_sha256": file_sha256(src), "seed": seed, "test_fraction": test_fraction})
    schema = parquet.schema_arrow
    schema = schema.with_metadata({**(schema.metadata or {}), b"scalinglaws.split": provenance.encode()})
    side = is_test[order]  # side of each document, in id order
    with contextlib.ExitStack() as stack:
        tmps = [stack.enter_context(atomic_path(out)) for out in (train_out, test_out)]
        writers = [stack.enter_context(pq.ParquetWriter(tmp, schema, compression="zstd")) for tmp in tmps]
        sinks = [_RowGroups(writer, schema) for writer in writers]
        done = 0
        for block in _in_id_order(parquet, order, Path(train_out).parent):
            test = side[done:done + len(block)]
            sinks[0].add(block.filter(~test))
            sinks[1].add(block.filter(test))
            done += len(block)
        for sink in sinks:
            sink.close()
    sizes = {}
    for name, sink in zip(("train", "test"), sinks):
        sizes[f"{name}_documents"] = sink.documents
        sizes[f"{name}_bytes"] = sink.text_bytes
    sizes.update(clusters)
    print(f"split {src}: {json.dumps(sizes)}", file=sys.stderr)
    return sizes


def split_tables(srcs: list[str], test_fraction: float, seed: int, train_out: str, test_out: str) -> dict[str, int]:
    """``split_documents`` of several document tables as one (the parts of one shard of the corpus, each
    sorted by id): they are first copied back to back, a row group at a time, into one table beside the
    outputs, whose sorted runs the split then merges."""
    if len(srcs) == 1:
        return split_documents(srcs[0], test_fraction, seed, train_out, test_out)
    workdir = Path(train_out).parent
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=workdir, prefix=".split-in.") as tmp:
        joined = Path(tmp) / "joined.parquet"
        schema = open_documents(srcs[0]).schema_arrow
        with pq.ParquetWriter(joined, schema, compression="zstd") as writer:
            for src in srcs:
                parquet = open_documents(src, pre_buffer=False, buffer_size=READ_BUFFER)
                if parquet.schema_arrow != schema:
                    raise ValueError(f"{src}: its schema differs from {srcs[0]}'s")
                for group in range(parquet.num_row_groups):
                    writer.write_table(parquet.read_row_group(group), row_group_size=ROW_GROUP_ROWS)
        return split_documents(str(joined), test_fraction, seed, train_out, test_out)


class _RowGroups:
    """Appends tables to a parquet writer as row groups of exactly ROW_GROUP_ROWS rows (the last one shorter)."""

    def __init__(self, writer: pq.ParquetWriter, schema: pa.Schema):
        self.writer, self.schema = writer, schema
        self.pending: list[pa.Table] = []
        self.documents = self.text_bytes = 0

    def add(self, table: pa.Table) -> None:
        self.pending.append(table)
        while sum(map(len, self.pending)) >= ROW_GROUP_ROWS:
            self._flush(ROW_GROUP_ROWS)

    def close(self) -> None:
        if rows := sum(map(len, self.pending)):
            self._flush(rows)

    def _flush(self, rows: int) -> None:
        table = pa.concat_tables(self.pending).combine_chunks()  # one chunk: the bytes written do not depend on reads
        group, rest = table.slice(0, rows), table.slice(rows)
        self.writer.write_table(group.cast(self.schema))
        self.documents += rows
        self.text_bytes += pc.sum(pc.binary_length(group["text"])).as_py() or 0
        self.pending = [rest] if len(rest) else []


class _Run:
    """Rows of a parquet file from row ``start`` on, read forward a few at a time."""

    def __init__(self, parquet: pq.ParquetFile, group_starts: np.ndarray, start: int):
        first = int(np.searchsorted(group_starts, start, side="right")) - 1  # the row group holding row ``start``
        self.batches = parquet.iter_batches(READ_ROWS, row_groups=range(first, parquet.num_row_groups))
        self.batch, self.pos = next(self.batches), start - group_starts[first]

    def take(self, rows: int) -> pa.Table:
        """The next ``rows`` rows."""
        pieces = []
        while rows:
            while self.pos >= len(self.batch):
                self.pos -= len(self.batch)
                self.batch = next(self.batches)
            piece = self.batch.slice(self.pos, rows)
            pieces.append(piece)
            self.pos += len(piece)
            rows -= len(piece)
        return pa.Table.from_batches(pieces)


def _merge(parquet: pq.ParquetFile, starts: np.ndarray, runs: np.ndarray) -> Iterator[pa.Table]:
    """Rows of ``parquet`` taken from its sorted runs (run i starts at row ``starts[i]``) in the sequence ``runs``.

    ``runs[k]`` is the run of the k-th row wanted; each run is read forward once. The rows come as
    fresh tables (not views of read batches) of READ_ROWS rows.
    """
    readers: dict[int, _Run] = {}
    left = np.bincount(runs, minlength=len(starts))
    group_starts = _group_starts(parquet)
    for start in range(0, len(runs), READ_ROWS):
        block = runs[start:start + READ_ROWS]
        by_run = np.argsort(block, kind="stable")
        pieces = []
        for run, rows in zip(*np.unique(block, return_counts=True)):
            if run not in readers:
                readers[run] = _Run(parquet, group_starts, starts[run])
            pieces.append(readers[run].take(rows))
            left[run] -= rows
            if not left[run]:
                del readers[run]  # a finished run holds no memory
        back = np.empty_like(by_run)
        back[by_run] = np.arange(len(by_run))
        yield pa.concat_tables(pieces).take(back)


def _group_starts(parquet: pq.ParquetFile) -> np.ndarray:
    """The first row of each row group."""
    sizes = [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)]
    return np.cumsum([0] + sizes[:-1])


def _in_id_order(parquet: pq.ParquetFile, order: np.ndarray, workdir: Path) -> Iterator[pa.Table]:
    """Rows of ``parquet`` in the sequence ``order`` (the id order), READ_ROWS at a time."""
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    first = np.diff(rank, prepend=len(rank)) < 0  # the first row of each run of rows already in id order
    starts, run_of = np.flatnonzero(first), np.cumsum(first) - 1
    if len(starts) <= MERGE_RUNS:
        yield from _merge(parquet, starts, run_of[order])
        return
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=workdir, prefix=".split.") as tmp:
        source = Path(tmp) / "0.parquet"
        with pq.ParquetWriter(source, parquet.schema_arrow, compression="zstd") as writer:
            reader = _Run(parquet, _group_starts(parquet), 0)
            for start in range(0, len(order), SPILL_ROWS):
                chunk = reader.take(min(SPILL_ROWS, len(order) - start))
                chunk = chunk.take(np.argsort(rank[start:start + SPILL_ROWS]))
                writer.write_table(chunk, row_group_size=ROW_GROUP_ROWS)
        starts, run_of = np.arange(0, len(order), SPILL_ROWS), np.arange(len(order)) // SPILL_ROWS
        while True:
            current = pq.ParquetFile(source, pre_buffer=False, buffer_size=READ_BUFFER)
            runs = run_of[order]
            if len(starts) <= MERGE_RUNS:
                yield from _merge(current, starts, runs)
                return
            # merge each group of MERGE_RUNS consecutive runs into one; the groups follow each other in the file
            merged = Path(tmp) / f"{len(starts)}.parquet"
            with pq.ParquetWriter(merged, parquet.schema_arrow, compression="zstd") as writer:
                sink = _RowGroups(writer, parquet.schema_arrow)
                for block in _merge(current, starts, runs[np.argsort(runs // MERGE_RUNS, kind="stable")]):
                    sink.add(block)
                sink.close()
            source.unlink()
            source, starts, run_of = merged, starts[::MERGE_RUNS], run_of // MERGE_RUNS
