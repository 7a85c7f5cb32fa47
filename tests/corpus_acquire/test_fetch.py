"""The fetcher alone: one URL of each fault kind gets the right status, and the limits hold."""

from __future__ import annotations

import collections
import socket
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import FAST_FETCH, LOOPBACK
from faultserver import BROTLI, KINDS, html_page

from scalinglaws.corpus.acquire.fetch import Fetcher, address_refusal
from scalinglaws.corpus.acquire.options import AcquireOptions, FetchOptions, allowed_networks


@pytest.fixture
def fetcher():
    return Fetcher(FetchOptions(**FAST_FETCH), LOOPBACK)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_gets_its_status(fault_server, fetcher, kind):
    r = fetcher.fetch(f"{fault_server.base}/7/{kind}")
    assert r.status == KINDS[kind], r
    assert r.elapsed <= FAST_FETCH["deadline"] + 0.5
    assert (r.body is not None) == (r.status == "ok")


def test_redirect_records_final_url(fault_server, fetcher):
    r = fetcher.fetch(f"{fault_server.base}/3/redirect")
    assert r.final_url == f"{fault_server.base}/3/good" and r.http_status == 200


def test_flaky_page_is_retried(fault_server, fetcher):
    r = fetcher.fetch(f"{fault_server.base}/5/flaky")
    assert r.status == "ok" and r.attempts == 2


def test_drip_cannot_extend_the_deadline(fault_server):
    opts = FetchOptions(**{**FAST_FETCH, "read_timeout": 10.0, "deadline": 1.0, "max_bytes": 10**9, "retries": 0})
    t0 = time.monotonic()
    r = Fetcher(opts, LOOPBACK).fetch(f"{fault_server.base}/1/drip")
    assert r.status == "timeout" and time.monotonic() - t0 < 1.5


def test_loopback_refused_unless_allowed(fault_server):
    r = Fetcher(FetchOptions(**FAST_FETCH)).fetch(f"{fault_server.base}/1/good")
    assert r.status == "refused_address" and "127.0.0.1" in r.error
    assert fault_server.hits()["/1/good"] == 0


@pytest.mark.parametrize("url,status", [
    ("ftp://127.0.0.1/x", "refused_scheme"), ("file:///etc/passwd", "refused_scheme"),
    ("http:///nohost", "invalid_url"), ("http://127.0.0.1:99999/", "invalid_url"),
    ("http://name.invalid/", "dns_error"),
])
def test_bad_urls(fetcher, url, status):
    assert fetcher.fetch(url).status == status


def test_unusual_characters_are_percent_encoded(fault_server, fetcher):
    r = fetcher.fetch(f"{fault_server.base}/8/good?q=a b&ü=1")
    assert r.status == "ok", r
    assert fault_server.hits()["/8/good?q=a%20b&%C3%BC=1"] == 1


def test_queueing_for_a_host_does_not_eat_the_deadline(fault_server):
    """Four slow pages through one connection slot: each waits for the others, none times out."""
    opts = FetchOptions(**{**FAST_FETCH, "deadline": 0.5, "read_timeout": 0.5, "per_host_concurrency": 1})
    fetcher = Fetcher(opts, LOOPBACK)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(fetcher.fetch, [f"{fault_server.base}/{n}/slow" for n in range(20, 24)]))
    assert [r.status for r in results] == ["ok"] * 4


def test_retries_are_not_starved_by_a_busy_host(fault_server):
    """Two connection slots, held in turn by a queue of dripping URLs (a deadline each): pages that fail
    twice before they work, and plain 500s, still get all three attempts, and their statuses say what
    the server did."""
    opts = FetchOptions(**{**FAST_FETCH, "deadline": 1.0, "per_host_concurrency": 2})
    fetcher = Fetcher(opts, LOOPBACK)
    drips = [f"{fault_server.base}/{n}/drip" for n in range(300, 312)]
    others = [f"{fault_server.base}/{n}/{kind}" for n in range(320, 326) for kind in ("flaky2", "broken")]
    with ThreadPoolExecutor(16) as pool:
        results = dict(zip(drips + others, pool.map(fetcher.fetch, drips + others)))
    got = {url: (r.status, r.attempts) for url, r in results.items() if url in others}
    assert got == {u: ("ok" if u.endswith("flaky2") else "http_500", 3) for u in others}
    assert all(results[u].status == "timeout" for u in drips)
    assert max(r.elapsed for r in results.values()) <= opts.deadline + 0.2  # queueing is not in the deadline


