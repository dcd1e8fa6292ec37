"""Characters in the text layer that the page does not show: covered or clipped.

Spreadsheet exports draw a cell's full text and then let the next cell hide the overflow:
the FBI's NICS report holds "Alabama" in a narrow column, then paints that column's white
background over it and prints "0" on top, so a plain text layer reads the cell "Ala0..". Two
ways text is hidden are found here, both from the order and state in which pdfminer (under
pdfplumber) draws the page:

- covered: a filled shape drawn *after* a character over its centre (PDF paints in order, and
  fills are opaque; pdfminer does not expose transparency, so a translucent highlight drawn
  over text would count as covering it: rare in releases, and the text is then still in the
  page's text);
- clipped: outside the clipping path in force when it was drawn. pdfminer parses clipping
  operators and drops them, and pdfium's API cannot report these clips
  (FPDFClipPath_CountPaths returns -1 for them), so they are tracked while pdfminer
  interprets the page:

- `ClipTrackingInterpreter` follows `re`/path construction, `W`/`W*` (a clip pending until the
  path is ended), and `q`/`Q`, keeping the clip as a rectangle in page space (the bounding box
  of the clipping path through the CTM, intersected with the clip already in force);
- the clip travels on pdfminer's graphics state, which every LTChar carries;
- `hidden_chars(page)` returns the characters that are covered or whose centre lies outside
  their clip.

Rectangles, not exact paths: clips in exported tables are cell rectangles, and a bounding box
never hides a character a true path would show (it can only keep too many).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pdfplumber.page
from pdfminer.layout import LTChar, LTContainer, LTCurve
from pdfminer.pdfinterp import PDFGraphicState, PDFPageInterpreter
from pdfminer.utils import apply_matrix_pt

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF page space (y up)
_PAINT_OPS = ("n", "f", "F", "f_a", "S", "s", "B", "B_a", "b", "b_a")
_copy_state = PDFGraphicState.copy


def _copy_with_clip(self: PDFGraphicState) -> PDFGraphicState:
    new = _copy_state(self)
    new.clip = getattr(self, "clip", None)  # type: ignore[attr-defined]
    return new


def _intersect(a: Rect | None, b: Rect) -> Rect:
    if a is None:
        return b
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


class ClipTrackingInterpreter(PDFPageInterpreter):
    """pdfminer's interpreter, keeping the clipping rectangle on the graphics state."""

    def init_state(self, ctm) -> None:  # type: ignore[no-untyped-def]
        super().init_state(ctm)
        self.graphicstate.clip = None  # type: ignore[attr-defined]
        self._pending_clip: Rect | None = None

    def _path_rect(self) -> Rect | None:
        points = [(seg[-2], seg[-1]) for seg in self.curpath if len(seg) >= 3]
        if not points:
            return None
        pts = [apply_matrix_pt(self.ctm, (float(x), float(y))) for x, y in points]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return (min(xs), min(ys), max(xs), max(ys))

    def do_W(self) -> None:
        self._pending_clip = self._path_rect()

    def do_W_a(self) -> None:
        self._pending_clip = self._path_rect()

    def _apply_pending_clip(self) -> None:
        if self._pending_clip is not None:
            gs = self.graphicstate
            gs.clip = _intersect(getattr(gs, "clip", None), self._pending_clip)  # type: ignore[attr-defined]
            self._pending_clip = None


def _painting(op: str):  # type: ignore[no-untyped-def]
    original = getattr(PDFPageInterpreter, f"do_{op}")

    def paint(self: ClipTrackingInterpreter, *args):  # type: ignore[no-untyped-def]
        result = original(self, *args)
        self._apply_pending_clip()  # a clip takes effect when its path is ended
        return result

    paint.__name__ = f"do_{op}"
    return paint


for _op in _PAINT_OPS:
    setattr(ClipTrackingInterpreter, f"do_{_op}", _painting(_op))


def install() -> None:
    """Make pdfplumber interpret pages with clip tracking (idempotent).

    pdfplumber builds its interpreter by name inside Page.layout; replacing that name is the
    one hook it offers. The graphics state's copy() learns to carry the clip.
    """
    PDFGraphicState.copy = _copy_with_clip  # type: ignore[method-assign]
    pdfplumber.page.PDFPageInterpreter = ClipTrackingInterpreter  # type: ignore[attr-defined,misc]


def _drawn(obj) -> Iterator:  # type: ignore[no-untyped-def]
    """Characters and shapes in drawing order (figures are opened in place)."""
    if isinstance(obj, LTChar | LTCurve):
        yield obj
    elif isinstance(obj, LTContainer):
        for child in obj:
            yield from _drawn(child)


def hidden_chars(page: pdfplumber.page.Page) -> set[tuple[str, float, float]]:
    """(text, x0, top) of the page's characters that are covered or clipped away.

    Keys use pdfplumber's own coordinates (top-left origin, rounded to 0.01 pt) so callers can
    drop the same characters from `page.chars`.
    """
    install()
    height = float(page.layout.height)
    chars: list[LTChar] = []
    order: list[int] = []
    fills: list[tuple[int, float, float, float, float]] = []
    for i, obj in enumerate(_drawn(page.layout)):
        if isinstance(obj, LTChar):
            chars.append(obj)
            order.append(i)
        elif getattr(obj, "fill", False):
            fills.append((i, obj.x0, obj.y0, obj.x1, obj.y1))
    if not chars:
        return set()
    cx = np.array([(c.x0 + c.x1) / 2 for c in chars])
    cy = np.array([(c.y0 + c.y1) / 2 for c in chars])
    drawn_at = np.array(order)
    hidden = np.zeros(len(chars), dtype=bool)
    for i, x0, y0, x1, y1 in fills:
        hidden |= (drawn_at < i) & (cx > x0) & (cx < x1) & (cy > y0) & (cy < y1)
    for k, char in enumerate(chars):
        clip = getattr(char.graphicstate, "clip", None)
        if clip is not None and not (clip[0] - 0.5 <= cx[k] <= clip[2] + 0.5
                                     and clip[1] - 0.5 <= cy[k] <= clip[3] + 0.5):
            hidden[k] = True
    return {(c.get_text(), round(c.x0, 2), round(height - c.y1, 2))
            for c, h in zip(chars, hidden) if h}
