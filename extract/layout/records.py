"""Records: which lines of a table start a record, and the rows its lines make.

Records start at horizontal rules when the table has a full grid of them, otherwise where the
key columns have text (lines with those empty continue the record above); a Total line is a
row of its own.
"""

from __future__ import annotations

from extract.layout_settings import LayoutSettings
from extract.lines import TextLine
from extract.model import Cell, TableRow, Word, union_bbox
from extract.page_layout import HRule
from extract.rows import count_header_rows, is_total_row, is_typed, looks_like_footnote


def cells_of(line: TextLine, edges: tuple[float, ...] | list[float]) -> dict[int, list[Word]]:
    """Words of a line by column index (a word belongs where its centre falls)."""
    cells: dict[int, list[Word]] = {}
    for w in line.words:
        mid = (w.x0 + w.x1) / 2
        col = 0
        for i in range(len(edges) - 1):
            if mid >= edges[i]:
                col = i
        cells.setdefault(min(col, len(edges) - 2), []).append(w)
    return cells


def line_texts(lines: list[TextLine], edges: tuple[float, ...]) -> list[list[str]]:
    """Each line's text per column."""
    ncols = len(edges) - 1
    out = []
    for ln in lines:
        cells = cells_of(ln, edges)
        out.append([" ".join(w.text for w in cells.get(i, [])) for i in range(ncols)])
    return out


def find_record_starts(lines: list[TextLine], edges: tuple[float, ...], texts: list[list[str]],
                       header_lines: int, ruled: bool, hrules: list[HRule],
                       s: LayoutSettings) -> tuple[list[bool], int]:
    """Which lines start a record, and how many lines the header has once records are known.

    `texts` are the lines' texts by the columns the header was counted with.
    """
    cells_by_line = [cells_of(ln, edges) for ln in lines[header_lines:]]
    rule_starts = _rule_starts(lines, hrules, edges[0], edges[-1], s)
    key_starts = [True] * header_lines + _record_starts(cells_by_line, len(edges) - 1, s)
    if ruled and sum(rule_starts) >= s.min_rule_records \
            and sum(rule_starts) >= s.rule_records_share * sum(key_starts):
        # A full grid with a rule under every record: the rules are authoritative (a wrapped
        # cell may fill a key column on its second line), and the header is the first record.
        starts = rule_starts
        n_header = 1 if count_header_rows(_records_texts(texts, starts), None) else 0
        header_lines = _first_records_len(starts, n_header)
        # A header holds labels: a line of figures in the first record (a first row no rule
        # parts from the header, Brazil's black "Brasil 3.670 404 709 4.783" band) starts
        # the records.
        for i in range(1, header_lines):
            if sum(1 for t in texts[i] if is_typed(t)) >= 2:
                starts = list(starts)
                starts[i], header_lines = True, i
                break
    else:
        # Records set apart by bands or wider gaps, their cells centred in the record (the
        # key columns then sit on a middle line): the bands or gaps are the records when each
        # holds one key line. Otherwise whitespace or rules that group several records (NICS
        # draws one every five states): a line starts a record at a rule or where the key
        # columns have text.
        found = _separated_starts(lines, header_lines, key_starts, rule_starts, texts, s)
        if found is not None:
            starts, header_lines = found
        else:
            starts = [k or r for k, r in zip(key_starts, rule_starts)]
    # A Total line is a row of its own, however sparse ("Grand Total ... 51" under the last
    # jail was joined to it as a wrapped line).
    starts = [st or (i >= header_lines and is_total_row(t))
              for i, (st, t) in enumerate(zip(starts, line_texts(lines, edges)))]
    return starts, header_lines


def _record_starts(
    cells_by_line: list[dict[int, list[Word]]], ncols: int, s: LayoutSettings
) -> list[bool]:
    """Which lines start a new record, from the key columns.

    Key columns are those filled on (nearly) every line that looks like a record start (many
    cells filled) and (nearly) never on the sparse lines: continuation lines of wrapped cells
    leave them empty.
    """
    counts = [len(c) for c in cells_by_line]
    if not counts:
        return []
    full = max(counts)
    dense = [n >= max(2, s.dense_share * full) for n in counts]
    sparse_idx = [i for i, d in enumerate(dense) if not d]
    dense_idx = [i for i, d in enumerate(dense) if d]
    if not sparse_idx:
        return [True] * len(counts)
    keys = []
    for col in range(ncols):
        on_dense = sum(1 for i in dense_idx if col in cells_by_line[i]) / max(len(dense_idx), 1)
        on_sparse = sum(1 for i in sparse_idx if col in cells_by_line[i]) / len(sparse_idx)
        if on_dense >= s.key_dense_share and on_sparse <= s.key_sparse_share:
            keys.append(col)
    if not keys:
        return dense
    # A sparse line starts a record only with most key columns filled: a key may be filled on
    # a tenth of the sparse lines, and a wrapped cell's second line in such a column would
    # otherwise split its record in two (tests/test_fuzz.py). With one key nothing changes.
    return [(any(k in c for k in keys) if d
             else sum(k in c for k in keys) > s.key_filled_share * len(keys))
            or d and i == 0 for i, (c, d) in enumerate(zip(cells_by_line, dense))]


