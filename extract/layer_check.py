"""Does a scanned page's text layer say what its image shows?

A "searchable" scan carries an invisible text layer made by the scanner's OCR, years ago and
often badly ("Tbe jurisdictlons"). Such a layer is made of letters and word-like tokens, so the
character-level score in extract.route passes it; only reading the image tells it is wrong.
This check reads one band of the page image with tesseract and measures how much of the text
layer in that band the image confirms. It runs only on pages that are mostly one image
*and* have a text layer (born-digital pages have nothing to compare), and it reads a band, not
the page, so it costs a fraction of OCR'ing the page.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass

import pypdfium2 as pdfium
import pytesseract

# Band read: this share of the page height, centred on the middle of the text layer's lines.
BAND_SHARE = 0.12
CHECK_DPI = 150
CHECK_TIMEOUT_S = 30.0
MARGIN_PT = 20.0  # the image is read this much beyond the band, so no layer line is cut off
# Agreement = share of the layer's character trigrams (inside runs of letters and digits) that
# the image's reading also has. Trigrams, not words: layers often lack the spaces between
# words ("BaltimoreCentral") and OCR splits or joins words differently; a misread letter
# still spoils the trigrams around it. On the fixtures a true layer scores 0.87, the junk
# layer (two or three letters per word confused) 0.24; below MIN_AGREEMENT the layer is
# not used.
MIN_AGREEMENT = 0.5
MIN_GRAMS = 30  # fewer layer trigrams in the band than this: no verdict (keep the layer)

_RUN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class LayerCheck:
    agreement: float | None  # share of the layer's trigrams the image confirms; None: no verdict
    grams: int  # layer trigrams compared

    @property
    def matches(self) -> bool:
        return self.agreement is None or self.agreement >= MIN_AGREEMENT


def _trigrams(text: str) -> Counter:
    return Counter(run[i:i + 3] for run in _RUN.findall(text.lower())
                   for i in range(len(run) - 2))


def _band(textpage: pdfium.PdfTextPage, count: int, height: float) -> tuple[float, float]:
    """(bottom, top) in PDF units of a band centred on the median text character."""
    ys = sorted((box[1] + box[3]) / 2 for box in
                (textpage.get_charbox(i) for i in range(0, count, max(1, count // 400))))
    mid = ys[len(ys) // 2]
    half = BAND_SHARE * height / 2
    bottom = min(max(0.0, mid - half), max(0.0, height - 2 * half))
    return bottom, bottom + 2 * half


def check_text_layer(page: pdfium.PdfPage, lang: str = "eng") -> LayerCheck:
    """Compare the text layer with tesseract's reading of one band of the rendered page.

    Never raises: when tesseract fails the layer is given the benefit of the doubt (no
    verdict), because routing must not stop on a page the text route can still read.
    """
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        if not count:
            return LayerCheck(None, 0)
        bottom, top = _band(textpage, count, height)
        layer = _trigrams(textpage.get_text_bounded(0, bottom, width, top))
    finally:
        textpage.close()
    if sum(layer.values()) < MIN_GRAMS:
        return LayerCheck(None, sum(layer.values()))
    scale = CHECK_DPI / 72.0
    image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
    # PDF y grows upwards; the image's rows grow downwards.
    band = image.crop((0, max(0, int((height - top - MARGIN_PT) * scale)), image.width,
                       min(image.height, int((height - bottom + MARGIN_PT) * scale) + 1)))
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        seen = _trigrams(pytesseract.image_to_string(band, lang=lang, config="--psm 11",
                                                  timeout=CHECK_TIMEOUT_S))
    except Exception:  # tesseract missing, failed or timed out: no verdict
        return LayerCheck(None, sum(layer.values()))
    confirmed = sum((layer & seen).values())
    total = sum(layer.values())
    return LayerCheck(round(confirmed / total, 4), total)
