"""Issue 17: real releases of the shapes agencies produce, against truth made apart from the code.

Each folder of fixtures/real/releases holds a public release and its truth (CONTRACT.md there;
PROVENANCE.md in each folder says where the document and the truth came from: the source
project's own cleaned data, or a transcription by a helper that had not seen our output).
Values asserted here are read from those truth files, not written into the test.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import sqlite3
from pathlib import Path

import pytest

from extract.model import Cell, TableRow
from extract.pdf import extract_pdf
from extract.row_classes import classify_rows
from extract.sheets import read_spreadsheet

RELEASES = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "releases"
SHA = "0" * 64


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def truth(folder: str) -> dict:
    return json.loads((RELEASES / folder / "truth.json").read_text(encoding="utf-8"))


def truth_rows(folder: str, name: str) -> list[list[str]]:
    path = RELEASES / folder / name
    if not path.exists():
        path = path.with_name(path.name + ".gz")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        return [[_norm(c) for c in row] for row in csv.reader(fh)]


def classes(folder: str, name: str) -> list[str]:
    return (RELEASES / folder / name).read_text(encoding="utf-8").split()


def extract(folder: str):
    return extract_pdf(str(RELEASES / folder / truth(folder)["file"]), truth(folder)["file"], SHA)


def tables(doc) -> list:
    return [t for p in doc.pages for t in p.tables]


def body(table) -> list[tuple[str, ...]]:
    return [tuple(_norm(c.text) for c in r.cells) for r in table.rows
            if r.kind in ("data", "subtotal", "total", "group")]


def run_release(folder: str, tmp_path: Path, name: str) -> tuple[Path, sqlite3.Connection]:
    """`foia run` on a dump holding the release's document as `name`: the output folder and
    a connection to its store."""
    from click.testing import CliRunner

    from foia.cli import main

    dump, out = tmp_path / "dump", tmp_path / "out"
    dump.mkdir()
    (dump / name).write_bytes((RELEASES / folder / truth(folder)["file"]).read_bytes())
    res = CliRunner().invoke(main, ["run", str(dump), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out, sqlite3.connect(out / "foia.sqlite")


# -- shape 2: cells wrapped over many lines, records in bands, header on page 1 only ----------

def test_norman_2019_arrest_list_every_record_whole_under_one_header() -> None:
    """Norman PD daily arrest activity (2019 template): grey bands per record, cells centred
    in their band and wrapped over up to three lines, the header on page 1 only. One table
    over both pages, its header as printed, every record of the truth whole."""
    folder = "2-norman-arrest-summary-2019"
    spec = truth(folder)["tables"][0]
    rows = truth_rows(folder, spec["csv"])
    header, records = rows[:spec["header_rows"]], rows[spec["header_rows"]:]
    (table, *rest) = [t for t in tables(extract(folder)) if t.ncols == len(header[0])]
    assert table.pages == [1, 2] and not rest
    assert [_norm(h) for h in table.header] == header[0]
    got = body(table)
    assert all(tuple(r) in got for r in records)
    # one line more than the truth: the print time stamped under the last record
    assert len(got) == len(records) + 1


def test_norman_2020_arrest_list_every_record_whole() -> None:
    """The 2020 template wraps cells over up to eight lines (an offense of 22 words) and
    starts records with a wrapped line above the key line. All four pages form one table
    under the page-1 header: pages 3 and 4 are cut at the columns of the page before (their
    status and officer columns run together with no header to part them), and page 4's
    first band, a record, is not taken for a header. Every record of the truth comes out
    whole."""
    folder = "2-norman-arrest-summary"
    spec = truth(folder)["tables"][0]
    rows = truth_rows(folder, spec["csv"])
    header, records = rows[:spec["header_rows"]], rows[spec["header_rows"]:]
    first = tables(extract(folder))[0]
    assert first.pages == [1, 2, 3, 4]
    assert [_norm(h) for h in first.header][:5] == header[0][:5]
    got = body(first)
    assert all(tuple(r) in got for r in records)
    assert len(got) == len(records) + 1  # and the print time stamped under the last record


# -- shape 3: header printed once over a 17-page table ----------------------------------------

@pytest.mark.slow
def test_colombia_zika_table_stitched_under_its_page_one_header() -> None:
    """Colombia INS Zika cases by municipality: a ruled table over 17 pages, its two-line
    header on page 1 only. One table, the header as printed ("Sospechosos" set mid-height
    beside two-line labels stays its own column's), every municipality row whole, and the
    TOTAL GENERAL row a total."""
    folder = "3-colombia-zika-municipal"
    spec = truth(folder)["tables"][0]
    rows = truth_rows(folder, spec["csv"])
    kinds = classes(folder, spec["classes"])
    header = rows[0]
    data = [r for r, k in zip(rows, kinds) if k == "data"]
    (table,) = [t for t in tables(extract(folder)) if t.ncols == len(header)]
    assert table.pages == list(range(1, 18))
    assert [_norm(h) for h in table.header] == header
    got = [tuple(_norm(c.text) for c in r.cells) for r in table.rows if r.kind == "data"]
    assert got == [tuple(r) for r in data]
    (total,) = [r for r in table.rows if r.kind == "total"]
    stated = [r for r, k in zip(rows, kinds) if k == "total"][0]
    assert [_norm(c.text) for c in total.cells][3:] == stated[3:]


# -- shape 4: subtotals and group rows --------------------------------------------------------

def test_brazil_region_subtotals_classified_from_the_truth_rows() -> None:
    """Brazil microcephaly bulletin table 1: the five REGIÃO rows close their states' group
    with no "Total" in their label, and Brasil, the grand total, is printed first. Classified
    on the truth's own rows, every class equals the truth's."""
    folder = "4-brazil-microcephaly-by-region"
    spec = truth(folder)["tables"][0]
    rows = truth_rows(folder, spec["csv"])
    kinds = classes(folder, spec["classes"])
    n = spec["header_rows"]
    table_rows = [TableRow(tuple(Cell(t) for t in r), 1, "header" if i < n else "data")
                  for i, r in enumerate(rows)]
    assert [r.kind for r in classify_rows(table_rows)] == kinds


def test_brazil_table_rows_whole_under_its_caption() -> None:
    """On the page: the caption above the table (its superscript on a line of its own) is not
    the header, the black Brasil band right under the header is a row (the total printed
    first), and every body row of the truth comes out whole with its class."""
    folder = "4-brazil-microcephaly-by-region"
    spec = truth(folder)["tables"][0]
    rows = truth_rows(folder, spec["csv"])
    kinds = classes(folder, spec["classes"])
    first = tables(extract(folder))[0]
    got = {tuple(_norm(c.text) for c in r.cells): r.kind for r in first.rows}
    want = [(tuple(r), k) for r, k in zip(rows, kinds) if k != "header"]
    assert all(got.get(r) == k for r, k in want)
    assert not any("Tabela" in h for h in first.header)


def test_brazil_subtotals_found_on_the_page_and_checked(tmp_path: Path) -> None:
    """Run on the PDF: the region rows stored as subtotals, each checked against its states
    (a finding per subtotal, all matching), the states as data rows."""
    folder = "4-brazil-microcephaly-by-region"
    spec = truth(folder)["tables"][0]
    rows = truth_rows(folder, spec["csv"])
    kinds = classes(folder, spec["classes"])
    regions = {r[1] for r, k in zip(rows, kinds) if k == "subtotal"}
    _, conn = run_release(folder, tmp_path, "bulletin.pdf")
    stored = [set(json.loads(raw).values()) for (raw,) in conn.execute(
        "SELECT raw FROM rows WHERE row_class = 'subtotal' AND page = 1")]
    assert len(stored) == len(regions)
    assert all(len(regions & cells) == 1 for cells in stored)
    checks = conn.execute("SELECT status FROM findings WHERE kind = 'subtotal_check' "
                          "AND page = 1").fetchall()
    assert [s for (s,) in checks] == ["match"] * len(regions)


def test_medi_cal_subtotals_of_subtotals_add_up() -> None:
    """Medi-Cal enrollment (camelot's row_span_1, shared corpus): "Total GMC Enrollment",
    "Total COHS Enrollment" and "Total PHP Enrollment" close their plan model; "Subtotal for
    Two-Plan, Regional Model, GMC and COHS" and "All Models Total Enrollments" follow. Rows
    as camelot's expected output gives them (its test suite's truth)."""
    from extract.model import Table
    from normalize.outcome import SourceRef
    from normalize.rows import normalize_table

    path = RELEASES.parents[2] / ".." / "shared" / "corpus" / "camelot" / "row_span_1.table-1.csv"
    if not path.exists():
        pytest.skip("shared corpus not beside the repository")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    table_rows = [TableRow(tuple(Cell(t) for t in r), 1, "header" if i == 0 else "data")
                  for i, r in enumerate(rows)]
    out = classify_rows(table_rows)
    label = {i: (r.texts[1] if r.texts[0] in ("GMC", "COHS", "PCCM") else r.texts[0])
             for i, r in enumerate(out)}
    assert [label[i] for i, r in enumerate(out) if r.kind == "subtotal"] == [
        "Total GMC Enrollment", "Total COHS Enrollment",
        "Subtotal for Two-Plan, Regional Model, GMC and COHS", "Total PHP Enrollment"]
    assert [label[i] for i, r in enumerate(out) if r.kind == "total"] == [
        "All Models Total Enrollments"]
    assert out[-1].kind == "footnote"  # "Source: Data Warehouse 12/14/15"
    res = normalize_table(Table(out, "camelot", 1.0, 1, None, tuple(rows[0])), 0,
                          SourceRef("medi-cal.pdf", SHA), None)
    checks = [f.status for f in res.findings if f.kind == "subtotal_check"]
    # the three plan-model subtotals add up; the "Subtotal for Two-Plan, Regional Model…"
    # also counts Two-Plan and Regional rows printed on earlier pages of the report, not in
    # this one-page excerpt: refused, with both figures said
    assert checks == ["match", "match", "mismatch", "match"]
    (refused,) = res.rejects
    assert refused.reasons == ("sum_mismatch",) and "10,132,022" in refused.detail


# -- shape 5: workbooks -----------------------------------------------------------------------

def test_nwdc_sheets_trimmed_of_formula_only_rows() -> None:
    """GEO/NWDC segregation admissions workbook: a "Total days" formula copied hundreds of
    rows past the data (350 on sheet 2020, each showing 1). Every sheet keeps exactly the
    truth's records, first and last equal."""
    folder = "5-nwdc-rhu-admissions-2015-2020"
    spec = truth(folder)
    pages = read_spreadsheet(RELEASES / folder / spec["file"], "xlsx")
    by_sheet = {p.sheet: p for p in pages}
    for t in spec["tables"]:
        rows = truth_rows(folder, t["csv"])
        records = rows[t["header_rows"]:]
        (table,) = by_sheet[t["sheet"]].tables
        data = [r for r in table.rows if r.kind in ("data", "subtotal", "total")]
        assert len(data) == len(records), t["sheet"]
        assert data[-1].sheet_row == t["last_data_row"], t["sheet"]
        assert _norm(data[-1].cells[1].text) == records[-1][1], t["sheet"]


# -- shape 6: form pages ----------------------------------------------------------------------

def test_rochester_deposition_form_fields() -> None:
    """A NY supporting deposition (Rochester PD traffic ticket): labels in the form's face,
    values printed bold beside them or under them. Most of the truth's fields are read with
    their values, and none is read with a wrong value."""
    folder = "6-rochester-supporting-deposition"
    want = {}
    for row in truth_rows(folder, truth(folder)["fields"]["csv"])[1:]:
        want.setdefault(row[1].rstrip(":"), set()).add(row[2])
    doc = extract(folder)
    got = [(f.label, f.value) for p in doc.pages for f in p.fields]
    right = [(label, value) for label, value in got if value in want.get(label, ())]
    wrong = [(label, value) for label, value in got if label in want
             and value not in want[label]]
    assert len(right) >= 16 and not wrong
    assert all(f.bbox and f.page == 1 for p in doc.pages for f in p.fields)


# -- shape 1: master-detail -------------------------------------------------------------------

def test_stanislaus_roster_masters_and_details(tmp_path: Path) -> None:
    """Stanislaus County in-custody report (pages 1-3): each inmate line is followed by its
    charge lines, which repeat the labels Charge: / Case No: / Bail: / CourtDt:. Stored as
    one row per line: every inmate a master row, every charge a detail row that carries its
    inmate's name and booking number, as many of each as the truth has."""
    folder = "1-stanislaus-in-custody"
    spec = truth(folder)["tables"][0]
    rows = truth_rows(folder, spec["csv"])
    kinds = classes(folder, spec["classes"])
    _, conn = run_release(folder, tmp_path, "roster.pdf")
    count = dict(conn.execute("SELECT row_class, COUNT(*) FROM rows GROUP BY row_class"))
    assert count["master"] == kinds.count("master")
    assert count["detail"] == kinds.count("detail")
    # the truth in printed order: each charge under the inmate line above it
    owner, charges = None, []
    for row, kind in zip(rows, kinds):
        if kind == "master":
            owner = row
        elif kind == "detail":
            charges.append((owner[0], owner[1], row[0].removeprefix("Charge:").strip()))
    stored = [(f.get("Inmate Name"), f.get("Booking #"), f.get("Charge")) for f in (
        json.loads(raw) for (raw,) in conn.execute(
            "SELECT fields FROM rows WHERE row_class = 'detail' ORDER BY page, row_index"))]
    # every charge with its own inmate, those printed at the top of a page before its first
    # inmate too (the roster is one table over the pages, the title box drawn at the top of
    # each page set aside as a table of its own)
    assert stored == charges


# -- shape 6 scanned, shape 7: OCR ------------------------------------------------------------

@pytest.mark.slow
def test_williamstown_scanned_request_form_fields() -> None:
    """A scanned, hand-filled records-request form: read by OCR in its deskewed frame, the
    printed labels with their typed or clearly written values, boxes on the page."""
    folder = "6-williamstown-records-request"
    want = {row[1].rstrip(":"): row[2]
            for row in truth_rows(folder, truth(folder)["fields"]["csv"])[1:]}
    doc = extract(folder)
    got = {f.label: f.value for p in doc.pages for f in p.fields}
    right = [k for k, v in got.items() if k in want and want[k] == v]
    assert {"Date of Request", "Phone Number", "Name(s) of Involved",
            "Requesting Party Signature"} <= set(right)
    assert all(f.bbox and f.method == "printed" for p in doc.pages for f in p.fields)


@pytest.mark.slow
def test_williamstown_scanned_listing_header_on_every_page() -> None:
    """A line-printer listing scanned to image (no text layer), its header printed at the top
    of every page: the header is not taken for a running head, the row at the foot of a page
    ("WIA  1146 …", shaped like a Bates number) is not taken for furniture, and nearly every
    record is found (a regression floor: page 2 still gains a spurious fourth column)."""
    folder = "7-williamstown-permit-sites"
    spec = truth(folder)["tables"][0]
    rows = truth_rows(folder, spec["csv"])
    header, records = rows[0], rows[1:]
    found = tables(extract(folder))
    assert [_norm(h) for h in found[-1].header] == header
    got = [row for t in found for row in body(t)]
    assert abs(len(got) - len(records)) <= 0.03 * len(records)
    assert sum(1 for r in records if tuple(r) in got) >= 115
    assert any(row[:2] == ("WIA", "1146") for row in got)


def test_form_fields_stored_exported_and_checked(tmp_path: Path) -> None:
    """The form's fields go to the store's `fields` table with page and boxes, export like any
    table, and `foia check` fails a field that lost its box."""
    import csv as _csv

    from click.testing import CliRunner

    from foia.cli import main

    folder = "6-rochester-supporting-deposition"
    want = {(r[1].rstrip(":"), r[2])
            for r in truth_rows(folder, truth(folder)["fields"]["csv"])[1:]}
    out, _ = run_release(folder, tmp_path, "form.pdf")
    runner = CliRunner()
    res = runner.invoke(main, ["export", "--table", "fields", "--out", str(out)])
    assert res.exit_code == 0, res.output
    with (out / "exports" / "fields.csv").open(encoding="utf-8", newline="") as fh:
        exported = list(_csv.DictReader(fh))
    assert len({(r["label"], r["value"]) for r in exported} & want) >= 16
    assert all(r["bbox"] and r["page"] == "1" and r["source_link"] == "form.pdf#page=1"
               for r in exported)
    assert runner.invoke(main, ["check", "--out", str(out)]).exit_code == 0
    with sqlite3.connect(out / "foia.sqlite") as conn:
        conn.execute("UPDATE fields SET bbox = NULL WHERE field_index = 0")
    res = runner.invoke(main, ["check", "--out", str(out)])
    assert res.exit_code != 0 and "field_without_provenance" in res.output


def test_lesa_redaction_codes_with_a_parenthesis_dropped() -> None:
    """ICE's LESA production (UW v. DHS) prints its exemption codes with a parenthesis dropped
    or a space inside: every code cell of its Arrests sheet reads as codes."""
    from normalize.fields import redaction_codes

    folder = "5-ice-seattle-lesa-uw-v-dhs-2019"
    spec = truth(folder)["tables"][0]
    cells = {c for row in truth_rows(folder, spec["csv"]) for c in row if c.startswith("(b)")}
    assert "(b)(6),(b)(7)c)" in cells
    assert all(redaction_codes(c) for c in cells), [c for c in cells if not redaction_codes(c)]
    assert redaction_codes("(b)(6),(b)(7)c)") == "(b)(6);(b)(7)(C)"
    assert redaction_codes("(b)(6) and (b)(7)(C)") == "(b)(6);(b)(7)(C)"  # not "(b)(6)(A)"
