"""Subtotal and total rows checked against the rows they sum, in any table (profile or not).

`extract.row_classes` says which rows are subtotals and totals; this module says whether
their figures add up, column by column, the way a reader checks a printed report:

- a subtotal sums the data rows since the previous subtotal (its group), or, one level up,
  the last few subtotals still open (Medi-Cal's "Subtotal for Two-Plan, Regional Model, GMC
  and COHS" sums four model subtotals); whichever explains more columns is taken;
- a total sums every data row of the table, or the open subtotals plus the data rows after
  them.

Printed figures are rounded, so a sum of n figures with d decimals may be off by
n × 0.5 × 10^-d. Only columns where the sum row prints a number and its terms printed at least
one are compared. A row whose every compared column disagrees is refused (`sum_mismatch`): it
is a wrong figure or a row we misread as a sum; one that agrees on some columns (a rate column
beside counts does not add up) stays, with a finding naming the columns that do not.

Profile tables whose Total row is already judged by `normalize.totals.TotalsCheck` on typed
fields leave totals to it (`check_totals=False`); subtotals are judged here for every table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extract.model import Provenance, TableRow
from extract.row_classes import figure
from normalize.narrative import Finding
from normalize.outcome import RejectOut


@dataclass
class _Sum:
    """Column sums of some rows: value, number of terms and the finest decimals per column."""

    values: dict[int, float] = field(default_factory=dict)
    terms: dict[int, int] = field(default_factory=dict)
    decimals: dict[int, int] = field(default_factory=dict)

    def add(self, figures: dict[int, tuple[float, int]]) -> None:
        for c, (v, d) in figures.items():
            self.values[c] = self.values.get(c, 0.0) + v
            self.terms[c] = self.terms.get(c, 0) + 1
            self.decimals[c] = max(self.decimals.get(c, 0), d)

    def plus(self, other: _Sum) -> _Sum:
        out = _Sum(dict(self.values), dict(self.terms), dict(self.decimals))
        for c, v in other.values.items():
            out.values[c] = out.values.get(c, 0.0) + v
            out.terms[c] = out.terms.get(c, 0) + other.terms[c]
            out.decimals[c] = max(out.decimals.get(c, 0), other.decimals[c])
        return out

    def compare(self, stated: dict[int, tuple[float, int]]) -> tuple[list[int], list[int]]:
        """(columns that agree, columns that do not) among those both sides have."""
        good, bad = [], []
        for c, (v, d) in stated.items():
            if c not in self.values:
                continue
            slack = self.terms[c] * 0.5 * 10 ** -max(d, self.decimals[c]) + 1e-9
            (good if abs(self.values[c] - v) <= slack else bad).append(c)
        return good, bad


def _figures(row: TableRow) -> dict[int, tuple[float, int]]:
    out = {}
    for i, cell in enumerate(row.cells):
        f = figure(cell.text)
        if f is not None:
            out[i] = f
    return out


class SumsCheck:
    """Fed a table's rows in order (`see`), judged as they come; `finish` gives the refusals
    and findings. Holds running sums only, so a stitched table of any length is checked."""

    def __init__(self, table_index: int, head_page: int, head_bbox, names: list[str],
                 check_totals: bool = True) -> None:
        self.table_index, self.head_page, self.head_bbox = table_index, head_page, head_bbox
        self.names, self.check_totals = names, check_totals
        self.all = _Sum()
        self.pending = _Sum()  # data rows since the last subtotal
        self.pending_rows = 0
        self.open: list[_Sum] = []  # subtotals not yet summed by a higher one
        self.rejects: list[RejectOut] = []
        self.findings: list[Finding] = []

    def see(self, row: TableRow, index: int, rid: str, raw: dict[str, str], prov: Provenance,
            profile: str = "generic", kind: str = "generic") -> None:
        figures = _figures(row)
        if row.kind == "data":
            self.all.add(figures)
            self.pending.add(figures)
            self.pending_rows += 1
            return
        if row.kind not in ("subtotal", "total") or not figures:
            return
        if row.kind == "total" and not self.check_totals:
            return
        candidates = self._candidates(row.kind)
        best = max(candidates, key=lambda c: len(c[1].compare(figures)[0]), default=None)
        if best is None:
            return
        used, total = best
        good, bad = total.compare(figures)
        if not good and not bad:
            return
        if row.kind == "subtotal":
            if good:
                del self.open[len(self.open) - used:]
            self.open.append(_Sum(*_as_terms(figures)))
            self.pending, self.pending_rows = _Sum(), 0
        self._judge(row, index, rid, raw, prov, profile, kind, figures, total, good, bad)

    def _candidates(self, kind: str) -> list[tuple[int, _Sum]]:
        """(subtotals used, their sum) for each reading of what the row sums."""
        out: list[tuple[int, _Sum]] = []
        if kind == "total":
            out.append((0, self.all))
        elif self.pending_rows:
            out.append((0, self.pending))
        for k in range(len(self.open), 1 if kind == "subtotal" else 0, -1):
            acc = self.pending if self.pending_rows else _Sum()
            for s in self.open[-k:]:
                acc = acc.plus(s)
            out.append((k, acc))
        return out

    def _judge(self, row: TableRow, index: int, rid: str, raw: dict[str, str], prov: Provenance,
               profile: str, kind: str, figures: dict[int, tuple[float, int]], total: _Sum,
               good: list[int], bad: list[int]) -> None:
        status = "match" if not bad else ("partial" if good else "mismatch")
        parts = [f"{self._name(c)}: row says {_fmt(figures[c][0])}, rows sum to "
                 f"{_fmt(total.values[c])}" for c in bad]
        detail = (f"{row.kind} adds up in {len(good)} column(s)" if not bad
                  else "; ".join(parts) + (f" (agrees in {len(good)} other column(s))"
                                           if good else ""))
        c0 = (bad or good)[0]
        self.findings.append(Finding(
            f"{row.kind}_check", status, detail, round(figures[c0][0]),
            round(total.values[c0]), prov.page, prov.bbox, self.table_index, self.head_page,
            self.head_bbox, self._name(c0)))
        if status == "mismatch":
            self.rejects.append(RejectOut(rid, self.table_index, index, profile, kind, raw, prov,
                                          ("sum_mismatch",), detail))

    def _name(self, col: int) -> str:
        return self.names[col] if col < len(self.names) else f"col{col}"


def _as_terms(figures: dict[int, tuple[float, int]]) -> tuple[dict, dict, dict]:
    """A subtotal as a sum of one term per column (its own rounding)."""
    return ({c: v for c, (v, _) in figures.items()}, dict.fromkeys(figures, 1),
            {c: d for c, (_, d) in figures.items()})


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.2f}"
