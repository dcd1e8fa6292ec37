"""Hostile and broken input: every bad file ends as an error with a specific reason, the rest of
the dump is processed as if the bad files were not there, and nothing is written outside the
output folder.

One real `foia run` (subprocess, the CLI) over a dump of hostile files built here, mixed with
good fixtures, against a clean run over the good fixtures alone.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import shutil
import sqlite3
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_DUMP

GOOD = ("ddor-ruled.pdf", "counts-mismatch.csv", "ddor-counts.xlsx")
FOIA = [sys.executable, "-m", "foia.cli"]
WEIRD_NAME = "Release 2017 (final) — Doña Ana; $(touch pwned) `id` 'x' & y.csv"
CSV_BODY = "County,State,Declined Detainers\nDoña Ana,NM,4\nCook,IL,7\nKing,WA,3\n"


def _raw_pdf(content: bytes) -> bytes:
    """A one-page PDF around a content stream, written by hand (fast for huge streams)."""
    packed = zlib.compress(content)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed
            + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objs) + 1, xref))
    return out.getvalue()


def _slow_page() -> bytes:
    """A page of text drawn over with 300,000 tiny strokes: pdfminer needs over a minute for it
    (11 s for 50,000 on an idle machine; about 20 s for this page on the 2-core CI machine, so a
    20 s timeout let it through now and then), far past the test's 8 s page timeout."""
    rng = random.Random(8)
    strokes = b"".join(b"%.1f %.1f m %.1f %.1f l S\n" % (x, y, x + 0.4, y + 0.4)
                       for x, y in ((rng.uniform(20, 590), rng.uniform(20, 700))
                                    for _ in range(300_000)))
    return _raw_pdf(b"BT /F1 10 Tf 50 750 Td (A page drawn with very many strokes) Tj ET\n"
                    + strokes)


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels, with a tiny (invalid) body."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def _encrypted(src: Path, password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=password, owner_password=password + "-owner",
                   algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _million_empty_rows_xlsx(path: Path) -> None:
    """An xlsx with 3 data rows and then 1,000,000 empty (formatted) rows: a real export fault."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "counts"
    for row in (("County", "State", "Declined Detainers"), ("Cook", "IL", 7),
                ("King", "WA", 3), ("Travis", "TX", 5)):
        ws.append(row)
    wb.save(path)
    with zipfile.ZipFile(path) as zin:
        members = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    empty = "".join(f'<row r="{r}" s="1" customFormat="1"/>' for r in range(5, 1_000_005))
    sheet = sheet.replace("</sheetData>", empty + "</sheetData>")
    sheet = sheet.replace('<dimension ref="A1:C4"/>', '<dimension ref="A1:C1000004"/>')
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)


def build_hostile(dump: Path, outside: Path) -> dict[str, str]:
    """Hostile files in `dump` → the words their error must contain (path → reason)."""
    good_pdf = SAMPLE_DUMP / "ddor-whitespace.pdf"
    expect: dict[str, str] = {}

    def put(name: str, data: bytes, reason: str) -> None:
        (dump / name).write_bytes(data)
        expect[name] = reason

    put("zero-bytes.pdf", b"", "empty file (0 bytes)")
    put("error-page.pdf", b"<!DOCTYPE html><html><head><title>404</title></head><body>"
        b"<h1>Not Found</h1></body></html>\n", "not a PDF file: its content is HTML")
    data = good_pdf.read_bytes()
    put("truncated.pdf", data[: len(data) // 3], "cannot open PDF")
    put("garbage.pdf", b"%PDF-1.7\n" + random.Random(3).randbytes(20_000), "cannot open PDF")
    put("locked.pdf", _encrypted(good_pdf, "not-the-one"),
        "encrypted: none of the passwords given opens it")
    put("bomb.png", _png_header(100_000, 100_000), "decompression bomb")
    put("zip-slip.zip", _zip({"../escaped.csv": CSV_BODY.encode(),
                              "/tmp/absolute-escape.csv": CSV_BODY.encode()}), "")
    expect["zip-slip.zip/../escaped.csv"] = "unsafe member: '..' component"
    expect["zip-slip.zip//tmp/absolute-escape.csv"] = "unsafe member: absolute path"
    put("zip-bomb.zip", _zip({"zeros.csv": b"0" * (60 * 2**20)}), "")
    expect["zip-bomb.zip/zeros.csv"] = "compression ratio exceeds"
    put("gzip-bomb.csv.gz", gzip.compress(b"0" * (60 * 2**20)), "compression ratio exceeds")
    nested = _zip({"deepest.csv": CSV_BODY.encode()})
    for level in range(4):
        nested = _zip({f"level{level}.zip": nested})
    put("nested.zip", nested, "")
    expect["nested.zip/level3.zip/level2.zip/level1.zip"] = "nested deeper than 3 levels"
    (outside / "secret.csv").write_text("County,State,Declined Detainers\nSecret,XX,1\n")
    (dump / "link-out.csv").symlink_to(outside / "secret.csv")
    expect["link-out.csv"] = "outside the dump (not followed)"
    put("too-big.csv", ("County,State,Declined Detainers\n" + "Cook,IL,7\n" * 1_100_000).encode(),
        "over the limit of")
    put("slow-page.pdf", _slow_page(), "")
    return expect


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    """(hostile run output, clean run output, expected reasons, files outside `out` before)."""
    root = tmp_path_factory.mktemp("hostile")
    dump, outside = root / "dump", root / "outside"
    dump.mkdir()
    outside.mkdir()
    for name in GOOD:
        shutil.copy(SAMPLE_DUMP / name, dump / name)
    (dump / WEIRD_NAME).write_text(CSV_BODY, encoding="utf-8")
    (dump / "latin1.csv").write_bytes(CSV_BODY.encode("latin-1"))
    bom_body = CSV_BODY.replace("King,WA", "Bexar,TX").encode()
    (dump / "bom.csv").write_bytes(b"\xef\xbb\xbf" + bom_body)
    _million_empty_rows_xlsx(dump / "million-empty-rows.xlsx")
    (dump / "unlock-me.pdf").write_bytes(_encrypted(SAMPLE_DUMP / "ddor-whitespace.pdf",
                                                    "letmein"))
    clean_dump = root / "clean"
    shutil.copytree(dump, clean_dump)  # the good files alone
    expect = build_hostile(dump, outside)
    before = _tree(root)
    out, clean_out = root / "out", root / "clean-out"
    limits = ["--max-file-mb", "8", "--page-timeout", "8", "--password", "letmein",
              "--password", "wrong-guess", "--workers", "1", "--quiet"]
    done = subprocess.run([*FOIA, "run", str(dump), "--out", str(out), *limits],
                          capture_output=True, text=True, timeout=900, cwd=root)
    clean = subprocess.run([*FOIA, "run", str(clean_dump), "--out", str(clean_out), *limits],
                           capture_output=True, text=True, timeout=900, cwd=root)
    return done, clean, out, clean_out, expect, before, root


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _files(out: Path) -> dict[str, tuple[str, str | None]]:
    conn = sqlite3.connect(out / "foia.sqlite")
    try:
        return {r[0]: (r[1], r[2]) for r in conn.execute("SELECT path, status, reason FROM files")}
    finally:
        conn.close()


def _good_rows(out: Path) -> list[tuple]:
    """Rows and rejects (all columns but none that name the run), sorted."""
    conn = sqlite3.connect(out / "foia.sqlite")
    try:
        rows = [tuple(r) for r in conn.execute("SELECT * FROM rows ORDER BY record_id")]
        rejects = [tuple(r) for r in conn.execute("SELECT * FROM rejects ORDER BY record_id")]
        return rows + rejects
    finally:
        conn.close()


def test_run_completes_with_exit_code_zero(runs):
    done, clean, *_ = runs
    assert done.returncode == 0, done.stderr[-3000:]
    assert clean.returncode == 0, clean.stderr[-3000:]


def test_every_hostile_file_is_an_error_with_its_reason(runs):
    _, _, out, _, expect, _, _ = runs
    files = _files(out)
    conn = sqlite3.connect(out / "foia.sqlite")
    docs = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT path, status, error FROM documents")}
    pages = {(r[0], r[1]): (r[2], r[3]) for r in conn.execute(
        "SELECT source_file, page, status, error FROM pages")}
    conn.close()
    for path, reason in expect.items():
        if path in ("zip-slip.zip", "zip-bomb.zip", "nested.zip"):
            continue  # the archives are containers; their members carry the errors
        if path == "slow-page.pdf":  # one page that would hang the parser: that page errs
            status, error = pages[(path, 1)]
            assert status == "error" and "timed out after 8 s" in error, (status, error)
            # its only page failed: nothing was read, so the document is an error (one rule for
            # PDFs, images and sheets: extract.model.settle_status)
            assert docs[path][0] == "error" and "timed out" in docs[path][1]
            continue
        status, got = files[path]
        if path in docs and docs[path][0] == "error":  # opened, then refused by extraction
            got = docs[path][1]
        assert status == "error", (path, status, got)
        assert reason in (got or ""), (path, got)


def test_good_files_give_exactly_the_clean_rows(runs):
    _, _, out, clean_out, *_ = runs
    clean = _good_rows(clean_out)
    assert len(clean) > 60
    assert _good_rows(out) == clean


def test_awkward_but_valid_files_are_read(runs):
    """Encodings, a BOM, a million empty rows, a name full of shell characters, a password."""
    _, _, out, _, _, _, _ = runs
    files = _files(out)
    for name in (WEIRD_NAME, "latin1.csv", "bom.csv", "million-empty-rows.xlsx",
                 "unlock-me.pdf"):
        assert files[name][0] == "ok", (name, files[name])
    conn = sqlite3.connect(out / "foia.sqlite")
    by_file = {}
    for source, raw in conn.execute(
            "SELECT source_file, json_extract(fields, '$.jurisdiction_raw') FROM rows"):
        by_file.setdefault(source, []).append(raw)
    n_pdf = conn.execute("SELECT COUNT(*) FROM rows WHERE source_file='unlock-me.pdf'"
                         ).fetchone()[0]
    conn.close()
    assert "Doña Ana" in by_file["latin1.csv"]  # latin-1 decoded, not mojibake
    assert "County" not in by_file["bom.csv"] and "Bexar" in by_file["bom.csv"]
    assert sorted(by_file["million-empty-rows.xlsx"]) == ["Cook", "King", "Travis"]
    assert sorted(by_file[WEIRD_NAME]) == ["Cook", "Doña Ana", "King"]
    assert n_pdf > 20  # the decrypted copy was read like any PDF


def test_audit_renders_a_row_of_the_encrypted_pdf(runs):
    """`foia audit` finds the encrypted original unchanged and renders the page from the
    decrypted copy the run made (the password is not stored, so pdfium could not open it)."""
    out = runs[2]
    conn = sqlite3.connect(out / "foia.sqlite")
    record_id, = conn.execute("SELECT record_id FROM rows WHERE source_file='unlock-me.pdf' "
                              "AND bbox IS NOT NULL LIMIT 1").fetchone()
    conn.close()
    png = out / "audit" / "unlock.png"  # inside the output folder (see the next test)
    done = subprocess.run([*FOIA, "audit", record_id, "--out", str(out), "--png", str(png)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    from PIL import Image

    with Image.open(png) as im:
        assert im.width > 100 and im.height > 20
        assert len(im.convert("RGB").getcolors(1 << 24)) > 3  # a rendered page, outlined


def test_nothing_is_written_outside_the_output_folder(runs):
    _, _, out, clean_out, _, before, root = runs
    after = {p for p in _tree(root) if Path(p).parts[0] not in (out.name, clean_out.name)}
    assert after == before
    assert not (root / "escaped.csv").exists() and not Path("/tmp/absolute-escape.csv").exists()
    assert not list(root.rglob("pwned")) and not (Path.cwd() / "pwned").exists()
    # the archive members that were refused were never written, even inside the work folder
    assert not list(out.rglob("escaped.csv")) and not list(out.rglob("absolute-escape.csv"))


def test_page_limit_is_recorded(tmp_path):
    """--max-pages: pages past it are `skipped` with the reason; the document is partial."""
    dump = tmp_path / "dump"
    dump.mkdir()
    shutil.copy(SAMPLE_DUMP / "ddor-ruled.pdf", dump)
    out = tmp_path / "out"
    done = subprocess.run([*FOIA, "run", str(dump), "--out", str(out), "--max-pages", "2",
                           "--workers", "1", "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    conn = sqlite3.connect(out / "foia.sqlite")
    pages = conn.execute("SELECT page, route, status, error FROM pages ORDER BY page").fetchall()
    doc = conn.execute("SELECT status, error, pages FROM documents").fetchone()
    conn.close()
    assert [p[2] for p in pages] == ["ok", "ok", "skipped", "skipped"]
    assert all("past the limit of 2 pages" in p[3] for p in pages[2:])
    assert doc[0] == "partial" and "2 pages past the limit of 2 not read" in doc[1]
    assert doc[2] == 4


@pytest.mark.slow
def test_page_timeout_holds_on_dask_worker_threads(tmp_path):
    """On a Dask worker a document is read on a thread, where no SIGALRM arrives: the page
    limit still stops the page pdfminer would spend over a minute on, and the run goes on."""
    import distributed

    from foia.run.pipeline import run_dump

    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "slow-page.pdf").write_bytes(_slow_page())
    shutil.copy(SAMPLE_DUMP / "ddor-ruled.pdf", dump)
    start = time.monotonic()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        run_dump(dump, tmp_path / "out", scheduler=cluster, settings={"page_timeout_s": 5})
    took = time.monotonic() - start
    conn = sqlite3.connect(tmp_path / "out" / "foia.sqlite")
    docs = dict(conn.execute("SELECT path, status FROM documents"))
    status, error = conn.execute("SELECT status, error FROM pages "
                                 "WHERE source_file = 'slow-page.pdf'").fetchone()
    conn.close()
    assert status == "error" and "timed out after 5 s" in error, (status, error)
    assert docs == {"slow-page.pdf": "error", "ddor-ruled.pdf": "ok"}
    assert took < 60, took  # the page alone takes pdfminer over a minute


def test_symlink_inside_the_dump_is_read(tmp_path):
    """A link to a file in the dump is that file again (a duplicate), not an error."""
    from foia.ingest.inventory import build_inventory

    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "a.csv").write_text(CSV_BODY)
    os.symlink(dump / "a.csv", dump / "b.csv")
    items = build_inventory(dump, tmp_path / "work")
    assert [(i.path, i.status, i.paths) for i in items] == [("a.csv", "ok", ["a.csv", "b.csv"])]


def test_accounting_holds_on_the_hostile_dump(runs):
    """`foia check`: every file recorded, every page with a route and status, every row once."""
    _, _, out, clean_out, _, _, root = runs
    done = subprocess.run([*FOIA, "check", "--out", str(out), "--dump", str(root / "dump"),
                           "--password", "letmein"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]
    assert done.stdout.startswith("ok: ")
    clean = subprocess.run([*FOIA, "check", "--out", str(clean_out), "--dump",
                            str(root / "clean"), "--password", "letmein"],
                           capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout[-3000:]
