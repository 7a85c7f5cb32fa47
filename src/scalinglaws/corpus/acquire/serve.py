"""A throwaway static HTTP server on 127.0.0.1, run in a child process so it has a core of its own.

``with serve_directory(root) as base:`` starts it on a free port and yields ``http://127.0.0.1:PORT/``;
leaving the block stops it. ``python -m scalinglaws.corpus.acquire.serve ROOT`` is the child.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # one line per request would drown the progress bar
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default backlog of 5 drops connections when many fetchers start at once


@contextlib.contextmanager
def serve_directory(root: str | Path) -> Iterator[str]:
    root = Path(root).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"cannot serve {root}: not a directory")
    # the child's stdin is a pipe from us: when we die, even by SIGKILL, it reads EOF and exits
    proc = subprocess.Popen([sys.executable, "-m", "scalinglaws.corpus.acquire.serve", str(root)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # the child prints its port once it listens
        if not line.startswith("port "):
            raise RuntimeError(f"loopback server for {root} did not start (exit code {proc.poll()})")
        yield f"http://127.0.0.1:{int(line.split()[1])}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(root: str) -> None:
    handler = functools.partial(_QuietHandler, directory=root)
    with _Server(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=_exit_with_parent, daemon=True).start()
        print(f"port {server.server_address[1]}", flush=True)
        server.serve_forever()


def _exit_with_parent() -> None:
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
