"""Text the page does not show stays out of cells (covered overflow, clipped runs)."""

from __future__ import annotations

import csv

import pdfplumber

from extract.pdf import extract_pdf
from extract.visibility import hidden_chars
from tests.conftest import FIXTURES

REAL = FIXTURES / "real"
PDF = REAL / "nics-checks-five-years-p1-3.pdf"
MONTHS = {2: "2023-09", 3: "2023-08"}  # the excerpt's pages, newest month first


def _truth() -> dict[tuple[str, str], list[int]]:
    with (REAL / "nics-checks-five-years-p1-3.table.csv").open(encoding="utf-8") as fh:
        return {(r["month"], r["state"]): [int(v) for k, v in r.items()
                                           if k not in ("month", "state")]
                for r in csv.DictReader(fh)}


def test_covered_state_names_are_found_hidden():
    """In the column before the totals the page prints one digit per state; the text layer also
    holds each state's name there, painted over by the column's background."""
    with pdfplumber.open(PDF) as pdf:
        page = pdf.pages[1]
        hidden = hidden_chars(page)
        column = [c for c in page.chars if 712 <= c["x0"] <= 726 and 105 <= c["top"] <= 570
                  and c["text"].strip()]
    shown = [c["text"] for c in column
             if (c["text"], round(c["x0"], 2), round(c["top"], 2)) not in hidden]
    assert sum(ch.isalpha() for ch in (c["text"] for c in column)) >= 55  # the names are there
    assert len(shown) >= 50 and all(t.isdigit() for t in shown)  # and only the digits show


def test_every_cell_of_both_months_read_as_printed():
    truth = _truth()
    doc = extract_pdf(str(PDF), PDF.name, "x")
    got = {}
    for page in doc.pages:
        for table in page.tables:
            for row in table.rows:
                cells = [c.strip() for c in row.texts]
                if row.page not in MONTHS or (MONTHS[row.page], cells[0]) not in truth:
                    continue
                assert not any("Ala" in c or ".." in c for c in cells[1:]), cells
                got[(MONTHS[row.page], cells[0])] = [int(c.replace(",", "")) for c in cells[1:]
                                                     if c]
    assert got.keys() == truth.keys()
    wrong = {k: (got[k], v) for k, v in truth.items() if got[k] != v}
    assert not wrong, list(wrong.items())[:2]
