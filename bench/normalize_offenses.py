"""Offense-tagger throughput: texts/s of `OffenseTagger.tag_many` on synthetic offense cells.

    .venv/bin/python bench/normalize_offenses.py [--n 100000] [--repeat 3] [--json]

Cells are 1-4 wordings drawn from normalize/data/offense_wordings.csv (hand wordings and NCIC
texts alike), in release styles (Title, UPPER, lower case) joined by "; ", ", ", " / " or
" and ", with a sprinkling of NCIC codes. Timed: the pipeline build (`OffenseTagger()`), cold
passes (caches emptied first, so every distinct chunk goes through nlp.pipe; the median of
--repeat steadies the figure on a shared machine) and a warm pass over the same cells (answers
from the cache, as for a release that repeats its cells). A report, not a test: exits 0.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import statistics
import sys
import time
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize.offenses import OffenseTagger  # noqa: E402

TARGET = 20_000
JOINERS = ["; ", "; ", ", ", " / ", " and "]
CODES = ["5404", "1313", "13XX", "3599", "0301"]


def wordings() -> list[str]:
    data = resources.files("normalize.data").joinpath("offense_wordings.csv")
    with data.open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return [r["pattern"] for r in rows]


def synthetic_cells(n: int, seed: int) -> list[str]:
    """n offense cells of 1-4 offenses each, in the styles releases use."""
    rng = random.Random(seed)
    pool = wordings()
    styles = [str.title, str.upper, str.lower, str]
    cells = []
    for _ in range(n):
        items = [rng.choice(pool) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.05:
            items[-1] = rng.choice(CODES)
        style = rng.choice(styles)
        joiner = rng.choice(JOINERS)
        cells.append(joiner.join(style(i) for i in items))
    return cells


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    cells = synthetic_cells(args.n, args.seed)
    t0 = time.perf_counter()
    tagger = OffenseTagger()
    build = time.perf_counter() - t0
    runs = []
    for _ in range(max(1, args.repeat)):
        tagger.clear_cache()
        t0 = time.perf_counter()
        cold = tagger.tag_many(cells, batch_size=args.batch_size)
        runs.append(time.perf_counter() - t0)
    cold_s = statistics.median(runs)
    t0 = time.perf_counter()
    tagger.tag_many(cells, batch_size=args.batch_size)
    warm_s = time.perf_counter() - t0
    result = {
        "cells": len(cells),
        "distinct": len(set(cells)),
        "build_s": round(build, 2),
        "cold_texts_per_s": round(len(cells) / cold_s),
        "cold_runs_texts_per_s": [round(len(cells) / r) for r in runs],
        "warm_texts_per_s": round(len(cells) / warm_s),
        "cells_with_categories": sum(bool(m.categories) for m in cold),
        "cells_with_unmatched": sum(bool(m.unmatched) for m in cold),
        "target_texts_per_s": TARGET,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} x{os.cpu_count()}",
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['cells']:,} cells ({result['distinct']:,} distinct), pipeline built in "
              f"{result['build_s']} s on {result['machine']}")
        print(f"cold: {result['cold_texts_per_s']:,} texts/s (median of "
              f"{', '.join(f'{r:,}' for r in result['cold_runs_texts_per_s'])})   warm (cached): "
              f"{result['warm_texts_per_s']:,} texts/s   target >= {TARGET:,}: "
              f"{'met' if result['cold_texts_per_s'] >= TARGET else 'NOT met'}")
        print(f"cells with a category: {result['cells_with_categories']:,}; "
              f"with an unmatched piece: {result['cells_with_unmatched']:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
