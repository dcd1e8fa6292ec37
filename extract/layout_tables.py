"""Our table builder: tables rebuilt from word boxes and ruling lines.

Both engines return one row per text line on whitespace tables with wrapped cells, and find rows
but no columns on tables ruled only horizontally. This builder handles ruled, whitespace-only and
horizontal-rule tables with one pipeline of named steps:

    find_table_blocks → find_columns → assign_cells → split_header → group_records → build_table

Columns come from vertical rules when the table has them, otherwise from gutters (x-ranges no
line's words cover); records start at horizontal rules when there are any, otherwise where the
key columns have text (lines with those empty continue the record above). The same builder
serves OCR word boxes (issue 4): nothing here depends on where the words came from.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace

import numpy as np

from extract.checkboxes import checkbox_words
from extract.fixed_width import fixed_width_tables
from extract.lines import TextLine, group_blocks, group_lines, split_segments
from extract.model import Cell, Table, TableRow, Word, union_bbox
from extract.page_layout import HRule, PageLayout, VRule
from extract.rows import count_header_rows, is_number, is_total_row, is_typed, looks_like_footnote

ENGINE = "layout"
# A gutter must be at least this wide (in character sizes) to separate columns; columns set
# tighter than a gutter are found by alignment (_aligned_cuts).
MIN_GUTTER_EM = 0.6
# A table needs this many lines that are not spanning lines.
MIN_TABLE_LINES = 2


@dataclass(frozen=True)
class Block:
    """A candidate table: its lines, column edges and the lines peeled off above and below."""

    lines: tuple[TextLine, ...]
    edges: tuple[float, ...]  # column boundaries, len = ncols + 1
    below: tuple[TextLine, ...] = ()
    ruled_columns: bool = False


PROSE_WORDS = 5
PROSE_EM = 15.0


def _spanning(line: TextLine, char_size: float, width: float) -> bool:
    """One wide run of words: a title, a footnote or prose, not a table line."""
    segs = split_segments(line, char_size)
    return len(segs) == 1 and (line.x1 - line.x0) > 0.4 * width


def _prose(line: TextLine, char_size: float) -> bool:
    """Running text set in two to four columns (notes and disclaimers above a table): most of
    the line's words are in long phrases (PROSE_WORDS words or more, PROSE_EM wide). A table
    line has short cells that hold most of its runs."""
    segs = split_segments(line, char_size)
    if len(segs) > 4:
        return False
    long = sum(len(seg) for seg in segs
               if len(seg) >= PROSE_WORDS and seg[-1].x1 - seg[0].x0 >= PROSE_EM * char_size)
    return long >= 0.7 * len(line.words)


def _gutters(lines: list[TextLine], x0: float, x1: float, min_width: float,
             strict_below: float = 0.0) -> list[float]:
    """Centres of the x-ranges that (almost) no line's words cover, wider than min_width.

    In a block of ten lines or more, up to a tenth of the lines may cross a gutter: spanning
    group headers ("Redemption" over Handgun / Long Gun / Other) and the odd overflowing value
    would otherwise hide every sub-column. A gutter narrower than `strict_below` (no wider
    than a space between words) must be crossed by no line at all: in a monospaced column of
    "County of X" / "Carson City", first words of one length leave a one-space "gutter" that
    only the odd line ("City of Baltimore") crosses, while a table set one space apart has
    its columns clear on every line.
    """
    if x1 <= x0:
        return []
    step = 0.25
    n = len(lines)
    allowed = n // 10 if n >= 10 else 0
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


def _vrule_edges(vrules: list[VRule], top: float, bottom: float) -> list[float]:
    """x of vertical rules that cover most of the block's height."""
    height = max(bottom - top, 1.0)
    xs = []
    for r in vrules:
        overlap = min(r.bottom, bottom) - max(r.top, top)
        if overlap >= 0.6 * height:
            xs.append(r.x)
    xs.sort()
    merged: list[float] = []
    for x in xs:
        if not merged or x - merged[-1] > 2.0:
            merged.append(x)
    return merged


# A gutter no wider than this many of the block's own spaces between words may not be
# crossed by any line (see _gutters: one-space gaps in monospaced columns).
WORD_GAP_FACTOR = 1.15


