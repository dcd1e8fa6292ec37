"""Columns set too tight for a gutter, cut from the header and from alignment.

A gutter needs min_gutter_em of clear space on (nearly) every line; a tight report sets columns
one space apart. Three kinds of evidence add column edges to those the gutters gave: sub-header
labels over columns no row fills (_header_cuts), values lining up with a header label
(_aligned_cuts), and, in a table without a header, values lining up with each other
(_headerless_aligned_cuts).
"""

from __future__ import annotations

import statistics

from extract.layout.columns import free_points
from extract.layout_settings import LayoutSettings
from extract.lines import TextLine, split_segments
from extract.model import Word
from extract.rows import is_date, is_number, is_typed


def add_column_cuts(lines: list[TextLine], edges: tuple[float, ...], header_lines: int,
                    ruled: bool, char_size: float, s: LayoutSettings) -> tuple[float, ...]:
    """The edges with the cuts the header and alignment show added (the same tuple when they
    show none): header cuts, then aligned cuts, then, for a table without a header or rules,
    headerless aligned cuts."""
    header, data = lines[:header_lines], lines[header_lines:]
    extra = _header_cuts(header, data, edges, char_size, s)
    extra += _aligned_cuts(header, data, tuple(sorted((*edges, *extra))), char_size, s)
    if not header_lines and not ruled:
        extra += _headerless_aligned_cuts(lines, tuple(sorted((*edges, *extra))), char_size, s)
    return tuple(sorted((*edges, *extra))) if extra else edges


def _header_cuts(header: list[TextLine], data: list[TextLine], edges: tuple[float, ...],
                 char_size: float, s: LayoutSettings) -> list[float]:
    """Columns only the header shows: sub-headers over columns that are empty in every row.

    NICS prints "Rentals: Handgun  Long Gun" over two columns no state fills; no gutter can
    be seen in the data, so the header's own word groups mark the boundary.
    """
    if not header or not data:
        return []
    cuts: list[float] = []
    below = [w for ln in data for w in ln.words]
    segs = split_segments(header[-1], char_size, s)
    for a, b in zip(segs, segs[1:]):
        left, right = a[-1].x1, b[0].x0
        mid_a = (a[0].x0 + a[-1].x1) / 2
        mid_b = (b[0].x0 + b[-1].x1) / 2
        if any(mid_a < e < mid_b for e in edges):
            continue
        cut = (left + right) / 2
        # Below, the pair must be (nearly) empty where it is ambiguous, and nothing may straddle
        # the cut (a Totals row may fill it: NICS prints 0 under both Rentals columns there).
        # A value set wholly under one label, clear of the gap between the two, belongs to that
        # label: a column empty in every row beside one filled a few times under its own label
        # is still two columns (tests/test_fuzz.py). A value reaching into the gap is ambiguous.
        busy = sum(1 for ln in data
                   if any(mid_a < (w.x0 + w.x1) / 2 < mid_b and w.x1 > left and w.x0 < right
                          for w in ln.words))
        if busy > len(data) // s.header_gap_filled_one_in:
            continue
        if any(w.x0 < cut < w.x1 for w in below):
            # A value wider than its label (a Total under a short header) may cross the middle
            # of the header gap, not the whole gap: cut where no word lies (tests/test_fuzz.py).
            free = free_points(left, right, below)
            if not free:
                continue
            cut = min(free, key=lambda x: abs(x - cut))
        cuts.append(cut)
    return cuts


def _aligned_cuts(header: list[TextLine], data: list[TextLine], edges: tuple[float, ...],
                  char_size: float, s: LayoutSettings) -> list[float]:
    """Columns set so close that no gutter shows, found where values line up with a label.

    A tight report prints "Mich.  OTSEGO COUNTY" with a gap narrower than a gutter, yet every
    value of the county column starts at the x where its label "Jurisdiction" starts (left
    aligned), or every count ends where its label ends (right aligned). When most data lines
    have a word, of several different texts, starting (ending) at a header word's left (right)
    edge, and no word on any line crosses that edge, a column boundary lies there.
    """
    if not header or len(data) < s.min_aligned_lines:
        return []
    words = [w for ln in [*header, *data] for w in ln.words]
    cuts: list[float] = []
    for hw in (w for ln in header for w in ln.words):
        for side in ("left", "right"):
            x = hw.x0 if side == "left" else hw.x1
            cut = _aligned_cut(x, side, data, words, sorted((*edges, *cuts)), char_size,
                               s.aligned_share, s)
            if cut is not None:
                cuts.append(cut)
    return cuts


