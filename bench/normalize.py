"""Normalization throughput: rows/s of the normalize stage on 100,000 synthetic DDOR rows.

The rows are the synthetic fixtures' section-II rows (real release styles: county spellings,
redactions), with dates (four formats, Jan-May 2017) and offense cells (1-4 wordings) drawn
afresh for every row, in tables of 1,000 rows with a fixed seed, and run through
`normalize_table` exactly as `foia run` does (header match, typed fields, gazetteer, spaCy
offense matcher in batches, schema gate, totals). The one figure
is rows/s measured in this run; the target on a 2-core machine is >= 20,000 rows/s.

    python bench/normalize.py [--rows 100000] [--table-rows 1000] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.model import Cell, Table, TableRow  # noqa: E402
from normalize.jurisdictions import Gazetteer  # noqa: E402
from normalize.offenses import OffenseTagger  # noqa: E402
from normalize.profiles import cached_profile  # noqa: E402
from normalize.rows import SourceRef, normalize_table  # noqa: E402

TARGET = 20_000


def sample_rows() -> tuple[list[str], list[list[str]]]:
    """Header and section-II rows of every synthetic truth file."""
    header: list[str] = []
    rows: list[list[str]] = []
    for path in sorted((ROOT / "fixtures" / "truth").glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        for t in truth.get("tables", []):
            if t.get("name") == "declined_detainers":
                header = t["header"]
                rows += [r["cells"] for r in t["rows"] if not r.get("expect_reject")]
    return header, rows


def _date_text(rng: random.Random, day: dt.date) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"{day.month:02d}/{day.day:02d}/{day.year}"
    if style == 1:
        return f"{day.month}/{day.day}/{day.year % 100:02d}"
    if style == 2:
        return f"{day:%b} {day.day}, {day.year}"
    return day.isoformat()


def varied(rng: random.Random, pool: list[list[str]], wordings: list[str]) -> list[str]:
    """A release row: jurisdiction columns from one real row, dates and offenses drawn afresh,
    so the caches see as many distinct values as a year of weekly releases would."""
    cells = list(rng.choice(pool))
    issued = dt.date(2017, 1, 1) + dt.timedelta(days=rng.randrange(120))
    declined = issued + dt.timedelta(days=rng.randrange(1, 30))
    cells[5], cells[6] = _date_text(rng, issued), _date_text(rng, declined)
    cells[7] = "; ".join(rng.sample(wordings, rng.randint(1, 4)))
    return cells


def make_tables(n_rows: int, per_table: int, seed: int = 2017) -> list[Table]:
    header, pool = sample_rows()
    wordings = sorted({w for r in pool for w in r[7].split("; ")})
    rng = random.Random(seed)
    head = TableRow(tuple(Cell(h, (0, 0, 1, 1)) for h in header), 1, "header")
    tables = []
    for start in range(0, n_rows, per_table):
        rows = [head]
        for i in range(min(per_table, n_rows - start)):
            cells = varied(rng, pool, wordings)
            y = 20 + i
            rows.append(TableRow(tuple(Cell(c, (10.0 * k, y, 10.0 * k + 9, y + 1))
                                       for k, c in enumerate(cells)), 1 + i // 40, "data"))
        tables.append(Table(tuple(rows), "layout", 1.0, 1, (0, 0, 100, 100), tuple(header)))
    return tables


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--table-rows", type=int, default=1000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    profile = cached_profile("ddor")
    tables = make_tables(args.rows, args.table_rows)
    t0 = time.perf_counter()
    Gazetteer.load()
    OffenseTagger.load()
    warm = time.perf_counter() - t0
    src = SourceRef("bench.pdf", "0" * 64)
    outcome_counts: Counter = Counter()
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for i, table in enumerate(tables):
        out = normalize_table(table, i, src, profile)
        outcome_counts["rows"] += len(out.rows)
        outcome_counts["rejects"] += len(out.rejects)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    n = outcome_counts["rows"] + outcome_counts["rejects"]
    rate = n / wall
    print("normalization throughput (normalize_table, DDOR profile, synthetic release rows)")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"rows: {n:,} in {len(tables)} tables ({outcome_counts['rows']:,} accepted, "
          f"{outcome_counts['rejects']:,} rejected); reference data load {warm:.2f} s (once)")
    print(f"time: {wall:.2f} s wall, {cpu:.2f} s CPU")
    verdict = "met" if rate >= TARGET else "NOT met"
    print(f"rate: {rate:,.0f} rows/s (target >= {TARGET:,}: {verdict})")
    if args.json:
        print(json.dumps({"rows": n, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                          "rows_per_s": round(rate), "target": TARGET,
                          "load_s": round(warm, 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
