"""Near-duplicate pages across documents: a perceptual hash per page, near pairs recorded.

The same page often comes back in a later release: re-scanned, re-compressed, slightly turned,
or with a new redaction. Such pages share no bytes, but they look alike. Every page gets a
64-bit perceptual hash (`page_hashes`); `find_near_duplicates` records the pairs of pages of
different documents whose hashes are within a Hamming distance (`near_duplicates`).

The hash is a DCT pHash (the method of `imagehash.phash`: 32 x 32 grey image, 2-D DCT, the
8 x 8 lowest frequencies, one bit per coefficient above their median), written here with
OpenCV and numpy rather than imported, because two things must happen before it that
`imagehash` does not do, and they decide whether it works on document pages (measured on the
fixture scans and on re-scans made from the sample dump, see tests/test_pagehash.py):

- Render at 1 px/pt, then shrink by area averaging. pdfium draws a hairline at least one
  pixel wide at any scale, so at 0.25 px/pt a ruled table renders four times heavier than the
  same table in a scanned image: a page and its re-scans were up to 20 bits apart (18 for
  `scan-page.png`, 12 for the 150-dpi `scanned-page.pdf`). At 1 px/pt: at most 12. Rendering
  costs about the same (parsing the page and decoding its images dominate).
- Deskew: the angle (within +-3 deg) that gives the sharpest row profile. The 2.5 deg scan
  `fixtures/scans/skewed-200.pdf` went from 12 to 8 bits; every re-scan measured: <= 10.
A page turned a quarter (`rotated-90.pdf`) is not found, nor one with new black redaction
boxes over a column (`redaction-box.pdf`: 12 bits).

What a picture hash cannot do: tell apart two pages of the same template with different
numbers (two weeks' DDOR cover pages: 8 bits; two months of the FBI NICS table: 0). A series of
releases is full of those. So where both pages have text (the text layer or OCR, `pages.text`),
a pair is kept only when their words agree too: multiset Jaccard of the words >=
`MIN_TEXT_SIMILARITY` (re-scans measured 0.967-1.0, same-template pages at most 0.69). Pages
without text are judged by the picture alone.

Finding the pairs without comparing all of them: multi-index hashing. The 64 bits are cut into
`m` bands; two hashes within distance r differ in at most floor(r / m) bits of some band
(pigeonhole), so probing, in every band, each page's band value and every value within
floor(r / m) bits of it finds every pair within r. Four bands of 16 bits probed within 2 bits
(137 values per band) find every pair within distance 11, which covers the default
`MAX_DISTANCE` = 10 (larger distances use more bands, see `_bands`). The work is 548 lookups
per page plus the pages that share a 16-bit band value, not pages squared: 100,000 pages in
a few seconds (numpy).
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from itertools import combinations
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium

from foia import store

# Bits of one hash, as 16 hex digits.
BITS = 64
# A blank page (no ink) hashes to this and is never paired: blank pages are all alike.
BLANK = "0" * 16
# Render scale (px/pt) and the largest side in pixels (a poster-size page is rendered smaller).
RENDER_SCALE = 1.0
MAX_SIDE = 1400
# Re-scans of one page measured 0-10 bits apart after deskewing (fixture scans 4-8, re-scans
# made from the sample dump with skew, scale, shift, blur, noise and JPEG at most 10); the
# default keeps them all. Pages of one template sit as close, hence the text check.
MAX_DISTANCE = 10
# Words of both pages must agree this much (multiset Jaccard) when both pages have text.
MIN_TEXT_SIMILARITY = 0.85
# Fewer words than this on either page: too little text to judge, the picture decides.
MIN_TEXT_WORDS = 8
# The page is shrunk (area average) to this many pixels on its long side before deskewing
# (0.35 px/pt on a letter page: text lines still stand apart in the row profile).
_WORK_SIDE = 280
# Ink darker than the paper by this much (0-255) counts; less ink than this share is blank.
_INK_DELTA = 48
_BLANK_SHARE = 0.0005

_WORD = re.compile(r"\w+")


# --- hashing -----------------------------------------------------------------------------


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def phash_gray(gray: np.ndarray) -> str:
    """64-bit DCT hash (16 hex digits) of a greyscale page image (uint8, paper light)."""
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    h, w = gray.shape
    f = min(1.0, _WORK_SIDE / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * f)), max(1, round(h * f))),
                       interpolation=cv2.INTER_AREA)
    hist = np.bincount(small.ravel(), minlength=256).cumsum()
    paper = int(np.searchsorted(hist, 0.9 * hist[-1]))  # the 90th percentile: the paper
    if hist[max(paper - _INK_DELTA, 0)] < _BLANK_SHARE * hist[-1]:
        return BLANK
    small = _deskew(small, paper)
    tiny = cv2.resize(small, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(tiny)[:8, :8].flatten()
    bits = low > np.median(low)
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def _deskew(small: np.ndarray, paper: int) -> np.ndarray:
    """The page turned by the angle (within +-3 deg) that gives the sharpest row profile."""
    ink = cv2.subtract(np.full_like(small, paper), small).astype(np.float32)
    h, w = ink.shape

    def sharpness(angle: float) -> float:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        turned = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
        return float(np.var(turned.sum(axis=1)))

    best_angle, best = 0.0, sharpness(0.0)
    for step, span in ((1.0, 3.0), (0.25, 0.75)):  # whole degrees, then quarters around
        centre = best_angle
        for k in range(1, round(span / step) + 1):
            for angle in (centre - k * step, centre + k * step):
                if abs(angle) <= 3.0 and (score := sharpness(angle)) > best * (1 + 1e-6):
                    best, best_angle = score, angle  # a tie keeps the angle nearer level
    if best_angle == 0.0:
        return small
    m = cv2.getRotationMatrix2D((w / 2, h / 2), best_angle, 1.0)
    return cv2.warpAffine(small, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=paper)


def render_gray(page: pdfium.PdfPage) -> np.ndarray:
    """A page as a greyscale array at `RENDER_SCALE` px/pt (less for a very large page)."""
    w, h = page.get_size()
    scale = min(RENDER_SCALE, MAX_SIDE / max(w, h, 1.0))
    arr = page.render(scale=scale, grayscale=True).to_numpy()
    if arr.ndim == 3:
        arr = arr[..., 0]
    return np.ascontiguousarray(arr)


def hash_pages(pdf: bytes | str | Path, pages: list[int] | None = None) -> dict[int, str]:
    """Hash of each page (1-based; all pages when `pages` is None) of a PDF, as hex."""
    doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        numbers = pages if pages is not None else range(1, len(doc) + 1)
        out = {}
        for n in numbers:
            page = doc[n - 1]
            try:
                out[n] = phash_gray(render_gray(page))
            finally:
                page.close()
        return out
    finally:
        doc.close()


def hash_image_file(path: str | Path) -> dict[int, str]:
    """Hash of each frame (1-based) of an image file (PNG, JPEG, multi-frame TIFF)."""
    from extract.ocr import open_image

    open_image(str(path), None).close()  # refuses a decompression bomb from its header
    ok, frames = cv2.imreadmulti(str(path), flags=cv2.IMREAD_GRAYSCALE)
    if not ok:
        raise ValueError(f"cannot read image {path}")
    return {i: phash_gray(f) for i, f in enumerate(frames, start=1)}


def hash_document(path: str | Path, kind: str) -> dict[int, str]:
    """Page hashes of a stored document by its inventory kind: PDF pages, image frames;
    nothing for spreadsheets or a file that cannot be read (extraction records why)."""
    try:
        if kind == "pdf":
            return hash_pages(path)
        if kind in ("png", "jpeg", "tiff"):
            return hash_image_file(path)
    except Exception:  # unreadable: the document's own error is recorded by extraction
        return {}
    return {}


# --- store -------------------------------------------------------------------------------


def _bands(max_distance: int) -> tuple[int, int]:
    """(bands, bits probed per band) so that every pair within max_distance is found.

    Pairs within r differ in at most floor(r / m) bits of one of m bands. Four 16-bit bands
    probed within 2 bits cover r <= 11; beyond that, more (narrower) bands keep the probe
    radius at 2.
    """
    if max_distance < 0:
        raise ValueError("max_distance must be >= 0")
    m = max(4, max_distance // 3 + 1)
    return m, min(max_distance // m, 2)


# Candidate pairs handled at once by `near_pairs` (bounds its memory on pages of a template:
# a 2,000-page report of one layout puts every page in one bucket). Each candidate costs about
# 50 bytes across the block's arrays: 250,000 keep a block near 12 MiB (4,000,000 reached
# 200 MiB, more than the rest of a run).
_BLOCK = 250_000
_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def popcount(x: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 (numpy >= 2 has it built in)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).astype(np.int64)
    as_bytes = np.ascontiguousarray(x, dtype=np.uint64).view(np.uint8).reshape(*x.shape, 8)
    return _BYTE_BITS[as_bytes].sum(axis=-1, dtype=np.int64)


def _masks(width: int, radius: int) -> np.ndarray:
    out = [0]
    for k in range(1, radius + 1):
        out += [sum(1 << b for b in bits) for bits in combinations(range(width), k)]
    return np.array(out, dtype=np.int64)


def near_pairs(hashes: np.ndarray, docs: np.ndarray, max_distance: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, distance) with i < j, docs[i] != docs[j] and distance <= max_distance.

    `hashes` are the 64-bit hashes as uint64, `docs` an integer document id per hash.
    """
    n = len(hashes)
    if n < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    m, radius = _bands(max_distance)
    bounds = np.linspace(0, BITS, m + 1).round().astype(int)
    found_i, found_j = [], []
    for lo_bit, hi_bit in zip(bounds[:-1], bounds[1:]):
        width = int(hi_bit - lo_bit)
        keys = ((hashes >> np.uint64(lo_bit)) & np.uint64((1 << width) - 1)).astype(np.int64)
        order = np.argsort(keys, kind="stable")
        counts = np.bincount(keys, minlength=1 << width)
        start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        for mask in _masks(width, radius):
            probe = keys ^ mask
            lo, cnt = start[probe], counts[probe]
            csum = np.cumsum(cnt)
            first = 0
            while first < n and csum[-1] > (csum[first - 1] if first else 0):
                # pages [first, last) whose candidates fit in one block of memory
                done = int(csum[first - 1]) if first else 0
                last = max(first + 1, int(np.searchsorted(csum, done + _BLOCK, side="right")))
                part = np.arange(first, last)
                c = cnt[first:last]
                total = int(c.sum())
                rows = np.repeat(part, c)
                offs = np.arange(total) - np.repeat(np.cumsum(c) - c, c)
                cols = order[np.repeat(lo[first:last], c) + offs]
                keep = (rows < cols) & (docs[rows] != docs[cols])
                rows, cols = rows[keep], cols[keep]
                keep = popcount(hashes[rows] ^ hashes[cols]) <= max_distance
                found_i.append(rows[keep])
                found_j.append(cols[keep])
                first = last
    if not found_i:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    pair = np.unique(np.concatenate(found_i) * n + np.concatenate(found_j))
    i, j = pair // n, pair % n
    return i, j, popcount(hashes[i] ^ hashes[j])


