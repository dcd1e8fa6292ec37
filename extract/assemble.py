"""Document-level assembly: page furniture out, tables stitched across pages.

Named steps: `strip_furniture` (banners, Bates numbers, "Page N of M" recognised by position and
repetition across pages) → per-page tables → `stitch_tables` (a table continuing on the next page,
its repeated header dropped).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from rapidfuzz import fuzz

from extract.lines import group_lines
from extract.model import Table
from extract.page_layout import PageLayout

# Share of the page height at the top and bottom where running heads and footers live.
FURNITURE_BAND = 0.09
# Furniture that needs no repetition to be recognised: page numbers, Bates stamps.
_PAGE_NUMBER = re.compile(r"^(page\s*)?-?\s*\d+\s*-?(\s*(of|/)\s*\d+)?$", re.IGNORECASE)
_BATES = re.compile(r"^[A-Z][A-Z0-9]{1,9}([-_ ][A-Z0-9]+)*[-_ ]?\d{4,}$")
# Running heads and footers have a few parts (banner left, title centre, Bates right); a band
# line with more parts is a table row.
MAX_FURNITURE_PARTS = 3
# ... or with this many numbers (a running head holds a date or two, a page number, a Bates).
MIN_ROW_NUMBERS = 5
_NUMBER = re.compile(r"^[($]?-?[\d,.]+%?\)?$")
# Header rows of two page-parts that match at least this well are the same header.
HEADER_MATCH = 85


def _shape(text: str) -> str:
    """Text with digits folded, so "Page 3 of 25" and "Page 4 of 25" repeat."""
    return re.sub(r"\d+", "#", text.strip().lower())


def _is_furniture_text(text: str) -> bool:
    t = text.strip()
    return bool(_PAGE_NUMBER.match(t) or _BATES.match(t))


def strip_furniture(layouts: list[PageLayout]) -> tuple[list[PageLayout], dict[int, list[str]]]:
    """Layouts without running heads/footers, and what was removed per page (for the record)."""
    bands: list[list[tuple[str, list]]] = []
    shapes: Counter[str] = Counter()
    for lay in layouts:
        items = []
        for line in group_lines(lay.words, lay.char_size):
            mid = (line.top + line.bottom) / 2
            if mid < FURNITURE_BAND * lay.height or mid > (1 - FURNITURE_BAND) * lay.height:
                # Words far apart on one band line are separate items (banner left, Bates right).
                parts: list[list] = [[line.words[0]]]
                for prev, w in zip(line.words, line.words[1:]):
                    if w.x0 - prev.x1 > 3 * lay.char_size:
                        parts.append([w])
                    else:
                        parts[-1].append(w)
                # A band line of many parts or numbers is a table row running into the margin
                # (NICS prints Wyoming and its Grand Total there, the same states in the same
                # place on every monthly page; its bare numbers look like page numbers): kept.
                numbers = sum(1 for w in line.words if _NUMBER.match(w.text))
                table_row = len(parts) > MAX_FURNITURE_PARTS or numbers >= MIN_ROW_NUMBERS
                for part in parts:
                    text = " ".join(w.text for w in part)
                    if not table_row:
                        items.append((text, part))
        bands.append(items)
        shapes.update({_shape(t) for t, _ in items})
    repeat = max(2, int(0.5 * len(layouts) + 0.5)) if len(layouts) > 1 else 10**9
    out, removed = [], {}
    for lay, items in zip(layouts, bands):
        drop = set()
        texts = []
        for text, part in items:
            if shapes[_shape(text)] >= repeat or _is_furniture_text(text):
                drop.update(id(w) for w in part)
                texts.append(text)
        if drop:
            lay = replace(lay, words=[w for w in lay.words if id(w) not in drop])
        out.append(lay)
        removed[lay.number] = texts
    return out, removed


def _header_key(table: Table) -> str:
    return " | ".join(h.lower() for h in table.header)


def _continues(prev: Table, nxt: Table, prev_height: float) -> bool:
    """Whether `nxt` (first table on a page) continues `prev` (last table on the page before)."""
    if nxt.page != prev.pages[-1] + 1 or nxt.ncols != prev.ncols:
        return False
    if prev.rows_of("total") or (prev.rows and prev.rows[-1].kind == "footnote"
                                 and not nxt.header):
        return False
    if nxt.header and prev.header:
        return fuzz.token_sort_ratio(_header_key(prev), _header_key(nxt)) >= HEADER_MATCH
    if not nxt.header:
        # No header on the continuation: the first part must reach the bottom of its page.
        return prev.bbox is not None and prev.bbox[3] > 0.6 * prev_height
    return False


def stitch_tables(pages: list[tuple[int, float, list[Table]]]) -> list[Table]:
    """Tables of a whole document in order, parts that continue across pages joined.

    `pages` holds (page number, page height, tables in reading order) per page.
    """
    out: list[Table] = []
    heights = {n: h for n, h, _ in pages}
    for _number, _height, tables in pages:
        for i, table in enumerate(tables):
            prev = out[-1] if out else None
            if i == 0 and prev is not None and _continues(prev, table, heights[prev.pages[-1]]):
                body = tuple(r for r in table.rows if r.kind != "header")
                # A footnote under the first part ("continued on next page") stays with it.
                rows = prev.rows + body
                out[-1] = replace(
                    prev,
                    rows=rows,
                    score=round(min(prev.score, table.score), 4),
                    engine=prev.engine if prev.engine == table.engine
                    else f"{prev.engine}+{table.engine}",
                )
                continue
            out.append(table)
    return out

