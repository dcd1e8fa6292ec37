"""Every table, index and view of the store, and the migrations that bring an old store up.

This module is the one place a `CREATE` statement is written (tests/test_store_schema.py
checks). A store records its schema version in `PRAGMA user_version`; `migrate` applies, in
order, each step above it, so a store written by an older version is upgraded in place by the
next `foia run` (or any command that opens it for writing), never rebuilt.

Version history:
- 0: a store from before versions were recorded (the base tables, maybe without
  `documents.normalize_key` or `tables.mapping`, `files` and the page-hash tables created by
  the run when it first needed them);
- 1: those columns and tables, and the indexes that deletes by document use
  (`rejects.source_sha256`, `findings.sha256`, `tables.sha256`, `pages_fts` aside);
- 2: one view per profile kind with typed columns (create_kind_views), rebuilt after every run
  since profiles can change without the schema changing;
- 3: the DDOR columns leave `rows` (the generic table holds provenance and the fields as JSON;
  the kind views have the typed columns, for every profile alike);
- 4: `rows.row_class` (data, subtotal, total: extract.row_classes) beside `is_total`, which
  stays 1 for both sums so `NOT is_total` keeps meaning "data rows"; the `fields` table of form
  pages (label, value, bbox, page).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

PROVENANCE_COLUMNS = ("source_file", "source_sha256", "page", "pages", "bbox", "method",
                      "confidence", "source_link")
# The DDOR fields `rows` held as columns before version 3; every profile's fields are in
# `rows.fields` JSON, typed per kind in the views (ddor_declined_detainers, ...). Named here
# for the migration that drops them.
DDOR_COLUMNS = ("aor", "jurisdiction_raw", "county", "state", "county_fips", "jurisdiction_match",
               "jurisdiction_score", "facility", "city", "citizenship", "citizenship_iso3",
               "offense_raw", "offense_categories", "most_serious", "detainer_issued",
               "declined_date", "declined_count", "policy_type", "policy_text", "aor_raw")

BASE = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started TEXT, finished TEXT, dump TEXT, version TEXT,
    settings TEXT, settings_hash TEXT, summary TEXT
);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, sha256 TEXT, kind TEXT, size INTEGER, status TEXT NOT NULL,
    reason TEXT, run_id TEXT
);
CREATE TABLE IF NOT EXISTS documents (
    sha256 TEXT PRIMARY KEY, path TEXT NOT NULL, paths TEXT, kind TEXT, size INTEGER,
    pages INTEGER, status TEXT NOT NULL, error TEXT, run_id TEXT, settings_hash TEXT,
    normalize_key TEXT
);
CREATE TABLE IF NOT EXISTS pages (
    sha256 TEXT NOT NULL, page INTEGER NOT NULL, source_file TEXT, route TEXT, status TEXT,
    text_quality REAL, char_count INTEGER, ocr_confidence REAL, rotation INTEGER, skew REAL,
    width REAL, height REAL, sheet TEXT, text TEXT, words TEXT, error TEXT, route_reason TEXT,
    PRIMARY KEY (sha256, page)
);
CREATE VIRTUAL TABLE IF NOT EXISTS pages_fts USING fts5(
    text, source_file UNINDEXED, sha256 UNINDEXED, page UNINDEXED, tokenize='unicode61'
);
CREATE TABLE IF NOT EXISTS tables (
    table_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, table_index INTEGER, page INTEGER,
    pages TEXT, sheet TEXT, engine TEXT, score REAL, ncols INTEGER, nrows INTEGER,
    header TEXT, bbox TEXT, profile TEXT, kind TEXT, mapping TEXT
);
CREATE TABLE IF NOT EXISTS cells (
    table_id TEXT NOT NULL, row_index INTEGER, col INTEGER, row_kind TEXT, page INTEGER,
    sheet_row INTEGER, text TEXT, bbox TEXT, confidence REAL, redaction TEXT
);
CREATE TABLE IF NOT EXISTS rows (
    record_id TEXT PRIMARY KEY, table_id TEXT, row_index INTEGER, profile TEXT, kind TEXT,
    is_total INTEGER, row_class TEXT, redacted_fields TEXT, redactions TEXT, flags TEXT,
    fields TEXT, raw TEXT,
    source_file TEXT NOT NULL, source_sha256 TEXT NOT NULL, page INTEGER NOT NULL, pages TEXT,
    bbox TEXT NOT NULL, method TEXT NOT NULL, confidence REAL NOT NULL, source_link TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejects (
    record_id TEXT PRIMARY KEY, table_id TEXT, row_index INTEGER, profile TEXT, kind TEXT,
    reasons TEXT NOT NULL, detail TEXT, raw TEXT,
    source_file TEXT NOT NULL, source_sha256 TEXT NOT NULL, page INTEGER NOT NULL, pages TEXT,
    bbox TEXT, method TEXT, confidence REAL, source_link TEXT
);
CREATE TABLE IF NOT EXISTS findings (
    sha256 TEXT NOT NULL, source_file TEXT, kind TEXT, status TEXT, claim TEXT, detail TEXT,
    stated INTEGER, actual INTEGER, page INTEGER, bbox TEXT, table_id TEXT, table_page INTEGER,
    table_bbox TEXT
);
CREATE TABLE IF NOT EXISTS fields (
    sha256 TEXT NOT NULL, source_file TEXT NOT NULL, page INTEGER NOT NULL,
    field_index INTEGER NOT NULL, label TEXT NOT NULL, value TEXT, bbox TEXT, label_bbox TEXT,
    value_bbox TEXT, method TEXT NOT NULL, confidence REAL, source_link TEXT NOT NULL,
    PRIMARY KEY (sha256, page, field_index)
);
CREATE TABLE IF NOT EXISTS errors (
    run_id TEXT, source_file TEXT, sha256 TEXT, page INTEGER, stage TEXT, message TEXT
);
CREATE TABLE IF NOT EXISTS page_hashes (
    sha256 TEXT NOT NULL, page INTEGER NOT NULL, phash TEXT NOT NULL,
    PRIMARY KEY (sha256, page)
);
CREATE TABLE IF NOT EXISTS kind_columns (
    view TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, type TEXT,
    field_type TEXT, source TEXT, profile TEXT, kind TEXT, PRIMARY KEY (view, name)
);
CREATE TABLE IF NOT EXISTS near_duplicates (
    sha256_a TEXT NOT NULL, page_a INTEGER NOT NULL, source_file_a TEXT,
    sha256_b TEXT NOT NULL, page_b INTEGER NOT NULL, source_file_b TEXT,
    distance INTEGER NOT NULL, text_similarity REAL,
    PRIMARY KEY (sha256_a, page_a, sha256_b, page_b)
);
"""

