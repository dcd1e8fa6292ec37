"""Checkboxes drawn on a born-digital page, and whether each is ticked.

Forms in FOIA releases (inspection reports, intake sheets) record yes/no answers as small drawn
squares, ticked with a cross or check mark drawn as lines or curves, or filled. The text layer
holds nothing for them, so a table cell with a checkbox reads as empty to every engine, and the
answer is lost. Here a box is found from the page's vector graphics and read as the cell value
`checked` or `unchecked` (CHECKED / UNCHECKED): words a journalist can filter on, and what the
page shows.

Sizes are relative to the page's median character size, never a constant: a checkbox is about
one character tall.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from extract.model import BBox, Table, Word

CHECKED = "checked"
UNCHECKED = "unchecked"
# A checkbox is a near-square this many character sizes on a side.
MIN_SIDE_EM, MAX_SIDE_EM = 0.5, 2.5
SQUARE_TOLERANCE = 0.2  # |width - height| / side
# More candidate squares than this on one page is a chart of markers or a grid of tiny cells,
# not a form: no checkbox is read (and the page costs no quadratic search).
MAX_CANDIDATES = 400
# Glyphs that are themselves a box (a font's ballot box), and what they say.
BOX_GLYPHS = {"☐": UNCHECKED, "□": UNCHECKED, "☑": CHECKED, "☒": CHECKED, "■": CHECKED}
# Glyphs that tick a drawn box when they sit inside it.
TICK_GLYPHS = set("xX✓✔✗✘•●")


@dataclass(frozen=True)
class Checkbox:
    bbox: BBox
    checked: bool

    @property
    def value(self) -> str:
        return CHECKED if self.checked else UNCHECKED


def _inside(inner: BBox, outer: BBox, tol: float) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


def _box(obj: dict) -> BBox:
    return (float(obj["x0"]), float(obj["top"]), float(obj["x1"]), float(obj["bottom"]))


def _on_longer_edge(box: BBox, edges: list[dict], tol: float) -> bool:
    """True when one of the box's sides lies on a drawn edge running well past it: the box
    is a cell of a grid, not a checkbox."""
    x0, top, x1, bottom = box
    side = max(x1 - x0, bottom - top)
    for e in edges:
        if e["orientation"] == "h":
            on_side = abs(e["top"] - top) <= tol or abs(e["top"] - bottom) <= tol
            longer = e["x0"] < x0 - side or e["x1"] > x1 + side
            touches = e["x1"] >= x0 and e["x0"] <= x1
        else:
            on_side = abs(e["x0"] - x0) <= tol or abs(e["x0"] - x1) <= tol
            longer = e["top"] < top - side or e["bottom"] > bottom + side
            touches = e["bottom"] >= top and e["top"] <= bottom
        if on_side and longer and touches:
            return True
    return False


def _abuts(a: BBox, b: BBox, tol: float) -> bool:
    """True when two boxes share part of a side (neighbouring cells of a grid)."""
    v_overlap = min(a[3], b[3]) - max(a[1], b[1])
    h_overlap = min(a[2], b[2]) - max(a[0], b[0])
    side_by_side = (abs(a[2] - b[0]) <= tol or abs(b[2] - a[0]) <= tol) and v_overlap > tol
    stacked = (abs(a[3] - b[1]) <= tol or abs(b[3] - a[1]) <= tol) and h_overlap > tol
    return side_by_side or stacked


def find_checkboxes(rects: list[dict], marks: list[dict], chars: list[dict], edges: list[dict],
                    char_size: float) -> list[Checkbox]:
    """Checkboxes among a page's rects; `marks` are its lines and curves (the ticks), `edges`
    every drawn edge (to tell a grid cell from a box).

    A box is a stroked near-square about one character tall, not part of a grid (no side on
    a longer rule, no neighbour sharing a side), with no
    letter inside it other than a tick glyph. It is ticked when a line or curve lies inside
    it, a smaller filled shape does, or a tick glyph does. Ballot-box glyphs (☐ ☒) count too.
    """
    lo, hi = MIN_SIDE_EM * char_size, MAX_SIDE_EM * char_size
    tol = 0.1 * char_size
    squares = []
    for r in rects:
        box = _box(r)
        w, h = box[2] - box[0], box[3] - box[1]
        if not (lo <= w <= hi and lo <= h <= hi) or abs(w - h) > SQUARE_TOLERANCE * max(w, h):
            continue
        if not r.get("stroke", True) and r.get("fill"):
            continue  # a solid square is a bullet or a redaction, not a box to tick
        squares.append((r, box))
    if len(squares) > MAX_CANDIDATES:
        return []
    cell = 2 * hi  # grid buckets: neighbours, ticks and letters of a box are in its 3x3 block
    near_rects = _buckets(((_box(o), o) for o in rects
                           if o["x1"] - o["x0"] <= 8 * hi and o["bottom"] - o["top"] <= 8 * hi),
                          cell)
    near_chars = _buckets(((_box(c), c) for c in chars if c.get("text", " ").strip()), cell)
    near_marks = _buckets(((_box(m), m) for m in marks), cell)
    found: list[Checkbox] = []
    for r, box in squares:
        w = box[2] - box[0]
        others = _around(near_rects, box, cell)
        if _on_longer_edge(box, edges, tol) or any(
                o is not r and _abuts(box, ob, tol) for ob, o in others):
            continue
        inside = [c for cb, c in _around(near_chars, box, cell) if _inside(cb, box, tol)]
        if any(c["text"] not in TICK_GLYPHS for c in inside):
            continue
        ticked = bool(inside) or any(
            _inside(mb, box, tol) for mb, _ in _around(near_marks, box, cell)
        ) or any(o is not r and o.get("fill") and _inside(ob, box, tol)
                 and (ob[2] - ob[0]) < w for ob, o in others)
        found.append(Checkbox(box, ticked))
    for c in chars:
        state = BOX_GLYPHS.get(c.get("text", ""))
        if state is not None:
            found.append(Checkbox(_box(c), state == CHECKED))
    return _distinct(found)


def _buckets(items, cell: float) -> dict[tuple[int, int], list]:
    """(box, object) pairs by the grid cell of their top-left corner."""
    out: dict[tuple[int, int], list] = {}
    for box, obj in items:
        out.setdefault((int(box[0] // cell), int(box[1] // cell)), []).append((box, obj))
    return out


def _around(buckets: dict, box: BBox, cell: float) -> list:
    """Objects whose top-left corner is in the box's grid cell or one of its neighbours."""
    cx, cy = int(box[0] // cell), int(box[1] // cell)
    return [item for dx in (-1, 0, 1) for dy in (-1, 0, 1)
            for item in buckets.get((cx + dx, cy + dy), ())]


def _distinct(boxes: list[Checkbox]) -> list[Checkbox]:
    """One checkbox per place: a box drawn twice (stroke over fill) is one box, ticked if
    either drawing is."""
    out: list[Checkbox] = []
    for b in sorted(boxes, key=lambda b: (b.bbox[1], b.bbox[0])):
        for i, o in enumerate(out):
            if _inside(b.bbox, o.bbox, 1.0) and _inside(o.bbox, b.bbox, 1.0):
                out[i] = Checkbox(o.bbox, o.checked or b.checked)
                break
        else:
            out.append(b)
    return out


def checkbox_words(boxes: list[Checkbox], words: list[Word], char_size: float) -> list[Word]:
    """The page's words with each box's state in place of the glyphs it holds (a tick "X", a
    ballot box "☐"), for the layout builder to place in columns like any value."""
    def covered(w: Word) -> bool:
        return w.text in BOX_GLYPHS or all(ch in TICK_GLYPHS for ch in w.text)

    kept = [w for w in words
            if not (covered(w) and any(_inside(w.bbox, b.bbox, 0.2 * char_size) for b in boxes))]
    return kept + [Word(b.value, *b.bbox, size=char_size) for b in boxes]


def fill_checkbox_cells(table: Table, boxes: list[Checkbox]) -> Table:
    """Empty cells holding exactly one checkbox get its state as their text.

    Engines that read the page's characters (pdfplumber, camelot) leave such cells empty."""
    if not boxes:
        return table
    rows = []
    changed = False
    for row in table.rows:
        cells = []
        for c in row.cells:
            glyphs = c.text.replace(" ", "")
            if c.bbox is not None and (not glyphs or glyphs in BOX_GLYPHS
                                       or all(ch in TICK_GLYPHS for ch in glyphs)):
                inside = [b for b in boxes if _inside(b.bbox, c.bbox, 1.0)]
                if len(inside) == 1:
                    c = replace(c, text=inside[0].value)
                    changed = True
            cells.append(c)
        rows.append(replace(row, cells=tuple(cells)))
    return replace(table, rows=tuple(rows)) if changed else table
