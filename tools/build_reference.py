#!/usr/bin/env python
"""Build the facility → county table and the AOR → states table from the raw reference files.

    .venv/bin/python tools/build_reference.py [--reference /work/shared/reference] [--check]

Reads (never edits) the ICE Facility List of 11-06-2017 and the CC0 Deportation Data Project AOR
table (plus the hand files normalize/data/facility_fixes.csv and facilities_hand.csv), writes
normalize/data/facilities.csv and normalize/data/aor_states.csv, and prints a report:
rows in and out, every correction made to ICE's county field and why, the rows left out, a
cross-check against the UWCHR join (GPL, used for reporting only) and one of addfips' Census list
against the Census 2010 national_county.txt. `--check` writes nothing and exits 1 when the
committed files differ from a fresh build.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize.county_names import facility_key, fold  # noqa: E402
from normalize.jurisdictions import (  # noqa: E402
    COUNTY_VINTAGE,
    Gazetteer,
    JurisdictionMatch,
    census_counties,
    data_rows,
)

DATA = ROOT / "normalize" / "data"
ICE_LIST = "facilities/uwchr-ice-facilities__ICE_Facility_List_11-06-2017-web.xlsx"
ICE_SHEET = "Facility List - Main"
ICE_SOURCE = "ice-facility-list-2017-11-06"  # short tag, spelled out in SOURCES.md
UWCHR_JOIN = "facilities/uwchr-ice-facilities__join_output_facilities.csv.gz"
CENSUS_2010 = "census/census-2010-fips__national_county.txt"
# Later ICE facility lists (US government records, no county column): facilities opened or
# contracted after November 2017 (Caroline VA, La Palma AZ, Richwood LA ...) that later releases
# name. (file, sheet, 0-based header row, source tag spelled out in SOURCES.md)
LATER_LISTS = (
    ("facilities/uwchr-ice-facilities__2019-ICFO-31121.xlsx", "2019-ICFO-31121", 6,
     "ice-dmcp-list-2019-03-25"),
    ("facilities/uwchr-ice-facilities__dedicatedNonDedicatedFacilityList.xlsx",
     "ICE Dedicated Facilities", 5, "ice-dedicated-list-2019-08-05"),
    ("facilities/uwchr-ice-facilities__dedicatedNonDedicatedFacilityList.xlsx",
     "ICE Non-Dedicated Facilities", 5, "ice-dedicated-list-2019-08-05"),
    ("facilities/uwchr-ice-facilities__FY21_detentionStats07082021.xlsx",
     "Facilities FY21 YTD", 6, "ice-detention-stats-fy21"),
)
DDP_AOR = "aor/deportationdata-ice-offices__ice-areas-of-responsibility.csv"
FACILITY_COLUMNS = ["detloc", "name", "city", "state", "county_fips", "source", "note"]
# "X COUNTY JAIL", "X CO. JAIL", "X PARISH PRISON", "X CITY JAIL": the place a jail is named for
NAMED_FOR = re.compile(r"^(?P<name>.+?)\s+(?P<kind>COUNTY|CNTY|CO\.?|PARISH|CITY)\b", re.I)
STRONG = ("exact", "alias")
# Census names of county-equivalents that are also a city or town of the same name
CITY_COUNTIES = ("city", "City", "Municipio", "Municipality", "City and Borough")


def read_ice_list(reference: Path) -> list[dict[str, str]]:
    """Rows of the ICE list's main sheet (header on the 9th row), redacted rows included."""
    wb = openpyxl.load_workbook(reference / ICE_LIST, read_only=True, data_only=True)
    rows = wb[ICE_SHEET].iter_rows(values_only=True)
    for _ in range(8):
        next(rows)
    header = [str(h).strip() for h in next(rows)]
    out = []
    for values in rows:
        row = {h: ("" if v is None else str(v).strip()) for h, v in zip(header, values)}
        if row.get("DETLOC"):
            out.append(row)
    return out


