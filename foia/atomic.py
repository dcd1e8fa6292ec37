"""Files written whole or not at all: a temp file in the same folder, flushed, then renamed.

A reader (or a rerun after `kill -9`) sees the previous file or the new one, never part of one:
os.replace is atomic within a filesystem, and the temp file is fsynced first so a power cut
after the rename cannot leave the new name pointing at data never written. The temp name,
`.<file name>.tmp-<pid>`, is hidden from `*.csv` globs and says whether the process that wrote
it may still be running, so leftovers of killed writers can be removed safely.
Used by exports, the review site's metadata, diffs and decrypted copies of PDFs.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

# `.<file name>.tmp-<pid>`: the pid says whether the export that wrote it may still be running.
TMP_MARK = ".tmp-"
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.tmp-(?P<pid>\d+)$")
# A temp file this old is stale even if its pid is alive (the pid was reused, or it came from
# another machine on a shared folder): no export goes this long without finishing a file.
STALE_AFTER_S = 24 * 3600


def temp_path(path: Path, pid: int | None = None) -> Path:
    """Where `path` is written before it is renamed into place."""
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid() if pid is None else pid}")


def _pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine (signal 0 checks, sends nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to another user
        return True
    except (OSError, OverflowError):  # not a pid this OS can have
        return False
    return True


def remove_stale_temps(dest: Path, now: float | None = None) -> list[Path]:
    """Delete temp files of exports that were killed; returns those removed.

    A temp file whose process still runs is left alone (a concurrent export into the same
    folder is writing it), unless it is older than STALE_AFTER_S."""
    removed: list[Path] = []
    if not dest.is_dir():
        return removed
    now = time.time() if now is None else now
    for entry in dest.iterdir():
        m = _TEMP_NAME.match(entry.name)
        if m is None or not entry.is_file():
            continue
        try:
            old = now - entry.stat().st_mtime > STALE_AFTER_S
        except FileNotFoundError:  # its export just renamed or removed it
            continue
        if old or not _pid_alive(int(m["pid"])):
            entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def _fsync(path: Path, directory: bool = False) -> None:
    """Flush a file (or a folder's entries) to disk, so a power cut after the rename cannot
    leave the new name pointing at data that was never written."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if directory:  # some systems cannot open a folder; the rename itself is still atomic
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


def stage(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write(temp)` to fill the temp file of `path` and flush it; returns the temp file.
    On any failure (or KeyboardInterrupt) the temp file is removed; on SIGKILL it stays behind
    for remove_stale_temps."""
    tmp = temp_path(path)
    try:
        write(tmp)
        _fsync(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def replace_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Fill `path` through its temp file (`write(temp)`), then rename it into place."""
    os.replace(stage(path, write), path)
    fsync_folder(path.parent)
    return path


def write_text_atomically(path: Path, text: str, newline: str | None = None) -> Path:
    """`path.write_text(text)` whole or not at all (UTF-8)."""
    return replace_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8",
                                                               newline=newline))


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (the renames into it) to disk."""
    _fsync(folder, directory=True)
