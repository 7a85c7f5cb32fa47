"""Shared fixtures: a fault-injection server and fast fetch limits for loopback tests."""

from __future__ import annotations

import pytest

from faultserver import FaultServerProcess

from scalinglaws.corpus.acquire.options import allowed_networks

# short limits so that hanging and dripping URLs cost about two seconds each, in parallel
FAST_FETCH = {"connect_timeout": 1.0, "read_timeout": 1.0, "deadline": 2.0, "max_bytes": 200_000,
              "max_redirects": 5, "concurrency": 32, "per_host_concurrency": 32, "retries": 2, "backoff": 0.05,
              "shard_size": 50}
LOOPBACK = allowed_networks("loopback", ())  # the fault server's 127.0.0.1


@pytest.fixture(scope="module")
def fault_server():
    with FaultServerProcess() as server:
        yield server
