"""Find a stored row's source document again, byte for byte, for audits and the review site.

The store records each document's path relative to the dump (`ddor.pdf`, or
`week2.zip/week2/ddor-week2.pdf` for a zip member, `ddor.pdf.gz/ddor.pdf` for a gzip's) and its
sha256. The dump may have moved, so the caller can name it; otherwise the dump folders recorded
in `runs` are tried, newest first. A member is read out of its archive (nested archives too).
The bytes are returned only when their sha256 is the stored one: an audit must show the page the
row came from, not a later file of the same name.

An encrypted PDF that a run opened with `--password` is read from the decrypted copy that run
wrote beside the store (`OUT/.work/decrypted/<sha256>.pdf`): the original is still found and
checked, but pdfium cannot render it without the password, which is never stored.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from foia.ingest.archives import read_member
from foia.ingest.inventory import (
    WORK_FOLDER,
    ZipLimits,
    decrypted_path,
)
from foia.store import queries


class SourceNotFound(Exception):
    """The document is not where the store says, or it changed since the run."""


def dump_folders(conn: sqlite3.Connection, dump: Path | None = None) -> list[Path]:
    """Where to look: the given dump first, then each run's dump folder, newest first."""
    found = [dump] if dump is not None else []
    for recorded in queries.run_dumps(conn):
        p = Path(recorded)
        found.append(p if p.is_dir() else p.parent)  # a dump may be a single file or zip
    return list(dict.fromkeys(found))


def _read(root: Path, rel: str, cap: int) -> bytes | None:
    parts = rel.split("/")
    for k in range(len(parts), 0, -1):
        p = root.joinpath(*parts[:k])
        if p.is_file():
            return p.read_bytes() if k == len(parts) else read_member(p, parts[k:], cap)
    if root.is_file() and root.name == parts[0]:  # the dump was this one file
        return root.read_bytes() if len(parts) == 1 else read_member(root, parts[1:], cap)
    return None


def _unpack_cap(conn: sqlite3.Connection, source_file: str) -> int:
    """The most bytes any archive on the way to `source_file` may unpack to: the largest size
    the run recorded for it or an archive holding it (the default unpack cap if none is)."""
    parts = source_file.split("/")
    prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
    return queries.largest_file_size(conn, prefixes) or ZipLimits().max_total_bytes


def decrypted_copy(conn: sqlite3.Connection, sha256: str) -> Path | None:
    """The decrypted copy a run made of the encrypted PDF `sha256`, if it is beside the store."""
    db = queries.store_file(conn)
    if db is None:  # an in-memory store has no folder
        return None
    copy = decrypted_path(db.parent / WORK_FOLDER, sha256)
    return copy if copy.is_file() else None


def source_bytes(conn: sqlite3.Connection, source_file: str, sha256: str,
                 dump: Path | None = None) -> bytes:
    """The document's bytes, checked against its stored sha256 (for an encrypted PDF read with a
    password, the decrypted copy's bytes, once the original is found unchanged)."""
    tried = []
    cap = _unpack_cap(conn, source_file)
    for root in dump_folders(conn, dump):
        data = _read(root, source_file, cap)
        tried.append(str(root))
        if data is not None and hashlib.sha256(data).hexdigest() == sha256:
            copy = decrypted_copy(conn, sha256)
            return copy.read_bytes() if copy is not None else data
    raise SourceNotFound(
        f"{source_file} (sha256 {sha256[:12]}…) not found unchanged in: {', '.join(tried)}; "
        "name the dump folder with --dump")
