"""Spreadsheets (XLSX, XLS, CSV, TSV) to PageResults with tables, header rows found, not assumed.

FOIA spreadsheets rarely start with their header: agencies put banners, a merged title, "as of"
lines and blank rows above it, a spanning group-header row over it, and Total rows and notes
below the data. We read every sheet into one grid of (text, kind) cells, split it into blocks at
runs of >= 2 blank rows, find each block's header by what the rows below it look like, and label
every row (title / header / data / total / footnote) so assembly and normalization need not
guess again. Cell positions are 1-based grid units (column, row) so provenance can cite
`file#sheet=NAME&row=R`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from extract.model import Cell, PageResult, RowKind, Table, TableRow
from extract.row_classes import classify_table
from extract.sheet_xml import sheet_xml, trailing_formula_rows

HEADER_SCAN_ROWS = 30  # header candidates: the first N non-blank rows of a block
BLOCK_GAP = 2  # this many fully blank rows (or more) separate two tables on one sheet

_NUM = re.compile(r"[-+(]?[$€£]?(\d{1,3}(,\d{3})+|\d+)?([.,]\d+)?\)?%?")
_DATE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}([ T][\d:.]+)?|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}-[A-Za-z]{3}-\d{2,4}"
)
_CODE = r"\(?b\)?\s*\(?([1-9])\)?(?:\s*\(([a-f])\)|([a-f])(?![a-z]))?"
_REDACTION = re.compile(rf"{_CODE}(?:\s*(?:[,;/&+]|and)?\s*{_CODE})*", re.I)
_ONE_CODE = re.compile(_CODE, re.I)
_YEAR = re.compile(r"(19|20)\d\d")
_DIGIT = re.compile(r"\d")
_TOTAL_START = re.compile(r"(grand\s+|sub-?)?totals?\b", re.I)
_TOTAL_LABEL = re.compile(r"(grand\s+|sub-?)?totals?:?", re.I)

# Cell kinds: "" empty, "text", "num", "year" (an integer 1900-2100: a column label or a count),
# "date", "redact" (a FOIA exemption mark, which stands in for any type).
_LABEL_KINDS = ("text", "year", "date")


@dataclass
class _Sheet:
    """One sheet as a dense grid; `merges` are 0-based inclusive (r1, c1, r2, c2)."""

    name: str
    grid: list[list[tuple[str, str]]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    origin: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    counts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        width = max((len(r) for r in self.grid), default=0)
        self.grid = [r + [("", "")] * (width - len(r)) for r in self.grid]
        self.counts = [sum(1 for t, _ in r if t) for r in self.grid]
        for r1, c1, r2, c2 in self.merges:
            for r in range(r1, min(r2, len(self.grid) - 1) + 1):
                for c in range(c1, min(c2, width - 1) + 1):
                    if (r, c) != (r1, c1):
                        self.origin[(r, c)] = (r1, c1)

    def cell(self, r: int, c: int, mode: str = "raw") -> tuple[str, str]:
        """Raw value, or the merged value: "header" copies across and down a merge, "data"
        only down its first column (a label merged over several records belongs to each)."""
        o = self.origin.get((r, c)) if self.origin else None
        if o is not None and (mode == "header" or (mode == "data" and o[1] == c)):
            return self.grid[o[0]][o[1]]
        return self.grid[r][c]

    def count(self, r: int) -> int:
        """Non-empty raw cells: a merged title or note counts once."""
        return self.counts[r]


def redaction_code(text: str) -> str | None:
    """Exemption codes when the whole cell is a FOIA redaction mark, e.g. "(b)(6);(b)(7)(C)"."""
    s = text.strip()
    if "b" not in s and "B" not in s or not _REDACTION.fullmatch(s):
        return None
    if "(" not in s and not re.fullmatch(r"(?i)b[3-7][a-f]?([\s,;/&]+b[3-7][a-f]?)*", s):
        return None  # bare "B1"/"b9" look like grid refs or unit names; only b3-b7 are common
    codes: list[str] = []
    for m in _ONE_CODE.finditer(s):
        letter = m.group(2) or m.group(3)
        code = f"(b)({m.group(1)})" + (f"({letter.upper()})" if letter else "")
        if code not in codes:
            codes.append(code)
    return ";".join(codes)


def _text_kind(s: str) -> str:
    """Kind of a cell known only as text (CSV, or a string cell that holds a number)."""
    if not s:
        return ""
    if redaction_code(s):
        return "redact"
    if _NUM.fullmatch(s) and _DIGIT.search(s):
        return "year" if _YEAR.fullmatch(s) else "num"
    return "date" if _DATE.fullmatch(s) else "text"


def _value(v: Any, fmt: str = "") -> tuple[str, str]:
    """(text as displayed, kind): integers without ".0", dates ISO, zero-padded codes (ZIP
    "04106" under format "00000") kept padded; other number formats are not applied, so
    1891.16 under "#,##0" stays "1891.16" — rounding away released precision would lose data."""
    if v is None:
        return "", ""
    if isinstance(v, bool):
        return ("TRUE" if v else "FALSE"), "text"
    if isinstance(v, datetime):
        return (v.date().isoformat() if v.time() == time() else v.isoformat()), "date"
    if isinstance(v, date | time):
        return v.isoformat(), "date"
    if isinstance(v, int | float):
        if isinstance(v, float) and not math.isfinite(v):
            return str(v), "text"
        if float(v).is_integer() and abs(v) < 1e15:
            n = int(v)
            s = str(n)
            if re.fullmatch(r"0+", fmt or "") and n >= 0 and len(fmt) > len(s):
                return s.zfill(len(fmt)), "num"
            return s, ("year" if 1900 <= n <= 2100 else "num")
        return repr(float(v)), "num"
    s = str(v).strip()
    return s, _text_kind(s)


# ---------------------------------------------------------------- readers (one thunk per sheet)

Loader = tuple[str, Callable[[], _Sheet]]


def _xlsx_sheets(path: Path) -> list[Loader]:
    """Sheets read streaming (openpyxl read-only), trailing empty rows and columns trimmed.

    A sheet may claim a million rows (formatted but empty, or a stray cell far down): the full
    workbook model would build a cell object for each, so only rows up to the last one with a
    value are kept, and runs of empty rows are held as a count until a value follows them.
    Merged ranges, which the read-only reader does not give, come from the sheet's XML.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)

    def load(ws: Any) -> _Sheet:
        if not hasattr(ws, "iter_rows"):  # a chartsheet has no cells
            return _Sheet(ws.title, [])
        ws.reset_dimensions()  # the stated dimension can be wrong either way: read what is there
        grid: list[list[tuple[str, str]]] = []
        empty_run = 0
        for row in ws.iter_rows():
            cells = [_value(c.value, getattr(c, "number_format", "") or "") if c.value is not None
                     else ("", "") for c in row]
            while cells and not cells[-1][0]:
                cells.pop()
            if not cells:
                empty_run += 1
                continue
            grid.extend([] for _ in range(empty_run))
            empty_run = 0
            grid.append(cells)
        merges, formula_only = sheet_xml(path, getattr(ws, "_worksheet_path", ""))
        cut = trailing_formula_rows(grid, formula_only) if formula_only else 0
        if cut:
            del grid[len(grid) - cut:]
        return _Sheet(ws.title, grid, merges)

    # sheetnames, not wb.worksheets: that skips chartsheets and would shift the sheet numbers
    return [(name, lambda ws=wb[name]: load(ws)) for name in wb.sheetnames]