def test_a_status_keeps_what_earlier_attempts_got(fault_server):
    opts = FetchOptions(**{**FAST_FETCH, "deadline": 1.0, "read_timeout": 0.4})
    r = Fetcher(opts, LOOPBACK).fetch(f"{fault_server.base}/1/fail_then_hang")
    assert r.status == "timeout" and "earlier attempts: http_503" in r.error, r


@pytest.mark.parametrize("kind", ["gzip", "deflate", "raw_deflate"] + (["brotli"] if BROTLI else []))
def test_encoded_pages_are_decoded(fault_server, fetcher, kind):
    r = fetcher.fetch(f"{fault_server.base}/11/{kind}")
    assert r.status == "ok" and r.body == html_page(11).encode(), r


def test_brotli_is_refused_without_a_library_that_caps_its_output(fault_server, fetcher):
    if BROTLI:
        pytest.skip("a brotli library is installed: brotli pages decode (test_encoded_pages_are_decoded)")
    r = fetcher.fetch(f"{fault_server.base}/12/brotli")
    assert r.status == "unsupported_encoding" and "'br'" in r.error and r.body is None, r


@pytest.mark.parametrize("kind", ["gzip_bomb"] + (["brotli_bomb"] if BROTLI else []))
def test_compression_bomb_stops_at_the_cap(fault_server, kind):
    """100 MB of zeros in 100 KB of gzip (or 200 bytes of brotli): too large as soon as the decoded size
    passes the cap, having held no more than about the cap in memory."""
    fetcher = Fetcher(FetchOptions(**{**FAST_FETCH, "max_bytes": 1_000_000}), LOOPBACK)
    tracemalloc.start()
    try:
        r = fetcher.fetch(f"{fault_server.base}/13/{kind}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.status == "too_large" and "decodes to over 1000000 bytes" in r.error, r
    assert peak < 5_000_000


@pytest.mark.parametrize("kind,error", [("bad_gzip", "gzip: Error -3"), ("truncated_gzip", "ends before"),
                                        ("zstd", "Content-Encoding 'zstd'")])
def test_undecodable_bodies_get_a_status(fault_server, fetcher, kind, error):
    r = fetcher.fetch(f"{fault_server.base}/14/{kind}")
    assert r.status == KINDS[kind] and error in r.error and r.body is None, r


def test_address_guard_allows_by_network(fault_server):
    url = f"{fault_server.base}/15/good"
    for allowed, status in [("loopback", "ok"), (["127.0.0.1/32"], "ok"), (["10.0.0.0/8"], "refused_address"),
                            (False, "refused_address"), (True, "ok")]:
        r = Fetcher(FetchOptions(**FAST_FETCH), allowed_networks(allowed, ())).fetch(url)
        assert r.status == status, (allowed, r)
    assert fault_server.hits()["/15/good"] == 3


@pytest.mark.parametrize("allowed", ["loopback", True, ["127.0.0.0/8", "10.0.0.0/8", "169.0.0.0/8"]])
def test_redirects_into_the_metadata_service_are_refused(fault_server, allowed):
    """However broad the allowance, a link-local or metadata address must be named; RFC 1918 ranges must
    be allowed to be reached."""
    fetcher = Fetcher(FetchOptions(**FAST_FETCH), allowed_networks(allowed, ()))
    r = fetcher.fetch(f"{fault_server.base}/16/to_metadata")
    assert r.status == "refused_address" and r.final_url == "http://169.254.169.254/latest/meta-data/"
    assert "allowed only when named, e.g. 169.254.169.254/32" in r.error and r.attempts == 1
    if allowed == "loopback":
        r = fetcher.fetch(f"{fault_server.base}/16/to_private")
        assert r.status == "refused_address" and "non-public address 10.0.0.1" in r.error, r


@pytest.mark.parametrize("address,allowed,refused", [
    ("169.254.169.254", True, True), ("169.254.169.254", ["0.0.0.0/0"], True),
    ("169.254.169.254", ["169.0.0.0/8"], True), ("169.254.169.254", ["169.254.169.254/32"], False),
    ("169.254.169.254", ["169.254.0.0/16"], False),
    ("::ffff:169.254.169.254", True, True), ("fe80::1%eth0", True, True), ("fd00:ec2::254", True, True),
    ("100.100.100.200", ["100.64.0.0/10"], True), ("168.63.129.16", False, True),
    ("10.0.0.1", "loopback", True), ("10.0.0.1", True, False), ("10.1.2.3", ["10.0.0.0/8"], False),
    ("192.168.1.1", ["10.0.0.0/8"], True), ("::1", "loopback", False), ("8.8.8.8", False, False),
])
def test_address_refusal(address, allowed, refused):
    assert (address_refusal(address, allowed_networks(allowed, ())) is not None) == refused


@pytest.mark.parametrize("value,error", [
    ("localhost", r"corpus.allow_private_addresses: 'localhost' is not 'loopback'"),
    (["10.0.0.1/8"], r"corpus.allow_private_addresses\[0\]: '10.0.0.1/8' is not .* host bits set"),
    (["loopback", "10/8"], r"corpus.allow_private_addresses\[1\]: '10/8'"),
    (1, "corpus.allow_private_addresses: expected false, true, 'loopback' or a list of CIDRs, got 1"),
])
def test_bad_address_allowances_name_the_entry(value, error):
    with pytest.raises(ValueError, match=error):
        AcquireOptions.from_dict({"allow_private_addresses": value})


@pytest.fixture
def hanging_dns(monkeypatch):
    """Lookups of names under .hang.test block (as under a name server that never answers) until the
    test ends; other names resolve as usual. Yields the number of lookups started per name."""
    release, started, real = threading.Event(), collections.Counter(), socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host.endswith(".hang.test"):
            started[host] += 1
            release.wait(30)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield started
    release.set()


def test_hanging_lookup_times_out_within_the_deadline(fault_server, hanging_dns):
    fetcher = Fetcher(FetchOptions(**FAST_FETCH), LOOPBACK)
    t0 = time.monotonic()
    r = fetcher.fetch("http://www.hang.test/1/good")
    assert r.status == "timeout" and "www.hang.test" in r.error, r
    assert time.monotonic() - t0 <= FAST_FETCH["deadline"] + 0.5
    assert r.attempts == 2 and hanging_dns == {"www.hang.test": 1}  # the retry waited on the same lookup
    # the worker moves on while that lookup still hangs
    assert fetcher.fetch(f"{fault_server.base}/9/good").status == "ok"


def test_hanging_lookups_hold_a_bounded_number_of_threads(hanging_dns):
    """URLs on one hanging host share one lookup; lookups beyond the fetcher's cap (4 per fetcher thread)
    wait for room rather than start a thread each."""
    fetcher = Fetcher(FetchOptions(**{**FAST_FETCH, "concurrency": 1, "retries": 0}), LOOPBACK)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(fetcher.fetch, [f"http://a.hang.test/{n}/good" for n in range(8)]))
        assert [r.status for r in results] == ["timeout"] * 8 and hanging_dns == {"a.hang.test": 1}
        t0 = time.monotonic()
        results = list(pool.map(fetcher.fetch, [f"http://{h}.hang.test/1/good" for h in "bcdef"]))
    assert [r.status for r in results] == ["timeout"] * 5
    assert time.monotonic() - t0 <= FAST_FETCH["deadline"] + 0.5
    assert sum(hanging_dns.values()) == 4  # a and three of the five others; two waited and gave up
