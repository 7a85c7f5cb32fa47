"""Exact and near-duplicate detection: normalised-text hashes, and MinHash with LSH banding.

Near-duplicates are documents whose word ``ngram`` shingle sets have an estimated Jaccard similarity
of at least ``threshold``. Candidates come from LSH (``bands`` bands of ``perms / bands`` rows),
are verified on the full signature, and are merged into clusters with union-find.
"""

from __future__ import annotations

import hashlib

import numpy as np

from scalinglaws.corpus.clean.ngrams import TokenHasher, mix64, ngram_hashes

_CHUNK = 4096  # shingles hashed at once: bounds memory at _CHUNK * perms * 8 bytes


def exact_key(text: str) -> str:
    """Hash of the text with case and whitespace normalised."""
    return hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()


class MinHasher:
    """MinHash signatures of word-shingle sets, deterministic for a given seed."""

    def __init__(self, perms: int = 128, ngram: int = 5, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.salts = rng.integers(0, 2**63, size=perms, dtype=np.int64).astype(np.uint64)
        self.ngram = ngram
        self.tokens = TokenHasher()

    def signature(self, text: str) -> np.ndarray:
        tokens = self.tokens(text)
        shingles = ngram_hashes(tokens, min(self.ngram, max(len(tokens), 1)))
        sig = np.full(len(self.salts), np.iinfo(np.uint64).max, dtype=np.uint64)
        shingles = np.unique(shingles)
        for start in range(0, len(shingles), _CHUNK):
            block = shingles[start : start + _CHUNK, None] ^ self.salts[None, :]  # (S, perms)
            sig = np.minimum(sig, mix64(block).min(axis=0))
        return sig


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def near_duplicate_groups(signatures: np.ndarray, bands: int, threshold: float) -> list[int]:
    """Union-find root of each document: documents with the same root are near-duplicates.

    ``signatures`` is (docs, perms). In each LSH bucket, every member is checked against the
    bucket's first member (linear, not quadratic, in the bucket size).
    """
    docs, perms = signatures.shape
    if perms % bands:
        raise ValueError(f"minhash_perms ({perms}) must be a multiple of minhash_bands ({bands})")
    rows = perms // bands
    parent = list(range(docs))
    for b in range(bands):
        buckets: dict[bytes, int] = {}
        band = np.ascontiguousarray(signatures[:, b * rows : (b + 1) * rows])
        for i in range(docs):
            first = buckets.setdefault(band[i].tobytes(), i)
            if first == i:
                continue
            if np.mean(signatures[first] == signatures[i]) >= threshold:
                ri, rf = _find(parent, i), _find(parent, first)
                if ri != rf:
                    parent[max(ri, rf)] = min(ri, rf)
    return [_find(parent, i) for i in range(docs)]
