"""Tables → canonical rows or rejects, each with its provenance.

Every data and total row of every table ends in exactly one of two lists: `rows` (normalized
fields + the raw cells they came from) or `rejects` (the raw row + reason codes). Header,
title and footnote rows are structure, kept with the table's cells, not rows.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from extract.model import FIGURE_KINDS, Provenance, Table, TableRow
from extract.rows import is_typed
from normalize.column_content import SAMPLE
from normalize.dates import column_order
from normalize.fields import (
    clean_text,
    date_from_clean_text,
    month_from_text,
    normalize_count,
    redaction_codes,
    state_from_clean_text,
)
from normalize.groups import GroupedColumns
from normalize.outcome import DocContext, RejectOut, RowOut, SourceRef, TableOutcome
from normalize.profiles import HeaderMatch, Profile, TableKind, norm_header, read_header
from normalize.row_checks import (
    LOW_CONFIDENCE,
    check_confidence,
    check_dates,
    resolve_jurisdiction,
    state_from_county,
)
from normalize.schema import schema_errors
from normalize.structure import detail_fields, row_group_label
from normalize.sums import SumsCheck
from normalize.totals import TotalsCheck

__all__ = ["DocContext", "RejectOut", "RowOut", "SourceRef", "TableNormalizer", "TableOutcome",
           "normalize_table", "record_id", "column_names"]


def record_id(sha256: str, page: int, table_index: int, row_index: int) -> str:
    """Stable id of a row: the same document, page and position give the same id on rerun.

    sha256 of "sha256:page:table:row"; the document's prefix is hashed once and copied.
    """
    h = _prefix_hash(sha256).copy()
    h.update(f":{page}:{table_index}:{row_index}".encode())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1024)
def _prefix_hash(sha256: str):
    return hashlib.sha256(sha256.encode())


def column_names(table: Table, ncols: int | None = None) -> list[str]:
    """Header texts made unique and never blank (blank → col_N). `ncols` when the table's rows
    are not all at hand (a long table read in chunks: the store knows its width)."""
    names: list[str] = []
    seen: Counter[str] = Counter()
    for i in range(table.ncols if ncols is None else ncols):
        h = clean_text(table.header[i]) if i < len(table.header) else ""
        h = h or f"col_{i + 1}"
        seen[h] += 1
        names.append(h if seen[h] == 1 else f"{h}_{seen[h]}")
    return names


_NOISE = re.compile(r"^[\s_=\-—–‐.,:;~*+#|/\\'`\"^°•·]+$")


def is_noise_row(texts: Sequence[str]) -> bool:
    """Every filled cell is rule or speck characters, and at least one is a run of them."""
    filled = [t for t in texts if t]
    return bool(filled) and all(_NOISE.match(t) for t in filled) and any(
        len(t.replace(" ", "")) >= 3 for t in filled)


def repeats_header(texts: Sequence[str], match: HeaderMatch, kind: TableKind,
                   header: Sequence[str]) -> bool:
    """A data row that is the header printed again (a continuation page whose header was not
    recognised as such, or one line of it): no value in it, and most of its filled cells in
    mapped columns read as that column's header or an alias of its field."""
    if any(is_typed(t) or redaction_codes(t) for t in texts if t):
        return False
    filled = named = 0
    for col, fname in match.columns.items():
        if col >= len(texts) or not texts[col]:
            continue
        filled += 1
        h = norm_header(texts[col])
        said = [norm_header(header[col])] if col < len(header) and header[col] else []
        if h and any(fuzz.token_set_ratio(h, a) >= 90 for a in (*kind.fields[fname], *said)):
            named += 1
    return named >= 2 and named >= 0.6 * filled


_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")


# Rows a table's usual year is read from (a few hundred tell it as well as a hundred thousand).
PIVOT_SAMPLE = 400


def _pivot_year(rows: Sequence[TableRow], columns: list[int]) -> int | None:
    """The usual four-digit year of a table's date columns: two-digit years are read next to it.
    """
    texts = [r.cells[c].text for r in rows[:PIVOT_SAMPLE] for c in columns if c < len(r.cells)]
    years = Counter(_YEAR.findall("\n".join(texts)))
    return int(years.most_common(1)[0][0]) if years else None


