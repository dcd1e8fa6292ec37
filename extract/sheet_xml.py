"""What openpyxl's streaming reader does not give of an xlsx sheet, read from its XML.

Merged ranges (banners over a table, labels merged down a group) and which rows hold only
formulas: a formula copied down hundreds of rows past the data shows a cached value (1, 0) in
each, and read as values those rows look like records (issue 17: 486 rows stored for a sheet
of 136). Sheets are trimmed by content, not by the used range or formatting.
"""

from __future__ import annotations

import zipfile
from pathlib import Path


def sheet_xml(path: Path, member: str) -> tuple[list[tuple[int, int, int, int]],
                                                      set[int]]:
    """0-based inclusive merged ranges of one sheet (`mergeCell`), and the 0-based rows whose
    every filled cell is a formula (`<c>` with an `<f>`, no literal value), streamed from its
    XML: the read-only reader gives neither."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.utils.cell import range_boundaries

    if not member:
        return [], set()
    out = []
    formula_only: set[int] = set()
    formulas = literals = 0
    with zipfile.ZipFile(path) as zf, zf.open(member.lstrip("/")) as f:
        for _, el in iterparse(f):
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "mergeCell" and el.get("ref"):
                c1, r1, c2, r2 = range_boundaries(el.get("ref"))
                out.append((r1 - 1, c1 - 1, r2 - 1, c2 - 1))
            elif tag == "c":
                kids = {k.tag.rsplit("}", 1)[-1] for k in el}
                if "f" in kids:
                    formulas += 1
                elif kids & {"v", "is"}:
                    literals += 1
                el.clear()
            elif tag == "row":
                if formulas and not literals and el.get("r", "").isdigit():
                    formula_only.add(int(el.get("r")) - 1)
                formulas = literals = 0
                el.clear()  # the cells were read already: keep memory flat
    return out, formula_only


def trailing_formula_rows(grid: list[list[tuple[str, str]]], formula_only: set[int]) -> int:
    """How many rows at the end of the sheet are left-over formulas, not records: rows whose
    only content is a formula's cached value (a "Total days" formula copied down hundreds of
    rows past the data, each showing 1), filling fewer than half the cells the rows with
    typed values above them fill. A sheet computed from another sheet fills whole rows with
    formulas: those are its data and are kept."""
    counts = [sum(1 for t, _ in r if t) for r in grid]
    n = len(grid)
    while n and (counts[n - 1] == 0 or n - 1 in formula_only):
        n -= 1
    literal = sorted(c for i, c in enumerate(counts[:n]) if c and i not in formula_only)
    if not literal:
        return 0
    typical = literal[len(literal) // 2]
    cut = 0
    for i in range(len(grid) - 1, n - 1, -1):
        if counts[i] and counts[i] * 2 >= typical:
            break
        cut = len(grid) - i
    return cut
