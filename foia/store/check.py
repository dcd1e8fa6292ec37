"""`foia check`: the store's accounting invariants, verified from the store alone.

The pipeline promises that nothing is lost silently: every file of the dump ends in one
recorded state, every document's pages are all there with a route and a status, every table's
rows are all stored, and every data or total row ends in exactly one of `rows` or `rejects`,
with its provenance. Those promises are spread over several stages and an incremental run can
reuse half of a store, so they are checked here once, on the finished store, independently of
the code that wrote it: the checks read only the SQLite file (opened read-only) and, when
given, the dump folder.

The checks are SQL set operations (a few temporary tables, joins, EXCEPT), not Python loops
over rows, so a store of millions of rows is checked in seconds. A broken store can have
millions of violations of one kind: each kind lists at most MAX_LISTED and counts the rest.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from extract.model import DocumentStatus, PageStatus, Route
from foia.ingest.inventory import CONTAINERS, FileStatus, build_inventory
from foia.store.schema import CHECK_CELLS, CHECK_OUT, connect_readonly, create_check_temps

# `files.status` as written by pipeline.RunContext.record_files (inventory.InventoryItem.status
# for unreadable files, "container" for an archive (zip, gzip), "duplicate" for the later
# paths of a content).
FILE_STATUSES = tuple(FileStatus)
# Every state but ok says why (the audit must be able to tell what happened to a file).
FILE_REASON_REQUIRED = ("error", "unsupported", "duplicate", "container")
# extract.model.DocumentResult.status; "duplicate" is never written to `documents`.
DOCUMENT_STATUSES = tuple(DocumentStatus)
DOCUMENT_ERROR_REQUIRED = ("partial", "error")
# extract.model.PageRoute and PageResult.status
PAGE_ROUTES = tuple(Route)
PAGE_STATUSES = tuple(PageStatus)
# extract.model.RowKind: the kinds normalization turns into rows or rejects; the others
# (header, title, footnote) are structure and stay only in `cells`.
DATA_KINDS = ("data", "subtotal", "total", "master", "detail")
# Provenance every accepted row must carry (schema.PROVENANCE_COLUMNS less `pages`).
ROW_PROVENANCE = ("source_file", "source_sha256", "page", "bbox", "method", "confidence",
                  "source_link")
REQUIRED_TABLES = ("files", "documents", "pages", "tables", "cells", "rows", "rejects")
MAX_LISTED = 200  # problems listed per kind; the rest are counted in CheckReport.totals


@dataclass
class Problem:
    """One violated invariant: its kind (stable, for scripts and tests), a sentence for a
    person, and where to look (file path, document sha256, page) when the kind has a place."""

    kind: str
    detail: str
    path: str | None = None
    sha256: str | None = None
    page: int | None = None


@dataclass
class CheckReport:
    """The problems found (at most MAX_LISTED per kind), the store's counts, and per kind the
    number of violations including those not listed."""

    problems: list[Problem]
    counts: dict[str, int]
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"ok": self.ok, "counts": dict(self.counts), "totals": dict(self.totals),
                "problems": [asdict(p) for p in self.problems]}


class _Problems:
    """Collects problems with a cap per kind, so a store broken everywhere still gives a
    report of bounded size (with the true number of violations of each kind)."""

    def __init__(self) -> None:
        self.listed: list[Problem] = []
        self.totals: Counter[str] = Counter()

    def add(self, kind: str, detail: str, path: str | None = None, sha256: str | None = None,
            page: int | None = None) -> None:
        self.totals[kind] += 1
        if self.totals[kind] <= MAX_LISTED:
            self.listed.append(Problem(kind, detail, path, sha256, page))

    def report(self, counts: dict[str, int]) -> CheckReport:
        problems = list(self.listed)
        for kind, n in sorted(self.totals.items()):
            if n > MAX_LISTED:
                problems.append(Problem(kind, f"{n - MAX_LISTED} more {kind} problems not listed"))
        return CheckReport(problems, counts, dict(self.totals))


def _open_read_only(out: Path) -> sqlite3.Connection:
    """The store opened read-only: a check must never change what it checks (and may run
    while nothing else writes, or on a copy)."""
    db = out / "foia.sqlite" if out.is_dir() else out
    if not db.is_file():
        raise FileNotFoundError(f"no store at {db}")
    return connect_readonly(db)


def _in(values: Iterable[str]) -> str:
    """A SQL list literal of known constants (never user input)."""
    return "(" + ",".join(f"'{v}'" for v in values) + ")"


def _blank(column: str) -> str:
    return f"({column} IS NULL OR TRIM({column}) = '')"


def check_store(out: Path, dump: Path | None = None,
                passwords: tuple[str, ...] = ()) -> CheckReport:
    """Check the accounting invariants of the store in `out` (a folder with foia.sqlite, or
    the file itself); with `dump`, also that the store accounts for every file of that dump.

    Raises FileNotFoundError when there is no store (or dump) to check.
    """
    out = Path(out)
    conn = _open_read_only(out)
    found = _Problems()
    try:
        have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        missing = [t for t in REQUIRED_TABLES if t not in have]
        for t in missing:
            found.add("store_table_missing", f"the store has no `{t}` table")
        if missing:
            return found.report({})
        counts = {name: conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
                  for name in ("files", "documents", "pages", "tables", "rows", "rejects")}
        if dump is not None:
            counts["dump_files"] = _check_dump(conn, Path(dump), found, passwords)
        _check_files(conn, found)
        _check_documents(conn, found)
        _check_pages(conn, found)
        _check_tables(conn, found)
        counts["data_rows"] = _check_accounting(conn, found)
        _check_provenance(conn, found)
        return found.report(counts)
    finally:
        conn.close()


def _check_dump(conn: sqlite3.Connection, dump: Path, found: _Problems,
                passwords: tuple[str, ...] = ()) -> int:
    """Every path the inventory finds in the dump has its `files` row, and the other way
    round; a recorded status the inventory alone decides (duplicate, container, unreadable or
    unsupported) and the recorded content hash agree with the dump as it is now.

    The dump is inventoried the way `run_dump` does it (foia.ingest.inventory.build_inventory,
    archives expanded into a temporary folder), so paths have the same form (`a.zip/b/c.pdf`).
    A store fed several dumps, or a dump whose files were removed since its last run, keeps
    `files` rows for paths this dump lacks (a run prunes them only from the dump it is given):
    those are reported."""
    with tempfile.TemporaryDirectory(prefix="foia-check-") as work:
        items = build_inventory(dump, Path(work), passwords=passwords)  # as the run did
    expected: dict[str, tuple[tuple[str, ...], str]] = {}  # path -> (statuses, sha256)
    for item in items:
        for i, path in enumerate(item.paths or [item.path]):
            if i > 0:
                statuses: tuple[str, ...] = ("duplicate",)
            elif item.status != "ok":
                statuses = (item.status,)
            elif item.kind in CONTAINERS:
                statuses = ("container",)
            else:  # a document: read, or failed to be (its error recorded)
                statuses = ("ok", "error")
            expected[path] = (statuses, item.sha256)
    recorded = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT path, status, sha256 FROM files")}
    for path in sorted(expected.keys() - recorded.keys()):
        found.add("file_unrecorded", "a file of the dump has no `files` row", path=path)
    for path in sorted(recorded.keys() - expected.keys()):
        found.add("file_not_in_dump", "a `files` row names a path the dump does not have",
                  path=path, sha256=recorded[path][1])
    for path in sorted(expected.keys() & recorded.keys()):
        (statuses, sha), (status, stored_sha) = expected[path], recorded[path]
        if status not in statuses:
            found.add("file_status_mismatch",
                      f"recorded {status!r}, the dump says {' or '.join(statuses)}",
                      path=path, sha256=stored_sha)
        # no recorded hash: the run refused the file before reading it (a size limit), which
        # the check's own inventory, under default limits, may not do
        if stored_sha and stored_sha != sha:
            found.add("file_changed", f"recorded content {stored_sha or 'none'}, the dump's "
                                      f"is {sha or 'unreadable'}", path=path, sha256=sha or None)
    return len(expected)


def _check_files(conn: sqlite3.Connection, found: _Problems) -> None:
    """Each `files` row has a known status, a reason when it was not read, and a document
    when it was; a duplicate's content was recorded under another path too."""
    for path, sha, status in conn.execute(
            f"SELECT path, sha256, status FROM files WHERE status IS NULL "
            f"OR status NOT IN {_in(FILE_STATUSES)}"):
        found.add("file_bad_status", f"unknown file status {status!r}", path=path, sha256=sha)
    for path, sha, status in conn.execute(
            f"SELECT path, sha256, status FROM files WHERE status IN "
            f"{_in(FILE_REASON_REQUIRED)} AND {_blank('reason')}"):
        found.add("file_reason_missing", f"status {status} without a reason", path=path,
                  sha256=sha)
    for path, sha in conn.execute(
            "SELECT path, sha256 FROM files f WHERE status = 'ok' AND NOT EXISTS "
            "(SELECT 1 FROM documents d WHERE d.sha256 = f.sha256)"):
        found.add("document_missing", "file recorded ok but its content has no `documents` "
                                      "row", path=path, sha256=sha)
    for path, sha in conn.execute(
            "SELECT path, sha256 FROM files f WHERE status = 'duplicate' AND NOT EXISTS "
            "(SELECT 1 FROM files o WHERE o.sha256 = f.sha256 AND o.status <> 'duplicate')"):
        found.add("duplicate_without_original", "duplicate of a content no other path "
                                                "records", path=path, sha256=sha)