def read_later_lists(reference: Path) -> list[dict[str, str]]:
    """Rows of the later ICE lists (LATER_LISTS) in the 2017 list's column names, County empty,
    each with its `source`; the first list naming a facility (name and state) wins."""
    out, seen = [], set()
    for path, sheet, header_row, source in LATER_LISTS:
        if not (reference / path).exists():
            continue
        wb = openpyxl.load_workbook(reference / path, read_only=True, data_only=True)
        rows = list(wb[sheet].iter_rows(values_only=True))
        head = [str(c or "").strip().upper() for c in rows[header_row]]
        for r in rows[header_row + 1:]:
            cell = {h: str(v).strip() if v is not None else "" for h, v in zip(head, r)}
            name, state = cell.get("NAME", ""), cell.get("STATE", "")
            if not name or len(state) != 2 or (facility_key(name), state) in seen:
                continue
            seen.add((facility_key(name), state))
            out.append({"DETLOC": cell.get("DETLOC", ""), "Name": name,
                        "Address": cell.get("ADDRESS", ""), "City": cell.get("CITY", ""),
                        "State": state, "County": "", "source": source})
    return out


def named_for(g: Gazetteer, name: str, state: str) -> JurisdictionMatch | None:
    """The county (or independent city) a facility is named for, if its name says one."""
    m = NAMED_FOR.match(name)
    if not m or not state:
        return None
    words = m.group("name").split()
    kind = {"CITY": "City", "PARISH": "Parish"}.get(m.group("kind").upper(), "County")
    fuzzy = None
    for n in range(min(4, len(words)), 0, -1):  # the longest county name before the word
        got = g.match(f"{' '.join(words[-n:])} {kind}", state)
        if kind == "City" and not (got.county or "").endswith(("city", "City")):
            continue
        if got.method in STRONG:
            return got
        fuzzy = fuzzy or (got if got.method == "fuzzy" else None)
    return fuzzy


def is_city_county(m: JurisdictionMatch | None) -> bool:
    """A county-equivalent that is a city too: VA independent cities, PR municipios, Juneau…"""
    return bool(m and m.method in STRONG and m.county.endswith(CITY_COUNTIES))


def describe(county: str, state: str, m: JurisdictionMatch | None) -> str:
    """What ICE's county field says, in words for the note."""
    if m and m.method in STRONG:
        return f"ICE county {county!r} is {m.county} ({m.county_fips})"
    if m and m.method == "ambiguous":
        return f"ICE county {county!r} could be any of {', '.join(m.candidates)}"
    return f"ICE county {county!r} is not a county of {state or 'an unknown state'}"


def first_pass(g: Gazetteer, row: dict) -> tuple[str | None, str]:
    """County from the row alone: its county field, checked against the name it bears."""
    county, state = row["County"], row["State"]
    by_county = g.match(county, state) if county and state else None
    by_name = named_for(g, row["Name"], state)
    said = describe(county, state, by_county)
    if by_name and by_name.method in STRONG:
        if by_county and by_county.county_fips == by_name.county_fips:
            return by_name.county_fips, ""
        return by_name.county_fips, (f"{said}, but the facility is named for {by_name.county} "
                                     f"({by_name.county_fips}); county taken from the name")
    if by_county and by_county.method in STRONG:
        return by_county.county_fips, ""
    if by_name and by_county and by_county.county_fips == by_name.county_fips:
        return by_name.county_fips, (f"ICE county {county!r} and the facility name both "
                                     f"misspell {by_name.county} ({by_name.county_fips})")
    return None, said


def second_pass(g: Gazetteer, row: dict, said: str, firm: dict[str, str], live: list[dict]
                ) -> tuple[str | None, str]:
    """County of a row the first pass left open, from the facilities around it."""
    state, city = row["State"], fold(row["City"])
    same_place = Counter(firm[r["DETLOC"]] for r in live if r["DETLOC"] in firm
                         and r["State"] == state and fold(r["Address"]) == fold(row["Address"])
                         and fold(r["City"]) == city and r["Address"])
    if len(same_place) == 1:
        fips = next(iter(same_place))
        return fips, f"{said}; county taken from the ICE facility at the same address"
    in_city = g.match(row["City"], state) if row["City"] and state else None
    if is_city_county(in_city):
        return in_city.county_fips, f"{said}; {row['City']} is itself a county-equivalent"
    if "could be" in said:  # a twin: the mailing city cannot tell the county from the city
        return None, said
    neighbours = Counter(firm[r["DETLOC"]] for r in live if r["DETLOC"] in firm
                         and r["State"] == state and fold(r["City"]) == city)
    if len(neighbours) == 1:
        fips, n = neighbours.most_common(1)[0]
        return fips, (f"{said}; county taken from the {n} other ICE "
                      f"facilit{'y' if n == 1 else 'ies'} in {row['City']}, {state}")
    return None, said + (f"; the other facilities in {row['City']} disagree" if neighbours else "")


