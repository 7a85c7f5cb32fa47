"""The ``hf`` source: stream a Hugging Face dataset (id, config, split, text field), capped.

Offline (``HF_HUB_OFFLINE``/``HF_DATASETS_OFFLINE`` set, or the Hub unreachable) it fails at once with
a message saying how to proceed, instead of retrying for tens of seconds.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Iterator
from urllib.parse import urlparse

from scalinglaws.corpus.documents import document_id, text_bytes, utc_iso
from scalinglaws.corpus.sources import Shard, TextSource

_TRUE = {"1", "true", "yes", "on"}


class HFUnavailable(RuntimeError):
    """The dataset cannot be streamed here; the message says what to do instead."""


def _advice(dataset: str, reason: str) -> str:
    return (f"cannot stream Hugging Face dataset {dataset!r}: {reason}. To proceed, either run "
            f"where the Hub is reachable, with HF_HUB_OFFLINE and HF_DATASETS_OFFLINE unset, or download the "
            f"dataset's parquet/jsonl files on a connected machine (e.g. `huggingface-cli download "
            f"{dataset} --repo-type dataset --local-dir DIR`) and use the `files` source on them.")


def _check_online(dataset: str, timeout: float) -> None:
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in _TRUE:
            raise HFUnavailable(_advice(dataset, f"{var} is set (offline mode)"))
    import datasets  # after the cheap check: importing it takes seconds

    if datasets.config.HF_HUB_OFFLINE:
        raise HFUnavailable(_advice(dataset, "the datasets library is in offline mode"))
    endpoint = urlparse(datasets.config.HF_ENDPOINT)
    try:
        socket.create_connection((endpoint.hostname, endpoint.port or 443), timeout=timeout).close()
    except OSError as e:
        raise HFUnavailable(_advice(dataset, f"{endpoint.hostname} is unreachable ({e})")) from None


def stream(dataset: str, split: str = "train", config: str | None = None, text_field: str = "text",
           max_docs: int = 0, max_bytes: int = 0, revision: str | None = None,
           connect_timeout: float = 5.0, shard: Shard = Shard()) -> Iterator[dict]:
    """Document rows of ``dataset``, streamed until ``max_docs`` or ``max_bytes`` (0: no cap).

    Shard ``i`` of ``n`` streams the dataset's shard ``i`` of ``n`` (``IterableDataset.shard``: whole data
    files); its rows are numbered within it, in the url ``.../split/i-of-n#row``.
    """
    shard.check_caps("hf", max_docs=max_docs, max_bytes=max_bytes)
    _check_online(dataset, connect_timeout)
    import datasets

    try:
        rows = datasets.load_dataset(dataset, config, split=split, streaming=True, revision=revision)
    except (ConnectionError, OSError) as e:
        raise HFUnavailable(_advice(dataset, f"{type(e).__name__}: {e}")) from None
    if shard.count > 1:
        if shard.count > rows.num_shards:
            raise ValueError(f"corpus.shards is {shard.count}, but hf://{dataset} has {rows.num_shards} data file(s)")
        rows = rows.shard(num_shards=shard.count, index=shard.index)
    fetched_at, total = utc_iso(time.time()), 0
    for i, row in enumerate(rows):
        if max_docs and i >= max_docs:
            break
        if text_field not in row:
            raise ValueError(f"hf://{dataset}: no text field {text_field!r}; fields are {sorted(row)}")
        text = row[text_field] or ""
        total += text_bytes(text)
        if max_bytes and total > max_bytes:
            break
        part = f"/{shard.index}-of-{shard.count}" if shard.count > 1 else ""
        url = f"hf://{dataset}/{config or 'default'}/{split}{part}#{i}"
        yield {"id": document_id("hf", url), "text": text, "url": url, "source": "hf", "fetched_at": fetched_at,
               "status": "ok", "extractor": "none", "extractor_version": "", "lang": "", "cluster_id": ""}


SOURCE = TextSource("hf", stream, errors=(HFUnavailable, ValueError))
