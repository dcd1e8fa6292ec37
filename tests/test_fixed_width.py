"""Fixed-width reports with dash-underlined headers and two-line records.

Real document: the San Jose Police Department firearm search report from pdfplumber's examples
(fixtures/real/san-jose-pd-firearm-sample.pdf). Truth: the 12 records on page 1 as pdfplumber's
notebook parses them (san-jose-pd-firearm-sample.table.csv; see fixtures/real/PROVENANCE.md).
"""

from __future__ import annotations

import csv

from extract.fixed_width import fixed_width_tables
from extract.model import Word
from extract.page_layout import PageLayout
from extract.pdf import extract_pdf
from tests.conftest import REAL

SAN_JOSE = "san-jose-pd-firearm-sample.pdf"


def test_two_line_records_read_as_one_row_each():
    doc = extract_pdf(str(REAL / SAN_JOSE), SAN_JOSE, "0" * 64)
    (table,) = doc.pages[0].tables
    assert table.engine == "fixed-width"
    with open(REAL / "san-jose-pd-firearm-sample.table.csv", newline="", encoding="utf-8") as fh:
        truth = list(csv.reader(fh))[1:]  # its first line is field names, not printed
    assert [r.texts for r in table.rows if r.kind == "data"] == truth
    assert table.header == ("TYPE", "ITEM", "MAKE", "MODEL", "CALIBRE", "STATUS", "FLAGS",
                            "SERIAL NUMBER", "REPORT/TAG NUMBER", "CASE/FILE NUMBER",
                            "STORAGE LOCATION")
    # every cell that holds a value has its own box; a record's box spans its two lines
    first = next(r for r in table.rows if r.kind == "data")
    assert all(c.bbox is not None for c in first.cells if c.text)
    assert first.bbox[3] - first.bbox[1] > 1.5 * (first.cells[0].bbox[3] - first.cells[0].bbox[1])


def _line(y: float, items: list[tuple[str, float]], width: float = 4.8) -> list[Word]:
    return [Word(t, x, y, x + width * len(t), y + 8, size=8) for t, x in items]


def test_dashes_that_underline_nothing_are_no_header():
    """A separator of dash runs under a prose line is not a column header."""
    words = [
        *_line(10, [("Summary", 20), ("of", 60), ("the", 75), ("report", 95)]),
        *_line(18, [("-----", 20), ("-----", 140)]),
        *_line(26, [("alpha", 20), ("beta", 140)]),
        *_line(34, [("gamma", 20), ("delta", 140)]),
    ]
    layout = PageLayout(1, 600, 800, words, char_size=8.0)
    assert fixed_width_tables(layout) == []


def test_single_schema_with_one_space_gutters():
    """Columns one space apart, told apart only by the dashes under their labels."""
    words = [
        *_line(10, [("ID", 20), ("CODE", 45), ("NAME", 70)]),
        *_line(18, [("----", 20), ("----", 45), ("--------", 70)]),
        *_line(26, [("1234", 20), ("AB12", 45), ("SMITH", 70)]),
        *_line(34, [("5678", 20), ("CD34", 45), ("JONES", 70)]),
    ]
    layout = PageLayout(1, 600, 800, words, char_size=8.0)
    (table,) = fixed_width_tables(layout)
    assert [r.texts for r in table.rows] == [["ID", "CODE", "NAME"],
                                              ["1234", "AB12", "SMITH"],
                                              ["5678", "CD34", "JONES"]]


def test_remark_line_inside_the_report_keeps_the_records_after_it():
    """A line that fits no schema ("REMARK: ...") is page text; the records after it stay."""
    words = [*_line(10, [("ID", 20), ("NAME", 70)]),
             *_line(18, [("----", 20), ("--------", 70)])]
    y = 26
    for i in range(6):
        if i == 3:
            words += _line(y, [("REMARK:", 35), ("see", 110), ("attached", 140)])
            y += 8
        words += _line(y, [(f"10{i}", 20), (f"NAME{i}", 70)])
        y += 8
    layout = PageLayout(1, 600, 800, words, char_size=8.0)
    (table,) = fixed_width_tables(layout)
    assert [r.texts[0] for r in table.rows if r.kind == "data"] == [f"10{i}" for i in range(6)]
