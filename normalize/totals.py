"""Table-level checks: what a table states about itself (its Total row) against its rows."""

from __future__ import annotations

from extract.model import Table
from normalize.fields import normalize_count
from normalize.narrative import Finding, TableFacts
from normalize.outcome import RejectOut, RowOut, TableOutcome


def table_facts(table: Table, index: int, kind: str, out: TableOutcome) -> TableFacts:
    """What the narrative check compares with: data row count, counts the Total row states."""
    counts = [f for f, t in (out.match.types.items() if out.match else []) if t == "count"]
    stated: dict[str, int] = {}
    for row in table.rows:
        if row.kind == "total" and out.match:
            for col, fname in out.match.columns.items():
                if fname in counts and col < len(row.cells):
                    n = normalize_count(row.cells[col].text)
                    if n.ok:
                        stated[fname] = int(n.value)  # type: ignore[arg-type]
    data_rows = sum(1 for r in table.rows if r.kind == "data")
    return TableFacts(index, kind, table.page, table.bbox, data_rows, stated)


def check_totals(out: TableOutcome, table: Table, table_index: int) -> None:
    """A total row whose counts differ from the sum of the data rows is refused, both shown.

    The sum is over every data row the table printed (accepted or refused: a refused row was
    still counted by the agency), so the check is about the document, not about our rejects.
    """
    count_fields = [f for f, t in (out.match.types.items() if out.match else []) if t == "count"]
    if not count_fields:
        return
    values = {f: [] for f in count_fields}
    for r in out.rows:
        if not r.is_total:
            for f in count_fields:
                values[f].append(r.fields.get(f))
    for j in out.rejects:
        for f in count_fields:
            col = next((c for c, n in out.match.columns.items() if n == f), None)
            text = list(j.raw.values())[col] if col is not None and col < len(j.raw) else ""
            n = normalize_count(text)
            values[f].append(n.value if n.ok else None)
    keep: list[RowOut] = []
    for row in out.rows:
        if not row.is_total:
            keep.append(row)
            continue
        problems = []
        for f in count_fields:
            stated = row.fields.get(f)
            if not isinstance(stated, int) or not values[f]:
                continue
            summed = sum(v for v in values[f] if isinstance(v, int))
            if summed != stated:
                problems.append(f"{f}: total row says {stated}, rows sum to {summed}")
                out.findings.append(Finding(
                    "total_mismatch", "mismatch", f"{f}: total row says {stated}, "
                    f"rows sum to {summed}", stated, summed, row.provenance.page,
                    row.provenance.bbox, table_index, table.page, table.bbox, f))
        if problems:
            out.rejects.append(RejectOut(row.record_id, row.table_index, row.row_index,
                                         row.profile, row.kind, row.raw, row.provenance,
                                         ("total_mismatch",), "; ".join(problems)))
        else:
            keep.append(row)
    out.rows = keep