def _method(table: Table) -> str:
    """`sheet`, `ocr:tesseract+<builder>` or `text:<engine>`: how the row was read."""
    if table.engine == "sheet":
        return "sheet"
    if table.engine.startswith("ocr-"):
        return f"ocr:tesseract+{table.engine[4:]}"
    return f"text:{table.engine}"


def _provenance(row: TableRow, table: Table, src: SourceRef, method: str = "") -> Provenance:
    method = method or _method(table)
    confidence = table.score or 1.0
    for c in row.cells:  # the row's weakest filled cell, in the same pass as nothing else
        if c.text and c.confidence < confidence:
            confidence = c.confidence
    return Provenance(src.source_file, src.source_sha256, row.page, row.bbox, method,
                      round(confidence, 4), row.pages or (row.page,), table.sheet,
                      row.sheet_row)


@dataclass(slots=True)
class _Draft:
    """A row on its way: fields so far, and why it may be refused."""

    index: int
    row: TableRow
    rid: str
    raw: dict[str, str]
    prov: Provenance
    is_total: bool
    texts: list[str] = field(default_factory=list)  # cell texts, whitespace folded once
    fields: dict[str, object] = field(default_factory=dict)
    # Most rows are clean: these stay empty tuples until something happens (cheaper per row).
    reasons: tuple[str, ...] = ()
    details: tuple[str, ...] = ()
    redacted: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()

    def refuse(self, reason: str, detail: str) -> None:
        self.reasons += (reason,)
        self.details += (detail,)

    def redact(self, fname: str, code: str) -> None:
        self.redacted += (fname,)
        self.codes += (code,)

    def flag(self, name: str) -> None:
        self.flags += (name,)


# Distinct cell readings kept per column and per table before the memo starts again: a long
# table of unique values would otherwise hold one entry per row.
MEMO_MAX = 2048


