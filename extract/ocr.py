"""The OCR route: a scanned page (or an image file) → PageLayout of OCR words in PDF points.

The output is the same PageLayout that born-digital pages produce, so the same table builder
(extract.layout_tables) runs on OCR word boxes. Everything is converted to PDF points (top-left
origin) here, once: provenance bboxes of OCR'd cells must point at the same place on the page as
they would for a text layer.

Ruling lines are found on the image with OpenCV and then *erased* before tesseract reads it:
on the ruled fixture, tesseract with the grid still drawn reads the cell borders as "|" and drops
most of the numbers (whatever --psm); with the grid erased every cell is read. The rules are kept
as HRule/VRule so the table builder still gets the grid.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from dataclasses import dataclass, replace

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytesseract
from PIL import Image

from extract.lines import group_lines
from extract.model import Word
from extract.page_layout import HRule, PageLayout, VRule
from extract.reread import reread
from extract.scan_prep import (
    Prepared,
    detect_orientation,
    lines_look_vertical,
    points_transform,
    prepare_page,
)
from extract.settings import Resolvable

# Minimum lengths (in PDF points) of the morphological kernels that isolate ruling lines: longer
# than any glyph stroke at body-text sizes, shorter than a table's narrowest cell border.
H_KERNEL_PT = 30.0
V_KERNEL_PT = 10.0
DEFAULT_IMAGE_DPI = 300
# Stands for a black redaction box among the OCR words (never a character a release prints).
REDACTED_MARK = "\u2588"
METHOD = "ocr:tesseract"
# A first reading (as is) with a lower mean word confidence asks OSD whether the page is turned.
ORIENT_RECHECK_CONF = 0.6


class OcrError(Exception):
    """Tesseract failed or timed out on one page; the caller records it on that page."""

    def __init__(self, page: int | None, message: str) -> None:
        super().__init__(f"page {page}: {message}")
        self.page = page
        self.message = message

    def __reduce__(self):  # raised in OCR worker processes: must survive pickling
        return (OcrError, (self.page, self.message))


@dataclass(frozen=True)
class OcrSettings(Resolvable):
    """What the OCR route runs; part of the extraction settings, so part of the cache key.

    psm 11 (sparse text) is the default. Measured on the scanned fixtures (cells read exactly,
    before the re-read): psm 11 98.5 %, psm 3 97.7 %, psm 6 79 %, psm 4 79 %. psm 6 and 4 read
    a table row as one line of text and fill the wide gaps between columns with junk ("—_",
    "|", "=") that splits or pollutes cells; psm 11 reads each cell on its own. What psm 11
    loses (line context for short words, the odd missed word) the re-read sheet wins back,
    and the page text is rebuilt from word geometry, not from tesseract's line numbering.
    """

    dpi: int = 300
    lang: str = "eng"
    timeout_s: float = 120.0
    psm: int = 11
    # Words tesseract reads with less confidence than this are read again, each as a line of
    # its own on one "re-read sheet" (one more tesseract call per page, not one per word).
    reread_below: float = 0.9
    # Orientation (OSD), deskew, redaction boxes, denoise/binarize when needed (scan_prep).
    prepare: bool = True

    def __post_init__(self) -> None:
        if not 50 <= self.dpi <= 1200:
            raise ValueError("dpi must be between 50 and 1200")
        if not self.lang or not all(part.isidentifier() for part in self.lang.split("+")):
            raise ValueError(f"bad tesseract language {self.lang!r} (e.g. 'eng' or 'eng+spa')")
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if not 0 <= self.psm <= 13:
            raise ValueError("psm must be a tesseract page segmentation mode, 0-13")
        if not 0 <= self.reread_below <= 1:
            raise ValueError("reread_below is a confidence, 0-1")



def render_pdf_page(path: str, page_number: int, dpi: int) -> tuple[Image.Image, float]:
    """1-based page → grayscale image and the scale (pixels per PDF point = dpi / 72)."""
    image, scale, _ = _render(path, page_number, dpi)
    return image, scale


# The most pixels one page or frame may be decoded or rendered to (a 300-dpi A0 sheet is 140
# million). An image header can claim 100,000 x 100,000 pixels (10 GB of gray): such a file is
# refused from its header, before anything is allocated, and an oversized PDF page is rendered
# at a lower resolution rather than at the one asked for.
MAX_PIXELS = 200_000_000


def _render(path: str, page_number: int, dpi: int) -> tuple[Image.Image, float, tuple]:
    if page_number < 1:
        raise IndexError(f"page numbers are 1-based, got {page_number}")
    scale = dpi / 72.0
    pdf = pdfium.PdfDocument(path)
    try:
        page = pdf[page_number - 1]
        size = page.get_size()
        pixels = size[0] * size[1] * scale * scale
        if pixels > MAX_PIXELS:
            scale *= (MAX_PIXELS / pixels) ** 0.5
        image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
        page.close()
    finally:
        pdf.close()
    return image, scale, (float(size[0]), float(size[1]))


def _tesseract_data(image: Image.Image, settings: OcrSettings, page: int | None) -> dict:
    """Run tesseract once; any failure or timeout becomes OcrError so no page kills the run."""
    # Tesseract's OpenMP threads fight each other (and our worker processes) for cores; one
    # thread per tesseract is faster overall. pytesseract hands our environment to tesseract.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        # Handed over as an uncompressed TIFF: pytesseract would write a PNG, and zlib on a
        # 300-dpi page costs ~0.1-0.3 s; leptonica reads raw TIFF faster than PGM or BMP too.
        with tempfile.NamedTemporaryFile(suffix=".tif", prefix="foia-ocr-") as tmp:
            image.convert("L").save(tmp.name, format="TIFF")
            return pytesseract.image_to_data(
                tmp.name,
                lang=settings.lang,
                config=f"--psm {settings.psm}",
                output_type=pytesseract.Output.DICT,
                timeout=settings.timeout_s,
            )
    # TesseractError subclasses RuntimeError, which pytesseract also raises on its timeout.
    except (pytesseract.TesseractError, OSError) as exc:
        raise OcrError(page, f"tesseract failed: {exc}") from exc
    except RuntimeError as exc:
        if "timeout" not in str(exc).lower():
            raise OcrError(page, f"tesseract failed: {exc}") from exc
        raise OcrError(page, f"tesseract timed out after {settings.timeout_s}s") from exc


def _words(data: dict, scale: float) -> list[Word]:
    """Tesseract's words with conf >= 0 and non-blank text, boxes in PDF points."""
    words: list[Word] = []
    for i, text in enumerate(data["text"]):
        conf = float(data["conf"][i])
        text = text.strip()
        if conf < 0 or not text:
            continue
        left, top = data["left"][i] / scale, data["top"][i] / scale
        width, height = data["width"][i] / scale, data["height"][i] / scale
        words.append(
            Word(text, left, top, left + width, top + height, size=height, confidence=conf / 100)
        )
    return words


