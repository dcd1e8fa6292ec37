"""The SQLite store: runs, documents, pages (+ FTS5), tables, cells, rows, rejects, errors.

One transaction per document, so a killed run leaves whole documents or nothing. Tables are
plain enough to open in Datasette or any SQLite client without reading this code.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from extract.assemble import TableChain
from extract.model import Cell, DocumentResult, PageResult, Provenance, Table, TableRow
from normalize.narrative import Finding
from normalize.outcome import RejectOut, RowOut

PROVENANCE_COLUMNS = ("source_file", "source_sha256", "page", "pages", "bbox", "method",
                      "confidence", "source_link")
# DDOR canonical columns (ARCHITECTURE.md); other profiles' fields live in `fields` JSON.
ROW_COLUMNS = ("aor", "jurisdiction_raw", "county", "state", "county_fips", "jurisdiction_match",
               "jurisdiction_score", "facility", "city", "citizenship", "citizenship_iso3",
               "offense_raw", "offense_categories", "most_serious", "detainer_issued",
               "declined_date", "declined_count", "policy_type", "policy_text", "aor_raw")

# record_id, table_id, row_index, profile, kind, is_total | DDOR columns | redacted_fields,
# redactions, flags, fields, raw | eight provenance columns
ROW_PLACEHOLDERS = ",".join("?" * (6 + len(ROW_COLUMNS) + 5 + len(PROVENANCE_COLUMNS)))

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started TEXT, finished TEXT, dump TEXT, version TEXT,
    settings TEXT, settings_hash TEXT, summary TEXT
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
CREATE INDEX IF NOT EXISTS cells_table ON cells(table_id, row_index);
CREATE TABLE IF NOT EXISTS rows (
    record_id TEXT PRIMARY KEY, table_id TEXT, row_index INTEGER, profile TEXT, kind TEXT,
    is_total INTEGER, {", ".join(f"{c} TEXT" for c in ROW_COLUMNS)},
    redacted_fields TEXT, redactions TEXT, flags TEXT, fields TEXT, raw TEXT,
    source_file TEXT NOT NULL, source_sha256 TEXT NOT NULL, page INTEGER NOT NULL, pages TEXT,
    bbox TEXT NOT NULL, method TEXT NOT NULL, confidence REAL NOT NULL, source_link TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rows_doc ON rows(source_sha256);
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
CREATE TABLE IF NOT EXISTS errors (
    run_id TEXT, source_file TEXT, sha256 TEXT, page INTEGER, stage TEXT, message TEXT
);
"""


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create) the store; WAL so readers are not blocked by a running run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(SCHEMA)
    _migrate(conn)
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    """Columns added since a store was created: added empty (the next run fills them)."""
    have = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
    if "normalize_key" not in have:
        conn.execute("ALTER TABLE documents ADD COLUMN normalize_key TEXT")
    if "mapping" not in {r[1] for r in conn.execute("PRAGMA table_info(tables)")}:
        conn.execute("ALTER TABLE tables ADD COLUMN mapping TEXT")


def document_keys(conn: sqlite3.Connection) -> dict[str, tuple[str, str, str | None, str | None]]:
    """sha256 → (status, extraction cache key, normalization key, error) of every stored
    document: what an incremental run compares with the current keys."""
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in conn.execute(
        "SELECT sha256, status, settings_hash, normalize_key, error FROM documents")}


def set_normalize_key(conn: sqlite3.Connection, sha256: str, key: str | None) -> None:
    conn.execute("UPDATE documents SET normalize_key = ? WHERE sha256 = ?", (key, sha256))


def _bbox(b) -> str | None:
    return json.dumps([round(v, 2) for v in b]) if b is not None else None


def table_id(sha256: str, index: int) -> str:
    return f"{sha256[:16]}-t{index}"


def _prov_values(p: Provenance) -> tuple:
    return (p.source_file, p.source_sha256, p.page, json.dumps(list(p.pages or (p.page,))),
            _bbox(p.bbox), p.method, p.confidence, p.source_link)


def delete_document(conn: sqlite3.Connection, sha256: str) -> None:
    """Remove everything stored for one document (a rerun replaces it whole)."""
    ids = [r[0] for r in conn.execute("SELECT table_id FROM tables WHERE sha256=?", (sha256,))]
    conn.executemany("DELETE FROM cells WHERE table_id=?", [(i,) for i in ids])
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name='page_hashes'").fetchone():
        conn.execute("DELETE FROM page_hashes WHERE sha256=?", (sha256,))
    for sql in ("DELETE FROM tables WHERE sha256=?", "DELETE FROM pages WHERE sha256=?",
                "DELETE FROM pages_fts WHERE sha256=?", "DELETE FROM documents WHERE sha256=?"):
        conn.execute(sql, (sha256,))
    delete_rows(conn, sha256)


