"""An HTTP fetcher that keeps every limit itself, because extraction libraries keep none of them.

Per URL: http/https only; the host is resolved once per request, within the connect timeout and the
deadline, and non-public addresses are refused unless their network is allowed (link-local and cloud
metadata addresses only when named explicitly); connect and read timeouts; a total deadline over
every attempt, lookup, redirect and byte, enforced by a watchdog that shuts the socket (so a server
that drips one byte a second cannot extend it), which stops while the URL waits for a free connection
to its host; a body cap kept while streaming, on the decoded size when the body is gzip, deflate or
brotli encoded (so a compression bomb stops at the cap); a redirect cap with loop detection; a
per-host limit on open requests; retries with exponential backoff after transient failures (5xx,
408, 429, timeouts and dropped connections). Every call returns a ``FetchResult`` with a status,
never raises.
"""

from __future__ import annotations

import dataclasses
import http.client
import ipaddress
import math
import socket
import ssl
import threading
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from scalinglaws.corpus.acquire.options import RESULT_NEUTRAL_FETCH_OPTIONS, FetchOptions

try:
    import brotli
    if not hasattr(brotli.Decompressor(), "can_accept_more_data"):  # before 1.2 the output cannot be capped
        brotli = None
except ImportError:
    brotli = None

HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)
ENCODINGS = ("gzip", "deflate") + (("br",) if brotli else ())
_DECODE_ERRORS = (zlib.error,) + ((brotli.error,) if brotli else ())
_SAFE = "/%:@!$&'()*+,;=-._~?"
STATUSES = ("ok", "http_<code>", "timeout", "too_large", "not_html", "redirect_loop", "too_many_redirects",
            "refused_scheme", "refused_address", "invalid_url", "dns_error", "connection_error", "tls_error",
            "bad_response", "unsupported_encoding", "bad_encoding", "error")
# Link-local, and the cloud metadata services outside it (Alibaba's, Azure's wire server, AWS's over IPv6):
# refused even under a broad allowance such as 0.0.0.0/0, unless an allowed network lies inside one of them.
NAMED_ONLY = tuple(ipaddress.ip_network(n) for n in ("169.254.0.0/16", "fe80::/10", "100.100.100.200/32",
                                                     "168.63.129.16/32", "fd00:ec2::254/128"))


def is_transient(status: str) -> bool:
    """Whether a later try may well succeed: retried within a fetch, and refetched by a rerun."""
    return status in ("timeout", "connection_error", "http_408", "http_429") or status.startswith("http_5")


