"""Truth and measures for the real releases of fixtures/real/releases (see its CONTRACT.md).

Pure functions: the only I/O is reading a release folder's truth.json, table-N.csv,
table-N.classes.txt and fields.csv. Cells are compared after bench.table_score.normalize_cell,
and a date written as a spreadsheet shows it (10/2/2017) or as ISO (2017-10-02, pandas'
2017-10-02 00:00:00) is compared as the date it is (`norm_value`): the truth of a workbook is
what Excel displays, and a reader that writes ISO dates has read the same value.

Truth of one table
    The first `header_rows` CSV rows are the header; every other row is the body. With a classes
    file, rows of class `header` are header too and `footnote` rows are left out of the body.
    The header as one label per column: the header rows joined per column with one space.

Which extracted tables belong to a truth table (`match_parts`)
    Only tables on the truth's pages (or sheet) are candidates. A candidate belongs to the truth
    table when at least MIN_WORD_PRECISION of its words (normalized cells split on spaces) are
    words of the truth table (multiset), i.e. it is mostly made of the truth's cells, however
    its columns were cut; with several truth tables on its pages it goes to the one sharing the
    most words. The parts that belong are taken in page order and scored as one table.

Measures (`score_table`), per truth table
    rows counted   1 - |n_extracted_body - n_truth_body| / n_truth_body, floored at 0.
                   Ours: rows of a body kind (BODY_KINDS); a baseline: every non-empty row of
                   each part, less `header_rows` for a part whose first rows equal the header.
    rows whole     Share of truth body rows equal, cell by cell, to an extracted row (each used
                   once). Columns empty throughout a table are dropped first on both sides
                   (truth: its header and body; extracted: each part on its own).
    header         1 when the extracted header equals the truth header column by column
                   (ours: Table.header of the first part; a baseline: its first part's first
                   `header_rows` rows joined per column), else 0. `labels`: share of the truth
                   header cells (each header row's non-empty cells) equal to, or contained in,
                   a cell of the extracted header.
    cells F1       bench.table_score.cell_prf on all rows of truth and of the joined parts.
Fields (`score_fields`, shape 6): a truth field is found when an extracted field on its page has
the same label (normalized, a trailing colon stripped); each extracted field is used once,
pairs whose values agree are taken first. `values` = share of found fields with the same value.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bench.table_score import cell_prf, normalize_cell, parse_pages

BODY_KINDS = ("data", "subtotal", "total", "group", "master", "detail", "subheader")
MIN_WORD_PRECISION = 0.5
SHEET_KINDS = {".xlsx": "xlsx", ".xls": "xls", ".csv": "csv", ".tsv": "tsv"}

Rows = list[list[str]]


# -- truth --------------------------------------------------------------------------------------


_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: 00:00:00)?$")


def norm_value(text: object) -> str:
    """normalize_cell, with a date in m/d/yyyy or ISO form written as ISO."""
    t = normalize_cell(text)
    m = _MDY.match(t)
    if m:
        return f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}"
    m = _ISO.match(t)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else t


@dataclass
class TruthTable:
    name: str  # table-N.csv
    rows: Rows  # raw cells, every CSV row
    header_rows: int
    where: frozenset  # PDF page numbers (int) or the sheet name (str)
    classes: list[str] | None = None

    def __post_init__(self) -> None:
        self.norm = [[norm_value(c) for c in r] for r in self.rows]
        cls = self.classes or []
        self.header_idx = [i for i in range(len(self.rows))
                           if i < self.header_rows or (i < len(cls) and cls[i] == "header")]
        heads = set(self.header_idx)
        self.body_idx = [i for i in range(len(self.rows)) if i not in heads
                         and not (i < len(cls) and cls[i] == "footnote")
                         and any(self.norm[i])]

    @cached_property
    def header(self) -> list[str]:
        return join_header(self.norm[: self.header_rows])

    @cached_property
    def header_labels(self) -> list[str]:
        return [c for i in self.header_idx for c in self.norm[i] if c]

    @cached_property
    def body(self) -> Rows:
        return [self.norm[i] for i in self.body_idx]

    @cached_property
    def kept(self) -> list[int]:
        """Columns with a cell in the header or the body."""
        return kept_columns([self.norm[i] for i in self.header_idx + self.body_idx])


@dataclass
class FieldTruth:
    page: int
    label: str
    value: str


@dataclass
class Release:
    folder: str
    path: Path  # the document
    kind: str  # pdf | xlsx | xls | csv | tsv
    shape: int
    tables: list[TruthTable]
    fields: list[FieldTruth] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def sheets(self) -> bool:
        return self.kind != "pdf"

    @property
    def truth_pages(self) -> list[int]:
        return sorted({p for t in self.tables for p in t.where if isinstance(p, int)})


@dataclass
class NotScored:
    folder: str
    reason: str


def read_rows(path: Path) -> Rows:
    """A truth CSV's rows (gzipped when its name ends in .gz, as large ones are)."""
    data = path.read_bytes()
    text = (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8-sig")
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]