INDEXES = """
CREATE INDEX IF NOT EXISTS cells_table ON cells(table_id, row_index);
CREATE INDEX IF NOT EXISTS rows_doc ON rows(source_sha256);
CREATE INDEX IF NOT EXISTS rejects_doc ON rejects(source_sha256);
CREATE INDEX IF NOT EXISTS findings_doc ON findings(sha256);
CREATE INDEX IF NOT EXISTS tables_doc ON tables(sha256);
CREATE INDEX IF NOT EXISTS near_duplicates_b ON near_duplicates(sha256_b, page_b);
"""

# Temporary tables `foia check` builds on a read-only store (connection-local, never saved):
# one row per stored table row with the kinds its cells give it; every row and reject.
CHECK_CELLS = """
DROP TABLE IF EXISTS temp.chk_cells;
CREATE TEMP TABLE chk_cells AS SELECT table_id, row_index,
    MIN(row_kind) AS kmin, MAX(row_kind) AS kmax, MIN(page) AS page
    FROM cells GROUP BY table_id, row_index;
CREATE UNIQUE INDEX temp.chk_cells_key ON chk_cells(table_id, row_index)
"""
CHECK_OUT = """
DROP TABLE IF EXISTS temp.chk_out;
CREATE TEMP TABLE chk_out AS
    SELECT 'rows' AS src, record_id, table_id, row_index, source_sha256 FROM rows
    UNION ALL SELECT 'rejects', record_id, table_id, row_index, source_sha256 FROM rejects;
CREATE INDEX temp.chk_out_key ON chk_out(table_id, row_index);
CREATE INDEX temp.chk_out_id ON chk_out(record_id)
"""


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}


