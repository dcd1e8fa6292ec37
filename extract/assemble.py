"""Document-level assembly: page furniture out, tables stitched across pages.

Named steps: `strip_furniture` (banners, Bates numbers, "Page N of M" recognised by position and
repetition across pages) → per-page tables → `Stitcher` (a table continuing on the next page,
its repeated header dropped; parts handed on as they are read) or `stitch_tables` (whole).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Protocol

from rapidfuzz import fuzz

from extract.lines import group_lines
from extract.model import Table, TableRow
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
        lines = group_lines(lay.words, lay.char_size)
        for k, line in enumerate(lines):
            mid = (line.top + line.bottom) / 2
            if mid < FURNITURE_BAND * lay.height or mid > (1 - FURNITURE_BAND) * lay.height:
                # Words far apart on one band line are separate items (banner left, Bates right).
                parts = _parts(line.words, lay.char_size)
                # A band line of many parts or numbers is a table row running into the margin
                # (NICS prints Wyoming and its Grand Total there, the same states in the same
                # place on every monthly page; its bare numbers look like page numbers): kept.
                # So is a table's header printed at the top of every page: its parts start
                # where the columns of the line under it start ("Jur  SiteNum  Location").
                numbers = sum(1 for w in line.words if _NUMBER.match(w.text))
                table_row = (len(parts) > MAX_FURNITURE_PARTS or numbers >= MIN_ROW_NUMBERS
                             or _in_columns(line, lines[max(0, k - 3):k] + lines[k + 1:k + 4],
                                            lay.char_size))
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


def _parts(words: tuple, char_size: float, gap: float = 3.0) -> list[list]:
    """A line's words in runs split at gaps wider than `gap` characters."""
    parts: list[list] = [[words[0]]]
    for prev, w in zip(words, words[1:]):
        if w.x0 - prev.x1 > gap * char_size:
            parts.append([w])
        else:
            parts[-1].append(w)
    return parts


# A band line is a table's (its header repeated on every page, or a row running into the
# margin) when COLUMN_PARTS of its runs start where runs of a line near it start.
COLUMN_PARTS = 3
COLUMN_GAP = 1.5  # runs split at gaps this many characters wide
COLUMN_REACH = 5  # line heights within which the neighbour lies


def _in_columns(line, near: list, char_size: float) -> bool:
    """Whether a band line lines up in columns with a line near it ("Jur  SiteNum  Location /
    Street" over "ADA  1  ADAMS POLICE DEPARTMENT"; "WIA  1146  WILLIAMS COLLEGE …" under the
    rows above): then it is part of the table, not a running head or a Bates number."""
    parts = _parts(line.words, char_size, COLUMN_GAP)
    if len(parts) < COLUMN_PARTS:
        return False
    height = max(line.bottom - line.top, char_size)
    for other in near:
        if min(abs(other.top - line.bottom), abs(line.top - other.bottom)) > COLUMN_REACH * height:
            continue
        starts = [p[0].x0 for p in _parts(other.words, char_size, COLUMN_GAP)]
        aligned = sum(1 for p in parts if any(abs(p[0].x0 - x) <= COLUMN_GAP * char_size
                                                for x in starts))
        if aligned >= COLUMN_PARTS:
            return True
    return False


def _header_key(table: Table) -> str:
    return " | ".join(h.lower() for h in table.header)


@dataclass
class TableChain:
    """A table being stitched across pages: what continuation needs to know of it, without its
    rows (they go on to the caller part by part, so a table of 2,000 pages is never held)."""

    index: int  # position among the document's tables
    head: Table  # the first part: its header, bbox, page and sheet are the table's
    last: Table  # the part added last: a continuation is judged against its bottom
    last_height: float  # height of the page the last part ends on
    pages: set[int] = field(default_factory=set)
    engine: str = ""
    score: float = 0.0
    ncols: int = 0
    nrows: int = 0
    has_total: bool = False

    @classmethod
    def start(cls, index: int, table: Table, height: float) -> TableChain:
        chain = cls(index, table, table, height, engine=table.engine, score=table.score)
        chain._count(table.rows)
        return chain

    def _count(self, rows: tuple[TableRow, ...]) -> None:
        for r in rows:
            self.pages.update(r.pages or (r.page,))
            self.ncols = max(self.ncols, len(r.cells))
            self.has_total = self.has_total or r.kind == "total"
        self.nrows += len(rows)

    @property
    def last_page(self) -> int:
        return max(self.pages) if self.pages else self.head.page

    def extend(self, table: Table, height: float) -> tuple[TableRow, ...]:
        """Take `table` as the next part; returns the rows it adds (its header dropped)."""
        body = tuple(r for r in table.rows if r.kind != "header")
        self.score = round(min(self.score, table.score), 4)
        if table.engine != self.engine:
            self.engine = f"{self.engine}+{table.engine}"
        self.last, self.last_height = table, height
        self._count(body)
        return body

    def table(self, rows: tuple[TableRow, ...] = ()) -> Table:
        """The stitched table's metadata, with `rows` (all of them, or none for a head)."""
        return replace(self.head, rows=rows, engine=self.engine, score=self.score)

    def continues_into(self, nxt: Table) -> bool:
        """Whether `nxt` (the first table on a page) continues this table."""
        if nxt.page != self.last_page + 1 or nxt.ncols != self.ncols:
            return False
        last_rows = self.last.rows
        if self.has_total or (last_rows and last_rows[-1].kind == "footnote" and not nxt.header):
            return False
        if nxt.header and self.head.header:
            return fuzz.token_sort_ratio(_header_key(self.head), _header_key(nxt)) >= HEADER_MATCH
        if not nxt.header:
            # No header on the continuation: the part before must reach the bottom of its page.
            bbox = self.last.bbox
            return bbox is not None and bbox[3] > 0.6 * self.last_height
        return False