def _check_documents(conn: sqlite3.Connection, found: _Problems) -> None:
    """Each document has a known status, an error text when it is not fully read, and a
    `files` row pointing at it (else its rows trace back to no file of any dump)."""
    for sha, path, status in conn.execute(
            f"SELECT sha256, path, status FROM documents WHERE status IS NULL "
            f"OR status NOT IN {_in(DOCUMENT_STATUSES)}"):
        found.add("document_bad_status", f"unknown document status {status!r}", path=path,
                  sha256=sha)
    for sha, path, status in conn.execute(
            f"SELECT sha256, path, status FROM documents WHERE status IN "
            f"{_in(DOCUMENT_ERROR_REQUIRED)} AND {_blank('error')}"):
        found.add("document_error_missing", f"document status {status} without an error "
                                            "text", path=path, sha256=sha)
    for sha, path in conn.execute(
            "SELECT sha256, path FROM documents d WHERE NOT EXISTS "
            "(SELECT 1 FROM files f WHERE f.sha256 = d.sha256)"):
        found.add("document_without_file", "no `files` row has this document's content",
                  path=path, sha256=sha)


def _check_pages(conn: sqlite3.Connection, found: _Problems) -> None:
    """A document's `pages` count is its number of page rows, numbered 1..n without gaps;
    each page has a known route and status, and an error text when it failed."""
    bad = conn.execute(
        "SELECT d.sha256, d.path, d.pages, COUNT(p.page), MIN(p.page), MAX(p.page) "
        "FROM documents d LEFT JOIN pages p ON p.sha256 = d.sha256 GROUP BY d.sha256 "
        "HAVING COUNT(p.page) <> COALESCE(d.pages, -1) OR MIN(p.page) <> 1 "
        "OR MAX(p.page) <> COUNT(p.page)").fetchall()
    for sha, path, declared, n, _, _ in bad:  # only the broken documents are read page by page
        have = {r[0] for r in conn.execute("SELECT page FROM pages WHERE sha256 = ?", (sha,))}
        if declared != n:
            found.add("page_count_mismatch", f"documents.pages is {declared}, {n} page rows",
                      path=path, sha256=sha)
        last = max([declared or 0, *have])
        for page in sorted(set(range(1, last + 1)) - have):
            found.add("page_missing", f"page {page} of {declared} has no `pages` row",
                      path=path, sha256=sha, page=page)
        for page in sorted(p for p in have if not 1 <= p <= (declared or 0)):
            found.add("page_out_of_range", f"page row {page} outside 1..{declared}",
                      path=path, sha256=sha, page=page)
    for sha, path, page in conn.execute(
            "SELECT sha256, source_file, page FROM pages p WHERE NOT EXISTS "
            "(SELECT 1 FROM documents d WHERE d.sha256 = p.sha256)"):
        found.add("page_orphan", "page row of no stored document", path=path, sha256=sha,
                  page=page)
    for sha, path, page, route, status in conn.execute(
            f"SELECT sha256, source_file, page, route, status FROM pages "
            f"WHERE route IS NULL OR route NOT IN {_in(PAGE_ROUTES)} "
            f"OR status IS NULL OR status NOT IN {_in(PAGE_STATUSES)}"):
        kind = "page_bad_route" if route not in PAGE_ROUTES else "page_bad_status"
        found.add(kind, f"route {route!r}, status {status!r}", path=path, sha256=sha, page=page)
    for sha, path, page in conn.execute(
            f"SELECT sha256, source_file, page FROM pages WHERE status = 'error' "
            f"AND {_blank('error')}"):
        found.add("page_error_missing", "page status error without an error text", path=path,
                  sha256=sha, page=page)


