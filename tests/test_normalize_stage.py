"""The normalize stage on the synthetic dump: nothing lost, bad rows refused with the right reason,
cross-checks recorded, and `foia normalize` re-runs from the store alone.
"""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

import extract.pdf
import extract.sheets
import foia.run.pipeline
from foia.run.pipeline import renormalize
from tests.conftest import TRUTH, fielded, load_truth


def truth_files() -> list[dict]:
    """Truth of every file of the sample dump, the OCR'd scan included."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(TRUTH.glob("*.json"))
            if p.name != "manifest.json"]


def test_every_extracted_row_is_a_row_or_a_reject_never_both(sample_db):
    tables = sample_db.execute("SELECT table_id FROM tables").fetchall()
    assert len(tables) >= 13
    for (tid,) in tables:
        extracted = {r[0] for r in sample_db.execute(
            "SELECT DISTINCT row_index FROM cells WHERE table_id=? AND row_kind IN "
            "('data','total')", (tid,))}
        rows = [r[0] for r in sample_db.execute(
            "SELECT row_index FROM rows WHERE table_id=?", (tid,))]
        rejects = [r[0] for r in sample_db.execute(
            "SELECT row_index FROM rejects WHERE table_id=?", (tid,))]
        assert len(rows) + len(rejects) == len(extracted), tid
        assert set(rows) | set(rejects) == extracted and not set(rows) & set(rejects), tid


def _stored_by_cells(db, source_file: str) -> dict[tuple, tuple[str, sqlite3.Row]]:
    out = {}
    for table in ("rows", "rejects"):
        for r in db.execute(f"SELECT * FROM {table} WHERE source_file=?", (source_file,)):
            out[tuple(json.loads(r["raw"]).values())] = (table, fielded(r))
    return out


def test_injected_bad_rows_rejected_with_their_reason(sample_db):
    injected = 0
    for truth in truth_files():
        stored = _stored_by_cells(sample_db, truth["file"])
        for t in truth.get("tables", []):
            for row in [*t.get("rows", []), *([t["total"]] if t.get("total") else [])]:
                want = row.get("expect_reject")
                table, got = stored[tuple(row["cells"])]
                if want:
                    injected += 1
                    assert table == "rejects", (truth["file"], row["cells"][:3])
                    assert want in got["reasons"].split(";"), (row["cells"][:3], got["reasons"])
                    for fips in row.get("candidates", []):
                        assert fips in got["detail"]
                elif t.get("name") == "declined_detainers" or "county_fips" in row.get("truth", {}):
                    assert table == "rows", (truth["file"], row["cells"][:3], got["reasons"])
    assert injected >= 6


def test_every_truth_row_has_the_right_county_and_dates(sample_db):
    checked = 0
    for truth in truth_files():
        stored = _stored_by_cells(sample_db, truth["file"])
        for t in truth.get("tables", []):
            for row in t.get("rows", []):
                want = row.get("truth") or {}
                if row.get("expect_reject") or "county_fips" not in want:
                    continue
                table, got = stored[tuple(row["cells"])]
                assert table == "rows"
                assert got["county_fips"] == want["county_fips"], (row["cells"][:4], want)
                assert got["state"] == want["state"]
                for f in ("detainer_issued", "declined_date"):
                    if f in want:
                        assert got[f] == want[f], row["cells"]
                if row.get("expect_flag"):
                    assert row["expect_flag"] in (got["flags"] or "")
                checked += 1
    assert checked >= 150


def test_total_and_narrative_findings(sample_db):
    totals = sample_db.execute(
        "SELECT * FROM findings WHERE kind='total_mismatch'").fetchall()
    expected_totals = [
        (truth["file"], t["total"]) for truth in truth_files() for t in truth.get("tables", [])
        if t.get("total", {}).get("expect_reject") == "total_mismatch"]
    assert len(expected_totals) >= 2
    for source_file, total in expected_totals:
        hit = [f for f in totals if f["source_file"] == source_file]
        assert hit and hit[0]["stated"] == total["stated"] and hit[0]["actual"] == total["sum"]
    for truth in truth_files():
        for check in truth.get("narrative_checks", []):
            status = "mismatch" if check["expect"] == "mismatch" else "match"
            found = sample_db.execute(
                "SELECT * FROM findings WHERE source_file=? AND kind='narrative_check' AND "
                "stated=?", (truth["file"], check["stated"])).fetchall()
            assert found and found[0]["status"] == status, check
            assert found[0]["page"] == check["page"] and found[0]["table_id"]


@pytest.fixture()
def copied_out(sample_run, tmp_path):
    _, out = sample_run
    dest = tmp_path / "out"
    shutil.copytree(out, dest, ignore=shutil.ignore_patterns(".work"))
    return dest


def test_normalize_after_a_correction_changes_only_the_affected_rows(copied_out, monkeypatch):
    db = sqlite3.connect(copied_out / "foia.sqlite")
    db.row_factory = sqlite3.Row
    twin = db.execute("SELECT * FROM rejects WHERE reasons LIKE '%ambiguous_jurisdiction%' "
                      "ORDER BY record_id LIMIT 1").fetchone()
    assert twin is not None
    raw = json.loads(twin["raw"])
    county, state = raw["County"], raw["State"]
    before_rows = {r["record_id"]: fielded(r) for r in db.execute("SELECT * FROM rows")}
    before_rejects = {r["record_id"]: dict(r) for r in db.execute("SELECT * FROM rejects")}
    cells = db.execute("SELECT COUNT(*), SUM(LENGTH(text)) FROM cells").fetchone()
    db.close()
    fips = "24510" if state == "MD" else "29510"
    (copied_out / "corrections.toml").write_text(
        f'[[jurisdiction]]\nraw = "{county}"\nstate = "{state}"\ncounty_fips = "{fips}"\n'
        'note = "the facility column names the city jail"\n')

    def no_extraction(*args, **kwargs):
        raise AssertionError("normalize must not re-extract any document")

    for target, name in [(extract.pdf, "extract_pdf"), (foia.run.pipeline, "extract_pdf"),
                         (foia.run.pipeline, "extract_item"), (extract.sheets, "read_spreadsheet"),
                         (foia.run.pipeline, "read_spreadsheet")]:
        monkeypatch.setattr(target, name, no_extraction)
    renormalize(copied_out)

    db = sqlite3.connect(copied_out / "foia.sqlite")
    db.row_factory = sqlite3.Row
    after_rows = {r["record_id"]: fielded(r) for r in db.execute("SELECT * FROM rows")}
    after_rejects = {r["record_id"]: dict(r) for r in db.execute("SELECT * FROM rejects")}
    again = db.execute("SELECT COUNT(*), SUM(LENGTH(text)) FROM cells").fetchone()
    assert tuple(again) == tuple(cells)
    moved = set(before_rejects) - set(after_rejects)
    assert twin["record_id"] in moved and moved <= set(after_rows)
    for rid in moved:  # every moved row is one with that raw value, now manual with the fix
        row = after_rows[rid]
        assert json.loads(row["raw"])["County"] == county
        assert row["jurisdiction_match"] == "manual" and row["county_fips"] == fips
    unchanged = {k: v for k, v in after_rows.items() if k not in moved}
    assert unchanged == before_rows
    assert {k: v for k, v in before_rejects.items() if k not in moved} == after_rejects


def test_unmatched_offenses_listed_not_rejected(sample_run):
    summary, _ = sample_run
    s = summary.to_dict()
    assert "unmatched_offense" not in s["reject_reasons"]
    assert isinstance(s["unmatched_offenses"], dict)


def test_truth_files_have_injected_cases():
    bad = load_truth("ddor-bad-rows.pdf.json")
    reasons = {r.get("expect_reject") for t in bad["tables"] for r in t["rows"]}
    assert {"bad_date", "date_order", "ambiguous_jurisdiction", "unknown_jurisdiction"} <= reasons


def test_every_truth_row_has_the_right_offense_categories(sample_db):
    """Each synthetic offense cell is '; '-joined generator wordings, each labelled by hand in
    fixtures/generator_offense_labels.csv (the oracle, not the tagger)."""
    import csv

    from tests.conftest import FIXTURES

    with (FIXTURES / "generator_offense_labels.csv").open(encoding="utf-8") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    labels = {r["wording"]: {r["category"]} for r in csv.DictReader(lines)}
    checked = 0
    for truth in truth_files():
        stored = _stored_by_cells(sample_db, truth["file"])
        for t in truth.get("tables", []):
            if t.get("name") != "declined_detainers":
                continue
            for row in t["rows"]:
                table, got = stored[tuple(row["cells"])]
                if table != "rows":
                    continue
                wordings = row["cells"][7].split("; ")
                expected = set().union(*(labels[w] for w in wordings))
                assert set((got["offense_categories"] or "").split(";")) == expected, wordings
                assert got["most_serious"] in expected
                checked += 1
    assert checked >= 120


def test_low_confidence_ocr_key_cells_are_refused_with_their_text():
    """An OCR'd row whose county cell was read at 0.41 goes to rejects as low_confidence."""
    from extract.model import Cell, Table, TableRow
    from normalize.profiles import load_profile
    from normalize.rows import SourceRef, normalize_table

    header = ("County", "State", "Declined Detainers")
    head = TableRow(tuple(Cell(h, (0, 0, 1, 1)) for h in header), 1, "header")
    good = TableRow((Cell("Cook", (0, 10, 5, 12), 0.93), Cell("IL", (6, 10, 8, 12), 0.95),
                     Cell("12", (9, 10, 10, 12), 0.97)), 1, "data")
    weak = TableRow((Cell("Hanis", (0, 20, 5, 22), 0.41), Cell("TX", (6, 20, 8, 22), 0.9),
                     Cell("50", (9, 20, 10, 22), 0.96)), 1, "data")
    table = Table((head, good, weak), "ocr-layout", 0.9, 1, (0, 0, 10, 22), header)
    out = normalize_table(table, 0, SourceRef("scan.pdf", "a" * 64), load_profile("ddor"))
    assert [r.raw["County"] for r in out.rows] == ["Cook"]
    assert out.rows[0].provenance.method == "ocr:tesseract+layout"
    (reject,) = out.rejects
    assert "low_confidence" in reject.reasons
    assert "'Hanis'" in reject.detail and "0.41" in reject.detail


