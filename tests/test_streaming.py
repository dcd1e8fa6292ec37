"""Long documents are streamed: tables go to the store part by part as they are stitched, and
normalization reads, normalizes and writes them in row chunks. Streaming must change nothing:
the store holds the same tables, cells, rows, rejects and findings as when a document is held
whole and normalized in one piece.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from extract.assemble import Stitcher, TableChain, stitch_tables
from extract.model import Cell, Table, TableRow
from extract.pdf import extract_pdf
from foia import store
from foia.run.pipeline import normalize_document
from normalize.corrections import Corrections
from normalize.profiles import load_profile
from tests.conftest import REAL, SAMPLE_DUMP

# Tables that run across pages: repeated headers (ruled), continuation without a header under a
# title (hrules), bad rows, and a five-year NICS report (one monthly table per page).
MULTI_PAGE = [SAMPLE_DUMP / "ddor-ruled.pdf", SAMPLE_DUMP / "ddor-hrules.pdf",
              SAMPLE_DUMP / "ddor-bad-rows.pdf", REAL / "nics-checks-five-years-p1-3.pdf"]


def _store(path: Path) -> sqlite3.Connection:
    conn = store.connect(path)
    return conn


def _dump_tables(conn: sqlite3.Connection) -> tuple[list, list, list]:
    tables = [tuple(r) for r in conn.execute("SELECT * FROM tables ORDER BY table_id")]
    cells = [tuple(r) for r in conn.execute(
        "SELECT * FROM cells ORDER BY table_id, row_index, col")]
    pages = [tuple(r) for r in conn.execute("SELECT * FROM pages ORDER BY page")]
    return tables, cells, pages


def _normalized(conn: sqlite3.Connection) -> tuple[list, list, list]:
    rows = [tuple(r) for r in conn.execute("SELECT * FROM rows ORDER BY rowid")]
    rejects = [tuple(r) for r in conn.execute("SELECT * FROM rejects ORDER BY rowid")]
    findings = [tuple(r) for r in conn.execute("SELECT * FROM findings ORDER BY rowid")]
    return rows, rejects, findings


@pytest.mark.parametrize("pdf", MULTI_PAGE, ids=lambda p: p.name)
def test_streamed_document_stores_what_the_whole_one_does(pdf, tmp_path):
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    whole = _store(tmp_path / "whole.sqlite")
    with whole:
        doc = extract_pdf(str(pdf), pdf.name, sha)
        store.write_document(whole, doc, "r", pdf.stat().st_size, "k")
    streamed = _store(tmp_path / "streamed.sqlite")
    with streamed:
        sdoc = extract_pdf(str(pdf), pdf.name, sha, sink=store.StoreSink(streamed, sha, pdf.name))
        store.write_document(streamed, sdoc, "r", pdf.stat().st_size, "k", pages_written=True)
    assert not any(p.tables for p in sdoc.pages)  # the tables went to the store, not memory
    assert any(p.tables for p in doc.pages)
    a, b = _dump_tables(whole), _dump_tables(streamed)
    assert len(a[0]) >= 2 and len(a[1]) > 100
    if pdf.parent == SAMPLE_DUMP:  # the DDORs' section II runs across pages: stitched
        assert any(len(json.loads(t[4])) > 1 for t in a[0])
    assert a == b


def test_chunked_normalization_equals_one_piece(tmp_path, monkeypatch):
    """ddor-bad-rows.pdf: a Total row that is not the sum (refused at the end of its table),
    a narrative count that disagrees, bad rows among good ones, a table over two pages."""
    pdf = SAMPLE_DUMP / "ddor-bad-rows.pdf"
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    profile = load_profile("ddor")
    results = []
    for chunk in (None, 3):
        conn = _store(tmp_path / f"c{chunk}.sqlite")
        with conn:
            store.write_document(conn, extract_pdf(str(pdf), pdf.name, sha), "r", 1, "k")
            monkeypatch.setattr(store, "ROW_CHUNK", chunk or 2000)
            normalize_document(conn, sha, pdf.name, profile, None, Corrections())
        results.append(_normalized(conn))
        conn.close()
    whole, chunked = results
    assert whole == chunked
    rows, rejects, findings = whole
    total = [j for j in rejects if "total_mismatch" in j[5]]
    assert len(total) == 1 and '"318"' in total[0][7]  # stated 318, the rows sum to 315
    assert not any(r[1] == total[0][1] and r[5] for r in rows)  # no Total row of that table
    assert any(f[2] == "total_mismatch" and f[6] == 318 and f[7] == 315 for f in findings)
    assert any(f[2] == "narrative_check" and f[3] == "mismatch" for f in findings)


class _Recorder:
    """A TableSink that notes when each part arrived."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int, int]] = []

    def table_rows(self, chain: TableChain, rows: tuple[TableRow, ...]) -> None:
        self.events.append(("rows", chain.index, len(rows)))

    def table_done(self, chain: TableChain) -> None:
        self.events.append(("done", chain.index, chain.nrows))


def _page_table(page: int, rows: int) -> Table:
    """A page's part of a long report: the header repeated, then `rows` data rows reaching
    the bottom of the page."""
    header = TableRow(tuple(Cell(h, (50.0 + 100 * i, 70.0, 140.0 + 100 * i, 80.0))
                            for i, h in enumerate(("County", "State", "Declined"))), page,
                      "header")
    body = tuple(TableRow(tuple(Cell(f"{page}-{r}-{c}", (50.0 + 100 * c, 80.0 + 20 * r,
                                                         140.0 + 100 * c, 95.0 + 20 * r))
                                for c in range(3)), page) for r in range(rows))
    return Table((header, *body), "layout", 0.9, page, (50.0, 70.0, 340.0, 95.0 + 20 * rows),
                 ("County", "State", "Declined"))


def test_stitcher_hands_each_part_on_as_it_is_read():
    """A 60-page table reaches the sink page by page, its repeated headers dropped; the whole
    stitch (stitch_tables) is the same table."""
    pages = [(n, 792.0, [_page_table(n, 30)]) for n in range(1, 61)]
    recorder = _Recorder()
    stitcher = Stitcher(recorder)
    for n, height, tables in pages:
        stitcher.add_page(n, height, tables)
        assert recorder.events[-1] == ("rows", 0, 31 if n == 1 else 30)  # this page, now
    stitcher.finish()
    assert recorder.events[-1] == ("done", 0, 1 + 60 * 30)
    assert sum(e[0] == "done" for e in recorder.events) == 1
    (whole,) = stitch_tables(pages)
    assert len(whole.rows) == 1 + 60 * 30 and whole.pages == list(range(1, 61))
    assert [r.kind for r in whole.rows].count("header") == 1
    assert whole.rows[-1].cells[0].text == "60-29-0"
