"""Page hashes: a page and its re-scan are near, other pages are far or told apart by their words,
and `find_near_duplicates` records pairs across documents only. Real files throughout.

Distances measured when MAX_DISTANCE (10) was chosen (64-bit hash; a median split sets 32 bits,
so distances are even):
- the fixture scans of sample-dump pages: 4 (scanned-page.pdf, junk-layer.pdf), 6
  (scan-page.png), 8 (skewed-200.pdf: 2.5 deg, blur, noise, JPEG q60), 0 (clean-300, mixed);
- 98 re-scans made as in `rescan` below from the 14 pages of four sample-dump PDFs, under seven
  degradations (skew up to 2.5 deg, scale 0.97-1.03 with shifts, blur, noise, JPEG q50-80):
  at most 10, 95 % at most 8;
- pages of different documents, different pages: 8 for two weeks' DDOR pages of one template
  (bad-rows p1 against ruled p1, bad-rows p2 against hrules p3), 12 and more for all others;
  two months of the FBI NICS table: 0. Their words tell them apart: multiset Jaccard at most
  0.69 against 0.967-1.0 for re-scans (OCR against text layer), hence the text check at 0.85.
"""

from __future__ import annotations

import io
import itertools
import shutil
import sqlite3

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from foia import store
from foia.ingest.pagehash import (
    BLANK,
    MAX_DISTANCE,
    MIN_TEXT_SIMILARITY,
    _words,
    find_near_duplicates,
    hamming,
    hash_document,
    hash_image_file,
    hash_pages,
    near_pairs,
    popcount,
    text_similarity,
)
from foia.run.pipeline import run_dump
from tests.conftest import FIXTURES, REAL, SAMPLE_DUMP

SCANS = FIXTURES / "scans"
BORN_DIGITAL = ("ddor-ruled.pdf", "ddor-whitespace.pdf", "ddor-hrules.pdf", "ddor-bad-rows.pdf")


def rescan(pdf, page: int, *, angle: float, scale: float, shift: tuple[int, int],
           noise: float, blur: float, quality: int, seed: int = 0) -> bytes:
    """The page printed at 200 dpi and scanned again: turned, scaled, shifted, blurred, noisy,
    JPEG-compressed, saved by Pillow as an image-only PDF of the same page size."""
    doc = pdfium.PdfDocument(str(pdf))
    img = doc[page - 1].render(scale=200 / 72, grayscale=True).to_numpy()
    img = np.ascontiguousarray(img[..., 0] if img.ndim == 3 else img)
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[:, 2] += shift
    img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)
    img = cv2.GaussianBlur(img, (0, 0), blur)
    rng = np.random.default_rng(seed)
    img = np.clip(img + rng.normal(0, noise, img.shape), 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg.tobytes())).save(out, "PDF", resolution=200)
    return out.getvalue()


@pytest.fixture(scope="module")
def born_digital() -> dict[tuple[str, int], str]:
    return {(name, p): h for name in BORN_DIGITAL
            for p, h in hash_pages(SAMPLE_DUMP / name).items()}


def test_hash_format_and_hamming(born_digital):
    for h in born_digital.values():
        assert len(h) == 16 and int(h, 16).bit_count() == 32  # median split: half the bits
    assert hamming("0" * 16, "f" * 16) == 64
    assert hamming("00ff" * 4, "00fe" * 4) == 4
    assert hash_pages((SAMPLE_DUMP / "ddor-ruled.pdf").read_bytes(), [2]) == {
        2: born_digital[("ddor-ruled.pdf", 2)]}


def test_blank_page_is_never_paired(tmp_path):
    out = io.BytesIO()
    Image.new("L", (1700, 2200), 255).save(out, "PDF", resolution=200)
    assert hash_pages(out.getvalue()) == {1: BLANK}


@pytest.mark.parametrize("name, page", [("ddor-ruled.pdf", 2), ("ddor-whitespace.pdf", 1),
                                        ("ddor-hrules.pdf", 2), ("ddor-bad-rows.pdf", 3)])
