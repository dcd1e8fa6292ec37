"""extract.sheets: header-row detection and row kinds on a real ICE release and on built sheets."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import sqlite3
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

import extract.sheets as sheets
from extract.model import PageResult, Table
from extract.sheets import read_spreadsheet, redaction_code

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"
ICE = REAL / "ice-2019-ICFO-31121.xlsx"


def kinds(table: Table) -> list[tuple[int | None, str]]:
    return [(r.sheet_row, r.kind) for r in table.rows]


def save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


# ------------------------------------------------------------------ real: ICE 2019-ICFO-31121


@pytest.fixture(scope="module")
def ice() -> Table:
    pages = read_spreadsheet(ICE, "xlsx")
    assert [(p.number, p.sheet, p.route, p.status) for p in pages] == [
        (1, "2019-ICFO-31121", "sheet", "ok")
    ]
    assert len(pages[0].tables) == 1
    return pages[0].tables[0]


def test_ice_header_is_found_below_the_title_rows(ice: Table) -> None:
    assert (ice.engine, ice.page, ice.sheet, ice.bbox) == ("sheet", 1, "2019-ICFO-31121",
                                                           (1, 1, 32, 221))
    assert kinds(ice)[:7] == [(1, "title"), (2, "title"), (3, "title"), (4, "title"),
                              (6, "header"), (7, "header"), (8, "data")]
    assert ice.rows[1].texts[0] == (
        "2019-ICFO-31121: Authorized DMCP and JFRMU Detention Facilities List"
    )
    assert ice.score >= 0.9


def test_ice_group_header_is_flattened_into_the_header(ice: Table) -> None:
    assert len(ice.header) == 32
    assert ice.header[:9] == (
        "Facility Information DETLOC", "Facility Information Name",
        "Facility Information Address", "Facility Information City",
        "Facility Information State", "Facility Information Zip", "Facility Information AOR",
        "Facility Information Type", "ADP: Fiscal Year FY19 ADP",
    )
    assert ice.header[17] == "FY19 ADP: Criminality and Gender Male Crim"
    assert ice.header[21] == "Initial Bookins: Fiscal Year FY19 Initial Bookins"
    assert ice.header[30:] == ("Authorization Authorization Status",
                               "Authorization Authorizing Authority")
    # the merged group cell I6:Q6 is copied into every spanned position of header row 6
    assert ice.rows_of("header")[0].texts[8:17] == ["ADP: Fiscal Year"] * 9


def test_ice_data_rows_and_the_stewart_row(ice: Table) -> None:
    data = ice.rows_of("data")
    # the sheet has 221 rows: 4 title lines, a blank, 2 header rows and 214 facilities
    assert len(data) == 214
    assert (data[0].sheet_row, data[-1].sheet_row) == (8, 221)
    assert ice.rows_of("total") == [] and ice.rows_of("footnote") == []
    expected = json.loads((REAL / "ice-2019-ICFO-31121.expected.json").read_text())
    stewart = next(r for r in data if r.texts[0] == "STWRTGA")
    assert stewart.sheet_row == 8
    assert stewart.texts[:8] == expected["assertions"][0]["expected"]
    assert stewart.texts[:8] == ["STWRTGA", "STEWART DETENTION CENTER", "146 CCA ROAD",
                                 "LUMPKIN", "GA", "31815", "ATL", "IGSA"]
    assert stewart.cells[3].bbox == (4, 8, 4, 8)
    assert stewart.texts[8] == "1891.1609195402"  # the value, not the "#,##0" display
    assert stewart.texts[30:] == ["AUTHORIZED", "DMCP"]
    maine = next(r for r in data if r.texts[0] == "MEYTHCT")
    assert (maine.sheet_row, maine.texts[5]) == (214, "04106")  # ZIP kept under format 00000


def test_ice_matches_uwchr_conversion_on_every_row(ice: Table) -> None:
    """UWCHR's pipe-CSV shows numbers as displayed (#,##0); ours keep the value, so round."""
    with gzip.open(REAL / "ice-2019-ICFO-31121.csv.gz", "rt", encoding="utf-8") as f:
        truth = list(csv.reader(f, delimiter="|"))
    assert len(truth) == 221
    ours = {r.sheet_row: r.texts for r in ice.rows}
    for line, want in enumerate(truth, start=1):
        if line == 5:
            assert line not in ours and not any(want)
            continue
        got = ours[line]
        if line <= 7:  # titles and header rows: merged text only in the first cell of the CSV
            assert got[0] == want[0].strip()
            continue
        for ours_cell, want_cell in zip(got, want, strict=True):
            if want_cell.replace(",", "").isdigit() and ours_cell != want_cell:
                shown = Decimal(ours_cell).quantize(Decimal(1), ROUND_HALF_UP)
                assert f"{shown:,}" == want_cell, (line, ours_cell, want_cell)
            else:
                assert ours_cell == want_cell, (line, ours_cell, want_cell)