def _xls_sheets(path: Path) -> list[Loader]:
    """xlrd directly rather than pandas: pandas drops merged ranges and number formats."""
    try:
        import xlrd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("reading .xls needs the xlrd package (pip install xlrd)") from e
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True)
    except NotImplementedError:
        book = xlrd.open_workbook(str(path))

    def fmt(sh: Any, r: int, c: int) -> str:
        if not book.formatting_info:
            return ""
        fm = book.format_map.get(book.xf_list[sh.cell_xf_index(r, c)].format_key)
        return fm.format_str if fm else ""

    def value(sh: Any, r: int, c: int) -> tuple[str, str]:
        cell = sh.cell(r, c)
        if cell.ctype == xlrd.XL_CELL_DATE:
            return _value(xlrd.xldate_as_datetime(cell.value, book.datemode))
        if cell.ctype == xlrd.XL_CELL_BOOLEAN:
            return _value(bool(cell.value))
        if cell.ctype == xlrd.XL_CELL_ERROR:
            return xlrd.error_text_from_code.get(cell.value, "#ERR"), "text"
        return _value(cell.value if cell.ctype != xlrd.XL_CELL_EMPTY else None, fmt(sh, r, c))

    def load(i: int) -> _Sheet:
        sh = book.sheet_by_index(i)
        grid = [[value(sh, r, c) for c in range(sh.ncols)] for r in range(sh.nrows)]
        merges = [(r1, c1, r2 - 1, c2 - 1) for r1, r2, c1, c2 in sh.merged_cells]
        return _Sheet(sh.name, grid, merges)

    return [(book.sheet_names()[i], lambda i=i: load(i)) for i in range(book.nsheets)]


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; agency exports from Windows are often cp1252."""
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _delimiter(text: str) -> str:
    """csv.Sniffer, checked: a title line above the header makes the sniffer fail or guess
    wrong, so keep its answer only if it splits the sample as consistently as the best choice."""
    sample = text[:65536].rsplit("\n", 1)[0] if len(text) > 65536 else text

    def fit(d: str) -> int:
        widths = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=d) if r]
        common = Counter(w for w in widths if w > 1).most_common(1)
        return common[0][1] if common else 0

    best = max(",;\t|", key=fit)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return best
    return sniffed if fit(sniffed) >= fit(best) else best


def _csv_sheets(path: Path, kind: str) -> list[Loader]:
    text = _decode(path.read_bytes())

    def load() -> _Sheet:
        reader = csv.reader(io.StringIO(text, newline=""),
                            delimiter="\t" if kind == "tsv" else _delimiter(text))
        grid: list[list[tuple[str, str]]] = []
        line = 1
        for rec in reader:  # grid row index = start line of the record - 1
            grid.extend([] for _ in range(line - 1 - len(grid)))
            grid.append([(t, _text_kind(t)) for t in map(str.strip, rec)])
            line = reader.line_num + 1
        return _Sheet("csv", grid)

    return [("csv", load)]


# ---------------------------------------------------------------- header detection and rows


def _cls(kind: str) -> str | None:
    """Type class for contrast: redactions stand in for any type, so they don't vote."""
    return {"text": "T", "num": "N", "year": "Y", "date": "D"}.get(kind)