def _check_tables(conn: sqlite3.Connection, found: _Problems) -> None:
    """Each table belongs to a stored document under its id, and its `nrows` rows are all in
    `cells`, numbered 0..nrows-1.

    store.write_cells writes one `cells` row per cell, so a table row without cells would
    leave no trace in `cells`: it is reported (table_rows_mismatch), not assumed away, since
    normalization, which reads rows back from `cells`, would never see it either.
    """
    for tid, sha in conn.execute(
            "SELECT table_id, sha256 FROM tables t WHERE NOT EXISTS "
            "(SELECT 1 FROM documents d WHERE d.sha256 = t.sha256)"):
        found.add("table_orphan", f"table {tid} of no stored document", sha256=sha)
    for tid, sha, index in conn.execute(
            "SELECT table_id, sha256, table_index FROM tables "
            "WHERE table_id IS NOT substr(sha256, 1, 16) || '-t' || table_index"):
        found.add("table_id_mismatch", f"table {tid} is not named for its document and index "
                                       f"{index}", sha256=sha)
    # one row per stored table row, with the kinds its cells give it
    create_check_temps(conn, CHECK_CELLS)
    for tid, sha, path, nrows, n, lo, hi in conn.execute(
            "SELECT t.table_id, t.sha256, d.path, t.nrows, COUNT(c.row_index), "
            "MIN(c.row_index), MAX(c.row_index) FROM tables t "
            "LEFT JOIN chk_cells c ON c.table_id = t.table_id "
            "LEFT JOIN documents d ON d.sha256 = t.sha256 GROUP BY t.table_id "
            "HAVING COUNT(c.row_index) <> COALESCE(t.nrows, -1) OR MIN(c.row_index) <> 0 "
            "OR MAX(c.row_index) <> COUNT(c.row_index) - 1"):
        found.add("table_rows_mismatch",
                  f"table {tid}: nrows {nrows}, {n} rows in cells (row_index {lo}..{hi})",
                  path=path, sha256=sha)
    for tid, n in conn.execute(
            "SELECT table_id, COUNT(*) FROM chk_cells c WHERE NOT EXISTS "
            "(SELECT 1 FROM tables t WHERE t.table_id = c.table_id) GROUP BY table_id"):
        found.add("cell_orphan", f"{n} rows of cells under table {tid}, which is not stored")
    for tid, ri, lo, hi in conn.execute(
            "SELECT table_id, row_index, kmin, kmax FROM chk_cells WHERE kmin IS NOT kmax"):
        found.add("row_kind_mixed", f"table {tid} row {ri}: cells of kinds {lo} and {hi}")


