"""Total rows of sheets whose count column comes first, on a release from the generator written
blind to this code (seed 6: county_counts.csv ends "1062,TOTAL,"). The Total line was taken for a
county named TOTAL and rejected `unknown_jurisdiction`; it is the table's total, and the rows
must add up to it (the generator's truth gives the counts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from extract.sheets import read_spreadsheet

ROOT = Path(__file__).resolve().parents[1]


def test_a_total_after_its_count_is_a_total_row(tmp_path):
    out = tmp_path / "seed6"
    subprocess.run([sys.executable, str(ROOT / "fixtures" / "blind" / "ddor_gen.py"), "--seed",
                    "6", "--out", str(out)], check=True, capture_output=True)
    truth = json.loads((out / "truth.json").read_text())
    rows = [r for p in read_spreadsheet(out / "dump" / "county_counts.csv", "csv")
            for t in p.tables for r in t.rows]
    (total,) = [r for r in rows if r.kind == "total"]
    assert "TOTAL" in [c.text.strip() for c in total.cells]
    stated = int(next(c.text for c in total.cells if c.text.strip().isdigit()))
    counts = [int(r["declined_count"]) for r in truth["county_counts"]
              if r["file"] == "county_counts.csv"]
    assert stated == sum(counts) + sum(int(b["raw"]["n"]) for b in truth["bad_rows"]
                                       if b["file"] == "county_counts.csv")
    assert not any(r.kind == "data" and any(c.text.strip().upper() == "TOTAL" for c in r.cells)
                   for r in rows)
