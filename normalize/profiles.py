"""Profiles: which canonical fields a release's tables hold, found by fuzzy header matching.

A profile is a TOML file under `normalize/data/profiles/` (one per release type). Each of its
table kinds lists header aliases per canonical field; a table is claimed by the kind whose
aliases match the most header cells (at least `min_fields`, all `required` ones). Tables no
profile claims stay generic: header → value, never dropped.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from normalize.mapping import HEADER_MATCH, Columns, map_columns

__all__ = ["HEADER_MATCH", "HeaderMatch", "Profile", "TableKind", "load_profile", "match_table"]


@dataclass(frozen=True)
class TableKind:
    """One kind of table a release contains (e.g. declined detainers, county counts)."""

    kind: str
    fields: dict[str, tuple[str, ...]]
    types: dict[str, str] = field(default_factory=dict)
    min_fields: int = 2
    required: tuple[str, ...] = ()
    allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # "required": the county must resolve (else the row is rejected); "optional": resolve when
    # possible (a policy may name a city or a state); "": no jurisdiction in this kind.
    jurisdiction: str = ""
    offense_field: str = ""
    # field → the fields it must equal the sum of, row by row (NICS: totals = every column).
    sums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # field → a regex read from the text of the table's page ("September 2023" above a NICS
    # table): the named groups, or the whole match, give the field's value for every row.
    context: dict[str, str] = field(default_factory=dict)
    # field → the kind of content its cells hold, beyond its type (normalize.column_content:
    # county, facility, offense, aor): lets the cells confirm a header or stand in for one.
    content: dict[str, str] = field(default_factory=dict)
    # Two date fields whose values ascend within a row (issued, then declined).
    ascending: tuple[str, ...] = ()
    # The field a row is about ("facility" in a jail list): on a tie between two kinds, the one
    # whose key is the leftmost column claims the table.
    key: str = ""
    # Fields printed once per group of rows and blank below (normalize.groups).
    carry: tuple[str, ...] = ()
    # Fields a table must have columns for to be claimed by this kind (default: `required`);
    # `required` is what every row must fill (a jail list needs its facility column, but a
    # row may leave the facility blank when its county is given).
    claim: tuple[str, ...] = ()

    @property
    def claim_fields(self) -> tuple[str, ...]:
        return self.claim or self.required

    def __hash__(self) -> int:  # kinds are loaded once per profile; identity is enough
        return id(self)


@dataclass(frozen=True)
class NarrativeClaim:
    """A number a release states in its text, and the table value it must agree with."""

    claim: str
    pattern: str
    compare: str  # "total:<kind>.<field>" or "rows:<kind>"


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    tables: tuple[TableKind, ...]
    narrative: tuple[NarrativeClaim, ...] = ()

    def kind(self, name: str) -> TableKind:
        return next(k for k in self.tables if k.kind == name)


@dataclass(frozen=True)
class HeaderMatch:
    """How a profile claims a table: the kind and which column holds which field."""

    profile: str
    kind: str
    columns: dict[int, str]  # column index → canonical field
    scores: dict[int, float]
    types: dict[str, str]
    how: dict[int, str] = field(default_factory=dict)  # "alias" | "fuzzy alias" | "content"
    notes: tuple[str, ...] = ()  # headers the cells overruled, and why

    def describe(self) -> list[dict]:
        """Column by column, how each field was mapped (stored as `tables.mapping`)."""
        return [{"column": c + 1, "field": f, "how": self.how.get(c, "alias"),
                 "score": round(self.scores.get(c, 0.0), 1)} for c, f in self.columns.items()]

    @property
    def score(self) -> float:
        return sum(self.scores.values()) / (100 * max(len(self.scores), 1))


def norm_header(text: str) -> str:
    """Lower case, punctuation and footnote marks out, spaces folded."""
    t = re.sub(r"[^0-9a-z]+", " ", text.lower())
    return " ".join(t.split())


def load_profile(source: str | Path) -> Profile:
    """A profile by bundled name ("ddor") or by path to a TOML file."""
    path = Path(source)
    if path.suffix == ".toml" and path.exists():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    else:
        res = resources.files("normalize.data").joinpath("profiles", f"{source}.toml")
        if not res.is_file():
            raise ValueError(f"no profile named {source!r}; bundled: {', '.join(bundled())}")
        data = tomllib.loads(res.read_text(encoding="utf-8"))
    try:
        return _profile_from(data)
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise ValueError(f"invalid profile {source}: {exc!r} (needs name and [[tables]] "
                         "with kind and fields)") from exc


def _profile_from(data: dict) -> Profile:
    kinds = tuple(
        TableKind(
            kind=t["kind"],
            fields={k: tuple(norm_header(a) for a in v) for k, v in t["fields"].items()},
            types=dict(t.get("types", {})),
            min_fields=int(t.get("min_fields", 2)),
            required=tuple(t.get("required", ())),
            allowed={k: tuple(v) for k, v in t.get("allowed", {}).items()},
            jurisdiction=t.get("jurisdiction", ""),
            offense_field=t.get("offense_field", ""),
            sums={k: tuple(v) for k, v in t.get("sums", {}).items()},
            context=dict(t.get("context", {})),
            content=dict(t.get("content", {})),
            ascending=tuple(t.get("ascending", ())),
            key=t.get("key", ""),
            carry=tuple(t.get("carry", ())),
            claim=tuple(t.get("claim", ())),
        )
        for t in data.get("tables", [])
    )
    for k in kinds:
        for pattern in k.context.values():
            re.compile(pattern)
        for total, parts in k.sums.items():
            unknown = [f for f in (total, *parts) if f not in k.fields]
            if unknown:
                raise ValueError(f"sums of kind {k.kind} name unknown fields {unknown}")
    claims = tuple(NarrativeClaim(c["claim"], c["pattern"], c["compare"])
                   for c in data.get("narrative", []))
    for c in claims:
        re.compile(c.pattern)
    return Profile(data["name"], data.get("description", ""), kinds, claims)


@lru_cache(maxsize=8)
def cached_profile(source: str) -> Profile:
    return load_profile(source)


def bundled() -> list[str]:
    folder = resources.files("normalize.data").joinpath("profiles")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


# A table claimed from its cells alone (no header alias at all) needs this many fields.
CONTENT_ONLY_FIELDS = 3


def match_table(header: list[str], profile: Profile,
                samples: Sequence[Sequence[str]] | Columns = ()) -> HeaderMatch | None:
    """The table kind of `profile` that claims this table, or None.

    `samples`: per column, the texts of its first data cells. With them, the cells confirm or
    overrule header aliases and map the columns no alias names (normalize.mapping); without,
    only the header counts.
    """
    cols = (samples.with_header(header) if isinstance(samples, Columns)
            else Columns(header, samples))
    best: HeaderMatch | None = None
    best_key = None
    for kind in profile.tables:
        found, notes = map_columns(cols, kind, norm_header)
        fields = {m.field for m in found}
        if len(found) < kind.min_fields or not set(kind.claim_fields) <= fields:
            continue
        if all(m.how == "content" for m in found) and len(found) < max(kind.min_fields,
                                                                       CONTENT_ONLY_FIELDS):
            continue
        cand = HeaderMatch(profile.name, kind.kind, {m.column: m.field for m in found},
                           {m.column: m.score for m in found}, kind.types,
                           {m.column: m.how for m in found}, tuple(notes))
        key_col = next((m.column for m in found if m.field == kind.key), cols.n)
        rank = (len(cand.columns), cand.score, -key_col)
        if best is None or rank > best_key:
            best, best_key = cand, rank
    return best


# Rows under a header that may be the rest of it, split over lines extraction did not join.
MAX_SPILL = 4
# A table needs this many rows holding values before lines above them are taken as header.
MIN_VALUED = 3


def _named(match: HeaderMatch | None) -> int:
    return sum(1 for h in (match.how.values() if match else ()) if h != "content")


def read_header(head, rows: Sequence, profile: Profile) -> tuple[HeaderMatch | None, int]:
    """The kind claiming a table, and how many of its first data rows are header lines.

    A header split over two or three lines ("Area of / Responsibility", "Detainer / Issued")
    can reach normalization as a header row and data rows, or as data rows only. The first
    rows are taken as header lines when they hold no value (no date, count or redaction) and
    either joining them to the header lets more columns be named by an alias than before, or
    they hold words in a column whose cells below are dates or counts.
    """
    from extract.rows import is_typed
    from normalize.fields import redaction_codes

    ncols = max([len(head.header), *(len(r.cells) for r in rows)], default=0)
    header = list(head.header) + [""] * (ncols - len(head.header))

    # Rows holding a value: header lines extraction took for data (a scan's garbled labels)
    # must not dilute what the columns are read to hold.
    valued = [r for r in rows if any(is_typed(c.text) for c in r.cells)]

    def samples(skip: int) -> list[list[str]]:
        body = valued or rows[skip:]
        return [[r.cells[c].text if c < len(r.cells) else "" for r in body]
                for c in range(ncols)]

    cols = Columns(header, samples(0))
    best, spill = match_table(header, profile, cols), 0
    for k in range(1, min(MAX_SPILL, len(rows) - 1) + 1):
        texts = [c.text for c in rows[k - 1].cells]
        if any(is_typed(t) or redaction_codes(t) for t in texts) or not any(texts):
            break
        joined = [" ".join(t for t in [h, *(r.cells[c].text if c < len(r.cells) else ""
                                               for r in rows[:k])] if t.strip())
                  for c, h in enumerate(header)]
        # a header line holds no value, so it is never among the valued rows the columns were
        # profiled from: the same profiles serve (only a table with no value at all re-reads)
        cand = match_table(joined, profile, cols.with_header(joined) if valued
                           else Columns(joined, samples(k)))
        if _named(cand) > _named(best):
            best, spill = cand, k
        elif best and spill == k - 1 and (_label_in_typed(texts, best) or (
                len(valued) >= MIN_VALUED)):
            # "Lodged" under "Date Detainer": words where the column has values; or a line
            # above the first row holding any value at all (a scan's garbled header)
            spill = k
    return best, spill


def _label_in_typed(texts: list[str], match: HeaderMatch) -> bool:
    """A row with words in a date or count column of the match, and no value anywhere."""
    typed = [c for c, f in match.columns.items() if match.types.get(f) in ("date", "count")]
    return bool(typed) and any(c < len(texts) and texts[c].strip() for c in typed)
