"""Line-level filters: repeated-line (boilerplate) removal and the table-of-contents test."""

from __future__ import annotations

import re
from collections import Counter

_LETTER = re.compile(r"[^\W\d_]")
_BLANK_RUNS = re.compile(r"\n{3,}")


def _boilerplate_key(line: str) -> str | None:
    # lines without letters ("}", "----", "1.") are structure, not boilerplate: never removed
    line = line.strip()
    return line if _LETTER.search(line) else None


def repeated_lines(texts: list[str], min_docs: int) -> set[str]:
    """Stripped lines that occur in at least ``min_docs`` distinct texts."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({k for k in map(_boilerplate_key, text.split("\n")) if k is not None})
    return {line for line, n in counts.items() if n >= min_docs}


def remove_lines(text: str, lines: set[str]) -> str:
    """``text`` without the lines whose stripped form is in ``lines``."""
    kept = [ln for ln in text.split("\n") if ln.strip() not in lines]
    return _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip()


def short_line_share(text: str, short_words: int = 4) -> float:
    """Share of non-empty lines with fewer than ``short_words`` words (high for TOCs, menus, lists)."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return 1.0
    return sum(len(ln.split()) < short_words for ln in lines) / len(lines)
