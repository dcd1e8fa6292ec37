"""Accuracy of the county matcher on fixtures/places_blind.csv, a set labelled blind to it.

The set (547 spellings: state styles, county styles, typos, OCR damage, twins, jails with a
blank county, no state, non-places) was written by a helper who never read normalize/; its
labels come from the Census county file and ICE's facility list (fixtures/places_blind.md).

Scoring: a FIPS label is right when the matcher gives that FIPS; `ambiguous` is right when
it refuses as ambiguous; `none` is right when it gives no FIPS. A "guessed twin" is an
`ambiguous` or `none` row given a FIPS: the one error the matcher must never make.

    python bench/places_blind.py [--csv fixtures/places_blind.csv] [--show-wrong]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from normalize.jurisdictions import match_jurisdiction  # noqa: E402


def score(path: Path) -> tuple[Counter, Counter, list[tuple[dict, str]]]:
    """(right per category, rows per category, wrong rows with what the matcher said)."""
    right: Counter = Counter()
    total: Counter = Counter()
    wrong: list[tuple[dict, str]] = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            m = match_jurisdiction(row["raw"], row["state"] or None,
                                   facility=row["facility"] or None)
            want = row["expected"]
            ok = (m.method == "ambiguous" if want == "ambiguous"
                  else m.county_fips is None if want == "none" else m.county_fips == want)
            total[row["category"]] += 1
            right[row["category"]] += ok
            if not ok:
                wrong.append((row, f"{m.method} {m.county_fips} {m.reason or ''}"))
    return right, total, wrong


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path,
                    default=Path(__file__).resolve().parents[1] / "fixtures/places_blind.csv")
    ap.add_argument("--show-wrong", action="store_true")
    args = ap.parse_args()
    right, total, wrong = score(args.csv)
    guessed = [w for w in wrong if w[0]["expected"] in ("ambiguous", "none")
               and w[1].split()[1] != "None"]
    for cat in sorted(total):
        print(f"{cat:15s} {right[cat]:4d} / {total[cat]:4d}  {right[cat] / total[cat]:.3f}")
    n, r = sum(total.values()), sum(right.values())
    print(f"{'all':15s} {r:4d} / {n:4d}  {r / n:.4f}   guessed (a FIPS for ambiguous/none): "
          f"{len(guessed)}")
    if args.show_wrong:
        for row, said in wrong:
            print(f"  {row['category']:13s} {row['raw']!r:32s} {row['state']!r:14s} "
                  f"{row['facility'][:30]!r:32s} want {row['expected']:9s} got {said[:90]}")


if __name__ == "__main__":
    main()