def _check_accounting(conn: sqlite3.Connection, found: _Problems) -> int:
    """Every data/total row of every table normalization claimed is in exactly one of `rows`
    or `rejects` (by table_id and row_index), once; structure rows are in neither; a
    record_id is used once across both. Returns the number of data/total rows.

    A table is claimed once normalization wrote it (store.write_rows sets `kind`, "generic"
    when no profile matched); a table with data rows that was never claimed is reported too,
    since its rows are in neither list by construction.
    """
    create_check_temps(conn, CHECK_OUT)
    data = f"c.kmax IN {_in(DATA_KINDS)}"
    claimed = "(t.kind IS NOT NULL OR t.profile IS NOT NULL)"
    for tid, sha, n in conn.execute(
            f"SELECT t.table_id, t.sha256, COUNT(*) FROM tables t JOIN chk_cells c "
            f"ON c.table_id = t.table_id WHERE {data} AND NOT {claimed} GROUP BY t.table_id"):
        found.add("table_not_normalized", f"table {tid} has {n} data rows but normalization "
                                          "never claimed it", sha256=sha)
    for tid, ri, sha, page in conn.execute(
            f"SELECT c.table_id, c.row_index, t.sha256, c.page FROM chk_cells c "
            f"JOIN tables t ON t.table_id = c.table_id WHERE {data} AND {claimed} "
            f"AND NOT EXISTS (SELECT 1 FROM chk_out o WHERE o.table_id = c.table_id "
            f"AND o.row_index = c.row_index)"):
        found.add("row_unaccounted", f"table {tid} row {ri} is in neither rows nor rejects",
                  sha256=sha, page=page)
    for tid, ri, sha, n_rows, n_rejects in conn.execute(
            "SELECT table_id, row_index, MIN(source_sha256), SUM(src = 'rows'), "
            "SUM(src = 'rejects') FROM chk_out GROUP BY table_id, row_index HAVING COUNT(*) > 1"):
        kind = "row_in_both" if n_rows and n_rejects else "row_duplicate"
        found.add(kind, f"table {tid} row {ri}: {n_rows} in rows, {n_rejects} in rejects",
                  sha256=sha)
    for rid, n in conn.execute(
            "SELECT record_id, COUNT(*) FROM chk_out GROUP BY record_id HAVING COUNT(*) > 1"):
        found.add("record_id_duplicate", f"record_id {rid} is used {n} times across rows and "
                                         "rejects")
    for src, rid, tid, ri, sha, kind in conn.execute(
            f"SELECT o.src, o.record_id, o.table_id, o.row_index, o.source_sha256, c.kmax "
            f"FROM chk_out o LEFT JOIN chk_cells c ON c.table_id = o.table_id "
            f"AND c.row_index = o.row_index WHERE c.kmax IS NULL OR c.kmax NOT IN "
            f"{_in(DATA_KINDS)}"):
        if kind is None:
            found.add("row_without_cells", f"{src} record {rid}: table {tid} has no row {ri} "
                                           "in cells", sha256=sha)
        else:
            found.add("structure_row_normalized", f"{src} record {rid}: table {tid} row {ri} "
                                                  f"is a {kind} row", sha256=sha)
    for src, rid, tid, sha, tsha in conn.execute(
            "SELECT o.src, o.record_id, o.table_id, o.source_sha256, t.sha256 FROM chk_out o "
            "JOIN tables t ON t.table_id = o.table_id WHERE t.sha256 IS NOT o.source_sha256"):
        found.add("row_source_mismatch", f"{src} record {rid}: table {tid} is of document "
                                         f"{tsha}", sha256=sha)
    for src, rid, sha in conn.execute(
            "SELECT src, record_id, source_sha256 FROM chk_out o WHERE NOT EXISTS "
            "(SELECT 1 FROM documents d WHERE d.sha256 = o.source_sha256)"):
        found.add("row_orphan" if src == "rows" else "reject_orphan",
                  f"{src} record {rid}: its source document is not stored", sha256=sha)
    return conn.execute(f"SELECT COUNT(*) FROM chk_cells c JOIN tables t "
                        f"ON t.table_id = c.table_id WHERE {data} AND {claimed}").fetchone()[0]


