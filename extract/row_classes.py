"""Row classes inside a table's body: data, group label, subtotal, total.

Releases put structure rows among the data: a label row naming the group below it
("COHS", "Northern Region"), a subtotal closing a group ("Total GMC Enrollment", "Subtotal for
Two-Plan …", "Region 1 Total"), and the grand total ("All Models Total Enrollments", "Grand
Total"). Kept as data they inflate every count and sum (issue 17, shape 4), so every engine's
table goes through `classify_table` once its rows are known, and the sums are checked after
(`normalize.sums`).

The rules read the row's own text and its place in the table, not a document style:

- a total-like label (Total, Totals, Grand total, Subtotal, "Total X", "X Total", "All …
  Total") in one of the row's first two filled cells makes the row a total or a subtotal;
- "Subtotal …" is always a subtotal; a total-like row with another total-like row after it in
  the same table is a subtotal (only the last one can be the grand total); the last one is the
  total (`normalize.sums` says when its figures are those of a part instead);
- a row whose figures are the sum of the data rows above it since the last sum (two rows or
  more, every figure column agreeing, two columns or more) is a subtotal whatever its label
  says (Brazil's "REGIÃO NORDESTE" rows, told apart on the page only by a colour band), and a
  first body row whose figures are the sum of all the data rows under it is the total printed
  first ("Brasil");
- a group label is a row whose only filled cell is a short text label in the first or second
  column, in a table of three or more columns whose data rows carry numbers, with a data (or
  another group) row after it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from extract.master_detail import classify_master_detail
from extract.model import Table, TableRow
from extract.rows import is_number, is_typed, looks_like_footnote

# A label that ends a group or the table. "Total" at the start or at the end of a short label.
_TOTAL_START = re.compile(r"^\s*(grand\s+|sub-?\s?)?totals?\b", re.IGNORECASE)
_TOTAL_END = re.compile(r"\btotals?\s*:?\s*$", re.IGNORECASE)
_SUBTOTAL = re.compile(r"\bsub-?\s?totals?\b", re.IGNORECASE)
# Labels that can only be the table's grand total.
_GRAND = re.compile(
    r"^\s*(grand\s+totals?|totals?\s*:?|sum|all\s+\w+(\s+\w+)?\s+totals?\b.*|"
    r"all\s+(states|counties|jurisdictions|areas|regions)\b.*|statewide\s+totals?|"
    r"totals?\s+(all|statewide|state|nationwide|overall)\b.*)\s*$",
    re.IGNORECASE,
)
# A total label is a few words; a sentence that ends in "total" is text.
MAX_TOTAL_WORDS = 8
# A group label is a name, not a paragraph.
MAX_GROUP_CHARS = 80
# Columns a table needs before a lone label can be a group row (two columns: a label and a
# value left blank is a data row with a gap).
MIN_GROUP_COLUMNS = 3
BODY_KINDS = ("data", "total", "subtotal", "group")


_FIGURE = re.compile(r"^\(?-?\$?\(?-?[\d,.]*\d\)?%?$")
# 3.670 / 1.234.567: thousands grouped with points (Portuguese, Spanish, German releases)
_POINT_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def figure(text: str) -> tuple[float, int] | None:
    """A printed figure as (value, decimals): 1,234 · $1,234.50 · (12) · -3 · 45% · 3.670
    (points grouping thousands); None for text, dates, codes with letters, and blanks."""
    t = text.strip().replace(" ", "")
    if not t or not _FIGURE.match(t):
        return None
    if re.search(r"\d,\d{1,2}$", t) or ",," in t or t.count(".") > 1 and not _POINT_GROUPED.match(
            t.strip("()$%")):
        return None
    negative = t.startswith("(") and t.endswith(")") or t.lstrip("($").startswith("-")
    core = t.strip("()$%").lstrip("-").replace("$", "")
    core = core.replace(".", "") if _POINT_GROUPED.match(core) else core.replace(",", "")
    try:
        value = float(core)
    except ValueError:
        return None
    decimals = len(core.split(".")[1]) if "." in core else 0
    return (-value if negative else value), decimals


def _figures(row: TableRow) -> dict[int, float]:
    out = {}
    for i, cell in enumerate(row.cells):
        f = figure(cell.text)
        if f is not None:
            out[i] = f[0]
    return out


# A row is taken for a sum by its figures alone only when this many columns agree over at
# least SUM_MIN_TERMS rows: one column could agree by chance.
SUM_MIN_COLUMNS = 2
SUM_MIN_TERMS = 2


class _Running:
    """Column sums of a run of rows, kept as they come (tables run to thousands of rows)."""

    def __init__(self) -> None:
        self.sums: dict[int, float] = {}
        self.n = 0

    def add(self, figs: dict[int, float]) -> None:
        for c, v in figs.items():
            self.sums[c] = self.sums.get(c, 0.0) + v
        self.n += 1

    def minus(self, figs: dict[int, float]) -> _Running:
        out = _Running()
        out.sums = {c: v - figs.get(c, 0.0) for c, v in self.sums.items()}
        out.n = self.n - 1
        return out

    def adds_up_to(self, row: dict[int, float]) -> bool:
        """The row's figures are these rows' sums: SUM_MIN_TERMS rows or more, every figure
        column the rows have agreeing, SUM_MIN_COLUMNS columns or more."""
        if self.n < SUM_MIN_TERMS:
            return False
        cols = [c for c in row if c in self.sums]
        return len(cols) >= SUM_MIN_COLUMNS and all(
            abs(self.sums[c] - row[c]) < 1e-6 for c in cols)


def _sums_by_figures(rows: list[TableRow], kinds: dict[int, str], body: list[int]) -> None:
    """Unlabelled subtotals and a grand total printed first, found by their figures."""
    figs = {i: _figures(rows[i]) for i in body}
    group = _Running()
    lead = figs[body[0]] if body else {}
    first = True  # the group holds the first body row, which may be a total printed first
    for i in body:
        if kinds[i] != "data":
            group, first = _Running(), False
            continue
        if group.n and not any(is_typed(t) for t in _labels(rows[i])) and (
                group.adds_up_to(figs[i]) or first and group.minus(lead).adds_up_to(figs[i])):
            kinds[i] = "subtotal"
            group, first = _Running(), False
        else:
            group.add(figs[i])
    data = [i for i in body if kinds[i] == "data"]
    if len(data) > SUM_MIN_TERMS and data[0] == body[0]:
        rest = _Running()
        for i in data[1:]:
            rest.add(figs[i])
        if rest.adds_up_to(figs[data[0]]):
            kinds[data[0]] = "total"


def _labels(row: TableRow) -> list[str]:
    """The row's text cells before its first figure (its label, and a row number)."""
    out = []
    for c in row.cells:
        if figure(c.text) is not None:
            break
        out.append(c.text)
    return [t for t in out if t.strip()]