def _to_1(conn: sqlite3.Connection) -> None:
    """Columns added to old stores empty (the next run fills them), the run's own tables, and
    the indexes deletes by document need."""
    if "normalize_key" not in _columns(conn, "documents"):
        conn.execute("ALTER TABLE documents ADD COLUMN normalize_key TEXT")
    if "mapping" not in _columns(conn, "tables"):
        conn.execute("ALTER TABLE tables ADD COLUMN mapping TEXT")


def _to_2(conn: sqlite3.Connection) -> None:
    """Kind views are built by create_kind_views after each run; `kind_columns` describes
    them (created with the base tables)."""


def _to_3(conn: sqlite3.Connection) -> None:
    """The DDOR columns dropped from `rows` (their values are in `fields`); views that read
    `rows` are dropped first (SQLite re-checks them) and rebuilt by the next run."""
    have = _columns(conn, "rows")
    if not have & set(DDOR_COLUMNS):
        return
    for (view,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall():
        conn.execute(f"DROP VIEW {_ident(view)}")
    for column in DDOR_COLUMNS:
        if column in have:
            conn.execute(f"ALTER TABLE rows DROP COLUMN {column}")


def _to_4(conn: sqlite3.Connection) -> None:
    """`rows.row_class` added: old rows get 'total' or 'data' from is_total (the views that
    read `rows` are rebuilt by the next run; SQLite keeps them valid across ADD COLUMN). The
    `fields` table is in BASE."""
    if "row_class" not in _columns(conn, "rows"):
        conn.execute("ALTER TABLE rows ADD COLUMN row_class TEXT")
        conn.execute("UPDATE rows SET row_class = CASE WHEN is_total THEN 'total' "
                     "ELSE 'data' END")


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_to_1, _to_2, _to_3, _to_4)
VERSION = len(MIGRATIONS)


def create(conn: sqlite3.Connection) -> None:
    """Create what is missing and migrate an old store to VERSION, statement by statement in
    one transaction (`executescript` would commit a caller's open transaction first)."""
    with conn:
        for statement in _statements(BASE):
            conn.execute(statement)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for step in MIGRATIONS[version:]:
            step(conn)
        for statement in _statements(INDEXES):
            conn.execute(statement)
        if version < VERSION:
            conn.execute(f"PRAGMA user_version = {VERSION}")


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create or upgrade) the store for writing; WAL so readers are not blocked by a
    running run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    create(conn)
    return conn


