"""The bundled NICS profile on the FBI's November 2015 report (pdfplumber's test document).

Truth: fixtures/real/nics-background-checks-2015-11.table.csv (BuzzFeed News' parse of the
same month, every cell) and the FBI's own arithmetic (each state's Totals = its columns).
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from dataclasses import replace

import pytest

from foia import store
from foia.run.pipeline import run_dump
from normalize.outcome import DocContext, SourceRef
from normalize.profiles import load_profile
from normalize.rows import normalize_table
from tests.conftest import REAL

NICS = "nics-background-checks-2015-11.pdf"


@pytest.fixture(scope="module")
def nics_db(tmp_path_factory):
    dump = tmp_path_factory.mktemp("nics_dump")
    shutil.copy(REAL / NICS, dump / NICS)
    out = tmp_path_factory.mktemp("nics_out")
    run_dump(dump, out, profile="nics", workers=1)
    conn = sqlite3.connect(out / "foia.sqlite")
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def truth() -> dict[str, dict[str, str]]:
    with (REAL / "nics-background-checks-2015-11.table.csv").open(encoding="utf-8") as fh:
        return {r["state"]: r for r in csv.DictReader(fh)}


def test_every_state_and_territory_once_with_its_month_and_columns(nics_db):
    rows = nics_db.execute("SELECT * FROM rows WHERE kind='nics_checks' AND is_total=0")
    got = {json.loads(r["raw"])["State / Territory"]: json.loads(r["fields"]) for r in rows}
    want = truth()
    assert got.keys() == want.keys() and len(got) == 55
    for state, fields in got.items():
        assert fields["month"] == "2015-11"
        assert fields["state"] and len(fields["state"]) == 2, state  # USPS code, MP/VI too
        for column, value in want[state].items():
            if column != "state":
                assert fields.get(column) == (int(value) if value else None), (state, column)
    assert nics_db.execute("SELECT COUNT(*) FROM rejects").fetchone()[0] == 0


def test_each_row_sums_to_its_total_and_a_wrong_cell_is_rejected(nics_db):
    prof = load_profile("nics")
    parts = prof.kind("nics_checks").sums["totals"]
    for r in nics_db.execute("SELECT fields FROM rows WHERE kind='nics_checks'"):
        f = json.loads(r["fields"])
        assert f["totals"] == sum(f.get(p) or 0 for p in parts)
    sha = nics_db.execute("SELECT sha256 FROM documents").fetchone()[0]
    index, table = max(store.load_tables(nics_db, sha), key=lambda it: len(it[1].rows))
    first = next(i for i, r in enumerate(table.rows) if r.kind == "data")
    row = table.rows[first]
    cells = list(row.cells)
    cells[1] = replace(cells[1], text="18,871")  # Alabama's permits, one more than printed
    rows = list(table.rows)
    rows[first] = replace(row, cells=tuple(cells))
    out = normalize_table(replace(table, rows=tuple(rows)), index,
                          DocContext(SourceRef(NICS, sha), page_text={1: "November - 2015"}),
                          prof)
    by_state = {r.raw["State / Territory"]: r for r in out.rejects}
    # the row no longer adds up, and the Totals row no longer equals its column
    assert by_state.keys() == {"Alabama", "Totals"} and len(out.rows) == 54
    assert by_state["Alabama"].reasons == ("sum_mismatch",)
    assert "71137" in by_state["Alabama"].detail and "71138" in by_state["Alabama"].detail
    assert by_state["Totals"].reasons == ("total_mismatch",)


def run_monthly(pdf: str, tmp_path) -> tuple[dict, int, int]:
    """`foia run --profile nics` on one report: ({(month, state): fields}, Totals rows,
    rejects) and the truth CSV beside the PDF as {(month, state): row}."""
    shutil.copy(REAL / pdf, tmp_path / pdf)
    run_dump(tmp_path, tmp_path / "out", profile="nics", workers=1)
    conn = sqlite3.connect(tmp_path / "out" / "foia.sqlite")
    got = {}
    for raw, fields in conn.execute(
            "SELECT raw, fields FROM rows WHERE kind='nics_checks' AND is_total=0"):
        f = json.loads(fields)
        got[(f["month"], json.loads(raw)["State / Territory"])] = f
    n_totals = conn.execute(
        "SELECT COUNT(*) FROM rows WHERE kind='nics_checks' AND is_total=1").fetchone()[0]
    rejects = conn.execute("SELECT COUNT(*) FROM rejects").fetchone()[0]
    conn.close()
    return got, n_totals, rejects


def monthly_truth(pdf: str) -> dict:
    with (REAL / pdf.replace(".pdf", ".table.csv")).open(encoding="utf-8") as fh:
        return {(r["month"], r["state"]): r for r in csv.DictReader(fh)}


def assert_cells(got: dict, want: dict) -> None:
    for key, row in want.items():
        for column, value in row.items():
            if column not in ("month", "state"):
                assert got[key].get(column) == int(value), (key, column)


FIVE = "nics-checks-five-years-p1-3.pdf"


def test_five_year_format_pages_every_cell_and_month(tmp_path):
    """The 2023 layout (Permit Recheck column, notes above the table, a four-line header with
    labels the column rules run through): two monthly pages, every state, every column."""
    got, _, rejects = run_monthly(FIVE, tmp_path)
    want = monthly_truth(FIVE)
    assert got.keys() == want.keys() and len(got) == 110 and rejects == 0
    assert_cells(got, want)


@pytest.mark.slow
def test_nics_five_year_report_through_the_profile(tmp_path):
    """Issue 5's invariants on the 58-page report: every state and month present, each row's
    Totals the sum of its columns (the profile rejects any row that is not), and every cell
    equal to BuzzFeed News' parse of the same PDF."""
    name = "fbi-nics-checks-last-five-years.pdf"
    got, n_totals, rejects = run_monthly(name, tmp_path)
    want = monthly_truth(name)
    months = {m for m, _ in want}
    assert len(months) == 57 and len(want) == 3135
    assert got.keys() == want.keys() and rejects == 0 and n_totals == 57
    parts = load_profile("nics").kind("nics_checks").sums["totals"]
    for key in want:
        assert got[key]["totals"] == sum(got[key].get(p) or 0 for p in parts), key
    assert_cells(got, want)