def delete_rows(conn: sqlite3.Connection, sha256: str) -> None:
    """Everything normalization wrote for one document (extraction stays)."""
    conn.execute("DELETE FROM rows WHERE source_sha256=?", (sha256,))
    conn.execute("DELETE FROM rejects WHERE source_sha256=?", (sha256,))
    conn.execute("DELETE FROM findings WHERE sha256=?", (sha256,))


def reset_header_rows(conn: sqlite3.Connection, sha256: str) -> None:
    """Rows an earlier normalization took as header lines (tables.mapping's `header_rows`)
    are data again, so a new normalization (another profile) decides afresh."""
    for tid, mapping in conn.execute("SELECT table_id, mapping FROM tables WHERE sha256=? "
                                     "AND mapping LIKE '%header_rows%'", (sha256,)).fetchall():
        rows = json.loads(mapping).get("header_rows") or []
        conn.executemany("UPDATE cells SET row_kind='data' WHERE table_id=? AND row_index=?",
                         [(tid, ri) for ri in rows])
        conn.execute("UPDATE tables SET mapping=NULL WHERE table_id=?", (tid,))


def write_findings(conn: sqlite3.Connection, sha256: str, source_file: str,
                   findings: Iterable[Finding]) -> None:
    conn.executemany(
        "INSERT INTO findings VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(sha256, source_file, f.kind, f.status, f.claim, f.detail, f.stated, f.actual, f.page,
          _bbox(f.bbox), table_id(sha256, f.table_index) if f.table_index is not None else None,
          f.table_page, _bbox(f.table_bbox)) for f in findings],
    )


def page_texts(conn: sqlite3.Connection, sha256: str) -> Iterator[tuple[int, str]]:
    """(page, text) of a stored document in page order, one page at a time."""
    cur = conn.execute("SELECT page, text FROM pages WHERE sha256=? ORDER BY page", (sha256,))
    for page, text in cur:
        yield page, text or ""


def page_words(conn: sqlite3.Connection, sha256: str, page: int) -> list:
    """Word boxes ([text, x0, top, x1, bottom]) of one stored page."""
    row = conn.execute("SELECT words FROM pages WHERE sha256=? AND page=?",
                       (sha256, page)).fetchone()
    return json.loads(row[0]) if row and row[0] else []


class PageTextLookup(Mapping[int, str]):
    """A document's page texts, read from the store when asked (profiles' context fields ask
    for the pages their rows are on) and a few kept: a 2,000-page text is never held."""

    KEEP = 32

    def __init__(self, conn: sqlite3.Connection, sha256: str) -> None:
        self.conn, self.sha256 = conn, sha256
        self.kept: dict[int, str] = {}
        self.numbers = [r[0] for r in conn.execute(
            "SELECT page FROM pages WHERE sha256=? ORDER BY page", (sha256,))]

    def __getitem__(self, page: int) -> str:
        if page not in self.kept:
            row = self.conn.execute("SELECT text FROM pages WHERE sha256=? AND page=?",
                                    (self.sha256, page)).fetchone()
            if row is None:
                raise KeyError(page)
            if len(self.kept) >= self.KEEP:
                self.kept.pop(next(iter(self.kept)))
            self.kept[page] = row[0] or ""
        return self.kept[page]

    def __iter__(self) -> Iterator[int]:
        return iter(self.numbers)

    def __len__(self) -> int:
        return len(self.numbers)


def write_document(conn: sqlite3.Connection, doc: DocumentResult, run_id: str, size: int,
                   settings_hash: str, pages_written: bool = False) -> None:
    """Document, pages, full text, tables and cells of one document (caller holds the txn).

    `pages_written`: the pages went in one by one as they were read (write_page, a long
    document streamed) and were deleted before that; only the rest is written here."""
    if not pages_written:
        delete_document(conn, doc.sha256)
    else:
        conn.execute("DELETE FROM documents WHERE sha256=?", (doc.sha256,))
    conn.execute(
        "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (doc.sha256, doc.path, json.dumps(doc.paths or [doc.path]), doc.kind, size,
         len(doc.pages), doc.status, doc.error, run_id, settings_hash, None),
    )
    if not pages_written:
        for p in doc.pages:
            write_page(conn, doc.sha256, doc.path, p)
    index = 0
    for p in doc.pages:
        for t in p.tables:
            write_table(conn, doc.sha256, index, t)
            index += 1