@pytest.mark.parametrize("how", [
    dict(angle=1.5, scale=0.98, shift=(12, -8), noise=8, blur=0.7, quality=60),
    dict(angle=-2.5, scale=1.0, shift=(0, 0), noise=8, blur=0.8, quality=60),
    dict(angle=0.5, scale=1.03, shift=(-10, 12), noise=12, blur=1.0, quality=50),
], ids=["skew1.5-scale0.98", "skew-2.5", "scale1.03-noisy"])
def test_rescanned_page_is_near(born_digital, name, page, how):
    scanned = hash_pages(rescan(SAMPLE_DUMP / name, page, **how))[1]
    assert hamming(scanned, born_digital[(name, page)]) <= MAX_DISTANCE


@pytest.mark.parametrize("scan, scan_page, source, source_page, at_most", [
    ("scanned-page.pdf", 1, "ddor-ruled.pdf", 1, 4),      # 150 dpi, grey JPEG
    ("skewed-200.pdf", 1, "ddor-hrules.pdf", 2, 8),       # 2.5 deg, blur, noise, JPEG q60
    ("junk-layer.pdf", 1, "ddor-hrules.pdf", 3, 4),       # 200 dpi, junk text layer
    ("clean-300.pdf", 1, "ddor-whitespace.pdf", 1, 0),    # 300 dpi, JPEG q75
    ("clean-300.pdf", 2, "ddor-whitespace.pdf", 2, 0),
    ("scan-page.png", 1, "ddor-hrules.pdf", 1, 6),        # a PNG, not a PDF
])
def test_fixture_scans_are_near(born_digital, scan, scan_page, source, source_page, at_most):
    path = SAMPLE_DUMP / scan if (SAMPLE_DUMP / scan).exists() else SCANS / scan
    got = (hash_image_file(path) if scan.endswith(".png") else hash_pages(path))[scan_page]
    assert hamming(got, born_digital[(source, source_page)]) <= at_most <= MAX_DISTANCE


def page_words(pdf, page: int):
    doc = pdfium.PdfDocument(str(pdf))
    return _words(doc[page - 1].get_textpage().get_text_range())


def test_different_pages_are_far_or_told_apart_by_words(born_digital):
    """Across the four born-digital DDORs, no page is another's re-scan. Only two pairs of
    one template come within MAX_DISTANCE; their words differ."""
    near = {}
    far = []
    for (a, b) in itertools.combinations(born_digital, 2):
        if a[0] == b[0]:
            continue
        d = hamming(born_digital[a], born_digital[b])
        if d <= MAX_DISTANCE:
            near[(a, b)] = d
        else:
            far.append(d)
    assert near == {(("ddor-ruled.pdf", 1), ("ddor-bad-rows.pdf", 1)): 8,
                    (("ddor-hrules.pdf", 3), ("ddor-bad-rows.pdf", 2)): 8}
    assert min(far) >= MAX_DISTANCE + 2
    for a, b in near:
        sim = text_similarity(page_words(SAMPLE_DUMP / a[0], a[1]),
                              page_words(SAMPLE_DUMP / b[0], b[1]))
        assert sim < MIN_TEXT_SIMILARITY - 0.1


@pytest.mark.parametrize("r", [3, 6, 10, 12])
def test_near_pairs_finds_every_pair_within_distance(r):
    """The band scheme against all pairs, on clustered hashes like pages of a template."""
    rng = np.random.default_rng(r)
    centres = rng.integers(0, 2**63, 40, dtype=np.int64).astype(np.uint64)
    flips = np.zeros(1500, dtype=np.uint64)
    for k in range(1500):
        for bit in rng.choice(64, rng.integers(0, 5), replace=False):
            flips[k] |= np.uint64(1) << np.uint64(bit)
    hashes = centres[rng.integers(0, 40, 1500)] ^ flips
    docs = rng.integers(0, 200, 1500)
    i, j, d = near_pairs(hashes, docs, r)
    dist = popcount(hashes[:, None] ^ hashes[None, :])
    want = {(a, b) for a, b in zip(*np.triu_indices(1500, 1))
            if dist[a, b] <= r and docs[a] != docs[b]}
    assert len(want) > 100
    assert set(zip(i.tolist(), j.tolist())) == want
    assert all(dist[a, b] == e for a, b, e in zip(i, j, d))


