"""Row classes and structure on small hand-made tables: the branches the real releases of
tests/test_release_shapes.py do not reach (a repeated sub-header, group labels carried onto
their rows, a label ending in "Total", a sum that agrees in no column). Regression tests of
the mechanisms, not accuracy evidence."""

from __future__ import annotations

from extract.master_detail import classify_master_detail
from extract.model import Cell, Table, TableRow
from extract.row_classes import classify_rows, figure, total_label
from normalize.outcome import SourceRef
from normalize.rows import normalize_table
from normalize.structure import detail_fields

SHA = "1" * 64


def rows_of(*texts: tuple[str, ...], header: int = 1) -> list[TableRow]:
    return [TableRow(tuple(Cell(t) for t in r), 1, "header" if i < header else "data")
            for i, r in enumerate(texts)]


def test_repeated_sub_header_makes_details() -> None:
    rows = rows_of(("Name", "Booking", "Date"),
                   ("DOE, JOHN", "1001", "01/02/2016"),
                   ("Charge", "Statute", "Bond"),
                   ("THEFT", "484 PC", "$500"),
                   ("BATTERY", "242 PC", "$1,000"),
                   ("ROE, JANE", "1002", "01/03/2016"),
                   ("Charge", "Statute", "Bond"),
                   ("DUI", "23152 VC", "$5,000"),
                   ("POE, AL", "1003", "01/04/2016"),
                   ("Charge", "Statute", "Bond"),
                   ("FRAUD", "530 PC", "$2,000"))
    kinds = [r.kind for r in classify_master_detail(rows)]
    assert kinds == ["header", "master", "subheader", "detail", "detail", "master",
                     "subheader", "detail", "master", "subheader", "detail"]


def test_a_plain_table_is_not_master_detail() -> None:
    rows = rows_of(("County", "Declined"), *[(f"County {i}", str(i)) for i in range(10)])
    assert classify_master_detail(rows) == tuple(rows)


def test_detail_fields_from_inline_labels_and_master() -> None:
    names = ["Inmate Name", "Booking #", "DOB", "Agency"]
    got = detail_fields(["Charge: 273.5(A) PC", "Case No:", "1498365", "Bail: $250,000"],
                        names, {"Inmate Name": "ABBOTT, FRANK", "Booking #": "1385670"})
    assert got == {"Inmate Name": "ABBOTT, FRANK", "Booking #": "1385670",
                   "Charge": "273.5(A) PC", "Case No": "1498365", "Bail": "$250,000"}


def test_total_labels() -> None:
    assert total_label(["", "Region 1 Total", "12"]) == "Region 1 Total"
    assert total_label(["Subtotal for Two-Plan", "", "3"]) == "Subtotal for Two-Plan"
    assert total_label(["Totalitarian regimes", "3"]) is None
    assert total_label(["The total shown here is an estimate of all counts in the region",
                        "3"]) is None
    assert figure("3.670") == (3670.0, 0) and figure("(12)") == (-12.0, 0)
    assert figure("14,7") is None and figure("12/31/2016") is None


def test_group_labels_carried_and_sums_checked() -> None:
    rows = rows_of(("Facility", "Booked", "Released"),
                   ("Northern Region", "", ""),
                   ("Alpha", "3", "1"),
                   ("Beta", "4", "2"),
                   ("Northern Region Total", "7", "3"),
                   ("Southern Region", "", ""),
                   ("Gamma", "5", "5"),
                   ("Delta", "1", "0"),
                   ("Southern Region Total", "6", "9"),
                   ("Grand Total", "13", "8"))
    out = classify_rows(rows)
    assert [r.kind for r in out] == ["header", "group", "data", "data", "subtotal", "group",
                                     "data", "data", "subtotal", "total"]
    res = normalize_table(Table(out, "layout", 1.0, 1, None, ("Facility", "Booked",
                                                              "Released")),
                          0, SourceRef("t.pdf", SHA), None)
    groups = {r.raw["Facility"]: r.fields.get("group") for r in res.rows}
    assert groups["Alpha"] == groups["Beta"] == "Northern Region"
    assert groups["Gamma"] == "Southern Region"
    checks = [(f.kind, f.status) for f in res.findings]
    # Southern: Booked adds up (6), Released does not (9 printed, 5 summed): partial, kept
    assert checks == [("subtotal_check", "match"), ("subtotal_check", "partial"),
                      ("total_check", "match")]
    assert not res.rejects


def test_a_sum_that_agrees_nowhere_is_refused() -> None:
    rows = rows_of(("Name", "Count", "Amount"),
                   ("A", "1", "10"), ("B", "2", "20"), ("Total", "9", "99"))
    out = classify_rows(rows)
    res = normalize_table(Table(out, "layout", 1.0, 1, None, ("Name", "Count", "Amount")),
                          0, SourceRef("t.pdf", SHA), None)
    (refused,) = res.rejects
    assert refused.reasons == ("sum_mismatch",) and "Count: row says 9, rows sum to 3" in \
        refused.detail
    assert {r.raw["Name"] for r in res.rows} == {"A", "B"}