def _detect_header(sh: _Sheet, rows: list[int], span: range) -> tuple[int | None, float]:
    """First row that is wide, label-like, and sits on consistently filled rows of other types.

    The contrast with the *next* row is what rejects a merged group-header row (its next row is
    the real header, also text) and a merged title (raw count 1 is never a candidate)."""
    body = [r for r in rows if sh.count(r) >= 2]
    sample = body[: HEADER_SCAN_ROWS + 500]  # column types settle long before 500 rows
    used = [c for c in span if any(sh.cell(r, c)[0] for r in sample)]
    width = used[-1] - used[0] + 1 if used else 0
    typed = set()
    for c in span:
        votes = Counter(_cls(sh.cell(r, c, "data")[1]) for r in sample)
        votes.pop(None, None)
        n = sum(votes.values())
        if n >= 2 and (n - votes["T"]) / n >= 0.5:  # header rows vote too: small tables
            typed.add(c)
    for i, r in enumerate(body[:HEADER_SCAN_ROWS]):
        cells = {c: sh.cell(r, c, "header") for c in span}
        cols = [c for c, (t, _) in cells.items() if t]
        if len(cols) < max(2, 0.6 * width):
            continue
        label = sum(1 for c in cols if cells[c][1] in _LABEL_KINDS and len(cells[c][0]) <= 100)
        t = label / len(cols)
        below = body[i + 1 : i + 9]
        if t < 0.5 or not below:
            continue
        fill = sum(sum(1 for c in cols if sh.cell(b, c, "data")[0]) / len(cols) for b in below)
        consistency = fill / len(below)
        if consistency < 0.5:
            continue
        tcols = [c for c in cols if c in typed and _cls(cells[c][1])]
        if tcols:
            major: dict[int, str | None] = {}
            for c in tcols:
                votes = Counter(_cls(sh.cell(b, c, "data")[1]) for b in below)
                votes.pop(None, None)
                major[c] = votes.most_common(1)[0][0] if votes else None
            differ = sum(1 for c in tcols if major[c] and major[c] != _cls(cells[c][1]))
            contrast = differ / len(tcols)
            pairs = [(cells[c][1], sh.cell(below[0], c, "data")[1], major[c]) for c in tcols]
            pairs = [(a, b, m) for a, b, m in pairs if _cls(b)]
            # the next row must differ from this one and look like the rows under it; else it
            # is the real header (this row being a group header) or a row of year labels
            first = sum(1 for a, b, _ in pairs if _cls(a) != _cls(b)) / len(pairs) if pairs else 1
            like = sum(1 for _, b, m in pairs if _cls(b) == m) / len(pairs) if pairs else 1
            if contrast < 0.3 or first < 0.5 or like < 0.5:
                continue
        elif typed or t < 0.8:
            continue  # typed columns exist but this row labels none of them; or not label-like
        else:
            contrast = 0.0  # an all-text table: the first wide label row, with less confidence
        score = 0.25 * min(1.0, len(cols) / width) + 0.25 * t + 0.25 * consistency
        return r, round(score + 0.25 * contrast, 3)
    return None, 0.0