def address_refusal(address: str, allowed: tuple) -> str | None:
    """Why the fetcher must not connect to ``address`` (None if it may), given the allowed networks."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for guarded in NAMED_ONLY:
        if ip in guarded:
            if any(ip in n and n.subnet_of(guarded) for n in allowed):
                return None
            return (f"link-local or cloud metadata address {ip}: allowed only when named, "
                    f"e.g. {ip}/{ip.max_prefixlen} in corpus.allow_private_addresses")
    if ip.is_global or any(ip in n for n in allowed):
        return None
    return f"non-public address {ip}, in no network of corpus.allow_private_addresses"


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: str
    http_status: int | None = None
    content_type: str = ""
    body: bytes | None = None
    elapsed: float = 0.0
    attempts: int = 0
    error: str = ""


class _Stop(Exception):
    """Ends an attempt with a status (and no retry unless the status is retryable)."""

    def __init__(self, status: str, error: str = "", http_status: int | None = None, content_type: str = ""):
        super().__init__(error or status)
        self.status, self.error, self.http_status, self.content_type = status, error, http_status, content_type


class _Clock:
    """A URL's deadline. It starts when the first request gets a connection slot and stops whenever the
    URL waits for a slot again (a retry, a redirect), so that queueing behind other URLs to the same
    host, however busy, never counts against it: only the URL's own lookups, connects, bytes and
    backoff pauses do."""

    def __init__(self, seconds: float):
        self.seconds, self.start, self.queued = seconds, None, 0.0

    def wait_for(self, slot: threading.BoundedSemaphore) -> None:
        asked = time.monotonic()
        slot.acquire()
        if self.start is None:
            self.start = time.monotonic()
        else:
            self.queued += time.monotonic() - asked

    @property
    def deadline(self) -> float:
        return math.inf if self.start is None else self.start + self.queued + self.seconds

    @property
    def spent(self) -> float:
        return 0.0 if self.start is None else time.monotonic() - self.start - self.queued


class Fetcher:
    """Fetch URLs under ``FetchOptions``; thread-safe, one instance shared by all fetcher threads."""

    def __init__(self, opts: FetchOptions, allowed_networks: tuple = ()):
        self.opts = opts
        self.allowed_networks = allowed_networks
        self._slots: dict[str, threading.BoundedSemaphore] = defaultdict(
            lambda: threading.BoundedSemaphore(opts.per_host_concurrency))
        self._slots_lock = threading.Lock()
        self._tls = ssl.create_default_context()
        # a hanging lookup ends when the system resolver gives up (often after 10-30 s), while a worker
        # whose lookups all hang moves on after each connect_timeout: room for a few stuck ones per worker
        self._resolver = _Resolver(threads=4 * opts.concurrency)

    def settings(self) -> dict:
        """Everything that can change what a fetch returns (the shard key hashes it)."""
        opts = {k: v for k, v in dataclasses.asdict(self.opts).items() if k not in RESULT_NEUTRAL_FETCH_OPTIONS}
        return {**opts, "allowed_networks": sorted(map(str, self.allowed_networks)), "encodings": list(ENCODINGS)}

    def fetch(self, url: str) -> FetchResult:
        clock, earlier = _Clock(self.opts.deadline), []
        while True:
            result = self._attempt(url, clock)
            pause = self.opts.backoff * 2 ** len(earlier)
            if (not is_transient(result.status) or len(earlier) >= self.opts.retries
                    or time.monotonic() + pause >= clock.deadline):
                break
            earlier.append(result.status)
            time.sleep(pause)
        if result.status != "ok" and any(s != result.status for s in earlier):
            result.error = "; ".join(filter(None, [result.error, f"earlier attempts: {', '.join(earlier)}"]))
        result.attempts = len(earlier) + 1
        result.elapsed = round(clock.spent, 4)
        return result

    def _attempt(self, url: str, clock: _Clock) -> FetchResult:
        current, seen = url, {url}
        for _ in range(self.opts.max_redirects + 1):
            try:
                code, location, content_type, body = self._request(current, clock)
            except _Stop as stop:
                return FetchResult(url, current, stop.status, stop.http_status, stop.content_type, error=stop.error)
            except Exception as exc:  # whatever a strange URL or server does, the URL gets a status row
                return FetchResult(url, current, "error", error=repr(exc)[:300])
            if location is None:
                return FetchResult(url, current, "ok", code, content_type, body)
            target = urlunsplit(urlsplit(urljoin(current, location))._replace(fragment=""))
            if target in seen:
                return FetchResult(url, current, "redirect_loop", code, content_type, error=f"back to {target}")
            seen.add(target)
            current = target
        return FetchResult(url, current, "too_many_redirects", error=f"more than {self.opts.max_redirects}")

    def _slot(self, host: str, port: int) -> threading.BoundedSemaphore:
        with self._slots_lock:
            return self._slots[f"{host}:{port}"]

    def _request(self, url: str, clock: _Clock) -> tuple[int, str | None, str, bytes | None]:
        """One GET without following redirects: (status code, redirect target or None, content type, body)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise _Stop("refused_scheme", f"scheme {parts.scheme!r} is not http or https")
        try:
            host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise _Stop("invalid_url", str(exc)) from None
        if not host:
            raise _Stop("invalid_url", "no host")
        slot = self._slot(host, port)
        clock.wait_for(slot)
        try:
            address = self._resolve(host, clock.deadline)
            return self._get(parts, host, port, address, clock.deadline)
        finally:
            slot.release()

    def _resolve(self, host: str, deadline: float) -> str:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Stop("timeout", "deadline passed")
        addresses = self._resolver.addresses(host, min(self.opts.connect_timeout, remaining))
        for a in addresses:  # every address must pass, or a DNS answer could point us inside
            refusal = address_refusal(a, self.allowed_networks)
            if refusal:
                raise _Stop("refused_address", f"{host} resolves to {refusal}")
        return addresses[0]

    def _get(self, parts, host: str, port: int, address: str, deadline: float):
        opts = self.opts
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Stop("timeout", "deadline passed")
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=min(opts.connect_timeout, remaining),
                                               context=self._tls)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=min(opts.connect_timeout, remaining))
        # connect to the address we checked, not to whatever a second lookup returns
        conn._create_connection = lambda _addr, timeout, source=None: socket.create_connection(
            (address, port), timeout, source)
        watchdog = sock = resp = None
        try:
            conn.connect()
            sock = conn.sock  # the response takes it over from conn (Connection: close)
            watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, (sock,))
            watchdog.daemon = True
            watchdog.start()
            # percent-encode what the request line cannot carry (spaces, non-ASCII), keep existing escapes
            path = urlunsplit(("", "", quote(parts.path or "/", safe=_SAFE), quote(parts.query, safe=_SAFE), ""))
            conn.request("GET", path, headers={"User-Agent": opts.user_agent, "Accept": "text/html,*/*;q=0.5",
                                               "Accept-Encoding": ", ".join(ENCODINGS), "Connection": "close"})
            sock.settimeout(_read_timeout(opts, deadline))
            resp = conn.getresponse()
            code, content_type = resp.status, resp.getheader("Content-Type", "") or ""
            if code in REDIRECTS and resp.getheader("Location"):
                return code, resp.getheader("Location"), content_type, None
            if not 200 <= code < 300:
                raise _Stop(f"http_{code}", resp.reason, code, content_type)
            mime = content_type.split(";")[0].strip().lower()
            if mime and mime not in HTML_TYPES:
                raise _Stop("not_html", f"content type {mime}", code, content_type)
            decoder = _decoder(resp.getheader("Content-Encoding", ""), opts.max_bytes, code, content_type)
            length = resp.getheader("Content-Length")
            if length and length.isdigit() and int(length) > opts.max_bytes:
                raise _Stop("too_large", f"Content-Length {length} > {opts.max_bytes}", code, content_type)
            body, received = bytearray(), 0
            while True:
                sock.settimeout(_read_timeout(opts, deadline))
                chunk = resp.read1(65536)
                if not chunk:
                    break
                received += len(chunk)
                body += decoder.feed(chunk) if decoder else chunk
                if max(received, len(body)) > opts.max_bytes:
                    raise _Stop("too_large", f"body over {opts.max_bytes} bytes", code, content_type)
            if time.monotonic() >= deadline:  # the watchdog cut the stream short
                raise _Stop("timeout", "deadline passed while reading the body", code, content_type)
            if decoder:
                body += decoder.finish()
            if not mime and not _looks_like_html(body):
                raise _Stop("not_html", "no content type and the body is not HTML", code, content_type)
            return code, None, content_type, bytes(body)
        except _Stop:
            raise
        except (TimeoutError, socket.timeout):
            raise _Stop("timeout", "read or connect timed out") from None
        except ssl.SSLError as exc:
            raise _Stop("tls_error", str(exc)) from None
        except (http.client.IncompleteRead, ConnectionError, http.client.RemoteDisconnected) as exc:
            raise _Stop("timeout" if time.monotonic() >= deadline else "connection_error", repr(exc)) from None
        except http.client.HTTPException as exc:
            raise _Stop("bad_response", repr(exc)) from None
        except OSError as exc:
            raise _Stop("timeout" if time.monotonic() >= deadline else "connection_error", repr(exc)) from None
        finally:
            if watchdog is not None:
                watchdog.cancel()
            for closable in (resp, sock, conn):
                if closable is not None:
                    closable.close()


