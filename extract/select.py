"""Score table candidates and keep the best one per table region.

The score rewards what a person checks first: rows whose cells are filled (engines that split a
wrapped record into one row per text line leave most cells of the extra rows empty), columns whose
values have one type, and a header of labels. Candidates are grouped by overlapping regions and
the best of each group is kept, with its engine and score recorded.
"""

from __future__ import annotations

from dataclasses import replace

from extract.evidence import evidence_factor
from extract.model import BBox, Table
from extract.page_layout import PageLayout
from extract.row_classes import classify_table
from extract.rows import is_typed


def score_table(table: Table) -> float:
    """Quality 0–1 of one candidate table."""
    data = [r for r in table.rows if r.kind in ("data", "total")]
    ncols = table.ncols
    if not data or ncols < 2:
        return 0.0
    # Cells a drawn span covers are empty by design; they are not missing values.
    covered = [sum(1 for c in r.cells if c.covered) for r in data]
    present = [sum(1 for t in r.texts if t) for r in data]
    fill = sum(present) / max(sum(ncols - c for c in covered), 1)
    if max(present) < 2:  # one value per row: a framed title or paragraph, not a table
        return 0.0
    filled = [p + c for p, c in zip(present, covered)]
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


# Tables one candidate reads as one block but others read apart (two ruled tables with a
# title between them) are split only when the pieces are this much better: a table broken in
# two by an engine loses its header on the second piece and scores a little lower anyway.
SPLIT_MARGIN = 0.05
# Pieces of a split must each be a sound table on their own.
PIECE_MIN_SCORE = 0.8


def _value(tables: list[Table], most: int) -> float:
    """Chars-weighted score of an option for a region, discounted when it holds much less of
    the region's text than the fullest option (it missed part of it)."""
    chars = sum(_chars(t) for t in tables)
    if not chars:
        return 0.0
    mean = sum(t.score * _chars(t) for t in tables) / chars
    return mean * (0.6 + 0.4 * chars / (most or 1))


def _split(group: list[Table]) -> list[Table]:
    """The best set of disjoint sound candidates inside one region, or [] if fewer than two."""
    pieces: list[Table] = []
    for t in sorted(group, key=lambda t: (-t.score, -_chars(t), t.engine != "layout")):
        if t.score >= PIECE_MIN_SCORE and all(_overlap(t.bbox, p.bbox) < 0.1 for p in pieces):
            pieces.append(t)
    return pieces if len(pieces) >= 2 else []


def select_tables(candidates: list[Table], layout: PageLayout | None = None) -> list[Table]:
    """The best candidate of each region, in reading order (top to bottom).

    With the page's layout, each score is weighed by the page's evidence (words cut between
    cells, cells a drawn rule runs through: `extract.evidence`). Candidates are grouped by
    overlapping boxes. A group's answer is its best single candidate,
    or several disjoint ones when one engine read two tables apart that another ran together.
    """
    scored = [replace(t, score=round(score_table(t) * (
        evidence_factor(t, layout) if layout is not None else 1.0), 4)) for t in candidates]
    groups: list[list[Table]] = []
    for t in sorted(scored, key=lambda t: -_chars(t)):
        for g in groups:
            if any(_overlap(t.bbox, o.bbox) >= 0.5 for o in g):
                g.append(t)
                break
        else:
            groups.append([t])
    best: list[Table] = []
    for g in groups:
        pieces = _split(g)
        most = max([_chars(t) for t in g] + [sum(_chars(t) for t in pieces)]) or 1
        pick = max(g, key=lambda t: (_value([t], most), t.engine == "layout"))
        if pieces and _value(pieces, most) > _value([pick], most) + SPLIT_MARGIN:
            best.extend(pieces)
        elif pick.score > 0:  # a region no engine reads as a table stays page text only
            best.append(pick)
    return [classify_table(t) for t in
            sorted(best, key=lambda t: (t.bbox[1] if t.bbox else 0, t.bbox[0] if t.bbox else 0))]
