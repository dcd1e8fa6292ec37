"""Fixed-width reports: columns drawn with dashes under the header, records of several lines.

Police, court and jail systems print reports in a monospace font where each header label is
underlined by a run of dashes ("TYPE ... ITEM ..." over "-------- --------"), and a record
may take two or more lines, each with its own dashed header ("SERIAL NUMBER  REPORT/TAG ...").
Gaps between such columns are often one space, narrower than any gutter rule can trust, but
the dashes say exactly where each column starts. This builder reads them:

1. a *schema* is a label line directly above a line made only of dash runs (two or more);
   consecutive schemas (within a few lines) describe the lines of one record;
2. each dash run starts a column; a column runs to the next run's start;
3. every following line is matched to the schema whose column starts its words hit best (the
   next schema in the record's cycle wins ties); a line that fits none ends the table;
4. a record is the lines from one first-schema line to the next, its cells the columns of all
   its schemas side by side.

Tolerances are fractions of the page's character size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extract.lines import TextLine, group_lines
from extract.model import Cell, Table, TableRow, Word, union_bbox
from extract.page_layout import PageLayout

ENGINE = "fixed-width"
_DASHES = re.compile(r"^[-=_]{3,}$")
# A schema's label line sits at most this many line heights above its dashes; schemas of one
# record header at most this many lines apart.
LABEL_GAP_LINES = 1.6
SCHEMA_GAP_LINES = 3
# A line fits a schema when at least this share of the schema's columns it fills start where
# the dashes start.
MIN_FIT = 0.5
# This many lines in a row that fit no schema end the table (one is a remark inside it).
MAX_MISFITS = 3


@dataclass(frozen=True)
class Schema:
    """One line of a record: its header labels and where its columns start and end."""

    starts: tuple[float, ...]
    end: float  # right end of the last dash run
    labels: tuple[Cell, ...]  # each column's label with its box


def _is_dash_line(line: TextLine) -> bool:
    return len(line.words) >= 2 and all(_DASHES.match(w.text) for w in line.words)


def _columns(words: tuple[Word, ...] | list[Word], starts: tuple[float, ...],
             tol: float) -> list[list[Word]]:
    cols: list[list[Word]] = [[] for _ in starts]
    for w in words:
        j = max((i for i, s in enumerate(starts) if w.x0 >= s - tol), default=0)
        cols[j].append(w)
    return cols


def _schemas(lines: list[TextLine], size: float) -> list[tuple[int, list[Schema]]]:
    """(index of the first data line, schemas) for each dashed header on the page."""
    tol = 0.5 * size
    out: list[tuple[int, list[Schema]]] = []
    current: list[Schema] = []
    last = -10
    for i, line in enumerate(lines):
        if not _is_dash_line(line) or i == 0:
            continue
        label = lines[i - 1]
        if line.top - label.bottom > LABEL_GAP_LINES * size or _is_dash_line(label):
            continue
        starts = tuple(w.x0 for w in line.words)
        hits = sum(1 for s in starts if any(abs(w.x0 - s) <= tol for w in label.words))
        if hits < max(2, len(starts) // 2):
            continue  # dashes that do not underline labels: a separator, not a header
        labels = tuple(Cell(" ".join(w.text for w in col), union_bbox([w.bbox for w in col]))
                       for col in _columns(label.words, starts, tol))
        schema = Schema(starts, line.words[-1].x1, labels)
        if current and i - last <= SCHEMA_GAP_LINES:
            current.append(schema)
        else:
            if current:
                out.append((last + 1, current))
            current = [schema]
        last = i
    if current:
        out.append((last + 1, current))
    return out


def _fit(line: TextLine, schema: Schema, tol: float, size: float) -> float:
    """How well a data line fits a schema: the share of its filled columns whose first word
    starts at the column's dashes, less the share of words past the last column's end."""
    cols = _columns(line.words, schema.starts, tol)
    filled = [(j, ws) for j, ws in enumerate(cols) if ws]
    if not filled:
        return 0.0
    aligned = sum(1 for j, ws in filled if abs(ws[0].x0 - schema.starts[j]) <= tol)
    over = sum(1 for w in line.words if w.x0 > schema.end + 2 * size)
    return aligned / max(len(filled), 1) - over / len(line.words)


def _row(parts: list[tuple[int, TextLine]], schemas: list[Schema], tol: float,
         page: int) -> TableRow:
    cells: list[Cell] = []
    by_schema = {k: ln for k, ln in parts}
    for k, schema in enumerate(schemas):
        line = by_schema.get(k)
        cols = _columns(line.words, schema.starts, tol) if line else [[] for _ in schema.starts]
        for ws in cols:
            cells.append(Cell(" ".join(w.text for w in ws),
                              union_bbox([w.bbox for w in ws]),
                              min((w.confidence for w in ws), default=1.0)))
    return TableRow(tuple(cells), page, "data")


def fixed_width_tables(layout: PageLayout) -> list[Table]:
    """Tables of a page laid out in dash-underlined fixed-width columns (none if it is not)."""
    size = layout.char_size
    if not any(_DASHES.match(w.text) for w in layout.words):
        return []
    lines = group_lines(layout.words, size)
    tol = 0.5 * size
    tables = []
    for first, schemas in _schemas(lines, size):
        records: list[list[tuple[int, TextLine]]] = []
        expected, misfits = 0, 0
        for line in lines[first:]:
            if _is_dash_line(line):
                break  # the next report section's header
            fits = [_fit(line, s, tol, size) for s in schemas]
            best = max(fits)
            if best < MIN_FIT:
                # a remark line inside the report stays page text; several in a row end it
                misfits += 1
                if misfits >= MAX_MISFITS:
                    break
                continue
            misfits = 0
            k = expected if fits[expected] >= best else fits.index(best)
            if k == 0 or not records or k <= records[-1][-1][0]:
                records.append([])
            records[-1].append((k, line))
            expected = (k + 1) % len(schemas)
        if len(records) < 2:
            continue
        header_row = TableRow(tuple(c for s in schemas for c in s.labels), layout.number,
                              "header")
        rows = [_row(r, schemas, tol, layout.number) for r in records]
        all_rows = (header_row, *rows)
        tables.append(Table(all_rows, ENGINE, 0.0, layout.number,
                            union_bbox([r.bbox for r in all_rows]), header_row.texts and
                            tuple(header_row.texts)))
    return tables
