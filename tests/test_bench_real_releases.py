"""The release scorer of `bench/real_tables.py --releases` on tiny hand-made rows (no PDFs)."""

from __future__ import annotations

import hashlib
import json

import pytest

from bench.release_bench import plain_rows
from bench.release_score import (
    FieldTruth,
    NotScored,
    Part,
    Release,
    TruthTable,
    body_count,
    headers_equal,
    join_header,
    labels_found,
    load_release,
    match_parts,
    mean_scores,
    rows_counted,
    rows_whole,
    score_fields,
    score_table,
)

HEADER = ["Name", "Age"]
BODY = [[f"P{i}", str(20 + i)] for i in range(10)]


def truth(rows, header_rows=1, pages=(1,), classes=None) -> TruthTable:
    return TruthTable("table-1.csv", rows, header_rows, frozenset(pages), classes)


def part(rows, pages=(1,), kinds=None, header=None, order=0) -> Part:
    return Part(rows, frozenset(pages), kinds, header, (order,))


# -- rows counted -------------------------------------------------------------------------------


def test_rows_counted():
    assert rows_counted(9, 10) == pytest.approx(0.9)
    assert rows_counted(11, 10) == pytest.approx(0.9)
    assert rows_counted(10, 10) == 1.0
    assert rows_counted(25, 10) == 0.0  # floored
    assert rows_counted(0, 10) == 0.0
    assert rows_counted(0, 0) == 1.0


def test_nine_of_ten_rows_counts_0_9_for_a_baseline():
    t = truth([HEADER] + BODY)
    s = score_table(t, [part([HEADER] + BODY[:9])])
    assert s.extracted_body == 9
    assert s.counted == pytest.approx(0.9)
    assert s.whole == pytest.approx(0.9)
    assert s.header == 1.0


def test_baseline_counts_its_header_rows_only_when_they_are_the_header():
    t = truth([HEADER] + BODY)
    assert body_count(part([HEADER] + BODY), t) == 10
    assert body_count(part([["Report of May"]] + BODY), t) == 11  # a title: counted as a row
    assert body_count(part(BODY + [["", ""]]), t) == 10  # empty rows never count


def test_ours_counts_body_kinds_only():
    t = truth([HEADER] + BODY[:3])
    rows = [["Title"], HEADER, ["Group A", ""], *BODY[:3], ["Total", "63"], ["* note"]]
    kinds = ["title", "header", "group", "data", "data", "data", "total", "footnote"]
    assert body_count(part(rows, kinds=kinds, header=HEADER), t) == 5
    kinds2 = ["title", "header", "master", "detail", "detail", "detail", "subtotal", "footnote"]
    assert body_count(part(rows, kinds=kinds2, header=HEADER), t) == 5


# -- truth rows and classes ---------------------------------------------------------------------


def test_classes_make_header_and_leave_footnotes_out_of_the_body():
    rows = [HEADER, BODY[0], HEADER, BODY[1], ["Source: county", ""]]
    t = truth(rows, classes=["header", "data", "header", "data", "footnote"])
    assert t.body == [BODY[0], BODY[1]]
    assert t.header == HEADER
    assert t.header_labels == HEADER * 2


def test_multi_line_header_cell():
    # the truth writes a two-line header cell as one cell, its lines joined by a space
    t = truth([["Arrest Date / Time", "Case Number"], ["1/2/2019", "7"]])
    one = part([["Arrest Date\n/ Time", "Case\nNumber"], ["1/2/2019", "7"]])
    s = score_table(t, [one])
    assert (s.header, s.counted, s.whole, s.f1) == (1.0, 1.0, 1.0, 1.0)


