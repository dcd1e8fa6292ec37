"""End to end on DDOR-style releases from the generator written blind to this code (issue 15).

`fixtures/blind/ddor_gen.py --small` makes a release per seed (a born-digital report, a scanned
page, a fax frame, a jail list and a county table, styles drawn per seed); each is run through
`foia run` as a user would, and the store is scored against the generator's truth
(bench/blind_ddor.py).

Two tests:
- fixed seeds, accuracy floors: a regression test (these seeds were looked at while fixing);
- fresh seeds drawn on every run (printed; FOIA_BLIND_SEEDS="3,17" replays them): releases in
  styles no one has looked at must still lose nothing (`foia check` passes, every file read)
  and give every row its provenance. Their accuracy is printed, not asserted: on 40 unseen
  seeds (201-240) it was born-digital 0.953 / 0.992, jail counts 0.945 / 1.000, county counts
  0.888 / 1.000, scanned 0.334 / 0.898, with single seeds as low as 0 born-digital rows found
  (the open part of issue 15, in the README), so a floor would fail at random.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys

import pytest

from bench.blind_ddor import Tally, run_seed

FIXED = [101, 103, 105, 107]
# Measured on FIXED: born-digital 84/84, jails 20/20, county counts 64/64, all precise.
FLOORS = {"born": (0.95, 0.95), "jails": (0.95, 0.95), "counties": (0.95, 0.95)}


def _total(seeds: list[int], work) -> dict[str, Tally]:
    total = {k: Tally() for k in ("born", "scanned", "jails", "counties")}
    for seed in seeds:
        score = run_seed(seed, work, small=True, workers=2)
        for k in total:
            total[k].add(getattr(score, k))
    return total


@pytest.mark.slow
def test_fixed_blind_releases_are_read_accurately(tmp_path):
    total = _total(FIXED, tmp_path)
    for k, (recall, precision) in FLOORS.items():
        t = total[k]
        assert t.truth > 0, k
        assert t.recall >= recall, (k, t.recall, t.missed[:3])
        assert t.precision >= precision, (k, t.precision, t.extra[:3])


def _fresh() -> list[int]:
    given = os.environ.get("FOIA_BLIND_SEEDS")
    if given:
        return [int(s) for s in given.split(",")]
    return [random.SystemRandom().randrange(1000, 10**6) for _ in range(2)]


@pytest.mark.slow
def test_fresh_blind_releases_lose_nothing(tmp_path):
    seeds = _fresh()
    print(f"blind generator seeds: FOIA_BLIND_SEEDS={','.join(map(str, seeds))}")
    total = _total(seeds, tmp_path)
    for seed in seeds:
        out = tmp_path / f"seed{seed}"
        check = subprocess.run(
            [sys.executable, "-m", "foia.cli", "check", "--out", str(out / "output"), "--dump",
             str(out / "dump"), "--json"], capture_output=True, text=True)
        assert check.returncode == 0, (seed, check.stdout[-2000:], check.stderr[-2000:])
        truth = json.loads((out / "truth.json").read_text())
        db = sqlite3.connect(out / "output" / "foia.sqlite")
        statuses = dict(db.execute("SELECT path, status FROM files"))
        assert {f["path"] for f in truth["files"]} <= set(statuses), seed
        assert all(statuses[f["path"]] == "ok" for f in truth["files"]), (seed, statuses)
        for table in ("rows", "rejects"):
            bad = db.execute(f"SELECT COUNT(*) FROM {table} WHERE source_file IS NULL OR "
                             "source_sha256 IS NULL OR page IS NULL OR method IS NULL OR "
                             "confidence IS NULL OR (bbox IS NULL AND source_link NOT LIKE "
                             "'%#sheet=%')").fetchone()[0]
            assert bad == 0, (seed, table)
    for k, t in total.items():
        print(f"{k}: recall {t.recall:.3f} ({t.found}/{t.truth}), precision {t.precision:.3f}")
