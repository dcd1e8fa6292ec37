"""Exports of the store's tables to CSV, Parquet or JSON Lines for other tools.

Every file is written whole or not at all. pandas writes straight into the file it is given,
so a run killed mid-export (SIGKILL, the OOM killer, a job's time limit) used to leave a
truncated `rows.csv` that still parses, as a table with fewer rows: the worst kind of wrong
for a data team. Each file is now written to a temporary file in the same folder
(`.rows.csv.tmp-<pid>`, hidden, so no glob for `*.csv` picks it up), flushed to disk and
renamed over the old one (os.replace, atomic within a filesystem) once every file of the
export is written: readers see the previous export or the new one, never part of one. A
temporary file left by a killed export is removed by the next export once the process that
wrote it is gone (tests/test_kill.py kills real runs mid-export).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd

from foia.api import read_rows

FORMATS = ("csv", "parquet", "jsonl")
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


def _stage(path: Path, write: Callable[[Path], object]) -> Path:
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


def export_tables(out: Path, fmt: str, tables: tuple[str, ...] = ("rows", "rejects")) -> list[Path]:
    """Write each table to `out/exports/<table>.<fmt>`; returns the files written.

    Every file is written to its temp file first and renamed only when all of them are
    written, so a failed or killed export replaces none of them (`rows` and `rejects` of
    one export stay a pair; only a kill between the renames, microseconds, can split them).
    Temp files of killed exports are cleared first."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    dest = out / "exports"
    dest.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(dest)
    staged: list[tuple[Path, Path]] = []
    try:
        for table in dict.fromkeys(tables):  # a table named twice is one file
            path = dest / f"{table}.{fmt}"
            staged.append((_stage(path, partial(_write_frame, read_rows(out, table), fmt)),
                           path))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
    _fsync(dest, directory=True)
    return [path for _, path in staged]


def _write_frame(df: pd.DataFrame, fmt: str, path: Path) -> None:
    """One DataFrame in one export format (pandas writes to `path` directly)."""
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_json(path, orient="records", lines=True, force_ascii=False)
