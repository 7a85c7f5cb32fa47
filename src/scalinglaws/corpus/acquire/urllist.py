"""The ``urls`` source: a plain file of URLs, one a line (blank lines and ``#`` comments ignored)."""

from __future__ import annotations

from pathlib import Path


def read_urls(path: str | Path | None) -> list[str]:
    """Sorted, de-duplicated URLs of the file. Malformed lines stay: the fetcher gives them a status."""
    if not path:
        raise ValueError("corpus.urls.file is required for the urls source")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"corpus.urls.file: {path} does not exist")
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    urls = sorted({line for line in lines if line and not line.startswith("#")})
    if not urls:
        raise ValueError(f"corpus.urls.file: {path} lists no URLs")
    return urls
