"""Corpus stage: acquire documents with provenance, extract their text, clean them."""
