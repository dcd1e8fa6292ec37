"""The table scorer of bench/real_tables.py on tiny hand-made tables."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from bench import table_score as ts
from bench.table_score import (
    ExtractedTable,
    TruthTable,
    align_rows,
    cell_prf,
    match_tables,
    max_weight_matching,
    normalize_cell,
    parse_pages,
    row_exact_rate,
    structure_score,
)

TRUTH = [["State", "Total"], ["Alabama", "71,137"], ["Wyoming", "5,017"]]


def truth(rows, pages=None, **kw) -> TruthTable:
    return TruthTable(doc="d.pdf", name="t", rows=rows,
                      pages=frozenset(pages) if pages else None, kind="k", **kw)


def ext(rows, pages=(1,)) -> ExtractedTable:
    return ExtractedTable(rows=rows, pages=frozenset(pages))


def test_normalize_cell():
    assert normalize_cell(None) == ""
    assert normalize_cell("  Halt \nstations ") == "Halt stations"
    assert normalize_cell("ﬁle\u00a0 x") == "file x"  # NFKC: ligature, nbsp
    assert normalize_cell("2,179", plain_numbers=True) == "2179"
    assert normalize_cell("A,B", plain_numbers=True) == "A,B"
    assert normalize_cell("12,34", plain_numbers=True) == "12,34"
    assert normalize_cell("0 8 / 2 9", ignore_spaces=True) == "08/29"


def test_identical_tables_score_one():
    t = ts.normalize_rows(TRUTH)
    assert cell_prf(t, t) == (1.0, 1.0, 1.0)
    assert row_exact_rate(t, t) == 1.0
    assert structure_score(t, t) == 1.0


def test_cell_f1_is_a_multiset_measure():
    t = [["a", "a", "b", ""]]
    e = [["a", "b", "c", "d"]]
    p, r, f1 = cell_prf(t, e)
    assert (p, r) == (2 / 4, 2 / 3)
    assert f1 == pytest.approx(2 * p * r / (p + r))
    assert cell_prf(t, [["", ""]]) == (0.0, 0.0, 0.0)


def test_row_exact_drops_empty_cells_and_empty_rows():
    t = [["a", "", "b"], ["", ""], ["c", "d", ""]]
    e = [["a", "b", ""], ["c", "x", "d"]]
    assert row_exact_rate(t, e) == 0.5


def test_structure_tolerates_shifted_rows_and_columns():
    t = ts.normalize_rows(TRUTH)
    # an extra title row and an extra leading column; same cells otherwise
    e = [["Title", "", ""], ["", "State", "Total"], ["1", "Alabama", "71,137"],
         ["2", "Wyoming", "5,017"]]
    assert structure_score(t, e) == 1.0
    assert row_exact_rate(t, e) == 1 / 3  # the numbered rows gain a cell
    # swapped columns stay aligned by content
    assert structure_score(t, [[b, a] for a, b in t]) == 1.0


def test_structure_counts_cells_out_of_place():
    t = ts.normalize_rows(TRUTH)
    # Wyoming and its total merged into one cell: that row shares nothing, 4 of 6 in place
    e = [["State", "Total"], ["Alabama", "71,137"], ["Wyoming 5,017", ""]]
    assert structure_score(t, e) == pytest.approx(4 / 6)
    assert structure_score(t, []) == 0.0


def test_max_weight_matching_is_exact():
    # greedy would take 9 then be left with 1; the optimum is 8 + 8
    w = [[9.0, 8.0], [8.0, 1.0]]
    assert max_weight_matching(w) == [(0, 1), (1, 0)]


@pytest.mark.parametrize("seed", range(12))
def test_hungarian_matches_brute_force(seed, monkeypatch):
    monkeypatch.setattr(ts, "_lsa", None)  # the pure-python path whatever is installed
    rnd = random.Random(seed)
    n, m = rnd.randint(1, 5), rnd.randint(1, 5)
    w = [[float(rnd.randint(0, 6)) for _ in range(m)] for _ in range(n)]
    pairs = max_weight_matching(w)
    got = sum(w[i][j] for i, j in pairs)
    best = 0.0
    if n <= m:
        for perm in itertools.permutations(range(m), n):
            best = max(best, sum(w[i][perm[i]] for i in range(n)))
    else:
        for perm in itertools.permutations(range(n), m):
            best = max(best, sum(w[perm[j]][j] for j in range(m)))
    assert got == best
    assert len({i for i, _ in pairs}) == len(pairs) == len({j for _, j in pairs})


def test_align_rows_pairs_by_shared_cells():
    t = [["a", "b"], ["c", "d"]]
    e = [["c", "d"], ["x"], ["a", "b"]]
    assert align_rows(t, e) == [(0, 2), (1, 0)]


def test_matching_is_one_to_one_and_page_bound():
    t1 = truth([["a", "b"], ["c", "d"]], pages={1})
    t2 = truth([["a", "b"], ["c", "e"]], pages={1})
    t3 = truth([["a", "b"]], pages={2})
    only = ext([["a", "b"], ["c", "d"]], pages=(1,))
    scores = match_tables([t1, t2, t3], [only])
    assert scores[0].f1 == 1.0 and scores[0].matched == 0
    assert scores[1].f1 == 0.0 and scores[1].matched is None  # the table is taken
    assert scores[2].f1 == 0.0  # wrong page


def test_truth_without_page_matches_any_page_and_stitched_tables_count_on_each():
    t = truth([["a", "b"]])
    assert match_tables([t], [ext([["a", "b"]], pages=(7,))])[0].f1 == 1.0
    paged = truth([["a", "b"]], pages={3})
    stitched = ext([["a", "b"], ["c", "d"]], pages=(2, 3))
    assert match_tables([paged], [stitched])[0].recall == 1.0


def test_partial_truth_judges_only_aligned_rows():
    t = truth([["Alabama", "71,137"]], partial=True)
    e = ext([["State", "Total"], ["Alabama", "71,137"], ["Wyoming", "5,017"]])
    s = match_tables([t], [e])[0]
    assert (s.f1, s.rows, s.structure) == (1.0, 1.0, 1.0)
    full = truth([["Alabama", "71,137"]])
    assert match_tables([full], [e])[0].precision == pytest.approx(2 / 6)


def test_truth_flags_apply_to_both_sides():
    t = truth([["Alabama", "71137"]], plain_numbers=True)
    assert match_tables([t], [ext([["Alabama", "71,137"]])])[0].f1 == 1.0
    t = truth([["NoticeDate", "06/30/2015"]], ignore_spaces=True)
    assert match_tables([t], [ext([["Notice\nDate", "0 6 / 3 0 / 2 0 15"]])])[0].f1 == 1.0


def test_aggregate_means_over_tables():
    agg = ts.aggregate([ts.PairScore(f1=1.0, rows=0.5, structure=1.0), ts.PairScore()])
    assert agg == {"tables": 2, "f1": 0.5, "rows": 0.25, "structure": 0.5}
    assert ts.aggregate([])["f1"] is None


def test_parse_pages():
    assert parse_pages("1 (camelot default; not passed in the test)") == {1}
    assert parse_pages("1,3-4") == {1, 3, 4}
    assert parse_pages("all") is None
    assert parse_pages(None) is None


def _corpus(tmp_path, manifest_rows, files):
    head = "file\tsource_repo\tsource_path\tkind\tpages\tground_truth_file\tnotes\n"
    body = "".join("\t".join(r) + "\n" for r in manifest_rows)
    (tmp_path / "MANIFEST.tsv").write_text(head + body, encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_load_corpus_reads_every_kind_of_truth(tmp_path):
    cam = {"ground_truth_kind": "expected DataFrame asserted equal in camelot's test suite",
           "camelot_params": {"pages": "2 (default)", "flag_size": True},
           "test": "o/cam@abc1234:tests/t.py#L1", "tables": [{"csv": "a.table-1.csv"}]}
    full = {"full_table_ground_truth": {"file": "b.table.csv", "source": "x/y@abc1234:data.csv",
                                        "key": ["month", "state"]}}
    rows = {"assertions": [
        {"what": "page 1 header row (spaces removed)", "expected": ["A B", "C"],
         "cite": "o/p@abc1234:tests/t.py#L3"},
        {"what": "page 1 rows 3-5 names", "expected": ["x", "y"], "cite": "o/p@abc1234:t"},
        {"what": "artifact row", "expected": ["x", "y"], "artifact": True},
        {"what": "first row col0 / col22", "expected": ["x", "y"]}]}
    none = {"assertions": [{"what": "page 1 char count", "expected": 4408}]}
    root = _corpus(tmp_path, [
        ["c/a.pdf", "o/cam@abc1234", "-", "born-digital", "2",
         "c/a.expected.json,c/a.table-1.csv", ""],
        ["f/b.pdf", "x/y@abc1234", "-", "born-digital", "2",
         "f/b.expected.json,f/b.table.csv", ""],
        ["p/c.pdf", "o/p@abc1234", "-", "born-digital", "1", "p/c.expected.json", ""],
        ["p/d.pdf", "o/p@abc1234", "-", "born-digital", "1", "p/d.expected.json", ""],
        ["s/e.pdf", "o/p@abc1234", "-", "scanned", "1", "", ""],
        ["s/f.xlsx", "o/p@abc1234", "-", "spreadsheet", "1", "", ""],
    ], {
        "c/a.expected.json": json.dumps(cam), "c/a.table-1.csv": 'x<s>1</s>,"y\nz"\n',
        "f/b.expected.json": json.dumps(full),
        "f/b.table.csv": "month,state,total\n2020-01,Ohio,1200\n2020-02,Ohio,1300\n",
        "p/c.expected.json": json.dumps(rows), "p/d.expected.json": json.dumps(none),
    })
    docs, skipped = ts.load_corpus(root)
    by = {d.path: d for d in docs}
    assert sorted(by) == ["c/a.pdf", "f/b.pdf", "p/c.pdf"]
    (a,) = by["c/a.pdf"].tables
    assert a.norm == [["x1", "y z"]] and a.pages == {2} and a.kind == ts.SOURCE_TEST
    assert by["c/a.pdf"].truth_pages == [2]
    b = by["f/b.pdf"].tables
    assert [t.rows for t in b] == [[["Ohio", "1200"]], [["Ohio", "1300"]]]
    assert all(t.pages is None and t.plain_numbers and t.kind == ts.PARSE for t in b)
    assert by["f/b.pdf"].truth_pages is None
    (c,) = by["p/c.pdf"].tables
    assert c.partial and c.ignore_spaces and c.pages == {1} and c.norm == [["AB", "C"]]
    assert c.kind == ts.SOURCE_TEST
    reasons = {s.path: s.reason for s in skipped}
    assert reasons["p/d.pdf"].startswith("truth has no table cells")
    assert reasons["s/e.pdf"].startswith("scanned")
    assert reasons["s/f.xlsx"].startswith("not a PDF")
