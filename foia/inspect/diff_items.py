"""`foia diff`'s view of a store: each row or reject as the matcher compares it (its content
without provenance and without how the gazetteer matched), read from one store."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

from foia.store import connect_readonly, queries

# How the gazetteer matched a county (method, score): a property of the matcher's version and
# data, not of the release; left out of the content and never reported as a change.
VOLATILE_FIELDS = frozenset({"jurisdiction_match", "jurisdiction_score"})

class _Item:
    """One row or reject of one side, as the matcher sees it (parsed only as far as needed)."""

    __slots__ = ("table", "profile", "kind", "is_total", "redactions", "fields_json",
                 "raw_json", "reasons", "prov", "fast", "order", "_shown", "_basis", "_raw",
                 "_values", "_measures", "_key")

    def __init__(self, table: str, row: tuple) -> None:
        self.table = table  # "rows" | "rejects"
        (profile, kind, self.is_total, self.redactions, self.fields_json, self.raw_json,
         reasons, fkey) = row[:8]
        self.profile, self.kind, self.reasons = profile or "", kind or "", reasons or None
        self.prov = row[8:]  # record_id, table_id, row_index, source_file, sha256, page, bbox,
        #                      source_link
        # The stored texts as they are: equal ones are certainly equal content.
        self.fast = (table, self.profile, self.kind, self.is_total, self.redactions, fkey,
                     self.raw_json, self.reasons)
        self.order = 0
        self._shown: dict[str, object] | None = None
        self._basis = ""
        self._raw: dict[str, str] | None = None
        self._values: dict[str, str] | None = None
        self._measures: frozenset[str] | None = None
        self._key: tuple | None = None

    def _parse(self) -> None:
        fields = json.loads(self.fields_json) if self.fields_json else None
        shown = ({k: v for k, v in fields.items()
                  if v is not None and v != "" and k not in VOLATILE_FIELDS}
                 if type(fields) is dict else {})
        if shown:
            self._basis = "fields"
            if self.redactions:
                shown["redactions"] = self.redactions
        else:  # a reject, or a row without fields: its raw cells
            self._basis = "raw"
            shown = dict(self.raw)
        self._shown = shown

    @property
    def shown(self) -> dict[str, object]:
        """The content as stored: field -> value, empty and volatile fields dropped."""
        if self._shown is None:
            self._parse()
        return self._shown  # type: ignore[return-value]

    @property
    def basis(self) -> str:
        """"fields" (canonical fields) or "raw" (raw cell texts): what the content is."""
        if self._shown is None:
            self._parse()
        return self._basis

    @property
    def key(self) -> tuple:
        """The content, comparable: equal keys are the same row."""
        if self._key is None:
            content = tuple(sorted(self.shown.items()))  # keys unique: values never compared
            try:
                hash(content)
            except TypeError:  # a list or dict value: compare its normalized text
                content = tuple(sorted(self.values.items()))
            self._key = (self.table, self.profile, self.kind, self.is_total, self.basis,
                         content)
        return self._key

    @property
    def raw(self) -> dict[str, str]:
        """Raw cell texts by header, normalized."""
        if self._raw is None:
            self._raw = _norm_raw(self.raw_json)
        return self._raw

    @property
    def values(self) -> dict[str, str]:
        """The content as comparable text (for fuzzy matching)."""
        if self._values is None:
            self._values = {k: t for k, v in self.shown.items() if (t := _norm(v)) is not None}
        return self._values

    @property
    def measures(self) -> frozenset[str]:
        """Fields whose value is a number."""
        if self._measures is None:
            if self.basis == "fields":
                self._measures = frozenset(k for k, v in self.shown.items()
                                           if type(v) is int or type(v) is float)
            else:
                self._measures = frozenset(k for k, v in self.values.items()
                                           if _is_number_text(v))
        return self._measures

    def record(self) -> dict:
        rid, tid, ri, src, sha, page, bbox, link = self.prov
        return {"record_id": rid, "table": self.table, "source_file": src,
                "source_sha256": sha, "page": page,
                "bbox": json.loads(bbox) if bbox else None, "source_link": link,
                "table_id": tid, "row_index": ri}

    def position(self) -> tuple:
        return (self.prov[3] or "", _table_index(self.prov[1]),
                self.prov[2] if self.prov[2] is not None else -1, self.prov[0] or "")


# --- reading a store ---------------------------------------------------------------------


def _db_path(p: Path) -> Path:
    p = Path(p)
    db = p / "foia.sqlite" if p.is_dir() else p
    if not db.exists():
        raise FileNotFoundError(f"no store at {db}")
    return db


def _norm(v: object) -> str | None:
    """Comparable text of a stored value; None for an empty one."""
    if type(v) is str:
        t = v.strip()
        if "  " in t or "\n" in t or "\t" in t or "\r" in t:
            t = " ".join(t.split())
        return t or None
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isfinite(v) and v == int(v):
            return str(int(v))
        return repr(round(v, 6))
    if isinstance(v, (list, tuple)):
        v = ";".join(str(x) for x in v)
    elif isinstance(v, dict):
        v = json.dumps(v, sort_keys=True, default=str)
    s = " ".join(str(v).split())
    return s or None


def _is_number_text(s: str) -> bool:
    t = s.replace(",", "").strip()
    if t.startswith("-"):
        t = t[1:]
    return t.replace(".", "", 1).isdigit()


def _table_index(table_id: str | None) -> int:
    try:
        return int((table_id or "").rsplit("-t", 1)[1])
    except (IndexError, ValueError):
        return 0


def _norm_raw(raw_json: str | None) -> dict[str, str]:
    raw = json.loads(raw_json) if raw_json else {}
    if not isinstance(raw, dict):
        return {}
    return {str(k): t for k, v in raw.items() if (t := _norm(v)) is not None}


def _items(conn: sqlite3.Connection, table: str) -> list[_Item]:
    out = [_Item(table, r) for r in queries.diff_items(conn, table, list(VOLATILE_FIELDS))]
    out.sort(key=_Item.position)
    for n, it in enumerate(out):
        it.order = n
    return out


def _load(path: Path, include_rejects: bool) -> list[_Item]:
    db = _db_path(path)
    conn = connect_readonly(db)
    try:
        items = _items(conn, "rows")
        if include_rejects:
            rejects = _items(conn, "rejects")
            for it in rejects:
                it.order += len(items)
            items += rejects
        return items
    finally:
        conn.close()
