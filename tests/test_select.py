"""Engine selection: on wrapped-cell tables the engines split records into lines; the score sees it.

Both engines return one row per text line on whitespace tables with wrapped cells (the hard case
named in ARCHITECTURE.md); our layout builder keeps each record whole. The selector must prefer
the candidate whose rows are records, by its score alone.
"""

from __future__ import annotations

import pdfplumber
import pytest

from extract.engines import camelot_tables, pdfplumber_tables
from extract.layout_tables import layout_tables
from extract.page_layout import read_page_layout
from extract.select import score_table, select_tables
from tests.conftest import SAMPLE_DUMP, load_truth


@pytest.mark.parametrize("name", ["ddor-whitespace.pdf", "ddor-hrules.pdf", "ddor-ruled.pdf"])
def test_selector_keeps_whole_records_over_line_split_engines(name):
    truth = load_truth(f"{name}.json")
    table = next(t for t in truth["tables"] if t["name"] == "declined_detainers")
    page_no = table["pages"][-1]
    expected = [tuple(r["cells"]) for r in table["rows"] if r["page"] == page_no]
    path = SAMPLE_DUMP / name
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[page_no - 1]
        layout = read_page_layout(page, page_no)
        ours = layout_tables(layout)
        theirs = pdfplumber_tables(page, layout, "text")
        theirs += camelot_tables(str(path), [page_no], "stream", {page_no: layout.height})[page_no]
    ours_best = max(ours, key=lambda t: len(t.rows))
    engines = {t.engine for t in theirs}
    theirs_main = [max((t for t in theirs if t.engine == e), key=lambda t: len(t.rows))
                   for e in engines]
    # The engines split wrapped records into more rows than the page has records...
    assert all(len(t.rows_of("data")) > len(expected) for t in theirs_main)
    # ...which their score shows, and the selector keeps our whole records.
    assert all(score_table(t) < score_table(ours_best) for t in theirs_main)
    picked = select_tables(ours + theirs)
    main = max(picked, key=lambda t: len(t.rows))
    assert main.engine.startswith("layout")
    data = [tuple(r.texts) for r in main.rows_of("data")]
    assert data == expected
