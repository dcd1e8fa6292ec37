"""Inventory, the first stage: a dump (folder, .zip or single file) -> one item per content.

FOIA releases arrive with misleading extensions, nested archives, duplicates and junk, so every
file is typed by its bytes, hashed, grouped by content and recorded -- even when it cannot be read
or processed -- because the audit must be able to say what happened to every file in the dump.
Archives (zip, and gzip: one compressed file) are hostile input: members are extracted with
path checks and streaming size caps.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import shutil
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import IO

from foia.atomic import replace_atomically
from foia.ingest.archives import gunzipped_name, member_name  # noqa: F401 (re-exported)
from foia.ingest.sniff import (  # noqa: F401  (re-exported: callers read the kinds here)
    EXTENSION_KINDS,
    GZIP_MAGIC,
    HEAD,
    SUPPORTED,
    ZIP_MAGIC,
    _name_lies,
    describe_content,
    sniff_kind,
)

CHUNK = 1 << 20  # hash and copy in 1 MiB chunks: memory stays flat whatever the file size
SYSTEM_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
# Kinds that hold other files: their members are inventoried, the container itself is not read.
CONTAINERS = frozenset({"zip", "gzip"})
_SEP = re.compile(r"[\\/]")  # Windows-made zips may use backslashes


class FileStatus(StrEnum):
    """What became of one path of the dump (`files.status`): the inventory says ok, error or
    unsupported; the run adds container (an archive, its members inventoried) and duplicate
    (the later paths of one content)."""

    OK = "ok"
    ERROR = "error"
    UNSUPPORTED = "unsupported"
    DUPLICATE = "duplicate"
    CONTAINER = "container"


@dataclass
class ZipLimits:
    """Caps on what a dump may make us read or write; exceeding one is recorded, never raised.

    Mostly archive caps (a zip bomb must not fill the disk), and the largest file read at all.
    """

    max_file_bytes: int = 4 * 1024**3  # a single file larger than this is not read
    max_members: int = 10_000
    max_total_bytes: int = 2 * 1024**3  # per top-level archive, nested archives included
    max_ratio: float = 200.0  # uncompressed : compressed, per member
    ratio_floor: int = 1 << 20  # members smaller than this never trip the ratio (tiny CSVs can)
    max_depth: int = 3  # archives inside archives (zip or gzip); a fourth level is an error


@dataclass
class InventoryItem:
    """One distinct file content, with every path in the dump that had it."""

    sha256: str  # "" when no bytes could be read (errors, system files)
    path: str
    paths: list[str]
    kind: str
    size: int
    local_path: Path | None
    status: str  # a FileStatus: ok, error or unsupported
    error: str | None = None


_Expanded = tuple[str, str | None, list[InventoryItem]]  # zip status, reason, member items


def _rec(
    path: str, status: str, error: str | None, size: int = 0, local: Path | None = None
) -> InventoryItem:
    """An item for a path whose content was not read (errors, system files)."""
    return InventoryItem("", path, [path], "unknown", size, local, status, error)


class _LimitHit(Exception):
    """A streaming copy went past a cap: args are (reason, stops the whole archive?)."""


def _is_system(path: str) -> bool:
    """Finder/Explorer droppings: recorded as unsupported, never read."""
    parts = _SEP.split(path)
    return "__MACOSX" in parts or parts[-1].lower() in SYSTEM_NAMES or parts[-1].startswith("._")


def _reason(exc: BaseException, path: Path | None = None) -> str:
    """A short human reason; a dangling symlink says so rather than 'No such file'."""
    if path is not None and isinstance(exc, FileNotFoundError) and path.is_symlink():
        return f"broken symlink -> {os.readlink(path)}"
    if isinstance(exc, _LimitHit):
        return exc.args[0]
    if isinstance(exc, FileExistsError):  # only extraction writes: "x" mode refused to overwrite
        return "duplicate member name (or a file/folder clash)"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    return f"{type(exc).__name__}: {exc}"


def _read(path: Path) -> tuple[str, int, bytes, bool]:
    """sha256, size, head and whether "/Encrypt" occurs, in one streaming pass; non-regular
    files are refused unread.

    O_NONBLOCK keeps opening a FIFO from hanging the run; fstat then rejects it.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise IsADirectoryError("symlink to a folder (not followed)")
        kind = "fifo" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device"
        raise OSError(f"not a regular file ({kind})")
    with os.fdopen(fd, "rb") as f:
        digest, size, head, tail, encrypt = hashlib.sha256(), 0, b"", b"", False
        while chunk := f.read(CHUNK):
            head = head or chunk[:HEAD]
            digest.update(chunk)
            size += len(chunk)
            # An encrypted PDF names /Encrypt in its trailer or xref-stream dictionary, which
            # are never compressed: seen here, in the pass that hashes the file anyway, only
            # those PDFs are parsed again to try passwords.
            encrypt = encrypt or b"/Encrypt" in tail + chunk
            tail = chunk[-16:]
    return digest.hexdigest(), size, head, encrypt


