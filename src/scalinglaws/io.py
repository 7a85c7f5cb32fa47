"""Small I/O helpers every stage shares: atomic writes and content hashes."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    A reader never sees a half-written artefact, and a failure leaves the previous file intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented, key-sorted JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    return json.loads(Path(path).read_text())


def _json_default(obj: Any) -> Any:
    # numpy scalars and arrays reach us from pandas and torch code
    if hasattr(obj, "item") and getattr(obj, "ndim", 1) == 0:
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes, read in chunks (memory stays bounded)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_table(df, stem: str | os.PathLike) -> None:
    """Write a table as ``<stem>.csv`` and ``<stem>.md`` (a GitHub-flavoured Markdown table), atomically.

    The CSV holds every digit; the Markdown writes floats to 4 significant digits, integers and
    text as they are (a vocabulary of 50257 stays 50257), NaN, NA and None as blanks.
    """
    import pandas as pd  # here, not at the top: stages that write no tables import io without it

    with atomic_path(f"{stem}.csv") as tmp:
        df.to_csv(tmp, index=False)

    def cell(value: Any) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return ""
        if isinstance(value, float):
            return format(value, ".4g")
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    with atomic_path(f"{stem}.md") as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def name_equals_value(text: str) -> tuple[str, str]:
    """An argparse type for ``NAME=VALUE`` arguments (a shard, a study's kind, a figure input, a held-out
    set, a law's column)."""
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


USAGE_PREFIX = "usage: "


def usage_line() -> str:
    """This process's CPU seconds (user + system, all threads) and peak RSS, as one JSON log line: each job
    of the corpus and tokenize stages ends its log with it (benchmarks/corpus_scale_bench.py reads them)."""
    import resource

    self = resource.getrusage(resource.RUSAGE_SELF)
    return USAGE_PREFIX + json.dumps({"cpu_s": round(self.ru_utime + self.ru_stime, 3),
                                      "peak_rss_mb": round(self.ru_maxrss / 1024, 1)})
