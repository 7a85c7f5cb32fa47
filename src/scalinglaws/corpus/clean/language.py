"""Language identification with langid.py, whose model ships inside the package (works offline)."""

from __future__ import annotations

import functools


@functools.cache
def _identifier():
    from langid.langid import LanguageIdentifier, model

    return LanguageIdentifier.from_modelstring(model, norm_probs=True)


def identify(text: str, sample_chars: int = 5000) -> tuple[str, float]:
    """ISO 639-1 code and probability of the language of the first ``sample_chars`` characters."""
    lang, prob = _identifier().classify(text[:sample_chars])
    return lang, float(prob)