def _shape(text: str) -> int:
    m = re.match(r"\s*(\d+)", text)
    return int(m.group(1)) if m else 0


def _table(base: Path, spec: dict, sheets: bool, notes: list[str]) -> TruthTable:
    rows = read_rows(base / spec["csv"])
    classes = None
    if spec.get("classes") and (base / spec["classes"]).is_file():
        classes = [ln.strip() for ln in (base / spec["classes"]).read_text("utf-8").splitlines()]
        classes = [c for c in classes if c]
        if len(classes) != len(rows):
            notes.append(f"{spec['classes']}: {len(classes)} lines for {len(rows)} rows: unused")
            classes = None
    if sheets:
        where = frozenset({str(spec.get("sheet") or spec.get("pages"))})
    else:
        where = parse_pages(spec.get("pages")) or frozenset()
    return TruthTable(spec["csv"], rows, int(spec.get("header_rows", 1)), where, classes)


def load_release(folder: Path) -> Release | NotScored:
    """The truth of one release folder, or why it cannot be scored."""
    name = folder.name
    try:
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return NotScored(name, f"truth.json unreadable: {type(exc).__name__}: {exc}")
    doc = folder / str(truth.get("file", ""))
    if not truth.get("file") or not doc.is_file():
        return NotScored(name, f"document {truth.get('file')!r} missing")
    kind = "pdf" if doc.suffix.lower() == ".pdf" else SHEET_KINDS.get(doc.suffix.lower())
    if kind is None:
        return NotScored(name, f"unsupported document type {doc.suffix!r}")
    notes: list[str] = []
    if truth.get("sha256") and hashlib.sha256(doc.read_bytes()).hexdigest() != truth["sha256"]:
        notes.append("sha256 differs from truth.json")
    tables: list[TruthTable] = []
    for spec in truth.get("tables") or []:
        try:
            t = _table(folder, spec, kind != "pdf", notes)
        except (OSError, KeyError, ValueError) as exc:
            return NotScored(name, f"table {spec.get('csv')!r}: {type(exc).__name__}: {exc}")
        if not t.where:
            return NotScored(name, f"{t.name}: no page or sheet given")
        tables.append(t)
    fields = None
    spec = truth.get("fields")
    if isinstance(spec, dict) and spec.get("csv"):
        path = folder / spec["csv"]
        if not path.is_file():
            return NotScored(name, f"fields file {spec['csv']!r} missing")
        with path.open(encoding="utf-8-sig", newline="") as fh:
            fields = [FieldTruth(int(r.get("page") or 1), r.get("label") or "",
                                 r.get("value") or "") for r in csv.DictReader(fh)]
    if not tables and not fields:
        return NotScored(name, "truth has neither tables nor fields")
    return Release(name, doc, kind, _shape(str(truth.get("shape", ""))), tables, fields, notes)