def _group_row(sh: _Sheet, p: int | None, h: int, span: range) -> bool:
    """Is the row right above the header a spanning group header (not a title)?"""
    if p is None or p != h - 1:
        return False
    cols = [c for c in span if sh.grid[p][c][0]]
    if not cols or any(sh.grid[p][c][1] not in ("text", "year") for c in cols):
        return False
    wide = [m for m in sh.merges if m[0] == p and m[3] > m[1] and m[1] in span]
    if wide:
        return not (len(cols) == 1 and wide[0][3] - wide[0][1] + 1 >= 0.9 * len(span))
    blanks = [c for c in span if not sh.grid[h][c][0]]
    ends = cols[1:] + [span.stop]
    # group labels over sub-labels, each spanning >= 2 columns ("ICE ERO | FY2017" is a banner)
    under = all(sh.grid[h][c][0] for c in cols) and all(e - c >= 2 for c, e in zip(cols, ends))
    split = bool(blanks) and all(c in cols for c in blanks)  # one header written on two lines
    return len(cols) >= 2 and (under or split)


def _flat_header(sh: _Sheet, g: int | None, h: int, span: range) -> tuple[str, ...]:
    """One header text per column; a group row's text is prefixed ("ADP: Fiscal Year FY19 ADP").
    Without merges (CSV) a group label covers the columns up to the next group label."""
    merged = g is not None and any(m[0] == g and m[3] > m[1] for m in sh.merges)
    out: list[str] = []
    last = ""
    for c in span:
        grp = sh.cell(g, c, "header")[0] if g is not None else ""
        if not merged:
            grp = last = grp or last
        sub = sh.cell(h, c, "header")[0]
        out.append(f"{grp} {sub}" if grp and sub and grp != sub else sub or grp)
    return tuple(out)


def _is_total(texts: list[tuple[str, str]]) -> bool:
    """First non-empty cell starts with Total/Grand total, or one of the first three filled cells
    is exactly a Total label. The count may come first ("1062 | TOTAL |", a county table with its
    count column leftmost): a cell that is the word Total and nothing else is a label wherever
    it stands, and no county, jail or person is named just that."""
    filled = [(t, k) for t, k in texts if t]
    if filled and _TOTAL_START.match(filled[0][0]):
        return True
    return any(_TOTAL_LABEL.fullmatch(t) for t, _ in filled[:3])


def _row(sh: _Sheet, r: int, span: range, kind: RowKind, page: int) -> TableRow:
    """Header rows show merged text in every spanned cell, data rows a label merged down,
    titles and footnotes the sheet as written (a merged title stays in its first cell)."""
    mode = {"header": "header", "data": "data", "total": "data"}.get(kind, "raw")
    cells = []
    for c in span:
        t, k = sh.cell(r, c, mode)
        code = redaction_code(t) if k == "redact" else None
        cells.append(Cell(t, (c + 1, r + 1, c + 1, r + 1), 1.0, code))
    return TableRow(tuple(cells), page, kind, sheet_row=r + 1)


