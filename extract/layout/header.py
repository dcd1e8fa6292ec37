"""The header row: a table's header lines flattened into one row.

A label on an upper header line that spans several columns (NICS prints "Pre-Pawn" once over
Handgun / Long Gun / Other) is given to every column it spans, in front of each column's own
header text; a two-line label ("Permit" over "Recheck") stays one column's label.
"""

from __future__ import annotations

from extract.layout.records import row_from
from extract.layout_settings import LayoutSettings
from extract.lines import TextLine, split_segments
from extract.model import Cell, TableRow, Word, union_bbox
from extract.page_layout import HRule, PageLayout, VRule

Runs = list[tuple[Word, ...]]


def header_row(lines: list[TextLine], edges: tuple[float, ...], layout: PageLayout,
               s: LayoutSettings) -> TableRow:
    """The header lines flattened into one row, a spanning label given to every column it spans.

    NICS prints "Pre-Pawn" once over Handgun / Long Gun / Other: flattened by column it reads
    "Handgun", "Pre-Pawn Long Gun", "*Other". A label on an upper header line spans the columns
    between the vertical rules that enclose it on its line (a ruled header draws its spanning
    cell that way), or else the group of sub-header runs below it that it is centred over;
    each of those columns gets the label in front of its own header text ("Pre-Pawn Handgun").
    """
    if len(lines) < 2:
        return row_from(lines, edges, layout.number, "header")
    labels: dict[int, list[Word]] = {}
    rest: list[TextLine] = []
    for k in range(len(lines) - 1):
        leftover = _spread_labels(lines, k, edges, layout, s, labels)
        if leftover:
            rest.append(TextLine(tuple(leftover)))
    if not labels:
        return row_from(lines, edges, layout.number, "header")
    own = row_from(rest + [lines[-1]], edges, layout.number, "header")
    cells = []
    for col in range(len(edges) - 1):
        label = labels.get(col, [])
        cell = own.cells[col]
        text = " ".join([w.text for w in label] + ([cell.text] if cell.text else []))
        boxes = [w.bbox for w in label] + ([cell.bbox] if cell.bbox else [])
        cells.append(Cell(text, union_bbox(boxes) if boxes else None, cell.confidence))
    return TableRow(tuple(cells), layout.number, "header")


def _spread_labels(lines: list[TextLine], k: int, edges: tuple[float, ...], layout: PageLayout,
                   s: LayoutSettings, labels: dict[int, list[Word]]) -> list[Word]:
    """The spanning labels of header line k added to `labels` under each column they span
    (a label heads sub-headers: two or more runs of words under it, in its columns); the
    words of the line that are no such label are returned."""
    ln = lines[k]
    below_lines = [split_segments(lower, layout.char_size, s) for lower in lines[k + 1:]]
    below = [run for runs in below_lines for seg2 in runs
             for run in split_by_column(seg2, edges)]
    segs = _label_runs(ln, lines[k + 1], edges, layout.char_size, s)
    mids = [(seg[0].x0 + seg[-1].x1) / 2 for seg in segs]
    leftover: list[Word] = []
    for i, seg in enumerate(segs):
        bounds = ((mids[i - 1] + mids[i]) / 2 if i else float("-inf"),
                  (mids[i] + mids[i + 1]) / 2 if i + 1 < len(segs) else float("inf"))
        cols = _label_columns(seg, bounds, lines, k, below_lines, edges, layout, s)
        # the upper line of a two-line label, maybe with a line of centred one-line labels
        # between its two lines ("Arrestee" · "Arrest Date / Time … Officer" · "Birthday")
        if cols and any(stacked(seg, lower, edges, s) for lower in lines[k + 1:]):
            cols = []
        lo, hi = edges[cols[0]] if cols else 0.0, edges[cols[-1] + 1] if cols else 0.0
        subs = sum(1 for b in below if lo <= (b[0].x0 + b[-1].x1) / 2 <= hi)
        if len(cols) >= 2 and subs >= 2:
            for col in cols:
                labels.setdefault(col, []).extend(seg)
        else:
            leftover.extend(seg)
    return leftover


def _label_runs(ln: TextLine, nxt: TextLine, edges: tuple[float, ...], char_size: float,
                s: LayoutSettings) -> Runs:
    """The runs of a header line that may be labels: two stacked labels set as close as words
    ("Number of County" over "Declined Detainers" and "Name") are one run per column, each
    over its own column's label, not one group."""
    segs: Runs = []
    for seg in split_segments(ln, char_size, s):
        parts = split_by_column(seg, edges)
        if len(parts) > 1 and all(stacked(p, nxt, edges, s) for p in parts):
            segs.extend(parts)
        else:
            segs.append(seg)
    return segs