def _mean_conf(words: list[Word]) -> float:
    return statistics.fmean(w.confidence for w in words) if words else 0.0


def ocr_words(
    image: Image.Image, scale: float, settings: OcrSettings, page: int | None = None
) -> tuple[list[Word], float]:
    """OCR words with conf >= 0 and non-blank text, boxes in PDF points (pixel / scale).

    Returns (words, mean word confidence 0–1). The image is read as given: callers that want
    ruling lines out of the way use ocr_image_layout, which erases them first.
    """
    words = _words(_tesseract_data(image, settings, page), scale)
    return words, _mean_conf(words)


def find_rules(gray: np.ndarray, scale: float) -> tuple[list[HRule], list[VRule], np.ndarray]:
    """Ruling lines of a grayscale image, in points, and the pixel mask that covers them.

    Morphological opening with a long thin kernel keeps only runs of ink at least that long in
    one direction: table rules survive, glyphs do not.
    """
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    h_len, v_len = max(10, int(H_KERNEL_PT * scale)), max(5, int(V_KERNEL_PT * scale))
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                            (h_len, 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                           (1, v_len)))
    hrules: list[HRule] = []
    for c in cv2.findContours(horiz, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]:
        x, y, w, h = cv2.boundingRect(c)
        hrules.append(HRule(round((y + h / 2) / scale, 1), x / scale, (x + w) / scale))
    vrules: list[VRule] = []
    for c in cv2.findContours(vert, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]:
        x, y, w, h = cv2.boundingRect(c)
        vrules.append(VRule(round((x + w / 2) / scale, 1), y / scale, (y + h) / scale))
    mask = cv2.dilate(horiz | vert, np.ones((3, 3), np.uint8))
    return _merge(hrules, 2.0), _merge(vrules, 2.0), mask


