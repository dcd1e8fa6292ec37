"""Tables claimed by what their cells hold, not only by their header (issue 15).

Regression tests on small tables written here; the accuracy evidence is the blind generator
(tests/test_blind_ddor.py, bench/blind_ddor.py) and the blind place set (bench/places_blind.py).
"""

from __future__ import annotations

import pytest

from extract.model import Cell, Table, TableRow
from normalize.column_content import profile_column
from normalize.dates import column_order, read_date
from normalize.profiles import load_profile, match_table
from normalize.rows import SourceRef, is_noise_row, normalize_table

DDOR = load_profile("ddor")
SRC = SourceRef("release.pdf", "b" * 64)


def table(header: list[str], rows: list[list[str]], engine: str = "layout") -> Table:
    out = []
    if header:
        out.append(TableRow(tuple(Cell(h, (0, 0, 1, 1)) for h in header), 1, "header"))
    for y, r in enumerate(rows, start=1):
        out.append(TableRow(tuple(Cell(t, (i * 10, y * 10, i * 10 + 9, y * 10 + 8))
                                  for i, t in enumerate(r)), 1, "data"))
    return Table(tuple(out), engine, 0.9, 1, (0, 0, 100, 100), tuple(header))


def columns(rows: list[list[str]]) -> list[list[str]]:
    return [[r[c] for r in rows] for c in range(len(rows[0]))]


DETAINERS = [
    ["Harris", "Tex.", "02/01/2017", "02/03/2017", "DUI Liquor; Assault"],
    ["Cook County", "Ill.", "01/30/2017", "02/02/2017", "Dangerous Drugs"],
    ["LOS ANGELES CO.", "Calif.", "02/02/2017", "02/04/2017", "Illegal Re-Entry"],
    ["Maricopa", "Ariz.", "01/29/2017", "02/01/2017", "Burglary"],
]


def test_a_table_without_header_is_claimed_by_its_cells():
    m = match_table([""] * 5, DDOR, columns(DETAINERS))
    assert m is not None and m.kind == "declined_detainers"
    assert m.columns == {0: "jurisdiction_raw", 1: "state", 2: "detainer_issued",
                         3: "declined_date", 4: "offense_raw"}
    assert set(m.how.values()) == {"content"}
    out = normalize_table(table([], DETAINERS), 0, SRC, DDOR)
    assert not out.rejects
    assert [r.fields["county_fips"] for r in out.rows] == ["48201", "17031", "06037", "04013"]


def test_two_date_columns_are_ordered_by_their_values():
    """Declined before issued in the columns' order: the later dates are the declined ones."""
    swapped = [[r[0], r[1], r[3], r[2], r[4]] for r in DETAINERS]
    m = match_table([""] * 5, DDOR, columns(swapped))
    assert m.columns[2] == "declined_date" and m.columns[3] == "detainer_issued"


@pytest.mark.parametrize("cells,field", [
    (["02/01/2017", "02/03/2017", "01/30/2017"], "declined_date"),
    (["12", "7", "31"], "declined_count"),
])
def test_declined_is_a_date_or_a_count_by_its_cells(cells, field):
    """`Declined` over dates is the declined date; over counts the count (a jail list)."""
    rows = [["Harris County Jail", "Harris", "TX", cells[0]],
            ["Cook County Jail", "Cook", "IL", cells[1]],
            ["Travis County Correctional Complex", "Travis", "TX", cells[2]]]
    m = match_table(["Facility", "County", "State", "Declined"], DDOR, columns(rows))
    assert m.columns[3] == field
    assert m.kind == ("jail_counts" if field == "declined_count" else "declined_detainers")


def test_a_header_the_cells_contradict_is_overruled_and_noted():
    from normalize.mapping import Columns, map_columns
    from normalize.profiles import norm_header

    rows = [["Harris", "TX", "02/01/2017"], ["Cook", "IL", "02/03/2017"],
            ["Dallas", "TX", "01/30/2017"]]
    found, notes = map_columns(Columns(["County", "State", "Count"], columns(rows)),
                               DDOR.kind("jurisdiction_counts"), norm_header)
    assert [m.field for m in found] == ["jurisdiction_raw", "state"]
    assert any("'Count'" in n and "dates" in n for n in notes)
    assert match_table(["County", "State", "Count"], DDOR, columns(rows)) is None


