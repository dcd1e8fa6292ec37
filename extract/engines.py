"""Third-party table engines as candidates: pdfplumber (lines, text) and camelot (lattice, stream).

Each engine's output is converted to our Table contract with cell boxes in page coordinates
(top-left origin), rows classified by the shared rules in `extract.rows`, so the selector can
compare them with our layout builder on equal terms.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable

import pdfplumber.page

from extract.model import Cell, Table, TableRow, union_bbox
from extract.page_layout import PageLayout
from extract.rows import count_header_rows, is_total_row

log = logging.getLogger(__name__)


def _clean(text: str | None) -> str:
    """Engines keep line breaks inside cells; a wrapped cell is one value."""
    return " ".join((text or "").split())


GridCell = tuple[str, tuple[float, float, float, float] | None, bool]


def _ruled_header_rows(grid: list[list[GridCell]], n_header: int) -> int:
    """In a drawn grid every drawn row is a row: leading label rows join into one header only
    while the upper row is a group label (a span or an empty cell over the row below it). Two
    full rows of text one over the other are two rows, not one header."""
    k = 0
    while k + 1 < n_header and any(cov or not t for t, _, cov in grid[k]):
        k += 1
    return k + 1 if n_header else 0


def _to_table(grid: list[list[GridCell]], engine: str, page: int,
              ruled: bool = False) -> Table | None:
    """A grid of (text, bbox, covered) → Table with header/total rows classified.

    `ruled`: the grid's rows are drawn on the page (pdfplumber lines, camelot lattice)."""
    grid = [row for row in grid if any(t for t, _, _ in row)]
    if len(grid) < 2 or max(len(r) for r in grid) < 2:
        return None
    # Engines give rectangular grids, but a caller's grid may be ragged (a row one cell short):
    # pad it on the right so the header merge and every later stage see one width.
    width = max(len(r) for r in grid)
    grid = [list(row) + [("", None, False)] * (width - len(row)) for row in grid]
    texts = [[t for t, _, _ in row] for row in grid]
    n_header = count_header_rows(texts)
    if ruled:
        n_header = _ruled_header_rows(grid, n_header)
    rows = []
    for i, row in enumerate(grid):
        cells = tuple(Cell(t, b, covered=cov and not t) for t, b, cov in row)
        kind = "header" if i < n_header else ("total" if is_total_row(texts[i]) else "data")
        rows.append(TableRow(cells, page, kind))  # type: ignore[arg-type]
    if n_header > 1:
        merged = tuple(
            Cell(" ".join(r.cells[c].text for r in rows[:n_header] if r.cells[c].text).strip(),
                 union_bbox([r.cells[c].bbox for r in rows[:n_header]]))
            for c in range(len(rows[0].cells))
        )
        rows = [TableRow(merged, page, "header"), *rows[n_header:]]
    header = tuple(c.text for c in rows[0].cells) if rows[0].kind == "header" else ()
    return Table(tuple(rows), engine, 0.0, page, union_bbox([r.bbox for r in rows]), header)


def pdfplumber_tables(page: pdfplumber.page.Page, layout: PageLayout, strategy: str) -> list[Table]:
    """pdfplumber's table finder with the `lines` or `text` strategy, tolerances from the page."""
    size = layout.char_size
    settings: dict = {"vertical_strategy": strategy, "horizontal_strategy": strategy}
    if strategy == "text":
        settings.update({"text_x_tolerance": max(0.5, 0.3 * size),
                         "text_y_tolerance": max(0.5, 0.3 * size)})
    out = []
    for found in page.find_tables(settings):
        data = found.extract(x_tolerance=max(0.5, 0.3 * size), y_tolerance=max(0.5, 0.3 * size))
        grid = []
        for row_obj, row_text in zip(found.rows, data):
            # pdfplumber gives no box for a cell a drawn span covers (lines strategy only).
            grid.append([(_clean(t), box, box is None and strategy == "lines")
                         for t, box in zip(row_text, row_obj.cells)])
        table = _to_table(grid, f"pdfplumber-{strategy}", layout.number,
                          ruled=strategy == "lines")
        if table:
            out.append(table)
    return out


def camelot_tables(path: str, pages: Iterable[int], flavor: str,
                   heights: dict[int, float]) -> dict[int, list[Table]]:
    """camelot on the given pages of one file, in one call (it re-parses the file per call)."""
    import camelot  # slow import: only when a page needs it

    page_list = sorted(set(pages))
    if not page_list:
        return {}
    kwargs: dict = {}
    if flavor == "lattice":
        kwargs["process_background"] = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            found = camelot.read_pdf(path, pages=",".join(map(str, page_list)), flavor=flavor,
                                     suppress_stdout=True, **kwargs)
        except Exception as exc:  # camelot raises bare errors on odd pages; the page goes on
            log.warning("camelot %s failed on %s: %s", flavor, path, exc)
            return {}
    out: dict[int, list[Table]] = {}
    for t in found:
        page = int(t.page)
        height = heights[page]
        grid = []
        for r, row in enumerate(t.cells):
            line = []
            for c, cell in enumerate(row):
                text = _clean(t.df.iat[r, c]) if r < t.df.shape[0] and c < t.df.shape[1] else ""
                box = (cell.x1, height - cell.y2, cell.x2, height - cell.y1)
                # A lattice cell missing a drawn edge is part of a span.
                line.append((text, box, flavor == "lattice" and (cell.hspan or cell.vspan)))
            grid.append(line)
        table = _to_table(grid, f"camelot-{flavor}", page, ruled=flavor == "lattice")
        if table:
            out.setdefault(page, []).append(table)
    return out
