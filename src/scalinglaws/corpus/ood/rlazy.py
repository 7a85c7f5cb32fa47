"""Read an R lazy-load database (``data/Rdata.rdx`` + ``Rdata.rdb``) without R, with ``rdata``.

The index (``.rdx``) is a compressed serialised R list whose ``variables`` map each object's name to
an (offset, length) in the ``.rdb`` file; each object there is compressed on its own, behind a
4-byte big-endian uncompressed length and (for R >= 2.10) a one-byte method tag.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import warnings
import zlib
from pathlib import Path


def _decompress(buf: bytes, where: str) -> bytes:
    if buf[:2] == b"\x1f\x8b":
        return gzip.decompress(buf)
    (size,) = struct.unpack(">I", buf[:4])
    tag = buf[4:5]
    if tag == b"Z":
        out = lzma.decompress(buf[5:])
    elif tag == b"2":
        out = bz2.decompress(buf[5:])
    elif tag == b"0":
        out = buf[5:]
    else:  # plain zlib, no tag byte
        out = zlib.decompress(buf[4:])
    if len(out) != size:
        raise ValueError(f"{where}: corrupt R lazy-load chunk ({len(out)} bytes, header says {size})")
    return out


def _unserialise(raw: bytes):
    import rdata

    with warnings.catch_warnings():  # rdata warns that a bare serialisation has no file header
        warnings.simplefilter("ignore", UserWarning)
        return rdata.conversion.convert(rdata.parser.parse_data(raw))


def load(prefix: str | Path) -> dict:
    """Every object of the lazy-load database at ``prefix`` (``.../data/Rdata``), converted to Python."""
    prefix = Path(prefix)
    rdx, rdb = prefix.with_suffix(".rdx"), prefix.with_suffix(".rdb")
    for path in (rdx, rdb):
        if not path.exists():
            raise FileNotFoundError(f"R lazy-load database file not found: {path}")
    index = _unserialise(_decompress(rdx.read_bytes(), str(rdx)))
    blob = rdb.read_bytes()
    objects = {}
    for name, (offset, length) in index["variables"].items():
        offset, length = int(offset), int(length)
        objects[name] = _unserialise(_decompress(blob[offset : offset + length], f"{rdb}:{name}"))
    return objects