def _headerless_aligned_cuts(data: list[TextLine], edges: tuple[float, ...],
                             char_size: float, s: LayoutSettings) -> list[float]:
    """Tight columns of a table printed without a header (a continuation page, a listing).

    A monospaced report sets "Calif. Monterey County" and "Facility 27-Jan-17" one space apart,
    so no gutter shows; but every facility starts at one x, every date at another. Candidate
    x's are the left edges where words of many lines start; each must pass what a header-led
    cut passes, more strictly (headerless_aligned_share, and the text before it ragged).
    """
    if len(data) < s.min_headerless_lines:
        return []
    words = [w for ln in data for w in ln.words]
    starts: dict[int, list[float]] = {}
    for w in words:
        starts.setdefault(round(w.x0 / s.align_tolerance_pt), []).append(w.x0)
    candidates = sorted((statistics.median(xs) for xs in starts.values()
                         if len(xs) >= s.min_aligned_lines), key=lambda x: x)
    cuts: list[float] = []
    for x in candidates:
        cut = _aligned_cut(x, "left", data, words, sorted((*edges, *cuts)), char_size,
                           s.headerless_aligned_share, s, ragged=True)
        if cut is not None:
            cuts.append(cut)
    return cuts


def _aligned_cut(x: float, side: str, data: list[TextLine], words: list[Word],
                 bounds: list[float], char_size: float, share: float, s: LayoutSettings,
                 ragged: bool = False) -> float | None:
    """The cut that values lined up at `x` make, or None when they do not make one.

    Most data lines (`share` of those with text between the neighbouring bounds, and at least
    min_aligned_lines) must hold a word starting (ending) at x, of at least min_aligned_texts
    different texts; no word may cross x; the column on the far side must hold text of its
    own, set at least min_aligned_gap_em away. `ragged`: the text just before x must end at
    two or more places (a real column boundary follows values of varying length; in
    monospaced type the second words of "John Smith", "Mary Jones", "Pete Brown" line up too,
    after first words of one length), unless on most lines a value meets text there
    ("11-Feb-17 EL SALVADOR": dates of one width before a text column).
    """
    if not bounds[0] < x < bounds[-1]:
        return None
    e_lo = max(e for e in bounds if e < x)
    e_hi = min(e for e in bounds if e > x)
    lines_with, lines_in, texts, ends, turns, dates = _alignment(x, side, data, e_lo, e_hi, s)
    if lines_with < max(s.min_aligned_lines, share * lines_in) \
            or len(texts) < s.min_aligned_texts:
        return None
    # "Declined Date" over "February 4, 2017" in monospaced type: "Date" and "4," start at the
    # same x (both after nine characters), but a cut there would split each date in two
    if dates > share * lines_with:
        return None
    if ragged and (not ends or max(ends) - min(ends) <= s.align_tolerance_pt) \
            and turns < share * lines_with:
        return None
    probe = x - s.align_probe_pt if side == "left" else x + s.align_probe_pt
    if any(w.x0 < probe < w.x1 for w in words):
        return None
    if side == "left":  # the column [e_lo, x) must hold text of its own
        own = [w.x1 for w in words if e_lo <= w.x0 and w.x1 <= probe]
        lo, hi = (max(own), x) if own else (None, None)
    else:  # the column (x, e_hi] likewise
        own = [w.x0 for w in words if w.x0 >= probe and w.x1 <= e_hi]
        lo, hi = (x, min(own)) if own else (None, None)
    if lo is None or hi - lo < s.min_aligned_gap_em * char_size:
        return None
    return (lo + hi) / 2


def _alignment(x: float, side: str, data: list[TextLine], e_lo: float, e_hi: float,
               s: LayoutSettings) -> tuple[int, int, set[str], list[float], int, int]:
    """How the data lines line up at `x` between the bounds e_lo and e_hi: the lines with a
    word starting (ending) there, the lines with text between the bounds, the texts of those
    words, where the text just before each left-aligned word ends, on how many lines a
    value (number, date) meets text at x, or text a value, and on how many the words on both
    sides of x read together as one date ("February | 4, 2017")."""
    texts: set[str] = set()
    ends: list[float] = []
    turns = lines_with = lines_in = dates = 0
    for ln in data:
        inside = [w for w in ln.words if e_lo <= (w.x0 + w.x1) / 2 < e_hi]
        # right alignment is read from numbers only: a left-aligned text column's
        # ragged right edge meets a label's end by chance
        hit = [w for w in inside
               if abs((w.x0 if side == "left" else w.x1) - x) <= s.align_tolerance_pt
               and (side == "left" or is_number(w.text))]
        lines_in += bool(inside)
        lines_with += bool(hit)
        texts.update(w.text for w in hit)
        if hit and side == "left":
            before = [w for w in inside if w.x1 <= hit[0].x0]
            if before:
                last = max(before, key=lambda w: w.x1)
                ends.append(last.x1)
                turns += is_typed(last.text) != is_typed(hit[0].text)
                after = [w.text for w in inside if w.x0 >= hit[0].x1][:1]
                dates += is_date(" ".join([last.text, hit[0].text, *after]))
    return lines_with, lines_in, texts, ends, turns, dates
