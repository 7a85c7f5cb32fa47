"""Strip Project Gutenberg's licence header and footer from an e-text, leaving the book.

Recognises the markers PG has used since the 1990s ("*** START OF THIS/THE PROJECT GUTENBERG
EBOOK ...", "*END*THE SMALL PRINT!", "End of (the) Project Gutenberg('s) ...") and the
"Produced by ..." credit after the start marker. A text with no markers is returned unchanged.
"""

from __future__ import annotations

import re

_START = re.compile(
    r"^.*(?:\*\*\*\s*START OF (?:THE|THIS) PROJECT GUTENBERG|\*END\*THE SMALL PRINT!).*$", re.I | re.M
)
_END = re.compile(r"^.*(?:\*\*\*\s*END OF (?:THE|THIS) PROJECT GUTENBERG|End of (?:the )?Project Gutenberg).*$",
                  re.I | re.M)
_PRODUCED = re.compile(r"\A\s*(?:Produced|Prepared|Transcribed|E-text prepared) by[^\n]*(?:\n[^\n]+)*\n\s*\n", re.I)


def strip_headers(text: str) -> str:
    """The body of a Project Gutenberg e-text, without licence header, credits and footer."""
    text = text.replace("\r\n", "\n")
    start = _START.search(text)
    if start:
        text = text[start.end():]
        text = _PRODUCED.sub("", text, count=1)
    end = _END.search(text)
    if end:
        text = text[: end.start()]
    return text.strip()