def find_doubts(g: Gazetteer, out: list[dict]) -> list[str]:
    """Rows kept as ICE wrote them, not named for a county, whose city's other facilities all
    give one other county: reported for a person to check, not corrected."""
    by_city: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in out:
        by_city[(fold(r["city"]), r["state"])].append(r)
    lines = []
    for r in out:
        others = {o["county_fips"] for o in by_city[(fold(r["city"]), r["state"])] if o is not r}
        if (len(others) == 1 and r["county_fips"] not in others and not r["note"]
                and not named_for(g, r["name"], r["state"])):
            lines.append(f"  {r['detloc']:8} {r['name'][:44]:44} {r['city']}, {r['state']}: "
                         f"county {r['county_fips']}, other facilities there: {others.pop()}")
    return lines


def build_facilities(g: Gazetteer, rows: list[dict], fixes: dict, hand: list[dict],
                     later: list[dict] | None = None) -> tuple[list[dict], list[str]]:
    """facilities.csv rows and report lines."""
    live = [r for r in rows if r["DETLOC"].lower() != "redacted"]
    first = {r["DETLOC"]: first_pass(g, r) for r in live}
    firm = {d: fips for d, (fips, _note) in first.items() if fips}
    out, corrected, by_hand, dropped = [], [], [], []
    for r in live:
        fips, note = first[r["DETLOC"]]
        if r["DETLOC"] in fixes:
            fix = fixes[r["DETLOC"]]
            said = describe(r["County"], r["State"], g.match(r["County"], r["State"]))
            fips, note = fix["county_fips"], (f"{said}; corrected by hand: {fix['note']} "
                                              f"(source: {fix['source']})")
        elif fips is None:
            fips, note = second_pass(g, r, note, firm, live)
        line = f"  {r['DETLOC']:8} {r['Name'][:44]:44} {r['City']}, {r['State']}: {note}"
        if fips is None:
            dropped.append(line)
            continue
        (by_hand if r["DETLOC"] in fixes else corrected if note else []).append(line)
        out.append({"detloc": r["DETLOC"], "name": r["Name"], "city": r["City"],
                    "state": r["State"], "county_fips": fips, "source": ICE_SOURCE, "note": note})
    doubts = find_doubts(g, out)
    known = {(facility_key(r["name"]), r["state"]): r["county_fips"] for r in out}
    later_added, later_dropped = [], []
    for r in later or []:
        if (facility_key(r["Name"]), r["State"]) in known:
            continue
        key = r["DETLOC"] or f"{r['Name']}|{r['State']}"
        if key in fixes:
            fix = fixes[key]
            fips, note = fix["county_fips"], (f"no county in the list; by hand: {fix['note']} "
                                              f"(source: {fix['source']})")
        else:
            by_name = named_for(g, r["Name"], r["State"])
            if by_name and by_name.method in STRONG:
                fips, note = (by_name.county_fips,
                              f"no county in the list; named for {by_name.county}")
            else:
                fips, note = second_pass(g, r, "no county in the list", firm, live)
        line = f"  {key:8} {r['Name'][:44]:44} {r['City']}, {r['State']} ({r['source']}): {note}"
        if fips is None:
            later_dropped.append(line)
            continue
        later_added.append(line)
        known[(facility_key(r["Name"]), r["State"])] = fips
        out.append({"detloc": r["DETLOC"], "name": r["Name"], "city": r["City"],
                    "state": r["State"], "county_fips": fips, "source": r["source"],
                    "note": note})
    added, skipped = [], []
    for h in hand:
        same = known.get((facility_key(h["name"]), h["state"]))
        if same is not None:
            flag = "agrees" if same == h["county_fips"] else f"CONFLICT (ICE list: {same})"
            skipped.append(f"  {h['name']}, {h['state']}: already in the ICE list, {flag}")
            continue
        out.append({k: h.get(k, "") for k in FACILITY_COLUMNS})
        added.append(f"  {h['name']}, {h['state']} → {h['county_fips']}")
    out.sort(key=lambda r: (r["state"], facility_key(r["name"]), r["detloc"]))
    report = [f"ICE list rows: {len(rows)}; redacted: {len(rows) - len(live)}; "
              f"usable: {len(live)}",
              f"kept: {len(live) - len(dropped)} ({len(corrected)} county corrections derived "
              f"from the list itself, {len(by_hand)} from facility_fixes.csv); "
              f"dropped (county not resolvable): {len(dropped)}",
              f"later ICE lists: added {len(later_added)}, county not resolvable "
              f"{len(later_dropped)}",
              f"hand entries added: {len(added)}; already in the ICE list: {len(skipped)}",
              f"facilities.csv rows: {len(out)}", "", "Corrections derived from the list:",
              *corrected, "", "Corrections from facility_fixes.csv:", *by_hand, "",
              "Dropped:", *dropped, "",
              "Kept as ICE wrote them, but the other facilities in the city say otherwise:",
              *doubts, "", "Later ICE lists, added:", *later_added, "",
              "Later ICE lists, county not resolvable (left out):", *later_dropped, "",
              "Hand entries:", *added, *skipped]
    return out, report