class TableNormalizer:
    """One table's normalization, fed its rows in chunks (`feed`), then `finish`.

    A table stitched across thousands of pages is never held whole: each chunk's rows and
    rejects are handed back to be written, and only what spans the table is kept — the header
    match, the year read from its first rows, per-column memos, and the running sums the Total
    check needs (normalize.totals.TotalsCheck). Feeding a table in one chunk or in many gives
    the same rows and rejects.
    """

    def __init__(self, head: Table, table_index: int, src: SourceRef | DocContext,
                 profile: Profile | None, ncols: int | None = None,
                 sample: Sequence[TableRow] = ()) -> None:
        """`head`: the table (rows optional); `ncols` its width when its rows are not given;
        `sample`: its first rows, for the year two-digit dates are read next to."""
        self.ctx = src if isinstance(src, DocContext) else DocContext(src)
        self.head, self.table_index = head, table_index
        self.names = column_names(head, ncols)
        self.method = _method(head)
        rows = [r for r in (sample or head.rows) if r.kind == "data"][:SAMPLE]
        self.match, self.spill = (read_header(head, rows, profile) if profile else (None, 0))
        self.spilled = 0  # header rows met so far (of self.spill)
        self.kind = profile.kind(self.match.kind) if self.match and profile else None
        self.totals = TotalsCheck(self.match, self.match.kind if self.match else "generic",
                                  head, table_index)
        self.sums = SumsCheck(table_index, head.page, head.bbox, self.names,
                              check_totals=not self.totals.count_fields)
        self.plan: list = []
        # the group label row(s) above the rows being read (extract.row_classes), carried as
        # the `group` field; a subtotal or total row closes the group
        self.group: str | None = None
        self.group_closing: str | None = None
        self.after_group = True
        self.master: dict[str, str] = {}  # the last master line's cells (master-detail)
        self.key_cols: list[int] = []
        self.state_col: int | None = None
        self.groups = GroupedColumns(None, None, [])
        self.jmemo: dict = {}
        if self.match is None or self.kind is None:
            return
        match = self.match
        pivot = self.ctx.period.end.year if self.ctx.period else None
        date_cols = [c for c, f in match.columns.items() if match.types.get(f) == "date"]
        if pivot is None and date_cols:
            pivot = _pivot_year(sample or head.rows, date_cols)
        orders = {c: column_order(r.cells[c].text for r in (sample or head.rows)[:PIVOT_SAMPLE]
                                  if c < len(r.cells) and r.kind == "data")
                  for c in date_cols}
        self.plan = _field_plan(match, pivot, orders)
        self.key_cols = [c for c, f in match.columns.items()
                         if f in self.kind.required or f in match.types
                         or f == "jurisdiction_raw"]
        self.groups = GroupedColumns(match, self.kind, rows[self.spill:])
        self.state_col = next((c for c, f in match.columns.items() if f == "state"), None)

    def _drafts(self, rows: Iterable[tuple[int, TableRow]]) -> list[_Draft]:
        drafts = []
        src = self.ctx.source
        for index, row in rows:
            if row.kind == "group":  # a label row: carried onto the rows under it
                self.group = row_group_label(row, self.group, self.after_group)
                self.after_group = False
                continue
            if row.kind not in FIGURE_KINDS:
                continue
            if row.kind == "master":
                self.master = {n: t for n, t in zip(self.names, row.texts) if t.strip()}
            if row.kind in ("data", "master"):
                self.after_group = True
            elif row.kind in ("subtotal", "total"):  # a sum closes its group
                self.after_group, self.group_closing = True, self.group
                self.group = None
            if self.spilled < self.spill and row.kind == "data":
                self.spilled += 1
                self.header_rows.append(index)
                continue
            texts = [clean_text(c.text) for c in row.cells]
            if row.kind == "data" and self.match and self.kind and repeats_header(
                    texts, self.match, self.kind, self.head.header):
                self.header_rows.append(index)  # the header printed again on a later page
                continue
            raw = dict(zip(self.names, texts))
            rid = record_id(src.source_sha256, row.page, self.table_index, index)
            d = _Draft(index, row, rid, raw, _provenance(row, self.head, src, self.method),
                       row.kind in ("subtotal", "total"), texts)
            group = self.group if row.kind in ("data", "master") else self.group_closing
            if group:
                d.fields["group"] = group
            if row.kind == "detail":
                d.fields.update(detail_fields(texts, self.names, self.master))
            drafts.append(d)
        return drafts

    def _noise_out(self, drafts: list[_Draft], out: TableOutcome) -> list[_Draft]:
        """Rows of rule characters only (a scan's `____`, `=====`, `———` read as text) go to
        rejects as `noise`, so the real rejects stand out; the other drafts are returned."""
        kept = []
        for d in drafts:
            if is_noise_row(d.texts):
                profile, kind = ((self.match.profile, self.match.kind) if self.match
                                 else ("generic", "generic"))
                out.rejects.append(RejectOut(d.rid, self.table_index, d.index, profile, kind,
                                             d.raw, d.prov, ("noise",),
                                             "only rule characters: " + " ".join(
                                                 t for t in d.texts if t)))
            else:  # not counted for the Total check or the narrative's row count either

                kept.append(d)
        return kept

    def feed(self, rows: Iterable[tuple[int, TableRow]]) -> TableOutcome:
        """Rows and rejects of a chunk of (row index in the table, row) pairs, in table order.
        Total rows that the Total check may still refuse come back as rows; `finish` says."""
        rows = list(rows)
        self.totals.see_rows([r for _, r in rows])
        out = TableOutcome(match=self.match)
        self.header_rows = out.header_rows
        drafts = self._noise_out(self._drafts(rows), out)
        match, kind, ctx = self.match, self.kind, self.ctx
        if match is None or kind is None:
            self._generic(drafts, out)
            return out
        if len(self.jmemo) > MEMO_MAX:
            self.jmemo.clear()
        for *_, memo in self.plan:
            if len(memo) > MEMO_MAX:
                memo.clear()
        for d in drafts:
            self.groups.fill(d)
            _read_fields(d, self.plan)
            if not d.is_total:
                if kind.jurisdiction:
                    resolve_jurisdiction(d, kind, ctx, self.jmemo)
                    state_from_county(d, self.state_col)
                check_dates(d, ctx)
                if d.prov.confidence < LOW_CONFIDENCE:  # cheap gate, cells below
                    check_confidence(d, self.key_cols, match)
        if kind.offense_field:
            _tag_offenses([d for d in drafts if not d.is_total], kind.offense_field, out)
        if kind.context:
            _context_fields(drafts, kind, ctx)
        for d in drafts:
            if kind.sums:
                _check_sums(d, kind)
            if not d.is_total:
                for reason, detail in schema_errors(kind, d.fields):
                    field_name = detail.split(":", 1)[0] + ":"
                    # a field its reader refused (bad_date) is not missing as well
                    if reason not in d.reasons and not any(
                            x.startswith(field_name) for x in d.details):
                        d.refuse(reason, detail)
            if d.reasons:
                out.rejects.append(RejectOut(d.rid, self.table_index, d.index, match.profile,
                                             match.kind, d.raw, d.prov,
                                             tuple(dict.fromkeys(d.reasons)),
                                             "; ".join(d.details)))
                self.totals.add_reject(d.raw, d.is_total)
            else:
                row = RowOut(d.rid, self.table_index, d.index, match.profile, match.kind,
                             d.is_total, d.fields, d.raw, d.prov, d.redacted, d.codes, d.flags,
                             d.row.kind)
                out.rows.append(row)
                self.totals.add_row(row)
            if d.row.kind == "data" or not d.reasons:  # a refused sum is not judged again
                self.sums.see(d.row, d.index, d.rid, d.raw, d.prov, match.profile, match.kind)
        return out

    def _generic(self, drafts: list[_Draft], out: TableOutcome) -> None:
        """Rows of a table no profile claims: its cells as fields (a detail line's: its own
        labelled fields and its master's), and the group label above it."""
        for d in drafts:
            fields = d.fields if d.row.kind == "detail" else {**d.raw, **d.fields}
            out.rows.append(RowOut(d.rid, self.table_index, d.index, "generic", "generic",
                                   d.is_total, fields, d.raw, d.prov, row_class=d.row.kind))
            self.sums.see(d.row, d.index, d.rid, d.raw, d.prov)

    def finish(self) -> TableOutcome:
        """What needs the whole table: Total rows that disagree with the rows' sums (in
        `rejects`; the caller takes them out of the rows it was given), findings, facts."""
        out = TableOutcome(match=self.match)
        out.rejects, out.findings = self.totals.finish()
        out.rejects += self.sums.rejects
        out.findings += self.sums.findings
        out.facts = self.totals.facts()
        return out