def test_many_numeric_columns_do_not_make_a_jail_list():
    """ICE's facility lists (ZIP, ADP by year) have jails and numbers but no declined count:
    a count is mapped from content only when one column could hold it, and a bare 5-digit
    number is not an Excel date."""
    rows = [["STEWART DETENTION CENTER", "LUMPKIN", "GA", "31815", "1891", "1750"],
            ["OTERO COUNTY PROCESSING CENTER", "CHAPARRAL", "NM", "88081", "820", "790"],
            ["JOE CORLEY DETENTION FACILITY", "CONROE", "TX", "77301", "1120", "1003"]]
    m = match_table(["Name", "City", "State", "Zip", "ADP FY18", "ADP FY19"], DDOR,
                    columns(rows))
    assert m is None or "declined_count" not in m.columns.values()
    assert profile_column(["31815", "88081", "77301"]).share("date") == 0


def test_rank_column_is_not_the_count():
    rows = [["1", "Harris", "TX", "87"], ["2", "Cook", "IL", "60"], ["3", "Travis", "TX", "41"]]
    m = match_table([""] * 4, DDOR, columns(rows))
    assert m.kind == "jurisdiction_counts" and m.columns[3] == "declined_count"
    assert 0 not in m.columns


def test_header_split_into_the_first_rows_is_joined_back():
    """"Area of / Responsibility", "Detainer / Issued" came out as a header line and a data
    row: the row is taken as header (stored as such), not refused."""
    rows = [["Responsibility", "", "", "Issued", "Declined"], *[
        ["Houston", r[0], r[1], r[2], r[3]] for r in DETAINERS]]
    t = table(["Area of", "County", "State", "Detainer", "Date"], rows)
    out = normalize_table(t, 0, SRC, DDOR)
    assert out.match.kind == "declined_detainers"
    assert out.header_rows == [1] and not out.rejects and len(out.rows) == 4
    assert out.match.columns[0] == "aor" and out.match.how[3] == "alias"


def test_a_header_printed_again_is_not_a_rejected_row():
    rows = [DETAINERS[0], DETAINERS[1], ["County", "State", "Detainer Issued", "Declined Date",
                                          "Notable Criminal Activity"], DETAINERS[2]]
    header = ["County", "State", "Detainer Issued", "Declined Date", "Notable Criminal Activity"]
    out = normalize_table(table(header, rows), 0, SRC, DDOR)
    assert out.header_rows == [3] and not out.rejects and len(out.rows) == 3


def test_noise_rows_are_their_own_reject():
    assert is_noise_row(["______", "", "====="]) and not is_noise_row(["-", ""])
    rows = [*DETAINERS[:2], ["— — — —", "______", "", "", "====="], DETAINERS[2]]
    out = normalize_table(table(["County", "State", "Detainer Issued", "Declined Date",
                                 "Offense"], rows), 0, SRC, DDOR)
    assert [j.reasons for j in out.rejects] == [("noise",)] and len(out.rows) == 3


def test_a_value_printed_once_per_group_is_carried_down():
    header = ["AOR", "County", "State", "Detainer Issued", "Declined Date"]
    rows = [["Houston", "Harris", "TX", "02/01/2017", "02/03/2017"],
            ["", "Travis", "TX", "02/01/2017", "02/02/2017"],
            ["", "Dallas", "TX", "02/01/2017", "02/04/2017"],
            ["Chicago", "Cook", "IL", "01/30/2017", "02/02/2017"],
            ["", "Lake", "IL", "01/30/2017", "02/01/2017"]]
    out = normalize_table(table(header, rows), 0, SRC, DDOR)
    assert [r.fields["aor"] for r in out.rows] == ["Houston"] * 3 + ["Chicago"] * 2
    assert "carried_aor" in out.rows[1].flags and not out.rows[0].flags
    assert out.rows[1].raw["AOR"] == ""  # raw stays as written


def test_a_blank_county_beside_a_known_jail_resolves():
    header = ["Facility", "County", "State", "Detainer Issued", "Declined Date"]
    rows = [["Travis County Correctional Complex", "", "Tex.", "02/01/2017", "02/03/2017"],
            ["(b)(6)", "", "TX", "02/01/2017", "02/03/2017"]]
    out = normalize_table(table(header, rows), 0, SRC, DDOR)
    (row,) = out.rows
    assert row.fields["county_fips"] == "48453" and row.fields["jurisdiction_match"] == "facility"
    (reject,) = out.rejects
    assert reject.reasons == ("missing_field",)


