"""Inventory: files typed by bytes, hashed, grouped by content, archives expanded safely."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pypdfium2 as pdfium
import pytest
from PIL import Image

from foia.ingest.inventory import (
    InventoryItem,
    ZipLimits,
    build_inventory,
    gunzipped_name,
    sniff_kind,
)

CSV = b"county,state,count\nHarris,TX,12\nCook,IL,7\n"


def pdf_bytes(pages: int = 1) -> bytes:
    """A real PDF from pdfium, so the sniffer sees what scanners and printers produce."""
    doc = pdfium.PdfDocument.new()
    for _ in range(pages):
        doc.new_page(200, 300)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def xlsx_bytes() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["county", "count"])
    wb.active.append(["Harris", 12])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, format="PNG")
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)  # name kept as is
    return buf.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def by_path(items: list[InventoryItem]) -> dict[str, InventoryItem]:
    return {p: i for i in items for p in i.paths}


@pytest.mark.parametrize(
    ("head", "name", "kind"),
    [
        (pdf_bytes(), "report.xlsx", "pdf"),  # the extension lies; bytes win
        (b"\r\n" + b"x" * 500 + pdf_bytes(), "junk.pdf", "pdf"),  # junk before %PDF- is tolerated
        (b"x" * 1100 + b"%PDF-1.7\n", "late.pdf", "unknown"),  # ...but not beyond 1 KiB
        (xlsx_bytes(), "table.pdf", "xlsx"),
        (zip_bytes({"a.csv": CSV}), "a.xlsx", "zip"),
        (zip_bytes({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<d/>"}), "", "unknown"),
        (zip_bytes({"doc.pdf": pdf_bytes()}, zipfile.ZIP_STORED), "x.zip", "zip"),  # stored PDF
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "old.xls", "xls"),
        (png_bytes(), "scan.pdf", "png"),
        (b"\xff\xd8\xff\xe0" + bytes(20), "", "jpeg"),
        (b"II*\x00" + bytes(8), "", "tiff"),
        (b"MM\x00*" + bytes(8), "", "tiff"),
        (CSV, "export.dat", "csv"),
        ("jurisdicción;estado\nDoña Ana;NM\nCook;IL\n".encode("cp1252"), "x.dat", "csv"),
        (b"a\tb\tc\n1\t2\t3\n", "x.dat", "tsv"),
        (b"a|b\n1|2\n", "", "csv"),
        (b"a,b,c\n", "one.csv", "csv"),  # a single line: the extension breaks the tie
        (b"a,b,c\n", "one.txt", "unknown"),
        (b"Dear requester,\nplease find, attached, the records.\nRegards\n", "x.csv", "unknown"),
        (b"abc\x00def", "x.csv", "unknown"),  # NUL bytes: binary, not text
        (b"", "empty.csv", "unknown"),
    ],
)
def test_sniff_kind_by_bytes(head: bytes, name: str, kind: str) -> None:
    assert sniff_kind(head[: 64 * 1024], name) == kind


def test_folder_dump_kinds_hashes_and_duplicates(tmp_path: Path) -> None:
    dump, pdf, xlsx, png = tmp_path / "dump", pdf_bytes(2), xlsx_bytes(), png_bytes()
    files = {
        "a/report.xlsx": pdf,  # a PDF misnamed .xlsx
        "a/table.xlsx": xlsx,
        "b/copy.pdf": pdf,  # exact duplicate of a/report.xlsx
        "b/deep/scan.png": png,
        "data.dat": CSV,
        "notes.txt": b"Nothing here, really.\nJust notes\n",
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
        "__MACOSX/a/._report.xlsx": b"\x00\x05\x16\x07",
        "empty.pdf": b"",
    }
    for rel, data in files.items():
        (dump / rel).parent.mkdir(parents=True, exist_ok=True)
        (dump / rel).write_bytes(data)

    items = build_inventory(dump, tmp_path / "work")

    assert [i.path for i in items] == sorted(i.path for i in items)
    assert len(items) == len(files) - 1  # the duplicate folds into one item
    got = by_path(items)
    assert set(got) == set(files)  # nothing vanished unrecorded
    pdf_item = got["a/report.xlsx"]
    assert pdf_item is got["b/copy.pdf"]
    assert pdf_item.paths == ["a/report.xlsx", "b/copy.pdf"]
    assert (pdf_item.kind, pdf_item.status, pdf_item.sha256) == ("pdf", "ok", sha(pdf))
    assert pdf_item.size == len(pdf) and pdf_item.local_path == dump / "a/report.xlsx"
    assert (got["a/table.xlsx"].kind, got["a/table.xlsx"].sha256) == ("xlsx", sha(xlsx))
    assert (got["b/deep/scan.png"].kind, got["b/deep/scan.png"].status) == ("png", "ok")
    assert (got["data.dat"].kind, got["data.dat"].status) == ("csv", "ok")
    notes = got["notes.txt"]
    assert (notes.kind, notes.status) == ("unknown", "unsupported")
    assert notes.error == "unsupported file type: unknown"
    for system in (".DS_Store", "__MACOSX/a/._report.xlsx"):
        assert (got[system].status, got[system].error) == ("unsupported", "system file")
    assert (got["empty.pdf"].status, got["empty.pdf"].error) == ("error", "empty file (0 bytes)")


def test_zip_members_nested_zip_and_paths(tmp_path: Path) -> None:
    pdf, inner = pdf_bytes(), zip_bytes({"sub/b.csv": CSV})
    outer = zip_bytes({"dir/a.pdf": pdf, "inner.zip": inner, "__MACOSX/dir/._a.pdf": b"\x00"})
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "release.zip").write_bytes(outer)
    (tmp_path / "dump" / "again.pdf").write_bytes(pdf)
    work = tmp_path / "work"

    got = by_path(build_inventory(tmp_path / "dump", work))

    assert set(got) == {
        "again.pdf", "release.zip", "release.zip/dir/a.pdf", "release.zip/inner.zip",
        "release.zip/inner.zip/sub/b.csv", "release.zip/__MACOSX/dir/._a.pdf",
    }  # fmt: skip
    container = got["release.zip"]
    assert (container.kind, container.status, container.sha256) == ("zip", "ok", sha(outer))
    member = got["release.zip/dir/a.pdf"]
    assert member.paths == ["again.pdf", "release.zip/dir/a.pdf"]  # same bytes inside and out
    assert got["release.zip/inner.zip"].kind == "zip"
    nested = got["release.zip/inner.zip/sub/b.csv"]
    assert (nested.kind, nested.status, nested.sha256) == ("csv", "ok", sha(CSV))
    assert nested.local_path == work / "unzipped" / sha(inner) / "sub/b.csv"
    assert nested.local_path.read_bytes() == CSV
    assert (work / "unzipped" / sha(outer) / "dir/a.pdf").read_bytes() == pdf
    assert got["release.zip/__MACOSX/dir/._a.pdf"].error == "system file"


def test_zip_as_dump_and_repeated_zip_content(tmp_path: Path) -> None:
    data = zip_bytes({"x.csv": CSV})
    (tmp_path / "d").mkdir()
    for name in ("one.zip", "two.zip"):
        (tmp_path / "d" / name).write_bytes(data)

    single = build_inventory(tmp_path / "d" / "one.zip", tmp_path / "w1")
    assert [(i.path, i.kind) for i in single] == [("one.zip", "zip"), ("one.zip/x.csv", "csv")]

    got = by_path(build_inventory(tmp_path / "d", tmp_path / "w2"))
    assert got["one.zip"].paths == ["one.zip", "two.zip"]
    assert got["one.zip/x.csv"].paths == ["one.zip/x.csv", "two.zip/x.csv"]  # replayed per path


def test_zip_slip_members_rejected_nothing_written_outside(tmp_path: Path) -> None:
    abs_name = f"/tmp/foia-abs-{uuid.uuid4().hex}.txt"
    link = zipfile.ZipInfo("link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../evil.txt", b"pwned")
        zf.writestr("a/../../evil2.txt", b"pwned")
        zf.writestr(abs_name, b"pwned")
        zf.writestr("C:/windows/evil.txt", b"pwned")
        zf.writestr(link, "/etc/passwd")
        zf.writestr("good.csv", CSV)
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "evil.zip").write_bytes(buf.getvalue())

    got = by_path(build_inventory(tmp_path / "dump", tmp_path / "work"))

    reasons = {
        "evil.zip/../evil.txt": "unsafe member: '..' component",
        "evil.zip/a/../../evil2.txt": "unsafe member: '..' component",
        f"evil.zip/{abs_name}": "unsafe member: absolute path",
        "evil.zip/C:/windows/evil.txt": "unsafe member: drive letter",
        "evil.zip/link": "unsafe member: symlink",
    }
    for path, reason in reasons.items():
        assert (got[path].status, got[path].error, got[path].local_path) == ("error", reason, None)
    assert got["evil.zip/good.csv"].status == "ok"
    assert got["evil.zip"].status == "ok"  # the archive opened; bad members are their own items
    assert not Path(abs_name).exists()
    written = [p.name for p in tmp_path.rglob("*")]
    assert not {"evil.txt", "evil2.txt", "link"} & set(written)


def test_zip_duplicate_names_and_backslashes(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("dup.csv", CSV)
        zf.writestr("dup.csv", CSV + b"Dade,FL,3\n")
        zf.writestr("win\\dir\\f.csv", b"x,y\n1,2\n")
    (tmp_path / "t.zip").write_bytes(buf.getvalue())
    items = build_inventory(tmp_path / "t.zip", tmp_path / "work")
    assert [(i.path, i.status, i.error) for i in items] == [
        ("t.zip", "ok", None),
        ("t.zip/dup.csv", "ok", None),  # the first one wins; the second is recorded, not lost
        ("t.zip/dup.csv", "error", "duplicate member name (or a file/folder clash)"),
        ("t.zip/win/dir/f.csv", "ok", None),
    ]
    assert items[1].local_path.read_bytes() == CSV


def test_zip_bomb_ratio_is_an_error_item(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("bomb.csv", "w") as dst:
            for _ in range(50):
                dst.write(bytes(1 << 20))  # 50 MiB of zeros, ~1000:1
        zf.writestr("ok.csv", CSV)
    (tmp_path / "bomb.zip").write_bytes(buf.getvalue())
    work = tmp_path / "work"

    got = by_path(build_inventory(tmp_path / "bomb.zip", work))

    bomb = got["bomb.zip/bomb.csv"]
    assert (bomb.status, bomb.error) == ("error", "compression ratio exceeds 200:1")
    assert got["bomb.zip/ok.csv"].status == "ok"
    assert not any(p.name == "bomb.csv" for p in work.rglob("*"))  # no partial copy left


def test_gzip_member_is_inventoried_under_the_gzip(tmp_path: Path) -> None:
    """`counts.csv.gz` holds one file, `counts.csv`, read like any CSV; a `.zip.gz` is expanded
    in turn; the gzip itself is a container, its bytes hashed like any file's."""
    (tmp_path / "counts.csv.gz").write_bytes(gzip.compress(CSV))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("week2/report.pdf", pdf_bytes())
    (tmp_path / "week2.zip.gz").write_bytes(gzip.compress(inner.getvalue()))
    got = by_path(build_inventory(tmp_path, tmp_path.parent / "work-gz"))

    assert got["counts.csv.gz"].kind == "gzip" and got["counts.csv.gz"].status == "ok"
    member = got["counts.csv.gz/counts.csv"]
    assert (member.kind, member.status, member.size) == ("csv", "ok", len(CSV))
    assert member.sha256 == hashlib.sha256(CSV).hexdigest()
    assert member.local_path is not None and member.local_path.read_bytes() == CSV
    assert got["week2.zip.gz/week2.zip"].kind == "zip"
    assert got["week2.zip.gz/week2.zip/week2/report.pdf"].kind == "pdf"


