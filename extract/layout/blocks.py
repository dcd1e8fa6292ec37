"""Candidate tables: blocks of lines with two or more consistent columns.

Lines are grouped into blocks by the gaps between them (extract.lines); blocks split only
because rows are double-spaced are joined back, and a block running through two ruled grids is
split between them. From each block, titles, notes and prose are peeled off its top and bottom;
a header set apart from the rows, and notes just under them, are taken back in.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from extract.layout.columns import find_columns, gutters
from extract.layout.header import split_by_column, stacked
from extract.layout.records import cells_of
from extract.layout_settings import DEFAULT_LAYOUT, LayoutSettings
from extract.lines import TextLine, group_blocks, group_lines, split_segments
from extract.page_layout import PageLayout, VRule
from extract.rows import is_total_row, is_typed, looks_like_footnote


@dataclass(frozen=True)
class Block:
    """A candidate table: its lines, column edges and the lines peeled off above and below."""

    lines: tuple[TextLine, ...]
    edges: tuple[float, ...]  # column boundaries, len = ncols + 1
    below: tuple[TextLine, ...] = ()
    ruled_columns: bool = False


def find_table_blocks(layout: PageLayout, settings: LayoutSettings | None = None) -> list[Block]:
    """Blocks of lines that have two or more consistent columns, in named steps:

    group_lines → group_blocks → _join_spaced_rows → _split_between_grids; then for each
    block: _peel (titles, notes and prose off its top and bottom) → _columns_with_header
    (find_columns, with the header above joined) → two or more cells on min_table_lines
    lines → _attach_footnotes; last, _merge_aligned joins blocks whose columns line up.
    """
    s = settings or DEFAULT_LAYOUT
    size = layout.char_size
    lines = group_lines(layout.words, size, s)
    raw = _join_spaced_rows(group_blocks(lines, size, layout.hrules, layout.vrules, s), size, s)
    raw = [part for b in raw for part in _split_between_grids(b, layout.vrules, s)]
    out: list[Block] = []
    consumed: set[int] = set()
    for i, block in enumerate(raw):
        if i in consumed:
            continue
        above, core, below = _peel(block, size, s)
        if len(core) < s.min_table_lines:
            continue
        # nothing peeled off the top: the block above may be this table's header
        prev = raw[i - 1] if core[0] is block[0] and i > 0 and (i - 1) not in consumed \
            and not _taken(out, raw[i - 1]) else None
        found = _columns_with_header(core, above, prev, layout, s)
        if found is None:
            continue
        core, edges, ruled = found
        if sum(1 for ln in core if len(cells_of(ln, edges)) >= 2) < s.min_table_lines:
            continue
        below += _attach_footnotes(raw, i, (below or core)[-1], consumed, size, s)
        out.append(Block(tuple(core), tuple(edges), tuple(below), ruled))
    return _merge_aligned(out, layout, s)


def _peel(block: list[TextLine], size: float, s: LayoutSettings
          ) -> tuple[list[TextLine], list[TextLine], list[TextLine]]:
    """The block as (above, core, below): titles, prose, a Total and lines crossing the
    gutters off its top, and spanning lines and notes off its bottom."""
    width = max(ln.x1 for ln in block) - min(ln.x0 for ln in block)
    core = list(block)
    below: list[TextLine] = []
    above: list[TextLine] = []
    while core and (_spanning(core[0], size, width, s) or _prose(core[0], size, s)
                    or len(core) > 1 and _raised_mark(core[0], core[1], size) and (
                        _spanning(core[1], size, width, s) or _prose(core[1], size, s))
                    or _crosses_gutter(core[0], core[1:], size, s)
                    or len(core) > 1 and _title_over(core[0], core[1], size, s)
                    or is_total_row([core[0].text])):  # no table starts with its Total
        above.append(core.pop(0))
    while core and (
        _spanning(core[-1], size, width, s)
        or _crosses_gutter(core[-1], core[:-1], size, s)
        or looks_like_footnote(core[-1].text) and len(split_segments(core[-1], size, s)) == 1
    ):
        below.insert(0, core.pop())
    return above, core, below


def _raised_mark(line: TextLine, nxt: TextLine, size: float) -> bool:
    """A superscript set a little above the line it belongs to ("acumulada¹" in a caption
    over a table): a line of one or two marks of a few characters, touching the next line.
    Peeled when that line is (prose, or spanning the table), it would otherwise shield a
    caption from being peeled; a record's short first line ("200" over "VICKSBURG AVE")
    stays."""
    return (len(line.words) <= 2 and all(len(w.text) <= 3 for w in line.words)
            and nxt.top - line.bottom < 0.5 * size)


def _columns_with_header(core: list[TextLine], above: list[TextLine],
                         prev: list[TextLine] | None, layout: PageLayout, s: LayoutSettings
                         ) -> tuple[list[TextLine], list[float], bool] | None:
    """The core's lines, column edges and whether they are ruled, with its header joined: the
    lines peeled off above it that are header after all, else the block above (`prev`) when
    it is the header set apart. None when fewer than two columns are found."""
    size = layout.char_size
    edges, ruled = find_columns(core, layout, s)
    if len(edges) < 3:
        return None
    if above:
        # the upper line of a stacked header taken for a title ("Number of  County" over
        # "Declined Detainers  Name" reads as one run crossing a gutter) is header after all
        head = _peeled_header(above, core, edges, size, s)
    elif prev is not None:
        head = _header_block(prev, core, edges, size, s)
    else:
        head = []
    if not head:
        return core, edges, ruled
    core = head + core
    edges, ruled = find_columns(core, layout, s)
    return (core, edges, ruled) if len(edges) >= 3 else None


def _peeled_header(above: list[TextLine], core: list[TextLine], edges: list[float],
                   size: float, s: LayoutSettings) -> list[TextLine]:
    """The lines peeled off above the core that are its header: only upper label lines, each
    part of a line standing over a label of the next line (a running head or section title
    above a header is not part of it)."""
    head = _header_block(above[-s.max_header_lines:], core, edges, size, s)
    while head and (_title_over(head[0], core[0], size, s) or not all(
            stacked(part, nxt, tuple(edges), s)
            for ln, nxt in zip(head, [*head[1:], core[0]])
            for seg in split_segments(ln, size, s)
            for part in split_by_column(seg, tuple(edges)))):
        head = head[1:]
    return head


def _attach_footnotes(raw: list[list[TextLine]], i: int, last: TextLine, consumed: set[int],
                      size: float, s: LayoutSettings) -> list[TextLine]:
    """Footnotes set a little apart under the table ("* Counts include ...") belong to it:
    the lines of the blocks after block i that are notes, those blocks marked consumed."""
    notes: list[TextLine] = []
    j = i + 1
    while j < len(raw) and _footnote_block(raw[j], last, size, s):
        notes.extend(raw[j])
        consumed.add(j)
        last, j = raw[j][-1], j + 1
    return notes


def _spanning(line: TextLine, char_size: float, width: float, s: LayoutSettings) -> bool:
    """One wide run of words: a title, a footnote or prose, not a table line."""
    segs = split_segments(line, char_size, s)
    return len(segs) == 1 and (line.x1 - line.x0) > s.spanning_share * width


def _prose(line: TextLine, char_size: float, s: LayoutSettings) -> bool:
    """Running text set in two to four columns (notes and disclaimers above a table): most of
    the line's words are in long phrases (prose_words words or more, prose_em wide). A table
    line has short cells that hold most of its runs."""
    segs = split_segments(line, char_size, s)
    if len(segs) > s.prose_max_runs:
        return False
    long = sum(len(seg) for seg in segs
               if len(seg) >= s.prose_words and seg[-1].x1 - seg[0].x0 >= s.prose_em * char_size)
    return long >= s.prose_share * len(line.words)


def _crosses_gutter(line: TextLine, others: list[TextLine], char_size: float,
                    s: LayoutSettings) -> bool:
    """A one-segment line running across the gutters of the lines around it (title, note)."""
    if len(split_segments(line, char_size, s)) != 1 or len(others) < 2:
        return False
    x0 = min(ln.x0 for ln in others)
    x1 = max(ln.x1 for ln in others)
    cuts = gutters(others, x0, x1, s.min_gutter_em * char_size, s)
    return any(line.x0 < c < line.x1 for c in cuts)


def _aligned_rows(a: TextLine, b: TextLine, size: float, s: LayoutSettings) -> bool:
    """Two lines of table cells: three or more runs each with two or more starting at the
    same x, or two runs each that both line up (same start, or same end for numbers)."""
    sa, sb = split_segments(a, size, s), split_segments(b, size, s)
    if len(sa) < 2 or len(sb) < 2:
        return False
    tol = s.aligned_start_pt
    if len(sa) == 2 or len(sb) == 2:
        if len(sa) != len(sb):
            return False
        return all(abs(p[0].x0 - q[0].x0) <= tol or abs(p[-1].x1 - q[-1].x1) <= tol
                   for p, q in zip(sa, sb))
    starts = [seg[0].x0 for seg in sb]
    same = sum(1 for seg in sa if any(abs(seg[0].x0 - x) <= tol for x in starts))
    return same >= max(2, int(s.aligned_row_share * min(len(sa), len(sb))))


def _join_spaced_rows(blocks: list[list[TextLine]], size: float,
                      s: LayoutSettings) -> list[list[TextLine]]:
    """Blocks split only because rows are double-spaced, joined back into one.

    The block gap is a fixed multiple of the character size; a report that sets its rows
    farther apart (a borderless table at 17 pt pitch in 7.5 pt type) would come out as one
    block per row, and no table. Consecutive blocks whose facing lines are close enough and
    line up in columns are one block.
    """
    out: list[list[TextLine]] = []
    for block in blocks:
        if out:
            gap = block[0].top - out[-1][-1].bottom
            # the last full row above, not a wrapped cell's second line ("County of / Sedgwick")
            prev = next((ln for ln in reversed(out[-1])
                         if len(split_segments(ln, size, s)) >= s.full_row_runs), out[-1][-1])
            near = 0 <= gap <= s.spaced_row_em * size
            # and the block's first full row: a record whose cells are centred in it starts
            # with a wrapped cell's first line ("ENTER STRUCTURE W/CERTAIN" over the row)
            first = next((ln for ln in block[:s.full_row_search]
                          if len(split_segments(ln, size, s)) >= s.full_row_runs), block[0])
            if near and _aligned_rows(prev, first, size, s):
                out[-1] = out[-1] + block
                continue
            if near and is_total_row([block[0].text]) and len(
                    split_segments(block[0], size, s)) >= 2 and len(out[-1]) >= s.min_table_lines:
                # "Total  375" one row further down closes the table above; what follows it
                # (the next section's title and header) is another block
                out[-1] = out[-1] + [block[0]]
                block = block[1:]
                if not block:
                    continue
        out.append(list(block))
    return out


def _split_between_grids(block: list[TextLine], vrules: list[VRule],
                         s: LayoutSettings) -> list[list[TextLine]]:
    """A ruled block split at lines no vertical rule runs through: a section title between two
    grids ("Section II: Declined Detainers" under the Total of section I) is outside both,
    and the rules around it would otherwise join the grids into one table."""
    x0, x1 = min(ln.x0 for ln in block), max(ln.x1 for ln in block)
    rules = [r for r in vrules if x0 - s.rule_reach_pt <= r.x <= x1 + s.rule_reach_pt
             and r.top < block[-1].bottom and r.bottom > block[0].top]
    if len(rules) < 2 or len(block) < 3:
        return [block]

    def inside(ln: TextLine) -> bool:
        mid = (ln.top + ln.bottom) / 2
        return any(r.top <= mid <= r.bottom for r in rules)

    flags = [inside(ln) for ln in block]
    parts: list[list[TextLine]] = [[]]
    for k, ln in enumerate(block):
        # a title: a single line outside the grid between lines inside it, or just above or
        # below it (a table ruled only in its header keeps its unruled rows: they are a run)
        near = [flags[j] for j in (k - 1, k + 1) if 0 <= j < len(block)]
        if not flags[k] and near and all(near):
            parts.extend([[ln], []])  # the title alone, then what follows it
        else:
            parts[-1].append(ln)
    return [p for p in parts if p]


def _taken(out: list[Block], block: list[TextLine]) -> bool:
    """Whether a raw block is already (the end of) a table found before."""
    return bool(out) and out[-1].lines[-1] is block[-1]


def _title_over(line: TextLine, ref: TextLine, size: float, s: LayoutSettings) -> bool:
    """`line` is one run set in larger type than `ref` ("Section II: Declined Detainers" in
    9 pt over 7.5 pt labels): a section title, not a label line. (A header line set larger
    than its data has several labels, so several runs.) Sizes unknown (OCR): no."""
    if len(split_segments(line, size, s)) != 1:
        return False
    a = statistics.median(w.size for w in line.words)
    b = statistics.median(w.size for w in ref.words)
    return a > 0 and b > 0 and a > s.title_size_ratio * b


def _header_block(above: list[TextLine], core: list[TextLine], edges: list[float],
                  size: float, s: LayoutSettings) -> list[TextLine]:
    """The lines of a block just above a table that are its header, set apart by a gap.

    Reports often leave more space under the header than between rows, so the header comes
    out as a block of its own. It joins the table when it is near (header_gap_em), holds no
    value (dates, counts), and its labels sit over the table's columns: at least two columns,
    and no label outside the table's span.
    """
    while above and _title_over(above[0], core[0], size, s):  # a section title over the labels
        above = above[1:]
    if not above or len(above) > s.max_header_lines \
            or core[0].top - above[-1].bottom > s.header_gap_em * size:
        return []
    words = [w for ln in above for w in ln.words]
    if any(is_typed(w.text) for w in words):
        return []
    # a label may be wider than its column (a short number under "Rank"), not far outside
    lo, hi = edges[0] - s.header_overhang_em * size, edges[-1] + s.header_overhang_em * size
    if any(w.x0 < lo or w.x1 > hi for w in words):
        return []
    inner = edges[1:-1]
    for ln in above:  # a label lies within its column; a title runs across several
        for seg in split_segments(ln, size, s):
            crossed = [e for e in inner if seg[0].x0 < e < seg[-1].x1]
            # (a label may be wider than its column of numbers, "Count" over "87", and two
            # labels may be set as close as words, "Number of  County": but no word crosses)
            if len(crossed) > 1 or (len(seg) > 2 and any(
                    w.x0 < e < w.x1 for e in crossed for w in seg)):
                return []
    cols = {next((k for k in range(len(edges) - 1)
                  if edges[k] <= (w.x0 + w.x1) / 2 < edges[k + 1]), -1) for w in words}
    cols.discard(-1)
    return list(above) if len(cols) >= 2 else []


def _footnote_block(block: list[TextLine], above: TextLine, size: float,
                    s: LayoutSettings) -> bool:
    """Lines just under a table that are notes: first starts with a note mark, all one run."""
    return (
        block[0].top - above.bottom <= s.footnote_gap_em * size
        and looks_like_footnote(block[0].text)
        and all(len(split_segments(ln, size, s)) == 1 for ln in block)
    )


def _merge_aligned(blocks: list[Block], layout: PageLayout, s: LayoutSettings) -> list[Block]:
    """Join vertically adjacent blocks whose columns line up (a table split by a wide gap)."""
    merged: list[Block] = []
    for b in blocks:
        if merged and not merged[-1].below and _same_columns(merged[-1], b, layout.char_size, s):
            prev = merged[-1]
            lines = [*prev.lines, *b.lines]
            edges, ruled = find_columns(lines, layout, s)
            if len(edges) == len(prev.edges):
                merged[-1] = Block(tuple(lines), tuple(edges), b.below, ruled)
                continue
        merged.append(b)
    return merged


def _same_columns(a: Block, b: Block, char_size: float, s: LayoutSettings) -> bool:
    if len(a.edges) != len(b.edges):
        return False
    gap = b.lines[0].top - a.lines[-1].bottom
    if gap > s.merge_gap_em * char_size:
        return False
    tol = s.merge_edge_em * char_size
    return all(abs(x - y) <= tol for x, y in zip(a.edges[1:-1], b.edges[1:-1]))
