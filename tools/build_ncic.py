"""Build the NCIC offense taxonomy files from the NIEM/FBI code list, and cross-check them.

Reads the NIEM NCIC 5.0.1 workbook (sheet `ncic`, rows `Type = OFFCodeSimpleType`; a US
government work) and the hand files in normalize/data/, writes:
  normalize/data/ncic_codes.csv        code, description, category_code, category
  normalize/data/ncic_categories.csv   category_code, category, severity_rank, severity_tier, ...
  normalize/data/offense_wordings.csv  offense_wordings_hand.csv + every NCIC text and category
and prints a report: counts, the names' origins, and the differences from Recidiviz's ncic.csv
(GPL-3.0: read to cross-check only; nothing of it is written out).

Example:
  .venv/bin/python tools/build_ncic.py                  # reference in /work/shared/reference
  .venv/bin/python tools/build_ncic.py --reference DIR --check   # exit 1 if files are stale
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "normalize" / "data"
DEFAULT_REFERENCE = Path("/work/shared/reference")
NIEM = "offenses/niem-releases__niem-ncic-5.0.1-codes.xlsx"
RECIDIVIZ = "offenses/recidiviz-pulse-data__ncic.csv"
NIEM_CITE = ("NIEM/NIEM-Releases@63ffab6f7e2a7166276ddfc31fde921a5905cc98 "
             "xlsx/niem-ncic-5.0.1-codes.xlsx, sheet ncic, Type = OFFCodeSimpleType "
             "(FBI NCIC codes; US government work)")
SEE_MIS = re.compile(r"\s*-?\s*\(?SEE MIS\)?")
PARENTHETICAL = re.compile(r"\s*\([^)]*\)")
RETIRED = "RETIRED DO NOT USE"


def read_hand(name: str) -> list[dict[str, str]]:
    """Rows of a hand-maintained CSV in normalize/data ('#' lines are comments)."""
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def read_niem_offense_codes(path: Path) -> list[tuple[str, str]]:
    """(code, text) of every OFFCodeSimpleType row, codes as 4-character strings."""
    sheet = openpyxl.load_workbook(path, read_only=True)["ncic"]
    rows = sheet.iter_rows(values_only=True)
    header = list(next(rows))
    kind, value = header.index("Type"), header.index("Facet Value")
    text = header.index("Definition")
    out = []
    for row in rows:
        if row[kind] == "OFFCodeSimpleType":
            code = row[value]
            code = f"{code:04d}" if isinstance(code, int) else str(code).strip()
            out.append((code, " ".join(str(row[text]).split())))
    return out


def apply_corrections(codes: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """Texts with ncic_code_corrections.csv applied, and a line per correction made."""
    fixes = {r["code"]: r for r in read_hand("ncic_code_corrections.csv")}
    out, done = [], []
    for code, text in codes:
        fix = fixes.get(code)
        if fix and fix["niem_text"] == text:
            out.append((code, fix["corrected"]))
            done.append(f"{code}: {fix['reason']}")
        else:
            out.append((code, text))
    missing = set(fixes) - {c for c, _ in codes}
    if missing or len(done) != len(fixes):
        raise SystemExit(f"ncic_code_corrections.csv does not apply: {sorted(fixes)} vs {done}")
    return out, done


def derive_categories(codes: list[tuple[str, str]]) -> list[dict[str, str]]:
    """One row per category code in the list: name from the hand heading or the XX99 text."""
    hand = {r["category_code"]: r for r in read_hand("ncic_category_hand.csv")}
    text_of = dict(codes)
    counts = Counter(code[:2] for code, _ in codes)
    if set(hand) != set(counts):
        raise SystemExit(f"ncic_category_hand.csv categories differ from the code list: "
                         f"only hand {sorted(set(hand) - set(counts))}, "
                         f"only list {sorted(set(counts) - set(hand))}")
    ranks = sorted(int(r["severity_rank"]) for r in hand.values())
    if ranks != list(range(1, len(hand) + 1)):
        raise SystemExit("severity_rank must number the categories 1..N without gaps or ties")
    out = []
    for cc in sorted(counts):
        row, catch_all = hand[cc], f"{cc}99"
        if row["heading"]:
            name, source = row["heading"], row["heading_source"]
        elif catch_all in text_of:
            name, source = SEE_MIS.sub("", text_of[catch_all]).strip(), f"niem:{catch_all}"
        else:
            raise SystemExit(f"category {cc} has no {catch_all} text and no hand heading")
        out.append({"category_code": cc, "category": name.upper(),
                    "severity_rank": row["severity_rank"], "severity_tier": row["severity_tier"],
                    "n_codes": str(counts[cc]), "name_source": source})
    return sorted(out, key=lambda r: int(r["severity_rank"]))


def wording_variants(text: str) -> list[tuple[str, str]]:
    """(pattern, note) for one NCIC text: as written, without its parenthetical, verb first."""
    base = SEE_MIS.sub("", text).strip()
    out = [(base, "NCIC text" if base == text else "NCIC text without SEE MIS")]
    bare = PARENTHETICAL.sub("", base).strip()
    if bare != base:
        out.append((bare, "NCIC text without its parenthetical"))
    parts = re.split(r"\s+-\s+", bare)
    if len(parts) == 2 and re.fullmatch(r"[A-Z]+", parts[1]):
        out.append((f"{parts[1]} {parts[0]}", "NCIC text, verb first (SELL COCAINE)"))
    return out


def generated_wordings(codes: list[tuple[str, str]], cats: list[dict[str, str]]) -> list[dict]:
    """Wording rows for every NCIC text (source ncic-code) and category name (ncic-category)."""
    rows = []
    for code, text in codes:
        if text == RETIRED:
            continue
        for pattern, note in wording_variants(text):
            rows.append({"pattern": pattern, "code_or_category": code, "source": "ncic-code",
                         "note": note, "role": ""})
    for cat in sorted(cats, key=lambda r: r["category_code"]):
        rows.append({"pattern": cat["category"], "code_or_category": f"{cat['category_code']}XX",
                     "source": "ncic-category", "note": f"category heading ({cat['name_source']})",
                     "role": ""})
    return rows


def to_csv(header: str, fields: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    buf.write(header)
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def render(codes: list[tuple[str, str]], cats: list[dict[str, str]]) -> dict[str, str]:
    """File name -> content of the three generated files."""
    name_of = {c["category_code"]: c["category"] for c in cats}
    gen = "# Generated by tools/build_ncic.py: do not edit; edit the hand files and rebuild.\n"
    code_rows = [{"code": c, "description": t, "category_code": c[:2], "category": name_of[c[:2]]}
                 for c, t in codes]
    hand_rows = read_hand("offense_wordings_hand.csv")
    for row in hand_rows:
        row["role"] = row.get("role") or ""
    return {
        "ncic_codes.csv": to_csv(
            f"{gen}# NCIC Uniform Offense Classification codes. Source: {NIEM_CITE}.\n"
            "# Corrections applied: ncic_code_corrections.csv. category = ncic_categories.csv.\n",
            ["code", "description", "category_code", "category"], code_rows),
        "ncic_categories.csv": to_csv(
            f"{gen}# NCIC offense categories (first two code digits). Codes: {NIEM_CITE}.\n"
            "# category: name_source niem:XX99 = the category's catch-all code text; "
            "architecture / ncic-manual / project: see ncic_category_hand.csv and SOURCES.md.\n"
            "# severity_rank 1 = most serious (the order OffenseMatch.most_serious uses); "
            "rationale in SOURCES.md.\n",
            ["category_code", "category", "severity_rank", "severity_tier", "n_codes",
             "name_source"], cats),
        "offense_wordings.csv": to_csv(
            f"{gen}# Offense wordings -> NCIC code or category range (CCXX), read by "
            "normalize/offenses.py.\n"
            "# source: ncic-code = the NCIC text of the code (NIEM NCIC 5.0.1); ncic-category = "
            "the category name; anything else = offense_wordings_hand.csv (see its header).\n"
            "# role qualifier: counts only when nothing else in its piece of the cell matched.\n",
            ["pattern", "code_or_category", "source", "note", "role"],
            hand_rows + generated_wordings(codes, cats)),
    }


def cross_check(codes: list[tuple[str, str]], cats: list[dict[str, str]], path: Path) -> list[str]:
    """Report lines: how Recidiviz's ncic.csv (GPL, read only) differs from what we built."""
    with path.open(encoding="utf-8", newline="") as fh:
        rec = [r for r in csv.DictReader(fh)]
    rec_text = {r["ncic_code"]: " ".join(r["description"].split()) for r in rec}
    ours = dict(codes)
    lines = [f"Recidiviz ncic.csv: {len(rec)} codes; NIEM: {len(ours)}",
             f"  only in NIEM: {' '.join(sorted(set(ours) - set(rec_text)))}",
             f"  only in Recidiviz: {' '.join(sorted(set(rec_text) - set(ours)))}"]
    differ = sorted(c for c in set(ours) & set(rec_text) if ours[c] != rec_text[c])
    def bare(t: str) -> str:
        return re.sub(r"[^A-Z0-9]", "", t)

    loose = [c for c in differ if bare(ours[c]) != bare(rec_text[c])]
    lines.append(f"  texts differ: {len(differ)} ({len(differ) - len(loose)} in spacing or "
                 f"punctuation only, {len(loose)} in words)")
    lines += [f"    {c}: NIEM {ours[c]!r} | Recidiviz {rec_text[c]!r}" for c in loose]
    wrong_cc = [r["ncic_code"] for r in rec if r["category_code"] != r["ncic_code"][:2]]
    lines.append(f"  Recidiviz category_code != first two digits: {wrong_cc or 'none'}")
    rec_names: dict[str, set[str]] = defaultdict(set)
    for r in rec:
        rec_names[r["category_code"]].add(r["category"])
    name_diff = [f"    {c['category_code']}: ours {c['category']!r} | Recidiviz "
                 f"{'/'.join(sorted(rec_names.get(c['category_code'], {'-'})))!r}"
                 for c in sorted(cats, key=lambda r: r["category_code"])
                 if rec_names.get(c["category_code"]) != {c["category"]}]
    lines.append(f"  category names differ: {len(name_diff)} of {len(cats)}")
    return lines + name_diff


