"""Archives as the store names their members, and reading one member back.

The run expands a dump's zips and gzips to disk under its limits (foia.ingest.inventory); the
audit, the review site and `foia show` read one member back from the archive a row came from
(foia.inspect.sources). Both name members with `member_name` and `gunzipped_name`, so a path in
the store (`week2.zip/week2/ddor.pdf`, `counts.csv.gz/counts.csv`) is found again the way it
was made.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib
from pathlib import Path

from foia.ingest.sniff import GZIP_MAGIC

_SEP = re.compile(r"[\\/]")  # Windows-made zips may use backslashes


def gunzipped_name(name: str) -> str:
    """The name of a gzip's one member, from the gzip's own name (`counts.csv.gz` ->
    `counts.csv`, `x.tgz` -> `x.tar`); the gzip header's stored name is optional and is not
    trusted to be a safe path, so it is not used."""
    base = name.rsplit("/", 1)[-1]
    lower = base.lower()
    for suffix, replacement in ((".gz", ""), (".gzip", ""), (".tgz", ".tar")):
        if lower.endswith(suffix) and base[: -len(suffix)].strip("."):  # not "", "." or ".."
            return base[: -len(suffix)] + replacement
    return base + ".out"


def member_name(name: str) -> str:
    """A member's path as the store records it: '/' separators (Windows-made zips may use
    backslashes), no empty or '.' parts. The inventory names members so and readers look
    them up so."""
    return "/".join(p for p in _SEP.split(name) if p not in ("", "."))


def _member(zf: zipfile.ZipFile, parts: list[str], cap: int) -> bytes | None:
    """Bytes of `parts` inside an open zip (nested archives are opened from the member's
    bytes); a member larger than `cap` is not read."""
    names = {member_name(n): n for n in zf.namelist()}
    for k in range(len(parts), 0, -1):
        name = names.get("/".join(parts[:k]))
        if name is not None:
            if zf.getinfo(name).file_size > cap:  # zipfile reads no more than this size
                return None
            data = zf.read(name)
            return data if k == len(parts) else _inside(data, parts[k - 1], parts[k:], cap)
    return None


def _inside(blob: bytes, name: str, parts: list[str], cap: int) -> bytes | None:
    """Bytes of `parts` inside the archive `blob` named `name`: a gzip's one member (named as
    the inventory names it) or a zip's. Decompression stops past `cap` bytes: the file may
    have changed since the run into something that unpacks without end."""
    if blob.startswith(GZIP_MAGIC):
        if parts[0] != gunzipped_name(name):
            return None
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(blob)) as gz:
                inner = gz.read(cap + 1)
        except (OSError, EOFError, zlib.error):
            return None
        if len(inner) > cap:
            return None
        return inner if len(parts) == 1 else _inside(inner, parts[0], parts[1:], cap)
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            return _member(zf, parts, cap)
    except zipfile.BadZipFile:
        return None


def read_member(path: Path, parts: list[str], cap: int) -> bytes | None:
    """Read one member out of the archive at `path` (of a zip, only that member is read)."""
    try:
        with path.open("rb") as fh:
            gzipped = fh.read(2) == GZIP_MAGIC
        if gzipped:
            return _inside(path.read_bytes(), path.name, parts, cap)
        with zipfile.ZipFile(path) as zf:
            return _member(zf, parts, cap)
    except (zipfile.BadZipFile, OSError):
        return None
