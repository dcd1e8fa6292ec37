"""Per-page triage: does a PDF page have a usable text layer, or must it be OCR'd?

The triage is cheap on purpose (pypdfium2 character counts and image coverage, no rendering):
it runs on every page of every document, before anything expensive is decided.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extract.layer_check import check_text_layer

# A text layer must have at least this many visible characters to count as "text"; below it a
# page covered by an image is a scan with (at most) a stray caption.
MIN_TEXT_CHARS = 20
# Share of "plausible" characters (letters, digits, common punctuation) and of word-like tokens a
# text layer needs; scanners' invisible junk layers score far lower.
MIN_TEXT_QUALITY = 0.6
# An image covering this share of the page, with little text on top, marks a scanned page.
SCAN_IMAGE_COVERAGE = 0.5

_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class RouteDecision:
    """Where one page goes and the evidence for it (kept on the `pages` row)."""

    route: str  # text | ocr | empty | skipped (past the page limit)
    char_count: int
    quality: float
    image_coverage: float
    reason: str


def _wordlike(token: str) -> bool:
    alnum = [c for c in token if c.isalnum()]
    if len(alnum) < 0.6 * len(token):
        return False
    switches = sum(1 for a, b in zip(alnum, alnum[1:]) if a.isdigit() != b.isdigit())
    return switches <= max(1, len(alnum) // 3)


def text_quality(text: str) -> float:
    """Score 0–1 of how much a text layer looks like language rather than junk.

    Half from characters (printable letters/digits/punctuation vs control, private-use and
    replacement characters), half from tokens that look like words or numbers.
    """
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    # Letters and digits count whole, punctuation half: language is mostly letters, while junk
    # layers are heavy in ";:.,'~|" and in private-use or replacement characters.
    good = 0.0
    for c in chars:
        cat = unicodedata.category(c)
        if cat[0] in "LN":
            good += 1
        elif cat in {"Po", "Pd", "Ps", "Pe", "Sc", "Sm", "Pi", "Pf"}:
            good += 0.5
    char_score = good / len(chars)
    # Tokens of pure punctuation (leader dots, dashes) say nothing either way; a word-like token
    # is mostly letters/digits in any script, with at most one change between letters and digits
    # per three characters (junk layers interleave them: "l1I;.0o").
    tokens = [t for t in _TOKEN.findall(text) if any(c.isalnum() for c in t)]
    word_score = sum(1 for t in tokens if _wordlike(t)) / len(tokens) if tokens else 0.0
    return round(0.5 * char_score + 0.5 * word_score, 4)


def _image_coverage(page: pdfium.PdfPage, width: float, height: float) -> float:
    """Share of the page area covered by image objects (largest single image, clipped)."""
    area = max(width * height, 1.0)
    best = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        w = max(0.0, min(right, width) - max(left, 0.0))
        h = max(0.0, min(top, height) - max(bottom, 0.0))
        best = max(best, w * h / area)
    return round(min(best, 1.0), 4)


def route_page(page: pdfium.PdfPage, verify_layer: bool = True,
               lang: str = "eng") -> RouteDecision:
    """Decide text / ocr / empty for one pypdfium2 page.

    With `verify_layer`, a page that is mostly one image yet has a plausible text layer (a
    "searchable" scan) has that layer checked against the image (extract.layer_check); a layer
    the image does not confirm sends the page to OCR, with the agreement as its score.
    """
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range() if count else ""
    finally:
        textpage.close()
    visible = len([c for c in text if not c.isspace()])
    coverage = _image_coverage(page, width, height)
    quality = text_quality(text)
    if visible < MIN_TEXT_CHARS:
        if coverage > 0.0:
            return RouteDecision(
                "ocr", visible, quality, coverage, "no text layer; page has images"
            )
        if visible == 0:
            return RouteDecision("empty", 0, 0.0, coverage, "no text and no images")
        return RouteDecision("text", visible, quality, coverage, "little text, no images")
    if quality < MIN_TEXT_QUALITY:
        return RouteDecision(
            "ocr", visible, quality, coverage, f"text layer looks like junk (quality {quality})"
        )
    if coverage >= SCAN_IMAGE_COVERAGE and visible < 200 and quality < 0.8:
        return RouteDecision(
            "ocr", visible, quality, coverage, "scanned image with a thin, doubtful text layer"
        )
    if verify_layer and coverage >= SCAN_IMAGE_COVERAGE:
        check = check_text_layer(page, lang)
        if not check.matches:
            return RouteDecision(
                "ocr", visible, min(quality, check.agreement or 0.0), coverage,
                f"text layer does not match the page image: {check.agreement:.0%} of its "
                f"{check.grams} letter trigrams in a sample band confirmed by OCR",
            )
        if check.agreement is not None:
            return RouteDecision("text", visible, quality, coverage,
                                 f"usable text layer ({check.agreement:.0%} of its "
                                 f"{check.grams} letter trigrams in a sample band confirmed "
                                 "by OCR)")
    return RouteDecision("text", visible, quality, coverage, "usable text layer")


def route_document(path: str, verify_layers: bool = True, lang: str = "eng",
                   max_pages: int | None = None) -> list[RouteDecision]:
    """Route every page of a PDF; raises if the file cannot be opened as a PDF.

    Pages past `max_pages` are not looked at: they get the route `skipped`, which says why.
    """
    pdf = pdfium.PdfDocument(path)
    try:
        n = len(pdf)
        limit = n if max_pages is None else min(n, max_pages)
        skipped = RouteDecision("skipped", 0, 0.0, 0.0,
                                f"past the limit of {max_pages} pages per document "
                                f"({n} pages): not read")
        return [route_page(pdf[i], verify_layers, lang) for i in range(limit)] + \
            [skipped] * (n - limit)
    finally:
        pdf.close()
