"""Page images for audits and the review site: rendered with pypdfium2, boxes drawn in points.

Stored boxes are PDF points from the top-left of the page as shown (rotation applied), which
is the frame pypdfium2 renders in, so a box maps to pixels by one scale factor.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

BBox = tuple[float, float, float, float]
# Review images: 1.5 px per point (108 dpi) reads a 6-point table and keeps a page near 150 KB.
REVIEW_SCALE = 1.5


IMAGE_KINDS = {"png", "jpeg", "tiff"}


def open_pdf(data: bytes | Path) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(data if isinstance(data, bytes) else str(data))


def render_page(doc: pdfium.PdfDocument, page: int, scale: float) -> Image.Image:
    """One page (1-based) as an RGB image at `scale` pixels per point.

    The whole MediaBox is rendered: pdfplumber's coordinates (and so every stored box) start
    at the MediaBox's corner, while PDFium would draw only the CropBox."""
    pg = doc[page - 1]
    try:
        pg.set_cropbox(*pg.get_mediabox())
        return pg.render(scale=scale).to_pil().convert("RGB")
    finally:
        pg.close()


class SourceDoc:
    """A stored document's bytes opened for rendering: a PDF, or an image file's frames."""

    def __init__(self, data: bytes, kind: str) -> None:
        self.kind = kind
        if kind in IMAGE_KINDS:
            self._image: Image.Image | None = Image.open(io.BytesIO(data))
            self._pdf = None
        else:
            self._pdf = open_pdf(data)
            self._image = None

    def render(self, page: int, scale: float,
               size_pt: tuple[float, float] | None = None) -> Image.Image:
        """Page (or frame) `page` at `scale` px per point; an image frame is scaled to the
        page size in points the store gives it (from the image's dpi)."""
        if self._pdf is not None:
            return render_page(self._pdf, page, scale)
        assert self._image is not None
        self._image.seek(page - 1)
        frame = self._image.convert("RGB")
        if size_pt:
            frame = frame.resize((max(1, round(size_pt[0] * scale)),
                                  max(1, round(size_pt[1] * scale))))
        return frame

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
        if self._image is not None:
            self._image.close()


def save_png(image: Image.Image, path: Path) -> None:
    """Write a PNG through a temp file, so an interrupted build leaves no half image."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    image.save(tmp, optimize=False)
    tmp.replace(path)


def draw_boxes(image: Image.Image, boxes: Iterable[tuple[BBox, str, int, float]],
               scale: float) -> Image.Image:
    """Outline (box in points, colour, width in px, outset in points) on a copy of the image.

    Boxes are drawn outset from the text they enclose: word boxes hug the glyphs, and a line
    drawn on them would strike the very text the reader has to check."""
    out = image.copy()
    draw = ImageDraw.Draw(out)
    for (x0, top, x1, bottom), colour, width, outset in boxes:
        draw.rectangle([(x0 - outset) * scale - width, (top - outset) * scale - width,
                        (x1 + outset) * scale + width, (bottom + outset) * scale + width],
                       outline=colour, width=width)
    return out


def crop_around(image: Image.Image, box: BBox, scale: float, context: float) -> Image.Image:
    """The region `box` (points) plus `context` points on every side, within the page."""
    x0, top, x1, bottom = box
    w, h = image.size
    left = max(0, int((x0 - context) * scale))
    upper = max(0, int((top - context) * scale))
    right = min(w, int((x1 + context) * scale) + 1)
    lower = min(h, int((bottom + context) * scale) + 1)
    return image.crop((left, upper, right, lower))
