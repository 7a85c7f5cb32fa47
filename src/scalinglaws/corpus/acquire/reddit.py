"""The ``reddit`` source, WebText's recipe: outbound links of Reddit submissions with enough karma.

Reads Pushshift monthly submission dumps (``RS_YYYY-MM.zst``: zstd-compressed NDJSON, one
submission a line), streaming, and keeps the ``url`` of submissions that are not self posts, not
NSFW, scored at least ``min_score``, created in ``[start, end)``, and that point outside Reddit and
outside the media-host blocklist. URLs are normalised, then de-duplicated across every dump.
"""

from __future__ import annotations

import datetime as dt
import glob
import io
import json
import sys
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import zstandard
from tqdm import tqdm

from scalinglaws.corpus.acquire.options import RedditOptions

REDDIT_DOMAINS = ("reddit.com", "redd.it", "redditmedia.com", "reddituploads.com", "redditstatic.com")
MEDIA_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".gifv", ".webp", ".mp4", ".webm", ".mov", ".mp3", ".pdf")
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str) -> str | None:
    """Canonical form used for de-duplication, or None when the URL is not an http(s) URL with a host.

    Lowercases scheme and host, drops the fragment, ``utm_*`` parameters and the default port.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not k.lower().startswith("utm_")])
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _on_domain(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _day(value: str | None, key: str) -> float | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"corpus.reddit.{key}: {value!r} is not an ISO date (YYYY-MM-DD)") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


def submissions(path: Path) -> Iterator[dict]:
    """Stream the JSON objects of one dump; a line that is not JSON is an error naming file and line."""
    # Pushshift dumps were compressed with a long window
    reader = zstandard.ZstdDecompressor(max_window_size=2 ** 31).stream_reader(path.open("rb"))
    with io.TextIOWrapper(reader, encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: line {number} is not JSON ({exc.msg})") from None


def keep(sub: dict, opts: RedditOptions, start: float | None, end: float | None) -> str | None:
    """The normalised outbound URL of a submission that passes the filters, else None."""
    if sub.get("is_self") or sub.get("over_18"):
        return None
    try:
        score, created = int(sub.get("score") or 0), float(sub.get("created_utc") or 0)
    except (TypeError, ValueError):
        return None
    if score < opts.min_score or (start is not None and created < start) or (end is not None and created >= end):
        return None
    url = normalise_url(sub.get("url") or "")
    if url is None:
        return None
    host = urlsplit(url).hostname or ""
    if _on_domain(host, REDDIT_DOMAINS) or _on_domain(host, tuple(opts.blocklist)):
        return None
    if urlsplit(url).path.lower().endswith(MEDIA_SUFFIXES):
        return None
    return url


def read_urls(opts: RedditOptions) -> list[str]:
    """Sorted, de-duplicated outbound URLs of every dump in ``opts.dumps``."""
    paths = sorted({Path(p) for pattern in opts.dumps for p in (glob.glob(pattern) or [pattern])})
    if not paths:
        raise ValueError("corpus.reddit.dumps lists no dump files (RS_YYYY-MM.zst)")
    start, end = _day(opts.start, "start"), _day(opts.end, "end")
    urls: set[str] = set()
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"corpus.reddit.dumps: {path} does not exist")
        seen = kept = 0
        for sub in tqdm(submissions(path), desc=path.name, unit="post", file=sys.stderr, mininterval=1.0):
            seen += 1
            url = keep(sub, opts, start, end)
            if url is not None:
                kept += 1
                urls.add(url)
        print(f"reddit: {path}: {seen} submissions, {kept} kept", file=sys.stderr)
    print(f"reddit: {len(urls)} unique URLs", file=sys.stderr)
    return sorted(urls)
