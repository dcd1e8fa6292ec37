"""Columns → a table kind's fields, from the header where it can be trusted and from the cells.

A header alias proposes a field for a column (`alias` when the header is a listed wording,
`fuzzy alias` when it is near one). The column's content (normalize.column_content) then
confirms or overrules it: `Declined` over dates is a date, over counts a count. Fields no
header names are filled from columns whose cells hold what the field holds (`content`), so a
table claims its kind with its header split over lines, worded unseen, or missing. Every
mapping says how it was made and with what score (0-100), for `foia show` and the review site.

Why content cannot map everything alone: two columns can hold the same kind (two date
columns, a county and a city). Dates are told apart by their order in the rows (a detainer is
issued before it is declined: `TableKind.ascending`); for the rest the header or the kind's
field order decides, and a content-only claim needs more fields than a header claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from normalize.column_content import HOLDS, ColumnContent, profile_column
from normalize.dates import read_date

# A header cell matches an alias at or above this rapidfuzz ratio (after normalization).
HEADER_MATCH = 86
# A column needs this many filled cells before its content can overrule its header, and this
# many to be mapped from content alone (a short continuation part has few rows).
MIN_EVIDENCE = 3
MIN_FILL_EVIDENCE = 2
# Below this share of the field's kind of content, a header alias is not believed...
AGREES = 0.5
# ...when the column clearly holds another kind (this share or more).
OTHER_KIND = 0.7
# A field mapped from content alone scores its share times this (aliases score their ratio).
CONTENT_WEIGHT = 90
# Semantic kinds read from names: a looser share is still agreement (a facility column holds
# some jails the table does not know by name; a county column some places that are cities).
LOOSE = {"county": 0.3, "facility": 0.3, "offense": 0.3, "aor": 0.3}
# A date or count field named by a header over a column where fewer cells than this read as
# one is not that field, whatever else the cells are ("Detainer Form" over I-247N, I-247D
# codes taken for a date through a scan's garbled header lines).
TYPED_MIN = 0.25
TYPE_CONTENT = {"date": "date", "count": "count", "state": "state"}


@dataclass(frozen=True)
class FieldMapping:
    """One column's field and how it was found."""

    column: int
    field: str
    how: str  # "alias" | "fuzzy alias" | "content"
    score: float  # 0-100
    header: str = ""
    note: str = ""


class Columns:
    """A table's columns: header texts and their sampled cells, profiled on demand."""

    def __init__(self, header: Sequence[str], samples: Sequence[Sequence[str]] = ()):
        self.header = list(header)
        self.samples = [list(s) for s in samples]
        self.n = max(len(self.header), len(self.samples))
        self._content: dict[int, ColumnContent] = {}

    def with_header(self, header: Sequence[str]) -> Columns:
        """The same cells under another header (their profiles are not read again)."""
        other = Columns(header, ())
        other.samples, other.n, other._content = self.samples, max(len(header), self.n), \
            self._content
        return other

    def content(self, col: int) -> ColumnContent:
        if col not in self._content:
            texts = self.samples[col] if col < len(self.samples) else []
            self._content[col] = profile_column(texts)
        return self._content[col]

    def texts(self, col: int) -> list[str]:
        return self.samples[col] if col < len(self.samples) else []


def expected_content(kind, fname: str) -> str | None:
    """The kind of content a field holds: the profile's `content`, else its type's."""
    return kind.content.get(fname) or TYPE_CONTENT.get(kind.types.get(fname, ""))


def _believed(cols: Columns, col: int, want: str | None) -> tuple[bool, str]:
    """Whether a header alias survives the column's content, and why not."""
    if not cols.samples:
        return True, ""
    c = cols.content(col)
    if c.filled < MIN_EVIDENCE:
        return True, ""
    main, share = c.main
    if want is None:  # a free-text field over a column of dates or counts is not that field
        if main in ("date", "count") and share >= OTHER_KIND:
            return False, f"cells are {main}s ({share:.0%})"
        return True, ""
    if c.share(want) >= LOOSE.get(want, AGREES) or c.share("redaction") >= 0.5:
        return True, ""
    if share >= OTHER_KIND and main != want:
        return False, f"cells are {main}s ({share:.0%}), not {want}s ({c.share(want):.0%})"
    if want in ("date", "count") and c.share(want) < TYPED_MIN:
        return False, f"only {c.share(want):.0%} of the cells are {want}s"
    return True, ""


