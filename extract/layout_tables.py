"""Our table builder: tables rebuilt from word boxes and ruling lines.

Both engines return one row per text line on whitespace tables with wrapped cells, and find rows
but no columns on tables ruled only horizontally. This builder handles ruled, whitespace-only and
horizontal-rule tables with one pipeline of named steps, run in this order:

    layout_tables: checkbox_words → find_table_blocks → build_table (each block)
                   → fixed_width_tables
    build_table:   _bold_hint → split_header → add_column_cuts → split_header (again, when
                   columns were added) → settle_edges → find_record_starts → header_row
                   → group_records → footnote_rows

find_table_blocks (extract.layout.blocks) groups the words into lines and blocks, peels titles
and notes off each block and finds its columns (extract.layout.columns): from vertical rules
when the table has them, otherwise from gutters (x-ranges no line's words cover). Columns set
too tight for a gutter are cut where the header or the values' alignment shows them
(extract.layout.cuts), and every edge is settled where the page puts the border
(extract.layout.edges). Records start at horizontal rules when there are any, otherwise where
the key columns have text (lines with those empty continue the record above;
extract.layout.records); the header lines become one row (extract.layout.header). The same
builder serves OCR word boxes (issue 4): nothing here depends on where the words came from.

Every tolerance is a field of LayoutSettings (extract.layout_settings), part of the cache key.
"""

from __future__ import annotations

from dataclasses import replace

from extract.checkboxes import checkbox_words
from extract.fixed_width import fixed_width_tables
from extract.layout.blocks import Block, find_table_blocks
from extract.layout.cuts import add_column_cuts
from extract.layout.edges import settle_edges
from extract.layout.header import header_row
from extract.layout.records import find_record_starts, footnote_rows, group_records, line_texts
from extract.layout_settings import DEFAULT_LAYOUT, LayoutSettings
from extract.lines import TextLine
from extract.model import Table, union_bbox
from extract.page_layout import PageLayout
from extract.rows import count_header_rows

__all__ = ["ENGINE", "Block", "LayoutSettings", "build_table", "find_table_blocks",
           "layout_tables"]

ENGINE = "layout"


def layout_tables(layout: PageLayout, settings: LayoutSettings | None = None,
                  carry: tuple[float, ...] = ()) -> list[Table]:
    """All tables our builder finds on one page.

    Drawn checkboxes join the page's words as `checked`/`unchecked`, so they take their
    column like any value. `carry`: the column edges of a table that ran to the bottom of
    the page before; the first table here, when it has no header of its own, is cut at them
    (a table printed with its header once: its later pages have no labels to find their
    columns by, and two columns that run close together on a page would merge)."""
    s = settings or DEFAULT_LAYOUT
    if layout.checkboxes:
        layout = replace(layout, words=checkbox_words(layout.checkboxes, layout.words,
                                                      layout.char_size))
    blocks = find_table_blocks(layout, s)
    tables = [build_table(b, layout, s) for b in blocks]
    if carry and tables and not tables[0].header and len(carry) != len(tables[0].edges):
        again = build_table(replace(blocks[0], edges=carry), layout, s, fixed=True)
        if not again.header:
            tables[0] = again
    return tables + fixed_width_tables(layout)


def build_table(block: Block, layout: PageLayout, settings: LayoutSettings | None = None,
                fixed: bool = False) -> Table:
    """One block → one Table with header, data, total and footnote rows (the steps are named
    in the module's docstring). `fixed`: cut at the block's edges as they are (carried over
    from the page before), no column added or moved."""
    s = settings or DEFAULT_LAYOUT
    lines = list(block.lines)
    bold = _bold_hint(lines)
    header_lines, texts = split_header(lines, block.edges, bold)
    edges = block.edges if fixed else add_column_cuts(
        lines, block.edges, header_lines, block.ruled_columns, layout.char_size, s)
    if len(edges) != len(block.edges):  # new columns: the header is counted again
        header_lines, texts = split_header(lines, edges, bold)
    if not fixed:
        edges = settle_edges(edges, lines, header_lines, block.ruled_columns, layout, s)
    starts, header_lines = find_record_starts(lines, edges, texts, header_lines,
                                              block.ruled_columns, layout.hrules, s)
    rows = [header_row(lines[:header_lines], edges, layout, s)] if header_lines else []
    rows += group_records(lines[header_lines:], starts[header_lines:], edges, layout.number)
    rows += footnote_rows(block.below, layout.number)
    header = tuple(c.text for c in rows[0].cells) if rows and rows[0].kind == "header" else ()
    return Table(tuple(rows), ENGINE + ("-ruled" if block.ruled_columns else ""), 0.0,
                 layout.number, union_bbox([r.bbox for r in rows]), header, edges=tuple(edges))


def split_header(lines: list[TextLine], edges: tuple[float, ...],
                 bold: list[bool] | None) -> tuple[int, list[list[str]]]:
    """How many of the lines are header (extract.rows.count_header_rows), and the lines' texts
    by column."""
    texts = line_texts(lines, edges)
    return count_header_rows(texts, bold), texts


def _bold_hint(lines: list[TextLine]) -> list[bool] | None:
    """Which lines are all bold, when some are and some are not (a header set in bold)."""
    bold = [all(w.bold for w in ln.words) for ln in lines]
    return bold if any(bold) and not all(bold) else None
