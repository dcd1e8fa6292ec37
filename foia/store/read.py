"""Reads from the store for the pipeline: cache keys, page texts and words, stored tables
rebuilt in chunks (normalization reads a table of any size in bounded memory)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from extract.model import Cell, Table, TableRow


def document_keys(conn: sqlite3.Connection) -> dict[str, tuple[str, str, str | None, str | None]]:
    """sha256 → (status, extraction cache key, normalization key, error) of every stored
    document: what an incremental run compares with the current keys."""
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in conn.execute(
        "SELECT sha256, status, settings_hash, normalize_key, error FROM documents")}


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
        self.known = set(self.numbers)

    def __getitem__(self, page: int) -> str:
        if page not in self.kept:
            if page not in self.known:
                raise KeyError(page)
            if len(self.kept) >= self.KEEP:
                self.kept.pop(next(iter(self.kept)))
            self.kept[page] = page_text(self.conn, self.sha256, page) or ""
        return self.kept[page]

    def __iter__(self) -> Iterator[int]:
        return iter(self.numbers)

    def __len__(self) -> int:
        return len(self.numbers)


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




def file_paths(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT path FROM files")]


def file_status(conn: sqlite3.Connection, path: str) -> str:
    """The state a file of the dump ended in ("" when it has none yet)."""
    row = conn.execute("SELECT status FROM files WHERE path = ?", (path,)).fetchone()
    return row[0] if row else ""


def orphan_documents(conn: sqlite3.Connection) -> list[str]:
    """Stored documents no file of the dump holds any more."""
    return [r[0] for r in conn.execute(
        "SELECT sha256 FROM documents WHERE sha256 NOT IN "
        "(SELECT sha256 FROM files WHERE sha256 IS NOT NULL)")]


def documents(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(sha256, path) of every stored document."""
    return [(r[0], r[1]) for r in conn.execute("SELECT sha256, path FROM documents")]


def page_hashes(conn: sqlite3.Connection, blank: str) -> list[tuple[str, int, str, str]]:
    """(sha256, page, phash, path) of every hashed page of a stored document, blank pages
    (`blank`, the hash of an empty page) left out, in document and page order."""
    return [tuple(r) for r in conn.execute(
        "SELECT h.sha256, h.page, h.phash, d.path FROM page_hashes h "
        "JOIN documents d ON d.sha256 = h.sha256 WHERE h.phash != ? "
        "ORDER BY h.sha256, h.page", (blank,))]


def page_text(conn: sqlite3.Connection, sha256: str, page: int) -> str | None:
    """One stored page's text (None: no such page, or no text)."""
    row = conn.execute("SELECT text FROM pages WHERE sha256=? AND page=?",
                       (sha256, page)).fetchone()
    return row[0] if row else None
