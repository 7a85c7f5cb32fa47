"""Readers for the web-like formats of the Common Crawl stand-in: Usenet posts (20 Newsgroups),
Reuters-21578 XML, one-document-per-line news (Lee corpus), and CSV/JSON rows of reviews and speeches.
"""

from __future__ import annotations

import codecs
import copyreg
import io
import pickle
import re
import xml.etree.ElementTree as ET
from typing import IO, Iterator

_SUBJECT = re.compile(r"^Subject:\s*(.*)$", re.M)
_QUOTED = re.compile(r"^\s*(?:>|\|>).*\n?", re.M)


def usenet_post(raw: str) -> str:
    """Body of a Usenet post with its Subject as a title: other headers and quoted lines dropped."""
    head, _, body = raw.partition("\n\n")
    subject = _SUBJECT.search(head)
    body = _QUOTED.sub("", body).strip()
    return f"{subject.group(1).strip()}\n\n{body}" if subject else body


class _Bunch(dict):
    """Stand-in for scikit-learn's ``Bunch`` (a dict with attributes) when unpickling."""

    def __setstate__(self, state):
        self.update(state)


class _BunchUnpickler(pickle.Unpickler):
    """Unpickles a scikit-learn ``Bunch`` of arrays and strings; refuses every other class."""

    def find_class(self, module, name):
        import numpy as np

        allowed = {
            ("copy_reg", "_reconstructor"): copyreg._reconstructor,
            ("copyreg", "_reconstructor"): copyreg._reconstructor,
            ("__builtin__", "dict"): dict, ("builtins", "dict"): dict,
            ("__builtin__", "object"): object, ("builtins", "object"): object,
            ("_codecs", "encode"): codecs.encode,  # how Python 3 writes bytes at protocol 0
            ("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype,
            ("numpy.core.multiarray", "_reconstruct"): _np_reconstruct(),
            ("numpy._core.multiarray", "_reconstruct"): _np_reconstruct(),
        }
        if name == "Bunch" and module.startswith("sklearn."):
            return _Bunch
        if (module, name) in allowed:
            return allowed[(module, name)]
        raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")


def _np_reconstruct():
    try:
        from numpy._core.multiarray import _reconstruct  # numpy >= 2
    except ImportError:
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


def newsgroups_bunch(data: bytes) -> dict:
    """A pickled scikit-learn 20 Newsgroups ``Bunch`` (``data``, ``target``, ...) as a dict."""
    return _BunchUnpickler(io.BytesIO(data), encoding="latin1").load()


def reuters_xml(data: bytes, where: str) -> str:
    """Title and body of one Reuters-21578 article in the XML form (``<REUTERS>...<BODY>``)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise ValueError(f"{where}: not valid Reuters XML ({e})") from None
    title, body = root.find(".//TITLE"), root.find(".//BODY")
    parts = [t.text.strip() for t in (title, body) if t is not None and t.text]
    return "\n\n".join(parts)


def lines_as_documents(stream: IO[str]) -> Iterator[str]:
    """One document per non-empty line (the Lee news corpus format)."""
    for line in stream:
        if line.strip():
            yield line.strip()