def _table(sh: _Sheet, rows: list[int], page: int) -> Table:
    cols = [c for r in rows for c, (t, _) in enumerate(sh.grid[r]) if t]
    span = range(min(cols), max(cols) + 1)
    h, score = _detect_header(sh, rows, span)
    kinds: dict[int, RowKind] = {}
    start = 0
    header: tuple[str, ...] = ()
    if h is not None:
        hi = rows.index(h)
        g = rows[hi - 1] if hi > 0 and _group_row(sh, rows[hi - 1], h, span) else None
        header = _flat_header(sh, g, h, span)
        for r in rows[:hi]:
            kinds[r] = "header" if r == g else "title"
        kinds[h] = "header"
        start = hi + 1
    else:
        while start < len(rows) and sh.count(rows[start]) <= 1:
            kinds[rows[start]] = "title"
            start += 1
    end = len(rows)
    while end > start and sh.count(rows[end - 1]) <= 1:
        only = next(k for t, k in sh.grid[rows[end - 1]] if t)
        if only != "text":
            break
        end -= 1
        kinds[rows[end]] = "footnote"
    for r in rows[start:end]:
        kinds[r] = "total" if _is_total([sh.cell(r, c, "data") for c in span]) else "data"
    out = [_row(sh, r, span, kinds[r], page) for r in rows]
    bbox = (span.start + 1, rows[0] + 1, span.stop, rows[-1] + 1)
    return classify_table(Table(tuple(out), "sheet", score, page, bbox, header, sh.name))


def _blocks(sh: _Sheet) -> list[list[int]]:
    """Non-blank rows split at >= BLOCK_GAP blank rows; a block of single-cell rows only (a title
    or notes cut off by blank rows) joins the next block, or the previous one at the end."""
    nonblank = [r for r in range(len(sh.grid)) if sh.count(r)]
    blocks: list[list[int]] = []
    for r in nonblank:
        if blocks and r - blocks[-1][-1] - 1 < BLOCK_GAP:
            blocks[-1].append(r)
        else:
            blocks.append([r])
    tables: list[list[int]] = []
    pending: list[int] = []
    for b in blocks:
        if sum(1 for r in b if sh.count(r) >= 2) >= 2:
            tables.append(pending + b)
            pending = []
        else:
            pending += b
    if pending and tables:
        tables[-1] += pending
    return tables


def _page(sh: _Sheet, number: int) -> PageResult:
    lines = ["\t".join(t for t, _ in row).rstrip("\t") for row in sh.grid]
    text = "\n".join(lines).rstrip("\n")
    if not text.strip():
        return PageResult(number, "sheet", status="empty", sheet=sh.name)
    tables = [_table(sh, rows, number) for rows in _blocks(sh)]
    return PageResult(number, "sheet", char_count=len(text), text=text, tables=tables,
                      sheet=sh.name)


def read_spreadsheet(path: Path, kind: str) -> list[PageResult]:
    """One PageResult per sheet (CSV/TSV: one, named "csv"), route "sheet", 1-based numbers.

    `kind` is 'xlsx', 'xls', 'csv' or 'tsv', decided by the caller from the file's bytes. A sheet
    that fails becomes status "error"; only a file that cannot be opened at all raises
    ValueError."""
    path = Path(path)
    if kind not in ("xlsx", "xls", "csv", "tsv"):
        raise ValueError(f"unknown spreadsheet kind {kind!r} for {path}")
    try:
        opener = {"xlsx": _xlsx_sheets, "xls": _xls_sheets}.get(kind)
        loaders = opener(path) if opener else _csv_sheets(path, kind)
    except Exception as e:  # zip/XML/OLE/IO errors differ per engine; all mean "cannot open"
        raise ValueError(f"cannot open {path} as {kind}: {type(e).__name__}: {e}") from e
    results = []
    for number, (name, load) in enumerate(loaders, start=1):
        try:
            results.append(_page(load(), number))
        except Exception as e:  # one bad sheet must not cost the others
            results.append(PageResult(number, "sheet", status="error", sheet=name,
                                      error=f"{type(e).__name__}: {e}"))
    return results