def _gap_starts(lines: list[TextLine], s: LayoutSettings) -> list[bool]:
    """A line starts a record after a gap clearly wider than the table's usual line gap."""
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:])]
    if len(gaps) < 3:
        return [True] * len(lines)
    usual = sorted(gaps)[len(gaps) // 4]  # the tight gaps inside records
    height = sorted(ln.bottom - ln.top for ln in lines)[len(lines) // 2]
    wide = max(usual * s.record_gap_ratio, usual + s.record_gap_em * height)
    return [True] + [g > wide for g in gaps]


def _separated_starts(lines: list[TextLine], header_lines: int, key_starts: list[bool],
                      rule_starts: list[bool], texts: list[list[str]],
                      s: LayoutSettings) -> tuple[list[bool], int] | None:
    """Record starts from bands (rules between records) or wide gaps, and the header lines
    they leave (the first band, when it holds no value: a record's wrapped first line set
    just under the header is then the record's, not the header's). Taken when the groups
    look like records: nearly every one holds a value (number, date) and no column holds
    values on two of its lines (a rule every five records groups five values per column:
    NICS), and there are fewer groups than lines. None when neither does."""
    if sum(key_starts[header_lines:]) < s.min_separated_records or all(key_starts[header_lines:]):
        return None
    typed = [[is_typed(t) for t in row] for row in texts]
    for by_rules, cand in ((True, rule_starts), (False, _gap_starts(lines, s))):
        head = header_lines
        nxt = next((i for i in range(1, len(cand)) if cand[i]), None)
        if header_lines and nxt is not None and nxt <= header_lines + 2 and not any(
                any(row) for row in typed[:nxt]):
            head = nxt
        elif by_rules and header_lines and nxt is not None and nxt >= header_lines and any(
                any(row) for row in typed[:nxt]):
            # the first band holds values: it is a record, and this page (a continuation)
            # has no header; its wrapped first line only looked like one
            head = 0
        c = [True] + cand[head + 1:]
        groups: list[list[list[bool]]] = []
        for st, row in zip(c, typed[head:]):
            if st:
                groups.append([])
            groups[-1].append(row)
        if len(groups) < s.min_separated_records or len(groups) == len(c):
            continue
        judged = groups
        if len(groups) > s.min_separated_records and len(groups[-1]) == 1 and not _one_record(
                groups[-1]):
            judged = groups[:-1]  # a line under the last record (a print time stamp)
        good = sum(1 for g in judged if _one_record(g))
        if good >= s.separated_agree_share * len(judged):
            return [True] * head + c, head
    return None


def _one_record(group: list[list[bool]]) -> bool:
    """A group of lines that is one record: some value, and no column with values on two of
    its lines."""
    per_col = [sum(col) for col in zip(*group)] if group else []
    return bool(per_col) and max(per_col) == 1


def _rule_starts(lines: list[TextLine], hrules: list[HRule], x0: float, x1: float,
                 s: LayoutSettings) -> list[bool]:
    """A line starts a record when a table-wide horizontal rule lies between it and the last."""
    width = x1 - x0
    ys = sorted(r.y for r in hrules
                if min(r.x1, x1) - max(r.x0, x0) >= s.record_rule_share * width)
    starts = [True]
    for prev, line in zip(lines, lines[1:]):
        starts.append(any(prev.bottom - s.rule_overlap_pt <= y <= line.top + s.rule_overlap_pt
                          for y in ys))
    return starts


def _records_texts(texts: list[list[str]], starts: list[bool]) -> list[list[str]]:
    out: list[list[str]] = []
    for t, st in zip(texts, starts):
        if st or not out:
            out.append(list(t))
        else:
            out[-1] = [(a + " " + b).strip() for a, b in zip(out[-1], t)]
    return out


def _first_records_len(starts: list[bool], n: int) -> int:
    """Number of lines in the first n records."""
    if n == 0:
        return 0
    seen = 0
    for i, st in enumerate(starts):
        if st:
            seen += 1
            if seen > n:
                return i
    return len(starts)


def row_from(lines: list[TextLine], edges: tuple[float, ...], page: int, kind: str) -> TableRow:
    """The lines' words joined by column into one row."""
    ncols = len(edges) - 1
    words: dict[int, list[Word]] = {}
    for ln in lines:
        for col, ws in cells_of(ln, edges).items():
            words.setdefault(col, []).extend(ws)
    cells = []
    for col in range(ncols):
        ws = words.get(col, [])
        text = " ".join(w.text for w in ws)
        conf = min((w.confidence for w in ws), default=1.0)
        cells.append(Cell(text, union_bbox([w.bbox for w in ws]), conf))
    return TableRow(tuple(cells), page, kind)  # type: ignore[arg-type]


def group_records(data: list[TextLine], starts: list[bool], edges: tuple[float, ...],
                  page: int) -> list[TableRow]:
    """The data lines grouped into one row per record, each classified (data, total,
    footnote); `starts` says which lines start a record."""
    rows: list[TableRow] = []
    current: list[TextLine] = []
    for line, start in zip(data, starts):
        if start and current:
            rows.append(row_from(current, edges, page, "data"))
            current = []
        current.append(line)
    if current:
        rows.append(row_from(current, edges, page, "data"))
    return [_classify(r) for r in rows]


def footnote_rows(below: tuple[TextLine, ...], page: int) -> list[TableRow]:
    """The notes under a table, one footnote row per line."""
    return [TableRow((Cell(ln.text, ln.bbox, min(w.confidence for w in ln.words)),), page,
                     "footnote") for ln in below]


def _classify(row: TableRow) -> TableRow:
    if row.kind == "data" and is_total_row(row.texts):
        return TableRow(row.cells, row.page, "total", row.pages)
    filled = [t for t in row.texts if t]
    if row.kind == "data" and len(filled) == 1 and looks_like_footnote(filled[0]) and not any(
        is_typed(t) for t in filled
    ):
        return TableRow(row.cells, row.page, "footnote", row.pages)
    return row
