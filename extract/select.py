"""Score table candidates and keep the best one per table region.

The score rewards what a person checks first: rows whose cells are filled (engines that split a
wrapped record into one row per text line leave most cells of the extra rows empty), columns whose
values have one type, and a header of labels. Candidates are grouped by overlapping regions and
the best of each group is kept, with its engine and score recorded.
"""

from __future__ import annotations

from dataclasses import replace

from extract.model import BBox, Table
from extract.rows import is_typed


def score_table(table: Table) -> float:
    """Quality 0–1 of one candidate table."""
    data = [r for r in table.rows if r.kind in ("data", "total")]
    ncols = table.ncols
    if not data or ncols < 2:
        return 0.0
    filled = [sum(1 for t in r.texts if t) for r in data]
    fill = sum(filled) / (len(data) * ncols)
    modal = max(filled)
    row_consistency = sum(1 for f in filled if f >= 0.5 * modal) / len(data)
    type_scores = []
    for c in range(ncols):
        vals = [r.texts[c] for r in data if c < len(r.cells) and r.texts[c]]
        if vals:
            typed = sum(1 for v in vals if is_typed(v)) / len(vals)
            type_scores.append(max(typed, 1 - typed))
    type_consistency = sum(type_scores) / len(type_scores) if type_scores else 0.0
    if table.header:
        labels = [h for h in table.header if h]
        header = len([h for h in labels if not is_typed(h)]) / ncols
    else:
        header = 0.3
    size = min(1.0, len(data) / 3)
    score = (0.35 * fill + 0.25 * row_consistency + 0.2 * type_consistency + 0.2 * header) * (
        0.7 + 0.3 * size
    )
    return round(score, 4)


def _overlap(a: BBox | None, b: BBox | None) -> float:
    """Intersection over the smaller box's area."""
    if a is None or b is None:
        return 0.0
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return (w * h) / max(smaller, 1e-6)


def _chars(table: Table) -> int:
    return sum(len(t) for r in table.rows if r.kind != "footnote" for t in r.texts)


def select_tables(candidates: list[Table]) -> list[Table]:
    """The best candidate of each region, in reading order (top to bottom)."""
    scored = [replace(t, score=score_table(t)) for t in candidates]
    groups: list[list[Table]] = []
    for t in sorted(scored, key=lambda t: -_chars(t)):
        for g in groups:
            if any(_overlap(t.bbox, o.bbox) >= 0.5 for o in g):
                g.append(t)
                break
        else:
            groups.append([t])
    best = []
    for g in groups:
        most = max(_chars(t) for t in g) or 1
        # A candidate holding much less of the region's text than another has missed part of it.
        pick = max(g, key=lambda t: (t.score * (0.6 + 0.4 * _chars(t) / most),
                                     t.engine == "layout"))
        best.append(pick)
    return sorted(best, key=lambda t: (t.bbox[1] if t.bbox else 0, t.bbox[0] if t.bbox else 0))
