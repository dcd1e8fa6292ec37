"""Tables → canonical rows or rejects, each with its provenance.

Every data and total row of every table ends in exactly one of two lists: `rows` (normalized
fields + the raw cells they came from) or `rejects` (the raw row + reason codes). Header,
title and footnote rows are structure, kept with the table's cells, not rows.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

from extract.model import Provenance, Table, TableRow
from normalize.fields import (
    clean_text,
    normalize_count,
    normalize_date,
    normalize_state,
    redaction_codes,
)
from normalize.profiles import HeaderMatch, Profile, match_table


@dataclass(frozen=True)
class SourceRef:
    """The document a table came from."""

    source_file: str
    source_sha256: str


@dataclass(frozen=True)
class RowOut:
    """One accepted row."""

    record_id: str
    table_index: int
    row_index: int
    profile: str
    kind: str
    is_total: bool
    fields: dict[str, object]
    raw: dict[str, str]
    provenance: Provenance
    redacted_fields: tuple[str, ...] = ()
    redactions: tuple[str, ...] = ()


@dataclass(frozen=True)
class RejectOut:
    """One refused row and why."""

    record_id: str
    table_index: int
    row_index: int
    profile: str
    kind: str
    raw: dict[str, str]
    provenance: Provenance
    reasons: tuple[str, ...]
    detail: str


@dataclass
class TableOutcome:
    rows: list[RowOut] = field(default_factory=list)
    rejects: list[RejectOut] = field(default_factory=list)
    match: HeaderMatch | None = None


def record_id(sha256: str, page: int, table_index: int, row_index: int) -> str:
    """Stable id of a row: the same document, page and position give the same id on rerun."""
    key = f"{sha256}:{page}:{table_index}:{row_index}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def column_names(table: Table) -> list[str]:
    """Header texts made unique and never blank (blank → col_N)."""
    names: list[str] = []
    seen: Counter[str] = Counter()
    for i in range(table.ncols):
        h = clean_text(table.header[i]) if i < len(table.header) else ""
        h = h or f"col_{i + 1}"
        seen[h] += 1
        names.append(h if seen[h] == 1 else f"{h}_{seen[h]}")
    return names


def _pivot_year(table: Table) -> int | None:
    """The table's usual four-digit year: two-digit years are read next to it."""
    years = Counter(
        int(m) for r in table.rows for t in r.texts for m in re.findall(r"\b(19\d\d|20\d\d)\b", t)
    )
    return years.most_common(1)[0][0] if years else None


def _provenance(row: TableRow, table: Table, src: SourceRef) -> Provenance:
    method = "sheet" if table.engine == "sheet" else f"text:{table.engine}"
    return Provenance(
        source_file=src.source_file,
        source_sha256=src.source_sha256,
        page=row.page,
        bbox=row.bbox,
        method=method,
        confidence=round(min(row.confidence, table.score or 1.0), 4),
        pages=tuple(row.pages or (row.page,)),
        sheet=table.sheet,
        sheet_row=row.sheet_row,
    )


def _typed(ftype: str, text: str, pivot: int | None):
    if ftype == "date":
        return normalize_date(text, pivot_year=pivot), "bad_date"
    if ftype == "state":
        return normalize_state(text), "bad_state"
    if ftype == "count":
        return normalize_count(text), "bad_count"
    return None, None


def normalize_table(table: Table, table_index: int, src: SourceRef,
                    profile: Profile | None) -> TableOutcome:
    """Rows and rejects of one table under a profile (or generic when none claims it)."""
    names = column_names(table)
    match = match_table(list(table.header), profile) if profile and table.header else None
    out = TableOutcome(match=match)
    pivot = _pivot_year(table)
    data_rows = [(i, r) for i, r in enumerate(table.rows) if r.kind in ("data", "total")]
    for index, row in data_rows:
        raw = {names[c]: clean_text(t) for c, t in enumerate(row.texts) if c < len(names)}
        prov = _provenance(row, table, src)
        rid = record_id(src.source_sha256, row.page, table_index, index)
        is_total = row.kind == "total"
        if match is None:
            out.rows.append(RowOut(rid, table_index, index, "generic", "generic", is_total,
                                   dict(raw), raw, prov))
            continue
        fields: dict[str, object] = {}
        reasons: list[str] = []
        details: list[str] = []
        redacted: list[str] = []
        codes: list[str] = []
        for col, fname in match.columns.items():
            cell = row.cells[col] if col < len(row.cells) else None
            text = clean_text(cell.text) if cell else ""
            code = (cell.redaction if cell else None) or redaction_codes(text)
            if code:
                fields[fname] = None
                redacted.append(fname)
                codes.append(code)
                continue
            fields[fname] = text or None
            ftype = match.types.get(fname)
            if ftype and text and not is_total:
                norm, reason = _typed(ftype, text, pivot)
                if norm.ok:
                    fields[fname] = norm.value
                else:
                    reasons.append(reason)
                    details.append(f"{fname}: {norm.reason}")
            elif ftype == "count" and text:
                norm, _ = _typed(ftype, text, pivot)
                fields[fname] = norm.value if norm.ok else text
        kind = next(k for k in profile.tables if k.kind == match.kind)
        missing = [f for f in kind.required if not fields.get(f) and f not in redacted]
        if missing and not is_total:
            reasons.append("missing_field")
            details.append("missing: " + ", ".join(missing))
        if reasons:
            out.rejects.append(RejectOut(rid, table_index, index, match.profile, match.kind, raw,
                                         prov, tuple(dict.fromkeys(reasons)), "; ".join(details)))
            continue
        out.rows.append(RowOut(rid, table_index, index, match.profile, match.kind, is_total,
                               fields, raw, prov, tuple(redacted), tuple(codes)))
    _check_totals(out)
    return out


def _check_totals(out: TableOutcome) -> None:
    """A total row whose counts differ from the sum of the data rows is rejected, both shown."""
    count_fields = [f for f, t in (out.match.types.items() if out.match else []) if t == "count"]
    if not count_fields:
        return
    keep: list[RowOut] = []
    for row in out.rows:
        if not row.is_total:
            keep.append(row)
            continue
        problems = []
        for f in count_fields:
            stated = row.fields.get(f)
            values = [r.fields.get(f) for r in out.rows if not r.is_total]
            if not isinstance(stated, int) or not values:
                continue
            summed = sum(v for v in values if isinstance(v, int))
            if summed != stated:
                problems.append(f"{f}: total row says {stated}, rows sum to {summed}")
        if problems:
            out.rejects.append(RejectOut(row.record_id, row.table_index, row.row_index,
                                         row.profile, row.kind, row.raw, row.provenance,
                                         ("total_mismatch",), "; ".join(problems)))
        else:
            keep.append(row)
    out.rows = keep