def wording_report() -> list[str]:
    """Counts and normalized-pattern collisions, through the tagger's own normalization."""
    sys.path.insert(0, str(ROOT))
    from normalize.offenses import OffenseTagger

    tagger = OffenseTagger.load()
    rows = read_hand("offense_wordings_hand.csv")
    lines = [f"wordings: {tagger.pattern_count} distinct patterns after normalization "
             f"({len(rows)} hand rows)"]
    collisions = tagger.wording_collisions()
    lines.append(f"  patterns whose rows name different categories: {len(collisions)} "
                 "(resolved: hand > NCIC catch-all code > other code > category name)")
    lines += [f"    {pattern!r}: {' | '.join(choices)}" for pattern, choices in collisions]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE,
                    help="folder holding offenses/ (default %(default)s)")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale")
    args = ap.parse_args(argv)

    raw = read_niem_offense_codes(args.reference / NIEM)
    codes, corrections = apply_corrections(raw)
    if len({c for c, _ in codes}) != len(codes):
        raise SystemExit("duplicate codes in the NIEM list")
    cats = derive_categories(codes)
    files = render(codes, cats)
    stale = [n for n, text in files.items()
             if not (DATA / n).exists() or (DATA / n).read_text(encoding="utf-8") != text]
    if args.check:
        print("stale: " + ", ".join(stale) if stale else "up to date")
        return 1 if stale else 0
    for name in stale:
        (DATA / name).write_text(files[name], encoding="utf-8")

    by_source = Counter(s.split(":")[0] for s in (c["name_source"] for c in cats))
    print(f"NIEM NCIC 5.0.1: {len(codes)} offense codes in {len(cats)} categories; "
          f"{sum(t == RETIRED for _, t in codes)} retired (kept in ncic_codes.csv, no wording)")
    print("corrections: " + ("; ".join(corrections) or "none"))
    print("category names: " + ", ".join(f"{k} {v}" for k, v in sorted(by_source.items())))
    print("wrote: " + (", ".join(stale) or "nothing (up to date)"))
    for line in cross_check(codes, cats, args.reference / RECIDIVIZ) + wording_report():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
