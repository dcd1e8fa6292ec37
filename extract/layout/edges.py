"""A table's column edges settled where the page says the borders are.

Edges found from gutters and alignment sit somewhere in the gap between two columns. Once the
header is known, each is moved or dropped: to where a left-aligned column starts, joined back
where a column is only the overflow of the one before it, onto a drawn rule in its gap, and
dropped where it cuts one header label in two.
"""

from __future__ import annotations

from extract.layout.columns import free_stretches
from extract.layout_settings import LayoutSettings
from extract.lines import TextLine, split_segments
from extract.page_layout import PageLayout, VRule


def settle_edges(edges: tuple[float, ...], lines: list[TextLine], header_lines: int,
                 ruled: bool, layout: PageLayout, s: LayoutSettings) -> tuple[float, ...]:
    """The edges settled, in order: _snap_to_starts → _join_overflow → _snap_to_rules →
    _join_split_labels. Columns from drawn rules are not moved by the text (a drawn rule is a
    boundary, whatever the labels do); only snapping to rules applies to them."""
    header, data = lines[:header_lines], lines[header_lines:]
    if not ruled:
        edges = _snap_to_starts(edges, data, s)
        edges = _join_overflow(edges, header, data, layout.char_size, s)
    edges = _snap_to_rules(edges, data, header, layout.vrules, s)
    if not ruled:
        edges = _join_split_labels(edges, header, data, layout.char_size, s)
    return edges


def _snap_to_starts(edges: tuple[float, ...], lines: list[TextLine],
                    s: LayoutSettings) -> tuple[float, ...]:
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
        if len(firsts) < s.min_aligned_lines:
            continue
        groups: dict[int, list[float]] = {}
        for x in firsts:
            groups.setdefault(round(x / s.align_tolerance_pt), []).append(x)
        start_group = max(groups.values(), key=len)
        if len(start_group) < max(s.min_aligned_lines, s.left_aligned_share * len(firsts)):
            continue
        start = min(start_group)
        probe = start - s.align_probe_pt
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


def _join_overflow(edges: tuple[float, ...], header: list[TextLine], data: list[TextLine],
                   char_size: float, s: LayoutSettings) -> tuple[float, ...]:
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
                           <= s.word_space_em * char_size)
        if (not labelled and touched and all(touched)
                and len(touched) <= s.overflow_share * len(data)):
            del keep[k]
            continue
        k += 1
    return tuple(keep)


def _snap_to_rules(edges: tuple[float, ...], lines: list[TextLine], header: list[TextLine],
                   vrules: list[VRule], s: LayoutSettings) -> tuple[float, ...]:
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
        # (the 0.1 keeps the edges strictly in order; it is no tolerance)
        lo = max(left - s.edge_overlap_pt, out[i - 1] + 0.1)
        hi = min(right + s.edge_overlap_pt, edges[i + 1] - 0.1)
        inside = [x for x in rules if lo <= x <= hi]
        if inside:
            out[i] = min(inside, key=lambda x: abs(x - edges[i]))
            continue
        crossing = [w for w in heads if w.x0 < out[i] < w.x1]
        if crossing:
            free = free_stretches(lo, hi, heads)
            if free:
                # the widest gap between header words: a label's own words are a space apart,
                # two labels further ("Detainer Issue Date  Detainer Declined")
                out[i] = max(free, key=lambda st: (round(st[1] - st[0], 1),
                                                   -abs((st[0] + st[1]) / 2 - edges[i])))
                out[i] = (out[i][0] + out[i][1]) / 2
    return tuple(out)


def _join_split_labels(edges: tuple[float, ...], header: list[TextLine], data: list[TextLine],
                       char_size: float, s: LayoutSettings) -> tuple[float, ...]:
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
    segs = [seg for ln in header for seg in split_segments(ln, char_size, s)]
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
