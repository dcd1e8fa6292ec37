"""Exports of the store's tables to CSV, Parquet or JSON Lines for other tools.

Every file is written whole or not at all. pandas writes straight into the file it is given,
so a run killed mid-export (SIGKILL, the OOM killer, a job's time limit) used to leave a
truncated `rows.csv` that still parses, as a table with fewer rows: the worst kind of wrong
for a data team. Each file is now written to a temporary file in the same folder
(`.rows.csv.tmp-<pid>`, hidden, so no glob for `*.csv` picks it up), flushed to disk and
renamed over the old one (os.replace, atomic within a filesystem) once every file of the
export is written: readers see the previous export or the new one, never part of one. A
temporary file left by a killed export is removed by the next export once the process that
wrote it is gone (tests/test_kill.py kills real runs mid-export). The temp-file mechanics are
foia/atomic.py's, shared with the other files the pipeline writes.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import pandas as pd

from foia.api import field_types, read_rows
from foia.atomic import fsync_folder, remove_stale_temps, stage

FORMATS = ("csv", "parquet", "jsonl")
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
            staged.append((stage(path, partial(_write_frame, _frame(out, table), fmt)),
                           path))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
    fsync_folder(dest)
    return [path for _, path in staged]


def _frame(out: Path, table: str) -> pd.DataFrame:
    """A store table or kind view as a DataFrame; a kind view's date fields (ISO text in
    SQLite) become dates, so Parquet and pandas users get a date column, not strings."""
    df = read_rows(out, table)
    for column, field_type in field_types(out, table).items():
        if column not in df:
            continue
        if field_type == "date":
            df[column] = pd.to_datetime(df[column], format="ISO8601", errors="coerce").dt.date
        elif field_type in ("count", "integer"):
            df[column] = df[column].astype("Int64")  # a blank count stays blank, not 0.0
        elif field_type in ("number", "real"):
            df[column] = df[column].astype("Float64")
        elif field_type is not None:
            df[column] = df[column].astype("string")  # a column of blanks is still text
    return df


def _write_frame(df: pd.DataFrame, fmt: str, path: Path) -> None:
    """One DataFrame in one export format (pandas writes to `path` directly)."""
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_json(path, orient="records", lines=True, force_ascii=False)