def test_low_confidence_cells_that_read_exactly_keep_their_row_flagged():
    """Issue 15: on a noisy scan tesseract is unsure of most cells it reads right. A weak cell
    whose text is its value as written keeps the row (flagged); one that needed an OCR fold or
    a repair to mean anything refuses it."""
    from extract.model import Cell, Table, TableRow
    from normalize.profiles import load_profile
    from normalize.rows import SourceRef, normalize_table

    header = ("County", "State", "Declined Date", "Facility")
    rows = [("Cook", "IL", "02/13/2017", 0.45), ("C0ok", "IL", "02/13/2017", 0.45),
            ("Cook", "IL", "02/l3/2017", 0.45), ("Cook", "Ill.", "02/13/2017", 0.95)]
    table = Table(
        (TableRow(tuple(Cell(h, (0, 0, 1, 1)) for h in header), 1, "header"),
         *(TableRow((Cell(c, (0, y, 5, y + 2), conf), Cell(s, (6, y, 8, y + 2), conf),
                     Cell(d, (9, y, 10, y + 2), conf), Cell("(b)(6)", (11, y, 12, y + 2))),
                    1, "data") for y, (c, s, d, conf) in enumerate(rows, start=1))),
        "ocr-layout", 0.9, 1, (0, 0, 12, 6), header)
    out = normalize_table(table, 0, SourceRef("scan.pdf", "a" * 64), load_profile("ddor"))
    kept = {r.row_index: r for r in out.rows}
    assert set(kept) == {1, 4} and "low_confidence" in kept[1].flags
    assert "low_confidence" not in kept[4].flags
    refused = {j.row_index: j for j in out.rejects}
    assert set(refused) == {2, 3}
    assert all(j.reasons == ("low_confidence",) for j in refused.values())
    assert "'C0ok'" in refused[2].detail and "'02/l3/2017'" in refused[3].detail
