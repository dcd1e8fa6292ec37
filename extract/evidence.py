"""Check a candidate table against the page's own evidence: its words and its ruling lines.

Engines disagree in ways a table's cells alone cannot show. pdfplumber's text strategy and
camelot stream can cut a word in two ("The samp" | "le size"); a text-clustering builder can put
words from both sides of a drawn rule into one cell ("Age/Sex/ Preva- C.I*"); a lattice reading
of a table with only a few rules stacks a whole column of numbers into one cell ("11,062 1,540
9,522 ..."). All three are visible only against the page: where its words are and where its
rules run. `evidence_factor` turns the rates into a multiplier for the selector's score, so one
engine's ruling lines and another's text clustering are weighed against each other on the page.
"""

from __future__ import annotations

from bisect import bisect_right

from extract.model import Table, Word
from extract.page_layout import PageLayout
from extract.rows import is_date, is_number

# How much of a word may stick out of its cell before it counts as cut (in character sizes):
# glyph boxes overhang cell borders a little in well-made tables.
CUT_TOLERANCE_EM = 0.3
# How many cut words or crossed cells cost how much: a table with a tenth of its words cut is
# worth about half a clean one.
CUT_WEIGHT = 5.0
CROSS_WEIGHT = 3.0
STACK_WEIGHT = 3.0


def _rows_index(table: Table) -> tuple[list[float], list[tuple[float, float, list]]]:
    """Rows as (top, bottom, cell boxes) sorted by top, with the tops for bisection."""
    rows = []
    for r in table.rows:
        boxes = [c.bbox for c in r.cells if c.bbox is not None]
        if boxes:
            rows.append((min(b[1] for b in boxes), max(b[3] for b in boxes), boxes))
    rows.sort(key=lambda r: r[0])
    return [r[0] for r in rows], rows


def cut_rate(table: Table, words: list[Word], char_size: float) -> float:
    """Share of the table's words whose box is split between two cells of one row."""
    if table.bbox is None:
        return 0.0
    x0, top, x1, bottom = table.bbox
    tops, rows = _rows_index(table)
    tol = CUT_TOLERANCE_EM * char_size
    inside = cut = 0
    for w in words:
        cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
        if not (x0 <= cx <= x1 and top <= cy <= bottom):
            continue
        inside += 1
        hit = False
        i = bisect_right(tops, cy)
        for j in range(i - 1, max(-1, i - 4), -1):  # rows may overlap a little; look back 3
            r_top, r_bottom, boxes = rows[j]
            if r_bottom < cy:
                continue
            for b in boxes:
                if b[1] <= cy <= b[3]:
                    overlap = min(w.x1, b[2]) - max(w.x0, b[0])
                    if overlap > tol and (w.x0 < b[0] - tol or w.x1 > b[2] + tol):
                        hit = True
                        break
            if hit:
                break
        cut += hit
    return cut / inside if inside else 0.0


def cross_rate(table: Table, layout: PageLayout) -> float:
    """Share of the table's non-empty cells that a drawn vertical rule runs through.

    A rule inside a cell's text extent, covering the cell's middle, separates two values the
    candidate has run together (or a column the candidate did not see).
    """
    if not layout.vrules:
        return 0.0
    tol = CUT_TOLERANCE_EM * layout.char_size
    boxes = _filled_boxes(table)
    crossed = 0
    for x0, top, x1, bottom in boxes:
        cy = (top + bottom) / 2
        if any(x0 + tol < v.x < x1 - tol and v.top <= cy <= v.bottom for v in layout.vrules):
            crossed += 1
    return crossed / len(boxes) if boxes else 0.0


def _filled_boxes(table: Table) -> list:
    """Boxes of the table's cells that hold text (the ones the rates judge)."""
    return [c.bbox for r in table.rows for c in r.cells if c.text and c.bbox is not None]


def stack_rate(table: Table, words: list[Word], char_size: float) -> float:
    """Share of the table's non-empty cells that hold numbers on two or more text lines.

    A wrapped label may take several lines in one cell; two numbers one above the other in one
    cell are two rows the candidate did not split.
    """
    numeric = [w for w in words if is_number(w.text)]
    if not numeric:
        return 0.0
    numeric.sort(key=lambda w: w.top)
    tops = [w.top for w in numeric]
    boxes = _filled_boxes(table)
    # A date wrapped in its cell ("Feb 10," over "2017") is one value on two lines, not two.
    one_value = {c.bbox for r in table.rows for c in r.cells
                 if c.text and c.bbox is not None and is_date(" ".join(c.text.split()))}
    stacked = 0
    for x0, top, x1, bottom in boxes:
        if (x0, top, x1, bottom) in one_value:
            continue
        lines: list[float] = []
        for w in numeric[bisect_right(tops, top - char_size):]:
            if w.top > bottom:
                break
            cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
            if x0 <= cx <= x1 and top <= cy <= bottom and all(
                    abs(cy - y) > 0.6 * char_size for y in lines):
                lines.append(cy)
                if len(lines) >= 2:
                    stacked += 1
                    break
    return stacked / len(boxes) if boxes else 0.0


def evidence_factor(table: Table, layout: PageLayout) -> float:
    """Multiplier in (0, 1] for a candidate's score from the page's words and rules."""
    cuts = cut_rate(table, layout.words, layout.char_size)
    crosses = cross_rate(table, layout)
    stacks = stack_rate(table, layout.words, layout.char_size)
    factor = 1.0
    for rate, weight in ((cuts, CUT_WEIGHT), (crosses, CROSS_WEIGHT), (stacks, STACK_WEIGHT)):
        factor *= 1 - min(1.0, weight * rate) * 0.9
    return max(0.05, factor)