def test_gzip_bomb_truncation_and_lies_are_error_items(tmp_path: Path) -> None:
    """A gzip of 60 MiB of zeros (~1000:1) stops at the ratio cap with nothing left behind; a
    truncated gzip says so; a gzip named .pdf is a lie about its content."""
    (tmp_path / "bomb.csv.gz").write_bytes(gzip.compress(bytes(60 << 20)))
    rows = b"".join(b"Harris,TX,%d\n" % n for n in range(5000))
    (tmp_path / "cut.csv.gz").write_bytes(gzip.compress(CSV + rows)[:2000])
    (tmp_path / "report.pdf").write_bytes(gzip.compress(pdf_bytes()))
    work = tmp_path.parent / "work-gz-bad"
    got = by_path(build_inventory(tmp_path, work))

    assert (got["bomb.csv.gz"].status, got["bomb.csv.gz"].error) == (
        "error", "compression ratio exceeds 200:1")
    assert "bomb.csv.gz/bomb.csv" not in got  # one file, one error: the gzip's
    assert not any(p.name == "bomb.csv" for p in work.rglob("*"))  # no partial copy left
    cut = got["cut.csv.gz"]
    assert cut.status == "error" and cut.error.startswith("cannot decompress gzip: EOFError")
    assert got["report.pdf"].error == "not a PDF file: its content is a gzip stream"


