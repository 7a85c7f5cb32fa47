"""Unicode repair: fix mojibake with ftfy (or only NFC-normalise), drop control characters."""

from __future__ import annotations

import re
import unicodedata

METHODS = ("ftfy", "nfc", "none")

# C0/C1 control characters except tab and newline; \r is folded into \n first
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def repair(text: str, method: str = "ftfy") -> str:
    """Return ``text`` repaired by ``method`` (``ftfy``, ``nfc`` or ``none``)."""
    if method == "none":
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if method == "ftfy":
        import ftfy  # imported here: only this method needs it

        # ASCII lines cannot hold mojibake; skipping them makes ftfy ~50x faster on English text.
        # Curly quotes are real text, not damage: keep them.
        text = "\n".join(ln if ln.isascii() else ftfy.fix_text(ln, uncurl_quotes=False) for ln in text.split("\n"))
    elif method == "nfc":
        text = unicodedata.normalize("NFC", text)
    else:
        raise ValueError(f"unicode repair method must be one of {METHODS}, got {method!r}")
    return _CONTROL.sub("", text)