def crosscheck_uwchr(reference: Path, rows: list[dict]) -> list[str]:
    """Differences between the ICE list and UWCHR's machine-readable join (report only)."""
    path = reference / UWCHR_JOIN
    if not path.exists():
        return [f"UWCHR join not found at {path}"]
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        join = {r["detloc"]: r for r in csv.DictReader(fh, delimiter="|")}
    ice = {r["DETLOC"]: r for r in rows if r["DETLOC"].lower() != "redacted"}
    shared = sorted(set(ice) & set(join))
    def same(a: str, b: str) -> bool:
        return fold(a).strip() == ("" if b == "NA" else fold(b).strip())

    diff = [f"  {d}: ICE {ice[d]['County']!r}/{ice[d]['State']} vs UWCHR "
            f"{join[d]['county']!r}/{join[d]['state']}" for d in shared
            if not (same(ice[d]["County"], join[d]["county"])
                    and same(ice[d]["State"], join[d]["state"]))]
    return [f"UWCHR join: {len(join)} rows; {len(shared)} DETLOCs shared with the ICE list; "
            f"only in the join (post-2017, not used): {len(set(join) - set(ice))}; "
            f"only in the ICE list: {len(set(ice) - set(join))}; "
            f"county/state differences on shared codes: {len(diff)}", *diff]


def crosscheck_census(reference: Path) -> list[str]:
    """addfips' Census list (the source) against the Census 2010 national_county.txt."""
    path = reference / CENSUS_2010
    if not path.exists():
        return [f"Census 2010 file not found at {path}"]
    old = {}
    with path.open(encoding="latin-1", newline="") as fh:
        for st, sf, cf, name, _cls in csv.reader(fh):
            old[sf + cf] = (st, name)
    new: dict[str, list[str]] = defaultdict(list)
    for fips, _state, name in census_counties():
        new[fips].append(name)
    only_new = sorted(set(new) - set(old))
    only_old = sorted(f for f in set(old) - set(new) if not f.startswith("74"))
    renamed = sorted(f for f in set(new) & set(old)
                     if fold(old[f][1]) not in {fold(n) for n in new[f]})
    return [f"addfips {COUNTY_VINTAGE}: {len(new)} FIPS; Census 2010 file: {len(old)} FIPS",
            "  only in addfips: " + ", ".join(f"{f} {'/'.join(new[f])}" for f in only_new),
            "  only in Census 2010: " + ", ".join(f"{f} {old[f][1]} {old[f][0]}"
                                                  for f in only_old),
            "  same FIPS, other name: " + ", ".join(
                f"{f} {old[f][1]!r} → {'/'.join(new[f])!r}" for f in renamed)]


