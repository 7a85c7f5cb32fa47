"""Decontamination check: n-gram overlap of held-out sets (test, OOD) with the train split.

As in GPT-3's check, an n-gram is ``n`` consecutive lower-cased whitespace tokens (13 by default).
For each other set we report how many documents share at least one n-gram with train, and the
share of that set's n-grams (counted with multiplicity) that also occur in train.
"""

from __future__ import annotations

import numpy as np
from tqdm import tqdm

from scalinglaws.corpus.clean.ngrams import TokenHasher, ngram_hashes
from scalinglaws.corpus.documents import text_bytes

COLUMNS = ("set", "docs", "bytes", "docs_with_overlap", "ngram_overlap_fraction", "docs_with_overlap_fraction")


def train_ngrams(texts: list[str], n: int, hasher: TokenHasher) -> np.ndarray:
    """Sorted unique n-gram hashes of the train texts."""
    parts = [np.unique(ngram_hashes(hasher(t), n)) for t in tqdm(texts, desc="decontam: train", unit="doc", mininterval=2.0)]
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)


def _count_in(values: np.ndarray, sorted_set: np.ndarray) -> int:
    """How many of ``values`` occur in ``sorted_set`` (binary search, no re-sort of the big side)."""
    if not len(sorted_set) or not len(values):
        return 0
    idx = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return int((sorted_set[idx] == values).sum())


def overlap(name: str, texts: list[str], train: np.ndarray, n: int, hasher: TokenHasher) -> dict:
    """One report row: the overlap of ``texts`` with the sorted train n-gram hashes."""
    docs_hit = ngrams = hits = 0
    for text in tqdm(texts, desc=f"decontam: {name}", unit="doc", mininterval=2.0):
        grams = ngram_hashes(hasher(text), n)
        found = _count_in(grams, train)
        ngrams += len(grams)
        hits += found
        docs_hit += found > 0
    return {
        "set": name,
        "docs": len(texts),
        "bytes": sum(text_bytes(t) for t in texts),
        "docs_with_overlap": docs_hit,
        "ngram_overlap_fraction": hits / ngrams if ngrams else 0.0,
        "docs_with_overlap_fraction": docs_hit / len(texts) if texts else 0.0,
    }
