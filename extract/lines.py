"""Words → text lines → blocks: the geometry every layout-based table step starts from.

Named steps, each testable alone: `group_lines` → `split_segments` → `group_blocks`.
Their tolerances are LayoutSettings fields (extract.layout_settings): multiples of the page's
median character size, but for the slack of drawn rules, which is in points.
"""

from __future__ import annotations

from dataclasses import dataclass

from extract.layout_settings import DEFAULT_LAYOUT, LayoutSettings
from extract.model import BBox, Word, union_bbox
from extract.page_layout import HRule, VRule


@dataclass(frozen=True)
class TextLine:
    """Words sharing a baseline, left to right."""

    words: tuple[Word, ...]

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def bbox(self) -> BBox:
        box = union_bbox([w.bbox for w in self.words])
        assert box is not None
        return box

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def size(self) -> float:
        return max(w.size for w in self.words) or (self.bottom - self.top)


def group_lines(words: list[Word], char_size: float,
                settings: LayoutSettings | None = None) -> list[TextLine]:
    """Cluster words into lines by vertical overlap of their centres (top to bottom)."""
    tol = (settings or DEFAULT_LAYOUT).line_centre_em * char_size
    lines: list[list[Word]] = []
    centres: list[float] = []
    for w in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        mid = (w.top + w.bottom) / 2
        if lines and abs(mid - centres[-1]) <= tol:
            lines[-1].append(w)
            n = len(lines[-1])
            centres[-1] = centres[-1] + (mid - centres[-1]) / n
        else:
            lines.append([w])
            centres.append(mid)
    return [TextLine(tuple(sorted(ws, key=lambda w: w.x0))) for ws in lines]


def split_segments(line: TextLine, char_size: float,
                   settings: LayoutSettings | None = None) -> list[tuple[Word, ...]]:
    """Split a line where the gap between words is wider than a few spaces."""
    gap = (settings or DEFAULT_LAYOUT).segment_gap_em * char_size
    segs: list[list[Word]] = [[line.words[0]]]
    for prev, w in zip(line.words, line.words[1:]):
        if w.x0 - prev.x1 > gap:
            segs.append([w])
        else:
            segs[-1].append(w)
    return [tuple(s) for s in segs]


def _rule_between(a: TextLine, b: TextLine, hrules: list[HRule], s: LayoutSettings) -> bool:
    """True when a horizontal rule lies between two lines and spans both horizontally."""
    lo, hi = a.bottom - s.rule_overlap_pt, b.top + s.rule_overlap_pt
    left, right = min(a.x0, b.x0), max(a.x1, b.x1)
    for r in hrules:
        if lo <= r.y <= hi and r.x0 <= left + s.rule_reach_pt \
                and r.x1 >= min(right, left + s.rule_cover_share * (right - left)):
            return True
    return False


def _same_band(a: TextLine, b: TextLine, hrules: list[HRule], char_size: float,
               s: LayoutSettings) -> bool:
    """Both lines lie in one band between two spanning rules, no rule between them: a ruled
    table that draws a rule every few rows (NICS: every five states) holds a taller row
    ("District of Columbia" on two lines) inside a band, not a new block."""
    if len(split_segments(a, char_size, s)) < 2 or len(split_segments(b, char_size, s)) < 2:
        return False  # a note and the next section's heading share no band
    left, right = min(a.x0, b.x0), max(a.x1, b.x1)

    def spans(r: HRule) -> bool:
        return r.x0 <= left + s.rule_reach_pt and r.x1 >= right - s.rule_reach_pt

    above = [r.y for r in hrules if r.y <= a.top + s.rule_overlap_pt and spans(r)]
    below = [r.y for r in hrules if r.y >= b.bottom - s.rule_overlap_pt and spans(r)]
    if not above or not below:
        return False
    top, bottom = max(above), min(below)
    return bottom - top <= s.band_max_em * char_size and not _rule_between(a, b, hrules, s)


def _grid_continues(a: TextLine, b: TextLine, vrules: list[VRule], s: LayoutSettings) -> bool:
    """True when a vertical rule within the lines' width crosses the whole gap between them:
    the cell borders of one grid go on from one row to the next."""
    left, right = min(a.x0, b.x0), max(a.x1, b.x1)
    reach, touch = s.rule_reach_pt, s.rule_overlap_pt
    return any(left - reach <= v.x <= right + reach and v.top <= a.bottom + touch
               and v.bottom >= b.top - touch for v in vrules)


def _ruled_rows(a: TextLine, b: TextLine, hrules: list[HRule], vrules: list[VRule],
                char_size: float, s: LayoutSettings) -> bool:
    """A rule between two lines joins them unless one is a wide single run (a title or a
    note) and no vertical rule of a grid crosses the gap: the bottom rule of one table and a
    title under it ("Table 7 : DISTRIBUTION ...") must not chain two tables into one block,
    while a wrapped cell's last line ("Center") over the next ruled row stays in its table."""
    if not _rule_between(a, b, hrules, s):
        return False
    span = max(a.x1, b.x1) - min(a.x0, b.x0)

    def wide_run(line: TextLine) -> bool:
        return len(split_segments(line, char_size, s)) == 1 \
            and line.x1 - line.x0 > s.spanning_share * span

    if not wide_run(a) and not wide_run(b):
        return True
    return _grid_continues(a, b, vrules, s)


def group_blocks(
    lines: list[TextLine], char_size: float, hrules: list[HRule],
    vrules: list[VRule] | None = None, settings: LayoutSettings | None = None,
) -> list[list[TextLine]]:
    """Runs of lines separated by small vertical gaps (or by a rule between table rows)."""
    s = settings or DEFAULT_LAYOUT
    blocks: list[list[TextLine]] = []
    limit = s.block_gap_em * char_size
    for line in lines:
        if blocks:
            prev = blocks[-1][-1]
            gap = line.top - prev.bottom
            if gap <= limit or (gap <= s.ruled_gap_em * char_size and (
                    _ruled_rows(prev, line, hrules, vrules or [], char_size, s)
                    or _same_band(prev, line, hrules, char_size, s))):
                blocks[-1].append(line)
                continue
        blocks.append([line])
    return blocks