def _alias_pairs(cols: Columns, kind, norm_header) -> list[tuple[float, int, str, str]]:
    pairs = []
    for col, text in enumerate(cols.header):
        h = norm_header(text)
        if not h:
            continue
        for fname, aliases in kind.fields.items():
            best = process.extractOne(h, aliases, scorer=fuzz.ratio)
            if best and best[1] >= HEADER_MATCH:
                pairs.append((best[1], col, fname, "alias" if best[1] >= 100 else "fuzzy alias"))
    return pairs


def map_columns(cols: Columns, kind, norm_header) -> tuple[list[FieldMapping], list[str]]:
    """One-to-one column → field mappings for one kind, and notes on overruled headers."""
    taken: dict[int, FieldMapping] = {}
    used: set[str] = set()
    notes: list[str] = []
    # best score first; on a tie the column whose cells hold what the field holds ("Law
    # Enforcement Agency" of jail names and "Jurisdiction" of county names both alias the
    # jurisdiction), then the leftmost (a header repeating a sub-header word, "Handgun" under
    # two groups, names its primary column first)
    def fit(col: int, fname: str) -> float:
        want = expected_content(kind, fname)
        return cols.content(col).share(want) if want and cols.samples else 0.0

    for score, col, fname, how in sorted(_alias_pairs(cols, kind, norm_header),
                                         key=lambda p: (-p[0], -fit(p[1], p[2]), p[1], p[2])):
        if col in taken or fname in used:
            continue
        ok, why = _believed(cols, col, expected_content(kind, fname))
        if not ok:
            notes.append(f"column {col + 1} {cols.header[col]!r} is not {fname}: {why}")
            continue
        taken[col] = FieldMapping(col, fname, how, float(score), cols.header[col])
        used.add(fname)
    if cols.samples:
        _fill_from_content(cols, kind, taken, used)
    return sorted(taken.values(), key=lambda m: m.column), notes


def _fill_from_content(cols: Columns, kind, taken: dict[int, FieldMapping],
                       used: set[str]) -> None:
    """Fields no header named, from free columns whose cells hold what the field holds."""
    # Fields a claim needs first: one date column is the declined date before the issued one.
    open_fields = sorted((f for f in kind.fields if f not in used and expected_content(kind, f)),
                         key=lambda f: f not in kind.claim_fields)
    free = [c for c in range(cols.n) if c not in taken]
    cands = []
    for order, fname in enumerate(open_fields):
        want = expected_content(kind, fname)
        for col in free:
            c = cols.content(col)
            need = max(LOOSE.get(want, HOLDS), HOLDS if want in TYPE_CONTENT.values() else 0.5)
            if c.filled >= MIN_FILL_EVIDENCE and c.share(want) >= need:
                cands.append((c.share(want), order, col, fname))
    # A count is mapped from content only when one free column could hold it: a list with
    # several numeric columns (ADP by year, capacity, beds) does not say which is the count.
    columns_for: dict[str, int] = {}
    for _share, _order, _col, fname in cands:
        columns_for[fname] = columns_for.get(fname, 0) + 1
    cands = [c for c in cands if expected_content(kind, c[3]) != "count"
             or columns_for[c[3]] == 1]
    # The kind's field order breaks ties between columns of the same content (leftmost first).
    for share, _order, col, fname in sorted(cands, key=lambda x: (-x[0], x[1], x[2])):
        if col in taken or fname in used:
            continue
        taken[col] = FieldMapping(col, fname, "content", round(share * CONTENT_WEIGHT, 1),
                                  cols.header[col] if col < len(cols.header) else "")
        used.add(fname)
    _order_ascending(cols, kind, taken)


def _order_ascending(cols: Columns, kind, taken: dict[int, FieldMapping]) -> None:
    """Swap two date fields mapped by content when the rows say the other order: fields listed
    in `ascending` (issued, then declined) hold earlier dates in the first."""
    if len(kind.ascending) != 2:
        return
    first, second = kind.ascending
    by_field = {m.field: m for m in taken.values()}
    a, b = by_field.get(first), by_field.get(second)
    if not a or not b or "content" not in (a.how, b.how):
        return
    before = after = 0
    for x, y in zip(cols.texts(a.column), cols.texts(b.column)):
        dx, dy = read_date(x), read_date(y)
        if dx.ok and dy.ok and dx.value != dy.value:
            before += dx.value < dy.value
            after += dx.value > dy.value
    if after > before:
        taken[a.column] = FieldMapping(a.column, second, a.how, a.score, a.header,
                                       "dates later than the other date column's")
        taken[b.column] = FieldMapping(b.column, first, b.how, b.score, b.header,
                                       "dates earlier than the other date column's")
