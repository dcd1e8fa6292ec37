"""Engine selection against the page's own evidence, on camelot's real test documents.

Ground truth: camelot's own test suite asserts these tables (the `*.table-N.csv` files are the
DataFrames camelot's tests expect, copied with provenance into fixtures/real/). Our tables are
compared with them row for row, after the same whitespace normalization the benchmark uses
(a line break inside a cell is a space).
"""

from __future__ import annotations

import csv

import pdfplumber
import pytest

from extract.engines import camelot_tables, pdfplumber_tables
from extract.evidence import cut_rate, evidence_factor, stack_rate
from extract.page_layout import read_page_layout, visible_page
from extract.pdf import extract_pdf
from extract.select import score_table
from tests.conftest import REAL


def truth_rows(name: str) -> list[list[str]]:
    with open(REAL / name, newline="", encoding="utf-8") as fh:
        return [[" ".join(c.split()) for c in row] for row in csv.reader(fh)]


def page_tables(name: str, page: int = 1):
    doc = extract_pdf(str(REAL / name), name, "0" * 64)
    return doc.pages[page - 1]


def layout_of(name: str, page: int = 1):
    pdf = pdfplumber.open(REAL / name)
    plumber = visible_page(pdf.pages[page - 1])
    return pdf, plumber, read_page_layout(plumber, page, visible=True)


def test_two_ruled_tables_with_a_title_between_come_out_apart():
    """twotables_2: two ruled 8-column tables with 'Table 7 : DISTRIBUTION ...' between them.
    A rule under one table and a title line over the next must not chain them into one."""
    page = page_tables("twotables_2.pdf")
    assert len(page.tables) == 2
    for table, truth_csv in zip(page.tables, ("twotables_2.table-1.csv",
                                              "twotables_2.table-2.csv")):
        truth = truth_rows(truth_csv)
        data = [r.texts for r in table.rows if r.kind != "header"]
        assert data == truth[2:]  # the 11 rows under camelot's two header rows, cell for cell
        assert table.ncols == 8
    assert page.tables[0].bbox[3] < page.tables[1].bbox[1]  # one above the other
    assert page.tables[1].rows[1].texts[:3] == ["Kerala", "2400", "8.8"]


def test_spanning_cells_choose_the_ruled_reading():
    """column_span_2: cells spanning columns and rows. The text builder cannot see columns
    the vertical rules draw only in some rows; pdfplumber's ruled reading can, and the page's
    rules (a rule runs through the builder's 'Age/Sex/ Preva- C.I*' cell) say so."""
    page = page_tables("column_span_2.pdf")
    assert len(page.tables) == 1
    table = page.tables[0]
    assert [r.texts for r in table.rows] == truth_rows("column_span_2.table-1.csv")
    # the spans drawn on the page are kept as covered cells, not missing values
    assert any(c.covered for r in table.rows for c in r.cells)


def test_evidence_rates_on_the_page():
    pdf, plumber, layout = layout_of("column_span_2.pdf")
    with pdf:
        text = pdfplumber_tables(plumber, layout, "text")
        lines = pdfplumber_tables(plumber, layout, "lines")
    # pdfplumber's text strategy cuts words between cells ("The samp" | "le size")
    assert max(cut_rate(t, layout.words, layout.char_size) for t in text) > 0.2
    assert max(evidence_factor(t, layout) for t in text) < 0.2
    # the ruled reading is clean, and its spans do not count as missing cells
    ruled = max(lines, key=lambda t: len(t.rows))
    assert evidence_factor(ruled, layout) == 1.0
    assert score_table(ruled) > 0.9


def test_lattice_reading_that_stacks_rows_is_doubted():
    """12s0324 (two Statistical Abstract tables with few rules): camelot lattice reads each as
    3 rows whose cells hold a whole column of numbers; the stack rate says so."""
    pdf, _, layout = layout_of("12s0324.pdf")
    pdf.close()
    found = camelot_tables(str(REAL / "12s0324.pdf"), [1], "lattice", {1: layout.height})[1]
    assert found and all(stack_rate(t, layout.words, layout.char_size) > 0.3 for t in found)
    assert all(evidence_factor(t, layout) <= 0.1 for t in found)


def test_sideways_page_read_upright():
    """clockwise_table_1: a landscape table printed sideways (text runs down the page). It
    comes out with states as rows, as camelot's test expects, and its boxes on the page."""
    page = page_tables("clockwise_table_1.pdf")
    assert page.rotation == 270
    assert (page.width, page.height) == (612.0, 792.0)
    truth = truth_rows("clockwise_table_1.table-1.csv")
    (table,) = page.tables
    rows = [r.texts for r in table.rows]
    for expected in truth[2:]:  # every state row, cell for cell
        assert expected in rows
    # the Kerala row's box, mapped back to the page, holds the page's own 'Kerala' glyphs
    with pdfplumber.open(REAL / "clockwise_table_1.pdf") as pdf:
        chars = pdf.pages[0].chars
    k = next(i for i, c in enumerate(chars)
             if "".join(ch["text"] for ch in chars[i:i + 6]) == "Kerala")
    kx = (chars[k]["x0"] + chars[k]["x1"]) / 2
    ky = (chars[k]["top"] + chars[k + 5]["bottom"]) / 2
    kerala = next(r for r in table.rows if r.texts[0] == "Kerala")
    x0, top, x1, bottom = kerala.bbox
    assert x0 <= kx <= x1 and top <= ky <= bottom
    assert bottom - top > 4 * (x1 - x0)  # a sideways row is tall and narrow on the page
    # stored words are in the page's frame too
    word = next(w for w in page.words if w.text == "Kerala")
    assert word.x0 <= kx <= word.x1


@pytest.mark.parametrize("name", ["twotables_2.pdf", "column_span_2.pdf"])
def test_upright_pages_are_not_turned(name):
    assert page_tables(name).rotation == 0


def test_text_running_up_the_page_is_read_after_a_quarter_turn(tmp_path):
    """A table printed reading bottom-to-top (rotated 90° counter-clockwise): turned 90°
    clockwise, its rows come out as rows, boxes back on the page where the glyphs are."""
    from reportlab.pdfgen import canvas

    rows = [("County", "State", "Declined"), ("Cook", "IL", "25"), ("Travis", "TX", "39"),
            ("Hennepin", "MN", "27"), ("Suffolk", "MA", "12")]
    path = tmp_path / "up.pdf"
    c = canvas.Canvas(str(path), pagesize=(612, 792))
    c.setFont("Helvetica", 10)
    c.saveState()
    c.translate(300, 100)
    c.rotate(90)  # baseline runs up the page
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            c.drawString(120 * j, -18 * i, text)
    c.restoreState()
    c.save()
    page = page_tables_at(path)
    assert page.rotation == 90
    (table,) = page.tables
    assert [r.texts for r in table.rows] == [list(r) for r in rows]
    with pdfplumber.open(path) as pdf:
        cook = [ch for ch in pdf.pages[0].chars if ch["text"] == "C" and ch["top"] < 700]
    box = next(r for r in table.rows if r.texts[0] == "Cook").cells[0].bbox
    assert any(box[0] - 1 <= ch["x0"] and ch["x1"] <= box[2] + 1
               and box[1] - 1 <= ch["top"] and ch["bottom"] <= box[3] + 1 for ch in cook)


def page_tables_at(path):
    return extract_pdf(str(path), path.name, "0" * 64).pages[0]