def _label_columns(seg: tuple[Word, ...], bounds: tuple[float, float], lines: list[TextLine],
                   k: int, below_lines: list[Runs], edges: tuple[float, ...],
                   layout: PageLayout, s: LayoutSettings) -> list[int]:
    """Columns the label `seg` of header line k spans: between the rules that enclose it, else
    the group of runs below it that it is centred over (within its share of the line,
    `bounds`)."""
    ln = lines[k]
    cols = _spanned(seg, edges, layout.vrules, (ln.top + ln.bottom) / 2, s)
    if len(cols) >= 2:
        return cols
    if len(cols) == 1:  # rules close the label in one column: its own label ("Sospechosos"
        return []       # set mid-height beside two-line labels), spanning nothing
    cols, _ = _centred_group(seg, below_lines, edges, bounds, s)
    if cols:
        return cols
    # sub-headers set too close to be separate runs ("Handgun Long Gun" under "Rentals"):
    # split them at column edges, and take the group only when a rule divides the label from
    # it (a two-line header such as "Permit / Recheck" has no rule between its lines)
    split = [[run for seg2 in runs for run in split_by_column(seg2, edges)]
             for runs in below_lines]
    cols, line = _centred_group(seg, split, edges, bounds, s)
    if cols and not _rule_between(ln, lines[k + 1 + line], edges[cols[0]],
                                  edges[cols[-1] + 1], layout.hrules, s):
        return []
    return cols


def stacked(seg: tuple[Word, ...], below: TextLine, edges: tuple[float, ...],
            s: LayoutSettings) -> bool:
    """The upper word of a two-line header ("Permit" over "Recheck"), not a group label: it
    sits inside one column, over a word of the next line that covers most of it."""
    x0, x1 = seg[0].x0, seg[-1].x1
    if any(x0 + s.edge_overlap_pt < e < x1 - s.edge_overlap_pt for e in edges):
        return False
    return any(min(x1, w.x1) - max(x0, w.x0) >= s.stacked_cover_share * (x1 - x0)
               for w in below.words)


def _centred_group(seg: tuple[Word, ...], below: list[Runs], edges: tuple[float, ...],
                   bounds: tuple[float, float], s: LayoutSettings) -> tuple[list[int], int]:
    """Columns of the fewest consecutive runs (two or more) of one sub-header line that the
    label is centred over (within centred_share of its width), inside the label's share of its
    line: spanning labels are centred on their group. Also which line below it was."""
    x0, x1 = seg[0].x0, seg[-1].x1
    mid, tol = (x0 + x1) / 2, s.centred_share * (x1 - x0)
    best: tuple[int, float, float, int] | None = None
    for k, line_runs in enumerate(below):
        runs = sorted((b[0].x0, b[-1].x1) for b in line_runs
                      if bounds[0] < (b[0].x0 + b[-1].x1) / 2 < bounds[1])
        for i in range(len(runs)):
            for j in range(i + 1, len(runs)):
                lo, hi = runs[i][0], runs[j][1]
                if abs((lo + hi) / 2 - mid) <= tol and (best is None or j - i < best[0]):
                    best = (j - i, lo, hi, k)
    if best is None:
        return [], -1
    _, lo, hi, k = best
    return [i for i in range(len(edges) - 1) if lo <= (edges[i] + edges[i + 1]) / 2 <= hi], k


def split_by_column(seg: tuple[Word, ...], edges: tuple[float, ...]) -> Runs:
    """A run of words cut where consecutive words' centres fall in different columns."""
    out: list[list[Word]] = []
    last = None
    for w in seg:
        mid = (w.x0 + w.x1) / 2
        col = max((i for i in range(len(edges) - 1) if mid >= edges[i]), default=0)
        if out and col == last:
            out[-1].append(w)
        else:
            out.append([w])
        last = col
    return [tuple(run) for run in out]


def _rule_between(upper: TextLine, lower: TextLine, x0: float, x1: float,
                  hrules: list[HRule], s: LayoutSettings) -> bool:
    """A horizontal rule between two lines covering most of [x0, x1]."""
    y0, y1 = (upper.top + upper.bottom) / 2, (lower.top + lower.bottom) / 2
    return any(y0 < r.y < y1 and min(r.x1, x1) - max(r.x0, x0) >= s.rule_cover_share * (x1 - x0)
               for r in hrules)


def _spanned(seg: tuple[Word, ...], edges: tuple[float, ...], vrules: list[VRule],
             y: float, s: LayoutSettings) -> list[int]:
    """Columns a header label spans: between the rules enclosing it on its line (no rule
    crossing its words), else none (see _centred_group)."""
    x0, x1 = min(w.x0 for w in seg), max(w.x1 for w in seg)
    mid = (x0 + x1) / 2
    touch = s.rule_overlap_pt
    crossing = sorted(r.x for r in vrules if r.top - touch <= y <= r.bottom + touch)
    if any(x0 + touch < x < x1 - touch for x in crossing):
        return []  # rules run through the label: they are the columns', not the label's cell
    left = max((x for x in crossing if x <= x0 + touch), default=None)
    right = min((x for x in crossing if x >= x1 - touch), default=None)
    if left is not None and right is not None and left < mid < right:
        lo, hi = left, right
    else:
        return []
    cols = []
    for i in range(len(edges) - 1):
        a, b = max(lo, edges[i]), min(hi, edges[i + 1])
        if b - a > s.label_span_share * (edges[i + 1] - edges[i]):
            cols.append(i)
    return cols
