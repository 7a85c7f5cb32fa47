"""Line-level filters: repeated prose-line (boilerplate) removal and the table-of-contents test."""

from __future__ import annotations

import re
from collections import Counter
from typing import Callable

_BLANK_RUNS = re.compile(r"\n{3,}")
# code syntax anywhere (assignment, braces, brackets, a call's "name(", a tag or placeholder "<name"), or a
# last character that opens a block or continues the line
_CODE = re.compile(r"[={}\[\]]|\w\(|<\w|[:;,(\\]$")


def boilerplate_key(line: str) -> str | None:
    """The stripped line if it may be boilerplate, else None.

    Boilerplate is site chrome (menus, taglines, legal, share and navigation text), and each piece of it is
    a standalone phrase: "Skip to content", "All rights reserved.", "© 2024 Example Ltd". Lines repeat
    across documents for other reasons too, and those are content: code and program output ("else:",
    "return 0;", "import os", "self.x = x", "fi", "Out[3]:"), the tails of hard-wrapped sentences
    ("documentation.", "on the current database.") and SQL keywords ("BEGIN", "IF EXISTS"). So a candidate
    has two words or more, starts like a sentence or a title (an uppercase letter, or ©), has a lowercase
    letter, and has no code syntax.
    """
    line = line.strip()
    prose = (len(line.split()) >= 2 and (line[0].isupper() or line[0] == "©") and any(c.islower() for c in line)
             and not _CODE.search(line))
    return line if prose else None


def repeated_lines(texts: list[str], min_docs: int) -> set[str]:
    """Stripped lines that may be boilerplate (``boilerplate_key``) and occur in at least ``min_docs``
    distinct texts."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({k for k in map(boilerplate_key, text.split("\n")) if k is not None})
    return {line for line, n in counts.items() if n >= min_docs}


def remove_lines(text: str, lines: set[str]) -> str:
    """``text`` without the lines whose stripped form is in ``lines``."""
    return remove_lines_where(text, lambda ln: ln.strip() in lines)


def remove_lines_where(text: str, drop: Callable[[str], bool]) -> str:
    """``text`` without the lines for which ``drop`` is true, runs of blank lines folded to one."""
    kept = [ln for ln in text.split("\n") if not drop(ln)]
    return _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip()


def short_line_share(text: str, short_words: int = 4) -> float:
    """Share of non-empty lines with fewer than ``short_words`` words (high for TOCs, menus, lists)."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return 1.0
    return sum(len(ln.split()) < short_words for ln in lines) / len(lines)
