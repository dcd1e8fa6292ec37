"""The report period a release states ("reporting period of January 28 - February 3, 2017").

Two-digit years are read next to it, and declined dates outside it are flagged. It comes from the
document's own text, never from a setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from normalize.fields import normalize_date

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_SEP = r"\s*(?:-|–|—|to|through|thru)\s*"
_RANGES = [
    # January 28 - February 3, 2017 · Jan 28, 2017 - Feb 3, 2017 · February 11 - 17, 2017
    re.compile(rf"(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:,?\s+(?P<y1>\d{{4}}))?{_SEP}"
               rf"(?P<m2>{_MONTH})?\s*(?P<d2>\d{{1,2}}),?\s+(?P<y2>\d{{4}})", re.IGNORECASE),
    # 01/28/2017 - 02/03/2017
    re.compile(rf"(?P<a>\d{{1,2}}/\d{{1,2}}/\d{{2,4}}){_SEP}(?P<b>\d{{1,2}}/\d{{1,2}}/\d{{2,4}})"),
]


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def contains(self, iso: str) -> bool:
        return self.start <= date.fromisoformat(iso) <= self.end


def find_period(texts: list[str]) -> Period | None:
    """The first plausible date range (start ≤ end, under a year long) in the given texts."""
    for text in texts:
        for pattern in _RANGES:
            for m in pattern.finditer(text or ""):
                period = _to_period(m)
                if period:
                    return period
    return None


def _to_period(m: re.Match) -> Period | None:
    g = m.groupdict()
    if "a" in g:
        a, b = normalize_date(g["a"]), normalize_date(g["b"])
    else:
        y2 = g["y2"]
        a = normalize_date(f"{g['m1']} {g['d1']}, {g['y1'] or y2}")
        b = normalize_date(f"{g['m2'] or g['m1']} {g['d2']}, {y2}")
        if a.ok and b.ok and not g["y1"] and a.value > b.value:  # Dec 28 - Jan 3, 2017
            a = normalize_date(f"{g['m1']} {g['d1']}, {int(y2) - 1}")
    if not (a.ok and b.ok):
        return None
    start, end = date.fromisoformat(a.value), date.fromisoformat(b.value)
    if start > end or (end - start).days > 366:
        return None
    return Period(start, end)
