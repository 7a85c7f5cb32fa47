"""A fault-injection HTTP server on 127.0.0.1 for the fetcher's tests, run in a child process.

``/<n>/<kind>`` serves case ``kind`` (see ``KINDS``); numbering the URLs first spreads every kind
over every shard of a sorted URL list. Requests are counted per path (``/_hits`` returns the counts
as JSON), so a test can assert that a rerun fetches nothing, or only what it should. The server has
its own process so that its threads do not compete with the fetcher's for one interpreter lock.
"""

from __future__ import annotations

import collections
import gzip
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from pathlib import Path

try:
    import brotli
except ImportError:
    brotli = None

from scalinglaws.corpus.acquire.fetch import ENCODINGS

BROTLI = "br" in ENCODINGS  # the fetcher decodes brotli only when a brotli library that caps output is there
GOOD = ("good", "latin1", "wrong_charset", "no_charset", "no_type", "slow", "redirect", "flaky", "flaky2", "gzip",
        "deflate", "raw_deflate") + (("brotli",) if BROTLI else ())
KINDS = {  # kind -> the status the fetcher must give it (with retries >= 2 and loopback allowed)
    "good": "ok", "latin1": "ok", "wrong_charset": "ok", "no_charset": "ok", "no_type": "ok", "slow": "ok",
    "redirect": "ok", "flaky": "ok", "flaky2": "ok", "empty": "ok",
    "gzip": "ok", "deflate": "ok", "raw_deflate": "ok", "brotli": "ok" if BROTLI else "unsupported_encoding",
    "gzip_bomb": "too_large", "brotli_bomb": "too_large" if BROTLI else "unsupported_encoding",
    "bad_gzip": "bad_encoding", "truncated_gzip": "bad_encoding", "zstd": "unsupported_encoding",
    "missing": "http_404", "broken": "http_500", "hang": "timeout", "drip": "timeout", "drop": "connection_error",
    "loop": "redirect_loop", "chain": "too_many_redirects", "big": "too_large", "endless": "too_large",
    "image": "not_html", "json": "not_html",
    "to_metadata": "refused_address", "to_private": "refused_address", "to_file": "refused_scheme",
}
# not in the mix because their result depends on earlier runs: ``/<n>/outage`` fails (503) the first
# three requests, as many as one run makes with retries: 2, and works from then on
BOMB_BYTES = 100_000_000


def _bomb(compress, flush) -> bytes:
    """A compressed HTML page padded with zeros to BOMB_BYTES: about 100 KB of gzip, 200 bytes of brotli."""
    zeros = bytes(1 << 20)
    return b"".join([compress(b"<html><body>")] + [compress(zeros) for _ in range(BOMB_BYTES >> 20)] + [flush()])


def page_text(n: int) -> str:
    """The main text of good page ``n``; ``marker(n)`` appears in it and nowhere else."""
    return (f"{marker(n)} is the subject of this page. Scaling laws relate the loss of a language model to "
            f"its size, its data and its compute. Page {n} explains how a power law fits the measured losses, "
            f"and why the fit is done in log space. Café owners in Zürich read it over crème brûlée.")


def marker(n: int) -> str:
    return f"Specimen{n:04d}"


