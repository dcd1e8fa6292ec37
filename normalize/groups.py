"""Cells printed once per group of rows ("same as above"), carried down where the page says so.

Reports print a grouping value (an AOR, a field office) on the first row of its group and leave
it blank below; scans and typed lists write a ditto (`"`, `do.`, `same`, `same as above`). A
blank is carried down only when the layout shows the group, never to fill a missing value:

- a ditto mark always means "the value above";
- a blank in a column the kind lists as `carry` (normalize/data/profiles), when the column's
  first rows show the pattern of a grouped column: its first row is filled, later rows are
  blank more often than not, and no printed value repeats the one printed above it (a column
  that repeats its value row after row is not printed once per group, so its blanks are gaps).

Each carried cell is flagged (`carried_<field>`) so a data editor can see it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from normalize.fields import clean_text

_DITTO = re.compile(r"^(\"|''|〃|”|“|do\.?|ditto|same|same as above|same as previous|s/a)$",
                    re.IGNORECASE)


def is_ditto(text: str) -> bool:
    return bool(_DITTO.match(text.strip()))


def grouped(texts: Sequence[str]) -> bool:
    """Whether a column's first cells look printed once per group (see the module doc)."""
    if len(texts) < 3 or not texts[0]:
        return False
    filled = [t for t in texts if t]
    if len(filled) * 2 > len(texts):
        return False
    return all(a != b for a, b in zip(filled, filled[1:]))


class GroupedColumns:
    """Per table: which columns carry their value down, and the value above."""

    def __init__(self, match, kind, rows: Sequence) -> None:
        self.columns: dict[int, str] = {}
        self.last: dict[int, str] = {}
        if match is None or kind is None:
            return
        for col, fname in match.columns.items():
            texts = [clean_text(r.cells[col].text) if col < len(r.cells) else "" for r in rows]
            if fname in kind.carry and grouped(texts):
                self.columns[col] = fname
            elif any(is_ditto(t) for t in texts if t):
                self.columns[col] = fname

    def fill(self, d) -> None:
        """Carry the value above into a draft row's blank or ditto cells of grouped columns."""
        if not self.columns or d.is_total:
            return
        for col, fname in self.columns.items():
            if col >= len(d.texts):
                continue
            text = d.texts[col]
            blank = not text and not (col < len(d.row.cells) and d.row.cells[col].redaction)
            if (blank or is_ditto(text)) and col in self.last:
                d.texts[col] = self.last[col]
                d.flag(f"carried_{fname}")
            elif text:
                self.last[col] = text