def test_two_header_rows_joined_per_column():
    t = truth([["Arrest Date", "Case", ""], ["/ Time", "Number", "Status"], ["1/2/2019", "7", "J"]],
              header_rows=2)
    assert t.header == ["Arrest Date / Time", "Case Number", "Status"]
    # a baseline's first two rows are joined the same way
    two = part([["Arrest Date", "Case", ""], ["/  Time", "Number", "Status"],
                ["1/2/2019", "7", "J"]])
    s = score_table(t, [two])
    assert s.header == 1.0 and s.extracted_body == 1 and s.counted == 1.0
    # ours: Table.header, with a column empty throughout (dropped) and nothing else different
    ours = part([["1/2/2019", "", "7", "J"]], kinds=["data"],
                header=["Arrest Date / Time", "", "Case Number", "Status"])
    assert score_table(t, [ours]).header == 1.0
    wrong = part([["1/2/2019", "7", "J"]], kinds=["data"],
                 header=["Arrest Date", "/ Time Case Number", "Status"])
    assert score_table(t, [wrong]).header == 0.0


def test_headers_equal_and_labels_found():
    assert headers_equal(["A", "B", ""], [0, 1, 2], ["A ", "B"], [0, 1])
    assert not headers_equal(["A", "B"], [0, 1], ["B", "A"], [0, 1])
    assert not headers_equal(["", ""], [0, 1], ["", ""], [0, 1])  # no header is not equal
    labels = ["Casos notificados", "(A) Em investigação", "Total"]
    assert labels_found(labels, ["Casos notificados (A) Em investigação", "Total"]) == 1.0
    assert labels_found(labels, ["Casos", "Total"]) == pytest.approx(1 / 3)
    assert join_header([["a", "b"], ["", "c"]]) == ["a", "b c"]


# -- rows whole ---------------------------------------------------------------------------------


def test_rows_whole_uses_each_extracted_row_once_and_drops_empty_columns():
    t = truth([HEADER, ["A", "1"], ["A", "1"], ["B", "2"]])
    p = part([["A", "", "1"], ["B", "", "2"]])  # middle column empty throughout: dropped
    assert rows_whole(t, [p]) == pytest.approx(2 / 3)
    assert rows_whole(t, [p, part([["A", "1"]], pages=(2,))]) == 1.0
    assert rows_whole(t, [part([["A 1"], ["B 2"]])]) == 0.0  # columns merged: not whole


def test_rows_whole_is_cell_by_cell_not_empty_cells_dropped():
    t = truth([["a", "b", "c"], ["x", "", "y"]])
    assert rows_whole(t, [part([["x", "y", "z"]])]) == 0.0
    assert rows_whole(t, [part([["x", "", "y"], ["1", "2", "3"]])]) == 1.0


# -- matching -----------------------------------------------------------------------------------


def test_parts_on_several_pages_are_joined_and_scored_as_one():
    t = truth([HEADER] + BODY, pages=(1, 2))
    p2 = part([HEADER] + BODY[5:], pages=(2,), order=1)  # the page repeats the header
    p1 = part([HEADER] + BODY[:5], pages=(1,), order=0)
    title = part([["Daily report", "May 27"]], pages=(1,), order=2)
    elsewhere = part([HEADER] + BODY, pages=(3,), order=3)
    parts = [p2, p1, title, elsewhere]
    assert match_parts([t], parts) == [[1, 0]]  # page order; title and page 3 left out
    s = score_table(t, [p1, p2])
    assert (s.counted, s.whole, s.header) == (1.0, 1.0, 1.0)
    assert s.f1 == pytest.approx(2 * 22 / (22 + 24))  # the repeated header: 2 cells too many
    assert s.parts == 2


def test_a_part_goes_to_the_truth_table_it_shares_most_words_with():
    a = TruthTable("a.csv", [["State", "N"], ["Ohio", "1"]], 1, frozenset({"S1"}))
    b = TruthTable("b.csv", [["Year", "N"], ["2019", "4"], ["2020", "5"]], 1, frozenset({"S1"}))
    parts = [part([["Year", "N"], ["2019", "4"], ["2020", "5"]], pages=("S1",)),
             part([["State", "N"], ["Ohio", "1"]], pages=("S1",)),
             part([["Ohio", "1"]], pages=("S2",))]
    assert match_parts([a, b], parts) == [[1], [0]]