def normalize_table(table: Table, table_index: int, src: SourceRef | DocContext,
                    profile: Profile | None) -> TableOutcome:
    """Rows and rejects of one table under a profile (or generic when none claims it)."""
    norm = TableNormalizer(table, table_index, src, profile)
    out = norm.feed(enumerate(table.rows))
    end = norm.finish()
    moved = {j.record_id for j in end.rejects}
    out.rows = [r for r in out.rows if r.record_id not in moved]
    out.rejects += end.rejects
    out.findings, out.facts = end.findings, end.facts
    return out


def _context_fields(drafts: list[_Draft], kind: TableKind, ctx: DocContext) -> None:
    """Fields the page states once for the whole table (a NICS page's month), from its text."""
    found: dict[tuple[int, str], object] = {}
    for d in drafts:
        for fname, pattern in kind.context.items():
            key = (d.row.page, fname)
            if key not in found:
                m = re.search(pattern, ctx.page_text.get(d.row.page, ""))
                found[key] = (" ".join(g for g in m.groups() if g) if m and m.groups()
                              else m.group(0) if m else None)
                if found[key] is not None and kind.types.get(fname) == "month":
                    found[key] = month_from_text(str(found[key])) or found[key]
            if found[key] is None:
                d.refuse("missing_context", f"{fname}: no match for its pattern on page "
                                            f"{d.row.page}")
            else:
                d.fields[fname] = found[key]


