"""A block's column edges: from vertical rules when it is ruled, otherwise from gutters.

A gutter is an x-range (almost) no line's words cover; columns set tighter than a gutter are
found later by alignment (extract.layout.cuts).
"""

from __future__ import annotations

import numpy as np

from extract.layout_settings import LayoutSettings
from extract.lines import TextLine
from extract.model import Word
from extract.page_layout import PageLayout, VRule


def gutters(lines: list[TextLine], x0: float, x1: float, min_width: float, s: LayoutSettings,
            strict_below: float = 0.0) -> list[float]:
    """Centres of the x-ranges that (almost) no line's words cover, wider than min_width.

    In a block of ten lines or more (gutter_crossing_one_in), up to a tenth of the lines may
    cross a gutter: spanning group headers ("Redemption" over Handgun / Long Gun / Other) and
    the odd overflowing value would otherwise hide every sub-column. A gutter narrower than
    `strict_below` (no wider than a space between words) must be crossed by no line at all: in
    a monospaced column of "County of X" / "Carson City", first words of one length leave a
    one-space "gutter" that only the odd line ("City of Baltimore") crosses, while a table set
    one space apart has its columns clear on every line.
    """
    if x1 <= x0:
        return []
    step = s.gutter_step_pt
    allowed = len(lines) // s.gutter_crossing_one_in  # none under that many lines
    size = int((x1 - x0) / step) + 2
    count = np.zeros(size, dtype=np.int32)
    for ln in lines:
        covered = np.zeros(size, dtype=bool)
        for w in ln.words:
            covered[max(0, int((w.x0 - x0) / step)):int((w.x1 - x0) / step) + 1] = True
        count += covered
    free = count <= allowed
    cuts: list[float] = []
    i = 0
    while i < size:
        if not free[i]:
            i += 1
            continue
        j = i
        while j < size and free[j]:
            j += 1
        # Interior runs only: text on both sides, and wide enough to be a gutter.
        if i > 0 and j < size and (j - i) * step >= min_width and not (
                (j - i) * step < strict_below and count[i:j].max() > 0):
            cuts.append(x0 + _clearest(count[i:j], i, int(min_width / step)) * step)
        i = j
    return cuts


def _clearest(run: np.ndarray, offset: int, min_len: int) -> float:
    """Index of the cut inside a gutter: the middle of its longest stretch no line crosses.

    A header wider than its column ("Declined Detainers" over a column of counts) crosses the
    gutter on one side only; cutting where nothing crosses keeps the header with its column.
    """
    best, best_len, k = None, 0, 0
    while k < len(run):
        if run[k] == 0:
            m = k
            while m < len(run) and run[m] == 0:
                m += 1
            if m - k > best_len:
                best, best_len = (k + m) / 2, m - k
            k = m
        else:
            k += 1
    if best is None or best_len < min_len:
        return offset + len(run) / 2
    return offset + best


def _vrule_edges(vrules: list[VRule], top: float, bottom: float,
                 s: LayoutSettings) -> list[float]:
    """x of vertical rules that cover most of the block's height."""
    height = max(bottom - top, 1.0)
    xs = []
    for r in vrules:
        overlap = min(r.bottom, bottom) - max(r.top, top)
        if overlap >= s.column_rule_share * height:
            xs.append(r.x)
    xs.sort()
    merged: list[float] = []
    for x in xs:
        if not merged or x - merged[-1] > s.double_rule_pt:
            merged.append(x)
    return merged


def _word_gap(lines: list[TextLine], char_size: float, s: LayoutSettings) -> float:
    """The usual space between two words of one phrase in these lines (0 if none)."""
    gaps = sorted(b.x0 - a.x1 for ln in lines for a, b in zip(ln.words, ln.words[1:])
                  if 0 < b.x0 - a.x1 < s.word_gap_max_em * char_size)
    return gaps[len(gaps) // 2] if len(gaps) >= s.word_gap_samples else 0.0


def find_columns(lines: list[TextLine], layout: PageLayout,
                 s: LayoutSettings) -> tuple[list[float], bool]:
    """Column edges of a block, from vertical rules if it is ruled, else from gutters; and
    whether they came from rules."""
    top = min(ln.top for ln in lines)
    bottom = max(ln.bottom for ln in lines)
    x0 = min(ln.x0 for ln in lines)
    x1 = max(ln.x1 for ln in lines)
    ruled = [x for x in _vrule_edges(layout.vrules, top, bottom, s)
             if x0 - s.rule_reach_pt <= x <= x1 + s.rule_reach_pt]
    cuts = gutters(lines, x0, x1, s.min_gutter_em * layout.char_size, s,
                   strict_below=s.strict_gutter_ratio * _word_gap(lines, layout.char_size, s))
    pad = s.edge_pad_pt
    if len(ruled) < 2:
        return [x0 - pad, *cuts, x1 + pad], False
    # Rules bound the groups; gutters inside a ruled cell split sub-columns (NICS draws one
    # rule around "Handgun Long Gun Other").
    # A cut is the same gap as a rule when no text lies between the two.
    extra = [c for c in cuts
             if all(column_has_text(lines, min(c, x), max(c, x)) for x in ruled)]
    edges = sorted({*ruled, *extra})
    if edges[0] > x0 + pad:
        edges.insert(0, x0 - pad)
    if edges[-1] < x1 - pad:
        edges.append(x1 + pad)
    # A gutter cut splits a ruled cell only where lines hold words on both sides of it
    # (two values side by side, as in the data rows under NICS's one rule around
    # "Handgun Long Gun Other"); a header word left of right-aligned digits is one cell.
    for cut in extra:
        i = edges.index(cut)
        both = sum(1 for ln in lines
                   if column_has_text([ln], edges[i - 1], cut)
                   and column_has_text([ln], cut, edges[i + 1]))
        if both < s.split_cell_lines:
            edges.remove(cut)
    return edges, True


def column_has_text(lines: list[TextLine], a: float, b: float) -> bool:
    """Whether a word of the lines has its centre in [a, b)."""
    return any(a <= (w.x0 + w.x1) / 2 < b for ln in lines for w in ln.words)


def free_stretches(lo: float, hi: float, words: list[Word]) -> list[tuple[float, float]]:
    """The stretches (start, end) of [lo, hi] no word covers."""
    spans = sorted((max(lo, w.x0), min(hi, w.x1)) for w in words if w.x1 > lo and w.x0 < hi)
    out, start = [], lo
    for a, b in spans:
        if a > start:
            out.append((start, a))
        start = max(start, b)
    if hi > start:
        out.append((start, hi))
    return out


def free_points(lo: float, hi: float, words: list[Word]) -> list[float]:
    """Middles of the stretches of [lo, hi] no word covers."""
    return [(a + b) / 2 for a, b in free_stretches(lo, hi, words)]