def test_identical_gzips_under_two_names_hold_members_of_their_own_names(tmp_path: Path
                                                                         ) -> None:
    """The second copy reuses the first one's extraction, but its member is named after it:
    `y.csv.gz/y.csv`, a path that exists, not the first copy's `x.csv`."""
    blob = gzip.compress(CSV, mtime=0)
    (tmp_path / "2019").mkdir()
    (tmp_path / "2019" / "x.csv.gz").write_bytes(blob)
    (tmp_path / "y.csv.gz").write_bytes(blob)
    items = build_inventory(tmp_path, tmp_path.parent / "work-gz-twice")
    member = next(i for i in items if i.kind == "csv")
    assert sorted(member.paths) == ["2019/x.csv.gz/x.csv", "y.csv.gz/y.csv"]
    assert member.path == "y.csv.gz/y.csv"  # the shallowest path names the content


@pytest.mark.parametrize(("name", "member"), [
    ("counts.csv.gz", "counts.csv"), ("REPORT.PDF.GZ", "REPORT.PDF"), ("x.tgz", "x.tar"),
    ("x.gzip", "x"), ("noext", "noext.out"), (".gz", ".gz.out"), ("..gz", "..gz.out"),
    ("...gz", "...gz.out"), ("a.zip/b/c.csv.gz", "c.csv"),
])
def test_gunzipped_name(name: str, member: str) -> None:
    """Never "", "." or "..": a member name is a file inside the extraction folder."""
    assert gunzipped_name(name) == member


