"""The pandas entry point: the store's tables, and one typed view per profile kind, as
DataFrames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from foia.store import connect_readonly, queries
from foia.store.queries import TABLES


def store_path(path: str | Path) -> Path:
    """Accept the output folder or the SQLite file itself."""
    p = Path(path)
    return p / "foia.sqlite" if p.is_dir() else p


def field_types(path: str | Path, view: str) -> dict[str, str | None]:
    """Column -> profile field type (date, count, state, ...) of a kind view; {} for a table."""
    with connect_readonly(store_path(path)) as conn:
        return queries.kind_field_types(conn, view)


def read_rows(path: str | Path = "output", table: str = "rows", *,
              profile: str | None = None, kind: str | None = None) -> pd.DataFrame:
    """A store table (or a profile kind's typed view) as a DataFrame; `rows` and `rejects`
    filtered by profile/kind if given.

    >>> df = read_rows("output")                       # every accepted row
    >>> rejects = read_rows("output", "rejects")       # refused rows with reasons
    >>> ddor = read_rows("output", "ddor_declined_detainers")  # one typed column per field
    """
    db = store_path(path)
    if not db.exists():
        raise FileNotFoundError(f"no store at {db}; run `foia run DUMP --out DIR` first")
    with connect_readonly(db) as conn:
        known = set(TABLES) | set(queries.kind_views(conn))
        if table not in known:
            raise ValueError(f"unknown table {table!r}; choose from {', '.join(sorted(known))}")
        where = {}
        if table in ("rows", "rejects"):
            if profile:
                where["profile"] = profile
            if kind:
                where["kind"] = kind
        return queries.select_table(conn, table, where)
