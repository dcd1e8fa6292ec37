"""Dates as releases and scans write them → ISO, and the day/month order of a whole column.

Releases mix `02/03/2017`, `2/3/17`, `Feb 3, 2017`, `3-Feb-17`, `03FEB2017`, `2017-02-03` and
Excel serials; scans add OCR damage: a digit read as a letter (`20l7`, `O2/03`), a space inside
a number (`Jan 15, 201 7`), stray quotes (`“Jan 25, 2017`). The text is repaired only where the
repair is unambiguous (a letter between digits, a split that rejoins into a 4-digit year or a
day), then read by strict patterns; dateutil is the last resort, and its answer is kept only
when every number it used is in the text (it reads `Jan 1 5, 2017` as 2005-01-01).

Day or month first is a property of the column, not of a cell (`column_order`): a US release
writes month first, and a cell like `03/04/2017` is read that way unless the column shows a day
first (`25/01/2017`). A column that shows both orders cannot say what `03/04/2017` means: such a
cell is refused as ambiguous, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

from dateutil import parser as dateparser

from normalize.value import Normalized

EXCEL_EPOCH = date(1899, 12, 30)
# One order must be shown this many times as often as the other to be the column's.
ORDER_MAJORITY = 4
# Marks OCR leaves at a cell's ends (quotes, bars, specks read as "©" or "°", a rule's dash).
_QUOTES = "\"'“”‘’`´«»|:;,.*†‡~_-—–©®°"
_NUMERIC = re.compile(r"^(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})$")
_MONTHS = {m: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for m in names}
_MON = r"([A-Za-z]{3,9})\.?"
# Feb 3, 2017 · February 3rd 2017 · Feb-3-2017
_MDY_TEXT = re.compile(rf"^{_MON}[\s\-]*(\d{{1,2}})(?:st|nd|rd|th)?[\s,\-]+(\d{{4}}|\d{{2}})$")
# 3 Feb 2017 · 3-Feb-17 · 03FEB2017 · 3.Feb.2017
_DMY_TEXT = re.compile(rf"^(\d{{1,2}})[\s\-./]*{_MON}[\s\-./,]*(\d{{4}}|\d{{2}})$")
# Letters OCR reads for digits, replaced only inside a run of digits and date separators.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1",
                                   "i": "1", "|": "1", "!": "1", "S": "5", "s": "5", "B": "8",
                                   "Z": "2", "z": "2"})
_NUMBERISH = re.compile(r"(?<![A-Za-z])[0-9OoDQlIi|!SsBZz]*\d[0-9OoDQlIi|!SsBZz/.\-]*(?![A-Za-z])")
_SPLIT_YEAR = re.compile(r"(?<!\d)(1\s?9|2\s?0)\s?(\d)\s?(\d)(?!\d)")


def strip_marks(text: str) -> str:
    """The cell's text without the stray marks at its ends (no character inside is changed)."""
    return " ".join(text.split()).strip(_QUOTES + " ")


def repair(text: str) -> str:
    """OCR and typing damage undone where it can mean only one thing."""
    t = strip_marks(text)
    # A lookalike letter inside a number: "20l7", "O2/03/2017", "1/l5/17".
    t = _NUMBERISH.sub(lambda m: m.group(0).translate(_DIGIT_LOOKALIKES), t)
    # A year split by a space: "201 7", "2 017", "20 17".
    t = _SPLIT_YEAR.sub(lambda m: m.group(0).replace(" ", ""), t)
    # A day split by a space after a month name: "Jan 1 5, 2017".
    t = re.sub(rf"^{_MON}\s+([0-3])\s([0-9])(?=\s*,|\s+\d{{4}})",
               lambda m: f"{m.group(1)} {m.group(2)}{m.group(3)}", t)
    t = re.sub(r",(?=\d{4}$)", ", ", t)  # "Jan 15,2017"
    # A numeric date with a space inside a number: "02/2 6/2017" (kept only if it then reads as
    # one date: "03/17/2017 03/21/2017" is two dates, not one to glue).
    if " " in t and re.fullmatch(r"[\d/.\-\s]+", t):
        joined = re.sub(r"(?<=\d)\s+(?=\d)", "", t)
        if _NUMERIC.match(joined) or _ISO.match(joined):
            t = joined
    return t


