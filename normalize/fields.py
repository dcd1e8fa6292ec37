"""Field normalizers for the foundation stage: text, dates, USPS states, counts, redactions.

Each returns a `Normalized` value that says what it did, so rows can carry the method and a
reject can say why. The full jurisdiction and offense normalizers build on these (issue 3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from dateutil import parser as dateparser

from normalize import states

_REDACTION = re.compile(r"\(?\s*b\s*\)?\s*\(?\s*([1-9])\s*\)?(\s*\(?\s*([A-Fa-f])\s*\)?)?",
                        re.IGNORECASE)
_REDACTION_CELL = re.compile(
    r"^\s*(\(?\s*b\s*\)?\s*\(?\s*[1-9]\s*\)?(\s*\(\s*[A-Fa-f]\s*\))?[\s,;/&and]*)+\s*$",
    re.IGNORECASE,
)
EXCEL_EPOCH = date(1899, 12, 30)
# Longest count read: 18 digits always fit SQLite's signed 64-bit INTEGER.
MAX_COUNT_DIGITS = 18


@dataclass(frozen=True)
class Normalized:
    """A normalized value, or None with the reason it could not be had."""

    value: object
    ok: bool = True
    reason: str | None = None


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
        code = f"(b)({m.group(1)})" + (f"({m.group(3).upper()})" if m.group(3) else "")
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


def normalize_date(text: str | None, *, pivot_year: int | None = None) -> Normalized:
    """ISO date from the formats releases use; two-digit years resolved near the pivot year.

    Month-first is assumed (US releases). An integer in Excel's serial range is an Excel date.
    Cached: a release repeats its dates many times, and dateutil is the slow part.
    """
    return date_from_clean_text(clean_text(text).rstrip("*"), pivot_year)


_DIGIT_GAP = re.compile(r"(?<=[\d/-]) (?=[\d/-])")


@lru_cache(maxsize=16384)  # bounded: memory must not grow with a release
def date_from_clean_text(t: str, pivot_year: int | None) -> Normalized:
    fast = _MDY.match(t) or _ISO.match(t)
    if fast:  # the two commonest forms, without dateutil's tokenizer
        a, b, c = (int(g) for g in fast.groups())
        y, m, d = (c, a, b) if fast.re is _MDY else (a, b, c)
        try:
            return Normalized(date(y, m, d).isoformat())
        except ValueError:
            return Normalized(None, False, f"not a date: {t!r}")
    if not t:
        return Normalized(None, False, "missing")
    # OCR splits a numeric date at a letter gap ("2 017-02-06"): rejoined only when the result
    # is one of the two strict forms, so "Feb 5 2017" is never glued into "Feb 52017".
    joined = _DIGIT_GAP.sub("", t)
    if joined != t and (_MDY.match(joined) or _ISO.match(joined)):
        return date_from_clean_text(joined, pivot_year)
    if re.fullmatch(r"\d{5}(\.0+)?", t):
        serial = int(float(t))
        if 20000 <= serial <= 80000:
            return Normalized((EXCEL_EPOCH + timedelta(days=serial)).isoformat())
    if not re.search(r"\d", t):
        return Normalized(None, False, f"not a date: {t!r}")
    try:
        parsed = dateparser.parse(t, dayfirst=False, yearfirst=False,
                                  default=datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return Normalized(None, False, f"not a date: {t!r}")
    year = parsed.year
    # Checked before the pivot is applied (tests/test_fuzz.py): dateutil's default year 1900
    # means the text has none, and the pivot would otherwise invent one ("Jan 15" → 2000-01-15).
    if year == 1900 and not re.search(r"1900", t):
        return Normalized(None, False, f"date without a year: {t!r}")
    two_digit = re.search(r"(^|\D)\d{2}$", t) is not None
    if two_digit and pivot_year is not None:
        century = pivot_year - pivot_year % 100
        year = century + parsed.year % 100
        if year > pivot_year + 50:
            year -= 100
        elif year <= pivot_year - 50:  # both ways (tests/test_fuzz.py): "10" next to 1995 is
            year += 100  # 2010, not 1910
    try:
        return Normalized(parsed.replace(year=year).date().isoformat())
    except ValueError:  # Feb 29 moved to a year without one, or a year out of range
        return Normalized(None, False, f"not a date: {t!r}")


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
