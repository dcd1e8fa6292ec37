"""`bench/real_tables.py --releases [DIR]`: every release folder of fixtures/real/releases scored.

In one process, on the same pages, each release goes through:

- ours: `extract.pdf.extract_pdf` on the whole PDF (scanned pages go through OCR: slow, marked
  "OCR"), or `extract.sheets.read_spreadsheet` for a workbook / CSV;
- camelot auto (`read_pdf(pages=<truth pages>, flavor="auto")`) and pdfplumber default
  (`page.extract_tables()` on the truth pages): PDFs with a text layer only;
- pandas (`read_excel(sheet_name=<the truth sheets>, header=None)`, one call; `read_csv` for a
  CSV), rows as strings with all-empty rows and columns dropped: spreadsheets only.

Each call is timed on its own (wall clock), after one untimed warm-up of ours, camelot and
pdfplumber on the smallest text-layer PDF (OCR is not warmed up). Measures are defined in
bench/release_score.py; means are over truth tables. Shape 6 (form) releases are scored on
their fields, ours only.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.real_tables import Run, _sha256, _short, run_camelot, run_pdfplumber
from bench.release_score import (
    FieldScore,
    NotScored,
    Part,
    Release,
    TableScore,
    mean_scores,
    score_fields,
    score_release,
)

EXTRACTORS = ("ours", "camelot", "pdfplumber", "pandas")
LABELS = {"ours": "ours", "camelot": "camelot auto", "pdfplumber": "pdfplumber default",
          "pandas": "pandas read_excel"}
GROUPS = ("PDF, text layer", "PDF, scanned (OCR)", "spreadsheet", "all")
SLOW_PAGES = 20


@dataclass
class ReleaseResult:
    release: Release
    runs: dict[str, Run] = field(default_factory=dict)
    parts: dict[str, list[Part]] = field(default_factory=dict)
    scores: dict[str, list[TableScore]] = field(default_factory=dict)
    not_run: dict[str, str] = field(default_factory=dict)
    fields: FieldScore | None = None
    ocr: bool = False

    @property
    def group(self) -> str:
        if self.release.sheets:
            return "spreadsheet"
        return "PDF, scanned (OCR)" if self.ocr or self.release.shape == 7 else "PDF, text layer"


# -- extractors ---------------------------------------------------------------------------------


def run_ours_pdf(path: Path, rel: str) -> tuple[Run, list[Part], list[tuple], bool]:
    """Ours on the whole PDF: (run, parts, fields as (page, label, value), any page OCR'd)."""
    from extract.pdf import extract_pdf

    run, parts, fields = Run(), [], []
    sha = _sha256(path)
    t0 = time.perf_counter()
    try:
        doc = extract_pdf(str(path), rel, sha, None)
    except Exception as exc:  # noqa: BLE001 - a report records every failure
        run.seconds, run.error = time.perf_counter() - t0, _short(exc)
        return run, parts, fields, False
    run.seconds = time.perf_counter() - t0
    run.pages = len(doc.pages)
    errors = ([doc.error] if doc.error else []) + [f"p{p.number}: {p.error}"
                                                   for p in doc.pages if p.error]
    run.error = "; ".join(errors) or None
    seen: set[int] = set()
    for page in doc.pages:
        fields += [(f.page, f.label, f.value) for f in page.fields]
        for t in page.tables:
            if id(t) in seen:
                continue
            seen.add(id(t))
            where = frozenset(t.pages) or frozenset({t.page})
            parts.append(Part([r.texts for r in t.rows], where, [r.kind for r in t.rows],
                              t.header, (len(parts),)))
    ocr = any(p.route == "ocr" for p in doc.pages)
    return run, parts, fields, ocr


def run_ours_sheet(path: Path, kind: str) -> tuple[Run, list[Part]]:
    from extract.sheets import read_spreadsheet

    run, parts = Run(), []
    t0 = time.perf_counter()
    try:
        pages = read_spreadsheet(path, kind)
    except Exception as exc:  # noqa: BLE001
        run.seconds, run.error = time.perf_counter() - t0, _short(exc)
        return run, parts
    run.seconds = time.perf_counter() - t0
    run.pages = len(pages)
    run.error = "; ".join(f"{p.sheet}: {p.error}" for p in pages if p.error) or None
    for page in pages:
        for t in page.tables:
            where = frozenset({t.sheet or page.sheet or "csv"})
            parts.append(Part([r.texts for r in t.rows], where, [r.kind for r in t.rows],
                              t.header, (len(parts),)))
    return run, parts


def _plain(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def plain_rows(rows: list[list[object]]) -> list[list[str]]:
    """Cells as strings, all-empty rows and all-empty columns dropped."""
    text = [[_plain(v) for v in r] for r in rows]
    text = [r for r in text if any(r)]
    width = max((len(r) for r in text), default=0)
    cols = [c for c in range(width) if any(c < len(r) and r[c] for r in text)]
    return [[r[c] if c < len(r) else "" for c in cols] for r in text]


def run_pandas(path: Path, kind: str, sheets: list[str]) -> tuple[Run, list[Part]]:
    import pandas as pd

    run, parts = Run(pages=len(sheets)), []
    t0 = time.perf_counter()
    try:
        if kind in ("csv", "tsv"):
            frames = {sheets[0]: pd.read_csv(path, header=None, dtype=str, keep_default_na=False,
                                             sep="\t" if kind == "tsv" else ",")}
        else:
            frames = pd.read_excel(path, sheet_name=sheets, header=None)
        for name, df in frames.items():
            parts.append(Part(plain_rows(df.values.tolist()), frozenset({str(name)}),
                              order=(len(parts),)))
    except Exception as exc:  # noqa: BLE001
        run.error = _short(exc)
    run.seconds = time.perf_counter() - t0
    return run, parts


def _as_parts(run: Run) -> list[Part]:
    return [Part(t.rows, frozenset(t.pages), order=(i,)) for i, t in enumerate(run.tables)]


def has_text_layer(path: Path, pages: list[int]) -> bool:
    import pdfplumber

    try:
        with pdfplumber.open(str(path)) as pdf:
            numbers = pages or range(1, len(pdf.pages) + 1)
            return any(pdf.pages[n - 1].chars for n in numbers if n <= len(pdf.pages))
    except Exception:  # noqa: BLE001 - unreadable: the extractors will say why
        return True


def warm_up(releases: list[Release]) -> None:
    """One untimed pass of ours, camelot and pdfplumber (imports, caches), and the imports of
    the spreadsheet readers."""
    import pandas  # noqa: F401

    import extract.sheets  # noqa: F401

    pdfs = [r for r in releases if r.kind == "pdf" and r.tables and r.shape != 7]
    if not pdfs:
        return
    small = min(pdfs, key=lambda r: r.path.stat().st_size)
    first = [small.truth_pages[0]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_ours_pdf(small.path, small.folder)
        run_camelot(small.path, first, 0)
        run_pdfplumber(small.path, first)


def run_release(rel: Release, skip_slow: bool = False) -> ReleaseResult:
    res = ReleaseResult(rel)
    name = f"{rel.folder}/{rel.path.name}"
    if rel.sheets:
        res.runs["ours"], res.parts["ours"] = run_ours_sheet(rel.path, rel.kind)
        sheets = sorted({s for t in rel.tables for s in t.where}, key=str)
        res.runs["pandas"], res.parts["pandas"] = run_pandas(rel.path, rel.kind, sheets)
        res.not_run.update(camelot="spreadsheet", pdfplumber="spreadsheet")
    else:
        res.not_run["pandas"] = "PDF"
        run, res.parts["ours"], fields, res.ocr = run_ours_pdf(rel.path, name)
        res.runs["ours"] = run
        if rel.fields is not None:
            res.fields = score_fields(rel.fields, fields)
        pages = rel.truth_pages
        if not rel.tables:
            res.not_run.update(camelot="form: no table truth", pdfplumber="form: no table truth")
        elif rel.shape == 7 or not has_text_layer(rel.path, pages):
            res.not_run.update(camelot="no text layer", pdfplumber="no text layer")
        else:
            if skip_slow and len(pages) > SLOW_PAGES:
                res.not_run["camelot"] = f"--skip-slow: {len(pages)} pages"
            else:
                res.runs["camelot"] = run_camelot(rel.path, pages, len(pages))
                res.parts["camelot"] = _as_parts(res.runs["camelot"])
            res.runs["pdfplumber"] = run_pdfplumber(rel.path, pages)
            res.parts["pdfplumber"] = _as_parts(res.runs["pdfplumber"])
    if rel.tables:
        for name_, parts in res.parts.items():
            res.scores[name_] = score_release(rel, parts)
    return res


# -- summary and report -------------------------------------------------------------------------


def summarize(results: list[ReleaseResult]) -> dict[str, dict[str, dict]]:
    """group (release folder, then the GROUPS) -> extractor -> means, seconds."""
    out: dict[str, dict[str, dict]] = {}
    groups = [(r.release.folder, [r]) for r in results]
    groups += [(g, [r for r in results if g == "all" or r.group == g]) for g in GROUPS]
    for g, members in groups:
        out[g] = {}
        for n in EXTRACTORS:
            ran = [r for r in members if n in r.scores]
            if not ran:
                continue
            row = mean_scores([s for r in ran for s in r.scores[n]])
            row["seconds"] = round(sum(r.runs[n].seconds for r in ran), 3)
            row["releases"] = len(ran)
            row["parts"] = sum(s.parts for r in ran for s in r.scores[n])
            out[g][n] = row
    return out


def _f(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def _line(label: str, row: dict, found: str = "", note: str = "") -> str:
    return (f"  {label:<20}{row['tables']:>5} {_f(row['counted']):>8} {_f(row['whole']):>7} "
            f"{_f(row['header'], '.2f'):>6} {_f(row['labels'], '.2f'):>6} {_f(row['f1']):>7} "
            f"{_f(row['counted_97'], '.2f'):>6} {row['seconds']:>8.2f} {found:>6}  {note}")


HEAD = (f"  {'extractor':<20}{'tbls':>5} {'counted':>8} {'whole':>7} {'header':>6} "
        f"{'labels':>6} {'F1':>7} {'>=.97':>6} {'seconds':>8} {'found':>6}  (found: matched/all)")


def _kind(r: ReleaseResult) -> str:
    rel = r.release
    if rel.sheets:
        return f"{rel.kind}, {r.runs['ours'].pages} sheets"
    return f"PDF, {r.runs['ours'].pages} p" + (", OCR: slow" if r.ocr else "")


def _pages(where: frozenset) -> str:
    """{1, 2, 3, 5} -> "1-3,5"; sheet names as they are."""
    if any(isinstance(w, str) for w in where):
        return ",".join(sorted(map(str, where)))
    runs: list[list[int]] = []
    for p in sorted(where):
        if runs and p == runs[-1][1] + 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    return ",".join(f"{a}-{b}" if b > a else str(a) for a, b in runs)


def render(summary: dict, results: list[ReleaseResult], skipped: list[NotScored], root: Path,
           runtime: float) -> str:
    """Long because it is the whole printed report, section after section."""
    lines = [f"Real releases ({root}): tables per release, ours vs baselines on the same pages",
             "counted = rows counted, whole = rows whole, header = header equal (0/1), "
             "labels = share of header labels found, F1 = cells F1,",
             ">=.97 = share of tables with rows counted >= 0.97 (bench/release_score.py); "
             "means over truth tables.", ""]
    for r in results:
        rel = r.release
        lines.append(f"{rel.folder} (shape {rel.shape}, {_kind(r)}, "
                     f"{len(rel.tables)} truth table(s))")
        if rel.tables:
            lines.append(HEAD)
        for n in EXTRACTORS:
            if n in summary[rel.folder]:
                run = r.runs[n]
                note = (run.info and f"camelot chose {run.info}") if n == "camelot" else ""
                if run.error:
                    note = (note + "; " if note else "") + "ERROR " + run.error[:90]
                found = f"{summary[rel.folder][n]['parts']}/{len(r.parts.get(n, []))}"
                lines.append(_line(LABELS[n], summary[rel.folder][n], found, note))
            elif n in r.not_run and r.not_run[n] not in ("PDF", "spreadsheet"):
                lines.append(f"  {LABELS[n]:<20} not run: {r.not_run[n]}")
        if r.fields is not None:
            fs, run = r.fields, r.runs["ours"]
            lines.append(f"  fields, ours: labels found {fs.found}/{fs.truth} = {fs.labels:.3f}"
                         f"; values right among found {fs.values_right}/{fs.found} = "
                         f"{_f(fs.values)}; {fs.extracted} fields extracted; "
                         f"{run.seconds:.2f} s{' (OCR)' if r.ocr else ''}; baselines: none")
        lines.append("")
    head = HEAD.split("  (found")[0].replace("found", "rels.")
    lines += ["Overall (mean over truth tables)", head]
    for g in GROUPS:
        if summary[g]:
            lines.append(f" {g}")
        for n in EXTRACTORS:
            if n in summary[g]:
                lines.append(_line(LABELS[n], summary[g][n], str(summary[g][n]["releases"])))
    forms = [r.fields for r in results if r.fields is not None]
    if forms:
        found, truth = sum(f.found for f in forms), sum(f.truth for f in forms)
        right = sum(f.values_right for f in forms)
        lines.append(f" forms ({len(forms)} releases, ours only): labels found {found}/{truth}"
                     f" = {_f(found / truth if truth else None)}; values right among found "
                     f"{right}/{found} = {_f(right / found if found else None)}")
    lines += ["", "Per truth table (body rows truth -> extracted; counted / whole / header / F1):"]
    for r in results:
        for i, t in enumerate(r.release.tables):
            where = _pages(t.where)
            cells = [f"{n} {s.extracted_body} rows {s.counted:.2f}/{s.whole:.2f}/"
                     f"{s.header:.0f}/{s.f1:.2f}" + (f" [{s.parts} parts]" if s.parts > 1 else "")
                     for n in EXTRACTORS if n in r.scores for s in [r.scores[n][i]]]
            lines.append(f"  {r.release.folder}/{t.name} [{where}] truth {len(t.body_idx)}"
                         f": " + "; ".join(cells))
    lines += ["", "Not scored:"]
    lines += [f"  {s.folder}: {s.reason}" for s in skipped] or ["  (none)"]
    notes = [f"  {r.release.folder}: {n}" for r in results for n in r.release.notes]
    notes += [f"  {r.release.folder} [{n}] warning: {w}" for r in results
              for n, run in r.runs.items() for w in run.warnings[:3]]
    lines += ["", "Notes and warnings:"] + (notes or ["  (none)"])
    lines += ["", f"Runtime: {runtime:.1f} s (including one untimed warm-up per extractor)"]
    return "\n".join(lines)


def to_json(summary: dict, results: list[ReleaseResult], skipped: list[NotScored], root: Path,
            runtime: float) -> dict:
    releases = []
    for r in results:
        rel = r.release
        runs = {n: {"seconds": round(run.seconds, 3), "pages": run.pages, "error": run.error,
                    "warnings": run.warnings, "info": run.info,
                    "tables_found": len(r.parts.get(n, []))} for n, run in r.runs.items()}
        tables = [{"csv": t.name, "where": sorted(t.where), "header_rows": t.header_rows,
                   "truth_body_rows": len(t.body_idx),
                   "scores": {n: asdict(s[i]) for n, s in r.scores.items()}}
                  for i, t in enumerate(rel.tables)]
        fields = None
        if r.fields is not None:
            fields = asdict(r.fields) | {"labels": r.fields.labels, "values": r.fields.values}
        releases.append({"folder": rel.folder, "file": rel.path.name, "kind": rel.kind,
                         "shape": rel.shape, "group": r.group, "ocr": r.ocr, "runs": runs,
                         "not_run": r.not_run, "tables": tables, "fields": fields,
                         "notes": rel.notes})
    return {"releases_dir": str(root), "runtime_s": round(runtime, 2), "summary": summary,
            "releases": releases, "not_scored": [asdict(s) for s in skipped]}


def run_all(root: Path, only: str | None, skip_slow: bool, as_json: bool) -> int:
    """The --releases mode of bench/real_tables.py: load, run, score, print; exits 0."""
    import json
    import logging
    import sys

    from bench.release_score import load_releases

    if not root.is_dir():
        print(f"releases folder not found: {root}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    logging.getLogger("camelot").setLevel(logging.ERROR)
    releases, skipped = load_releases(root)
    if only:
        releases = [r for r in releases if only in r.folder]
        skipped = [s for s in skipped if only in s.folder]
    warm_up(releases)
    results: list[ReleaseResult] = []
    for rel in releases:
        if not as_json:
            print(f"  running {rel.folder} ...", file=sys.stderr, flush=True)
        try:
            results.append(run_release(rel, skip_slow))
        except Exception as exc:  # noqa: BLE001 - scoring bug: report it, keep going
            skipped.append(NotScored(rel.folder, f"benchmark failed: {_short(exc)}"))
    summary = summarize(results)
    runtime = time.perf_counter() - started
    if as_json:
        print(json.dumps(to_json(summary, results, skipped, root, runtime), default=str))
    else:
        print(render(summary, results, skipped, root, runtime))
    return 0