def _check_provenance(conn: sqlite3.Connection, found: _Problems) -> None:
    """Every accepted row says where it came from (file, hash, page, box, method, confidence,
    link); every reject says why it was refused."""
    missing = " || ".join(
        f"CASE WHEN {_blank(c) if c not in ('page', 'confidence') else f'{c} IS NULL'} "
        f"THEN '{c} ' ELSE '' END" for c in ROW_PROVENANCE)
    for rid, path, sha, page, gaps in conn.execute(
            f"SELECT record_id, source_file, source_sha256, page, gaps FROM "
            f"(SELECT *, {missing} AS gaps FROM rows) WHERE gaps <> ''"):
        found.add("row_without_provenance", f"row {rid} lacks {gaps.strip().replace(' ', ', ')}",
                  path=path, sha256=sha, page=page)
    for rid, path, sha, page in conn.execute(
            f"SELECT record_id, source_file, source_sha256, page FROM rejects "
            f"WHERE {_blank('reasons')}"):
        found.add("reject_without_reason", f"reject {rid} has no reasons", path=path,
                  sha256=sha, page=page)
    # form fields are audited like rows: each says its page and box, on a stored page
    # (a store written before version 4 has no fields table)
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'fields'").fetchone():
        return
    for path, sha, page, label in conn.execute(
            f"SELECT f.source_file, f.sha256, f.page, f.label FROM fields f "
            f"LEFT JOIN pages p ON p.sha256 = f.sha256 AND p.page = f.page "
            f"WHERE {_blank('f.bbox')} OR p.page IS NULL"):
        found.add("field_without_provenance", f"field {label!r} has no box or no stored page",
                  path=path, sha256=sha, page=page)
