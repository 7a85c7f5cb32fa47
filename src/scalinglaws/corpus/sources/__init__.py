"""Text sources: training corpora that arrive as text (no fetch, no HTML extraction), read into the
document table (``scalinglaws.corpus.documents``). The web sources are ``scalinglaws.corpus.acquire``'s.

Each module of this package that defines ``SOURCE`` is one source, found by ``registry()``::

    SOURCE = TextSource("files", read, paths=("paths",))

- the name is the value of ``corpus.source`` and the config section of its keys, ``corpus.<name>``;
- ``read`` takes that section's keys as keyword arguments (its parameters without a default are the
  required keys) and yields document-table rows;
- ``paths`` names the keys whose values are local files or globs (a string or a list of them): each must
  match a file before any job runs; ``expand`` turns them into the files to read;
- ``errors`` are the exceptions ``read`` raises for bad input, whose message is the whole story;
- ``read`` also takes ``shard``, a ``Shard(index, count)``: it then yields only that shard's documents
  (the workflow's ``corpus.shards`` load jobs), the shards together being the whole source.

The schema (``workflow/schemas/config.schema.yaml``, ``corpus.<name>``) gives each key its type;
``python -m scalinglaws.corpus load --source NAME`` (the workflow's ``corpus_load`` rule) reads any
registered source, and ``check`` is what the dry run checks of it.
"""

from __future__ import annotations

import functools
import glob
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, NamedTuple


class Shard(NamedTuple):
    """Shard ``index`` of ``count`` (0-based): which documents of a source one load job reads."""

    index: int = 0
    count: int = 1

    def check_caps(self, source: str, **caps: int) -> None:
        """A cap on the whole source (documents, bytes) cannot be kept by shards read apart."""
        for key, value in caps.items():
            if value and self.count > 1:
                raise ValueError(f"corpus.{source}.{key} caps the whole source; with corpus.shards {self.count} "
                                 "the shards are read apart: set it to 0 or corpus.shards to 1")


@dataclass(frozen=True)
class TextSource:
    name: str
    read: Callable[..., Iterator[dict]]
    paths: tuple[str, ...] = ()
    errors: tuple[type[Exception], ...] = (ValueError, FileNotFoundError)

    def keys(self) -> tuple[list[str], list[str]]:
        """(required, optional) keys of the source's config section: the parameters of ``read``."""
        params = [p for p in inspect.signature(self.read).parameters.values() if p.name != "shard"]
        return ([p.name for p in params if p.default is inspect.Parameter.empty],
                [p.name for p in params if p.default is not inspect.Parameter.empty])


@functools.cache
def registry() -> dict[str, TextSource]:
    """Every text source, by name: the ``SOURCE`` of each module of this package."""
    found, modules = {}, {}
    for module in pkgutil.iter_modules(__path__):
        source = getattr(importlib.import_module(f"{__name__}.{module.name}"), "SOURCE", None)
        if source is None:
            continue
        if source.name in found:  # a module copied from another, its SOURCE not renamed
            raise ValueError(f"text source {source.name!r} is defined twice, by {__name__}.{modules[source.name]} "
                             f"and {__name__}.{module.name}")
        found[source.name], modules[source.name] = source, module.name
    return dict(sorted(found.items()))


def check(name: str, options: dict, workdir: str | Path = ".") -> None:
    """Raise a ValueError naming the key if ``options`` (``corpus.<name>``) cannot be read: an unknown or
    missing key, or a path key matching no file (relative paths are read from ``workdir``)."""
    source = registry()[name]
    required, optional = source.keys()
    unknown = sorted(set(options) - set(required) - set(optional))
    if unknown:
        raise ValueError(f"corpus.{name}: unknown key(s) {unknown}; known: {sorted(required + optional)}")
    for key in required:
        if key not in options:
            raise ValueError(f"corpus.{name}.{key} is required for the {name} source")
    workdir = Path(workdir)
    for key in source.paths:
        value = options.get(key, [])
        for pattern in [value] if isinstance(value, str) else value:
            if not _matches(pattern, workdir):
                raise ValueError(f"corpus.{name}.{key}: {pattern!r} matches no file (relative paths are read from "
                                 f"{workdir.resolve()})")


def expand(patterns: list[str]) -> list[Path]:
    """The files matched by the globs ``patterns`` (``**`` recurses), resolved and sorted; a pattern
    matching nothing is an error."""
    found: set[Path] = set()
    for pattern in patterns:
        matches = _matches(pattern, Path("."))
        if not matches:
            raise FileNotFoundError(f"no files match {pattern!r}")
        found.update(matches)
    return sorted(found)


def _matches(pattern: str, workdir: Path) -> list[Path]:
    return [Path(p).resolve() for p in glob.glob(str(workdir / pattern), recursive=True) if Path(p).is_file()]
