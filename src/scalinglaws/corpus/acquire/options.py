"""Options of the acquisition step: the config's ``corpus`` section, with defaults for every key."""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass, field
from typing import Any

# the sources fetched from the web and extracted; the others are text sources (scalinglaws.corpus.sources)
WEB_SOURCES = ("debian-docs", "reddit", "urls")
LOOPBACK = ("127.0.0.0/8", "::1/128")
# options that change how fast URLs are fetched, or when, but never what a fetch returns: a rerun with
# other values reuses the done shards (the shard key hashes every other option)
RESULT_NEUTRAL_FETCH_OPTIONS = ("concurrency", "per_host_concurrency", "shard_size", "transient_reruns")


@dataclass(frozen=True)
class FetchOptions:
    """Hard limits the fetcher keeps for every URL (seconds and bytes)."""

    connect_timeout: float = 5.0   # TCP (and TLS) connect
    read_timeout: float = 5.0      # longest silence between two reads
    # total per URL: every attempt, redirect and byte (a slow drip cannot extend it); waiting for a free
    # connection to a busy host does not count
    deadline: float = 15.0
    max_bytes: int = 5_000_000     # body cap, kept while streaming
    max_redirects: int = 5
    concurrency: int = 16          # fetcher threads
    per_host_concurrency: int = 8  # open requests to one host:port at a time
    retries: int = 2               # extra attempts after a 5xx, 408, 429, a timeout or a dropped connection
    backoff: float = 0.5           # seconds before retry k (1, 2, ...) is backoff * 2**(k - 1)
    shard_size: int = 256          # URLs per resumable shard
    transient_reruns: int = 2      # later acquire runs that refetch a URL whose result was transient (as for retries)
    user_agent: str = "scalinglaws-corpus/0.1"

    def __post_init__(self):
        for name in ("connect_timeout", "read_timeout", "deadline", "max_bytes", "concurrency",
                     "per_host_concurrency", "shard_size"):
            if not getattr(self, name) > 0:  # zero would hang (no slots) or refuse every page
                raise ValueError(f"corpus.fetch.{name}: must be positive, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class DebianDocsOptions:
    """Which Debian documentation packages to fetch, and which of their pages to keep."""

    packages: tuple[str, ...] = ("postgresql-doc-15", "python3.11-doc", "python-django-doc", "sqlite3-doc",
                                 "python-pandas-doc")
    # fnmatch globs on the path inside the package; pages that are navigation, indexes, sources or
    # machine-generated API stubs rather than prose
    exclude: tuple[str, ...] = ("*/_sources/*", "*/_static/*", "*/_images/*", "*/_downloads/*", "*/_modules/*",
                                "*genindex*", "*modindex*", "*/search.html", "*/translations/*",
                                "*/reference/api/*", "*/generated/*", "*/releaselog/*", "*/c3ref/*")
    max_pages: int | None = None   # cap per package (evenly spaced over the sorted list); None keeps all


@dataclass(frozen=True)
class RedditOptions:
    """WebText's recipe over Pushshift submission dumps."""

    dumps: tuple[str, ...] = ()    # RS_YYYY-MM.zst files or globs
    min_score: int = 3
    start: str | None = None       # inclusive, ISO date (2017-01-01); None: no lower bound
    end: str | None = None         # exclusive; None: no upper bound
    blocklist: tuple[str, ...] = ("imgur.com", "gfycat.com", "giphy.com", "youtube.com", "youtu.be", "vimeo.com",
                                  "streamable.com", "twitter.com", "x.com", "instagram.com", "facebook.com",
                                  "flickr.com", "tumblr.com", "twitch.tv", "tiktok.com", "soundcloud.com",
                                  "spotify.com", "pinterest.com")


@dataclass(frozen=True)
class UrlsOptions:
    file: str | None = None        # one URL per line; blank lines and # comments ignored


@dataclass(frozen=True)
class AcquireOptions:
    source: str = "debian-docs"
    extractor: str = "trafilatura"
    # non-public networks the fetcher may connect to: False (none), "loopback", a list of CIDRs ("loopback"
    # may be one of them), or True (every network; link-local and cloud metadata addresses still only
    # when a listed network lies inside theirs). None: the source decides (debian-docs serves on 127.0.0.1
    # and allows loopback; the web sources allow none)
    allow_private_addresses: bool | str | tuple[str, ...] | None = None
    # fetched_at for every row (ISO-8601). None: the UTC date of the fetch (a date, so that reruns on
    # the same day give byte-identical documents), except for debian-docs, whose pages carry their
    # package's build time, so that every run gives byte-identical documents
    timestamp: str | None = None
    fetch: FetchOptions = field(default_factory=FetchOptions)
    debian_docs: DebianDocsOptions = field(default_factory=DebianDocsOptions)
    reddit: RedditOptions = field(default_factory=RedditOptions)
    urls: UrlsOptions = field(default_factory=UrlsOptions)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "AcquireOptions":
        """Build from the config's ``corpus`` section; unknown keys of this step are errors, other
        steps' keys (``clean``, ``hf`` ...) are left to them."""
        sections = {"fetch": FetchOptions, "debian_docs": DebianDocsOptions, "reddit": RedditOptions,
                    "urls": UrlsOptions}
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in raw or raw[f.name] is None and f.name in sections:
                continue
            kwargs[f.name] = _section(sections[f.name], raw[f.name], f"corpus.{f.name}") if f.name in sections \
                else raw[f.name]
        if isinstance(kwargs.get("allow_private_addresses"), list):
            kwargs["allow_private_addresses"] = tuple(kwargs["allow_private_addresses"])
        opts = cls(**kwargs)
        allowed_networks(opts.allow_private_addresses, ())  # a bad entry fails here, before anything runs
        if opts.source not in WEB_SOURCES:
            raise ValueError(f"corpus.source: {opts.source!r} is not fetched from the web: acquire handles "
                             f"{', '.join(WEB_SOURCES)} (text sources are read by `load`)")
        if opts.extractor not in ("trafilatura", "newspaper3k"):
            raise ValueError(f"corpus.extractor: {opts.extractor!r} is not trafilatura or newspaper3k")
        return opts


def allowed_networks(value: bool | str | tuple[str, ...] | None, default: tuple[str, ...]) -> tuple:
    """The ``ipaddress`` networks of an ``allow_private_addresses`` value (``default`` for None)."""
    where = "corpus.allow_private_addresses"
    if value is None:
        value = default
    if value is True:
        return ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")
    if value is False:
        return ()
    if isinstance(value, str):
        if value != "loopback":
            raise ValueError(f"{where}: {value!r} is not 'loopback'; give false, true, 'loopback' or a list "
                             "of CIDRs such as ['127.0.0.0/8', '10.0.0.0/8']")
        value = ("loopback",)
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{where}: expected false, true, 'loopback' or a list of CIDRs, got {value!r}")
    networks = []
    for i, item in enumerate(value):
        try:
            networks += [ipaddress.ip_network(n) for n in (LOOPBACK if item == "loopback" else [item])]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}[{i}]: {item!r} is not 'loopback' or a CIDR such as 10.0.0.0/8 "
                             f"({exc})") from None
    return tuple(networks)


def _section(cls: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping, got {type(raw).__name__}")
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(names))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; known: {sorted(names)}")
    kwargs = {}
    for key, value in raw.items():
        default = names[key].default
        if isinstance(default, tuple):
            if isinstance(value, str) or not isinstance(value, (list, tuple)):
                raise ValueError(f"{where}.{key}: expected a list, got {value!r}")
            value = tuple(value)
        elif isinstance(default, (int, float)) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{where}.{key}: expected a non-negative number, got {value!r}")
            value = type(default)(value)
        kwargs[key] = value
    return cls(**kwargs)


def defaults() -> dict[str, Any]:
    """Every key with its default, as JSON-able data (for docs and ``acquire --print-defaults``)."""
    return dataclasses.asdict(AcquireOptions())
