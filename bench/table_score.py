"""Score extracted tables against ground-truth tables; load that truth from the real corpus.

Pure functions: the only I/O is reading the corpus' MANIFEST.tsv, *.expected.json and truth CSVs.

Definitions
-----------
Cell normalization (`normalize_cell`)
    str(value) (None -> ""), Unicode NFKC, every newline (CR/LF) -> space, runs of whitespace
    collapsed to one space, stripped. A cell that is "" after this is *empty*; empty cells are
    never counted anywhere. Two per-truth-table options, set only from what the truth says:
    - `plain_numbers`: a cell that is exactly a thousands-grouped number ("2,179", "-1,234.5")
      loses its commas. Set for a full-table truth data set (below, 2.) that writes numbers of
      1,000 or more without separators and never with them (BuzzFeed's NICS CSVs); both sides.
    - `ignore_spaces`: all spaces removed, both sides. Set when the truth rows were asserted
      "with spaces removed" (pdfplumber's WARN-report test).

Table matching (`match_tables`)
    A truth table may only match extracted tables on its page(s) (a table stitched across pages
    counts on each of its pages); a truth table without a page may match any table of the
    document. All eligible (truth, extracted) pairs are scored by cell F1 and assigned greedily,
    best first; one extracted table serves at most one truth table. A truth table left without
    a match (or whose best F1 is 0) scores 0 on every measure.

Cell F1 (`cell_prf`)
    Multisets of the non-empty normalized cells of the truth table (T) and of the extracted table
    (E); common = multiset intersection. precision = |common|/|E|, recall = |common|/|T|,
    F1 = harmonic mean (0 when either is 0).
    Partial truths (only some rows of a table were asserted, e.g. "first data row"): E is first
    restricted to the extracted rows aligned to the truth rows (row alignment below, pairs with
    weight > 0), since the other extracted rows have no truth to be judged against.

Row exact-match rate (`row_exact_rate`)
    Over the truth rows with at least one non-empty cell: the share whose tuple of non-empty
    normalized cells (empty cells dropped, order kept) equals that tuple for some row of the
    matched extracted table.

Structure score (`structure_score`)
    Rows are aligned by a maximum-weight one-to-one matching on row similarity = size of the
    multiset intersection of the two rows' non-empty cells (pairs of weight 0 are dropped). Then
    columns are aligned the same way on column similarity = number of aligned row pairs whose
    cells in those two columns are equal and non-empty. A non-empty truth cell (i, a) counts when
    row i is aligned to extracted row j, column a to extracted column b, and E[j][b] equals it.
    Score = counted cells / non-empty truth cells. The matching is scipy's
    linear_sum_assignment when scipy is importable, else the exact Hungarian algorithm below
    (same optimum; ties may resolve differently).

Aggregation (`aggregate`)
    Per group: mean over truth tables of F1, row rate and structure, with the table count.

Ground truth (`load_corpus`)
    Documents come from MANIFEST.tsv. Scanned documents and non-PDF files are skipped (listed with
    the reason). A document's truth tables are, in this order:
    1. camelot-style `tables: [{csv: ...}]` in its expected.json: each CSV is camelot's expected
       DataFrame, every line a row; its page(s) from `camelot_params.pages`. With `flag_size`,
       camelot's <s></s> superscript markup is removed from the truth (the content stays).
    2. `full_table_ground_truth.file`: a CSV whose first line is dropped when it is a row of field
       names (every cell a snake_case identifier: not printed in the PDF). When the truth
       declares a multi-field `key`, the table is split into one truth table per value of the
       first key field and that field's column is dropped (it names the group, e.g. the month
       of a one-month-per-page report, and is not a cell of the PDF). No page is given.
    3. A `ground_truth` text naming one of the document's truth CSVs (kept whole, no page).
    4. Any other CSV listed for the document in the manifest (kind "not described").
    5. Only when none of the above exists: rows asserted inline in `assertions` (an "expected"
       list of >= 2 strings whose "what" names a row -- "row", not "rows" or "colN" -- and that
       is not marked an artifact), grouped per page named in "what" ("page 1 ..."); such a
       table is *partial*.
    A document with none of these has no table cells and is skipped with its assertions listed.
    Kinds: "source project's expected output" (asserted in the source project's tests or
    example notebooks), "human transcription" (the truth text says a helper/hand made it) and
    "published machine parse" (a data set published by a project, not a test assertion).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

try:  # optional: exact matching either way, scipy is just faster
    from scipy.optimize import linear_sum_assignment as _lsa  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    _lsa = None

SOURCE_TEST = "source project's expected output"
HUMAN = "human transcription"
PARSE = "published machine parse"
UNKNOWN = "not described"

_WS = re.compile(r"\s+")
_GROUPED = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PLAIN_BIG = re.compile(r"^[-+]?[1-9]\d{3,}(?:\.\d+)?$")
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_REPO = re.compile(r"([\w.-]+/[\w.-]+)@[0-9a-f]{7,40}")
_PAGE_IN_TEXT = re.compile(r"\bpage (\d+)\b", re.IGNORECASE)
_ROW_WORD = re.compile(r"\brow\b", re.IGNORECASE)
_COL_REF = re.compile(r"\bcol\s*\d", re.IGNORECASE)
_SUPERSCRIPT_TAG = re.compile(r"</?s>")

Rows = list[list[str]]


# -- normalization ------------------------------------------------------------------------------


def normalize_cell(value: object, *, plain_numbers: bool = False,
                   ignore_spaces: bool = False) -> str:
    """One cell as compared: NFKC, newlines as spaces, whitespace collapsed, stripped."""
    text = "" if value is None else str(value)
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    text = _WS.sub(" ", text).strip()
    if plain_numbers and _GROUPED.match(text):
        text = text.replace(",", "")
    if ignore_spaces:
        text = text.replace(" ", "")
    return text


def normalize_rows(rows: Sequence[Sequence[object]], *, plain_numbers: bool = False,
                   ignore_spaces: bool = False) -> Rows:
    return [[normalize_cell(c, plain_numbers=plain_numbers, ignore_spaces=ignore_spaces)
             for c in row] for row in rows]


def _cells(rows: Rows) -> Counter:
    return Counter(c for row in rows for c in row if c)


def _row_key(row: Sequence[str]) -> tuple[str, ...]:
    return tuple(c for c in row if c)


# -- the three measures -------------------------------------------------------------------------


def cell_prf(truth: Rows, extracted: Rows) -> tuple[float, float, float]:
    """(precision, recall, F1) of the multisets of non-empty normalized cells."""
    t, e = _cells(truth), _cells(extracted)
    n_t, n_e = sum(t.values()), sum(e.values())
    if not n_t or not n_e:
        return 0.0, 0.0, 0.0
    common = sum((t & e).values())
    p, r = common / n_e, common / n_t
    return p, r, (2 * p * r / (p + r) if common else 0.0)


def row_exact_rate(truth: Rows, extracted: Rows) -> float:
    """Share of non-empty truth rows equal (empty cells dropped) to some extracted row."""
    keys = [_row_key(r) for r in truth]
    keys = [k for k in keys if k]
    if not keys:
        return 0.0
    have = {_row_key(r) for r in extracted}
    return sum(k in have for k in keys) / len(keys)


def _hungarian_min(cost: list[list[float]]) -> list[int]:
    """Exact min-cost assignment for n <= m rows/cols (potentials method); row -> column."""
    n, m = len(cost), len(cost[0])
    inf = float("inf")
    u, v = [0.0] * (n + 1), [0.0] * (m + 1)
    p, way = [0] * (m + 1), [0] * (m + 1)
    for i in range(1, n + 1):
        p[0], j0 = i, 0
        minv, used = [inf] * (m + 1), [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], inf, 0
            row = cost[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    out = [-1] * n
    for j in range(1, m + 1):
        if p[j]:
            out[p[j] - 1] = j - 1
    return out


def max_weight_matching(weights: list[list[float]]) -> list[tuple[int, int]]:
    """Pairs (i, j) of a maximum-weight one-to-one matching; pairs of weight <= 0 are dropped."""
    if not weights or not weights[0]:
        return []
    n, m = len(weights), len(weights[0])
    if _lsa is not None:
        rows, cols = _lsa(weights, maximize=True)
        pairs = list(zip(rows.tolist(), cols.tolist()))
    elif n <= m:
        pairs = list(enumerate(_hungarian_min([[-w for w in row] for row in weights])))
    else:
        t = [[-weights[i][j] for i in range(n)] for j in range(m)]
        pairs = [(i, j) for j, i in enumerate(_hungarian_min(t))]
    return sorted((i, j) for i, j in pairs if j >= 0 and weights[i][j] > 0)


def align_rows(truth: Rows, extracted: Rows) -> list[tuple[int, int]]:
    """Truth row -> extracted row pairs maximizing the shared non-empty cells."""
    if not truth or not extracted:
        return []
    t_cells = [Counter(c for c in r if c) for r in truth]
    e_cells = [Counter(c for c in r if c) for r in extracted]
    w = [[float(sum((tc & ec).values())) if tc and ec else 0.0 for ec in e_cells]
         for tc in t_cells]
    return max_weight_matching(w)


def structure_score(truth: Rows, extracted: Rows,
                    row_pairs: list[tuple[int, int]] | None = None) -> float:
    """Share of non-empty truth cells found at the aligned (row, column) of the extracted table."""
    total = sum(1 for r in truth for c in r if c)
    if not total or not extracted:
        return 0.0
    pairs = align_rows(truth, extracted) if row_pairs is None else row_pairs
    if not pairs:
        return 0.0
    t_cols = max(len(r) for r in truth)
    e_cols = max((len(r) for r in extracted), default=0)
    if not e_cols:
        return 0.0
    sim = [[0.0] * e_cols for _ in range(t_cols)]
    for i, j in pairs:
        erow = extracted[j]
        for a, cell in enumerate(truth[i]):
            if not cell:
                continue
            for b, other in enumerate(erow):
                if other == cell:
                    sim[a][b] += 1.0
    col_of = dict(max_weight_matching(sim))
    hits = 0
    for i, j in pairs:
        erow = extracted[j]
        for a, cell in enumerate(truth[i]):
            b = col_of.get(a)
            if cell and b is not None and b < len(erow) and erow[b] == cell:
                hits += 1
    return hits / total


# -- tables and matching ------------------------------------------------------------------------


@dataclass
class TruthTable:
    """One ground-truth table of one document, with how to compare against it."""

    doc: str  # corpus-relative document path
    name: str  # where the truth came from (file, or file#what)
    rows: Rows  # raw cells as the truth gives them
    pages: frozenset[int] | None  # None: no page given, match tables of every page
    kind: str
    evidence: str = ""
    partial: bool = False
    plain_numbers: bool = False
    ignore_spaces: bool = False
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.norm = normalize_rows(self.rows, plain_numbers=self.plain_numbers,
                                   ignore_spaces=self.ignore_spaces)

    @property
    def flags(self) -> tuple[bool, bool]:
        return (self.plain_numbers, self.ignore_spaces)


@dataclass
class ExtractedTable:
    """One table as an extractor returned it: rows of cell strings and the page(s) it is on."""

    rows: Sequence[Sequence[object]]
    pages: frozenset[int]
    _norm: dict = field(default_factory=dict, repr=False)

    def normalized(self, flags: tuple[bool, bool]) -> Rows:
        if flags not in self._norm:
            self._norm[flags] = normalize_rows(self.rows, plain_numbers=flags[0],
                                               ignore_spaces=flags[1])
        return self._norm[flags]


@dataclass
class PairScore:
    f1: float = 0.0
    precision: float = 0.0
    recall: float = 0.0
    rows: float = 0.0
    structure: float = 0.0
    matched: int | None = None  # index of the extracted table


def writes_plain_numbers(rows: Sequence[Sequence[object]]) -> bool:
    """True when the truth writes numbers >= 1000 without thousands separators, never with."""
    cells = [normalize_cell(c) for r in rows for c in r]
    return any(_PLAIN_BIG.match(c) for c in cells) and not any(_GROUPED.match(c) for c in cells)


def score_pair(truth: TruthTable, ext: ExtractedTable, *, with_structure: bool = True
               ) -> PairScore:
    """All three measures of one truth table against one extracted table."""
    e = ext.normalized(truth.flags)
    t = truth.norm
    pairs = align_rows(t, e) if (truth.partial or with_structure) else None
    judged = [e[j] for _, j in pairs] if truth.partial and pairs is not None else e
    p, r, f1 = cell_prf(t, judged)
    out = PairScore(f1=f1, precision=p, recall=r)
    if with_structure:
        out.rows = row_exact_rate(t, e)
        out.structure = structure_score(t, e, pairs)
    return out


def match_tables(truths: Sequence[TruthTable], extracted: Sequence[ExtractedTable]
                 ) -> list[PairScore]:
    """Greedy one-to-one matching by cell F1 on shared pages; one PairScore per truth table."""
    cands: list[tuple[float, int, int]] = []
    for ti, t in enumerate(truths):
        for ei, e in enumerate(extracted):
            if t.pages is not None and not (t.pages & e.pages):
                continue
            f1 = score_pair(t, e, with_structure=False).f1
            if f1 > 0:
                cands.append((f1, ti, ei))
    cands.sort(key=lambda c: (-c[0], c[1], c[2]))
    out = [PairScore() for _ in truths]
    used_t: set[int] = set()
    used_e: set[int] = set()
    for _, ti, ei in cands:
        if ti in used_t or ei in used_e:
            continue
        used_t.add(ti)
        used_e.add(ei)
        out[ti] = score_pair(truths[ti], extracted[ei])
        out[ti].matched = ei
    return out


def aggregate(scores: Sequence[PairScore]) -> dict[str, float | int | None]:
    """Mean F1 / row rate / structure over truth tables, with the count."""
    n = len(scores)
    if not n:
        return {"tables": 0, "f1": None, "rows": None, "structure": None}
    return {"tables": n,
            "f1": sum(s.f1 for s in scores) / n,
            "rows": sum(s.rows for s in scores) / n,
            "structure": sum(s.structure for s in scores) / n}


# -- ground truth -------------------------------------------------------------------------------


@dataclass
class DocTruth:
    path: str  # corpus-relative
    folder: str
    pages: int  # page count from the manifest
    source_repo: str
    tables: list[TruthTable]

    @property
    def truth_pages(self) -> list[int] | None:
        """Pages the truth covers, or None when some table has no page (the whole document)."""
        if any(t.pages is None for t in self.tables):
            return None
        return sorted({p for t in self.tables for p in (t.pages or ())})


@dataclass
class Skipped:
    path: str
    reason: str


def parse_pages(spec: object) -> frozenset[int] | None:
    """'1', '1,3', '2-4', '1 (camelot default; ...)' -> page set; 'all' or nothing -> None."""
    if spec is None:
        return None
    m = re.match(r"\s*(\d+(?:\s*-\s*\d+)?(?:\s*,\s*\d+(?:\s*-\s*\d+)?)*)", str(spec))
    if not m:
        return None
    pages: set[int] = set()
    for part in m.group(1).split(","):
        a, _, b = part.partition("-")
        lo, hi = int(a), int(b or a)
        pages.update(range(lo, hi + 1))
    return frozenset(pages)


def read_csv_rows(path: Path, delimiter: str = ",") -> Rows:
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    text = raw.decode("utf-8-sig")
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def is_field_name_row(row: Sequence[str]) -> bool:
    cells = [c for c in row if c]
    return len(cells) >= 2 and all(_FIELD_NAME.match(c) for c in cells)


def _kind_of(text: str, source_repo: str) -> str:
    low = text.lower()
    if "helper" in low or "hand transcri" in low or "hand-transcri" in low:
        return HUMAN
    if "test suite" in low or "tests/" in low or (
            "notebook" in low and source_repo and source_repo.lower() in low):
        return SOURCE_TEST
    if _REPO.search(text):
        return PARSE
    return UNKNOWN


def _flatten(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False) if not isinstance(obj, str) else obj


def _camelot_tables(meta: dict, base: Path, doc: str, source_repo: str,
                    used: set[str]) -> list[TruthTable]:
    params = meta.get("camelot_params") or {}
    pages = parse_pages(params.get("pages", "1"))
    kind = _kind_of(str(meta.get("ground_truth_kind", "")), source_repo)
    out = []
    for t in meta.get("tables", []):
        if not isinstance(t, dict) or "csv" not in t:
            continue
        path = base / t["csv"]
        if not path.exists():
            continue
        used.add(path.name)
        rows = read_csv_rows(path)
        notes = []
        if params.get("flag_size"):
            rows = [[_SUPERSCRIPT_TAG.sub("", c) for c in r] for r in rows]
            notes.append("camelot <s></s> superscript markup removed from truth")
        params_shown = {k: v for k, v in params.items() if k != "pages"}
        notes.append(f"camelot test params {json.dumps(params_shown)}")
        out.append(TruthTable(doc=doc, name=path.name, rows=rows, pages=pages, kind=kind,
                              evidence=str(meta.get("test", "")), notes=notes))
    return out


def _full_table(spec: dict, base: Path, doc: str, source_repo: str,
                used: set[str]) -> list[TruthTable]:
    path = base / spec["file"]
    if not path.exists():
        return []
    used.add(path.name)
    delimiter = "|" if "pipe" in str(spec.get("format", "")).lower() else ","
    rows = read_csv_rows(path, delimiter)
    text = " ".join(_flatten(spec.get(k, "")) for k in ("source", "how_made", "note"))
    kind = _kind_of(text, source_repo)
    evidence = str(spec.get("source", ""))
    repo = _REPO.search(evidence)
    if kind == PARSE and repo:
        same = repo.group(1).lower() == source_repo.lower()
        whose = "the project the PDF came from" if same else "third party"
        evidence = f"{repo.group(1)} ({whose}): {evidence.split(':', 1)[-1].strip()}"
    notes: list[str] = []
    fields: list[str] | None = None
    if rows and is_field_name_row(rows[0]):
        fields, rows = rows[0], rows[1:]
        notes.append("first CSV line is field names, not PDF cells: dropped")
    plain = writes_plain_numbers(rows)
    if plain:
        notes.append("truth writes numbers without thousands separators: "
                     "separators stripped on both sides")
    key = spec.get("key") or []
    if fields and isinstance(key, list) and len(key) > 1 and key[0] in fields:
        col = fields.index(key[0])
        groups: dict[str, Rows] = {}
        for r in rows:
            value = r[col] if col < len(r) else ""
            groups.setdefault(value, []).append(r[:col] + r[col + 1:])
        notes.append(f"split by key field {key[0]!r} into {len(groups)} tables "
                     f"(column dropped); no page given")
        return [TruthTable(doc=doc, name=f"{path.name}[{key[0]}={v}]", rows=g, pages=None,
                           kind=kind, evidence=evidence, plain_numbers=plain, notes=notes)
                for v, g in groups.items()]
    return [TruthTable(doc=doc, name=path.name, rows=rows, pages=None, kind=kind,
                       evidence=evidence, plain_numbers=plain, notes=notes)]


def _inline_rows(meta: dict, doc: str, source_repo: str) -> list[TruthTable]:
    by_page: dict[int | None, list[dict]] = {}
    for a in meta.get("assertions", []) or []:
        if not isinstance(a, dict) or a.get("artifact"):
            continue
        what, exp = str(a.get("what", "")), a.get("expected")
        if not (isinstance(exp, list) and len(exp) >= 2 and all(isinstance(x, str) for x in exp)):
            continue
        if not _ROW_WORD.search(what) or _COL_REF.search(what):
            continue
        m = _PAGE_IN_TEXT.search(what)
        by_page.setdefault(int(m.group(1)) if m else None, []).append(a)
    out = []
    for page, items in by_page.items():
        kinds = sorted({_kind_of(str(a.get("cite", "")), source_repo) for a in items})
        spaces = any("spaces removed" in str(a.get("what", "")) for a in items)
        notes = [f"partial: {len(items)} asserted row(s): "
                 + "; ".join(str(a.get("what")) for a in items)]
        if spaces:
            notes.append("rows asserted 'with spaces removed': spaces ignored on both sides")
        cites = sorted({str(a.get("cite", "")).split("#")[0] for a in items})
        out.append(TruthTable(doc=doc, name=f"{Path(doc).stem}.expected.json#rows",
                              rows=[list(a["expected"]) for a in items],
                              pages=frozenset({page}) if page else None,
                              kind=" + ".join(kinds), evidence=", ".join(cites),
                              partial=True, ignore_spaces=spaces, notes=notes))
    return out


def _assertion_summary(meta: dict) -> str:
    whats = [str(a.get("what")) for a in meta.get("assertions", []) or [] if isinstance(a, dict)]
    if whats:
        return "asserts only: " + "; ".join(whats)[:150]
    return "no assertions"


def load_document(corpus: Path, rec: dict[str, str]) -> DocTruth | Skipped:
    """Truth tables of one manifest record, or why the document is skipped."""
    rel = rec["file"]
    kind = rec.get("kind", "")
    if kind == "scanned":
        return Skipped(rel, "scanned document (the OCR route is benchmarked elsewhere)")
    if not rel.lower().endswith(".pdf"):
        return Skipped(rel, f"not a PDF ({kind})")
    source_repo = rec.get("source_repo", "").split("@")[0]
    gt = [g.strip() for g in rec.get("ground_truth_file", "").split(",") if g.strip()]
    metas = [g for g in gt if g.endswith(".expected.json")]
    csvs = [g for g in gt if g.endswith((".csv", ".csv.gz"))]
    meta: dict = {}
    if metas and (corpus / metas[0]).exists():
        meta = json.loads((corpus / metas[0]).read_text(encoding="utf-8"))
    base = (corpus / metas[0]).parent if metas else (corpus / rel).parent
    used: set[str] = set()
    tables = _camelot_tables(meta, base, rel, source_repo, used)
    if isinstance(meta.get("full_table_ground_truth"), dict):
        tables += _full_table(meta["full_table_ground_truth"], base, rel, source_repo, used)
    described = meta.get("ground_truth")
    for g in csvs:
        name = Path(g).name
        if name in used or not (corpus / g).exists():
            continue
        text = _flatten(described) if described else ""
        if name in text:
            detail = text
            if isinstance(described, dict):
                detail = next((str(v) for v in described.values() if name in str(v)), text)
            kind_ = _kind_of(detail, source_repo)
            tables.append(TruthTable(doc=rel, name=name, rows=read_csv_rows(corpus / g),
                                     pages=None, kind=kind_, evidence=detail[:160],
                                     notes=["whole CSV (its first line kept as a row); "
                                            "no page given"]))
        else:
            tables.append(TruthTable(doc=rel, name=name, rows=read_csv_rows(corpus / g),
                                     pages=None, kind=UNKNOWN,
                                     notes=["CSV listed in the manifest, not described"]))
        used.add(name)
    if not tables:
        tables = _inline_rows(meta, rel, source_repo)
    tables = [t for t in tables if any(c for r in t.norm for c in r)]
    if not tables:
        return Skipped(rel, f"truth has no table cells ({_assertion_summary(meta)})")
    return DocTruth(path=rel, folder=rel.split("/")[0], pages=int(rec.get("pages") or 0),
                    source_repo=source_repo, tables=tables)


def load_corpus(corpus: Path) -> tuple[list[DocTruth], list[Skipped]]:
    """Every manifest document with table truth, and every skipped one with its reason."""
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(fh, delimiter="\t"))
    docs: list[DocTruth] = []
    skipped: list[Skipped] = []
    for rec in records:
        res = load_document(corpus, rec)
        (docs if isinstance(res, DocTruth) else skipped).append(res)  # type: ignore[arg-type]
    return docs, skipped
