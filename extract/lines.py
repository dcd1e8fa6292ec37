"""Words → text lines → blocks: the geometry every layout-based table step starts from.

Named steps, each testable alone: `group_lines` → `split_segments` → `group_blocks`.
All tolerances are multiples of the page's median character size.
"""

from __future__ import annotations

from dataclasses import dataclass

from extract.model import BBox, Word, union_bbox
from extract.page_layout import HRule, VRule

# Words further apart than this many character sizes belong to different segments of a line
# (a table line has several segments; a prose line has one).
SEGMENT_GAP_EM = 0.9
# Lines whose vertical gap exceeds this many character sizes start a new block, unless a
# horizontal rule between them says they belong to one ruled table.
BLOCK_GAP_EM = 1.1
# A band between two rules at most this tall (in character sizes) is one group of table rows.
BAND_MAX_EM = 12.0


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


def group_lines(words: list[Word], char_size: float) -> list[TextLine]:
    """Cluster words into lines by vertical overlap of their centres (top to bottom)."""
    tol = 0.45 * char_size
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


def split_segments(line: TextLine, char_size: float) -> list[tuple[Word, ...]]:
    """Split a line where the gap between words is wider than a few spaces."""
    gap = SEGMENT_GAP_EM * char_size
    segs: list[list[Word]] = [[line.words[0]]]
    for prev, w in zip(line.words, line.words[1:]):
        if w.x0 - prev.x1 > gap:
            segs.append([w])
        else:
            segs[-1].append(w)
    return [tuple(s) for s in segs]


def _rule_between(a: TextLine, b: TextLine, hrules: list[HRule]) -> bool:
    """True when a horizontal rule lies between two lines and spans both horizontally."""
    lo, hi = a.bottom - 1, b.top + 1
    left, right = min(a.x0, b.x0), max(a.x1, b.x1)
    for r in hrules:
        if lo <= r.y <= hi and r.x0 <= left + 2 and r.x1 >= min(right, left + 0.5 * (right - left)):
            return True
    return False


def _same_band(a: TextLine, b: TextLine, hrules: list[HRule], char_size: float) -> bool:
    """Both lines lie in one band between two spanning rules, no rule between them: a ruled
    table that draws a rule every few rows (NICS: every five states) holds a taller row
    ("District of Columbia" on two lines) inside a band, not a new block."""
    if len(split_segments(a, char_size)) < 2 or len(split_segments(b, char_size)) < 2:
        return False  # a note and the next section's heading share no band
    left, right = min(a.x0, b.x0), max(a.x1, b.x1)

    def spans(r: HRule) -> bool:
        return r.x0 <= left + 2 and r.x1 >= right - 2

    above = [r.y for r in hrules if r.y <= a.top + 1 and spans(r)]
    below = [r.y for r in hrules if r.y >= b.bottom - 1 and spans(r)]
    if not above or not below:
        return False
    top, bottom = max(above), min(below)
    return bottom - top <= BAND_MAX_EM * char_size and not _rule_between(a, b, hrules)


def _grid_continues(a: TextLine, b: TextLine, vrules: list[VRule]) -> bool:
    """True when a vertical rule within the lines' width crosses the whole gap between them:
    the cell borders of one grid go on from one row to the next."""
    left, right = min(a.x0, b.x0), max(a.x1, b.x1)
    return any(left - 2 <= v.x <= right + 2 and v.top <= a.bottom + 1 and v.bottom >= b.top - 1
               for v in vrules)


def _ruled_rows(a: TextLine, b: TextLine, hrules: list[HRule], vrules: list[VRule],
                char_size: float) -> bool:
    """A rule between two lines joins them unless one is a wide single run (a title or a
    note) and no vertical rule of a grid crosses the gap: the bottom rule of one table and a
    title under it ("Table 7 : DISTRIBUTION ...") must not chain two tables into one block,
    while a wrapped cell's last line ("Center") over the next ruled row stays in its table."""
    if not _rule_between(a, b, hrules):
        return False
    span = max(a.x1, b.x1) - min(a.x0, b.x0)

    def wide_run(line: TextLine) -> bool:
        return len(split_segments(line, char_size)) == 1 and line.x1 - line.x0 > 0.4 * span

    if not wide_run(a) and not wide_run(b):
        return True
    return _grid_continues(a, b, vrules)


def group_blocks(
    lines: list[TextLine], char_size: float, hrules: list[HRule],
    vrules: list[VRule] | None = None,
) -> list[list[TextLine]]:
    """Runs of lines separated by small vertical gaps (or by a rule between table rows)."""
    blocks: list[list[TextLine]] = []
    limit = BLOCK_GAP_EM * char_size
    for line in lines:
        if blocks:
            prev = blocks[-1][-1]
            gap = line.top - prev.bottom
            if gap <= limit or (gap <= 4 * char_size and (
                    _ruled_rows(prev, line, hrules, vrules or [], char_size)
                    or _same_band(prev, line, hrules, char_size))):
                blocks[-1].append(line)
                continue
        blocks.append([line])
    return blocks
