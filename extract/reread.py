"""Re-reading the words OCR was unsure of, and ink it read no word in, on one sheet.

In sparse-text mode (psm 11) tesseract reads each word without the line around it; the same
word alone on a line of its own, enlarged and with a white margin, comes out right and with
higher confidence. Everything goes on one sheet: one more tesseract call per page, not one per
word. Split from extract/ocr.py, which calls `reread` with its tesseract call.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

# The re-read sheet's height limit (tesseract refuses images over 32767 px) and the tallest box,
# in typical word heights, that is still a word to re-read.
REREAD_MAX_SHEET_PX = 30000
REREAD_MAX_LINES = 3.0
# A re-reading (see reread) must beat the first reading's confidence by this many points (of
# 100) to replace it; ink read only on the re-read sheet must reach REREAD_MIN_CONF to count.
REREAD_MARGIN = 10.0
REREAD_MIN_CONF = 60.0
REREAD_HEIGHT_PX = 50
REREAD_MAX_WORDS = 150  # per kind (doubtful words, missed ink): 300 lines of ~85 px at most


def _missed_ink(clean: np.ndarray, data: dict) -> list[tuple[int, int, int, int]]:
    """Pixel boxes (left, top, width, height) of word-sized ink that no OCR word covers.

    Tesseract's sparse mode now and then finds no text block at all around a short word
    standing alone in its cell (a state code between two wide columns); the ink is there,
    so it is found here and read on the re-read sheet. Blobs are letters joined by a closing
    a little wider than a letter gap; thin residue of erased rules and specks are too flat
    or too small to pass the size test.
    """
    heights = [data["height"][i] for i, t in enumerate(data["text"])
               if t.strip() and float(data["conf"][i]) >= 0]
    if not heights:
        return []
    med = float(statistics.median(heights))
    _, ink = cv2.threshold(clean, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    for i, t in enumerate(data["text"]):
        if t.strip() and float(data["conf"][i]) >= 0:
            left, top = data["left"][i], data["top"][i]
            ink[max(0, top - 2):top + data["height"][i] + 2,
                max(0, left - 2):left + data["width"][i] + 2] = 0
    # At half size (a word is ~25 px tall at 300 dpi; a quarter of the pixels to label).
    ink = cv2.resize(ink, (ink.shape[1] // 2, ink.shape[0] // 2), interpolation=cv2.INTER_AREA)
    med /= 2
    join = max(2, int(med * 0.4))
    blobs = cv2.morphologyEx((ink > 0).astype(np.uint8), cv2.MORPH_CLOSE,
                             np.ones((max(2, int(med * 0.3)), join), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    out = []
    for k in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[k])
        if 0.5 * med <= h <= 2.5 * med and w >= 0.4 * med and area >= 0.15 * w * h:
            out.append((2 * x, 2 * y, 2 * w, 2 * h))
    return out


def reread(clean: np.ndarray, data: dict, below: float,
           read: Callable[[Image.Image], dict]) -> None:
    """Read doubtful words, and ink no word covers, again: each alone on a line of one sheet.

    Why: in sparse-text mode (psm 11) tesseract reads each word without the line around it, so
    a short all-capital word loses its x-height reference ("FL" comes out "BL"), and a short
    word alone in a wide cell is sometimes not found at all. The same word read as a line of
    its own, with a white margin, comes out right and with higher confidence. Everything
    goes on one sheet, so this is one more tesseract call per page, not one per word. A
    re-reading replaces the first only when tesseract is clearly more confident of it.
    `data` (tesseract's dict of lists) is changed in place; found words are appended. `read`
    runs tesseract on the sheet (line mode) and returns its dict.
    """
    low = [i for i, text in enumerate(data["text"])
           if text.strip() and 0 <= float(data["conf"][i]) < below * 100]
    # The least confident first, up to a sheet tesseract accepts (it refuses images over
    # 32767 px high).
    low = sorted(low, key=lambda i: float(data["conf"][i]))[:REREAD_MAX_WORDS]
    boxes = [(data["left"][i], data["top"][i], data["width"][i], data["height"][i])
             for i in low]
    boxes += _missed_ink(clean, data)[:REREAD_MAX_WORDS]
    if not boxes:
        return
    # Word-sized only: a box many lines tall (a rule, a smudge, a merged column on a noisy
    # scan) is no word to re-read, and a few of them made the sheet taller than tesseract
    # accepts ("Image too large: (1069, 49579)": the whole page failed).
    typical = float(statistics.median(b[3] for b in boxes))
    keep = [k for k, b in enumerate(boxes) if b[3] <= REREAD_MAX_LINES * typical]
    low = [low[k] for k in keep if k < len(low)]
    boxes = [boxes[k] for k in keep]
    built = _reread_sheet(clean, boxes, typical)
    if built is None:
        return
    sheet, spans = built
    boxes, low = boxes[:len(spans)], low[:len(spans)]
    again = read(Image.fromarray(sheet))
    _take_rereads(data, again, spans, boxes, low)


def _reread_sheet(clean: np.ndarray, boxes: list[tuple[int, int, int, int]], typical: float
                  ) -> tuple[np.ndarray, list[tuple[float, float]]] | None:
    """The boxes' crops stacked on one white sheet, each on a line of its own, and the
    vertical span of each line; only as many as fit the height tesseract accepts (the
    least confident come first and stay). None when none fits."""
    crops = [clean[max(0, top - 1):top + h + 1, max(0, left - 1):left + w + 1]
             for left, top, w, h in boxes]
    # Enlarged to about REREAD_HEIGHT_PX: a thin "/" between digits that tesseract merges at
    # 25 px ("2/1/17" read "21/17") is read right, and with confidence, at twice that.
    zoom = min(3.0, max(1.0, REREAD_HEIGHT_PX / typical))
    if zoom > 1.05:
        crops = [cv2.resize(c, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
                 for c in crops]
    margin = max(8, int(max(c.shape[0] for c in crops) * 0.6))
    total, cut = margin, len(crops)
    for k, c in enumerate(crops):
        total += c.shape[0] + margin
        if total > REREAD_MAX_SHEET_PX:
            cut = k
            break
    crops = crops[:cut]
    if not crops:
        return None
    width = max(c.shape[1] for c in crops) + 2 * margin
    height = sum(c.shape[0] for c in crops) + margin * (len(crops) + 1)
    sheet = np.full((height, width), 255, dtype=np.uint8)
    spans, y = [], margin
    for crop in crops:
        sheet[y:y + crop.shape[0], margin:margin + crop.shape[1]] = crop
        spans.append((y - margin / 2, y + crop.shape[0] + margin / 2))
        y += crop.shape[0] + margin
    return sheet, spans


def _take_rereads(data: dict, again: dict, spans: list[tuple[float, float]],
                  boxes: list[tuple[int, int, int, int]], low: list[int]) -> None:
    """The sheet's words put back on the page: a doubtful word replaced when the second
    reading is clearly more confident (or confirmed when both agree), ink no word covered
    added as a word when read with confidence."""
    found: list[list[tuple[int, str, float]]] = [[] for _ in boxes]
    for j, text in enumerate(again["text"]):
        conf = float(again["conf"][j])
        if conf < 0 or not text.strip():
            continue
        mid = again["top"][j] + again["height"][j] / 2
        for k, (y0, y1) in enumerate(spans):
            if y0 <= mid < y1:
                found[k].append((again["left"][j], text.strip(), conf))
                break
    for k, parts in enumerate(found):
        if not parts:
            continue
        conf = min(c for _, _, c in parts)
        text = " ".join(t for _, t, _ in sorted(parts))
        if k >= len(low):  # ink tesseract had not read at all
            if conf >= REREAD_MIN_CONF and any(ch.isalnum() for ch in text):
                left, top, w, h = boxes[k]
                for key, value in (("text", text), ("conf", conf), ("left", left),
                                   ("top", top), ("width", w), ("height", h)):
                    data[key].append(value)
            continue
        i = low[k]
        first = data["text"][i].strip()
        if text == first:  # two readings agree: that is the confirmation the first lacked
            data["conf"][i] = max(conf, float(data["conf"][i]))
        # Letter case alone is what neither reading can settle (a lone "CO" has no x-height
        # to compare with), so a case-only difference keeps the first reading.
        elif conf >= float(data["conf"][i]) + REREAD_MARGIN and text.lower() != first.lower():
            data["text"][i] = text
            data["conf"][i] = conf