def write_page(conn: sqlite3.Connection, sha256: str, path: str, p: PageResult) -> None:
    """One page's row and full-text entry."""
    words = json.dumps([[w.text, round(w.x0, 2), round(w.top, 2), round(w.x1, 2),
                         round(w.bottom, 2)] for w in p.words]) if p.words else None
    conn.execute(
        "INSERT INTO pages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (sha256, p.number, path, p.route, p.status, p.text_quality, p.char_count,
         p.ocr_confidence, p.rotation, p.skew,
         p.width, p.height, p.sheet, p.text, words, p.error, p.route_reason),
    )
    if p.text:
        conn.execute("INSERT INTO pages_fts VALUES (?,?,?,?)", (p.text, path, sha256, p.number))


def write_table(conn: sqlite3.Connection, sha256: str, index: int, t: Table) -> None:
    """A whole table: its row in `tables` and its cells."""
    write_table_meta(conn, sha256, index, t, t.pages, t.ncols, len(t.rows))
    write_cells(conn, table_id(sha256, index), 0, t.rows)


def write_table_meta(conn: sqlite3.Connection, sha256: str, index: int, t: Table,
                     pages: Iterable[int], ncols: int, nrows: int) -> None:
    """A table's row in `tables` (its cells go separately: a stitched table's as they come)."""
    conn.execute(
        "INSERT INTO tables (table_id, sha256, table_index, page, pages, sheet, engine, score, "
        "ncols, nrows, header, bbox) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (table_id(sha256, index), sha256, index, t.page, json.dumps(sorted(pages)), t.sheet,
         t.engine, t.score, ncols, nrows, json.dumps(list(t.header)), _bbox(t.bbox)),
    )


def write_cells(conn: sqlite3.Connection, tid: str, first_row: int,
                rows: Iterable[TableRow]) -> None:
    """Cells of `rows`, numbered from `first_row` (a stitched table's part goes after the
    parts before it)."""
    conn.executemany(  # a generator: a long table's cells are not all built at once
        "INSERT INTO cells VALUES (?,?,?,?,?,?,?,?,?,?)",
        ((tid, ri, ci, r.kind, r.page, r.sheet_row, c.text, _bbox(c.bbox), c.confidence,
          c.redaction)
         for ri, r in enumerate(rows, start=first_row) for ci, c in enumerate(r.cells)),
    )


class StoreSink:
    """A long PDF streamed into the store while it is read (extract.pdf.DocumentSink): each
    page as it is finished, each table's cells part by part, its `tables` row once stitched.
    The caller deleted the document before and holds the transaction."""

    def __init__(self, conn: sqlite3.Connection, sha256: str, path: str) -> None:
        self.conn, self.sha256, self.path = conn, sha256, path

    def page(self, page: PageResult) -> None:
        write_page(self.conn, self.sha256, self.path, page)

    def table_rows(self, chain: TableChain, rows: tuple[TableRow, ...]) -> None:
        write_cells(self.conn, table_id(self.sha256, chain.index), chain.nrows - len(rows),
                    rows)

    def table_done(self, chain: TableChain) -> None:
        write_table_meta(self.conn, self.sha256, chain.index, chain.table(), chain.pages,
                         chain.ncols, chain.nrows)


# Rows of a stored table read at a time by normalization: its memory does not grow with the table.
ROW_CHUNK = 2000


@dataclass(frozen=True)
class StoredTable:
    """A stored table without its cells: what normalization needs before reading rows."""

    index: int
    table_id: str
    head: Table  # header, engine, score, page, bbox, sheet; no rows
    ncols: int
    nrows: int


def table_heads(conn: sqlite3.Connection, sha256: str) -> list[StoredTable]:
    """The tables of one document, in order, without their cells."""
    return [StoredTable(t["table_index"], t["table_id"],
                        Table((), t["engine"], t["score"], t["page"],
                              tuple(json.loads(t["bbox"])) if t["bbox"] else None,
                              tuple(json.loads(t["header"])), t["sheet"]),
                        t["ncols"] or 0, t["nrows"] or 0)
            for t in conn.execute("SELECT * FROM tables WHERE sha256=? ORDER BY table_index",
                                  (sha256,))]


