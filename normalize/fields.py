"""Field normalizers for the foundation stage: text, dates, USPS states, counts, redactions.

Each returns a `Normalized` value that says what it did, so rows can carry the method and a
reject can say why. The full jurisdiction and offense normalizers build on these (issue 3).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from normalize import states
from normalize.dates import read_date
from normalize.value import Normalized

_REDACTION = re.compile(
    r"\(?\s*b\s*\)?\s*\(?\s*(?P<n>[1-9])\s*\)?"
    r"(?:\s*(?:\(\s*(?P<a>[A-Fa-f])\s*\)?|(?P<b>[A-Fa-f])\s*\)))?", re.IGNORECASE)
# The subparagraph letter in its parentheses, or with one of them dropped, as ICE's LESA
# productions print it: "(b)(7)(C)", "(b)(7)(c )", "(b)(7)c)".
_REDACTION_CELL = re.compile(
    r"^\s*(\(?\s*b\s*\)?\s*\(?\s*[1-9]\s*\)?"
    r"(\s*(\(\s*[A-Fa-f]\s*\)?|[A-Fa-f]\s*\)))?[\s,;/&and]*)+\s*$",
    re.IGNORECASE,
)
EXCEL_EPOCH = date(1899, 12, 30)
# Longest count read: 18 digits always fit SQLite's signed 64-bit INTEGER.
MAX_COUNT_DIGITS = 18


def clean_text(text: str | None) -> str:
    """Whitespace folded, stray footnote markers kept (they are evidence)."""
    if not text:
        return ""
    # isprintable() is False for every whitespace but " " (\r, \xa0, \u2003 ...): the fast path
    # used to test only "  ", \n and \t, so "New\xa0York" kept its no-break space and was an
    # unknown state (tests/test_fuzz.py).
    if "  " in text or not text.isprintable() or text[0] == " " or text[-1] == " ":
        return " ".join(text.split())
    return text


def redaction_codes(text: str | None) -> str | None:
    """FOIA exemption codes of a redacted cell, e.g. "(b)(6);(b)(7)(C)"; None if not redacted."""
    return _redaction_codes(clean_text(text))


@lru_cache(maxsize=16384)  # bounded: memory must not grow with a release
def _redaction_codes(t: str) -> str | None:
    if not t or not _REDACTION_CELL.match(t):
        return None
    codes = []
    for m in _REDACTION.finditer(t):
        letter = m.group("a") or m.group("b")
        code = f"(b)({m.group('n')})" + (f"({letter.upper()})" if letter else "")
        if code not in codes:
            codes.append(code)
    return ";".join(codes) or None


def usps_codes() -> tuple[str, ...]:
    """Every USPS state and territory code of states.csv, sorted."""
    return states.usps_codes()


def normalize_state(text: str | None) -> Normalized:
    """USPS code from a code, a full name, an AP or GPO abbreviation, or an OCR misreading."""
    return state_from_clean_text(clean_text(text))


@lru_cache(maxsize=4096)
def state_from_clean_text(text: str) -> Normalized:
    reading = states.read_state(text)
    if reading.usps:
        return Normalized(reading.usps)
    return Normalized(None, False, reading.reason)


_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def normalize_date(text: str | None, *, pivot_year: int | None = None,
                   order: str = "mdy") -> Normalized:
    """ISO date from the formats releases and scans use (normalize.dates): two-digit years
    read near the pivot year, month first unless the column's `order` says otherwise."""
    return read_date(clean_text(text), pivot_year, order)


def date_from_clean_text(t: str, pivot_year: int | None, order: str = "mdy") -> Normalized:
    """`normalize_date` of text already cleaned (the per-row path)."""
    return read_date(t, pivot_year, order)


def month_from_text(text: str) -> str | None:
    """'November 2015' / 'Nov 2015' / '11/2015' / '2015-11' → '2015-11' (None if not a month)."""
    t = " ".join(text.replace("-", " ").replace(",", " ").split())
    for fmt in ("%B %Y", "%b %Y", "%m/%Y", "%Y %m"):
        try:
            return datetime.strptime(t, fmt).strftime("%Y-%m")
        except ValueError:
            continue
    return None


def normalize_count(text: str | None) -> Normalized:
    """Integer count from "1,234", "188*", "(12)"; blank is missing, not zero."""
    t = clean_text(text).replace(",", "").rstrip("*†‡").strip()
    if not t:
        return Normalized(None, False, "missing")
    # The digits are read as an int, not through float (tests/test_fuzz.py): "12).0" raised
    # ValueError, 400 digits OverflowError, and 20 digits lost their last ones. A count that
    # does not fit SQLite's 64-bit INTEGER is not a count.
    m = re.fullmatch(r"\(?(\d+)\)?(\.0+)?", t)
    if m and len(m.group(1)) <= MAX_COUNT_DIGITS:
        return Normalized(int(m.group(1)))
    return Normalized(None, False, f"not a count: {text!r}")
