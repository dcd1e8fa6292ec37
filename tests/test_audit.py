"""`foia audit`: a row's page region as a PNG, checked by reading the PNG back.

The crop is OCR'd with tesseract (for real) and must contain the row's own cell texts, for a
born-digital row and for a row read by OCR from the scanned page of the sample dump.
"""

from __future__ import annotations

import json
import shutil
import sqlite3

import numpy as np
import pytesseract
import pytest
from click.testing import CliRunner
from PIL import Image
from rapidfuzz import fuzz

from foia.cli import main
from foia.inspect.audit import audit_png, load_record


def _pick(db: sqlite3.Connection, method_like: str) -> str:
    return db.execute(
        "SELECT record_id FROM rows WHERE method LIKE ? AND kind != 'total' "
        "ORDER BY source_file, page, row_index LIMIT 1", (method_like,)).fetchone()[0]


def _crop_text(png) -> str:
    """What tesseract reads in the PNG: the page's own (grey) pixels, without the coloured
    outlines the audit draws (they would split tesseract's lines), enlarged 2x."""
    rgb = np.asarray(Image.open(png).convert("RGB")).astype(int)
    colour = rgb.max(axis=2) - rgb.min(axis=2) > 60
    grey = rgb.mean(axis=2)
    grey[colour] = 255
    image = Image.fromarray(grey.astype(np.uint8))
    image = image.resize((image.width * 2, image.height * 2), Image.LANCZOS)
    return " ".join(pytesseract.image_to_string(image, config="--psm 6").split())


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
    from foia.inspect.sources import SourceNotFound
    with pytest.raises(SourceNotFound):
        audit_png(conn, record, tmp_path / "x.png", dump=fake)
    assert json.loads(record.data["bbox"])  # the record itself is intact


def _assert_crop_shows(png, record) -> None:
    text = _crop_text(png)
    cells = [c["text"] for c in record.cells if c["text"] and len(c["text"]) >= 3]
    assert cells
    for cell in cells:
        assert fuzz.partial_ratio(cell.upper(), text.upper()) >= 85, (cell, text)


def test_audit_of_a_zip_member_row(sample_db, tmp_path):
    rid = sample_db.execute("SELECT record_id FROM rows WHERE source_file LIKE 'week2.zip/%.pdf'"
                            " AND kind != 'total' LIMIT 1").fetchone()[0]
    record = load_record(sample_db, rid)
    _assert_crop_shows(audit_png(sample_db, record, tmp_path / "z.png"), record)


def _one_file_store(tmp_path, make) -> sqlite3.Connection:
    """The store of a run on a dump of one file, which `make(dump_folder)` writes."""
    from foia.run.pipeline import run_dump

    dump = tmp_path / "dump"
    dump.mkdir()
    make(dump)
    run_dump(dump, tmp_path / "out", workers=1)
    conn = sqlite3.connect(tmp_path / "out" / "foia.sqlite")
    conn.row_factory = sqlite3.Row
    return conn


def test_audit_of_an_image_file_row(tmp_path):
    from tests.conftest import FIXTURES

    conn = _one_file_store(tmp_path, lambda dump: shutil.copy(
        FIXTURES / "scans" / "scan-page.png", dump / "scan-page.png"))
    rid = conn.execute("SELECT record_id FROM rows WHERE kind != 'total' "
                       "ORDER BY row_index LIMIT 1 OFFSET 2").fetchone()[0]
    record = load_record(conn, rid)
    _assert_crop_shows(audit_png(conn, record, tmp_path / "i.png"), record)


def test_audit_of_a_page_with_a_cropbox(tmp_path):
    """pdfplumber's boxes start at the MediaBox; the image must too, not at the CropBox."""
    from reportlab.pdfgen import canvas

    def make(dump):
        c = canvas.Canvas(str(dump / "cropped.pdf"), pagesize=(612, 792))
        c.setCropBox((60, 60, 560, 740))
        c.setFont("Helvetica", 11)
        rows = [("County", "State", "Declined Detainers"), ("Cook", "IL", "25"),
                ("Travis County", "TX", "39"), ("Hennepin", "MN", "27"), ("Total", "", "91")]
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                c.drawString(100 + 150 * j, 600 - 22 * i, text)
        c.save()

    conn = _one_file_store(tmp_path, make)
    rid = conn.execute("SELECT record_id FROM rows "
                       "WHERE json_extract(fields, '$.jurisdiction_raw') = 'Travis County'"
                       ).fetchone()[0]
    record = load_record(conn, rid)
    _assert_crop_shows(audit_png(conn, record, tmp_path / "c.png"), record)


def test_audit_of_a_gzip_member_row(tmp_path):
    """A PDF shipped as `.pdf.gz`: the row's source is the member, read back out of the gzip
    (its sha256 checked) to draw the page."""
    import gzip

    from tests.conftest import SAMPLE_DUMP

    conn = _one_file_store(tmp_path, lambda dump: (dump / "ddor-ruled.pdf.gz").write_bytes(
        gzip.compress((SAMPLE_DUMP / "ddor-ruled.pdf").read_bytes())))
    rid, source = conn.execute("SELECT record_id, source_file FROM rows WHERE kind != 'total' "
                               "ORDER BY row_index LIMIT 1 OFFSET 3").fetchone()
    assert source == "ddor-ruled.pdf.gz/ddor-ruled.pdf"
    record = load_record(conn, rid)
    _assert_crop_shows(audit_png(conn, record, tmp_path / "g.png"), record)


def test_a_gzip_that_now_unpacks_without_end_is_not_read_into_memory(tmp_path):
    """After the run, the `.pdf.gz` is replaced by a gzip of 300 MiB of zeros: the audit stops
    unpacking at the largest size the run recorded for that path, and says the source changed
    (it does not hold 300 MiB to find out)."""
    import gzip
    import tracemalloc

    from foia.inspect.sources import SourceNotFound, source_bytes
    from tests.conftest import SAMPLE_DUMP

    conn = _one_file_store(tmp_path, lambda dump: (dump / "ddor-ruled.pdf.gz").write_bytes(
        gzip.compress((SAMPLE_DUMP / "ddor-ruled.pdf").read_bytes())))
    source, sha = conn.execute("SELECT source_file, source_sha256 FROM rows LIMIT 1").fetchone()
    assert source_bytes(conn, source, sha)[:5] == b"%PDF-"
    bomb = tmp_path / "bomb.gz"
    with gzip.open(bomb, "wb", compresslevel=1) as fh:
        for _ in range(300):
            fh.write(bytes(1 << 20))
    (tmp_path / "dump" / "ddor-ruled.pdf.gz").write_bytes(bomb.read_bytes())
    tracemalloc.start()  # the peak of this call alone, whatever the process held before
    try:
        with pytest.raises(SourceNotFound):
            source_bytes(conn, source, sha)
        peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak_mib < 50, peak_mib
