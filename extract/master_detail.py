"""Master-detail reports: a booking line, then its charges, then the next booking.

Read as one flat table such a report has several times its true row count and no usable
header (issue 17, shape 1). Detail lines are told from master lines by what repeats on them,
never by a document's name:

- **inline labels**: the same labels in the same columns on many lines (`Charge:` … `Case No:`
  … `Bail:` … `CourtDt:` under every inmate of a jail roster), which the master lines lack;
- **a repeated sub-header**: the same label line printed again and again (`Charge  Statute
  Bond`) with no value on it: the lines after it, up to the next line shaped like the first
  master, are its details.

The lines are classified `master`, `detail` and `subheader`; normalization carries each
master's cells onto its details (`normalize.rows`), so a detail row stands alone (one row per
charge, the booking's fields on it) and the master rows stay rows of their own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from extract.model import TableRow
from extract.rows import is_typed

# "Case No:", "Bail:", "Charge: 273.5(A) PC": a short label with a colon at the start of a cell
_LABEL = re.compile(r"^([A-Za-z][A-Za-z0-9 .#/&'-]{0,24}):(?:\s|$)")
# A pattern of labels counts when it is on at least this many lines and this share of them.
MIN_DETAIL_LINES = 3
MIN_DETAIL_SHARE = 0.2
# A sub-header is a label line printed this many times in one table.
MIN_SUBHEADER_REPEATS = 3


def _signature(row: TableRow) -> tuple[tuple[int, str], ...]:
    out = []
    for i, cell in enumerate(row.cells):
        m = _LABEL.match(cell.text.strip())
        if m:
            out.append((i, m.group(1).strip().lower()))
    return tuple(out)


def classify_master_detail(rows: Sequence[TableRow]) -> tuple[TableRow, ...]:
    """`rows` with master, detail and subheader kinds when the table is a master-detail
    report (see module doc); unchanged otherwise."""
    rows = list(rows)
    body = [i for i, r in enumerate(rows) if r.kind == "data"]
    if len(body) < 2 * MIN_DETAIL_LINES:
        return tuple(rows)
    kinds = _by_labels(rows, body) or _by_subheaders(rows, body)
    if not kinds:
        return tuple(rows)
    return tuple(replace(r, kind=kinds[i]) if i in kinds else r for i, r in enumerate(rows))


def _by_labels(rows: list[TableRow], body: list[int]) -> dict[int, str] | None:
    sigs = {i: _signature(rows[i]) for i in body}
    counts = Counter(s for s in sigs.values() if len(s) >= 2)
    if not counts:
        return None
    sig, n = counts.most_common(1)[0]
    masters = [i for i in body if not set(sigs[i]) & set(sig)]
    if n < MIN_DETAIL_LINES or n < MIN_DETAIL_SHARE * len(body) or len(masters) < 2:
        return None
    # details before the first master continue the previous page's last master
    return {i: ("master" if i in masters else "detail") for i in body}


def _by_subheaders(rows: list[TableRow], body: list[int]) -> dict[int, str] | None:
    texts = {i: tuple(t.strip().lower() for t in rows[i].texts) for i in body}
    repeats = Counter(t for i, t in texts.items()
                      if sum(1 for x in t if x) >= 2 and not any(is_typed(x) for x in t))
    if not repeats:
        return None
    line, n = repeats.most_common(1)[0]
    if n < MIN_SUBHEADER_REPEATS:
        return None
    subs = [i for i in body if texts[i] == line]
    first = next((i for i in body if i < subs[0]), None)
    if first is None:
        return None
    shape = _filled(rows[first])
    kinds: dict[int, str] = {}
    in_detail = False
    for i in body:
        if texts[i] == line:
            kinds[i], in_detail = "subheader", True
        elif not in_detail or _filled(rows[i]) == shape:
            kinds[i], in_detail = "master", False
        else:
            kinds[i] = "detail"
    return kinds


def _filled(row: TableRow) -> tuple[tuple[bool, bool], ...]:
    """Which cells are filled and which hold a value (number, date): a master line after
    the details looks like the first master line in both."""
    return tuple((bool(t.strip()), is_typed(t)) for t in row.texts)
