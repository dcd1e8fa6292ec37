"""Profiles: which canonical fields a release's tables hold, found by fuzzy header matching.

A profile is a TOML file under `normalize/data/profiles/` (one per release type). Each of its
table kinds lists header aliases per canonical field; a table is claimed by the kind whose
aliases match the most header cells (at least `min_fields`, all `required` ones). Tables no
profile claims stay generic: header → value, never dropped.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rapidfuzz import fuzz, process

# A header cell matches an alias at or above this rapidfuzz ratio (after normalization).
HEADER_MATCH = 86


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


def _match_kind(header: list[str], kind: TableKind) -> tuple[dict[int, str], dict[int, float]]:
    """Best one-to-one assignment of header cells to fields, greedy by score."""
    pairs = []
    for col, text in enumerate(header):
        h = norm_header(text)
        if not h:
            continue
        for fname, aliases in kind.fields.items():
            best = process.extractOne(h, aliases, scorer=fuzz.ratio)
            if best and best[1] >= HEADER_MATCH:
                pairs.append((best[1], col, fname))
    columns: dict[int, str] = {}
    scores: dict[int, float] = {}
    # best score first; on a tie the leftmost column (a header repeating a sub-header word,
    # "Handgun" under two groups, names its primary column first)
    for score, col, fname in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if col in columns or fname in columns.values():
            continue
        columns[col] = fname
        scores[col] = score
    return columns, scores


def match_table(header: list[str], profile: Profile) -> HeaderMatch | None:
    """The table kind of `profile` that claims this header, or None."""
    best: HeaderMatch | None = None
    for kind in profile.tables:
        columns, scores = _match_kind(header, kind)
        if len(columns) < kind.min_fields or not set(kind.required) <= set(columns.values()):
            continue
        cand = HeaderMatch(profile.name, kind.kind, columns, scores, kind.types)
        if best is None or (len(cand.columns), cand.score) > (len(best.columns), best.score):
            best = cand
    return best