def _merge(rules: list, tol: float) -> list:
    """Join collinear, touching segments (scans break long rules into pieces)."""
    if not rules:
        return []
    horizontal = isinstance(rules[0], HRule)

    def span(r):  # (position, start, end) whatever the orientation
        return (r.y, r.x0, r.x1) if horizontal else (r.x, r.top, r.bottom)

    out: list = []
    for r in sorted(rules, key=span):
        pos, start, end = span(r)
        if out:
            lpos, lstart, lend = span(out[-1])
            if abs(lpos - pos) <= tol and start <= lend + tol:
                out[-1] = type(r)(lpos, lstart, max(lend, end))
                continue
        out.append(r)
    return out


def _reading_text(words: list[Word], char_size: float) -> str:
    """Page text from the word boxes: one line per row of words, top to bottom.

    Built from geometry, not from tesseract's (block, line) numbering: in sparse mode (psm 11)
    every cell is a block of its own, and the numbering would put each cell on its own line.
    """
    return "\n".join(line.text for line in group_lines(words, char_size))


def ocr_image_layout(
    image: Image.Image, scale: float, number: int, settings: OcrSettings,
    page_size: tuple[float, float] | None = None,
) -> tuple[PageLayout, float]:
    """OCR one page image (scale = pixels per point) into a PageLayout and mean confidence.

    The page is first made upright and straight (scan_prep); the layout is built in that frame
    (the table builder needs level rows) and carries the transform back to the page. Black
    redaction boxes are painted white before OCR and enter the words as REDACTED_MARK, so the
    table builder puts each in its cell.
    """
    if not settings.prepare:
        return _read(image, None, scale, number, settings, page_size)
    # Upright is by far the commonest case, and tesseract's orientation detection (OSD) costs
    # about a second a page: OSD is asked first only when the ink runs in columns (sideways),
    # else the page is read as is, and OSD asked when that reading is poor (upside-down text
    # reads at ~0.4 mean confidence, upright at ~0.9).
    prep = prepare_page(image, scale, rotation=0)
    asked = False
    if lines_look_vertical(np.asarray(prep.image)):
        asked = True
        rotation = _sideways_turn(np.asarray(prep.image), settings, number)
        if rotation:
            prep = prepare_page(image, scale, rotation=rotation)
    layout, conf = _read(image, prep, scale, number, settings, page_size)
    if conf < ORIENT_RECHECK_CONF and not asked:
        rotation = detect_orientation(np.asarray(prep.image))
        if rotation:
            turned = prepare_page(image, scale, rotation=rotation)
            layout2, conf2 = _read(image, turned, scale, number, settings, page_size)
            if conf2 > conf:
                return layout2, conf2
    return layout, conf


def _sideways_turn(gray: np.ndarray, settings: OcrSettings, page: int | None) -> int:
    """90 or 270 for a page whose lines run up or down (or what OSD says when unsure).

    The middle of the page is read both ways with tesseract, each a small image: two short
    runs cost less than OSD's one (~1.5 s a page), and the right way reads at ~0.9 mean
    confidence, the wrong one at ~0.3.
    """
    rows, cols = gray.shape
    crop = gray[int(rows * 0.3):int(rows * 0.7), int(cols * 0.3):int(cols * 0.7)]
    scores = {}
    for turn in (90, 270):
        data = _tesseract_data(Image.fromarray(_turned(crop, turn)), settings, page)
        confs = [float(c) for t, c in zip(data["text"], data["conf"])
                 if float(c) >= 0 and sum(ch.isalnum() for ch in t) >= 3]
        scores[turn] = statistics.fmean(confs) / 100 if len(confs) >= 3 else 0.0
    best = max(scores, key=scores.__getitem__)
    if scores[best] >= ORIENT_RECHECK_CONF and scores[best] - min(scores.values()) >= 0.2:
        return best
    return detect_orientation(gray)


