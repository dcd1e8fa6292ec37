"""Real public PDFs through the whole pipeline, asserting what their sources assert.

Ground truth strength: the NICS values and invariants are asserted by pdfplumber's own tests
(tests/test_nics_report.py) and by BuzzFeed News' cell-level parse; the WARN values by
pdfplumber's tests/test_ca_warn_report.py. See fixtures/real/PROVENANCE.md.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3

import pytest

from foia.run.pipeline import run_dump
from tests.conftest import REAL

NICS = "nics-background-checks-2015-11.pdf"
WARN = "WARN-Report-for-7-1-2015-to-03-25-2016.pdf"


@pytest.fixture(scope="module")
def real_db(tmp_path_factory):
    dump = tmp_path_factory.mktemp("real_dump")
    for name in (NICS, WARN):
        shutil.copy(REAL / name, dump / name)
    out = tmp_path_factory.mktemp("real_out")
    run_dump(dump, out, profile=None)
    conn = sqlite3.connect(out / "foia.sqlite")
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def table_rows(db, source_file: str) -> list[tuple[str, int, list[str]]]:
    """(row kind, page, cell texts) of the largest stored table of one document."""
    sha = db.execute("SELECT sha256 FROM documents WHERE path=?", (source_file,)).fetchone()[0]
    tid = db.execute("SELECT table_id FROM tables WHERE sha256=? ORDER BY nrows DESC LIMIT 1",
                     (sha,)).fetchone()[0]
    rows: dict[int, tuple[str, int, list[str]]] = {}
    for c in db.execute("SELECT row_index, row_kind, page, text FROM cells WHERE table_id=? "
                        "ORDER BY row_index, col", (tid,)):
        rows.setdefault(c["row_index"], (c["row_kind"], c["page"], []))[2].append(c["text"])
    return [rows[i] for i in sorted(rows)]


def num(text: str) -> int:
    return int(text.replace(",", "")) if text.strip() else 0


@pytest.mark.slow
def test_nics_every_cell_matches_source_parse(real_db):
    with (REAL / "nics-background-checks-2015-11.table.csv").open() as fh:
        expected = [r for r in csv.reader(fh)][1:]
    data = [cells for kind, _, cells in table_rows(real_db, NICS) if kind == "data"]
    assert len(data) == len(expected) == 55
    for got, want in zip(data, expected):
        assert [got[0]] + [c.replace(",", "") for c in got[1:]] == want


@pytest.mark.slow
def test_nics_rows_sum_to_totals_and_totals_row_to_columns(real_db):
    rows = table_rows(real_db, NICS)
    data = [cells for kind, _, cells in rows if kind == "data"]
    totals = [cells for kind, _, cells in rows if kind == "total"]
    by_state = {cells[0]: cells for cells in data}
    assert by_state["Alabama"][-1] == "71,137"
    assert by_state["Wyoming"][-1] == "5,017"
    for cells in data:  # each state's columns add up to its Totals column
        assert sum(num(c) for c in cells[1:-1]) == num(cells[-1]), cells[0]
    assert len(totals) == 1 and totals[0][-1] == "2,236,457"
    for col in range(1, len(totals[0])):  # the Totals row is the sum of every column
        assert sum(num(cells[col]) for cells in data) == num(totals[0][col]), col


@pytest.mark.slow
def test_nics_rows_carry_provenance(real_db):
    rows = real_db.execute("SELECT * FROM rows WHERE source_file=?", (NICS,)).fetchall()
    assert len(rows) == 56  # 55 states and territories + the Totals row
    for r in rows:
        x0, top, x1, bottom = json.loads(r["bbox"])
        assert 0 <= x0 < x1 <= 1008 and 0 <= top < bottom <= 612
        assert r["source_link"] == f"{NICS}#page=1" and r["method"].startswith("text:")


@pytest.mark.slow
def test_warn_report_first_row_and_stitched_pages(real_db):
    rows = table_rows(real_db, WARN)
    header = [cells for kind, _, cells in rows if kind == "header"]
    data = [(page, cells) for kind, page, cells in rows if kind == "data"]
    # pdfplumber's test compares columns 0-2 with the glyph spacing removed.
    first = data[0][1]
    assert [c.replace(" ", "") for c in first[:3]] + first[3:] == [
        "06/22/2015", "03/25/2016", "07/01/2015", "Maxim Integrated Product", "San Jose", "150",
        "Closure Permanent"]
    assert len(header) == 1, "the header repeated on every page is kept once"
    assert sum(1 for page, _ in data if page == 1) == 36  # 38 rules: header + 36 rows
    pages = sorted({page for page, _ in data})
    assert pages == list(range(1, 17)) or pages == list(range(1, 16))


def test_nics_spanning_header_labels_reach_every_column_they_span(real_db):
    """NICS prints "Pre-Pawn", "Redemption", "Returned/Disposition", "Rentals", "Private Sale"
    once over their Handgun / Long Gun (/ Other) columns; the flattened header carries each
    label on every column under it, in the page's order."""
    (header,) = real_db.execute(
        "SELECT t.header FROM tables t JOIN documents d ON d.sha256 = t.sha256 "
        "WHERE d.path = ?", (NICS,)).fetchone()
    header = json.loads(header)
    for label, subs in (("Pre-Pawn", ("Handgun", "Long Gun", "*Other")),
                        ("Redemption", ("Handgun", "Long Gun", "*Other")),
                        ("Returned/Disposition", ("Handgun", "Long Gun", "*Other")),
                        ("Rentals", ("Handgun", "Long Gun")),
                        ("Private Sale", ("Handgun", "Long Gun", "*Other")),
                        ("Return to Seller - Private Sale", ("Handgun", "Long Gun", "*Other"))):
        want = [f"{label} {s}" for s in subs]
        start = header.index(want[0])
        assert header[start:start + len(want)] == want, header
    assert header[:3] == ["State / Territory", "Permit", "Handgun"] and header[-1] == "Totals"


def test_warn_profile_types_every_notice():
    """The bundled WARN profile on pdfplumber's WARN report: every data row typed, none lost."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        dump, out = Path(tmp) / "dump", Path(tmp) / "out"
        dump.mkdir()
        shutil.copy(REAL / WARN, dump / WARN)
        run_dump(dump, out, profile="warn", workers=1)
        conn = sqlite3.connect(out / "foia.sqlite")
        rows = [json.loads(f) for (f,) in conn.execute(
            "SELECT fields FROM rows WHERE kind='warn_notices' ORDER BY page, row_index")]
        rejects = conn.execute("SELECT reasons, COUNT(*) FROM rejects GROUP BY 1").fetchall()
        conn.close()
    first = rows[0]  # pdfplumber's test asserts this first row (corpus expected.json)
    assert first["company"] == "Maxim Integrated Product"
    assert first["notice_date"] == "2015-06-22" and first["effective_date"] == "2016-03-25"
    assert first["employees"] == 150 and first["city"] == "San Jose"
    assert len(rows) >= 600 and sum(n for _, n in rejects) <= 0.02 * len(rows), rejects
    assert all(r["notice_date"] and r["notice_date"][:4] in ("2015", "2016") for r in rows)
