"""Synthetic document tables for the cleaning tests."""

from __future__ import annotations

import random

import pytest

from scalinglaws.corpus.documents import document_id

WORDS = (
    "the of and to in is that it was for on are with as his they be at one have this from by hot "
    "word but what some we can out other were all there when up use your how said an each she which "
    "do their time if will way about many then them write would like so these her long make thing "
    "see him two has look more day could go come did number sound no most people my over know water "
    "than call first who may down side been now find any new work part take get place made live where "
    "after back little only round man year came show every good me give our under name very through "
    "just form sentence great think say help low line differ turn cause much mean before move right"
).split()


def english(seed: int, words: int = 300) -> str:
    """Deterministic English-like prose: sentences of common words, paragraphs of five sentences."""
    rng = random.Random(seed)
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        n = rng.randint(8, 16)
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + ".")
    paras = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    return "\n\n".join(paras)


def make_doc(key: str, text: str, source: str = "test") -> dict:
    return {
        "id": document_id(source, key), "text": text, "url": f"file:///{key}", "source": source,
        "fetched_at": "2026-01-01T00:00:00Z", "status": "ok", "extractor": "none",
        "extractor_version": "", "lang": "", "cluster_id": "",
    }


GERMAN = (
    "Die Stadt liegt am Ufer des großen Flusses und ist seit dem Mittelalter ein wichtiger Ort für den "
    "Handel gewesen. Viele Menschen kommen jedes Jahr hierher, um die alten Kirchen und die schmalen "
    "Gassen der Altstadt zu besichtigen, und sie bleiben oft länger, als sie geplant hatten. "
) * 4


@pytest.fixture
def corpus() -> dict[str, list[dict]]:
    """Named groups of documents whose fate under the default filters is known."""
    base = [english(i) for i in range(8)]
    near = base[0].split(" ")
    near[10] = "zebra"
    near[200] = "quartz"
    toc = "\n".join(f"{i}. Chapter {i}" for i in range(1, 120))
    return {
        "unique": [make_doc(f"u{i}", t) for i, t in enumerate(base)],
        "exact": [make_doc("x0", "  " + base[1].upper() + "  ")],  # same as u1 after normalising
        "near": [make_doc("n0", " ".join(near))],  # near-duplicate of u0
        "short": [make_doc("s0", "Too short to keep.")],
        "toc": [make_doc("t0", toc)],
        "german": [make_doc("g0", GERMAN)],
        "mojibake": [make_doc("m0", "The caf\u00c3\u00a9 opened.\x07 " + english(99))],
    }


@pytest.fixture
def cli():
    """Run a corpus subcommand through the real ``python -m scalinglaws.corpus`` entry point."""
    from scalinglaws.corpus.cli import main

    return main