def _turned(gray: np.ndarray, rotation: int) -> np.ndarray:
    return cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE if rotation == 90
                      else cv2.ROTATE_90_COUNTERCLOCKWISE)


def _read(
    image: Image.Image, prep: Prepared | None, scale: float, number: int,
    settings: OcrSettings, page_size: tuple[float, float] | None,
) -> tuple[PageLayout, float]:
    """OCR a prepared page image (or the image as is, `prep` None) into a PageLayout."""
    gray = np.asarray(prep.image if prep else image.convert("L")).copy()
    boxes = list(prep.redactions) if prep else []
    for x0, y0, x1, y1 in boxes:
        gray[int(y0):int(y1) + 1, int(x0):int(x1) + 1] = 255
    hrules, vrules, mask = find_rules(gray, scale)
    clean = gray.copy()
    clean[mask > 0] = 255  # erase the grid so tesseract does not read borders as "|" and "l"
    data = _tesseract_data(Image.fromarray(clean), settings, number)
    # A page read this poorly is turned or unreadable: re-reading its words one by one would
    # not help, and ocr_image_layout is about to ask OSD about it.
    if settings.reread_below > 0 and _mean_conf(_words(data, scale)) >= ORIENT_RECHECK_CONF:
        reread(clean, data, settings.reread_below,
               lambda sheet: _tesseract_data(sheet, replace(settings, psm=6), number))
    words = _words(data, scale)
    heights = [w.bottom - w.top for w in words]
    # Tesseract boxes hug the glyphs (cap height ~0.7 em): scale back up to a font size, which
    # is what the layout builder's gaps and tolerances are multiples of.
    char_size = statistics.median(heights) * 1.15 if heights else 10.0
    min_len = 2.0 * char_size  # as page_layout: shorter segments are glyph decoration
    hrules = [r for r in hrules if r.x1 - r.x0 >= min_len]
    vrules = [r for r in vrules if r.bottom - r.top >= min_len / 2]
    moved = prep is not None and (prep.rotation or abs(prep.skew) >= 0.05)
    if moved:
        width, height = gray.shape[1] / scale, gray.shape[0] / scale
    else:
        width, height = page_size or (gray.shape[1] / scale, gray.shape[0] / scale)
    text, conf = _reading_text(words, char_size), _mean_conf(words)
    marks = [Word(REDACTED_MARK, x0 / scale, y0 / scale, x1 / scale, y1 / scale,
                  size=(y1 - y0) / scale) for x0, y0, x1, y1 in boxes]
    layout = PageLayout(number, float(width), float(height), words + marks, hrules, vrules,
                        text, char_size, rotation=prep.rotation if prep else 0,
                        skew=round(prep.skew, 3) if prep else 0.0,
                        to_page=points_transform(prep.transform, scale) if moved else None)
    return layout, conf


def ocr_page_layout(
    path: str, page_number: int, settings: OcrSettings | dict | None = None,
    page_size: tuple[float, float] | None = None,
) -> tuple[PageLayout, float]:
    """Render one PDF page (1-based) and OCR it → (PageLayout in points, mean confidence)."""
    settings = OcrSettings.resolve(settings)
    try:
        image, scale, _size = _render(path, page_number, settings.dpi)
    except (pdfium.PdfiumError, IndexError) as exc:
        raise OcrError(page_number, f"cannot render page: {exc}") from exc
    # The exact page size, not pixels / scale: the renderer rounds the image to whole pixels.
    return ocr_image_layout(image, scale, page_number, settings, page_size or _size)


