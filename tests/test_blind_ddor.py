"""End to end on DDOR-style releases from the generator written blind to this code (issue 15).

Each run draws fresh seeds (printed; set FOIA_BLIND_SEEDS="3,17" to replay), generates small
releases with `fixtures/blind/ddor_gen.py --small` (a born-digital report, a scanned page, a
fax frame, a jail list and a county table, styles drawn per seed), runs `foia run` on each as a
user would, and scores the store against the generator's truth (bench/blind_ddor.py).

The floors below are regression floors, set under the worst pair of small seeds of the last
20-seed measure (seeds 101-120: born-digital 0.980 / 1.000, jail counts 0.990 / 1.000, county
counts 0.994 / 1.000; worst single seeds 0.864, 0.8 and 0.875), not the issue's targets.
Scanned and faxed rows are printed, not asserted: their recall (0.29 on those seeds, 0 on some)
is the open part of issue 15, and a floor low enough never to fail would test nothing.
"""

from __future__ import annotations

import os
import random

import pytest

from bench.blind_ddor import Tally, run_seed

# Aggregated over the seeds of one run.
FLOORS = {"born": (0.80, 0.95), "jails": (0.80, 0.95), "counties": (0.85, 0.95)}
SEEDS = 2


def _seeds() -> list[int]:
    given = os.environ.get("FOIA_BLIND_SEEDS")
    if given:
        return [int(s) for s in given.split(",")]
    return [random.SystemRandom().randrange(1, 10**6) for _ in range(SEEDS)]


@pytest.mark.slow
def test_blind_releases_are_read(tmp_path):
    seeds = _seeds()
    print(f"blind generator seeds: FOIA_BLIND_SEEDS={','.join(map(str, seeds))}")
    total = {k: Tally() for k in ("born", "scanned", "jails", "counties")}
    for seed in seeds:
        score = run_seed(seed, tmp_path, small=True, workers=2)
        for k in total:
            total[k].add(getattr(score, k))
    for k, (recall, precision) in FLOORS.items():
        t = total[k]
        assert t.truth > 0, k
        assert t.recall >= recall, (seeds, k, t.recall, t.missed[:3])
        assert t.precision >= precision, (seeds, k, t.precision, t.extra[:3])
    scanned = total["scanned"]
    print(f"scanned rows: recall {scanned.recall:.3f} ({scanned.found}/{scanned.truth}), "
          f"precision {scanned.precision:.3f}")
