"""What a column holds, read from its cells: the evidence that maps columns when headers fail.

Releases name the same column a dozen ways (`AOR`, `Area of Resp.`, `Law Enforcement Agency`),
split headers over lines, or print none on a continuation page, and a header word can mislead:
`Declined` is a date in a detainer table and a count in a jail list. The cells do not lie in
that way, so each column gets a profile: the share of its filled cells that read as each kind of
content. Profiles (normalize.profiles) use it to confirm or overrule a header alias and to map
columns no alias names.

Kinds of content: `date`, `count`, `state`, `county` (a county name a gazetteer knows, or a name
with a county designator), `facility` (a jail's name), `offense` (text the NCIC tagger reads),
`aor` (an ICE area of responsibility), `redaction` (FOIA exemption marks only), `rank` (1, 2,
3 ... down the rows: a rank or line number), `label` (short text that is none of those).
Redacted cells are left out of every share but `redaction`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from normalize.county_names import facility_key, parse_jurisdiction
from normalize.dates import read_date
from normalize.fields import clean_text, normalize_count, redaction_codes
from normalize.states import read_state

# How many filled cells of a column are read (the first rows of the table).
SAMPLE = 60
# A column "holds" a kind when at least this share of its filled, unredacted cells read as it.
HOLDS = 0.6
_FACILITY_WORDS = re.compile(
    r"\b(jail|detention|correctional|corrections?|sheriff'?s?|prison|penitentiary|"
    r"justice (center|complex)|processing center|holding|lock-?up|facility|"
    r"adult (detention|center)|service processing|department of corrections|doc|cdc)\b",
    re.IGNORECASE)
_AOR = re.compile(r"area of resp|\baor\b|field office", re.IGNORECASE)
_WORDS = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class ColumnContent:
    """Shares (0-1) of a column's filled cells by kind of content, and how many were read."""

    shares: dict[str, float] = field(default_factory=dict)
    filled: int = 0
    mean_length: float = 0.0

    def share(self, kind: str) -> float:
        return self.shares.get(kind, 0.0)

    @property
    def main(self) -> tuple[str, float]:
        """The kind most of the column holds, and its share ("" when the column is empty)."""
        if not self.shares:
            return "", 0.0
        return max(self.shares.items(), key=lambda kv: (kv[1], kv[0]))


@lru_cache(maxsize=1)
def _aor_labels() -> frozenset[str]:
    from normalize.jurisdictions import Gazetteer, aor_key

    gaz = Gazetteer.load()
    return frozenset(aor_key(k) for k in gaz.aor_labels())


def _is_county(text: str) -> bool:
    from normalize.jurisdictions import Gazetteer

    if read_state(text).method in ("code", "name", "style"):
        return False  # "Washington", "Iowa": a state column, not a county column
    parsed = parse_jurisdiction(text)
    if not parsed.key:
        return False
    if parsed.kind == "county":
        return True
    return Gazetteer.load().knows_name(parsed.key)


def _is_facility(text: str) -> bool:
    from normalize.jurisdictions import Gazetteer

    return bool(_FACILITY_WORDS.search(text)) or Gazetteer.load().knows_facility(
        facility_key(text))


def _is_aor(text: str) -> bool:
    from normalize.jurisdictions import aor_key

    return bool(_AOR.search(text)) or aor_key(text) in _aor_labels()


def cell_kinds(text: str) -> set[str]:
    """Every kind of content one cell text reads as (a cell can be several: "Harris" is a
    county, "12" a count)."""
    kinds: set[str] = set()
    # A bare 5-digit number reads as an Excel serial date, but in a column it is as likely a
    # ZIP code or a count: only written dates count as dates here.
    if not text.replace(".", "").isdigit() and read_date(text).ok:
        kinds.add("date")
    elif normalize_count(text).ok:
        kinds.add("count")
    if len(text) <= 24 and read_state(text).usps:
        kinds.add("state")
    if "date" in kinds or "count" in kinds:
        return kinds
    if _is_aor(text):
        kinds.add("aor")
    if _is_facility(text):
        kinds.add("facility")
    elif _is_county(text):
        kinds.add("county")
    if not kinds and _WORDS.search(text) and len(text) <= 30:
        kinds.add("label")
    return kinds


def _is_rank(cells: list[str]) -> bool:
    """Integers that go up by one from row to row (a Rank or No. column)."""
    values = [normalize_count(t).value for t in cells]
    if len(values) < 3 or any(not isinstance(v, int) for v in values):
        return False
    return all(b == a + 1 for a, b in zip(values, values[1:]))


def profile_column(texts: Sequence[str], offenses: bool = True) -> ColumnContent:
    """The content profile of one column from its cell texts (header rows excluded)."""
    cells = [t for t in (clean_text(x) for x in texts) if t][:SAMPLE]
    if not cells:
        return ColumnContent()
    redacted = [t for t in cells if redaction_codes(t)]
    plain = [t for t in cells if not redaction_codes(t)]
    counts: dict[str, int] = {}
    for t in plain:
        for k in cell_kinds(t):
            counts[k] = counts.get(k, 0) + 1
    n = max(len(plain), 1)
    shares = {k: v / n for k, v in counts.items()}
    if _is_rank(plain):
        # 1, 2, 3 ... down the rows: a rank or line number, not a count of anything
        shares["rank"] = shares.pop("count", 0.0)
    if offenses and plain:
        from normalize.offenses import OffenseTagger

        tagged = OffenseTagger.load().tag_many(plain)
        shares["offense"] = sum(1 for m in tagged if m.categories) / n
    shares["redaction"] = len(redacted) / len(cells)
    mean = sum(len(t) for t in plain) / n if plain else 0.0
    return ColumnContent(shares, len(cells), mean)