def html_page(n: int, charset_meta: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return (f"<!DOCTYPE html><html><head>{meta}<title>Page {n}</title></head><body>"
            f"<nav><a href='/'>Home</a> | <a href='/about'>About</a></nav><article><h1>Page {n}</h1>"
            f"<p>{page_text(n)}</p><p>{page_text(n).upper()}</p></article>"
            f"<footer>Copyright the fault server</footer></body></html>")


class FaultServer:
    """The server itself (in the child process)."""

    def __init__(self):
        self.hits: collections.Counter[str] = collections.Counter()
        self.stop = threading.Event()
        self._lock = threading.Lock()
        squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
        self.gzip_bomb = _bomb(squeeze.compress, squeeze.flush)
        squeeze = brotli.Compressor(quality=5) if brotli else None
        self.brotli_bomb = _bomb(squeeze.process, squeeze.finish) if brotli else b"not brotli"
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def do_GET(self):
                if self.path == "/_hits":
                    with server._lock:
                        return self._send(200, json.dumps(server.hits).encode(), "application/json")
                with server._lock:
                    server.hits[self.path] += 1
                    hit = server.hits[self.path]
                try:
                    _, n, kind, *rest = self.path.split("?")[0].split("/")
                    handler = getattr(self, f"_{kind}", None) if n.isdigit() else None
                    handler(int(n), rest, hit) if handler else self._send(404, b"no such case")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                except ValueError:
                    self._send(404, b"no such case")

            def _send(self, code, body=b"", ctype="text/html; charset=utf-8", headers=()):
                self.send_response(code)
                if ctype:
                    self.send_header("Content-Type", ctype)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def _good(self, n, rest, hit):
                self._send(200, html_page(n).encode())

            def _latin1(self, n, rest, hit):
                self._send(200, html_page(n, "iso-8859-1").encode("latin-1"), "text/html; charset=iso-8859-1")

            def _wrong_charset(self, n, rest, hit):  # says latin-1, is UTF-8
                self._send(200, html_page(n, None).encode(), "text/html; charset=iso-8859-1")

            def _no_charset(self, n, rest, hit):  # nothing declared anywhere, cp1252 bytes
                self._send(200, html_page(n, None).encode("cp1252"), "text/html")

            def _no_type(self, n, rest, hit):
                self._send(200, html_page(n).encode(), None)

            def _slow(self, n, rest, hit):
                time.sleep(0.2)
                self._good(n, rest, hit)

            def _redirect(self, n, rest, hit):
                self._send(302, headers=[("Location", f"/{n}/good")])

            def _flaky(self, n, rest, hit):  # fails once, then works: needs a retry
                self._send(503) if hit == 1 else self._good(n, rest, hit)

            def _flaky2(self, n, rest, hit):  # fails twice, then works: needs both retries
                self._send(503) if hit <= 2 else self._good(n, rest, hit)

            def _fail_then_hang(self, n, rest, hit):
                self._send(503) if hit == 1 else self._hang(n, rest, hit)

            def _outage(self, n, rest, hit):
                self._send(503) if hit <= 3 else self._good(n, rest, hit)

            def _encoded(self, encoding, body):
                self._send(200, body, headers=[("Content-Encoding", encoding)])

            def _gzip(self, n, rest, hit):
                self._encoded("gzip", gzip.compress(html_page(n).encode()))

            def _deflate(self, n, rest, hit):  # zlib-wrapped, as the standard says
                self._encoded("deflate", zlib.compress(html_page(n).encode()))

            def _raw_deflate(self, n, rest, hit):  # no zlib header, as some servers send it
                squeeze = zlib.compressobj(6, zlib.DEFLATED, -15)
                self._encoded("deflate", squeeze.compress(html_page(n).encode()) + squeeze.flush())

            def _brotli(self, n, rest, hit):  # without the library: bytes that only claim to be brotli
                page = html_page(n).encode()
                self._encoded("br", brotli.compress(page) if brotli else page)

            def _gzip_bomb(self, n, rest, hit):
                self._encoded("gzip", server.gzip_bomb)

            def _brotli_bomb(self, n, rest, hit):
                self._encoded("br", server.brotli_bomb)

            def _bad_gzip(self, n, rest, hit):
                self._encoded("gzip", b"this is not gzip" * 20)

            def _truncated_gzip(self, n, rest, hit):
                whole = gzip.compress(html_page(n).encode() * 20)
                self._encoded("gzip", whole[:len(whole) // 2])

            def _zstd(self, n, rest, hit):  # an encoding the fetcher never asked for
                self._encoded("zstd", b"(\xb5/\xfd" + b"\0" * 40)

            def _drop(self, n, rest, hit):  # closes the connection without a word
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

            def _empty(self, n, rest, hit):
                self._send(200, b"<html><body><div></div></body></html>")

            def _missing(self, n, rest, hit):
                self._send(404, b"not here")

            def _broken(self, n, rest, hit):
                self._send(500, b"oops")

            def _hang(self, n, rest, hit):
                server.stop.wait(30)

            def _drip(self, n, rest, hit):  # headers, then a byte at a time, never done
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                while not server.stop.wait(0.05):
                    self.wfile.write(b"<")
                    self.wfile.flush()

            def _loop(self, n, rest, hit):
                nxt = "b" if rest == ["a"] else "a"
                self._send(301, headers=[("Location", f"/{n}/loop/{nxt}")])

            def _chain(self, n, rest, hit):
                k = int(rest[0]) if rest else 0
                self._send(302, headers=[("Location", f"/{n}/chain/{k + 1}")])

            def _big(self, n, rest, hit):  # announces more than the cap
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(50_000_000))
                self.end_headers()
                self.wfile.write(b"<html>" + b"x" * 65536)

            def _endless(self, n, rest, hit):  # chunked, fast, never ends
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"<p>" + b"y" * 16384 + b"</p>"
                while not server.stop.is_set():
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))

            def _to_metadata(self, n, rest, hit):  # the classic server-side request forgery
                self._send(302, headers=[("Location", "http://169.254.169.254/latest/meta-data/")])

            def _to_private(self, n, rest, hit):
                self._send(302, headers=[("Location", "http://10.0.0.1/admin")])

            def _to_file(self, n, rest, hit):
                self._send(302, headers=[("Location", "file:///etc/passwd")])

            def _image(self, n, rest, hit):
                self._send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")

            def _json(self, n, rest, hit):
                self._send(200, b'{"a": 1}', "application/json")

        http.server.ThreadingHTTPServer.request_queue_size = 256  # not 5: many fetchers connect at once
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def serve(self) -> None:
        print(f"port {self.httpd.server_address[1]}", flush=True)
        try:
            self.httpd.serve_forever()
        finally:
            self.stop.set()


class FaultServerProcess:
    """``with FaultServerProcess() as s:`` serves on ``s.base`` from a child process."""

    def __enter__(self) -> "FaultServerProcess":
        src = str(Path(__file__).resolve().parents[2] / "src")  # the child imports the fetcher's ENCODINGS too
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen([sys.executable, __file__], stdout=subprocess.PIPE, text=True, env=env)
        self.base = f"http://127.0.0.1:{int(self.proc.stdout.readline().split()[1])}"
        return self

    def hits(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.base}/_hits", timeout=10) as resp:
            return collections.Counter(json.load(resp))

    def urls(self, count: int) -> dict[str, str]:
        """``count`` URLs cycling through every kind: url -> the status expected for it."""
        kinds = sorted(KINDS)
        return {f"{self.base}/{n:04d}/{kinds[n % len(kinds)]}": KINDS[kinds[n % len(kinds)]] for n in range(count)}

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


if __name__ == "__main__":
    FaultServer().serve()