def _words(text: str | None) -> frozenset[str] | None:
    """The page's words as a set of (word, nth occurrence), for a multiset Jaccard."""
    seen: Counter = Counter()
    out = []
    for w in _WORD.findall((text or "").lower()):
        seen[w] += 1
        out.append(f"{w}\x00{seen[w]}")
    return frozenset(out) if len(out) >= MIN_TEXT_WORDS else None


def text_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def find_near_duplicates(conn: sqlite3.Connection, max_distance: int = MAX_DISTANCE, *,
                         min_text_similarity: float | None = MIN_TEXT_SIMILARITY) -> int:
    """Recompute `near_duplicates`: pages of different documents whose hashes are within
    `max_distance` bits (and whose words agree, where both have text); returns the pairs.

    Reads `page_hashes` joined to `documents` (for the file names; hashes of documents no
    longer stored are ignored) and, when the store has it, `pages.text`.
    `min_text_similarity=None` judges by the picture alone.
    """
    rows = store.page_hashes(conn, BLANK)
    hashes = np.array([int(r[2], 16) for r in rows], dtype=np.uint64)
    doc_ids: dict[str, int] = {}
    docs = np.array([doc_ids.setdefault(r[0], len(doc_ids)) for r in rows], dtype=np.int64)
    ii, jj, dd = near_pairs(hashes, docs, max_distance)
    words: dict[int, frozenset[str] | None] = {}

    def page_words(k: int) -> frozenset[str] | None:
        if k not in words:
            words[k] = _words(store.page_text(conn, rows[k][0], rows[k][1]))
        return words[k]

    out = []
    for i, j, d in zip(ii.tolist(), jj.tolist(), dd.tolist()):
        sim = None
        if min_text_similarity is not None:
            wa, wb = page_words(i), page_words(j)
            if wa is not None and wb is not None:
                sim = round(text_similarity(wa, wb), 4)
                if sim < min_text_similarity:
                    continue
        a, b = sorted((rows[i], rows[j]), key=lambda r: (r[0], r[1]))
        out.append((a[0], a[1], a[3], b[0], b[1], b[3], d, sim))
    store.replace_near_duplicates(conn, out)
    return len(out)