def _year(y: str, pivot: int | None) -> int:
    if len(y) == 4:
        return int(y)
    if pivot is None:
        pivot = 2000
    year = pivot - pivot % 100 + int(y)
    if year > pivot + 50:
        year -= 100
    elif year <= pivot - 50:
        year += 100
    return year


def _iso(y: int, m: int, d: int, text: str) -> Normalized:
    try:
        return Normalized(date(y, m, d).isoformat())
    except ValueError:
        return Normalized(None, False, f"not a date: {text!r}")


@lru_cache(maxsize=16384)  # bounded: memory must not grow with a release
def read_date(text: str, pivot_year: int | None = None, order: str = "mdy") -> Normalized:
    """ISO date of one cell. `order` is the column's (`column_order`): "mdy", "dmy" or
    "ambiguous" (a column showing both: a cell that reads both ways is refused)."""
    t = repair(text)
    if not t:
        return Normalized(None, False, "missing")
    m = _NUMERIC.match(t)
    if m:
        a, b, y = int(m.group(1)), int(m.group(3)), _year(m.group(4), pivot_year)
        if order == "ambiguous" and a <= 12 and b <= 12 and a != b:
            return Normalized(None, False, f"day and month could be either way in {text!r} "
                                           "(the column writes dates both ways)")
        first_day = order == "dmy" or (a > 12 >= b)
        return _iso(y, b, a, text) if first_day else _iso(y, a, b, text)
    m = _ISO.match(t)
    if m:
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    for pattern, mon, day, yr in ((_MDY_TEXT, 1, 2, 3), (_DMY_TEXT, 2, 1, 3)):
        m = pattern.match(t)
        if m and m.group(mon).lower() in _MONTHS:
            return _iso(_year(m.group(yr), pivot_year), _MONTHS[m.group(mon).lower()],
                        int(m.group(day)), text)
    if re.fullmatch(r"\d{5}(\.0+)?", t):
        serial = int(float(t))
        if 20000 <= serial <= 80000:
            return Normalized((EXCEL_EPOCH + timedelta(days=serial)).isoformat())
    return _dateutil(t, text, pivot_year)


def _dateutil(t: str, text: str, pivot_year: int | None) -> Normalized:
    """Forms the patterns do not know, kept only when the year read is written in the text."""
    month_named = any(w.lower().rstrip(".") in _MONTHS for w in re.findall(r"[A-Za-z]+", t))
    if len(re.findall(r"\d+", t)) < (2 if month_named else 3):  # a bare year, "Jan 15"
        return Normalized(None, False, f"not a date: {text!r}")
    try:
        parsed = dateparser.parse(t, dayfirst=False, yearfirst=False,
                                  default=datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return Normalized(None, False, f"not a date: {text!r}")
    four = re.findall(r"(?<!\d)(\d{4})(?!\d)", t)
    two = re.search(r"(?:^|\D)(\d{2})$", t)
    if str(parsed.year) in four:
        year = parsed.year
    elif two and not four and parsed.year % 100 == int(two.group(1)):
        year = _year(two.group(1), pivot_year)
    else:
        return Normalized(None, False, f"not a date: {text!r}" if four or two
                          else f"date without a year: {text!r}")
    try:
        return Normalized(parsed.replace(year=year).date().isoformat())
    except ValueError:
        return Normalized(None, False, f"not a date: {text!r}")


def column_order(texts: Iterable[str]) -> str:
    """"mdy", "dmy" or "ambiguous": how a column writes numeric dates, from the cells that tell.

    A first number over 12 shows day-first, a second number over 12 month-first. No evidence
    either way is month-first: US releases, the documented convention of this pipeline.
    """
    day_first = month_first = 0
    for text in texts:
        m = _NUMERIC.match(repair(text))
        if m:  # only a possible date tells ("92/10/2017" is a misread, not a day)
            a, b = int(m.group(1)), int(m.group(3))
            day_first += 12 < a <= 31 and b <= 12
            month_first += 12 < b <= 31 and a <= 12
    # A column that shows one order with a stray cell of the other (a misread digit on a
    # scan) keeps its order; one that truly writes both cannot say what 03/04 means.
    if day_first and month_first and max(day_first, month_first) < ORDER_MAJORITY * min(
            day_first, month_first):
        return "ambiguous"
    return "dmy" if day_first > month_first else "mdy"