WORK_FOLDER = ".work"  # beside the store: unpacked archives, decrypted copies


def decrypted_path(work_dir: Path, sha: str) -> Path:
    """Where a run keeps the decrypted copy of the encrypted PDF `sha` (audits read it too)."""
    return work_dir / "decrypted" / f"{sha}.pdf"


def _zip_kind(path: Path) -> str:
    """Refine a PK file by its central directory: xlsx, other Office (unknown), or a plain zip."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip"  # extraction will record why it cannot be opened
    if "[Content_Types].xml" in names:
        return "xlsx" if any(n.startswith("xl/") for n in names) else "unknown"
    return "zip"


def _unsafe(info: zipfile.ZipInfo) -> str | None:
    """Why a member may not be extracted (zip-slip and link tricks), or None when it is safe."""
    name = info.filename
    if stat.S_ISLNK(info.external_attr >> 16):
        return "unsafe member: symlink"
    if name.startswith(("/", "\\")):
        return "unsafe member: absolute path"
    if re.match(r"[A-Za-z]:", name):
        return "unsafe member: drive letter"
    if ".." in _SEP.split(name):
        return "unsafe member: '..' component"
    return None


class _Inventory:
    """One run: the work dir, the limits and the archives already expanded (by sha256)."""

    def __init__(self, work_dir: Path, limits: ZipLimits, root: Path | None = None,
                 passwords: tuple[str, ...] = ()) -> None:
        self.work_dir, self.limits, self.passwords = work_dir, limits, passwords
        self.root = root  # the dump folder: symlinks may not lead out of it
        self.expanded: dict[str, _Expanded] = {}
        self.in_progress: set[str] = set()
        self.remaining = limits.max_total_bytes  # byte budget, reset per top-level archive

    def inspect(self, local: Path, rel: str, depth: int = 1) -> list[InventoryItem]:
        """One path -> its item, followed by its members' items when it is an archive."""
        if _is_system(rel):
            size = local.lstat().st_size if os.path.lexists(local) else 0
            return [_rec(rel, "unsupported", "system file", size=size, local=local)]
        if self.root is not None and local.is_symlink():
            target = local.resolve()
            if not target.is_relative_to(self.root):
                return [_rec(rel, "error", f"symlink to {os.readlink(local)}, outside the dump "
                                           "(not followed)")]
        try:
            size = local.stat().st_size
            if size > self.limits.max_file_bytes:
                return [_rec(rel, "error", f"file of {size} bytes is over the limit of "
                                           f"{self.limits.max_file_bytes} (not read)", size=size)]
            sha, size, head, encrypt = _read(local)
        except IsADirectoryError as exc:
            return [_rec(rel, "unsupported", str(exc))]
        except OSError as exc:
            return [_rec(rel, "error", _reason(exc, local))]
        if size == 0:
            return [InventoryItem(sha, rel, [rel], "unknown", 0, local, "error",
                                  "empty file (0 bytes)")]
        kind = _zip_kind(local) if head.startswith(ZIP_MAGIC) else sniff_kind(head, rel)
        item = InventoryItem(sha, rel, [rel], kind, size, local, "ok")
        if lie := _name_lies(rel, kind, head):
            item.status, item.error = "error", lie
            return [item]
        if kind in CONTAINERS:
            if depth == 1:
                self.remaining = self.limits.max_total_bytes
            item.status, item.error, members = self.expand(local, sha, depth, kind, rel)
            item.local_path = None if item.status == "error" else local
            return [item] + [replace(m, path=f"{rel}/{m.path}", paths=[]) for m in members]
        if kind == "pdf" and encrypt:
            problem, opened = self.decrypt(local, sha)
            if problem:
                item.status, item.error = "error", problem
            item.local_path = opened
        elif kind not in SUPPORTED:
            item.status, item.error = "unsupported", f"unsupported file type: {kind}"
        return [item]

    def decrypt(self, local: Path, sha: str) -> tuple[str | None, Path]:
        """(why it cannot be opened or None, the path to read): a PDF that needs a password is
        opened with the ones given and a decrypted copy written to the work folder, so every
        later reader (pdfplumber, pdfium, camelot) sees a plain PDF."""
        try:
            from pypdf import PdfReader, PdfWriter

            logging.getLogger("pypdf").setLevel(logging.ERROR)  # a broken PDF is not news here
            reader = PdfReader(local)
            if not reader.is_encrypted or reader.decrypt(""):  # no password, or owner-only
                return None, local
        except Exception:  # a broken PDF: extraction meets it and records why
            return None, local
        for password in self.passwords:
            try:
                if not reader.decrypt(password):
                    continue
                dest = decrypted_path(self.work_dir, sha)
                dest.parent.mkdir(parents=True, exist_ok=True)
                return None, replace_atomically(dest, PdfWriter(clone_from=reader).write)
            except Exception as exc:
                return f"encrypted: decrypting failed ({type(exc).__name__}: {exc})", local
        if self.passwords:
            return "encrypted: none of the passwords given opens it", local
        return "encrypted: a password is required (foia run --password)", local

    def expand(self, local: Path, sha: str, depth: int, kind: str, rel: str) -> _Expanded:
        """Extract an archive into work_dir/unzipped/<sha>/ once per run; replay it for copies.

        A copy met deeper than max_depth reuses the first, already bounded, extraction.
        """
        if sha in self.expanded:
            status, error, members = self.expanded[sha]
            if kind == "gzip" and members:
                # A gzip's member is named after the gzip: a copy under another name holds
                # `<its name>`, read from the first copy's extraction.
                old, new = members[0].path.split("/", 1)[0], gunzipped_name(rel)
                members = [replace(m, path=new + m.path[len(old):]) for m in members]
            return status, error, members
        if sha in self.in_progress:
            return "error", f"{kind} contains itself (recursive archive)", []
        if depth > self.limits.max_depth:
            return "error", f"{kind} nested deeper than {self.limits.max_depth} levels", []
        self.in_progress.add(sha)
        dest = self.work_dir / "unzipped" / sha
        try:
            self.expanded[sha] = (self._gunzip(local, dest, depth, rel) if kind == "gzip"
                                  else self._extract_all(local, dest, depth))
        finally:
            self.in_progress.discard(sha)
        return self.expanded[sha]

    def _gunzip(self, local: Path, dest: Path, depth: int, rel: str) -> _Expanded:
        """A gzip holds one file: stream it out under the caps a zip member has, then inspect
        it like any file (a `.csv.gz` is read as the CSV, a `.zip.gz` expanded in turn)."""
        name = gunzipped_name(rel)
        shutil.rmtree(dest, ignore_errors=True)  # stale or partial copy from an earlier run
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / name
        try:
            with gzip.open(local, "rb") as src:
                self._stream(src, target, local.stat().st_size)
        except _LimitHit as exc:  # one file, one error: the gzip's (no member is recorded)
            return "error", exc.args[0], []
        except (OSError, EOFError, zlib.error) as exc:
            return "error", f"cannot decompress gzip: {_reason(exc)}", []
        return "ok", None, self.inspect(target, name, depth + 1)

    def _extract_all(self, local: Path, dest: Path, depth: int) -> _Expanded:
        try:
            zf = zipfile.ZipFile(local)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            return "error", f"cannot open zip: {_reason(exc)}", []
        with zf:
            files = sorted((i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename)
            if len(files) > self.limits.max_members:
                return "error", f"{len(files)} members, limit {self.limits.max_members}", []
            if files and all(i.flag_bits & 1 for i in files):
                return "error", "encrypted zip (password required)", []
            shutil.rmtree(dest, ignore_errors=True)  # stale or partial copy from an earlier run
            dest.mkdir(parents=True, exist_ok=True)
            status, error, out = "ok", None, []
            for info in files:
                if reason := _unsafe(info):
                    out.append(_rec(info.filename, "error", reason))  # the name as given
                    continue
                rel = member_name(info.filename)
                if _is_system(rel):
                    out.append(_rec(rel, "unsupported", "system file", size=info.file_size))
                    continue
                if error:  # an archive-wide limit was hit: record the rest, extract nothing
                    out.append(_rec(rel, "error", f"not extracted: {error}"))
                    continue
                target = dest / rel
                try:
                    if info.flag_bits & 1:
                        raise RuntimeError("encrypted member (password required)")
                    if not target.resolve().is_relative_to(dest.resolve()):
                        raise OSError("unsafe member: resolves outside the extraction folder")
                    self._copy(zf, info, target)
                except (_LimitHit, OSError, zipfile.BadZipFile, zlib.error, EOFError,
                        RuntimeError, NotImplementedError) as exc:  # fmt: skip
                    out.append(_rec(rel, "error", _reason(exc)))
                    if isinstance(exc, _LimitHit) and exc.args[1]:
                        status, error = "error", exc.args[0]
                    continue
                out.extend(self.inspect(target, rel, depth + 1))
        return status, error, out

    def _copy(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
        """Stream one member out, stopping at the caps; the header's sizes are not trusted."""
        with zf.open(info) as src:
            self._stream(src, target, info.compress_size)

    def _stream(self, src: IO[bytes], target: Path, compressed: int) -> None:
        """Copy a decompressing stream to `target`, stopping at the ratio (against the
        `compressed` size) and at the archive's remaining byte budget; no partial file stays."""
        lim = self.limits
        ratio_cap = max(lim.ratio_floor, int(compressed * lim.max_ratio))
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with open(target, "xb") as dst:  # "x": duplicate names fail
            try:
                while chunk := src.read(CHUNK):
                    written += len(chunk)
                    if written > ratio_cap:
                        raise _LimitHit(f"compression ratio exceeds {lim.max_ratio:g}:1", False)
                    if written > self.remaining:
                        msg = f"total uncompressed size exceeds {lim.max_total_bytes} bytes"
                        raise _LimitHit(msg, True)
                    dst.write(chunk)
            except BaseException:
                dst.close()
                target.unlink(missing_ok=True)  # no partial member is left behind
                raise
        self.remaining -= written


def _walk(folder: Path, prefix: str, skip: Path) -> Iterator[tuple[Path, str, str | None]]:
    """Files in sorted order as (path, relative POSIX path, listing error or None).

    Symlinked folders come out as files (recorded, not followed); `skip` is the work dir.
    """
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield folder, prefix.rstrip("/") or ".", f"cannot list folder: {_reason(exc)}"
        return
    for entry in entries:
        path, rel = Path(entry.path), prefix + entry.name
        if not entry.is_dir(follow_symlinks=False):
            yield path, rel, None
        elif path.resolve() != skip:
            yield from _walk(path, rel + "/", skip)


def build_inventory(
    dump: Path, work_dir: Path, *, limits: ZipLimits | None = None,
    passwords: tuple[str, ...] = (),
) -> list[InventoryItem]:
    """Inventory a folder, zip or single file: one item per content, sorted by path.

    `passwords` are tried on encrypted PDFs (those that open are read from a decrypted copy
    in `work_dir`; the others are errors that say so).

    Per-file problems become items with status "error" / "unsupported"; only a missing dump
    raises, because then the run itself cannot proceed.
    """
    dump, work_dir = Path(dump), Path(work_dir)
    if not dump.exists():
        raise FileNotFoundError(f"dump not found: {dump}")
    inv = _Inventory(work_dir, limits or ZipLimits(), dump.resolve() if dump.is_dir() else None,
                     tuple(passwords))
    seen: list[InventoryItem] = []
    if dump.is_dir():
        for path, rel, problem in _walk(dump, "", work_dir.resolve()):
            seen += [_rec(rel, "error", problem)] if problem else inv.inspect(path, rel)
    else:
        seen = inv.inspect(dump, dump.name)
    items: list[InventoryItem] = []
    by_sha: dict[str, InventoryItem] = {}
    for s in seen:
        first = by_sha.get(s.sha256) if s.sha256 else None
        if first is not None:
            if s.path not in first.paths:
                first.paths.append(s.path)
            continue
        items.append(replace(s, paths=[s.path]))
        if s.sha256:
            by_sha[s.sha256] = items[-1]
    for item in items:
        if len(item.paths) > 1:
            # The shallowest path names the content ("copies/x.pdf" is the copy, not "x.pdf").
            item.paths.sort(key=lambda p: (p.count("/"), p))
            item.path = item.paths[0]
    return sorted(items, key=lambda i: i.path)