# Tables set aside above a continuation (Stitcher._set_aside): at most this many, each of at
# most ASIDE_ROWS rows.
MAX_ASIDE = 2
ASIDE_ROWS = 5


def _aside(table: Table, below: Table) -> bool:
    """A small table above `below` on its page (its middle above below's top: a drawn title
    box may reach down over the header line under it)."""
    return (len(table.rows) <= ASIDE_ROWS and table.bbox is not None and below.bbox is not None
            and (table.bbox[1] + table.bbox[3]) / 2 <= below.bbox[1])


class TableSink(Protocol):
    """Where stitched tables go as they grow: rows part by part, then the finished table."""

    def table_rows(self, chain: TableChain, rows: tuple[TableRow, ...]) -> None: ...

    def table_done(self, chain: TableChain) -> None: ...


class Stitcher:
    """Stitches a document's tables page by page, handing each part on as soon as it is read.

    Feed pages in order (`add_page`), then `finish`. Only the open table's last part is kept.
    """

    def __init__(self, sink: TableSink) -> None:
        self.sink = sink
        self.open: TableChain | None = None
        self.count = 0

    def add_page(self, number: int, height: float, tables: list[Table]) -> None:
        tables = self._set_aside(list(tables), height)
        for i, table in enumerate(tables):
            if i == 0 and self.open is not None and self.open.continues_into(table):
                self.sink.table_rows(self.open, self.open.extend(table, height))
                continue
            self._close()
            self.open = TableChain.start(self.count, table, height)
            self.count += 1
            self.sink.table_rows(self.open, table.rows)

    def _set_aside(self, tables: list[Table], height: float) -> list[Table]:
        """A small table printed above the continuation of the open table (a title box drawn
        at the top of every page of a jail roster) is stored on its own, the open table left
        open: otherwise it would end the table at every page. Returns the rest."""
        if self.open is None or not tables or self.open.continues_into(tables[0]):
            return tables
        k = next((i for i in range(1, min(len(tables), MAX_ASIDE + 1))
                  if self.open.continues_into(tables[i])), None)
        if k is None or not all(_aside(t, tables[k]) for t in tables[:k]):
            return tables
        for t in tables[:k]:
            side = TableChain.start(self.count, t, height)
            self.count += 1
            self.sink.table_rows(side, t.rows)
            self.sink.table_done(side)
        return tables[k:]

    def _close(self) -> None:
        if self.open is not None:
            self.sink.table_done(self.open)
            self.open = None

    def finish(self) -> None:
        self._close()


class Collector:
    """A TableSink that keeps whole tables (short documents, and callers that want a list)."""

    def __init__(self) -> None:
        self.rows: dict[int, list[TableRow]] = {}
        self.tables: list[Table] = []

    def table_rows(self, chain: TableChain, rows: tuple[TableRow, ...]) -> None:
        self.rows.setdefault(chain.index, []).extend(rows)

    def table_done(self, chain: TableChain) -> None:
        self.tables.append(chain.table(tuple(self.rows.pop(chain.index))))


def stitch_tables(pages: list[tuple[int, float, list[Table]]]) -> list[Table]:
    """Tables of a whole document in order, parts that continue across pages joined.

    `pages` holds (page number, page height, tables in reading order) per page.
    """
    collect = Collector()
    stitch_into(collect, pages)
    return collect.tables


def stitch_into(sink: TableSink, pages: list[tuple[int, float, list[Table]]]) -> None:
    """Every page's tables through one Stitcher into `sink`, then finished."""
    stitcher = Stitcher(sink)
    for number, height, tables in pages:
        stitcher.add_page(number, height, tables)
    stitcher.finish()
