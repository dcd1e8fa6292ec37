"""Writes to the store: runs, files, documents, pages (+ FTS5), tables, cells, rows, rejects,
findings, errors, page hashes.

One transaction per document, so a killed run leaves whole documents or nothing. Inserts name
their columns, so a column added by a migration cannot shift values into the wrong place.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from extract.assemble import TableChain
from extract.model import DocumentResult, PageResult, Provenance, Table, TableRow
from foia.store.schema import PROVENANCE_COLUMNS
from normalize.narrative import Finding
from normalize.outcome import RejectOut, RowOut

ROW_FIELDS = ("record_id", "table_id", "row_index", "profile", "kind", "is_total", "row_class",
              "redacted_fields", "redactions", "flags", "fields", "raw", *PROVENANCE_COLUMNS)
REJECT_FIELDS = ("record_id", "table_id", "row_index", "profile", "kind", "reasons", "detail",
                 "raw", *PROVENANCE_COLUMNS)
FINDING_FIELDS = ("sha256", "source_file", "kind", "status", "claim", "detail", "stated",
                  "actual", "page", "bbox", "table_id", "table_page", "table_bbox")
DOCUMENT_FIELDS = ("sha256", "path", "paths", "kind", "size", "pages", "status", "error",
                   "run_id", "settings_hash", "normalize_key")
PAGE_FIELDS = ("sha256", "page", "source_file", "route", "status", "text_quality", "char_count",
               "ocr_confidence", "rotation", "skew", "width", "height", "sheet", "text", "words",
               "error", "route_reason")
CELL_FIELDS = ("table_id", "row_index", "col", "row_kind", "page", "sheet_row", "text", "bbox",
               "confidence", "redaction")
RUN_FIELDS = ("run_id", "started", "finished", "dump", "version", "settings", "settings_hash",
              "summary")


def _insert(table: str, fields: tuple[str, ...], verb: str = "INSERT") -> str:
    """An INSERT naming every column it fills."""
    return f"{verb} INTO {table} ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})"

# Built once: a long table's rows, cells and rejects are inserted one statement each.
ROW_INSERT = _insert("rows", ROW_FIELDS, "INSERT OR REPLACE")
REJECT_INSERT = _insert("rejects", REJECT_FIELDS, "INSERT OR REPLACE")
CELL_INSERT = _insert("cells", CELL_FIELDS)
PAGE_INSERT = _insert("pages", PAGE_FIELDS)
FIELD_FIELDS = ("sha256", "source_file", "page", "field_index", "label", "value", "bbox",
                "label_bbox", "value_bbox", "method", "confidence", "source_link")
FIELD_INSERT = _insert("fields", FIELD_FIELDS)


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
    conn.execute("DELETE FROM page_hashes WHERE sha256=?", (sha256,))
    for sql in ("DELETE FROM tables WHERE sha256=?", "DELETE FROM pages WHERE sha256=?",
                "DELETE FROM fields WHERE sha256=?",
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
        _insert("findings", FINDING_FIELDS),
        [(sha256, source_file, f.kind, f.status, f.claim, f.detail, f.stated, f.actual, f.page,
          _bbox(f.bbox), table_id(sha256, f.table_index) if f.table_index is not None else None,
          f.table_page, _bbox(f.table_bbox)) for f in findings],
    )


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
        _insert("documents", DOCUMENT_FIELDS),
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
        PAGE_INSERT,
        (sha256, p.number, path, p.route, p.status, p.text_quality, p.char_count,
         p.ocr_confidence, p.rotation, p.skew,
         p.width, p.height, p.sheet, p.text, words, p.error, p.route_reason),
    )
    conn.executemany(FIELD_INSERT, [
        (sha256, path, p.number, i, f.label, f.value, _bbox(f.bbox), _bbox(f.label_bbox),
         _bbox(f.value_bbox), f.method, f.confidence, f"{path}#page={p.number}")
        for i, f in enumerate(p.fields)])
    if p.text:
        conn.execute("INSERT INTO pages_fts (text, source_file, sha256, page) VALUES (?,?,?,?)",
                     (p.text, path, sha256, p.number))


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
        CELL_INSERT,
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
        conn.execute(
            ROW_INSERT,
            (r.record_id, tid, r.row_index, r.profile, r.kind, int(r.is_total), r.row_class,
             ";".join(r.redacted_fields) or None, ";".join(r.redactions) or None,
             ";".join(r.flags) or None, json.dumps(r.fields, default=str), json.dumps(r.raw),
             *_prov_values(r.provenance)),
        )
    _insert_rejects(conn, tid, rejects)


def _insert_rejects(conn: sqlite3.Connection, tid: str, rejects: Iterable[RejectOut]) -> None:
    for j in rejects:
        conn.execute(
            REJECT_INSERT,
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


def record_error(conn: sqlite3.Connection, run_id: str, source_file: str, sha256: str | None,
                 page: int | None, stage: str, message: str) -> None:
    conn.execute("INSERT INTO errors (run_id, source_file, sha256, page, stage, message) "
                 "VALUES (?,?,?,?,?,?)", (run_id, source_file, sha256, page, stage, message))


def start_run(conn: sqlite3.Connection, run_id: str, started: str, dump: str, version: str,
              settings: str, settings_hash: str) -> None:
    with conn:
        conn.execute(_insert("runs", RUN_FIELDS),
                     (run_id, started, None, dump, version, settings, settings_hash, None))


def finish_run(conn: sqlite3.Connection, run_id: str, finished: str, summary: str) -> None:
    with conn:
        conn.execute("UPDATE runs SET finished=?, summary=? WHERE run_id=?",
                     (finished, summary, run_id))


def record_file(conn: sqlite3.Connection, path: str, sha256: str | None, kind: str | None,
                size: int | None, status: str, reason: str | None, run_id: str) -> None:
    """One file of the dump and the state it ended in (files.status)."""
    conn.execute("INSERT OR REPLACE INTO files (path, sha256, kind, size, status, reason, run_id)"
                 " VALUES (?,?,?,?,?,?,?)", (path, sha256, kind, size, status, reason, run_id))


def forget_files(conn: sqlite3.Connection, paths: Iterable[str]) -> None:
    conn.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in paths])


def record_hashes(conn: sqlite3.Connection, sha256: str, hashes: dict[int, str]) -> None:
    """Replace the stored page hashes of one document (inside the document's transaction)."""
    conn.execute("DELETE FROM page_hashes WHERE sha256=?", (sha256,))
    conn.executemany("INSERT INTO page_hashes (sha256, page, phash) VALUES (?,?,?)",
                     [(sha256, int(p), h) for p, h in sorted(hashes.items())])


def replace_near_duplicates(conn: sqlite3.Connection, pairs: list[tuple]) -> None:
    """`near_duplicates` recomputed whole: (sha256_a, page_a, source_file_a, sha256_b, page_b,
    source_file_b, distance, text_similarity) per pair."""
    with conn:
        conn.execute("DELETE FROM near_duplicates")
        conn.executemany(
            "INSERT INTO near_duplicates (sha256_a, page_a, source_file_a, sha256_b, page_b, "
            "source_file_b, distance, text_similarity) VALUES (?,?,?,?,?,?,?,?)", pairs)
