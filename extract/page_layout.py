"""Read one born-digital page into what the table builder needs: words, ruling lines, text.

Tolerances come from the page's own character sizes, never from a constant tuned on one file:
a 1.8-point police log and a 12-point memo both get word and line grouping that fits them.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import numpy as np
import pdfplumber.page
import pdfplumber.utils

from extract.checkboxes import Checkbox, find_checkboxes
from extract.model import Word
from extract.visibility import hidden_chars, install

# Ruling segments shorter than this many median character heights are glyph decorations
# (underlines of single words, bullets), not table rules.
MIN_RULE_LENGTH_EM = 2.0
# A page is read sideways when at least this share of its visible characters runs vertically
# (a landscape table printed on a portrait page).
SIDEWAYS_SHARE = 0.6


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
    # Drawn checkboxes (extract.checkboxes), in this layout's frame.
    checkboxes: list[Checkbox] = field(default_factory=list)

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


def _rules(edges: list[dict], char_size: float) -> tuple[list[HRule], list[VRule]]:
    """Horizontal and vertical ruling segments from a page's edges (lines, rects, curves)."""
    min_len = MIN_RULE_LENGTH_EM * char_size
    hrules: list[HRule] = []
    vrules: list[VRule] = []
    for edge in edges:
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


def sideways_turn(chars: list[dict]) -> int:
    """Clockwise degrees (0, 90, 270) that turn a page's text upright.

    pdfplumber reports characters in the displayed frame (the page's /Rotate applied) with
    their text matrix; a character that runs down the page has a reading direction (a, b) with
    b < 0 in PDF space and is read after a quarter turn counter-clockwise (270 clockwise).
    """
    ink = [c for c in chars if c.get("text", " ").strip()]
    if not ink:
        return 0
    turned = [c for c in ink if not c.get("upright", True)]
    if len(turned) < SIDEWAYS_SHARE * len(ink):
        return 0
    down = sum(1 for c in turned if c["matrix"][1] < 0)
    return 270 if down >= len(turned) - down else 90


def _turn_box(x0: float, top: float, x1: float, bottom: float, turn: int,
              width: float, height: float) -> tuple[float, float, float, float]:
    """A page box in the frame the page is read in after a `turn` (clockwise degrees)."""
    if turn == 270:  # text ran down the page: the page's top edge becomes its left edge
        return top, width - x1, bottom, width - x0
    return height - bottom, x0, height - top, x1  # 90: text ran up the page


def _to_page(turn: int, width: float, height: float) -> np.ndarray:
    """2x3 affine from the turned frame's points back to the page's (see PageLayout.to_page)."""
    if turn == 270:
        return np.array([[0.0, -1.0, width], [1.0, 0.0, 0.0]])
    return np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, height]])


def _turned_chars(chars: list[dict], turn: int, width: float, height: float) -> list[dict]:
    out = []
    for c in chars:
        x0, top, x1, bottom = _turn_box(c["x0"], c["top"], c["x1"], c["bottom"], turn,
                                        width, height)
        # pdfminer sizes a sideways glyph by its advance; upright, a size is the box height,
        # and words group by size: give turned characters what an upright page would.
        out.append({**c, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
                    "size": round(bottom - top, 2),
                    # the turned frame is the page's width tall, whichever way it turned
                    "y0": width - bottom, "y1": width - top,
                    "upright": bool(c.get("upright", True)) is False})
    return out


def _turned_edges(edges: list[dict], turn: int, width: float, height: float) -> list[dict]:
    out = []
    for e in edges:
        x0, top, x1, bottom = _turn_box(e["x0"], e["top"], e["x1"], e["bottom"], turn,
                                        width, height)
        orientation = "v" if e["orientation"] == "h" else "h"
        out.append({"x0": x0, "x1": x1, "top": top, "bottom": bottom, "orientation": orientation})
    return out


def read_page_layout(page: pdfplumber.page.Page, number: int,
                     visible: bool = False) -> PageLayout:
    """Words (with font and size), rules and reading-order text of one pdfplumber page.

    A page whose text runs sideways is read in the frame that makes it upright (`rotation`,
    `to_page` say how to map back), as OCR pages are: tables on landscape pages then come out
    with their rows as rows.

    `visible`: the page is already visible_page()'s (callers that hand the same filtered page
    to pdfplumber's table finder filter once)."""
    if not visible:
        page = visible_page(page)
    chars, edges = page.chars, page.edges
    width, height = float(page.width), float(page.height)
    sizes = [c["size"] for c in chars if c.get("text", " ").strip() and c.get("upright", True)]
    boxes = find_checkboxes(page.rects, page.lines + page.curves, chars, edges,
                            statistics.median(sizes) if sizes else 10.0)
    turn = sideways_turn(chars)
    if turn:
        chars = _turned_chars(chars, turn, width, height)
        edges = _turned_edges(edges, turn, width, height)
        boxes = [Checkbox(_turn_box(*b.bbox, turn, width, height), b.checked) for b in boxes]
    sizes = [c["size"] for c in chars if c.get("text", " ").strip()]
    char_size = statistics.median(sizes) if sizes else 10.0
    x_tol = max(0.5, 0.3 * char_size)
    y_tol = max(0.5, 0.3 * char_size)
    raw = pdfplumber.utils.extract_words(
        chars,
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
    hrules, vrules = _rules(edges, char_size)
    text = pdfplumber.utils.extract_text(chars, x_tolerance=x_tol, y_tolerance=y_tol) or ""
    if turn:
        return PageLayout(number, height, width, words, hrules, vrules, text, char_size,
                          rotation=turn, to_page=_to_page(turn, width, height),
                          checkboxes=boxes)
    return PageLayout(number, width, height, words, hrules, vrules, text, char_size,
                      checkboxes=boxes)
