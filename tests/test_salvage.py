"""A truncated PDF (an interrupted download) is salvaged, not lost (issue 17, shape 8).

The California WARN report (fixtures/real, from pdfplumber's own test suite) cut at 60 % of its
bytes: pdfminer cannot open it ("No /Root object"), and the whole file used to be an internal
error. pdfium rebuilds its cross-reference on opening; the pages before the break are read from
that repair, at their own page numbers, and the document is `partial` with the reason. The
values asserted on page 1 are pdfplumber's test's (fixtures/real/PROVENANCE.md).
"""

from __future__ import annotations

import pytest

from extract.model import DocumentStatus
from extract.pdf import extract_pdf
from foia.run.pipeline import run_dump
from foia.store.check import check_store
from tests.conftest import REAL

WARN = REAL / "WARN-Report-for-7-1-2015-to-03-25-2016.pdf"


@pytest.fixture(scope="module")
def truncated(tmp_path_factory):
    data = WARN.read_bytes()
    path = tmp_path_factory.mktemp("salvage") / "warn-interrupted-download.pdf"
    path.write_bytes(data[: len(data) * 6 // 10])
    return path


def test_the_pages_before_the_break_yield_their_rows(truncated):
    doc = extract_pdf(str(truncated), truncated.name, "0" * 64)
    assert doc.status == DocumentStatus.PARTIAL
    assert "damaged file" in doc.error and "content past the break is lost" in doc.error
    data = [(r.page, r.texts) for p in doc.pages for t in p.tables for r in t.rows
            if r.kind == "data"]
    first = data[0][1]
    # pdfplumber's test_ca_warn_report: the first data row, columns 0-2 without spaces
    assert [c.replace(" ", "") for c in first[:3]] + first[3:5] == [
        "06/22/2015", "03/25/2016", "07/01/2015", "Maxim Integrated Product", "San Jose"]
    assert sum(1 for page, _ in data if page == 1) == 36  # 38 rules: header + 36 rows
    assert {page for page, _ in data} >= set(range(1, 10))  # the first pages all yield rows


def test_a_run_records_the_salvaged_file_as_partial_with_rows(truncated, tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / truncated.name).write_bytes(truncated.read_bytes())
    summary = run_dump(dump, tmp_path / "out", profile="warn", workers=1)
    assert summary.documents["partial"] == 1 and summary.rows >= 300
    assert summary.files["ok"] == 1 and summary.errors >= 1  # the damage is recorded
    assert check_store(tmp_path / "out", dump).ok  # every page and row accounted for