def _image_dpi(frame: Image.Image) -> tuple[float, float]:
    """(horizontal, vertical) dpi of an image; faxes differ (204 x 98 "standard", 204 x 196
    "fine"). Unset or nonsense values (0, 1) mean DEFAULT_IMAGE_DPI."""
    dpi = frame.info.get("dpi")
    out = []
    for i in (0, 1):
        try:
            value = float(dpi[i]) if dpi else 0.0
        except (TypeError, ValueError, IndexError):
            value = 0.0
        out.append(value if value >= 10 else 0.0)
    x, y = out
    if not x and not y:
        return DEFAULT_IMAGE_DPI, DEFAULT_IMAGE_DPI
    return (x or y), (y or x)


def _check_size(image: Image.Image, number: int | None) -> None:
    """Refuse a frame whose header claims more than MAX_PIXELS (read from the header only)."""
    w, h = image.size
    if w * h > MAX_PIXELS:
        raise OcrError(number, f"image of {w} x {h} pixels is over the limit of {MAX_PIXELS} "
                               "(a decompression bomb?): refused before decoding")


def open_image(path: str, number: int | None) -> Image.Image:
    """Image.open, which reads only the header; its size is checked before any decoding."""
    try:
        image = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise OcrError(number, f"image refused before decoding (a decompression bomb?): "
                               f"{exc}") from exc
    except OSError as exc:
        raise OcrError(number, f"cannot open image: {exc}") from exc
    try:
        _check_size(image, number)
    except OcrError:
        image.close()
        raise
    return image


def image_frame_count(path: str) -> int:
    """Frames (pages) of an image file: 1, or n for a multi-page TIFF."""
    with open_image(path, None) as image:
        try:
            return int(getattr(image, "n_frames", 1))
        except (OSError, Image.DecompressionBombError) as exc:
            raise OcrError(None, f"cannot read image frames: {exc}") from exc


def ocr_image_frame(
    path: str, number: int, settings: OcrSettings | dict | None = None
) -> tuple[PageLayout, float]:
    """Frame `number` (1-based) of a PNG/JPEG/TIFF → (layout, confidence).

    Page size in points comes from the image's own dpi (300 when absent), so boxes line up with
    the document the image was scanned from. Frames scanned below `settings.dpi` are enlarged
    to it, as PDF pages are rendered at it: tesseract misreads 200-dpi type ("TX" as "T™")
    that it reads right when enlarged.
    """
    settings = OcrSettings.resolve(settings)
    with open_image(path, number) as image:
        try:
            image.seek(number - 1)
            _check_size(image, number)  # each TIFF frame has its own header
            frame = image.convert("L")
        except (EOFError, OSError, Image.DecompressionBombError) as exc:
            raise OcrError(number, f"cannot read frame {number}: {exc}") from exc
        xdpi, ydpi = _image_dpi(image)
    size = (frame.width * 72.0 / xdpi, frame.height * 72.0 / ydpi)
    # Square pixels at (at least) the resolution PDF pages are rendered at: a fax's 204 x 98
    # pixels are twice as tall as wide, and tesseract reads squashed type badly or not at all.
    dpi = max(settings.dpi, xdpi, ydpi)
    fx, fy = dpi / xdpi, dpi / ydpi
    cap = (MAX_PIXELS / (frame.width * fx * frame.height * fy)) ** 0.5
    if cap < 1:
        fx, fy, dpi = fx * cap, fy * cap, dpi * cap
    if (round(frame.width * fx), round(frame.height * fy)) != frame.size:
        frame = frame.resize((round(frame.width * fx), round(frame.height * fy)),
                             Image.Resampling.BICUBIC)
    return ocr_image_layout(frame, dpi / 72.0, number, settings, size)


def ocr_image_file(
    path: str, settings: OcrSettings | dict | None = None
) -> list[tuple[PageLayout, float]]:
    """Every frame of an image file (see ocr_image_frame) → one (layout, confidence) each."""
    return [ocr_image_frame(path, n, settings) for n in range(1, image_frame_count(path) + 1)]
