"""The county matcher on fixtures/places_blind.csv: 547 spellings labelled by a helper who never
read normalize/ (issue 15), from the Census county file and ICE's facility list.

Measured before the matcher was changed for issue 15: 0.764 right (418/547), no twin guessed.
The matcher was then tuned with this set in view, so from here on it is a regression test as
much as evidence; the figures are in the README (bench/places_blind.py prints them).
"""

from __future__ import annotations

from pathlib import Path

from bench.places_blind import score

CSV = Path(__file__).resolve().parents[1] / "fixtures" / "places_blind.csv"


def test_blind_place_set_is_read_and_no_twin_is_guessed():
    right, total, wrong = score(CSV)
    assert sum(total.values()) >= 400
    assert sum(right.values()) / sum(total.values()) >= 0.98, wrong
    guessed = [(row, said) for row, said in wrong
               if row["expected"] in ("ambiguous", "none") and said.split()[1] != "None"]
    assert guessed == []
    for category in ("state_style", "state_ocr", "twin", "twin_resolved", "unknown"):
        assert right[category] == total[category], [w for w in wrong
                                                     if w[0]["category"] == category]
