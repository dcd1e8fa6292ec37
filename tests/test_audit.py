"""`foia audit`: a row's page region as a PNG, checked by reading the PNG back.

The crop is OCR'd with tesseract (for real) and must contain the row's own cell texts, for a
born-digital row and for a row read by OCR from the scanned page of the sample dump.
"""

from __future__ import annotations

import json
import sqlite3

import pytesseract
import pytest
from click.testing import CliRunner
from PIL import Image
from rapidfuzz import fuzz

from foia.audit import audit_png, load_record
from foia.cli import main


def _pick(db: sqlite3.Connection, method_like: str) -> str:
    return db.execute(
        "SELECT record_id FROM rows WHERE method LIKE ? AND kind != 'total' "
        "ORDER BY source_file, page, row_index LIMIT 1", (method_like,)).fetchone()[0]


def _crop_text(png) -> str:
    return " ".join(pytesseract.image_to_string(Image.open(png), config="--psm 6").split())


@pytest.mark.parametrize("method", ["text:%", "ocr:%"])
def test_audit_png_shows_the_row(sample_run, sample_db, tmp_path, method):
    _, out = sample_run
    record = load_record(sample_db, _pick(sample_db, method))
    png = audit_png(sample_db, record, tmp_path / "row.png")
    image = Image.open(png)
    x0, top, x1, bottom = record.bbox
    # the crop is the row plus context at 2 px per point, never less than the row itself
    assert image.width >= (x1 - x0) * 2 - 2 and image.height >= (bottom - top) * 2
    text = _crop_text(png)
    cells = [c["text"] for c in record.cells if c["text"] and len(c["text"]) >= 3]
    assert cells
    for cell in cells:
        assert fuzz.partial_ratio(cell.upper(), text.upper()) >= 85, (cell, text)


def test_audit_command_prints_provenance_and_writes_png(sample_run, sample_db, tmp_path):
    _, out = sample_run
    rid = _pick(sample_db, "text:%")
    png = tmp_path / "a.png"
    result = CliRunner().invoke(main, ["audit", rid, "--out", str(out), "--png", str(png)])
    assert result.exit_code == 0, result.output
    link = sample_db.execute("SELECT source_link FROM rows WHERE record_id=?", (rid,)).fetchone()
    assert link[0] in result.output and "text:" in result.output
    assert png.exists() and Image.open(png).format == "PNG"


def test_audit_of_a_sheet_row_says_there_is_no_image(sample_run, sample_db):
    _, out = sample_run
    rid = sample_db.execute("SELECT record_id FROM rows WHERE source_link LIKE '%#sheet=%' "
                            "LIMIT 1").fetchone()[0]
    result = CliRunner().invoke(main, ["audit", rid, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "spreadsheet row" in result.output


def test_audit_refuses_a_changed_source(sample_run, sample_db, tmp_path):
    """The dump named with --dump holds a different file under the same name: no image of
    the wrong page, a clear error instead."""
    _, out = sample_run
    rid = _pick(sample_db, "text:%")
    record = load_record(sample_db, rid)
    fake = tmp_path / "dump"
    target = fake / record.data["source_file"]
    target.parent.mkdir(parents=True)
    target.write_bytes(b"%PDF-1.4 not the same file")
    conn = sqlite3.connect(":memory:")  # a store whose runs name no dump: only --dump is tried
    conn.execute("CREATE TABLE runs (dump TEXT, started TEXT)")
    from foia.sources import SourceNotFound
    with pytest.raises(SourceNotFound):
        audit_png(conn, record, tmp_path / "x.png", dump=fake)
    assert json.loads(record.data["bbox"])  # the record itself is intact
