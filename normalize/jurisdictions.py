"""Jurisdictions as releases write them → Census counties with FIPS, refusing to guess twins.

Matching order: exact (normalized name + state) → alias → facility → fuzzy (within the state).
A name that fits two county-equivalents of one state ("Baltimore" MD: the county 24005 and the
city 24510) is a twin: it is returned `ambiguous` with both FIPS, never picked. `addfips` would
silently return the city (see ARCHITECTURE.md, "Twins").

Data: every county and county-equivalent from addfips' bundled Census 2020 list, plus
normalize/data/county_aliases.csv, facilities.csv and aor_states.csv (sources in SOURCES.md).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from rapidfuzz import fuzz, process

from normalize.county_names import ParsedName, facility_key, fold, parse_jurisdiction
from normalize.datafiles import data_rows
from normalize.fields import clean_text, normalize_state, redaction_codes
from normalize.states import edit_distance

COUNTY_VINTAGE = "data/counties_2020.csv"  # inside the addfips package
FUZZY_THRESHOLD = 88.0  # rapidfuzz score (0-100) a county name must reach
FUZZY_MARGIN = 3.0  # top two candidates closer than this → ambiguous, not a guess
FACILITY_THRESHOLD = 90.0  # token_set_ratio for facility names
FACILITY_MARGIN = 3.0  # facilities this close with different counties → no answer
MIN_FUZZY_LENGTH = 4  # shorter texts ("Kin", "San") are never fuzzy-matched
NEAR_MISS = 60.0  # lower scores are not worth showing as "closest"
MAX_LENGTH_RATIO = 1.5  # a county name this much longer or shorter is another name
# Words every jail name has; a fuzzy facility match must share at least one other word.
_GENERIC_FACILITY_WORDS = frozenset(
    "county jail detention center correctional correction corrections facility department "
    "sheriff sheriffs office adult regional justice complex house of the and main processing "
    "service services contract hold room holdroom institution federal unit city police".split())


@dataclass(frozen=True)
class JurisdictionMatch:
    """The county a jurisdiction text names, or why it names none or several."""

    county: str | None  # Census name, e.g. "Miami-Dade County", "Baltimore city"
    state: str | None  # USPS code
    county_fips: str | None  # 5-digit text
    method: str  # "exact" | "alias" | "facility" | "fuzzy" | "none" | "ambiguous"
    score: float  # 0-1
    candidates: tuple[str, ...] = ()  # FIPS when ambiguous (>= 2), or near misses for none
    reason: str | None = None  # why none/ambiguous, in words a data editor understands


@dataclass(frozen=True)
class _Name:
    """One way of writing a county: a Census name or an alias."""

    fips: str
    state: str
    kind: str | None
    text: str
    method: str  # "exact" (Census name) | "alias"


def census_counties() -> Iterator[tuple[str, str, str]]:
    """(fips, USPS state, name) for every row of addfips' Census list, old names included."""
    usps = {row["fips"]: row["usps"] for row in data_rows("states.csv")}
    path = resources.files("addfips").joinpath(COUNTY_VINTAGE)
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["statefp"] in usps:  # 74 (Midway Islands) has no USPS code
                yield row["statefp"] + row["countyfp"], usps[row["statefp"]], row["name"]


def aor_key(text: str) -> str:
    """Comparable AOR label: "St. Paul Area of Responsibility" = "ST PAUL" (codes: "spm")."""
    return " ".join(fold(text).replace(".", " ").split()).removesuffix(" area of responsibility")


def name_score(a: str, b: str) -> float:
    """rapidfuzz score of two county names, 0 when one is 1.5 times the other's length.

    WRatio scores a name inside a longer one as a partial match ("Brownsville" ~ "Brown" at
    90); a typo does not change the length that much, a different place name does.
    """
    if max(len(a), len(b)) >= MAX_LENGTH_RATIO * min(len(a), len(b)):
        return 0.0
    return max(fuzz.WRatio(a, b), fuzz.token_sort_ratio(a, b))