def test_gzip_nesting_counts_toward_the_depth_limit(tmp_path: Path) -> None:
    data = CSV
    for _ in range(4):
        data = gzip.compress(data)
    (tmp_path / "deep.csv.gz.gz.gz.gz").write_bytes(data)
    got = by_path(build_inventory(tmp_path, tmp_path.parent / "work-gz-deep"))
    deepest = got["deep.csv.gz.gz.gz.gz/deep.csv.gz.gz.gz/deep.csv.gz.gz/deep.csv.gz"]
    assert (deepest.status, deepest.error) == ("error", "gzip nested deeper than 3 levels")
    assert "deep.csv.gz.gz.gz.gz/deep.csv.gz.gz.gz/deep.csv.gz.gz/deep.csv.gz/deep.csv" not in got


def test_zip_archive_limits(tmp_path: Path) -> None:
    (tmp_path / "many.zip").write_bytes(zip_bytes({f"{n}.csv": CSV for n in range(3)}))
    got = build_inventory(tmp_path / "many.zip", tmp_path / "w1", limits=ZipLimits(max_members=2))
    assert [(i.path, i.status, i.error) for i in got] == [
        ("many.zip", "error", "3 members, limit 2")
    ]

    big = zip_bytes({"a.csv": CSV * 20, "b.csv": CSV * 30, "c.csv": CSV})
    (tmp_path / "big.zip").write_bytes(big)
    got = by_path(build_inventory(tmp_path / "big.zip", tmp_path / "w2",
                                  limits=ZipLimits(max_total_bytes=len(CSV) * 25)))  # fmt: skip
    reason = f"total uncompressed size exceeds {len(CSV) * 25} bytes"
    assert got["big.zip/a.csv"].status == "ok"
    assert (got["big.zip/b.csv"].status, got["big.zip/b.csv"].error) == ("error", reason)
    assert got["big.zip/c.csv"].error == f"not extracted: {reason}"
    assert (got["big.zip"].status, got["big.zip"].error) == ("error", reason)

    nested = zip_bytes({"l2.zip": zip_bytes({"l3.zip": zip_bytes({"x.csv": CSV})})})
    (tmp_path / "l1.zip").write_bytes(nested)
    limits = ZipLimits(max_depth=2)
    got = by_path(build_inventory(tmp_path / "l1.zip", tmp_path / "w3", limits=limits))
    deep = got["l1.zip/l2.zip/l3.zip"]
    assert (deep.kind, deep.status) == ("zip", "error")
    assert deep.error == "zip nested deeper than 2 levels"
    assert deep.local_path is None and got["l1.zip/l2.zip"].status == "ok"
    assert "l1.zip/l2.zip/l3.zip/x.csv" not in got