def _check_sums(d: _Draft, kind: TableKind) -> None:
    """Each `sums` field equals the sum of its parts (missing parts count as nothing)."""
    for total, parts in kind.sums.items():
        stated = d.fields.get(total)
        if not isinstance(stated, int):
            continue
        values = [d.fields.get(p) for p in parts]
        actual = sum(v for v in values if isinstance(v, int))
        if actual != stated:
            d.refuse("sum_mismatch", f"{total} is {stated}, its {len(parts)} parts sum to "
                                     f"{actual}")


def _field_plan(match: HeaderMatch, pivot: int | None, orders: dict[int, str] | None = None
                ) -> list[tuple[int, str, object, str, dict]]:
    """Per column of a claimed table: (column, field, normalizer or None, reject reason, memo).

    `orders`: each date column's day/month order (normalize.dates.column_order), so a column
    that writes `25/01/2017` reads `03/04/2017` day first, and one that writes both refuses it.

    Made once per table, so the per-row loop only looks things up; the memo keeps each distinct
    cell text's reading (a column repeats its AORs, states and dates row after row).
    """
    plan = []
    for col, fname in match.columns.items():
        ftype = match.types.get(fname)
        if ftype == "date":
            order = (orders or {}).get(col, "mdy")
            fn, reason = ((lambda t, p=pivot, o=order: date_from_clean_text(t.rstrip("*"), p, o)),
                          "bad_date")
        elif ftype == "state":
            fn, reason = state_from_clean_text, "bad_state"
        elif ftype == "count":
            fn, reason = normalize_count, "bad_count"
        else:
            fn, reason = None, ""
        plan.append((col, fname, fn, reason, {}))
    return plan


def _read_cell(text: str, fn, is_total: bool, reason: str) -> tuple[str | None, object, str]:
    """(redaction code, value, refusal detail) of one cell text under its column's normalizer."""
    code = redaction_codes(text) if text and text[0] in "(bB" else None  # every FOIA mark
    if code:                                                             # starts so
        return code, None, ""
    if fn is None or not text:
        return None, text or None, ""
    norm = fn(text)
    if norm.ok:
        return None, norm.value, ""
    if is_total and reason == "bad_count":
        return None, text, ""
    return None, None, str(norm.reason)  # the text stays in `raw`; a bad value is never used


def _read_fields(d: _Draft, plan: list[tuple[int, str, object, str, dict]]) -> None:
    """Cell texts → typed fields; redaction marks → null + the field named in redacted_fields."""
    cells = d.row.cells
    n = len(cells)
    for col, fname, fn, reason, memo in plan:
        cell = cells[col] if col < n else None
        text = d.texts[col] if cell else ""
        if cell is not None and cell.redaction:
            code, value, problem = cell.redaction, None, ""
        elif d.is_total:  # rare: a Total row keeps a count it cannot read as its text
            code, value, problem = _read_cell(text, fn, True, reason)
        else:
            got = memo.get(text)
            if got is None:
                got = memo[text] = _read_cell(text, fn, False, reason)
            code, value, problem = got
        d.fields[fname] = value
        if code:
            d.redact(fname, code)
        elif problem and not d.is_total:
            d.refuse(reason, f"{fname}: {problem}")


def _tag_offenses(drafts: list[_Draft], fname: str, out: TableOutcome) -> None:
    """Offense text → NCIC categories for a whole table at once (spaCy in batches)."""
    from normalize.offenses import OffenseTagger

    texts = [d.fields.get(fname) for d in drafts]
    # The tagger returns one object per distinct cell text: join its lists once.
    joined: dict[int, tuple[str | None, str | None]] = {}
    for d, text, m in zip(drafts, texts, OffenseTagger.load().tag_many(texts)):
        cats_codes = joined.get(id(m))
        if cats_codes is None:
            cats_codes = joined[id(m)] = (";".join(m.categories) or None,
                                          ";".join(m.codes) or None)
        d.fields["offense_categories"], d.fields["offense_codes"] = cats_codes
        d.fields["most_serious"] = m.most_serious
        if m.unmatched:
            out.unmatched_offenses.update(m.unmatched)
        if text and not m.categories:
            d.flag("unmatched_offense")


