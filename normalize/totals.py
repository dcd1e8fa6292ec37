"""Table-level checks: what a table states about itself (its Total row) against its rows.

Kept as running sums, fed row chunk by row chunk, so a table stitched across thousands of pages
is checked without being held whole (normalize.rows.TableNormalizer).
"""

from __future__ import annotations

from extract.model import Table, TableRow
from normalize.fields import normalize_count
from normalize.narrative import Finding, TableFacts
from normalize.outcome import RejectOut, RowOut
from normalize.profiles import HeaderMatch


class TotalsCheck:
    """Data rows counted and summed per count column; Total rows checked against the sums.

    The sum is over every data row the table printed (accepted or refused: a refused row was
    still counted by the agency), so the check is about the document, not about our rejects.
    A Total row whose counts differ is refused at the end, with both figures in a finding.
    """

    def __init__(self, match: HeaderMatch | None, kind: str, head: Table,
                 table_index: int) -> None:
        self.match, self.kind, self.head, self.table_index = match, kind, head, table_index
        self.count_fields = [f for f, t in (match.types.items() if match else [])
                             if t == "count"]
        # count field → its column (a profile's count field may be absent from this table)
        self.column: dict[str, int] = {}
        for c, n in (match.columns.items() if match else []):
            if n in self.count_fields:
                self.column.setdefault(n, c)
        self.sums = dict.fromkeys(self.count_fields, 0)
        self.seen = 0  # data rows that entered the sums
        self.data_rows = 0
        self.stated: dict[str, int] = {}
        self.totals: list[RowOut] = []  # accepted Total rows, judged once every row is summed

    def see_rows(self, rows: list[TableRow]) -> None:
        """Structure facts from the extracted rows: data rows, counts a Total row states."""
        for row in rows:
            if row.kind == "data":
                self.data_rows += 1
            elif row.kind == "total":
                for f, col in self.column.items():
                    if col < len(row.cells):
                        n = normalize_count(row.cells[col].text)
                        if n.ok:
                            self.stated[f] = int(n.value)  # type: ignore[arg-type]

    def add_row(self, row: RowOut) -> None:
        if row.is_total:  # a subtotal is judged by normalize.sums, against its group
            if row.row_class == "total":
                self.totals.append(row)
            return
        self.seen += 1
        for f in self.count_fields:
            v = row.fields.get(f)
            if isinstance(v, int):
                self.sums[f] += v

    def add_reject(self, raw: dict[str, str], is_total: bool) -> None:
        """A refused data row still counts, by what its cell says."""
        if is_total or not self.count_fields:
            return
        self.seen += 1
        texts = list(raw.values())
        for f, col in self.column.items():
            n = normalize_count(texts[col] if col < len(texts) else "")
            if n.ok and isinstance(n.value, int):
                self.sums[f] += n.value

    def facts(self) -> TableFacts:
        """What the narrative check compares with: data row count, counts the Total row states."""
        return TableFacts(self.table_index, self.kind, self.head.page, self.head.bbox,
                          self.data_rows, dict(self.stated))

    def finish(self) -> tuple[list[RejectOut], list[Finding]]:
        """Total rows that disagree with their rows (refused), and the findings saying so."""
        moved: list[RejectOut] = []
        findings: list[Finding] = []
        if not self.count_fields or not self.seen:
            return moved, findings
        for row in self.totals:
            problems = []
            for f in self.count_fields:
                stated, summed = row.fields.get(f), self.sums[f]
                if isinstance(stated, int) and summed != stated:
                    problems.append(f"{f}: total row says {stated}, rows sum to {summed}")
                    findings.append(Finding(
                        "total_mismatch", "mismatch", problems[-1], stated, summed,
                        row.provenance.page, row.provenance.bbox, self.table_index,
                        self.head.page, self.head.bbox, f))
            if problems:
                moved.append(RejectOut(row.record_id, row.table_index, row.row_index,
                                       row.profile, row.kind, row.raw, row.provenance,
                                       ("total_mismatch",), "; ".join(problems)))
        return moved, findings
