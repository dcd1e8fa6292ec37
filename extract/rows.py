"""Row classification shared by every engine: header, data, total, footnote.

Whatever found the table (our layout builder, pdfplumber, camelot, a spreadsheet), the same
rules decide which rows are headers, which are totals and which are footnotes, so the stages
after extraction see one vocabulary.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"^[\(\-–+$]?\$?\d[\d,]*(\.\d+)?%?\)?\*?$")
_DATE = re.compile(
    r"^(\d{1,2}[/\-.]\d{1,2}[/\-.]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|"
    r"[A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2,4}|"
    # 03FEB2017, the military/DHS form with no separators (month names only: 12ABC34 is an id)
    r"\d{1,2}(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|SEPT|OCT|NOV|DEC)\d{2}(?:\d{2})?)$",
    re.IGNORECASE,
)
_TOTAL = re.compile(
    r"^\s*(grand\s+)?totals?\b|^\s*sum\b|^\s*all\s+(states|counties|jurisdictions)\b",
    re.IGNORECASE,
)
_FOOTNOTE_START = re.compile(
    r"^\s*(\*|†|‡|§|¹|²|³|\(\d\)|\d\s|\[\d+\]|note|notes|source|sources|footnote)", re.IGNORECASE
)


def is_number(text: str) -> bool:
    """A count or amount as releases print them: 1,234 · 12.5% · $3,000 · (12) · 188*."""
    return bool(_NUMBER.match(text.strip().replace(" ", "")))


def is_date(text: str) -> bool:
    return bool(_DATE.match(text.strip()))


def is_typed(text: str) -> bool:
    """A value, not a label: numbers and dates are what header rows never contain."""
    t = text.strip()
    return bool(t) and (is_number(t) or is_date(t))


def is_total_row(texts: list[str]) -> bool:
    """A row labelled Total/Grand total in one of its first non-empty cells."""
    leading = [t for t in texts if t.strip()][:2]
    return any(_TOTAL.match(t) for t in leading)


def looks_like_footnote(text: str) -> bool:
    return bool(_FOOTNOTE_START.match(text))


def count_header_rows(rows: list[list[str]], bold: list[bool] | None = None) -> int:
    """How many leading rows form the header.

    Leading rows that are all bold, or that hold no typed value while a later row (within the
    next few) does, are header rows. Text-only tables fall back to one header row when the first
    row's cells are short labels and every cell is filled.
    """
    if not rows:
        return 0
    typed = [any(is_typed(t) for t in r) for r in rows]
    n = 0
    limit = min(len(rows) - 1, 4)
    while n < limit:
        row = rows[n]
        filled = [t for t in row if t.strip()]
        if not filled:
            n += 1
            continue
        if bold is not None and bold[n]:
            n += 1
            continue
        if typed[n]:
            break
        # within the next four rows: a header of four lines (NICS: group labels, two-line
        # sub-headers, a units line) is followed by its first typed row
        if any(typed[n + 1 : n + 5]):
            n += 1
            continue
        break
    if n == 0 and len(rows) >= 2 and not any(typed):
        # A text-only table: its first row is a header when its cells are short labels, all
        # filled, and clearly shorter than the content below them.
        first = [t for t in rows[0] if t.strip()]
        below = [len(t) for r in rows[1:] for t in r if t.strip()]
        mean_below = sum(below) / len(below) if below else 0.0
        mean_first = sum(len(t) for t in first) / len(first) if first else 0.0
        if (len(first) == len(rows[0]) >= 2 and all(len(t) <= 30 for t in first)
                and mean_first < 0.6 * mean_below):
            n = 1
    return n