def _word_gap(lines: list[TextLine], char_size: float) -> float:
    """The usual space between two words of one phrase in these lines (0 if none)."""
    gaps = sorted(b.x0 - a.x1 for ln in lines for a, b in zip(ln.words, ln.words[1:])
                  if 0 < b.x0 - a.x1 < 1.2 * char_size)
    return gaps[len(gaps) // 2] if len(gaps) >= 5 else 0.0


def find_columns(lines: list[TextLine], layout: PageLayout) -> tuple[list[float], bool]:
    """Column edges of a block, from vertical rules if it is ruled, else from gutters."""
    top = min(ln.top for ln in lines)
    bottom = max(ln.bottom for ln in lines)
    x0 = min(ln.x0 for ln in lines)
    x1 = max(ln.x1 for ln in lines)
    ruled = [x for x in _vrule_edges(layout.vrules, top, bottom) if x0 - 2 <= x <= x1 + 2]
    cuts = _gutters(lines, x0, x1, MIN_GUTTER_EM * layout.char_size,
                    strict_below=WORD_GAP_FACTOR * _word_gap(lines, layout.char_size))
    if len(ruled) >= 2:
        # Rules bound the groups; gutters inside a ruled cell split sub-columns (NICS draws one
        # rule around "Handgun Long Gun Other").
        # A cut is the same gap as a rule when no text lies between the two.
        extra = [c for c in cuts
                 if all(_column_has_text(lines, min(c, x), max(c, x)) for x in ruled)]
        edges = sorted({*ruled, *extra})
        if edges[0] > x0 + 1:
            edges.insert(0, x0 - 1)
        if edges[-1] < x1 - 1:
            edges.append(x1 + 1)
        # A gutter cut splits a ruled cell only where lines hold words on both sides of it
        # (two values side by side, as in the data rows under NICS's one rule around
        # "Handgun Long Gun Other"); a header word left of right-aligned digits is one cell.
        for cut in extra:
            i = edges.index(cut)
            both = sum(1 for ln in lines
                       if _column_has_text([ln], edges[i - 1], cut)
                       and _column_has_text([ln], cut, edges[i + 1]))
            if both < 2:
                edges.remove(cut)
        return edges, True
    return [x0 - 1, *cuts, x1 + 1], False


def _column_has_text(lines: list[TextLine], a: float, b: float) -> bool:
    return any(a <= (w.x0 + w.x1) / 2 < b for ln in lines for w in ln.words)


def _crosses_gutter(line: TextLine, others: list[TextLine], char_size: float) -> bool:
    """A one-segment line running across the gutters of the lines around it (title, note)."""
    if len(split_segments(line, char_size)) != 1 or len(others) < 2:
        return False
    x0 = min(ln.x0 for ln in others)
    x1 = max(ln.x1 for ln in others)
    cuts = _gutters(others, x0, x1, MIN_GUTTER_EM * char_size)
    return any(line.x0 < c < line.x1 for c in cuts)


def find_table_blocks(layout: PageLayout) -> list[Block]:
    """Blocks of lines that have two or more consistent columns."""
    lines = group_lines(layout.words, layout.char_size)
    size = layout.char_size
    raw = _join_spaced_rows(group_blocks(lines, size, layout.hrules, layout.vrules), size)
    raw = [part for b in raw for part in _split_between_grids(b, layout.vrules)]
    out: list[Block] = []
    consumed: set[int] = set()
    for i, block in enumerate(raw):
        if i in consumed:
            continue
        width = max(ln.x1 for ln in block) - min(ln.x0 for ln in block)
        core = list(block)
        below: list[TextLine] = []
        above: list[TextLine] = []
        while core and (_spanning(core[0], size, width) or _prose(core[0], size)
                        or _crosses_gutter(core[0], core[1:], size)
                        or len(core) > 1 and _title_over(core[0], core[1], size)
                        or is_total_row([core[0].text])):  # no table starts with its Total
            above.append(core.pop(0))
        while core and (
            _spanning(core[-1], size, width)
            or _crosses_gutter(core[-1], core[:-1], size)
            or looks_like_footnote(core[-1].text) and len(split_segments(core[-1], size)) == 1
        ):
            below.insert(0, core.pop())
        if len(core) < MIN_TABLE_LINES:
            continue
        edges, ruled = find_columns(core, layout)
        if len(edges) < 3:
            continue
        # the upper line of a stacked header taken for a title ("Number of  County" over
        # "Declined Detainers  Name" reads as one run crossing a gutter) is header after all
        head = _header_block(above[-MAX_HEADER_LINES:], core, edges, size) if above else []
        # only upper label lines: each part of the line stands over a label of the next line
        # (a running head or section title above a header is not part of it)
        while head and (_title_over(head[0], core[0], size) or not all(
                _stacked(part, nxt, tuple(edges))
                for ln, nxt in zip(head, [*head[1:], core[0]])
                for seg in split_segments(ln, size)
                for part in _split_by_column(seg, tuple(edges)))):
            head = head[1:]
        if head:
            core = head + core
            edges, ruled = find_columns(core, layout)
            if len(edges) < 3:
                continue
        elif core[0] is block[0] and i > 0 and (i - 1) not in consumed and not _taken(
                out, raw[i - 1]):
            head = _header_block(raw[i - 1], core, edges, size)
            if head:
                core = head + core
                edges, ruled = find_columns(core, layout)
                if len(edges) < 3:
                    continue
        multi = sum(1 for ln in core if len(_cells_of(ln, edges)) >= 2)
        if multi < MIN_TABLE_LINES:
            continue
        # Footnotes set a little apart under the table ("* Counts include ...") belong to it.
        j, last = i + 1, (below or core)[-1]
        while j < len(raw) and _footnote_block(raw[j], last, size):
            below.extend(raw[j])
            consumed.add(j)
            last, j = raw[j][-1], j + 1
        out.append(Block(tuple(core), tuple(edges), tuple(below), ruled))
    return _merge_aligned(out, layout)


# Rows set further apart than a block gap still make one table when they are this close (in
# character sizes) and their columns line up.
SPACED_ROW_EM = 4.0
# Segment starts (points apart) that count as the same column in two rows.
ALIGNED_START = 2.0


def _aligned_rows(a: TextLine, b: TextLine, size: float) -> bool:
    """Two lines of table cells: three or more runs each with two or more starting at the
    same x, or two runs each that both line up (same start, or same end for numbers)."""
    sa, sb = split_segments(a, size), split_segments(b, size)
    if len(sa) < 2 or len(sb) < 2:
        return False
    if len(sa) == 2 or len(sb) == 2:
        if len(sa) != len(sb):
            return False
        return all(abs(p[0].x0 - q[0].x0) <= ALIGNED_START
                   or abs(p[-1].x1 - q[-1].x1) <= ALIGNED_START for p, q in zip(sa, sb))
    starts = [s[0].x0 for s in sb]
    same = sum(1 for s in sa if any(abs(s[0].x0 - x) <= ALIGNED_START for x in starts))
    return same >= max(2, min(len(sa), len(sb)) // 2)


def _join_spaced_rows(blocks: list[list[TextLine]], size: float) -> list[list[TextLine]]:
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
            prev = next((ln for ln in reversed(out[-1]) if len(split_segments(ln, size)) >= 3),
                        out[-1][-1])
            if 0 <= gap <= SPACED_ROW_EM * size and _aligned_rows(prev, block[0], size):
                out[-1] = out[-1] + block
                continue
            if 0 <= gap <= SPACED_ROW_EM * size and is_total_row([block[0].text]) and len(
                    split_segments(block[0], size)) >= 2 and len(out[-1]) >= MIN_TABLE_LINES:
                # "Total  375" one row further down closes the table above; what follows it
                # (the next section's title and header) is another block
                out[-1] = out[-1] + [block[0]]
                block = block[1:]
                if not block:
                    continue
        out.append(list(block))
    return out


def _split_between_grids(block: list[TextLine], vrules: list) -> list[list[TextLine]]:
    """A ruled block split at lines no vertical rule runs through: a section title between two
    grids ("Section II: Declined Detainers" under the Total of section I) is outside both,
    and the rules around it would otherwise join the grids into one table."""
    x0, x1 = min(ln.x0 for ln in block), max(ln.x1 for ln in block)
    rules = [r for r in vrules if x0 - 2 <= r.x <= x1 + 2
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


# A header set apart from its rows (more space under it than between them) joins them when it
# is this close (in character sizes), this many lines or fewer, and a label over each column.
HEADER_GAP_EM = 3.0
MAX_HEADER_LINES = 3


def _taken(out: list[Block], block: list[TextLine]) -> bool:
    """Whether a raw block is already (the end of) a table found before."""
    return bool(out) and out[-1].lines[-1] is block[-1]


# A line set in type this much larger than the table's first line is a title over it.
TITLE_SIZE_RATIO = 1.15


def _title_over(line: TextLine, ref: TextLine, size: float) -> bool:
    """`line` is one run set in larger type than `ref` ("Section II: Declined Detainers" in
    9 pt over 7.5 pt labels): a section title, not a label line. (A header line set larger
    than its data has several labels, so several runs.) Sizes unknown (OCR): no."""
    if len(split_segments(line, size)) != 1:
        return False
    a = statistics.median(w.size for w in line.words)
    b = statistics.median(w.size for w in ref.words)
    return a > 0 and b > 0 and a > TITLE_SIZE_RATIO * b


def _header_block(above: list[TextLine], core: list[TextLine], edges: list[float],
                  size: float) -> list[TextLine]:
    """The lines of a block just above a table that are its header, set apart by a gap.

    Reports often leave more space under the header than between rows, so the header comes
    out as a block of its own. It joins the table when it is near (HEADER_GAP_EM), holds no
    value (dates, counts), and its labels sit over the table's columns: at least two columns,
    and no label outside the table's span.
    """
    while above and _title_over(above[0], core[0], size):  # a section title over the labels
        above = above[1:]
    if not above or len(above) > MAX_HEADER_LINES \
            or core[0].top - above[-1].bottom > HEADER_GAP_EM * size:
        return []
    words = [w for ln in above for w in ln.words]
    if any(is_typed(w.text) for w in words):
        return []
    # a label may be wider than its column (a short number under "Rank"), not far outside
    lo, hi = edges[0] - 3 * size, edges[-1] + 3 * size
    if any(w.x0 < lo or w.x1 > hi for w in words):
        return []
    inner = edges[1:-1]
    for ln in above:  # a label lies within its column; a title runs across several
        for seg in split_segments(ln, size):
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


def _footnote_block(block: list[TextLine], above: TextLine, size: float) -> bool:
    """Lines just under a table that are notes: first starts with a note mark, all one run."""
    return (
        block[0].top - above.bottom <= 3 * size
        and looks_like_footnote(block[0].text)
        and all(len(split_segments(ln, size)) == 1 for ln in block)
    )


def _merge_aligned(blocks: list[Block], layout: PageLayout) -> list[Block]:
    """Join vertically adjacent blocks whose columns line up (a table split by a wide gap)."""
    merged: list[Block] = []
    for b in blocks:
        if merged and not merged[-1].below and _same_columns(merged[-1], b, layout.char_size):
            prev = merged[-1]
            lines = [*prev.lines, *b.lines]
            edges, ruled = find_columns(lines, layout)
            if len(edges) == len(prev.edges):
                merged[-1] = Block(tuple(lines), tuple(edges), b.below, ruled)
                continue
        merged.append(b)
    return merged


def _same_columns(a: Block, b: Block, char_size: float) -> bool:
    if len(a.edges) != len(b.edges):
        return False
    gap = b.lines[0].top - a.lines[-1].bottom
    if gap > 6 * char_size:
        return False
    tol = 1.5 * char_size
    return all(abs(x - y) <= tol for x, y in zip(a.edges[1:-1], b.edges[1:-1]))


def _cells_of(line: TextLine, edges: tuple[float, ...] | list[float]) -> dict[int, list[Word]]:
    """Words of a line by column index (a word belongs where its centre falls)."""
    cells: dict[int, list[Word]] = {}
    for w in line.words:
        mid = (w.x0 + w.x1) / 2
        col = 0
        for i in range(len(edges) - 1):
            if mid >= edges[i]:
                col = i
        cells.setdefault(min(col, len(edges) - 2), []).append(w)
    return cells


def _record_starts(
    cells_by_line: list[dict[int, list[Word]]], ncols: int
) -> list[bool]:
    """Which lines start a new record, from the key columns.

    Key columns are those filled on (nearly) every line that looks like a record start (many
    cells filled) and (nearly) never on the sparse lines: continuation lines of wrapped cells
    leave them empty.
    """
    counts = [len(c) for c in cells_by_line]
    if not counts:
        return []
    full = max(counts)
    dense = [n >= max(2, 0.5 * full) for n in counts]
    sparse_idx = [i for i, d in enumerate(dense) if not d]
    dense_idx = [i for i, d in enumerate(dense) if d]
    if not sparse_idx:
        return [True] * len(counts)
    keys = []
    for col in range(ncols):
        on_dense = sum(1 for i in dense_idx if col in cells_by_line[i]) / max(len(dense_idx), 1)
        on_sparse = sum(1 for i in sparse_idx if col in cells_by_line[i]) / len(sparse_idx)
        if on_dense >= 0.9 and on_sparse <= 0.1:
            keys.append(col)
    if not keys:
        return dense
    # A sparse line starts a record only with most key columns filled: a key may be filled on
    # a tenth of the sparse lines, and a wrapped cell's second line in such a column would
    # otherwise split its record in two (tests/test_fuzz.py). With one key nothing changes.
    return [(any(k in c for k in keys) if d else 2 * sum(k in c for k in keys) > len(keys))
            or d and i == 0 for i, (c, d) in enumerate(zip(cells_by_line, dense))]


def _rule_starts(lines: list[TextLine], hrules: list[HRule], x0: float, x1: float) -> list[bool]:
    """A line starts a record when a table-wide horizontal rule lies between it and the last."""
    width = x1 - x0
    ys = sorted(r.y for r in hrules if min(r.x1, x1) - max(r.x0, x0) >= 0.6 * width)
    starts = [True]
    for prev, line in zip(lines, lines[1:]):
        starts.append(any(prev.bottom - 1 <= y <= line.top + 1 for y in ys))
    return starts


def _row_from(lines: list[TextLine], edges: tuple[float, ...], page: int, kind: str) -> TableRow:
    ncols = len(edges) - 1
    words: dict[int, list[Word]] = {}
    for ln in lines:
        for col, ws in _cells_of(ln, edges).items():
            words.setdefault(col, []).extend(ws)
    cells = []
    for col in range(ncols):
        ws = words.get(col, [])
        text = " ".join(w.text for w in ws)
        conf = min((w.confidence for w in ws), default=1.0)
        cells.append(Cell(text, union_bbox([w.bbox for w in ws]), conf))
    return TableRow(tuple(cells), page, kind)  # type: ignore[arg-type]


def _snap_to_rules(edges: tuple[float, ...], lines: list[TextLine], header: list[TextLine],
                   vrules: list[VRule]) -> tuple[float, ...]:
    """Put each inner column edge where the page says the border is, within its data gutter.

    Edges found from data gutters sit anywhere in the gap (right-aligned digits leave it wide)
    while the header above is centred over the true cell. Within the gutter, in order: a
    vertical rule drawn there anywhere in the table (NICS draws some borders only around its
    totals row), else a point no header word straddles (so "Long Gun" stays in one column).
    """
    if len(edges) < 3 or not lines:
        return edges
    top, bottom = (header or lines)[0].top, lines[-1].bottom
    rules = sorted(r.x for r in vrules if r.top <= bottom and r.bottom >= top)
    words = [w for ln in lines for w in ln.words]
    heads = [w for ln in header for w in ln.words]
    out = list(edges)
    for i in range(1, len(edges) - 1):
        left = max((w.x1 for w in words if (w.x0 + w.x1) / 2 < edges[i]), default=edges[i - 1])
        right = min((w.x0 for w in words if (w.x0 + w.x1) / 2 >= edges[i]),
                    default=edges[i + 1])
        lo, hi = max(left - 0.5, out[i - 1] + 0.1), min(right + 0.5, edges[i + 1] - 0.1)
        inside = [x for x in rules if lo <= x <= hi]
        if inside:
            out[i] = min(inside, key=lambda x: abs(x - edges[i]))
            continue
        crossing = [w for w in heads if w.x0 < out[i] < w.x1]
        if crossing:
            free = _free_stretches(lo, hi, heads)
            if free:
                # the widest gap between header words: a label's own words are a space apart,
                # two labels further ("Detainer Issue Date  Detainer Declined")
                out[i] = max(free, key=lambda st: (round(st[1] - st[0], 1),
                                                   -abs((st[0] + st[1]) / 2 - edges[i])))
                out[i] = (out[i][0] + out[i][1]) / 2
    return tuple(out)


def _free_points(lo: float, hi: float, words: list[Word]) -> list[float]:
    """Middles of the stretches of [lo, hi] no word covers."""
    return [(a + b) / 2 for a, b in _free_stretches(lo, hi, words)]


def _free_stretches(lo: float, hi: float, words: list[Word]) -> list[tuple[float, float]]:
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


def _header_row(lines: list[TextLine], edges: tuple[float, ...], layout: PageLayout) -> TableRow:
    """The header lines flattened into one row, a spanning label given to every column it spans.

    NICS prints "Pre-Pawn" once over Handgun / Long Gun / Other: flattened by column it reads
    "Handgun", "Pre-Pawn Long Gun", "*Other". A label on an upper header line spans the columns
    between the vertical rules that enclose it on its line (a ruled header draws its spanning
    cell that way), or else the group of sub-header runs below it that it is centred over;
    each of those columns gets the label in front of its own header text ("Pre-Pawn Handgun").
    """
    if len(lines) < 2:
        return _row_from(lines, edges, layout.number, "header")
    ncols = len(edges) - 1
    labels: dict[int, list[Word]] = {}
    rest: list[TextLine] = []
    for k, ln in enumerate(lines[:-1]):
        leftover: list[Word] = []
        below_lines = [split_segments(lower, layout.char_size) for lower in lines[k + 1:]]
        below = [run for runs in below_lines for seg2 in runs
                 for run in _split_by_column(seg2, edges)]
        segs = []
        for seg in split_segments(ln, layout.char_size):
            # two stacked labels set as close as words ("Number of County" over "Declined
            # Detainers" and "Name"): each part over its own column's label, not one group
            parts = _split_by_column(seg, edges)
            if len(parts) > 1 and all(_stacked(p, lines[k + 1], edges) for p in parts):
                segs.extend(parts)
            else:
                segs.append(seg)
        mids = [(seg[0].x0 + seg[-1].x1) / 2 for seg in segs]
        for i, seg in enumerate(segs):
            cols = _spanned(seg, edges, layout.vrules, (ln.top + ln.bottom) / 2)
            if len(cols) < 2:  # no rules enclose it: the group of runs it is centred over
                bounds = ((mids[i - 1] + mids[i]) / 2 if i else float("-inf"),
                          (mids[i] + mids[i + 1]) / 2 if i + 1 < len(segs) else float("inf"))
                cols, _ = _centred_group(seg, below_lines, edges, bounds)
                if not cols:
                    # sub-headers set too close to be separate runs ("Handgun Long Gun" under
                    # "Rentals"): split them at column edges, and take the group only when a
                    # rule divides the label from it (a two-line header such as "Permit /
                    # Recheck" has no rule between its lines)
                    split = [[run for seg2 in runs for run in _split_by_column(seg2, edges)]
                             for runs in below_lines]
                    cols, line = _centred_group(seg, split, edges, bounds)
                    if cols and not _rule_between(ln, lines[k + 1 + line], edges[cols[0]],
                                                  edges[cols[-1] + 1], layout.hrules):
                        cols = []
            if cols and _stacked(seg, lines[k + 1], edges):
                cols = []
            # a label heads sub-headers: two or more runs of words under it, in its columns
            lo, hi = edges[cols[0]] if cols else 0.0, edges[cols[-1] + 1] if cols else 0.0
            subs = sum(1 for b in below if lo <= (b[0].x0 + b[-1].x1) / 2 <= hi)
            if len(cols) >= 2 and subs >= 2:
                for col in cols:
                    labels.setdefault(col, []).extend(seg)
            else:
                leftover.extend(seg)
        if leftover:
            rest.append(TextLine(tuple(leftover)))
    if not labels:
        return _row_from(lines, edges, layout.number, "header")
    own = _row_from(rest + [lines[-1]], edges, layout.number, "header")
    cells = []
    for col in range(ncols):
        label = labels.get(col, [])
        cell = own.cells[col]
        text = " ".join([w.text for w in label] + ([cell.text] if cell.text else []))
        boxes = [w.bbox for w in label] + ([cell.bbox] if cell.bbox else [])
        cells.append(Cell(text, union_bbox(boxes) if boxes else None, cell.confidence))
    return TableRow(tuple(cells), layout.number, "header")


def _stacked(seg: tuple[Word, ...], below: TextLine, edges: tuple[float, ...]) -> bool:
    """The upper word of a two-line header ("Permit" over "Recheck"), not a group label: it
    sits inside one column, over a word of the next line that covers most of it."""
    x0, x1 = seg[0].x0, seg[-1].x1
    if any(x0 + 0.5 < e < x1 - 0.5 for e in edges):
        return False
    return any(min(x1, w.x1) - max(x0, w.x0) >= 0.6 * (x1 - x0) for w in below.words)


def _centred_group(seg: tuple[Word, ...], below: list[list[tuple[Word, ...]]],
                   edges: tuple[float, ...], bounds: tuple[float, float]
                   ) -> tuple[list[int], int]:
    """Columns of the fewest consecutive runs (two or more) of one sub-header line that the
    label is centred over (within a quarter of its width), inside the label's share of its
    line: spanning labels are centred on their group. Also which line below it was."""
    x0, x1 = seg[0].x0, seg[-1].x1
    mid, tol = (x0 + x1) / 2, 0.25 * (x1 - x0)
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


def _split_by_column(seg: tuple[Word, ...], edges: tuple[float, ...]) -> list[tuple[Word, ...]]:
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
                  hrules: list[HRule]) -> bool:
    """A horizontal rule between two lines covering most of [x0, x1]."""
    y0, y1 = (upper.top + upper.bottom) / 2, (lower.top + lower.bottom) / 2
    return any(y0 < r.y < y1 and min(r.x1, x1) - max(r.x0, x0) >= 0.5 * (x1 - x0)
               for r in hrules)


def _spanned(seg: tuple[Word, ...], edges: tuple[float, ...], vrules: list[VRule],
             y: float) -> list[int]:
    """Columns a header label spans: between the rules enclosing it on its line (no rule
    crossing its words), else none (see _centred_group)."""
    x0, x1 = min(w.x0 for w in seg), max(w.x1 for w in seg)
    mid = (x0 + x1) / 2
    crossing = sorted(r.x for r in vrules if r.top - 1 <= y <= r.bottom + 1)
    if any(x0 + 1 < x < x1 - 1 for x in crossing):
        return []  # rules run through the label: they are the columns', not the label's cell
    left = max((x for x in crossing if x <= x0 + 1), default=None)
    right = min((x for x in crossing if x >= x1 - 1), default=None)
    if left is not None and right is not None and left < mid < right:
        lo, hi = left, right
    else:
        return []
    cols = []
    for i in range(len(edges) - 1):
        a, b = max(lo, edges[i]), min(hi, edges[i + 1])
        if b - a > 0.3 * (edges[i + 1] - edges[i]):
            cols.append(i)
    return cols


def _line_texts(lines: list[TextLine], edges: tuple[float, ...]) -> list[list[str]]:
    ncols = len(edges) - 1
    out = []
    for ln in lines:
        cells = _cells_of(ln, edges)
        out.append([" ".join(w.text for w in cells.get(i, [])) for i in range(ncols)])
    return out


def _header_cuts(header: list[TextLine], data: list[TextLine], edges: tuple[float, ...],
                 char_size: float) -> list[float]:
    """Columns only the header shows: sub-headers over columns that are empty in every row.

    NICS prints "Rentals: Handgun  Long Gun" over two columns no state fills; no gutter can
    be seen in the data, so the header's own word groups mark the boundary.
    """
    if not header or not data:
        return []
    cuts: list[float] = []
    below = [w for ln in data for w in ln.words]
    segs = split_segments(header[-1], char_size)
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
        if busy > len(data) // 10:
            continue
        if any(w.x0 < cut < w.x1 for w in below):
            # A value wider than its label (a Total under a short header) may cross the middle
            # of the header gap, not the whole gap: cut where no word lies (tests/test_fuzz.py).
            free = _free_points(left, right, below)
            if not free:
                continue
            cut = min(free, key=lambda x: abs(x - cut))
        cuts.append(cut)
    return cuts


# Share of data lines that must hold a word starting (or ending) where a header word does.
ALIGNED_SHARE = 0.5
# How close (in points) two word edges must be to count as one alignment: a renderer places
# left-aligned text at one x to within rounding.
ALIGN_TOLERANCE = 0.6
# The gap an aligned cut sits in must be at least this wide (in character sizes).
MIN_ALIGNED_GAP_EM = 0.3


def _aligned_cut(x: float, side: str, data: list[TextLine], words: list[Word],
                 bounds: list[float], char_size: float, share: float,
                 ragged: bool = False) -> float | None:
    """The cut that values lined up at `x` make, or None when they do not make one.

    Most data lines (`share` of those with text between the neighbouring bounds, and at least
    three) must hold a word starting (ending) at x, of at least three different texts; no word
    may cross x; the column on the far side must hold text of its own, set at least
    MIN_ALIGNED_GAP_EM away. `ragged`: the text just before x must end at two or more places
    (a real column boundary follows values of varying length; in monospaced type the second
    words of "John Smith", "Mary Jones", "Pete Brown" line up too, after first words of one
    length), unless on most lines a value meets text there ("11-Feb-17 EL SALVADOR": dates
    of one width before a text column).
    """
    if not bounds[0] < x < bounds[-1]:
        return None
    e_lo = max(e for e in bounds if e < x)
    e_hi = min(e for e in bounds if e > x)
    texts = set()
    ends: list[float] = []
    turns = 0  # lines where a value (number, date) meets text at x, or text a value
    lines_with = lines_in = 0
    for ln in data:
        inside = [w for w in ln.words if e_lo <= (w.x0 + w.x1) / 2 < e_hi]
        # right alignment is read from numbers only: a left-aligned text column's
        # ragged right edge meets a label's end by chance
        hit = [w for w in inside
               if abs((w.x0 if side == "left" else w.x1) - x) <= ALIGN_TOLERANCE
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
    if lines_with < max(3, share * lines_in) or len(texts) < 3:
        return None
    if ragged and (not ends or max(ends) - min(ends) <= ALIGN_TOLERANCE) \
            and turns < share * lines_with:
        return None
    probe = x - 0.3 if side == "left" else x + 0.3
    if any(w.x0 < probe < w.x1 for w in words):
        return None
    if side == "left":  # the column [e_lo, x) must hold text of its own
        own = [w.x1 for w in words if e_lo <= w.x0 and w.x1 <= probe]
        lo, hi = (max(own), x) if own else (None, None)
    else:  # the column (x, e_hi] likewise
        own = [w.x0 for w in words if w.x0 >= probe and w.x1 <= e_hi]
        lo, hi = (x, min(own)) if own else (None, None)
    if lo is None or hi - lo < MIN_ALIGNED_GAP_EM * char_size:
        return None
    return (lo + hi) / 2


def _aligned_cuts(header: list[TextLine], data: list[TextLine], edges: tuple[float, ...],
                  char_size: float) -> list[float]:
    """Columns set so close that no gutter shows, found where values line up with a label.

    A tight report prints "Mich.  OTSEGO COUNTY" with a gap narrower than a gutter, yet every
    value of the county column starts at the x where its label "Jurisdiction" starts (left
    aligned), or every count ends where its label ends (right aligned). When most data lines
    have a word, of several different texts, starting (ending) at a header word's left (right)
    edge, and no word on any line crosses that edge, a column boundary lies there.
    """
    if not header or len(data) < 3:
        return []
    words = [w for ln in [*header, *data] for w in ln.words]
    cuts: list[float] = []
    for hw in (w for ln in header for w in ln.words):
        for side in ("left", "right"):
            x = hw.x0 if side == "left" else hw.x1
            cut = _aligned_cut(x, side, data, words, sorted((*edges, *cuts)), char_size,
                               ALIGNED_SHARE)
            if cut is not None:
                cuts.append(cut)
    return cuts


# Without a header to say where columns start, the values alone must: most lines that have
# text in the span (not half) start a word at the same x.
HEADERLESS_ALIGNED_SHARE = 0.75


def _headerless_aligned_cuts(data: list[TextLine], edges: tuple[float, ...],
                             char_size: float) -> list[float]:
    """Tight columns of a table printed without a header (a continuation page, a listing).

    A monospaced report sets "Calif. Monterey County" and "Facility 27-Jan-17" one space apart,
    so no gutter shows; but every facility starts at one x, every date at another. Candidate
    x's are the left edges where words of many lines start; each must pass what a header-led
    cut passes, more strictly (HEADERLESS_ALIGNED_SHARE, and the text before it ragged).
    """
    if len(data) < 4:
        return []
    words = [w for ln in data for w in ln.words]
    starts: dict[int, list[float]] = {}
    for w in words:
        starts.setdefault(round(w.x0 / ALIGN_TOLERANCE), []).append(w.x0)
    candidates = sorted((statistics.median(xs) for xs in starts.values() if len(xs) >= 3),
                        key=lambda x: x)
    cuts: list[float] = []
    for x in candidates:
        cut = _aligned_cut(x, "left", data, words, sorted((*edges, *cuts)), char_size,
                           HEADERLESS_ALIGNED_SHARE, ragged=True)
        if cut is not None:
            cuts.append(cut)
    return cuts


# Share of a column's lines whose first word starts at one x for the column to count as left
# aligned there (the rest are wrapped continuations, blanks or overlong values beside it).
LEFT_ALIGNED_SHARE = 0.6


def _snap_to_starts(edges: tuple[float, ...], lines: list[TextLine]) -> tuple[float, ...]:
    """Move each inner edge to the gap just before the x where its column's values start.

    A gutter is placed mid-way in the free space between two columns; when one value runs
    long into that space (monospaced "Parish of East Baton Rouge I-247N", "MONROE COUNTY
    CORRECTIONAL FACILITY 01FEB2017", one space apart), the gutters cannot see the true
    boundary and an edge lands inside the long value, which is then split. A left-aligned
    column says where it starts: most of its lines begin a word at one x. The edge moves to the
    middle of the gap between that x and the nearest text ending before it, when no word
    crosses that x and the move keeps the edges in order.
    """
    out = list(edges)
    words = [w for ln in lines for w in ln.words]
    for k in range(1, len(out) - 1):
        lo_edge, e, hi_edge = out[k - 1], out[k], out[k + 1]
        firsts = []
        for ln in lines:
            inside = [w for w in ln.words if e <= (w.x0 + w.x1) / 2 < hi_edge]
            if inside:
                firsts.append(min(w.x0 for w in inside))
        if len(firsts) < 3:
            continue
        groups: dict[int, list[float]] = {}
        for x in firsts:
            groups.setdefault(round(x / ALIGN_TOLERANCE), []).append(x)
        start_group = max(groups.values(), key=len)
        if len(start_group) < max(3, LEFT_ALIGNED_SHARE * len(firsts)):
            continue
        start = min(start_group)
        probe = start - 0.3
        span = [w for w in words if lo_edge <= (w.x0 + w.x1) / 2 < hi_edge]
        if any(w.x0 < probe < w.x1 for w in span):
            continue
        ends = [w.x1 for w in span if w.x1 <= probe]
        if not ends:
            continue
        new = (max(ends) + start) / 2
        if lo_edge < new < hi_edge:
            out[k] = new
    return tuple(out)


# A column with no label that holds text on at most this share of lines, each time set a word
# space after text of the column before it, is the overflow of that column.
OVERFLOW_SHARE = 0.25
# A word space, in character sizes: 0.6 in monospaced type (Courier's advance), about 0.3 in
# proportional type; wider is a gap between columns.
WORD_SPACE_EM = 0.75


def _join_overflow(edges: tuple[float, ...], header: list[TextLine], data: list[TextLine],
                   char_size: float) -> tuple[float, ...]:
    """Drop an edge whose column is only the tail of long values of the column before it.

    "Parish of East Baton Rouge" runs past the gutter its column shares with the next one;
    the aligned start of the next column puts a cut after "Rouge", and the gutter's edge before
    "Rouge" leaves a column of one word with no label. Such a column (no header word, text on
    few lines, each time set a word space after text of the previous column) is joined back.
    """
    if len(edges) < 4 or not data:
        return edges
    keep = list(edges)
    k = 1
    while k < len(keep) - 1:
        a, b = keep[k], keep[k + 1]
        labelled = any(a <= (w.x0 + w.x1) / 2 < b for ln in header for w in ln.words)
        touched = []
        for ln in data:
            inside = sorted((w for w in ln.words if a <= (w.x0 + w.x1) / 2 < b),
                            key=lambda w: w.x0)
            if not inside:
                continue
            before = [w for w in ln.words if w.x1 <= inside[0].x0 and (w.x0 + w.x1) / 2 < a]
            touched.append(bool(before) and inside[0].x0 - max(w.x1 for w in before)
                           <= WORD_SPACE_EM * char_size)
        if (not labelled and touched and all(touched)
                and len(touched) <= OVERFLOW_SHARE * len(data)):
            del keep[k]
            continue
        k += 1
    return tuple(keep)


def _join_split_labels(edges: tuple[float, ...], header: list[TextLine], data: list[TextLine],
                       char_size: float) -> tuple[float, ...]:
    """Drop an edge that cuts one header label in two where one side holds no data at all.

    "Declined Detainers" over a column of counts: the label is wider than the numbers and
    reaches over the gutter beside them, so the gutters can leave a column holding only
    "Declined". A label's words are one run (word spaces apart); two labels of columns that
    no row fills (NICS's "Handgun  Long Gun" under Rentals) are two runs, and keep their edge.
    """
    if not header or not data or len(edges) < 3:
        return edges
    words = [w for ln in data for w in ln.words]
    filled = [any(a <= (w.x0 + w.x1) / 2 < b for w in words) for a, b in zip(edges, edges[1:])]
    segs = [seg for ln in header for seg in split_segments(ln, char_size)]
    keep = [edges[0]]
    for k in range(1, len(edges) - 1):
        e = edges[k]
        one_label = any(any((w.x0 + w.x1) / 2 < e for w in seg)
                        and any((w.x0 + w.x1) / 2 >= e for w in seg) for seg in segs)
        if one_label and not (filled[k - 1] and filled[k]):
            continue
        keep.append(e)
    keep.append(edges[-1])
    return tuple(keep)


def build_table(block: Block, layout: PageLayout) -> Table:
    """One block → one Table with header, data, total and footnote rows."""
    lines = list(block.lines)
    edges = block.edges
    bold = [all(w.bold for w in ln.words) for ln in lines]
    bold_hint = bold if any(bold) and not all(bold) else None
    texts = _line_texts(lines, edges)
    header_lines = count_header_rows(texts, bold_hint)
    extra = _header_cuts(lines[:header_lines], lines[header_lines:], edges, layout.char_size)
    extra += _aligned_cuts(lines[:header_lines], lines[header_lines:],
                           tuple(sorted((*edges, *extra))), layout.char_size)
    if not header_lines and not block.ruled_columns:
        extra += _headerless_aligned_cuts(lines, tuple(sorted((*edges, *extra))),
                                          layout.char_size)
    if extra:
        edges = tuple(sorted((*edges, *extra)))
        texts = _line_texts(lines, edges)
        header_lines = count_header_rows(texts, bold_hint)
    if not block.ruled_columns:
        edges = _snap_to_starts(edges, lines[header_lines:])
        edges = _join_overflow(edges, lines[:header_lines], lines[header_lines:],
                               layout.char_size)
    edges = _snap_to_rules(edges, lines[header_lines:], lines[:header_lines], layout.vrules)
    if not block.ruled_columns:  # a drawn rule is a boundary, whatever the labels do
        edges = _join_split_labels(edges, lines[:header_lines], lines[header_lines:],
                                   layout.char_size)
    ncols = len(edges) - 1
    cells_by_line = [_cells_of(ln, edges) for ln in lines]
    x0, x1 = edges[0], edges[-1]
    rule_starts = _rule_starts(lines, layout.hrules, x0, x1)
    key_starts = [True] * header_lines + _record_starts(cells_by_line[header_lines:], ncols)
    if block.ruled_columns and sum(rule_starts) >= 3 and sum(rule_starts) >= 0.8 * sum(key_starts):
        # A full grid with a rule under every record: the rules are authoritative (a wrapped
        # cell may fill a key column on its second line), and the header is the first record.
        starts = rule_starts
        n_header = 1 if count_header_rows(_records_texts(texts, starts), None) else 0
        header_lines = _first_records_len(starts, n_header)
    else:
        # Whitespace or rules that group several records (NICS draws one every five states):
        # a line starts a record at a rule or where the key columns have text.
        starts = [k or r for k, r in zip(key_starts, rule_starts)]
    # A Total line is a row of its own, however sparse ("Grand Total ... 51" under the last
    # jail was joined to it as a wrapped line).
    line_texts = _line_texts(lines, edges)
    starts = [s or (i >= header_lines and is_total_row(t))
              for i, (s, t) in enumerate(zip(starts, line_texts))]
    rows: list[TableRow] = []
    if header_lines:
        rows.append(_header_row(lines[:header_lines], edges, layout))
    current: list[TextLine] = []
    for i in range(header_lines, len(lines)):
        if starts[i] and current:
            rows.append(_row_from(current, edges, layout.number, "data"))
            current = []
        current.append(lines[i])
    if current:
        rows.append(_row_from(current, edges, layout.number, "data"))
    rows = [_classify(r) for r in rows]
    for ln in block.below:
        cell = Cell(ln.text, ln.bbox, min(w.confidence for w in ln.words))
        rows.append(TableRow((cell,), layout.number, "footnote"))
    header = tuple(c.text for c in rows[0].cells) if rows and rows[0].kind == "header" else ()
    table = Table(tuple(rows), ENGINE + ("-ruled" if block.ruled_columns else ""), 0.0,
                  layout.number, union_bbox([r.bbox for r in rows]), header)
    return table


def _records_texts(texts: list[list[str]], starts: list[bool]) -> list[list[str]]:
    out: list[list[str]] = []
    for t, s in zip(texts, starts):
        if s or not out:
            out.append(list(t))
        else:
            out[-1] = [(a + " " + b).strip() for a, b in zip(out[-1], t)]
    return out


def _first_records_len(starts: list[bool], n: int) -> int:
    """Number of lines in the first n records."""
    if n == 0:
        return 0
    seen = 0
    for i, s in enumerate(starts):
        if s:
            seen += 1
            if seen > n:
                return i
    return len(starts)


def _classify(row: TableRow) -> TableRow:
    if row.kind == "data" and is_total_row(row.texts):
        return TableRow(row.cells, row.page, "total", row.pages)
    filled = [t for t in row.texts if t]
    if row.kind == "data" and len(filled) == 1 and looks_like_footnote(filled[0]) and not any(
        is_typed(t) for t in filled
    ):
        return TableRow(row.cells, row.page, "footnote", row.pages)
    return row


def layout_tables(layout: PageLayout) -> list[Table]:
    """All tables our builder finds on one page.

    Drawn checkboxes join the page's words as `checked`/`unchecked`, so they take their
    column like any value."""
    if layout.checkboxes:
        layout = replace(layout, words=checkbox_words(layout.checkboxes, layout.words,
                                                      layout.char_size))
    return [build_table(b, layout) for b in find_table_blocks(layout)] + fixed_width_tables(layout)