def build_aor(g: Gazetteer, reference: Path, rows: list[dict], facilities: list[dict]
              ) -> tuple[list[dict], list[str]]:
    """AOR name, 3-letter code and states; the code is the one ICE's 2017 list gives the
    facilities in that AOR's territory most often (a code is given to one AOR only)."""
    usps = {fold(r["name"]): r["usps"] for r in data_rows("states.csv")}

    def state_of(name: str) -> str:  # "United States Virgin Islands", "Commonwealth of the ..."
        words = set(fold(name).split())
        found = [u for n, u in usps.items() if set(n.replace("u.s. ", "").split()) <= words]
        return usps.get(fold(name)) or max(found, key=len)
    with (reference / DDP_AOR).open(encoding="utf-8") as fh:
        ddp = list(csv.DictReader(fh, skipinitialspace=True))
    states: dict[str, set[str]] = defaultdict(set)
    territory: dict[tuple[str, str], str] = {}  # (state, county fips or "") → AOR
    for r in ddp:
        st = state_of(r["state_name"])
        states[r["office_name"]].add(st)
        county = g.match(r["county_name"], st).county_fips if r["county_name"] else ""
        territory[(st, county or "")] = r["office_name"]
    code_of = {r["DETLOC"]: r["AOR"] for r in rows}
    tally: dict[str, Counter] = defaultdict(Counter)
    for f in facilities:
        office = (territory.get((f["state"], f["county_fips"]))
                  or territory.get((f["state"], "")))
        if office and f["detloc"] in code_of:
            tally[office][code_of[f["detloc"]]] += 1
    owner: dict[str, tuple[int, str]] = {}
    for office, counts in tally.items():
        for code, n in counts.items():
            if n > owner.get(code, (0, ""))[0]:
                owner[code] = (n, office)
    codes = {office: code for code, (_n, office) in owner.items()}
    out = [{"aor": office, "code": codes.get(office, ""), "states": ";".join(sorted(s))}
           for office, s in sorted(states.items())]
    report = [f"AOR offices: {len(out)}; without a code in the 2017 list: "
              + ", ".join(r["aor"] for r in out if not r["code"])]
    return out, report


def render(rows: list[dict], columns: list[str], comments: list[str]) -> str:
    buf = io.StringIO()
    buf.writelines(f"# {c}\n" for c in comments)
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reference", type=Path, default=Path("/work/shared/reference"))
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    args = ap.parse_args()
    g = Gazetteer(census_counties(), list(data_rows("county_aliases.csv")))
    rows = read_ice_list(args.reference)
    fixes = {r["detloc"]: r for r in data_rows("facility_fixes.csv")}
    hand = list(data_rows("facilities_hand.csv"))
    facilities, report = build_facilities(g, rows, fixes, hand, read_later_lists(args.reference))
    aor, aor_report = build_aor(g, args.reference, rows, facilities)
    files = {
        DATA / "facilities.csv": render(facilities, FACILITY_COLUMNS, [
            "Facility -> county FIPS, built by tools/build_reference.py; do not edit by hand.",
            f"source {ICE_SOURCE}: ICE ERO Facility List 11/06/2017 (see SOURCES.md); "
            "note says how ICE's county field was corrected.",
            "source ice-dmcp-list-2019-03-25, ice-dedicated-list-2019-08-05, "
            "ice-detention-stats-fy21: later ICE lists (no county column; note says how the "
            "county was found).",
            "Rows with another source are hand entries from normalize/data/facilities_hand.csv."]),
        DATA / "aor_states.csv": render(aor, ["aor", "code", "states"], [
            "ICE ERO area of responsibility -> states, built by tools/build_reference.py.",
            "States: deportationdata/ice-offices ice-areas-of-responsibility.csv (CC0-1.0);",
            "code: the AOR code ICE's Facility List 11/06/2017 gives facilities there most often."
        ]),
    }
    print("\n".join(report + [""] + aor_report + [""] + crosscheck_uwchr(args.reference, rows)
                    + [""] + crosscheck_census(args.reference)))
    stale = [p for p, text in files.items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    if args.check:
        print("stale: " + ", ".join(p.name for p in stale) if stale else "up to date")
        return 1 if stale else 0
    for path in stale:
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