def load_releases(root: Path) -> tuple[list[Release], list[NotScored]]:
    releases: list[Release] = []
    skipped: list[NotScored] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if not (folder / "truth.json").is_file():
            skipped.append(NotScored(folder.name, "no truth.json"))
            continue
        res = load_release(folder)
        (releases if isinstance(res, Release) else skipped).append(res)  # type: ignore[arg-type]
    return releases, skipped


# -- extracted tables ---------------------------------------------------------------------------


@dataclass
class Part:
    """One table an extractor returned: raw rows, where it is, and (ours) row kinds and header."""

    rows: Sequence[Sequence[object]]
    where: frozenset
    kinds: list[str] | None = None
    header: Sequence[str] | None = None
    order: tuple = ()

    def __post_init__(self) -> None:
        self.norm = [[norm_value(c) for c in r] for r in self.rows]
        head = [normalize_cell(c) for c in self.header] if self.header is not None else None
        self.head_norm = head
        self.kept = kept_columns(self.norm + ([head] if head else []))


def kept_columns(rows: Rows) -> list[int]:
    width = max((len(r) for r in rows), default=0)
    return [c for c in range(width) if any(c < len(r) and r[c] for r in rows)]


def _project(row: Sequence[str], kept: Sequence[int]) -> tuple[str, ...]:
    out = [row[c] if c < len(row) else "" for c in kept]
    while out and not out[-1]:
        out.pop()
    return tuple(out)


def join_header(rows: Rows) -> list[str]:
    """Header rows as one label per column: the rows' cells joined with a space."""
    width = max((len(r) for r in rows), default=0)
    return [" ".join(r[c] for r in rows if c < len(r) and r[c]) for c in range(width)]


def _words(rows: Rows) -> Counter:
    return Counter(w for r in rows for c in r for w in c.split())


def match_parts(truths: Sequence[TruthTable], parts: Sequence[Part]) -> list[list[int]]:
    """For each truth table, the indices of the parts that belong to it, in page order."""
    words = [_words(t.norm) for t in truths]
    out: list[list[int]] = [[] for _ in truths]
    for pi, part in enumerate(parts):
        pw = _words(part.norm)
        n = sum(pw.values())
        best, best_common = None, 0
        for ti, t in enumerate(truths):
            if not (t.where & part.where) or not n:
                continue
            common = sum((pw & words[ti]).values())
            if common / n >= MIN_WORD_PRECISION and common > best_common:
                best, best_common = ti, common
        if best is not None:
            out[best].append(pi)
    for lst in out:
        lst.sort(key=lambda i: (min(parts[i].where, default=0), parts[i].order, i))
    return out


# -- measures -----------------------------------------------------------------------------------


def rows_counted(n_extracted: int, n_truth: int) -> float:
    if n_truth <= 0:
        return 1.0 if n_extracted == 0 else 0.0
    return max(0.0, 1.0 - abs(n_extracted - n_truth) / n_truth)


def headers_equal(truth: Sequence[str], truth_kept: Sequence[int], extracted: Sequence[str],
                  extracted_kept: Sequence[int]) -> bool:
    t = _project([normalize_cell(c) for c in truth], truth_kept)
    e = _project([normalize_cell(c) for c in extracted], extracted_kept)
    return bool(t) and t == e


def labels_found(labels: Sequence[str], extracted: Sequence[str]) -> float:
    """Share of truth header labels equal to, or contained in, an extracted header cell."""
    labels = [normalize_cell(c) for c in labels if normalize_cell(c)]
    if not labels:
        return 0.0
    cells = [normalize_cell(c) for c in extracted if normalize_cell(c)]
    return sum(any(lb == c or lb in c for c in cells) for lb in labels) / len(labels)


def body_count(part: Part, truth: TruthTable) -> int:
    """Body rows a part gives: ours by row kind; a baseline its non-empty rows less the truth's
    header rows when its first rows are that header."""
    if part.kinds is not None:
        return sum(1 for k, r in zip(part.kinds, part.norm) if k in BODY_KINDS and any(r))
    rows = [r for r in part.norm if any(r)]
    h = truth.header_rows
    if h and len(rows) >= h and headers_equal(truth.header, truth.kept,
                                              join_header(rows[:h]), part.kept):
        return len(rows) - h
    return len(rows)


