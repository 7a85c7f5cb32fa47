"""The loopback server of debian-docs: serves a folder, and dies with its parent, even on SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from scalinglaws.corpus.acquire.serve import serve_directory

REPO = Path(__file__).resolve().parents[2]


def test_serves_a_folder(tmp_path):
    (tmp_path / "a.html").write_text("<p>hello</p>")
    with serve_directory(tmp_path) as base:
        assert base.startswith("http://127.0.0.1:")
        assert urllib.request.urlopen(base + "a.html", timeout=5).read() == b"<p>hello</p>"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "a.html", timeout=5)


def test_server_exits_when_its_parent_is_killed(tmp_path):
    (tmp_path / "a.html").write_text("<p>hello</p>")
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from scalinglaws.corpus.acquire.serve import serve_directory
        with serve_directory({str(tmp_path)!r}) as base:
            print(base, flush=True)
            time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    base = parent.stdout.readline().strip()
    assert urllib.request.urlopen(base + "a.html", timeout=5).status == 200
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "a.html", timeout=1)
        except OSError:  # refused, or reset while the server goes down
            return
        time.sleep(0.1)
    pytest.fail(f"the server at {base} outlived its killed parent")
