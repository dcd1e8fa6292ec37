"""Re-release diff on real stores: two runs of `run_dump` over small dumps copied from the sample.

Release A: ddor-bad-rows.pdf + counts-mismatch.csv. Release B: the same PDF and the CSV
re-issued: its rows in another order, Santa Clara's count 21 -> 22, ORANGE CO. gone, King
County, WA added, and a Total (95) that now adds up (A's 93 was refused: total_mismatch).
Record ids hash the document and the row's position, so every CSV row has a new id in B.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from foia.inspect.diff import Change, _similar, diff_stores
from foia.inspect.diff_report import write_diff
from foia.run.pipeline import run_dump
from tests.conftest import SAMPLE_DUMP

CSV_NAME = "counts-mismatch.csv"


def release_b_csv() -> bytes:
    """counts-mismatch.csv re-issued: same title and header, rows reordered and edited."""
    lines = (SAMPLE_DUMP / CSV_NAME).read_bytes().decode("utf-8").split("\r\n")
    title, header = lines[0], lines[1]
    assert header == "County,State,Declined Detainers"
    rows = ["Clark County,NV,14", "King County,WA,5", "ALAMEDA CO.,CA,9", "L.A. County,CA,18",
            "Santa Clara,CA,22", "Hennepin County,MN,27", "Total,,95"]
    return ("\r\n".join([title, header, *rows]) + "\r\n").encode("utf-8")


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("rerelease")
    dump_a, dump_b = base / "dump_a", base / "dump_b"
    for d in (dump_a, dump_b):
        d.mkdir()
        shutil.copy(SAMPLE_DUMP / "ddor-bad-rows.pdf", d)
    shutil.copy(SAMPLE_DUMP / CSV_NAME, dump_a)
    (dump_b / CSV_NAME).write_bytes(release_b_csv())
    run_dump(dump_a, base / "out_a", workers=1)
    run_dump(dump_b, base / "out_b", workers=1)
    return base / "out_a", base / "out_b"


@pytest.fixture(scope="module")
def diff(stores):
    return diff_stores(*stores)


def stored(out: Path) -> int:
    """Rows plus rejects in a store."""
    with sqlite3.connect(out / "foia.sqlite") as conn:
        return sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                   for t in ("rows", "rejects"))


def assert_provenance(side: dict, row: int) -> None:
    assert side["record_id"]
    assert side["source_file"] == CSV_NAME
    assert side["source_sha256"] and side["page"] == 1
    assert side["bbox"] == [1, row, 3, row]
    assert side["source_link"] == f"{CSV_NAME}#sheet=csv&row={row}"


def test_counts(diff, stores):
    a, b = stores
    assert diff.counts() == {"changed": 2, "removed": 1, "added": 1,
                             "unchanged": stored(a) - 3}
    assert stored(b) == stored(a)  # one row out, one in
    by_kind = diff.counts_by_kind()
    assert by_kind["rows:ddor/jurisdiction_counts"]["changed"] == 2
    assert by_kind["rows:ddor/declined_detainers"] == {
        "changed": 0, "removed": 0, "added": 0, "unchanged": 24}


def test_changed_count_names_the_field(diff):
    (e,) = [e for e in diff.changed if e.table_a == e.table_b == "rows"]
    assert e.kind == "jurisdiction_counts"
    assert e.changes == [Change("declined_count", 21, 22)]
    assert e.a["values"]["jurisdiction_raw"] == e.b["values"]["jurisdiction_raw"] == "Santa Clara"
    assert_provenance(e.a, 4)  # 3rd data row of A's CSV (row 4 of the sheet)
    assert_provenance(e.b, 7)  # 5th in B's
    assert e.a["record_id"] != e.b["record_id"]


def test_refused_total_fixed_is_a_change(diff):
    (e,) = [e for e in diff.changed if e.table_a != e.table_b]
    assert (e.table_a, e.table_b) == ("rejects", "rows")
    assert e.changes == [Change("_table", "rejects", "rows"),
                         Change("Declined Detainers", "93", "95"),
                         Change("reasons", "total_mismatch", None)]
    assert e.a["reasons"] == "total_mismatch"
    assert e.b["values"] == {"jurisdiction_raw": "Total", "declined_count": 95}
    assert_provenance(e.a, 9)
    assert_provenance(e.b, 9)


def test_removed_and_added(diff):
    (gone,) = diff.removed
    assert gone.b is None and gone.table_a == "rows"
    assert gone.a["values"]["jurisdiction_raw"] == "ORANGE CO."
    assert gone.a["values"]["declined_count"] == 3
    assert_provenance(gone.a, 8)
    (new,) = diff.added
    assert new.a is None and new.table_b == "rows"
    assert new.b["values"]["jurisdiction_raw"] == "King County"
    assert new.b["values"]["county_fips"] == "53033"
    assert_provenance(new.b, 4)


def test_unchanged_rows_match_by_content_not_position(diff, stores):
    moved = {e.a["values"]["jurisdiction_raw"]: e for e in diff.unchanged
             if e.a["source_file"] == CSV_NAME}
    assert set(moved) == {"Hennepin County", "L.A. County", "Clark County", "ALAMEDA CO."}
    hennepin = moved["Hennepin County"]
    assert hennepin.a["record_id"] != hennepin.b["record_id"]
    assert (hennepin.a["row_index"], hennepin.b["row_index"]) == (2, 7)
    assert_provenance(hennepin.a, 3)
    assert_provenance(hennepin.b, 8)
    # The PDF is byte-identical: its rows and rejects all match, provenance on both sides.
    pdf = [e for e in diff.unchanged if e.a["source_file"] == "ddor-bad-rows.pdf"]
    assert len(pdf) == stored(stores[0]) - 7  # all but the CSV's six rows and refused Total
    for e in pdf:
        assert e.a["page"] == e.b["page"] and e.a["bbox"] == e.b["bbox"]
        assert e.a["source_link"].startswith("ddor-bad-rows.pdf#page=")


def test_a_store_against_itself_has_no_differences(stores):
    a, _ = stores
    d = diff_stores(a, a / "foia.sqlite")
    assert d.counts() == {"changed": 0, "removed": 0, "added": 0, "unchanged": stored(a)}
    assert all(e.a["record_id"] == e.b["record_id"] for e in d.unchanged)


def test_without_rejects(stores):
    d = diff_stores(*stores, include_rejects=False)
    assert all(e.table_a != "rejects" and e.table_b != "rejects"
               for e in [*d.differences(), *d.unchanged])
    # A's Total was a reject: without rejects, B's valid Total is simply new.
    assert sorted(e.b["values"]["jurisdiction_raw"] for e in d.added) == ["King County", "Total"]
    assert d.counts()["changed"] == 1


def test_write_diff(diff, tmp_path):
    paths = write_diff(diff, tmp_path / "diff")
    assert [p.name for p in paths] == ["diff.json", "diff.csv"]
    assert sorted(p.name for p in (tmp_path / "diff").iterdir()) == ["diff.csv", "diff.json"]
    doc = json.loads(paths[0].read_text(encoding="utf-8"))
    assert doc["counts"] == diff.counts()
    assert [e["status"] for e in doc["entries"]] == ["changed", "changed", "removed", "added"]
    with paths[1].open(encoding="utf-8", newline="") as f:
        lines = list(csv.DictReader(f))
    assert [r["status"] for r in lines] == ["changed", "changed", "removed", "added"]
    count = next(r for r in lines if r["table_a"] == r["table_b"] == "rows")
    assert count["changes"] == "declined_count: 21 -> 22"
    assert count["a_source_link"].endswith("row=4") and count["b_source_link"].endswith("row=7")
    added = lines[-1]
    assert added["a_record_id"] == "" and added["b_record_id"]
    assert json.loads(added["values"])["jurisdiction_raw"] == "King County"


@pytest.mark.parametrize("a, b, paired", [
    # a county's count corrected: every text field equal
    ({"jurisdiction_raw": "Santa Clara", "state": "CA", "declined_count": "21",
      "county": "Santa Clara County", "county_fips": "06085"},
     {"jurisdiction_raw": "Santa Clara", "state": "CA", "declined_count": "22",
      "county": "Santa Clara County", "county_fips": "06085"}, True),
    # another county of the same state with the same count: three of five fields differ
    ({"jurisdiction_raw": "Clark County", "state": "NV", "declined_count": "14",
      "county": "Clark County", "county_fips": "32003"},
     {"jurisdiction_raw": "Washoe County", "state": "NV", "declined_count": "14",
      "county": "Washoe County", "county_fips": "32031"}, False),
    # an AOR with the same count: one field differs, but its only text field is unlike
    ({"aor": "Atlanta", "declined_count": "91"}, {"aor": "Boston", "declined_count": "91"},
     False),
    # a detainee's declined date corrected
    ({"aor": "Miami", "facility": "Orient Road Jail", "state": "FL", "citizenship": "GUATEMALA",
      "detainer_issued": "2017-03-02", "declined_date": "2017-03-04",
      "offense_raw": "Immigration"},
     {"aor": "Miami", "facility": "Orient Road Jail", "state": "FL", "citizenship": "GUATEMALA",
      "detainer_issued": "2017-03-02", "declined_date": "2017-03-07",
      "offense_raw": "Immigration"}, True),
    # two detainees of one jail: citizenship, a date and offenses differ
    ({"aor": "Miami", "facility": "Orient Road Jail", "state": "FL", "citizenship": "GUATEMALA",
      "detainer_issued": "2017-03-02", "declined_date": "2017-03-04",
      "offense_raw": "Immigration"},
     {"aor": "Miami", "facility": "Orient Road Jail", "state": "FL", "citizenship": "HONDURAS",
      "detainer_issued": "2017-03-02", "declined_date": "2017-03-06",
      "offense_raw": "Burglary; Larceny"}, False),
])
def test_pairing_rule(a, b, paired):
    measures = frozenset({"declined_count"})
    assert (_similar(a, b, measures) is not None) is paired