def _decoder(header: str, limit: int, code: int, content_type: str) -> "_Decoder | None":
    """The decoder of a Content-Encoding header (None for none or identity); refuses what it cannot undo."""
    encodings = [e.strip().lower() for e in header.split(",") if e.strip().lower() not in ("", "identity")]
    encodings = ["gzip" if e == "x-gzip" else e for e in encodings]
    if not encodings:
        return None
    if len(encodings) > 1 or encodings[0] not in ENCODINGS:
        raise _Stop("unsupported_encoding", f"Content-Encoding {header!r}; this fetcher decodes "
                    f"{', '.join(ENCODINGS)}, one at a time", code, content_type)
    return _Decoder(encodings[0], limit, code, content_type)


class _Decoder:
    """Undoes a Content-Encoding while the body streams in. No call yields more than the cap allows, so a
    compression bomb ends as ``too_large`` having cost at most the cap in memory."""

    def __init__(self, encoding: str, limit: int, code: int, content_type: str):
        self.encoding, self.limit, self.size = encoding, limit, 0
        self._stop_args = (code, content_type)
        self._brotli = brotli.Decompressor() if encoding == "br" else None
        self._zlib = None
        self._head = b""  # deflate: its first two bytes tell a zlib stream from a raw one
        self._received = False

    def feed(self, data: bytes) -> bytes:
        self._received = True
        return self._decoding(self._brotli_feed if self._brotli else self._zlib_feed, data)

    def finish(self) -> bytes:
        """What remains; an error if the stream stopped before its end."""
        tail = self._decoding(self._zlib_feed, b"", True) if self._head else b""
        finished = self._brotli.is_finished() if self._brotli else self._zlib is not None and self._zlib.eof
        if self._received and not finished:
            raise _Stop("bad_encoding", f"{self.encoding}: the body ends before the compressed stream does",
                        *self._stop_args)
        return tail

    def _decoding(self, step, *args) -> bytes:
        try:
            return step(*args)
        except _DECODE_ERRORS as exc:
            raise _Stop("bad_encoding", f"{self.encoding}: {exc}", *self._stop_args) from None

    def _take(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.size > self.limit:
            raise _Stop("too_large", f"body decodes to over {self.limit} bytes ({self.encoding})", *self._stop_args)
        return piece

    def _zlib_feed(self, data: bytes, final: bool = False) -> bytes:
        if self._zlib is None:
            self._head += data
            if len(self._head) < 2 and not final:
                return b""
            data, self._head = self._head, b""
            zlib_header = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            # gzip: 32 + 15 reads a gzip (or mislabelled zlib) header; deflate: zlib-wrapped as the standard
            # says, or raw as some servers send it
            self._wbits = 47 if self.encoding == "gzip" else 15 if zlib_header else -15
            self._zlib = zlib.decompressobj(self._wbits)
        out = bytearray()
        while data:
            if self._zlib.eof:
                if self.encoding != "gzip":  # bytes after a deflate stream's end are not part of the page
                    break
                self._zlib = zlib.decompressobj(self._wbits)  # a gzip body may hold several members
            out += self._take(self._zlib.decompress(data, self.limit + 1 - self.size))
            data = self._zlib.unused_data if self._zlib.eof else b""
        return bytes(out)

    def _brotli_feed(self, data: bytes) -> bytes:
        out = bytearray()
        while True:
            out += self._take(self._brotli.process(data, output_buffer_limit=self.limit + 1 - self.size))
            if self._brotli.can_accept_more_data():
                return bytes(out)
            data = b""  # output is still pending: drain it before the next input


@dataclass
class _Lookup:
    done: threading.Event = field(default_factory=threading.Event)
    addresses: list[str] = field(default_factory=list)
    error: Exception | None = None


class _Resolver:
    """``getaddrinfo`` with a timeout. A lookup cannot be cancelled, so it runs in a daemon thread that
    callers stop waiting for at their timeout. Callers wanting a host whose lookup is still running wait
    on that lookup instead of starting another, and at most ``threads`` lookups run at once, so a name
    server that never answers costs a bounded number of stuck threads, not one per URL."""

    def __init__(self, threads: int):
        self.threads = threads
        self._running: dict[str, _Lookup] = {}
        self._changed = threading.Condition()

    def addresses(self, host: str, timeout: float) -> list[str]:
        end = time.monotonic() + timeout
        with self._changed:
            if not self._changed.wait_for(lambda: host in self._running or len(self._running) < self.threads,
                                          timeout):
                raise _Stop("timeout", f"resolving {host}: {self.threads} earlier lookups still hang")
            lookup = self._running.get(host)
            if lookup is None:
                lookup = _Lookup()  # registered after the thread starts: one that cannot start leaves no entry
                threading.Thread(target=self._run, args=(host, lookup), name=f"resolve {host}", daemon=True).start()
                self._running[host] = lookup
        if not lookup.done.wait(max(0.0, end - time.monotonic())):
            raise _Stop("timeout", f"resolving {host} took over {timeout:.3g} s")
        if isinstance(lookup.error, (socket.gaierror, UnicodeError)):
            raise _Stop("dns_error", f"{host}: {lookup.error}")
        if lookup.error is not None:
            raise _Stop("error", f"resolving {host}: {lookup.error!r}")
        return lookup.addresses

    def _run(self, host: str, lookup: _Lookup) -> None:
        try:
            lookup.addresses = [info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]
        except Exception as exc:  # handed to every caller waiting on this lookup
            lookup.error = exc
        with self._changed:
            del self._running[host]
            self._changed.notify_all()
        lookup.done.set()


def _read_timeout(opts: FetchOptions, deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _Stop("timeout", "deadline passed")
    return min(opts.read_timeout, remaining)


def _shut(sock: socket.socket | None) -> None:
    """Watchdog: end a request at its deadline, whatever it is blocked on."""
    try:
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head or b"<body" in head