def test_ice_page_text_is_tab_joined(ice: Table) -> None:
    page = read_spreadsheet(ICE, "xlsx")[0]
    lines = page.text.split("\n")
    assert lines[0] == "ERO Custody Management Division"
    assert lines[4] == ""
    assert lines[7].split("\t")[:5] == ["STWRTGA", "STEWART DETENTION CENTER", "146 CCA ROAD",
                                        "LUMPKIN", "GA"]
    assert page.char_count == len(page.text)


# ------------------------------------------------------------------ built workbooks


def test_banner_merged_title_header_data_total_footnotes(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "FY2017"
    ws["A1"] = "U.S. Immigration and Customs Enforcement"
    ws["A2"] = "Declined Detainers by County, FY2017"
    ws.merge_cells("A2:D2")
    ws.append([])
    ws.append(["County", "State", "Declined", "Issued"])
    ws.append(["Harris", "TX", 12, 40])
    ws.append(["Doña Ana", "NM", 3, 9])
    ws.append(["Baltimore city", "MD", 5, 11])
    ws.append(["Total", None, 20, 60])
    ws.append([])
    ws.append(["Source: ICE EID as of 02/10/2017"])
    ws.append(["* Includes detainers issued before FY2017"])
    page = read_spreadsheet(save(wb, tmp_path / "dd.xlsx"), "xlsx")[0]
    (t,) = page.tables
    assert t.header == ("County", "State", "Declined", "Issued")
    assert kinds(t) == [(1, "title"), (2, "title"), (4, "header"), (5, "data"), (6, "data"),
                        (7, "data"), (8, "total"), (10, "footnote"), (11, "footnote")]
    assert t.rows_of("total")[0].texts == ["Total", "", "20", "60"]
    assert t.rows[1].texts == ["Declined Detainers by County, FY2017", "", "", ""]
    assert t.rows_of("footnote")[0].texts[0] == "Source: ICE EID as of 02/10/2017"
    assert (t.bbox, t.page, t.sheet) == ((1, 1, 4, 11), 1, "FY2017")
    assert t.rows[3].cells[2].bbox == (3, 5, 3, 5)
    assert t.rows[3].cells[2].confidence == 1.0
    assert 0.9 <= t.score <= 1.0


def test_total_label_in_a_leading_cell_and_grand_total(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["AOR", "State", "Declined"], ["ATL", "GA", 4], ["ATL", "Totals", 4],
                ["SEA", "WA", 7], ["Grand Total:", None, 11]):
        ws.append(row)
    (t,) = read_spreadsheet(save(wb, tmp_path / "t.xlsx"), "xlsx")[0].tables
    # the ATL Totals row closes its AOR's group: a subtotal (extract.row_classes), the last
    # total-like row the grand total
    assert kinds(t) == [(1, "header"), (2, "data"), (3, "subtotal"), (4, "data"), (5, "total")]


def test_two_sheets_and_two_blocks(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    a = wb.active
    a.title = "Detainers"
    a.append(["County", "Count"])
    a.append(["King", 3])
    a.append(["Pierce", 8])
    b = wb.create_sheet("Policies")
    b.append(["Part I", None])
    b.append(["AOR", "Declined"])
    b.append(["SEA", 11])
    b.append(["MIA", 2])
    b.append([])
    b.append([])
    b.append(["Jurisdiction", "State", "Type"])
    b.append(["Multnomah County", "OR", "Policy"])
    b.append(["Cook County", "IL", "Ordinance"])
    pages = read_spreadsheet(save(wb, tmp_path / "two.xlsx"), "xlsx")
    assert [(p.number, p.sheet, p.status) for p in pages] == [(1, "Detainers", "ok"),
                                                               (2, "Policies", "ok")]
    assert pages[0].tables[0].header == ("County", "Count")
    first, second = pages[1].tables
    assert (first.page, first.bbox, first.header) == (2, (1, 1, 2, 4), ("AOR", "Declined"))
    assert kinds(first) == [(1, "title"), (2, "header"), (3, "data"), (4, "data")]
    # an all-text table: found as the first wide label row, with less confidence
    assert (second.bbox, second.header) == ((1, 7, 3, 9), ("Jurisdiction", "State", "Type"))
    assert kinds(second) == [(7, "header"), (8, "data"), (9, "data")]
    assert second.score < first.score


def test_redacted_cells_keep_text_and_get_codes(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Name", "Country", "Detainer Issued"])
    ws.append(["(b)(6)", "MEXICO", datetime(2017, 1, 28)])
    ws.append(["(b)(6), (b)(7)(c)", "GUATEMALA", datetime(2017, 1, 30)])
    ws.append(["b6", "HONDURAS", datetime(2017, 2, 1)])
    (t,) = read_spreadsheet(save(wb, tmp_path / "r.xlsx"), "xlsx")[0].tables
    assert t.header == ("Name", "Country", "Detainer Issued")
    names = [r.cells[0] for r in t.rows_of("data")]
    assert [(c.text, c.redaction) for c in names] == [
        ("(b)(6)", "(b)(6)"),
        ("(b)(6), (b)(7)(c)", "(b)(6);(b)(7)(C)"),
        ("b6", "(b)(6)"),
    ]
    assert t.rows_of("data")[0].cells[1].redaction is None


@pytest.mark.parametrize(
    ("text", "code"),
    [("(b)(6)", "(b)(6)"), ("(b)(7)(C)", "(b)(7)(C)"), ("b6", "(b)(6)"), ("b7c", "(b)(7)(C)"),
     ("(b)(6);(b)(7)(C)", "(b)(6);(b)(7)(C)"), ("(b)(6), (b)(7)(c)", "(b)(6);(b)(7)(C)"),
     ("(b) (6) and (b)(7)(E)", "(b)(6);(b)(7)(E)"), ("Harris", None), ("B1", None),
     ("b6 HOUSING", None), ("", None)],
)
def test_redaction_code(text: str, code: str | None) -> None:
    assert redaction_code(text) == code


def test_empty_sheet_and_a_failing_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active.append(["County", "Count"])
    wb.active.append(["King", 1])
    wb.create_sheet("Blank")
    wb.create_sheet("Bad")["A1"] = "x"
    path = save(wb, tmp_path / "e.xlsx")
    real_page = sheets._page

    def page(sh: sheets._Sheet, number: int) -> PageResult:
        if sh.name == "Bad":
            raise RuntimeError("broken sheet")
        return real_page(sh, number)

    monkeypatch.setattr(sheets, "_page", page)
    data, blank, bad = read_spreadsheet(path, "xlsx")
    assert (data.status, len(data.tables)) == ("ok", 1)
    assert (blank.number, blank.sheet, blank.status, blank.tables, blank.text) == (
        2, "Blank", "empty", [], "")
    assert (bad.number, bad.sheet, bad.status, bad.error) == (
        3, "Bad", "error", "RuntimeError: broken sheet")


def test_unopenable_file_raises(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="cannot open .*junk.xlsx as xlsx"):
        read_spreadsheet(junk, "xlsx")
    with pytest.raises(ValueError, match="unknown spreadsheet kind 'ods'"):
        read_spreadsheet(junk, "ods")


def test_dates_are_iso(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Declined", "County", "Time"])
    ws.append([datetime(2017, 2, 3), "Travis", datetime(2017, 2, 3, 14, 5)])
    ws.append([date(2017, 2, 10), "Travis", datetime(2017, 2, 10, 9, 0, 30)])
    (t,) = read_spreadsheet(save(wb, tmp_path / "d.xlsx"), "xlsx")[0].tables
    assert t.header == ("Declined", "County", "Time")
    assert [r.texts for r in t.rows_of("data")] == [
        ["2017-02-03", "Travis", "2017-02-03T14:05:00"],
        ["2017-02-10", "Travis", "2017-02-10T09:00:30"],
    ]


def test_two_row_header_with_merged_group_and_year_labels(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Detainers by County"
    ws.merge_cells("A1:E1")
    ws["A2"] = "County"
    ws.merge_cells("A2:A3")
    ws["B2"] = "Declined"
    ws.merge_cells("B2:C2")
    ws["D2"] = "Issued"
    ws.merge_cells("D2:E2")
    ws.append([None, 2016, 2017, 2016, 2017])
    ws.append(["Harris", 10, 12, 35, 40])
    ws.append(["Travis", 140, 150, 160, 170])
    ws.append(["Total", 150, 162, 195, 210])
    (t,) = read_spreadsheet(save(wb, tmp_path / "g.xlsx"), "xlsx")[0].tables
    assert t.header == ("County", "Declined 2016", "Declined 2017", "Issued 2016", "Issued 2017")
    assert kinds(t) == [(1, "title"), (2, "header"), (3, "header"), (4, "data"), (5, "data"),
                        (6, "total")]
    assert t.rows[0].texts == ["Detainers by County", "", "", "", ""]  # title text not copied
    assert t.rows[2].texts == ["County", "2016", "2017", "2016", "2017"]


def test_label_merged_down_over_records_is_copied_to_each(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["AOR", "Facility", "ADP"])
    ws.append(["SEA", "Tacoma", 1326])
    ws.append([None, "Yakima", 4])
    ws.append(["MIA", "Krome", 600])
    ws.merge_cells("A2:A3")
    page = read_spreadsheet(save(wb, tmp_path / "m.xlsx"), "xlsx")[0]
    assert [r.texts for r in page.tables[0].rows_of("data")] == [
        ["SEA", "Tacoma", "1326"], ["SEA", "Yakima", "4"], ["MIA", "Krome", "600"]]
    assert page.text.split("\n")[2] == "\tYakima\t4"  # the page text stays as the sheet has it


def test_xls_with_merges_and_dates(tmp_path: Path) -> None:
    pytest.importorskip("xlrd")
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    ws = book.add_sheet("Declined")
    ws.write_merge(0, 0, 0, 2, "Declined Detainers")
    for c, h in enumerate(["County", "Declined", "Count"]):
        ws.write(2, c, h)
    when = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write(3, 0, "Travis")
    ws.write(3, 1, datetime(2017, 2, 3), when)
    ws.write(3, 2, 4.0)
    ws.write(4, 0, "Harris")
    ws.write(4, 1, datetime(2017, 2, 4), when)
    ws.write(4, 2, 2.5)
    book.save(str(tmp_path / "d.xls"))
    (page,) = read_spreadsheet(tmp_path / "d.xls", "xls")
    (t,) = page.tables
    assert (page.sheet, t.header) == ("Declined", ("County", "Declined", "Count"))
    assert kinds(t) == [(1, "title"), (3, "header"), (4, "data"), (5, "data")]
    assert [r.texts for r in t.rows_of("data")] == [["Travis", "2017-02-03", "4"],
                                                    ["Harris", "2017-02-04", "2.5"]]


# ------------------------------------------------------------------ CSV / TSV


def test_csv_with_a_title_line(tmp_path: Path) -> None:
    path = tmp_path / "dd.csv"
    path.write_text(
        "Declined Detainers by County FY2017\n\nCounty,State,Declined\n"
        'Harris,TX,12\n"Miami-Dade, FL",FL,"1,204"\nTravis,TX,7\nTotal,,"1,223"\n'
        "Note: counts as of 02/10/2017\n",
        encoding="utf-8",
    )
    (page,) = read_spreadsheet(path, "csv")
    assert (page.number, page.sheet, page.route) == (1, "csv", "sheet")
    (t,) = page.tables
    assert t.header == ("County", "State", "Declined")
    assert kinds(t) == [(1, "title"), (3, "header"), (4, "data"), (5, "data"), (6, "data"),
                        (7, "total"), (8, "footnote")]
    assert t.rows[3].texts == ["Miami-Dade, FL", "FL", "1,204"]  # text as written


def test_csv_rows_keep_their_starting_line_number(tmp_path: Path) -> None:
    path = tmp_path / "ml.csv"
    path.write_text('Name,Offense,Count\nA,"Assault\nwith a weapon",2\nB,DUI,3\n')
    (t,) = read_spreadsheet(path, "csv")[0].tables
    assert [(r.sheet_row, r.texts[1]) for r in t.rows_of("data")] == [
        (2, "Assault\nwith a weapon"), (4, "DUI")]


def test_semicolon_csv(tmp_path: Path) -> None:
    path = tmp_path / "sc.csv"
    path.write_text("Landkreis;Staat;Quote\nHarris;TX;1,5\nTravis;TX;12,25\nKing;WA;3\n")
    (t,) = read_spreadsheet(path, "csv")[0].tables
    assert t.header == ("Landkreis", "Staat", "Quote")
    assert t.rows_of("data")[1].texts == ["Travis", "TX", "12,25"]


def test_cp1252_csv(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes("County,State,Declined\r\nDoña Ana,NM,3\r\nHarris,TX,12\r\n".encode("cp1252"))
    (t,) = read_spreadsheet(path, "csv")[0].tables
    assert t.rows_of("data")[0].texts == ["Doña Ana", "NM", "3"]
    assert t.rows_of("data")[0].sheet_row == 2


def test_tsv(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("Report, FY2017\nCounty\tState\tDeclined\nKing, WA\tWA\t4\nPierce\tWA\t9\n")
    (t,) = read_spreadsheet(path, "tsv")[0].tables
    assert t.header == ("County", "State", "Declined")
    assert kinds(t) == [(1, "title"), (2, "header"), (3, "data"), (4, "data")]
    assert t.rows_of("data")[0].texts == ["King, WA", "WA", "4"]


def test_csv_without_a_header_row(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text("1,2,3\n4,5,6\n7,8,9\n")
    (t,) = read_spreadsheet(path, "csv")[0].tables
    assert (t.header, t.score) == ((), 0.0)
    assert [r.kind for r in t.rows] == ["data", "data", "data"]


def test_csv_group_row_without_merges_covers_columns_to_the_next_label(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("Detainers\n,Declined,,Issued,\nCounty,2016,2017,2016,2017\n"
                    "Harris,10,12,35,40\nTravis,140,150,160,170\n")
    (t,) = read_spreadsheet(path, "csv")[0].tables
    assert t.header == ("County", "Declined 2016", "Declined 2017", "Issued 2016", "Issued 2017")
    assert kinds(t) == [(1, "title"), (2, "header"), (3, "header"), (4, "data"), (5, "data")]


def test_header_written_on_two_lines(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("County,Declined,Issued\n,(persons),(persons)\nHarris,12,40\nTravis,3,9\n")
    (t,) = read_spreadsheet(path, "csv")[0].tables
    assert t.header == ("County", "Declined (persons)", "Issued (persons)")
    assert kinds(t) == [(1, "header"), (2, "header"), (3, "data"), (4, "data")]


def test_two_cell_banner_above_header_is_a_title(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("ICE ERO,FY2017\nCounty,State,Declined\nHarris,TX,12\nTravis,TX,3\n")
    (t,) = read_spreadsheet(path, "csv")[0].tables
    assert t.header == ("County", "State", "Declined")
    assert kinds(t) == [(1, "title"), (2, "header"), (3, "data"), (4, "data")]


def test_ice_csv_gz_in_a_dump_gives_the_rows_of_the_xlsx(tmp_path: Path) -> None:
    """The same release as UWCHR's pipe-delimited `.csv.gz` (a gzip: one member, inventoried
    under it) and as the agency's xlsx: the same 214 facilities in the same order, the same
    text cells, the same booking counts (the CSV prints them with thousands separators)."""
    from foia.run.pipeline import run_dump

    dump = tmp_path / "dump"
    dump.mkdir()
    for name in ("ice-2019-ICFO-31121.xlsx", "ice-2019-ICFO-31121.csv.gz"):
        (dump / name).write_bytes((REAL / name).read_bytes())
    run_dump(dump, tmp_path / "out", workers=1)
    conn = sqlite3.connect(tmp_path / "out" / "foia.sqlite")
    member = "ice-2019-ICFO-31121.csv.gz/ice-2019-ICFO-31121.csv"
    files = dict(conn.execute("SELECT path, status FROM files"))
    assert files == {"ice-2019-ICFO-31121.xlsx": "ok", "ice-2019-ICFO-31121.csv.gz": "container",
                     member: "ok"}

    def rows(source: str) -> list[dict]:
        return [json.loads(f) for f, in conn.execute(
            "SELECT fields FROM rows WHERE source_file = ? ORDER BY row_index", (source,))]

    xlsx, csv_gz = rows("ice-2019-ICFO-31121.xlsx"), rows(member)
    sha, = conn.execute("SELECT DISTINCT source_sha256 FROM rows WHERE source_file = ?",
                        (member,)).fetchone()
    conn.close()
    assert sha == hashlib.sha256(
        gzip.decompress((REAL / "ice-2019-ICFO-31121.csv.gz").read_bytes())).hexdigest()
    assert len(xlsx) == len(csv_gz) == 214
    assert list(xlsx[0]) == list(csv_gz[0])  # the same flattened two-row header
    text = [k for k in xlsx[0] if k.startswith(("Facility Information", "Authorization"))]
    assert [[r[k] for k in text] for r in xlsx] == [[r[k] for k in text] for r in csv_gz]
    bookings = [k for k in xlsx[0] if k.startswith("Initial Bookins")]
    assert [[r[k] for k in bookings] for r in xlsx] == [
        [r[k].replace(",", "") for k in bookings] for r in csv_gz]
    stewart = next(r for r in csv_gz if r["Facility Information DETLOC"] == "STWRTGA")
    assert (stewart["Facility Information Name"], stewart["Facility Information City"]) == (
        "STEWART DETENTION CENTER", "LUMPKIN")
