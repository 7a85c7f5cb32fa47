"""The embedded default source: HTML pages of Debian documentation packages, scraped over loopback.

The packages are fetched with ``apt-get download`` into ``<cache>/debs`` (checked against the
SHA256 apt records; nothing is installed) and unpacked with ``dpkg -x`` into ``<cache>/root/<package>``.
Pages are listed as ``http://debian-docs.invalid/<package>/<path>`` so ids never depend on the port
of the loopback server that serves them during the fetch.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from scalinglaws.corpus.acquire.options import DebianDocsOptions
from scalinglaws.io import file_sha256

BASE = "http://debian-docs.invalid/"


def require_apt() -> None:
    missing = [tool for tool in ("apt-get", "dpkg") if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(f"the debian-docs source needs Debian's {' and '.join(missing)}, which this machine "
                           "lacks; use another corpus source: 'urls' (a URL list file), 'reddit' "
                           "(Pushshift submission dumps), or a text source such as 'files' "
                           "(`python -m scalinglaws.corpus load --help` lists them)")


def download(packages: tuple[str, ...], debs: Path) -> dict[str, Path]:
    """``apt-get download`` each package into ``debs`` unless a file with apt's SHA256 is there."""
    require_apt()
    debs.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["apt-get", "download", "--print-uris", *packages], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"apt-get cannot find debian_docs.packages {list(packages)}:\n{proc.stderr.strip()}\n"
                           "(is `apt-get update` done, and is each name a real package?)")
    wanted = {}  # package -> (file name, sha256)
    for line in proc.stdout.splitlines():
        _uri, name, _size, checksum = line.split()
        wanted[name.split("_")[0]] = (name, checksum.removeprefix("SHA256:").lower())
    absent = [p for p in packages if p not in wanted]
    if absent:
        raise RuntimeError(f"apt-get gave no download for debian_docs.packages {absent} (virtual packages?)")
    stale = [p for p in packages if not _matches(debs / wanted[p][0], wanted[p][1])]
    if stale:
        print(f"debian-docs: apt-get download {' '.join(stale)}", file=sys.stderr)
        proc = subprocess.run(["apt-get", "download", *stale], cwd=debs, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"apt-get download {' '.join(stale)} failed:\n{proc.stderr.strip()}")
    for p in packages:
        if not _matches(debs / wanted[p][0], wanted[p][1]):
            raise RuntimeError(f"{debs / wanted[p][0]}: SHA256 differs from the one apt records ({wanted[p][1]})")
    return {p: debs / wanted[p][0] for p in packages}


def _matches(path: Path, sha256: str) -> bool:
    return path.is_file() and file_sha256(path) == sha256


def unpack(package: str, deb: Path, root: Path) -> Path:
    """``dpkg -x`` a deb into ``root/<package>``, once per deb (a marker records which deb)."""
    target, marker = root / package, root / f".{package}.sha256"
    digest = file_sha256(deb)
    if target.is_dir() and marker.is_file() and marker.read_text().strip() == digest:
        return target
    tmp = root / f".{package}.partial"
    for stale in (tmp, target):
        if stale.exists():
            shutil.rmtree(stale)
    tmp.mkdir(parents=True)
    proc = subprocess.run(["dpkg", "-x", str(deb), str(tmp)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"dpkg -x {deb} failed:\n{proc.stderr.strip()}")
    os.replace(tmp, target)
    marker.write_text(digest + "\n")
    return target


def list_pages(root: Path, package: str, opts: DebianDocsOptions) -> list[str]:
    """Sorted URLs of the package's HTML pages that no exclude glob matches (symlinks skipped)."""
    rels = []
    for dirpath, _dirs, files in os.walk(root / package):
        for name in files:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if name.endswith((".html", ".htm")) and not path.is_symlink() \
                    and not any(fnmatch.fnmatch("/" + rel, g) for g in opts.exclude):
                rels.append(rel)
    rels.sort()
    if opts.max_pages is not None and len(rels) > opts.max_pages:
        step = len(rels) / opts.max_pages  # evenly spaced, so every part of the manual is represented
        rels = [rels[int(i * step)] for i in range(opts.max_pages)]
    return [BASE + quote(rel) for rel in rels]


def build_time(deb: Path) -> str:
    """When the package was built: the mtime in the deb's first ar member header (SOURCE_DATE_EPOCH)."""
    with deb.open("rb") as fh:
        header = fh.read(8 + 60)
    if not header.startswith(b"!<arch>\n") or len(header) < 68:
        raise ValueError(f"{deb}: not a Debian package (no ar header)")
    return dt.datetime.fromtimestamp(int(header[8 + 16:8 + 28]), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def prepare(opts: DebianDocsOptions, cache: Path) -> tuple[Path, list[str], str]:
    """Download and unpack the packages; return (served root, sorted URLs, newest package build time)."""
    debs = download(opts.packages, cache / "debs")
    root = cache / "root"
    urls = []
    for package, deb in debs.items():
        unpack(package, deb, root)
        pages = list_pages(root, package, opts)
        if not pages:
            raise RuntimeError(f"debian_docs.packages: {package} has no HTML pages left after the exclude globs")
        print(f"debian-docs: {package}: {len(pages)} pages", file=sys.stderr)
        urls += pages
    return root, sorted(urls), max(build_time(deb) for deb in debs.values())