def test_corrupt_and_encrypted_zips_are_error_items(tmp_path: Path) -> None:
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    data = bytearray(zip_bytes({"secret.csv": CSV}, zipfile.ZIP_STORED))
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the "encrypted" flag bit
        at = data.find(sig)
        data[at + offset] |= 1
    (tmp_path / "locked.zip").write_bytes(bytes(data))
    (tmp_path / "fine.csv").write_bytes(CSV)
    (tmp_path / "fine.zip").write_bytes(zip_bytes({"x.csv": CSV}))  # creates work/ in the dump

    got = by_path(build_inventory(tmp_path, tmp_path / "work"))

    assert (got["bad.zip"].kind, got["bad.zip"].status) == ("zip", "error")
    assert got["bad.zip"].error.startswith("cannot open zip: BadZipFile")
    assert got["bad.zip"].local_path is None
    assert (got["locked.zip"].status, got["locked.zip"].error) == (
        "error", "encrypted zip (password required)",
    )  # fmt: skip
    assert got["fine.csv"].paths == ["fine.csv", "fine.zip/x.csv"]
    assert (tmp_path / "work" / "unzipped").is_dir()
    assert not [p for p in got if p.startswith("work")]  # the work dir in the dump is not walked


def test_unreadable_entries_are_error_items(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "ok.csv").write_bytes(CSV)
    (dump / "gone.pdf").symlink_to(dump / "missing.pdf")
    os.mkfifo(dump / "pipe.csv")
    (tmp_path / "folder").mkdir()
    (dump / "linked").symlink_to(tmp_path / "folder", target_is_directory=True)

    got = by_path(build_inventory(dump, tmp_path / "work"))

    assert got["ok.csv"].status == "ok"
    gone = got["gone.pdf"]
    assert (gone.status, gone.sha256, gone.local_path) == ("error", "", None)
    assert gone.error == f"broken symlink -> {dump / 'missing.pdf'}"
    assert (got["pipe.csv"].status, got["pipe.csv"].error) == (
        "error", "OSError: not a regular file (fifo)",
    )  # fmt: skip
    assert (got["linked"].status, got["linked"].error) == (
        "error", f"symlink to {tmp_path / 'folder'}, outside the dump (not followed)",
    )  # fmt: skip


def test_single_file_dump_uses_its_name(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    path = tmp_path / "x" / "ddor.PDF"
    path.write_bytes(pdf_bytes())
    [item] = build_inventory(path, tmp_path / "work")
    assert (item.path, item.paths, item.kind, item.local_path) == (
        "ddor.PDF", ["ddor.PDF"], "pdf", path,
    )  # fmt: skip


def test_rerun_is_deterministic(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "r.zip").write_bytes(zip_bytes({"b.csv": CSV, "a.pdf": pdf_bytes()}))
    (tmp_path / "d" / "z.csv").write_bytes(CSV)
    first = build_inventory(tmp_path / "d", tmp_path / "work")
    assert build_inventory(tmp_path / "d", tmp_path / "work") == first
    # The shallowest path names a duplicated content; the zip member is kept as a second path.
    assert [i.path for i in first] == ["r.zip", "r.zip/a.pdf", "z.csv"]
    assert first[2].paths == ["z.csv", "r.zip/b.csv"]


def test_missing_dump_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        build_inventory(tmp_path / "nope", tmp_path / "work")


def test_csv_with_unpadded_title_and_note_lines_is_csv() -> None:
    text = (
        b"Declined Detainers by County, Week of February 18 2017\n"
        b"County,State,Declined Detainers\nGwinnett,GA,24\nCook,IL,12\nKing,WA,9\n"
        b"Source: ICE\n"
    )
    assert sniff_kind(text, "counts.dat") == "csv"
    assert sniff_kind(b"Just a line of prose.\nAnother line, with a comma.\n", "a.txt") == "unknown"
