"""One interface over the acquisition sources: ``open_source`` yields a ``Plan`` to fetch.

A plan is the sorted URL list that becomes documents (with provenance) after fetch and extract,
plus what the fetch needs to know about the source: which non-public networks it may reach, how
a listed URL maps to the address fetched, and the timestamp to record.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from scalinglaws.corpus.acquire import debian_docs, reddit, urllist
from scalinglaws.corpus.acquire.options import AcquireOptions, allowed_networks
from scalinglaws.corpus.acquire.serve import serve_directory


def _same(url: str) -> str:
    return url


@dataclass
class Plan:
    source: str
    urls: list[str]
    allowed_networks: tuple = ()
    to_fetch: Callable[[str], str] = _same
    from_fetch: Callable[[str], str] = _same
    timestamp: str | None = None


@contextlib.contextmanager
def open_source(opts: AcquireOptions, cache: str | Path) -> Iterator[Plan]:
    cache = Path(cache)
    if opts.source == "debian-docs":
        root, urls, built = debian_docs.prepare(opts.debian_docs, cache)
        with serve_directory(root) as base:
            yield Plan("debian-docs", urls, allowed_networks(opts.allow_private_addresses, ("loopback",)),
                       to_fetch=lambda u: base + u.removeprefix(debian_docs.BASE),
                       from_fetch=lambda u: debian_docs.BASE + u.removeprefix(base) if u.startswith(base) else u,
                       timestamp=opts.timestamp or built)
    elif opts.source == "reddit":
        yield Plan("reddit", reddit.read_urls(opts.reddit), allowed_networks(opts.allow_private_addresses, ()),
                   timestamp=opts.timestamp)
    elif opts.source == "urls":
        yield Plan("urls", urllist.read_urls(opts.urls.file), allowed_networks(opts.allow_private_addresses, ()),
                   timestamp=opts.timestamp)
    else:
        raise ValueError(f"corpus.source: unknown acquisition source {opts.source!r}")