def hash_store(conn: sqlite3.Connection, dump) -> None:
    """What the pipeline does after writing each document."""
    for sha, path, kind in conn.execute("SELECT sha256, path, kind FROM documents").fetchall():
        store.record_hashes(conn, sha, hash_document(dump / path, kind))
    conn.commit()


def test_find_near_duplicates_in_a_run(tmp_path):
    """A born-digital page and its scan (read by OCR) are recorded; the same-template page of
    another week is not (its picture is as near, its words are not); pages of one document
    are never paired."""
    dump = tmp_path / "dump"
    dump.mkdir()
    for name in ("ddor-ruled.pdf", "scanned-page.pdf", "ddor-bad-rows.pdf"):
        shutil.copy(SAMPLE_DUMP / name, dump)
    run_dump(dump, tmp_path / "out", workers=1)
    conn = store.connect(tmp_path / "out" / "foia.sqlite")
    hash_store(conn, dump)
    assert conn.execute("SELECT count(*) FROM page_hashes").fetchone()[0] == 4 + 1 + 3

    assert find_near_duplicates(conn) == 1
    (row,) = conn.execute("SELECT * FROM near_duplicates").fetchall()
    sha = dict(conn.execute("SELECT path, sha256 FROM documents").fetchall())
    pair = sorted([(row[2], row[1], row[0]), (row[5], row[4], row[3])])
    assert pair == [("ddor-ruled.pdf", 1, sha["ddor-ruled.pdf"]),
                    ("scanned-page.pdf", 1, sha["scanned-page.pdf"])]
    assert row[0] < row[3]  # a before b by sha256
    assert row[6] <= MAX_DISTANCE and row[7] >= MIN_TEXT_SIMILARITY

    # By the picture alone, the other week's cover page would be taken for the same page.
    n = find_near_duplicates(conn, min_text_similarity=None)
    files = {frozenset((r[0], r[1])) for r in
             conn.execute("SELECT source_file_a, source_file_b FROM near_duplicates")}
    assert n == 3  # + bad-rows p1 against ruled p1 and against its scan (8 bits each)
    assert files == {frozenset(("ddor-ruled.pdf", "scanned-page.pdf")),
                     frozenset(("ddor-ruled.pdf", "ddor-bad-rows.pdf")),
                     frozenset(("scanned-page.pdf", "ddor-bad-rows.pdf"))}
    assert all(r[0] != r[1] for r in
               conn.execute("SELECT sha256_a, sha256_b FROM near_duplicates"))
    conn.close()


def test_template_twins_are_not_duplicates(tmp_path):
    """FBI NICS: 58 monthly pages of one table, and a file holding the first three of them.
    The three re-released pages are found; months with the same picture are not."""
    conn = store.connect(tmp_path / "foia.sqlite")
    for n, name in enumerate(("fbi-nics-checks-last-five-years.pdf",
                              "nics-checks-five-years-p1-3.pdf")):
        sha = f"{n}" * 64
        doc = pdfium.PdfDocument(str(REAL / name))
        conn.execute("INSERT INTO documents (sha256, path, kind, status) VALUES (?,?,?,?)",
                     (sha, name, "pdf", "ok"))
        for p in range(1, len(doc) + 1):
            conn.execute("INSERT INTO pages (sha256, page, source_file, text) VALUES (?,?,?,?)",
                         (sha, p, name, doc[p - 1].get_textpage().get_text_range()))
        store.record_hashes(conn, sha, hash_pages(REAL / name))
    conn.commit()
    hashes = dict(((s[0], p), h) for s, p, h in
                  conn.execute("SELECT sha256, page, phash FROM page_hashes"))
    same_picture = sum(1 for (a, pa), h in hashes.items() if a == "0" and pa > 3
                       and any(hamming(h, hashes[("1", q)]) <= MAX_DISTANCE for q in (1, 2, 3)))
    assert same_picture >= 15  # 19 of the other 55 months look like one of the three

    assert find_near_duplicates(conn) == 3
    got = conn.execute("SELECT page_a, page_b, distance, text_similarity FROM near_duplicates "
                       "ORDER BY page_a").fetchall()
    assert [(a, b) for a, b, _, _ in got] == [(1, 1), (2, 2), (3, 3)]
    assert all(d == 0 and s == 1.0 for _, _, d, s in got)
    conn.close()