def table_rows(conn: sqlite3.Connection, tid: str, chunk: int | None = None
               ) -> Iterator[list[tuple[int, TableRow]]]:
    """A stored table's rows rebuilt from its cells, `chunk` rows at a time, in order, each
    with its row index. Each chunk is one bounded query, so writing between chunks is safe."""
    chunk = chunk or ROW_CHUNK
    last = conn.execute("SELECT MAX(row_index) FROM cells WHERE table_id=?", (tid,)).fetchone()[0]
    for start in range(0, (last if last is not None else -1) + 1, chunk):
        rows: dict[int, list[Cell]] = {}
        meta: dict[int, tuple] = {}
        for c in conn.execute("SELECT row_index, row_kind, page, sheet_row, text, bbox, "
                              "confidence, redaction FROM cells WHERE table_id=? AND "
                              "row_index >= ? AND row_index < ? ORDER BY row_index, col",
                              (tid, start, start + chunk)):
            bbox = tuple(json.loads(c[5])) if c[5] else None
            rows.setdefault(c[0], []).append(Cell(c[4], bbox, c[6], c[7]))
            meta[c[0]] = (c[1], c[2], c[3])
        yield [(i, TableRow(tuple(rows[i]), meta[i][1], meta[i][0], sheet_row=meta[i][2]))
               for i in sorted(rows)]


def load_tables(conn: sqlite3.Connection, sha256: str) -> list[tuple[int, Table]]:
    """Tables of one document rebuilt whole from the store (for short documents and tests;
    normalization reads them in chunks: table_heads, table_rows)."""
    out = []
    for t in table_heads(conn, sha256):
        rows = tuple(r for part in table_rows(conn, t.table_id) for _, r in part)
        out.append((t.index, replace(t.head, rows=rows)))
    return out


def write_rows(conn: sqlite3.Connection, sha256: str, index: int, profile: str | None,
               kind: str | None, rows: Iterable[RowOut], rejects: Iterable[RejectOut],
               mapping: object = None, header_rows: Iterable[int] = ()) -> None:
    """A chunk of a table's rows and rejects; `mapping` says how its columns were mapped
    (JSON), `header_rows` are rows normalization found to be header lines (their cells are
    marked `header`: structure, in neither rows nor rejects)."""
    tid = table_id(sha256, index)
    if mapping is not None and header_rows:
        mapping = {**mapping, "header_rows": list(header_rows)}  # type: ignore[dict-item]
    conn.execute("UPDATE tables SET profile=?, kind=?, mapping=COALESCE(?, mapping) "
                 "WHERE table_id=?", (profile, kind, json.dumps(mapping) if mapping else None,
                                      tid))
    for ri in header_rows:
        conn.execute("UPDATE cells SET row_kind='header' WHERE table_id=? AND row_index=?",
                     (tid, ri))
    for r in rows:
        cols = [_text(r.fields.get(c)) for c in ROW_COLUMNS]
        conn.execute(
            f"INSERT OR REPLACE INTO rows VALUES ({ROW_PLACEHOLDERS})",
            (r.record_id, tid, r.row_index, r.profile, r.kind, int(r.is_total), *cols,
             ";".join(r.redacted_fields) or None, ";".join(r.redactions) or None,
             ";".join(r.flags) or None, json.dumps(r.fields, default=str), json.dumps(r.raw),
             *_prov_values(r.provenance)),
        )
    _insert_rejects(conn, tid, rejects)


def _insert_rejects(conn: sqlite3.Connection, tid: str, rejects: Iterable[RejectOut]) -> None:
    for j in rejects:
        conn.execute(
            "INSERT OR REPLACE INTO rejects VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (j.record_id, tid, j.row_index, j.profile, j.kind, ";".join(j.reasons), j.detail,
             json.dumps(j.raw), *_prov_values(j.provenance)),
        )


def move_to_rejects(conn: sqlite3.Connection, sha256: str, index: int,
                    moved: list[RejectOut]) -> None:
    """Rows written as accepted that a whole-table check refused after (a Total row that
    disagrees with the sum of its rows): out of `rows`, into `rejects` with the reason."""
    if not moved:
        return
    conn.executemany("DELETE FROM rows WHERE record_id=?", [(j.record_id,) for j in moved])
    _insert_rejects(conn, table_id(sha256, index), moved)


def _text(v) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else str(v)


def record_error(conn: sqlite3.Connection, run_id: str, source_file: str, sha256: str | None,
                 page: int | None, stage: str, message: str) -> None:
    conn.execute("INSERT INTO errors VALUES (?,?,?,?,?,?)",
                 (run_id, source_file, sha256, page, stage, message))
