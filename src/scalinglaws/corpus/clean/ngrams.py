"""Hashed word n-grams, vectorised with numpy: shared by MinHash and the decontamination check.

Tokens are lower-cased whitespace tokens. Each distinct token gets a 64-bit hash (blake2b, cached);
an n-gram's hash is a polynomial in its token hashes (mod 2^64), so equal n-grams hash equally in
every process and on every machine.
"""

from __future__ import annotations

import hashlib

import numpy as np

_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier: keeps the polynomial invertible mod 2^64


class TokenHasher:
    """Maps tokens to stable 64-bit hashes, remembering the ones it has seen."""

    def __init__(self) -> None:
        self._cache: dict[str, int] = {}

    def _hash(self, token: str) -> int:
        h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
        self._cache[token] = h
        return h

    def __call__(self, text: str) -> np.ndarray:
        cache = self._cache
        hashes = [cache.get(t) or self._hash(t) for t in text.lower().split()]
        return np.array(hashes, dtype=np.uint64)


def ngram_hashes(token_hashes: np.ndarray, n: int) -> np.ndarray:
    """Hashes of every window of ``n`` consecutive tokens; empty when there are fewer tokens."""
    count = len(token_hashes) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    out = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):  # arithmetic mod 2^64 is the point
        for k in range(n):
            out = out * _BASE + token_hashes[k : k + count]
    return out


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fast, well-mixing bijection on uint64 (a family of hash functions)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))