def connect_readonly(path: Path, *, rows: bool = False) -> sqlite3.Connection:
    """Open an existing store read-only (check, diff, datasette metadata): nothing a reader
    does can change it; temporary tables stay in memory. `rows`: sqlite3.Row results."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.execute("PRAGMA temp_store=MEMORY")
    if rows:
        conn.row_factory = sqlite3.Row
    return conn


def create_check_temps(conn: sqlite3.Connection, script: str) -> None:
    """CHECK_CELLS or CHECK_OUT on a (read-only) connection."""
    for statement in _statements(script):
        conn.execute(statement)


# --- typed views, one per profile kind ------------------------------------------------------

# Profile field types (normalize.profiles.TableKind.types) -> SQLite column type in the views.
FIELD_TYPES = {"count": "INTEGER", "number": "REAL", "date": "TEXT", "state": "TEXT"}
# Rows sampled for the fields normalization derives beside a kind's own (county_fips from a
# jurisdiction, citizenship_iso3, offense categories...): they appear on nearly every row.
DERIVED_SAMPLE = 5000
# Columns every kind view ends with: what the row is and where it came from.
VIEW_TAIL = ("is_total", "row_class", "flags", "redacted_fields", "redactions",
             *PROVENANCE_COLUMNS)


def kind_view_name(profile: str, kind: str) -> str:
    """`ddor_declined_detainers`; a kind already named for its profile keeps its name
    (`nics_checks`, `warn_notices`)."""
    return kind if kind.startswith(f"{profile}_") else f"{profile}_{kind}"


def _derived(conn: sqlite3.Connection, profile: str, kind: str, own: list[str]
             ) -> list[tuple[str, str]]:
    """(field, SQLite type) of fields stored on rows of a kind beyond its profile's own."""
    found: dict[str, str] = {}
    for key, jtype in conn.execute(
            "SELECT j.key, j.type FROM (SELECT fields FROM rows WHERE profile = ? AND kind = ? "
            "LIMIT ?) r, json_each(r.fields) j", (profile, kind, DERIVED_SAMPLE)):
        if key in own:
            continue
        sql_type = {"integer": "INTEGER", "real": "REAL"}.get(jtype, "TEXT")
        if found.get(key) in (None, "INTEGER") or sql_type == "TEXT":
            found[key] = sql_type if found.get(key) != "TEXT" else "TEXT"
    return sorted(found.items())


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _typed(field: str, sql_type: str) -> str:
    """The view column for one field of `rows.fields` (a profile's field names come from a
    TOML file a user may write: quoted, never pasted in raw)."""
    path = _literal("$." + '"' + field.replace('"', '\\"') + '"')
    value = f"json_extract(fields, {path})"
    return (f"CAST({value} AS {sql_type})" if sql_type != "TEXT" else value) + \
        f" AS {_ident(field)}"


def create_kind_views(conn: sqlite3.Connection, profile) -> list[str]:
    """(Re)build one view per kind of `profile` (a normalize.profiles.Profile): its record_id,
    one typed column per profile field in the profile's order, the fields normalization
    derived (county_fips, ...), then VIEW_TAIL. Described in `kind_columns`. Returns the views.

    Views, not tables: `rows` stays the one place a row is stored (with every field in its
    `fields` JSON), so a re-normalization changes the views with it and nothing is stored
    twice. Typed: counts come out as integers, dates as ISO text, as in a table."""
    names = []
    with conn:
        for t in profile.tables:
            view = kind_view_name(profile.name, t.kind)
            own = list(t.fields)
            columns = [(f, FIELD_TYPES.get(t.types.get(f, ""), "TEXT"), "profile",
                        t.types.get(f, "text")) for f in own]
            columns += [(f, ty, "derived", ty.lower())
                        for f, ty in _derived(conn, profile.name, t.kind, own)]
            select = ["record_id"] + [_typed(f, ty) for f, ty, _, _ in columns] + list(VIEW_TAIL)
            conn.execute(f"DROP VIEW IF EXISTS {_ident(view)}")
            conn.execute(f"CREATE VIEW {_ident(view)} AS SELECT {', '.join(select)} FROM rows "
                         f"WHERE profile = {_literal(profile.name)} AND kind = {_literal(t.kind)}")
            conn.execute("DELETE FROM kind_columns WHERE view = ?", (view,))
            tail = [(c, *(("INTEGER", "integer") if c in ("is_total", "page") else
                          ("REAL", "real") if c == "confidence" else ("TEXT", "text")), "row")
                    for c in VIEW_TAIL]
            tail = [(n, ty, src, ft) for n, ty, ft, src in tail]
            described = [("record_id", "TEXT", "record", "text"), *columns, *tail]
            conn.executemany(
                "INSERT INTO kind_columns (view, position, name, type, field_type, source, "
                "profile, kind) VALUES (?,?,?,?,?,?,?,?)",
                [(view, i, n, ty, ft, src, profile.name, t.kind)
                 for i, (n, ty, src, ft) in enumerate(described)])
            names.append(view)
    return names