def rows_whole(truth: TruthTable, parts: Sequence[Part]) -> float:
    """Share of truth body rows equal, cell by cell, to an extracted row (each row used once)."""
    keys = [k for k in (_project(r, truth.kept) for r in truth.body) if k]
    if not keys:
        return 0.0
    have = Counter(k for p in parts for k in (_project(r, p.kept) for r in p.norm) if k)
    hits = 0
    for k in keys:
        if have[k] > 0:
            have[k] -= 1
            hits += 1
    return hits / len(keys)


def extracted_header(truth: TruthTable, parts: Sequence[Part]) -> list[str]:
    if not parts:
        return []
    first = parts[0]
    if first.head_norm is not None:
        return list(first.head_norm)
    rows = [r for r in first.norm if any(r)]
    return join_header(rows[: truth.header_rows])


@dataclass
class TableScore:
    counted: float = 0.0
    whole: float = 0.0
    header: float = 0.0
    labels: float = 0.0
    f1: float = 0.0
    precision: float = 0.0
    recall: float = 0.0
    parts: int = 0
    truth_body: int = 0
    extracted_body: int = 0


def score_table(truth: TruthTable, parts: Sequence[Part]) -> TableScore:
    """The four measures of one truth table against the parts that belong to it."""
    n_truth = len(truth.body_idx)
    out = TableScore(truth_body=n_truth, parts=len(parts))
    if not parts:
        out.counted = rows_counted(0, n_truth)
        return out
    out.extracted_body = sum(body_count(p, truth) for p in parts)
    out.counted = rows_counted(out.extracted_body, n_truth)
    out.whole = rows_whole(truth, parts)
    head = extracted_header(truth, parts)
    out.header = float(headers_equal(truth.header, truth.kept, head, parts[0].kept))
    out.labels = labels_found(truth.header_labels, head)
    joined = [r for p in parts for r in p.norm]
    out.precision, out.recall, out.f1 = cell_prf(truth.norm, joined)
    return out


def score_release(release: Release, parts: Sequence[Part]) -> list[TableScore]:
    matched = match_parts(release.tables, parts)
    return [score_table(t, [parts[i] for i in idx]) for t, idx in zip(release.tables, matched)]


# -- form fields --------------------------------------------------------------------------------


def field_label(text: str) -> str:
    return re.sub(r"\s*:\s*$", "", normalize_cell(text))


@dataclass
class FieldScore:
    truth: int = 0
    found: int = 0
    values_right: int = 0
    extracted: int = 0

    @property
    def labels(self) -> float:
        return self.found / self.truth if self.truth else 0.0

    @property
    def values(self) -> float | None:
        return self.values_right / self.found if self.found else None


def score_fields(truth: Sequence[FieldTruth], extracted: Sequence[tuple[int, str, str]]
                 ) -> FieldScore:
    """`extracted`: (page, label, value) of each field the extractor found."""
    ext = [(p, field_label(lb), normalize_cell(v)) for p, lb, v in extracted]
    want = [(f.page, field_label(f.label), normalize_cell(f.value)) for f in truth]
    used: set[int] = set()
    found: dict[int, bool] = {}
    for same_value in (True, False):
        for ti, (page, label, value) in enumerate(want):
            if ti in found:
                continue
            for ei, (p, lb, v) in enumerate(ext):
                if ei not in used and p == page and lb == label and (v == value or not same_value):
                    used.add(ei)
                    found[ti] = v == value
                    break
    return FieldScore(truth=len(want), found=len(found), values_right=sum(found.values()),
                      extracted=len(ext))


def mean_scores(scores: Sequence[TableScore]) -> dict[str, float | int | None]:
    n = len(scores)
    out: dict[str, float | int | None] = {"tables": n}
    for k in ("counted", "whole", "header", "labels", "f1"):
        out[k] = sum(getattr(s, k) for s in scores) / n if n else None
    out["counted_97"] = sum(s.counted >= 0.97 for s in scores) / n if n else None
    return out