def total_label(texts: Sequence[str]) -> str | None:
    """The row's total-like label among its first two filled cells, if it has one."""
    for t in [t.strip() for t in texts if t.strip()][:2]:
        if is_typed(t) or len(t.split()) > MAX_TOTAL_WORDS:
            continue
        if _TOTAL_START.match(t) or _TOTAL_END.search(t) or _GRAND.match(t):
            return t
    return None


def _is_group(row: TableRow, nxt: TableRow | None, ncols: int) -> bool:
    if row.kind != "data" or nxt is None or nxt.kind not in ("data", "group") or ncols < 3:
        return False
    filled = [(i, c.text.strip()) for i, c in enumerate(row.cells) if c.text.strip()]
    if len(filled) != 1:
        return False
    col, text = filled[0]
    return (col <= 1 and not is_typed(text) and len(text) <= MAX_GROUP_CHARS
            and not looks_like_footnote(text) and any(ch.isalpha() for ch in text))


def classify_rows(rows: Sequence[TableRow]) -> tuple[TableRow, ...]:
    """The rows with group, subtotal and total kinds set (header, footnote, title untouched)."""
    split = classify_master_detail(rows)
    if split != tuple(rows):  # a master-detail report: its lines are masters and details
        return split
    rows = list(rows)
    ncols = max((len(r.cells) for r in rows), default=0)
    body = [i for i, r in enumerate(rows) if r.kind in ("data", "total")]
    numeric = sum(1 for i in body if any(is_number(c.text) for c in rows[i].cells))
    totals = [i for i in body
              if rows[i].kind == "total" or total_label(rows[i].texts) is not None]
    kinds = {i: rows[i].kind for i in body}
    for n, i in enumerate(totals):
        label = total_label(rows[i].texts) or ""
        last = n == len(totals) - 1
        if _SUBTOTAL.search(label) or not last:
            kinds[i] = "subtotal"
        else:
            kinds[i] = "total"
    if not totals:
        _sums_by_figures(rows, kinds, body)
    figures = [i for i in body if kinds[i] != "data" or any(is_number(c.text)
                                                           for c in rows[i].cells)]
    for i in body:  # a note under the table's last figure row ("Source: Data Warehouse")
        filled = [t for t in rows[i].texts if t.strip()]
        if (figures and i > figures[-1] and kinds[i] == "data" and len(filled) == 1
                and looks_like_footnote(filled[0])):
            kinds[i] = "footnote"
    if numeric >= 2:
        for i in body:
            if kinds[i] == "data" and _is_group(rows[i], _next(rows, i), ncols):
                kinds[i] = "group"
    return tuple(replace(r, kind=kinds[i]) if i in kinds and kinds[i] != r.kind else r
                 for i, r in enumerate(rows))


def _next(rows: list[TableRow], i: int) -> TableRow | None:
    return rows[i + 1] if i + 1 < len(rows) else None


def classify_table(table: Table) -> Table:
    """`table` with its body rows classified (see module docstring)."""
    rows = classify_rows(table.rows)
    return table if rows == table.rows else replace(table, rows=rows)
