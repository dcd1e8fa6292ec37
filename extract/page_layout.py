"""Read one born-digital page into what the table builder needs: words, ruling lines, text.

Tolerances come from the page's own character sizes, never from a constant tuned on one file:
a 1.8-point police log and a 12-point memo both get word and line grouping that fits them.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import pdfplumber.page

from extract.model import Word
from extract.visibility import hidden_chars, install

# Ruling segments shorter than this many median character heights are glyph decorations
# (underlines of single words, bullets), not table rules.
MIN_RULE_LENGTH_EM = 2.0


install()  # pages must be interpreted with clip tracking before any is parsed


@dataclass(frozen=True)
class HRule:
    """A horizontal ruling segment: y and its x extent (PDF points, top-left origin)."""

    y: float
    x0: float
    x1: float


@dataclass(frozen=True)
class VRule:
    """A vertical ruling segment: x and its y extent."""

    x: float
    top: float
    bottom: float


@dataclass
class PageLayout:
    """One page's words, rules and text, ready for table finding."""

    number: int
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    hrules: list[HRule] = field(default_factory=list)
    vrules: list[VRule] = field(default_factory=list)
    text: str = ""
    char_size: float = 10.0
    # OCR pages read in an upright, deskewed frame: what was applied, and the 2x3 affine that
    # maps this frame's points back to the page as it is in the file (None: the same frame).
    rotation: int = 0
    skew: float = 0.0
    to_page: object = None

    @property
    def line_height(self) -> float:
        return self.char_size * 1.2


def visible_page(page: pdfplumber.page.Page) -> pdfplumber.page.Page:
    """Drop characters the page does not show: off the page, zero-size, covered or clipped.

    A text layer can hold more than the page shows (text placed off the media box, overflow
    a spreadsheet export covers with the next cell, clipped runs: extract.visibility); those
    characters would otherwise leak into cells ("Ala0.." where the page shows "0").
    """
    x0, top, x1, bottom = page.bbox
    hidden = hidden_chars(page)

    def keep(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        if obj.get("size", 0) <= 0.1:
            return False
        if hidden and (obj.get("text"), round(obj["x0"], 2), round(obj["top"], 2)) in hidden:
            return False
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return x0 <= cx <= x1 and top <= cy <= bottom

    return page.filter(keep)


def _rules(page: pdfplumber.page.Page, char_size: float) -> tuple[list[HRule], list[VRule]]:
    """Horizontal and vertical ruling segments from lines, rect edges and curves."""
    min_len = MIN_RULE_LENGTH_EM * char_size
    hrules: list[HRule] = []
    vrules: list[VRule] = []
    for edge in page.edges:
        if edge["orientation"] == "h" and edge["x1"] - edge["x0"] >= min_len:
            hrules.append(HRule(round(edge["top"], 1), edge["x0"], edge["x1"]))
        elif edge["orientation"] == "v" and edge["bottom"] - edge["top"] >= min_len / 2:
            vrules.append(VRule(round(edge["x0"], 1), edge["top"], edge["bottom"]))
    return _merge_h(hrules, char_size * 0.3), _merge_v(vrules, char_size * 0.3)


def _merge_h(rules: list[HRule], tol: float) -> list[HRule]:
    """Join collinear, touching horizontal segments (a rule drawn as many cell borders)."""
    out: list[HRule] = []
    for r in sorted(rules, key=lambda r: (r.y, r.x0)):
        last = out[-1] if out else None
        if last and abs(last.y - r.y) <= tol and r.x0 <= last.x1 + tol:
            out[-1] = HRule(last.y, last.x0, max(last.x1, r.x1))
        else:
            out.append(r)
    return out


def _merge_v(rules: list[VRule], tol: float) -> list[VRule]:
    out: list[VRule] = []
    for r in sorted(rules, key=lambda r: (r.x, r.top)):
        last = out[-1] if out else None
        if last and abs(last.x - r.x) <= tol and r.top <= last.bottom + tol:
            out[-1] = VRule(last.x, last.top, max(last.bottom, r.bottom))
        else:
            out.append(r)
    return out


def read_page_layout(page: pdfplumber.page.Page, number: int,
                     visible: bool = False) -> PageLayout:
    """Words (with font and size), rules and reading-order text of one pdfplumber page.

    `visible`: the page is already visible_page()'s (callers that hand the same filtered page
    to pdfplumber's table finder filter once)."""
    if not visible:
        page = visible_page(page)
    sizes = [c["size"] for c in page.chars if c.get("text", " ").strip()]
    char_size = statistics.median(sizes) if sizes else 10.0
    x_tol = max(0.5, 0.3 * char_size)
    y_tol = max(0.5, 0.3 * char_size)
    raw = page.extract_words(
        x_tolerance=x_tol,
        y_tolerance=y_tol,
        keep_blank_chars=False,
        extra_attrs=["fontname", "size"],
    )
    words = [
        Word(
            w["text"],
            w["x0"],
            w["top"],
            w["x1"],
            w["bottom"],
            size=w["size"],
            font=w.get("fontname", ""),
        )
        for w in raw
    ]
    hrules, vrules = _rules(page, char_size)
    text = page.extract_text(x_tolerance=x_tol, y_tolerance=y_tol) or ""
    return PageLayout(
        number, float(page.width), float(page.height), words, hrules, vrules, text, char_size
    )