def test_unmatched_truth_scores_zero():
    t = truth([HEADER] + BODY)
    s = score_table(t, [])
    assert (s.counted, s.whole, s.header, s.labels, s.f1) == (0.0, 0.0, 0.0, 0.0, 0.0)
    m = mean_scores([s, score_table(t, [part([HEADER] + BODY)])])
    assert m["counted"] == 0.5 and m["counted_97"] == 0.5 and m["tables"] == 2


# -- fields -------------------------------------------------------------------------------------


def test_fields_label_colon_stripped_each_used_once():
    want = [FieldTruth(1, "Date of Request:", "7/28/22"), FieldTruth(1, "at", ""),
            FieldTruth(1, "at", "831 JOSEPH AVE"), FieldTruth(1, "Email:", "a@b.org")]
    got = [(1, "Date of Request", "7/28/22"), (1, "at", "831  JOSEPH AVE"), (1, "at", "x"),
           (2, "Email:", "a@b.org")]  # Email is on another page
    s = score_fields(want, got)
    assert (s.truth, s.found, s.values_right) == (4, 3, 2)
    assert s.labels == pytest.approx(0.75)
    assert s.values == pytest.approx(2 / 3)
    assert score_fields(want, []).values is None


# -- loading ------------------------------------------------------------------------------------


def _folder(tmp_path, classes="header\ndata\nfootnote\n", sha=None):
    doc = tmp_path / "r.pdf"
    doc.write_bytes(b"%PDF-1.4 not really")
    (tmp_path / "table-1.csv").write_text('Name,Age\n"Doe, J",4\nSource: x,\n', encoding="utf-8")
    (tmp_path / "table-1.classes.txt").write_text(classes, encoding="utf-8")
    spec = {"csv": "table-1.csv", "pages": "2-3", "header_rows": 1,
            "classes": "table-1.classes.txt"}
    truth_json = {"file": "r.pdf", "shape": "1 master-detail", "tables": [spec],
                  "sha256": sha or hashlib.sha256(doc.read_bytes()).hexdigest()}
    (tmp_path / "truth.json").write_text(json.dumps(truth_json), encoding="utf-8")
    return tmp_path


def test_load_release(tmp_path):
    rel = load_release(_folder(tmp_path))
    assert isinstance(rel, Release)
    assert rel.kind == "pdf" and rel.shape == 1 and rel.notes == []
    t = rel.tables[0]
    assert t.where == frozenset({2, 3}) and t.body == [["Doe, J", "4"]]
    assert rel.truth_pages == [2, 3]


def test_load_release_notes_and_refusals(tmp_path):
    rel = load_release(_folder(tmp_path, classes="header\ndata\n", sha="0" * 64))
    assert isinstance(rel, Release)
    assert any("sha256" in n for n in rel.notes) and any("unused" in n for n in rel.notes)
    assert rel.tables[0].classes is None
    (tmp_path / "r.pdf").unlink()
    assert isinstance(load_release(tmp_path), NotScored)


def test_plain_rows_drop_empty_rows_and_columns():
    nan = float("nan")
    rows = [["Title", None, nan], [None, None, None], ["a", None, 3], [" b ", nan, "x"]]
    assert plain_rows(rows) == [["Title", ""], ["a", "3"], ["b", "x"]]


def test_dates_compare_as_dates_whatever_their_form() -> None:
    from bench.release_score import norm_value

    assert norm_value("10/2/2017") == norm_value("2017-10-02") == "2017-10-02"
    assert norm_value("2017-10-02 00:00:00") == "2017-10-02"
    assert norm_value("10/2/17") == "10/2/17"  # a two-digit year is left as printed
    assert norm_value("Total") == "Total"


def test_gzipped_truth_read_like_plain(tmp_path) -> None:
    import gzip

    from bench.release_score import read_rows

    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "t.csv.gz").write_bytes(gzip.compress(b"a,b\n1,2\n"))
    assert read_rows(tmp_path / "t.csv") == read_rows(tmp_path / "t.csv.gz") == [["a", "b"],
                                                                                ["1", "2"]]
