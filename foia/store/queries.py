"""Reads for the commands that inspect a finished store: audit, sources, review, diff, search,
Datasette metadata and the pandas API.

Each function is one question asked of the store, named for the question; callers get plain
rows (sqlite3.Row where the connection asks for them) and never write SQL themselves.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

# Tables the pandas API and `foia export --table` read (kind views are added by name).
TABLES = ("rows", "rejects", "files", "documents", "pages", "tables", "cells", "errors", "runs",
          "findings", "fields", "near_duplicates")


# --- audit ---------------------------------------------------------------------------------

def record(conn: sqlite3.Connection, record_id: str) -> tuple[str, dict, list[dict],
                                                              dict | None] | None:
    """(row | reject, its columns, its cells in column order, its table's mapping) of one
    record_id, or None."""
    for table, status in (("rows", "row"), ("rejects", "reject")):
        row = conn.execute(f"SELECT * FROM {table} WHERE record_id = ?", (record_id,)).fetchone()
        if row:
            data = dict(row)
            cells = conn.execute(
                "SELECT col, text, bbox, confidence, redaction FROM cells "
                "WHERE table_id = ? AND row_index = ? ORDER BY col",
                (data["table_id"], data["row_index"])).fetchall()
            mapped = conn.execute("SELECT mapping FROM tables WHERE table_id = ?",
                                  (data["table_id"],)).fetchone()
            mapping = json.loads(mapped[0]) if mapped and mapped[0] else None
            return status, data, [dict(c) for c in cells], mapping
    return None


def page_geometry(conn: sqlite3.Connection, sha256: str, page: int
                  ) -> tuple[str | None, float | None, float | None]:
    """(document kind, page width, page height) as stored."""
    row = conn.execute(
        "SELECT d.kind, p.width, p.height FROM documents d LEFT JOIN pages p ON "
        "p.sha256 = d.sha256 AND p.page = ? WHERE d.sha256 = ?", (page, sha256)).fetchone()
    return (row[0], row[1], row[2]) if row else (None, None, None)


# --- sources -------------------------------------------------------------------------------

def run_dumps(conn: sqlite3.Connection) -> list[str]:
    """The dump folder of every run, newest first (as recorded, possibly relative)."""
    return [r[0] for r in conn.execute("SELECT dump FROM runs ORDER BY started DESC") if r[0]]


def largest_file_size(conn: sqlite3.Connection, paths: list[str]) -> int | None:
    """The largest recorded size among `paths` (None: none recorded, or no files table)."""
    try:
        row = conn.execute(f"SELECT MAX(size) FROM files WHERE path IN "
                           f"({','.join('?' * len(paths))})", paths).fetchone()
    except sqlite3.Error:  # a store without a files table (older or partial)
        return None
    return int(row[0]) if row and row[0] else None


def store_file(conn: sqlite3.Connection) -> Path | None:
    """The SQLite file behind a connection (None in memory)."""
    row = conn.execute("PRAGMA database_list").fetchone()
    return Path(row[2]) if row and row[2] else None


# --- review site ---------------------------------------------------------------------------

def records_by_table_row(conn: sqlite3.Connection) -> dict[tuple[str, int], dict]:
    """(table_id, row_index) → the row or reject made from that table row, with `status`."""
    out = {}
    for status, table in (("row", "rows"), ("reject", "rejects")):
        for r in conn.execute(f"SELECT * FROM {table}"):
            out[(r["table_id"], r["row_index"])] = {**dict(r), "status": status}
    return out


def document_cells(conn: sqlite3.Connection, sha256: str) -> list[sqlite3.Row]:
    """A document's cells with their table's kind and mapping, in table, row, column order."""
    return conn.execute(
        "SELECT c.*, t.kind AS table_kind, t.mapping AS table_mapping FROM cells c "
        "JOIN tables t ON t.table_id = c.table_id "
        "WHERE t.sha256 = ? ORDER BY c.table_id, c.row_index, c.col", (sha256,)).fetchall()


def counts_by_document(conn: sqlite3.Connection) -> dict[str, Counter]:
    """Per table (rows, rejects, errors, findings): sha256 → count."""
    sql = {"rows": "SELECT source_sha256, COUNT(*) FROM rows GROUP BY 1",
           "rejects": "SELECT source_sha256, COUNT(*) FROM rejects GROUP BY 1",
           "errors": "SELECT sha256, COUNT(*) FROM errors GROUP BY 1",
           "findings": "SELECT sha256, COUNT(*) FROM findings GROUP BY 1"}
    return {k: Counter({sha: n for sha, n in conn.execute(q)}) for k, q in sql.items()}


def routes_by_document(conn: sqlite3.Connection) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for sha, route, k in conn.execute("SELECT sha256, route, COUNT(*) FROM pages GROUP BY 1, 2"):
        out.setdefault(sha, Counter())[route] = k
    return out


def files_not_ok(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT path, status, reason FROM files WHERE status != 'ok' "
                        "ORDER BY path").fetchall()


def document_findings(conn: sqlite3.Connection, sha256: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT kind, status, claim, detail, page FROM findings "
                        "WHERE sha256 = ?", (sha256,)).fetchall()


def all_documents(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM documents ORDER BY path").fetchall()


def document_pages(conn: sqlite3.Connection, sha256: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM pages WHERE sha256 = ? ORDER BY page",
                        (sha256,)).fetchall()


# --- diff ----------------------------------------------------------------------------------

def diff_items(conn: sqlite3.Connection, table: str, volatile: list[str]) -> list[tuple]:
    """Rows or rejects as `foia diff` compares them: profile, kind, is_total, redactions,
    fields, raw, reasons, the fields without the `volatile` ones, then provenance."""
    prov = "record_id, table_id, row_index, source_file, source_sha256, page, bbox, source_link"
    drop = ", ".join(f"'$.{f}'" for f in sorted(volatile))
    if table == "rows":
        fkey = f"CASE WHEN json_valid(fields) THEN json_remove(fields, {drop}) ELSE fields END"
        sql = (f"SELECT profile, kind, is_total, redactions, fields, raw, NULL, {fkey}, {prov} "
               "FROM rows")
    else:
        sql = f"SELECT profile, kind, NULL, NULL, NULL, raw, reasons, NULL, {prov} FROM rejects"
    return conn.execute(sql).fetchall()


# --- search, datasette, pandas -------------------------------------------------------------

def search_pages(conn: sqlite3.Connection, query: str, limit: int) -> list[tuple]:
    """(source_file, page, snippet) of the best FTS5 matches; sqlite3.OperationalError on a bad
    query."""
    return conn.execute(
        "SELECT source_file, page, snippet(pages_fts, 0, '[', ']', '…', 12) "
        "FROM pages_fts WHERE pages_fts MATCH ? ORDER BY rank LIMIT ?", (query, limit)
    ).fetchall()


def table_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Table or view name → column names, for every table and view (virtual and FTS shadow
    tables included)."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {n: [r[1] for r in conn.execute(f'PRAGMA table_info("{n}")')] for n in names}


def latest_dump(conn: sqlite3.Connection) -> str | None:
    """The dump of the latest run, as recorded."""
    try:
        row = conn.execute("SELECT dump FROM runs WHERE dump IS NOT NULL "
                           "ORDER BY started DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:  # a store without runs
        return None
    return row[0] if row else None


def select_table(conn: sqlite3.Connection, table: str, where: dict[str, str] | None = None):
    """`SELECT * FROM table [WHERE col = ? AND ...]` as a pandas DataFrame. `table` and the
    column names must be known names (callers check them against the schema)."""
    import pandas as pd

    sql = f'SELECT * FROM "{table}"'
    args = list((where or {}).values())
    if where:
        sql += " WHERE " + " AND ".join(f'"{c}" = ?' for c in where)
    return pd.read_sql_query(sql, conn, params=args)


def kind_views(conn: sqlite3.Connection) -> list[str]:
    """Names of the typed views, one per profile kind (foia.store.kinds)."""
    try:
        return [r[0] for r in conn.execute("SELECT DISTINCT view FROM kind_columns ORDER BY 1")]
    except sqlite3.OperationalError:  # a store from before kind views
        return []


def kind_field_types(conn: sqlite3.Connection, view: str) -> dict[str, str | None]:
    """Column -> profile field type of a kind view ("date" columns are ISO text in SQLite;
    exports make them dates), in the view's order."""
    return {n: t for n, t in conn.execute(
        "SELECT name, field_type FROM kind_columns WHERE view = ? ORDER BY position", (view,))}