@pytest.mark.parametrize("text,iso", [
    ("03FEB2017", "2017-02-03"), ("3-Feb-17", "2017-02-03"), ("Jan 15, 201 7", "2017-01-15"),
    ("“Jan 25, 2017", "2017-01-25"), ("02/03/20l7", "2017-02-03"), ("Jan 1 5, 2017", "2017-01-15"),
    ("Jan 15,2017", "2017-01-15"), ("Sept. 5, 2017", "2017-09-05"),
])
def test_date_forms_and_ocr_splits(text, iso):
    assert read_date(text, 2017).value == iso


@pytest.mark.parametrize("text", ["2017", "Jan 15", "02/30/2017", "n/a", "62/16/2017"])
def test_not_dates(text):
    assert not read_date(text, 2017).ok


def test_day_and_month_order_is_the_columns():
    assert column_order(["02/11/2017", "03/04/2017"]) == "mdy"
    assert column_order(["25/01/2017", "03/04/2017"]) == "dmy"
    assert read_date("03/04/2017", 2017, "dmy").value == "2017-04-03"
    mixed = column_order(["25/01/2017", "01/25/2017", "13/02/2017", "02/13/2017"])
    assert mixed == "ambiguous"
    refused = read_date("03/04/2017", 2017, mixed)
    assert not refused.ok and "either way" in refused.reason
    assert read_date("25/01/2017", 2017, mixed).value == "2017-01-25"  # only one reading
    # a misread digit on a scan is not evidence of another order
    assert column_order(["02/13/2017"] * 5 + ["92/10/2017", "25/01/2017"]) == "mdy"


def test_two_headers_aliasing_one_field_go_to_the_column_whose_cells_fit():
    """Blind release seed 10, page 2 (cells as extracted): "Law Enforcement Agency" (jail names,
    redactions) left of "Jurisdiction" (county names); both are aliases of the jurisdiction and
    the leftmost took it, so every row with a redacted jail lost its county (7 of 15 rows). The
    cells say which column holds counties."""
    header = ['Law Enforcement Agency', 'Jurisdiction', 'State', 'Area of Resp.', 'Sex', 'Lodged',
              'Decline Date', 'Country of Citizenship', 'Offense(s)']
    rows = [['(b)(6), (b)(7)(C)',
             'CABARRUS',
             'N.C.',
             'Atlanta',
             'F',
             '1/24/17',
             '1/28/17',
             'Nigeria',
             'Damage Property; Robbery'],
            ['ALLEGANY COUNTY JAIL',
             'ALLEGANY',
             'N.Y.',
             'Buffalo',
             'M',
             '12/31/16',
             '1/30/17',
             'Somalia',
             'Illegal Entry; DUI Liquor'],
            ['(b)(6), (b)(7)(C)',
             'WARREN',
             'N.Y.',
             'Buffalo',
             'M',
             '1/27/17',
             '2/3/17',
             'Colombia',
             'Aggravated Assault - Family-Strong Arm'],
            ['EAU CLAIRE COUNTY DETENTION CENTER',
             'EAU CLAIRE',
             'Wis.',
             'Chicago',
             'M',
             '1/16/17',
             '1/28/17',
             'Honduras',
             'Identity Theft; Simple Assault'],
            ['JOHNSON COUNTY DETENTION CENTER',
             'JOHNSON',
             'Tex.',
             'Dallas',
             'M',
             '1/28/17',
             '1/30/17',
             'Haiti',
             'Forgery; Health-Safety'],
            ["FAIRFIELD COUNTY SHERIFF'S OFFICE",
             'FAIRFIELD',
             'Ohio',
             'Detroit',
             'M',
             '1/10/17',
             '1/31/17',
             'Mexico',
             'Shoplifting'],
            ['(b)(6), (b)(7)(C)',
             'WARREN',
             'N.J.',
             'Newark',
             'M',
             '1/26/17',
             '2/2/17',
             'Mexico',
             'Hit and Run; Illegal Entry; Resisting Officer'],
            ['NAVAJO COUNTY CORRECTIONAL FACILITY',
             'NAVAJO',
             'Ariz.',
             'Phoenix',
             'M',
             '1/27/17',
             '1/28/17',
             'Mexico',
             'Flight - Escape'],
            ['',
             'NAVAJO',
             'Ariz.',
             'Phoenix',
             'M',
             '1/16/17',
             '1/28/17',
             'Cuba',
             'Illegal Entry (INA SEC.101(a)(43)(O), 8USC1325 only); Burglary; Disorderly Conduct'],
            ['TDC-DOMINGUEZ UNIT',
             'BEXAR',
             'Tex.',
             'San Antonio',
             'M',
             '2/1/17',
             '2/2/17',
             'Mexico',
             'Liquor; Illegal Entry'],
            ['(b)(6), (b)(7)(C)',
             'SAN DIEGO',
             'Calif.',
             'San Diego',
             'F',
             '1/27/17',
             '2/3/17',
             'Cuba',
             'Illegal Entry; Simple Assault'],
            ['(b)(6), (b)(7)(C)',
             'MERCED',
             'Calif.',
             'San Francisco',
             'M',
             '1/28/17',
             '2/2/17',
             'Kenya',
             'Illegal Entry (INA SEC.101(a)(43)(O), 8USC1325 only); Dangerous Drugs'],
            ['LANCASTER COUNTY JAIL',
             'LANCSATER',
             'Neb.',
             'St. Paul',
             'M',
             '1/29/17',
             '1/30/17',
             'Colombia',
             'Illegal Entry'],
            ['(b)(6), (b)(7)(C)',
             '',
             'N.C.',
             'Atlanta',
             'M',
             '1/30/17',
             '1/31/17',
             'Korea, South',
             'Sex Assault; Trespassing'],
            ['(b)(6), (b)(7)(C)',
             'MARICOPA',
             'Ariz.',
             'Phoenix',
             'M',
             '1/19/17',
             '1/3/17',
             'Mexico',
             'Amphetamine - Possess']]
    m = match_table(header, DDOR, columns(rows))
    assert m.kind == "declined_detainers"
    assert m.columns[1] == "jurisdiction_raw"
    assert m.columns.get(0) == "facility"
    out = normalize_table(table(header, rows), 0, SRC, DDOR)
    fips = {r.raw["Jurisdiction"]: r.fields["county_fips"] for r in out.rows}
    assert fips["CABARRUS"] == "37025" and fips["MERCED"] == "06047"
    assert fips["SAN DIEGO"] == "06073"


