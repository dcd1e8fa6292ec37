"""Drawn checkboxes read as `checked` / `unchecked` cell values.

Real document: natural-pdf's practice inspection form (fixtures/real/01-practice.pdf; its
'Repeat?' column is drawn boxes, three of them ticked with an X of two lines). Ground truth is
the hand transcription in inspection-form.table.csv (see fixtures/real/PROVENANCE.md).
The built PDFs below check what must not count as a checkbox.
"""

from __future__ import annotations

import csv

import pdfplumber
from reportlab.pdfgen import canvas

from extract.checkboxes import find_checkboxes
from extract.page_layout import read_page_layout
from extract.pdf import extract_pdf
from tests.conftest import REAL


def test_inspection_form_checkbox_column():
    doc = extract_pdf(str(REAL / "01-practice.pdf"), "01-practice.pdf", "0" * 64)
    (table,) = [t for p in doc.pages for t in p.tables]
    with open(REAL / "inspection-form.table.csv", newline="", encoding="utf-8") as fh:
        truth = list(csv.reader(fh))
    assert [r.texts for r in table.rows] == truth
    assert table.rows[0].kind == "header"
    # the value sits where the box is drawn on the page
    with pdfplumber.open(REAL / "01-practice.pdf") as pdf:
        rects = [r for r in pdf.pages[0].rects if r["x1"] - r["x0"] < 12]
    cell = table.rows[1].cells[3]
    assert any(cell.bbox[0] <= r["x0"] and r["x1"] <= cell.bbox[2] + 0.5 for r in rects)


def _pdf(path, draw) -> None:
    c = canvas.Canvas(str(path), pagesize=(400, 300))
    c.setFont("Helvetica", 10)
    draw(c)
    c.save()


def _boxes(path):
    with pdfplumber.open(path) as pdf:
        layout = read_page_layout(pdf.pages[0], 1)
    return layout.checkboxes


def test_grid_cells_are_not_checkboxes(tmp_path):
    """A ruled grid of one-character square cells, some empty: cells, not boxes to tick."""
    def draw(c):
        for i in range(8):
            for j in range(4):
                c.rect(50 + 12 * i, 200 - 12 * j, 12, 12)
                if (i + j) % 3 == 0:
                    c.drawString(53 + 12 * i, 203 - 12 * j, str(i))
        c.drawString(50, 100, "A line of text so the page has a character size.")
    _pdf(tmp_path / "grid.pdf", draw)
    assert _boxes(tmp_path / "grid.pdf") == []


def test_ticks_by_lines_and_by_glyph_and_empty(tmp_path):
    def draw(c):
        c.drawString(50, 250, "Item one")
        c.rect(150, 248, 9, 9)  # ticked with a drawn check mark (two lines)
        c.line(151, 252, 154, 249)
        c.line(154, 249, 158, 256)
        c.drawString(50, 230, "Item two")
        c.rect(150, 228, 9, 9)  # empty
        c.drawString(50, 210, "Item three")
        c.rect(150, 208, 9, 9)  # ticked with a letter X typed inside
        c.drawString(152, 210, "X")
        c.drawString(50, 190, "Item four")
        c.rect(150, 188, 9, 9)  # a box holding a word is a frame, not a checkbox
        c.drawString(151, 190, "ok")
    _pdf(tmp_path / "ticks.pdf", draw)
    boxes = sorted(_boxes(tmp_path / "ticks.pdf"), key=lambda b: b.bbox[1])
    assert [b.checked for b in boxes] == [True, False, True]
    assert all(abs((b.bbox[2] - b.bbox[0]) - 9) < 0.5 for b in boxes)


def test_find_checkboxes_needs_square_about_one_character():
    rect = {"x0": 10, "top": 10, "x1": 40, "bottom": 19, "stroke": True, "fill": False}
    assert find_checkboxes([rect], [], [], [], 10.0) == []  # a wide frame
    small = {**rect, "x1": 19}
    (box,) = find_checkboxes([small], [], [], [], 10.0)
    assert not box.checked


def test_checkbox_column_in_a_table_reads_one_state_per_cell(tmp_path):
    """A ruled table whose last column holds boxes, two ticked with a typed X: each cell
    reads `checked` or `unchecked`, never the tick glyph beside it."""
    path = tmp_path / "form.pdf"

    def draw(c):
        rows = [("Item", "Done?"), ("Fire exits", None), ("Extinguishers", "X"),
                ("First aid kit", None), ("Alarm test", "X")]
        top = 250
        for i, (label, tick) in enumerate(rows):
            y = top - 20 * i
            c.rect(50, y - 6, 150, 20)
            c.rect(200, y - 6, 60, 20)
            c.drawString(55, y, label)
            if i == 0:
                c.drawString(205, y, tick)
                continue
            c.rect(225, y - 2, 9, 9)
            if tick:
                c.drawString(226.5, y - 0.5, tick)
    _pdf(path, draw)
    doc = extract_pdf(str(path), "form.pdf", "0" * 64)
    (table,) = [t for p in doc.pages for t in p.tables]
    assert [r.texts for r in table.rows] == [
        ["Item", "Done?"], ["Fire exits", "unchecked"], ["Extinguishers", "checked"],
        ["First aid kit", "unchecked"], ["Alarm test", "checked"]]