def _compatible(kind: str | None, wanted: str | None) -> bool:
    """"Baltimore County" cannot be the city; a bare "Baltimore" can be either."""
    return wanted is None or kind is None or kind == wanted


class Gazetteer:
    """County lookup with aliases, a facility table and fuzzy matching; build with `load()`."""

    def __init__(self, census: Iterable[tuple[str, str, str]], aliases: Iterable[dict],
                 facilities: Iterable[dict] = (), aor_states: dict[str, frozenset] | None = None):
        aliases = list(aliases)
        alias_names = {(r["county_fips"], fold(r["alias"])) for r in aliases}
        self.names: dict[str, str] = {}  # fips → Census name
        self.states: dict[str, str] = {}  # fips → USPS
        entries: list[_Name] = []
        for fips, state, name in census:
            old = (fips, fold(name)) in alias_names
            if not old:
                self.names.setdefault(fips, name)
            self.states[fips] = state
            parsed = parse_jurisdiction(name)
            entries.append(_Name(fips, state, parsed.kind, parsed.text,
                                 "alias" if old else "exact"))
        for row in aliases:
            parsed = parse_jurisdiction(row["alias"])
            entries.append(_Name(row["county_fips"], row["state"], parsed.kind, parsed.text,
                                 "alias"))
        self._by_key: dict[str, list[_Name]] = {}
        self._by_state: dict[str, list[_Name]] = {}
        for e in entries:
            self._by_key.setdefault(e.text.replace(" ", ""), []).append(e)
            self._by_state.setdefault(e.state, []).append(e)
        self._facilities: dict[str, list[tuple[str, str]]] = {}  # key → [(state, fips)]
        self._detlocs: dict[str, str] = {}
        for row in facilities:
            self._facilities.setdefault(facility_key(row["name"]), []).append(
                (row["state"], row["county_fips"]))
            if row.get("detloc"):
                self._detlocs[row["detloc"].upper()] = row["county_fips"]
        self._aor_states = aor_states or {}
        # Distinct readings kept: a release repeats its few thousand jurisdictions; more would
        # only make memory grow with the length of a release of unique values.
        self._match = lru_cache(maxsize=8192)(self._match_uncached)

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> Gazetteer:
        """The packaged gazetteer, loaded once."""
        aor: dict[str, frozenset] = {}
        for row in data_rows("aor_states.csv"):
            states = frozenset(row["states"].split(";"))
            for label in (row["aor"], row["code"]):
                if label:
                    aor[aor_key(label)] = states
        return cls(census_counties(), list(data_rows("county_aliases.csv")),
                   list(data_rows("facilities.csv")), aor)

    def match(self, raw: str | None, state: str | None = None, *, facility: str | None = None,
              aor: str | None = None) -> JurisdictionMatch:
        """The county `raw` names (in `state` when given), or why none or several."""
        return self._match(clean_text(raw), clean_text(state), clean_text(facility),
                           clean_text(aor))

    def aor_labels(self) -> list[str]:
        """Every AOR name and code the AOR table knows (folded), for column profiling."""
        return list(self._aor_states)

    def knows_name(self, key: str) -> bool:
        """Whether some county or alias has this key ("harris", "miamidade")."""
        return key in self._by_key

    def knows_facility(self, key: str) -> bool:
        """Whether the facility table has a jail of this key (normalize.county_names)."""
        return key in self._facilities

    def describe(self, fips: str) -> JurisdictionMatch | None:
        """The Census county a FIPS code names (for hand corrections), None if no such code."""
        return self._found(fips, "exact", 1.0) if fips in self.names else None

    # -- steps ---------------------------------------------------------------------------------

    def lookup(self, parsed: ParsedName, state: str | None, method: str) -> list[_Name]:
        """Names with this key and a compatible designator, of one method, in `state` if given."""
        return [e for e in self._by_key.get(parsed.key, ())
                if e.method == method and (state is None or e.state == state)
                and _compatible(e.kind, parsed.kind)]

    def match_name(self, parsed: ParsedName, state: str | None, raw: str = ""
                   ) -> JurisdictionMatch | None:
        """Exact, then alias; with no state, a name must be unique in the whole country."""
        exact = self.lookup(parsed, state, "exact")
        alias = self.lookup(parsed, state, "alias")
        if state is None:
            found = exact + [a for a in alias if a.fips not in {e.fips for e in exact}]
        else:
            found = exact or alias
        if not found and parsed.kind == "city":  # "James City" is James City County
            return self.match_name(ParsedName(parsed.key + "city", parsed.text + " city", None),
                                   state, raw)
        fips = sorted({e.fips for e in found})
        if len(fips) == 1:
            return self._found(fips[0], found[0].method, 1.0)
        if fips:
            return self._ambiguous(raw or parsed.text, state, fips)
        return None

    def match_facility(self, facility: str, state: str | None
                       ) -> tuple[str | None, float, str]:
        """(county FIPS, score, "") of a facility given by DETLOC code or name, or
        (None, 0, why) when the table has no such facility or it names several counties."""
        where = f" in {state}" if state else ""
        if facility.upper() in self._detlocs:
            fips = self._detlocs[facility.upper()]
            if state in (None, self.states.get(fips)):
                return fips, 1.0, ""
            return None, 0.0, f"facility {facility!r} is in {self.states[fips]}, not {state}"
        key = facility_key(facility)
        hits = {f for s, f in self._facilities.get(key, ()) if state in (None, s)}
        if len(hits) == 1:
            return hits.pop(), 1.0, ""
        if not hits and len(key) >= MIN_FUZZY_LENGTH:
            choices = [k for k, rows in self._facilities.items()
                       if any(state in (None, s) for s, _ in rows)]
            found = process.extract(key, choices, scorer=fuzz.token_set_ratio,
                                    score_cutoff=FACILITY_THRESHOLD, limit=20)
            best = found[0][1] if found else 0.0
            words = set(key.split()) - _GENERIC_FACILITY_WORDS
            near = [k for k, score, _ in found if score >= best - FACILITY_MARGIN
                    and words & set(k.split())]
            hits = {f for k in near for s, f in self._facilities[k] if state in (None, s)}
            if len(hits) == 1:
                return hits.pop(), round(best / 100, 4), ""
        if not hits and state:
            hits = self._facility_by_words(key, state)
            if len(hits) == 1:
                return hits.pop(), 0.85, ""
        if hits:
            return None, 0.0, (f"facility {facility!r}{where} is in more than one county "
                               f"({', '.join(sorted(hits))})")
        return None, 0.0, f"facility {facility!r}{where} is not in the facility table"

    def _facility_by_words(self, key: str, state: str) -> set[str]:
        """Counties of the state's jails whose distinctive words (not "county", "jail",
        "center"...) are all in this name or contain all of its own: "Joe Corley Processing
        Ctr" is the "Joe Corley Detention Facility". Several counties: no answer."""
        words = set(key.split()) - _GENERIC_FACILITY_WORDS
        if not words or sum(len(w) for w in words) < 6:
            return set()
        hits: set[str] = set()
        for k, rows in self._facilities.items():
            other = set(k.split()) - _GENERIC_FACILITY_WORDS
            # the same distinctive words, or two or more of one name's all in the other: one
            # word ("Houston") is a place, and a place has many jails
            if other == words or (min(len(other), len(words)) >= 2
                                  and (other <= words or words <= other)):
                hits |= {f for s, f in rows if s == state}
        return hits

    def county_in_facility_name(self, facility: str, state: str | None
                                ) -> JurisdictionMatch | None:
        """"Travis County Correctional Complex" names Travis County: a jail the facility table
        does not know still names its county when the name says "County" or "Parish" (a city
        jail, "Sheriff's Office" alone, or a bare name says nothing and gives nothing)."""
        parsed = parse_jurisdiction(facility)
        if not parsed.key:
            return None
        if parsed.kind == "city" and state and re.match(r"\s*city of\b", facility, re.I):
            # "City of Alexandria Detention Center": a city that is its own county-equivalent
            # (Virginia's independent cities, Baltimore, St. Louis) names it; others give none.
            named = self.match_name(parsed, state, facility)
            if named and named.method != "ambiguous":
                return replace(named, method="facility", score=0.9, reason=(
                    f"county-equivalent city named in the facility's name {facility!r}"))
            return None
        if parsed.kind != "county" or not re.search(
                r"\b(county|parish|co\.|cnty|borough)\b", facility, re.IGNORECASE):
            return None
        named = self.match_name(parsed, state or parsed.state, facility)
        if named and named.method != "ambiguous":
            return replace(named, method="facility", score=0.9, reason=(
                f"county named in the facility's name {facility!r}"))
        return None

    def match_fuzzy(self, parsed: ParsedName, states: Iterable[str], raw: str = ""
                    ) -> tuple[JurisdictionMatch | None, list[tuple[str, float]]]:
        """Best county by rapidfuzz within `states`; (match or None, near misses)."""
        pool = [e for s in states for e in self._by_state.get(s, ())
                if _compatible(e.kind, parsed.kind)]
        if len(parsed.text) < MIN_FUZZY_LENGTH or not pool:
            return None, []
        best: dict[str, float] = {}
        for e in pool:
            best[e.fips] = max(best.get(e.fips, 0.0), name_score(parsed.text, e.text))
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        top_fips, top = ranked[0]
        if top < FUZZY_THRESHOLD:
            return None, [(f, s) for f, s in ranked[:3] if s >= NEAR_MISS]
        close = [f for f, s in ranked if s > top - FUZZY_MARGIN]
        if len(close) > 1:
            return self._ambiguous(raw or parsed.text, None, sorted(close), fuzzy=True), ranked[:3]
        return self._found(top_fips, "fuzzy", round(top / 100, 4)), ranked[:3]

    def match_near_miss(self, parsed: ParsedName, state: str | None, raw: str = ""
                        ) -> JurisdictionMatch | None:
        """A typo or OCR misreading unique within one state ("Hennipen" MN, "Alamdea" CA,
        "Ciark" NV, "C0bb" GA): a state has tens of counties, not thousands, so a name strictly
        closer to one of them than to any other (one edit, two from eight letters; a short name
        only by OCR's confusions) names it. Counties as close as each other (twins, "Baltimore"
        city and county) give `ambiguous`, never a pick. With no state, only a pure OCR
        confusion is read, and it must name one county in the whole country.
        """
        key = parsed.key
        if len(key) < 3:
            return None
        allowed = 0 if len(key) < 5 or state is None else 1 if len(key) < 8 else 2
        pool = self._by_state.get(state, ()) if state else (
            e for es in self._by_state.values() for e in es)
        best: dict[str, int] = {}
        for e in pool:
            if not _compatible(e.kind, parsed.kind):
                continue
            other = e.text.replace(" ", "")
            if abs(len(other) - len(key)) > allowed + 2:
                continue
            d = edit_distance(key, other, allowed + 2)
            if d < best.get(e.fips, allowed + 2):
                best[e.fips] = d
        ranked = sorted((d, f) for f, d in best.items())
        if not ranked:
            return None
        top = ranked[0][0]
        rivals = [f for d, f in ranked if d == top]
        if top > allowed:
            # Too far to read; a short gap ("Ma on", "Hal") one edit from several is ambiguous.
            close = [f for d, f in ranked if d <= 1]
            if state and len(key) < 5 and len(close) > 1:
                return self._ambiguous(raw or parsed.text, state, sorted(close), fuzzy=True)
            return None
        if len(rivals) > 1:
            return self._ambiguous(raw or parsed.text, state, sorted(rivals), fuzzy=True)
        score = 1 - top / max(len(key), 1)
        return self._found(ranked[0][1], "fuzzy", round(score, 4))

    # -- the pipeline --------------------------------------------------------------------------

    def _match_uncached(self, raw: str, state_text: str, facility: str, aor: str
                        ) -> JurisdictionMatch:
        state = normalize_state(state_text).value if state_text else None
        notes = [f"state {state_text!r} is not a US state"] if state_text and not state else []
        parsed = parse_jurisdiction(raw) if raw and not redaction_codes(raw) else None
        if parsed and parsed.state:
            if state and parsed.state != state:
                return self._none(f"the text says {parsed.state} but the state is {state}")
            state = parsed.state
        named = self.match_name(parsed, state, raw) if parsed and parsed.key else None
        if named and named.method != "ambiguous":
            return named
        if redaction_codes(facility):
            facility = ""
        at, at_score, at_why = self.match_facility(facility, state) if facility else (None, 0, "")
        if at and named is None:
            return self._found(at, "facility", at_score)
        if not at and facility and (not parsed or not parsed.key) and (
                by_name := self.county_in_facility_name(facility, state)):
            return by_name
        if at and at in named.candidates:  # a twin, settled by where the person was held
            return replace(self._found(at, "facility", at_score), reason=(
                f"{named.reason}; the facility {facility!r} is in {self.names[at]}"))
        if named:
            return named
        if not parsed or not parsed.key:
            why = "redacted" if raw else "blank"
            return self._none(f"jurisdiction is {why}" + (f" and {at_why}" if at_why else ""))
        states = [state] if state else sorted(self._aor_states.get(aor_key(aor), self._by_state))
        fuzzy, near = self.match_fuzzy(parsed, states, raw)
        if fuzzy and fuzzy.method != "ambiguous":
            return fuzzy
        # Edits settle what rapidfuzz's ratio cannot ("Bexer" is as close to Bee as to Bexar by
        # ratio, one edit from Bexar only); a tie there stays ambiguous.
        near_miss = self.match_near_miss(parsed, state, raw)
        if near_miss or fuzzy:
            return near_miss or fuzzy
        where = f" in {state}" if state else (f" in the {aor} AOR" if aor else "")
        closest = "; closest: " + ", ".join(
            f"{self.names[f]} {self.states[f]} {f} ({s:.0f}%)" for f, s in near) if near else ""
        return self._none(f"no county or county-equivalent{where} is named {raw!r}"
                          + closest + "".join(f"; {n}" for n in [*notes, at_why] if n),
                          tuple(f for f, _ in near))

    # -- results -------------------------------------------------------------------------------

    def _found(self, fips: str, method: str, score: float) -> JurisdictionMatch:
        return JurisdictionMatch(self.names[fips], self.states[fips], fips, method, score)

    def _ambiguous(self, text: str, state: str | None, fips: list[str], *, fuzzy: bool = False
                   ) -> JurisdictionMatch:
        options = ", ".join(f"{self.names[f]} {self.states[f]} ({f})" for f in fips)
        where = f" in {state}" if state else ""
        why = (f"{text!r} is as close to {options}; refusing to guess" if fuzzy else
               f"{text!r}{where} could be {options}; the text does not say which")
        states = {self.states[f] for f in fips}
        return JurisdictionMatch(None, states.pop() if len(states) == 1 else None, None,
                                 "ambiguous", 0.0, tuple(fips), why)

    @staticmethod
    def _none(reason: str, near: tuple[str, ...] = ()) -> JurisdictionMatch:
        return JurisdictionMatch(None, None, None, "none", 0.0, near, reason)


def match_jurisdiction(raw: str | None, state: str | None = None, *,
                       facility: str | None = None, aor: str | None = None) -> JurisdictionMatch:
    """`Gazetteer.load().match(...)`: the county a release's jurisdiction cell names."""
    return Gazetteer.load().match(raw, state, facility=facility, aor=aor)
