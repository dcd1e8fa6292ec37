"""One rule decides a document's status from its pages, for PDFs, images and sheets (issue 16:
pdf.py said `partial` when every page failed, images.py `error`, the runner its own rule)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from extract.model import DocumentResult, DocumentStatus, PageResult, PageStatus, settle_status
from foia.run.pipeline import run_dump

ROOT = Path(__file__).resolve().parents[1]


def _doc(*statuses: str, sheet: str | None = None) -> DocumentResult:
    doc = DocumentResult("0" * 64, "x", "pdf")
    doc.pages = [PageResult(n, "text", status=s, sheet=sheet,
                            error="boom" if s == PageStatus.ERROR else None)
                 for n, s in enumerate(statuses, start=1)]
    return doc


def test_every_page_failed_is_an_error_some_is_partial():
    doc = _doc(PageStatus.ERROR, PageStatus.ERROR)
    settle_status(doc)
    assert doc.status == DocumentStatus.ERROR and doc.error == "page 1: boom; page 2: boom"
    doc = _doc(PageStatus.OK, PageStatus.ERROR)
    settle_status(doc)
    assert doc.status == DocumentStatus.PARTIAL and doc.error == "page 2: boom"
    doc = _doc(PageStatus.OK, PageStatus.EMPTY, PageStatus.PENDING_OCR)
    settle_status(doc)
    assert doc.status == DocumentStatus.OK and doc.error is None


def test_a_limit_is_said_once_and_sheets_are_named():
    doc = _doc(PageStatus.OK, PageStatus.SKIPPED, PageStatus.SKIPPED)
    settle_status(doc, "2 pages past the limit of 1 not read")
    assert doc.status == DocumentStatus.PARTIAL
    assert doc.error == "2 pages past the limit of 1 not read"
    doc = _doc(PageStatus.OK, PageStatus.ERROR, sheet="Data")
    settle_status(doc)
    assert doc.error == "sheet 2 (Data): boom"


def test_a_file_that_cannot_be_opened_keeps_its_error():
    doc = DocumentResult("0" * 64, "x", "pdf", status=DocumentStatus.ERROR,
                         error="cannot open PDF: not a PDF")
    settle_status(doc)
    assert doc.status == DocumentStatus.ERROR and doc.error == "cannot open PDF: not a PDF"


def test_the_run_stores_the_same_statuses_for_every_kind(tmp_path):
    """A real run: the sample dump's corrupt PDF is an error, its other files ok, and every
    stored status is a word of the one vocabulary."""
    dump = tmp_path / "dump"
    dump.mkdir()
    for name in ("corrupt.pdf", "ddor-ruled.pdf", "ddor-counts.xlsx"):
        shutil.copy(ROOT / "fixtures" / "sample_dump" / name, dump)
    run_dump(dump, tmp_path / "out", workers=1)
    conn = sqlite3.connect(tmp_path / "out" / "foia.sqlite")
    docs = dict(conn.execute("SELECT path, status FROM documents"))
    pages = {r[0] for r in conn.execute("SELECT status FROM pages")}
    conn.close()
    assert docs.get("ddor-ruled.pdf") == "ok" and docs.get("ddor-counts.xlsx") == "ok"
    assert set(docs.values()) <= set(DocumentStatus)
    assert pages <= set(PageStatus)
