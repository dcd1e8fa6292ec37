"""Where a row sits in its table's structure: under a group label, or under a master line.

Both are read from rows `extract.row_classes` and `extract.master_detail` classified; this
module turns them into the fields a row carries, so a row stands alone once stored.
"""

from __future__ import annotations

import re

from extract.model import TableRow

_INLINE_LABEL = re.compile(r"^([A-Za-z][A-Za-z0-9 .#/&'-]{0,24}):\s*(.*)$")


def detail_fields(texts: list[str], names: list[str], master: dict[str, str]
                  ) -> dict[str, str]:
    """A detail line's own fields, named by the labels printed on it (`Charge: 273.5(A) PC`,
    or `Bail:` in one cell and `$250,000` in the next), else by its column's header; then
    its master's cells, so the row stands alone (a detail field that shares a master
    field's name is kept as `detail <name>`)."""
    own: dict[str, str] = {}
    pending: str | None = None
    for name, text in zip(names, texts):
        t = text.strip()
        m = _INLINE_LABEL.match(t)
        if m and m.group(2):
            own[m.group(1).strip()], pending = m.group(2).strip(), None
        elif m:
            pending = m.group(1).strip()
            own.setdefault(pending, "")
        elif t:
            if pending is not None:
                own[pending], pending = t, None
            else:
                own[name] = t
    out = dict(master)
    for k, v in own.items():
        out[f"detail {k}" if k in master else k] = v
    return out


def row_group_label(row: TableRow, current: str | None, after_rows: bool) -> str:
    """The group a label row opens: its text, under the group it follows directly (two label
    rows in a row are a group and its sub-group: "Northern Region / Sonoma")."""
    label = " ".join(c.text.strip() for c in row.cells if c.text.strip())
    return f"{current} / {label}" if current and not after_rows else label