def test_a_state_ocr_left_between_two_is_settled_by_a_county_of_one():
    """Blind scans: "IA" read as "1A" (IA or LA). Keokuk County is only in Iowa: the row is
    kept, flagged. Franklin is a county of Iowa and a parish of Louisiana: still refused."""
    header = ["County", "State", "Detainer Issued", "Declined"]
    rows = [["Keokuk CNTY", "1A", "03/01/2017", "03/05/2017"],
            ["Franklin", "1A", "03/02/2017", "03/06/2017"],
            ["Polk", "Iowa", "03/02/2017", "03/06/2017"]]
    out = normalize_table(table(header, rows), 0, SRC, DDOR)
    (kept,) = [r for r in out.rows if r.raw["County"] == "Keokuk CNTY"]
    assert kept.fields["county_fips"] == "19107" and kept.fields["state"] == "IA"
    assert "state_from_county" in kept.flags
    (refused,) = out.rejects
    assert refused.raw["County"] == "Franklin" and "bad_state" in refused.reasons


@pytest.mark.parametrize("text, iso", [
    ("02/2 6/2017", "2017-02-26"),   # a space inside the day (blind scan, seed 13)
    ("6-Feb-17 -", "2017-02-06"),    # a rule's dash after the date (fax, seed 14)
    ("2/18/2017 ©", "2017-02-18"),   # a speck read as a sign (scan, seed 8)
    ("15-Feb-17.", "2017-02-15"),
])
def test_ocr_marks_and_splits_in_dates_are_repaired(text, iso):
    assert read_date(text).value == iso


def test_two_dates_in_one_cell_are_not_glued_into_one():
    assert not read_date("03/17/2017 03/21/2017").ok


def test_a_date_header_over_cells_that_are_no_dates_is_overruled():
    """Blind scan (seed 11): garbled title lines joined to the header named a column of detainer
    form codes "Declined"; its cells, not one a date, overrule it and the dates are mapped
    from the column that holds them."""
    from normalize.mapping import Columns, map_columns
    from normalize.profiles import norm_header

    rows = [["UNION", "Ga", "I-247N", "March 18, 2017"], ["BALTIMORE", "Md", "I-247D", ""],
            ["MARION", "Kans", "1-247N", "March 20, 2017"], ["Marion co", "Kans", "1-247D",
                                                             "March 22, 2017"]]
    found, notes = map_columns(Columns(["Jurisdiction", "St", "Declined", ""], columns(rows)),
                               DDOR.kind("declined_detainers"), norm_header)
    fields = {m.column: m.field for m in found}
    assert fields.get(2) != "declined_date" and fields.get(3) == "declined_date"
    assert any("'Declined'" in n and "dates" in n for n in notes)
