"""The pandas entry point: the store's tables as DataFrames."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

TABLES = ("rows", "rejects", "files", "documents", "pages", "tables", "cells", "errors", "runs")


def store_path(path: str | Path) -> Path:
    """Accept the output folder or the SQLite file itself."""
    p = Path(path)
    return p / "foia.sqlite" if p.is_dir() else p


def read_rows(path: str | Path = "output", table: str = "rows", *,
              profile: str | None = None, kind: str | None = None) -> pd.DataFrame:
    """A store table as a DataFrame; `rows` filtered by profile/kind if given.

    >>> df = read_rows("output")                       # every accepted row
    >>> rejects = read_rows("output", "rejects")       # refused rows with reasons
    """
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; choose from {', '.join(TABLES)}")
    db = store_path(path)
    if not db.exists():
        raise FileNotFoundError(f"no store at {db}; run `foia run DUMP --out DIR` first")
    sql = f"SELECT * FROM {table}"
    where, args = [], []
    if profile and table in ("rows", "rejects"):
        where.append("profile = ?")
        args.append(profile)
    if kind and table in ("rows", "rejects"):
        where.append("kind = ?")
        args.append(kind)
    if where:
        sql += " WHERE " + " AND ".join(where)
    with sqlite3.connect(db) as conn:
        return pd.read_sql_query(sql, conn, params=args)
