"""Table extraction on the real-document corpus: ours vs camelot auto vs pdfplumber default.

    .venv/bin/python bench/real_tables.py [--corpus DIR] [--only SUBSTRING] [--skip-slow] [--json]
    .venv/bin/python bench/real_tables.py --releases [DIR] [--only SUBSTRING] [--json]

With `--releases` (DIR defaults to fixtures/real/releases) every release folder stored as its
CONTRACT.md says is scored instead of the corpus: see bench/release_bench.py (runs, report) and
bench/release_score.py (truth, measures).

Every born-digital PDF of the corpus (default ../shared/corpus next to the repository) whose
ground truth holds table cells is run, in this one process, through three extractors:

- ours: `extract.pdf.extract_pdf` on the whole document (so all its pages count for pages/s);
- camelot auto: `camelot.read_pdf(path, pages=<truth pages or "all">, flavor="auto")`;
- pdfplumber default: `page.extract_tables()` on the truth pages (every page when a truth
  table has no page).

Each call is timed on its own (wall clock); pages/s = pages processed / seconds. Before timing,
each extractor runs once untimed on the smallest document (imports, caches). Scoring (cell F1,
row exact-match rate, structure) and what counts as truth are defined in bench/table_score.py.
Results are means over truth tables per corpus folder and overall ("overall (per doc)" weights
every document equally instead). `--skip-slow` does not run camelot on documents where it
would read more than SLOW_PAGES pages; camelot's means then leave those tables out.

This is a report, not a test: it exits 0 (2 only when the corpus folder is missing).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402

from bench.table_score import (  # noqa: E402
    HUMAN,
    PARSE,
    SOURCE_TEST,
    UNKNOWN,
    DocTruth,
    ExtractedTable,
    PairScore,
    Skipped,
    aggregate,
    load_corpus,
    match_tables,
)

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DEFAULT_RELEASES = ROOT / "fixtures" / "real" / "releases"
EXTRACTORS = ("ours", "camelot", "pdfplumber")
LABELS = {"ours": "ours", "camelot": "camelot auto", "pdfplumber": "pdfplumber default"}
SLOW_PAGES = 20
FLAVOR_NOTE = "auto-detected per-page flavors"


@dataclass
class Run:
    """One extractor on one document."""

    tables: list[ExtractedTable] = field(default_factory=list)
    seconds: float = 0.0
    pages: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: str | None = None
    info: str = ""


@dataclass
class DocResult:
    doc: DocTruth
    runs: dict[str, Run]
    scores: dict[str, list[PairScore]]


# -- the three extractors -----------------------------------------------------------------------


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"


def run_ours(path: Path, rel: str, sha: str) -> Run:
    from extract.pdf import extract_pdf

    run = Run()
    t0 = time.perf_counter()
    try:
        doc = extract_pdf(str(path), rel, sha, None)
    except Exception as exc:  # noqa: BLE001 - a report records every failure
        run.seconds = time.perf_counter() - t0
        run.error = _short(exc)
        return run
    run.seconds = time.perf_counter() - t0
    run.pages = len(doc.pages)
    errors = [doc.error] if doc.error else []
    errors += [f"p{p.number}: {p.error}" for p in doc.pages if p.error]
    run.error = "; ".join(errors) or None
    seen: set[int] = set()
    for page in doc.pages:
        for t in page.tables:
            if id(t) in seen:
                continue
            seen.add(id(t))
            pages = frozenset(t.pages) or frozenset({t.page})
            run.tables.append(ExtractedTable(rows=[r.texts for r in t.rows], pages=pages))
    return run


def run_camelot(path: Path, pages: list[int] | None, n_pages: int) -> Run:
    import camelot

    run = Run(pages=len(pages) if pages is not None else n_pages)
    spec = "all" if pages is None else ",".join(str(p) for p in pages)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        try:
            found = camelot.read_pdf(str(path), pages=spec, flavor="auto")
            run.seconds = time.perf_counter() - t0
            for t in found:
                rows = [["" if c is None else str(c) for c in row] for row in t.df.values.tolist()]
                run.tables.append(ExtractedTable(rows=rows, pages=frozenset({int(t.page)})))
        except Exception as exc:  # noqa: BLE001
            run.seconds = time.perf_counter() - t0
            run.error = _short(exc)
            run.tables = []
    for msg in sorted({str(w.message).splitlines()[0] for w in caught}):
        if FLAVOR_NOTE in msg:  # informational: which flavor auto chose per page
            chosen = re.findall(r"'(\w+)'", msg.split(FLAVOR_NOTE, 1)[1])
            run.info = ", ".join(f"{k} x{v}" if v > 1 else k
                                 for k, v in Counter(chosen).most_common())
        else:
            run.warnings.append(msg[:160])
    return run


def run_pdfplumber(path: Path, pages: list[int] | None) -> Run:
    import pdfplumber

    run = Run()
    t0 = time.perf_counter()
    try:
        with pdfplumber.open(str(path)) as pdf:
            numbers = pages if pages is not None else list(range(1, len(pdf.pages) + 1))
            for n in numbers:
                for tb in pdf.pages[n - 1].extract_tables():
                    rows = [["" if c is None else c for c in row] for row in tb]
                    run.tables.append(ExtractedTable(rows=rows, pages=frozenset({n})))
            run.pages = len(numbers)
    except Exception as exc:  # noqa: BLE001
        run.error = _short(exc)
        run.tables = []
    run.seconds = time.perf_counter() - t0
    return run


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def warm_up(corpus: Path, doc: DocTruth) -> None:
    """One untimed pass of each extractor (imports, model and font caches)."""
    path = corpus / doc.path
    first = [(doc.truth_pages or [1])[0]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_ours(path, doc.path, _sha256(path))
        run_camelot(path, first, doc.pages)
        run_pdfplumber(path, first)


def run_document(corpus: Path, doc: DocTruth, skip_slow: bool) -> DocResult:
    path = corpus / doc.path
    pages = doc.truth_pages
    sha = _sha256(path)
    runs = {"ours": run_ours(path, doc.path, sha)}
    n_camelot = len(pages) if pages is not None else doc.pages
    if skip_slow and n_camelot > SLOW_PAGES:
        runs["camelot"] = Run(skipped=f"--skip-slow: camelot would read {n_camelot} pages")
    else:
        runs["camelot"] = run_camelot(path, pages, doc.pages)
    runs["pdfplumber"] = run_pdfplumber(path, pages)
    scores = {name: match_tables(doc.tables, run.tables)
              for name, run in runs.items() if not run.skipped}
    return DocResult(doc=doc, runs=runs, scores=scores)


# -- aggregation and report ---------------------------------------------------------------------


def summarize(results: list[DocResult]) -> dict[str, dict[str, dict]]:
    """group -> extractor -> {tables, f1, rows, structure, pages, seconds, pages_per_s, docs}."""
    groups: dict[str, list[DocResult]] = defaultdict(list)
    for r in results:
        groups[r.doc.folder].append(r)
    order = sorted(groups) + ["overall"]
    groups["overall"] = list(results)
    out: dict[str, dict[str, dict]] = {}
    for g in order:
        out[g] = {}
        for name in EXTRACTORS:
            ran = [r for r in groups[g] if name in r.scores]
            scores = [s for r in ran for s in r.scores[name]]
            pages = sum(r.runs[name].pages for r in ran)
            secs = sum(r.runs[name].seconds for r in ran)
            row = aggregate(scores)
            row.update(docs=len(ran), truth_tables=sum(len(r.doc.tables) for r in groups[g]),
                       pages=pages, seconds=round(secs, 3),
                       pages_per_s=(pages / secs) if secs > 0 else None)
            out[g][name] = row
    per_doc: dict[str, dict] = {}
    for name in EXTRACTORS:
        means = [aggregate(r.scores[name]) for r in results if name in r.scores]
        n = len(means)
        per_doc[name] = {"docs": n, "tables": sum(m["tables"] for m in means)}
        for k in ("f1", "rows", "structure"):
            per_doc[name][k] = sum(m[k] for m in means) / n if n else None
        per_doc[name]["pages_per_s"] = out["overall"][name]["pages_per_s"]
    out["overall (per doc)"] = per_doc
    return out


def _f(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def render(summary: dict, results: list[DocResult], skipped: list[Skipped], args,
           runtime: float) -> str:
    lines: list[str] = []
    w = 31
    head1 = f"{'':<28}" + "".join(f"| {LABELS[n]:^{w - 2}} " for n in EXTRACTORS)
    head2 = f"{'folder':<18}{'docs':>4}{'tbls':>5}" + "".join(
        f"| {'F1':>5} {'rows':>5} {'struct':>6} {'pages/s':>8} " for _ in EXTRACTORS)
    lines += [f"Table extraction on real documents ({args.corpus})", "", head1, head2,
              "-" * len(head2)]
    for group, by_ext in summary.items():
        any_row = by_ext["ours"]
        docs = any_row["docs"]
        tables = any_row.get("truth_tables", any_row["tables"])
        cells = []
        for n in EXTRACTORS:
            r = by_ext[n]
            mark = "*" if r["tables"] != tables else " "
            cells.append(f"| {_f(r['f1'])}{mark}{_f(r['rows']):>5} {_f(r['structure']):>6} "
                         f"{_f(r['pages_per_s'], '.2f'):>8} ")
        lines.append(f"{group:<18}{docs:>4}{tables:>5} " + "".join(cells))
    lines.append("")
    lines.append("F1 = cell F1, rows = row exact-match rate, struct = structure score "
                 "(bench/table_score.py); means over truth tables.")
    if any(r.runs["camelot"].skipped for r in results):
        lines.append("* camelot not run on: " + ", ".join(
            f"{r.doc.path} ({len(r.doc.tables)} truth tables)" for r in results
            if r.runs["camelot"].skipped) + " (--skip-slow); its means leave them out.")
    lines += ["", "Per document (cell F1: ours / camelot / pdfplumber; tables found):"]
    for r in results:
        f1s = []
        for n in EXTRACTORS:
            f1s.append(_f(aggregate(r.scores[n])["f1"], ".2f") if n in r.scores else "skip")
        found = "/".join(str(len(r.runs[n].tables)) if not r.runs[n].skipped else "-"
                         for n in EXTRACTORS)
        flavor = f"  camelot chose {r.runs['camelot'].info}" if r.runs["camelot"].info else ""
        lines.append(f"  {r.doc.path:<54}{len(r.doc.tables):>3} truth  "
                     f"{' / '.join(f1s):<20} found {found}{flavor}")
    lines += ["", "Ground truth by kind:"]
    by_kind: dict[str, list[str]] = defaultdict(list)
    notes: dict[str, list[str]] = {}
    for r in results:
        groups: dict[tuple[str, str, str], int] = defaultdict(int)
        for t in r.doc.tables:
            groups[(t.kind, t.name.split("[")[0], t.evidence)] += 1
            notes.setdefault(r.doc.path, [])
            for n in t.notes:
                if n not in notes[r.doc.path]:
                    notes[r.doc.path].append(n)
        for (kind, name, evidence), count in groups.items():
            extra = f" x{count}" if count > 1 else ""
            by_kind[kind].append(f"    {r.doc.path}: {name}{extra} <- {evidence[:110]}")
    for kind in (SOURCE_TEST, PARSE, HUMAN, UNKNOWN):
        for k in sorted(by_kind):
            if k == kind or (kind == UNKNOWN and k not in (SOURCE_TEST, PARSE, HUMAN)):
                lines.append(f"  {k}:")
                lines += by_kind[k]
    lines += ["", "How the truth was read (per document):"]
    for path, ns in notes.items():
        if ns:
            lines.append(f"  {path}: " + " | ".join(n[:140] for n in ns))
    lines += ["", "Skipped:"]
    lines += [f"  {s.path}: {s.reason}" for s in skipped] or ["  (none)"]
    errs = [(r.doc.path, n, r.runs[n]) for r in results for n in EXTRACTORS
            if r.runs[n].error or r.runs[n].warnings]
    lines += ["", "Extractor errors and warnings:"]
    for path, n, run in errs:
        if run.error:
            lines.append(f"  {path} [{n}] ERROR {run.error[:200]}")
        for wmsg in run.warnings[:3]:
            lines.append(f"  {path} [{n}] warning: {wmsg}")
    if not errs:
        lines.append("  (none)")
    lines += ["", f"Runtime: {runtime:.1f} s (including one untimed warm-up per extractor)"]
    return "\n".join(lines)


def to_json(summary: dict, results: list[DocResult], skipped: list[Skipped], args,
            runtime: float) -> dict:
    docs = []
    for r in results:
        runs = {n: {"seconds": round(run.seconds, 3), "pages": run.pages, "error": run.error,
                    "warnings": run.warnings, "skipped": run.skipped, "info": run.info,
                    "tables_found": len(run.tables)} for n, run in r.runs.items()}
        truth = []
        for i, t in enumerate(r.doc.tables):
            truth.append({"name": t.name, "kind": t.kind, "evidence": t.evidence,
                          "pages": sorted(t.pages) if t.pages is not None else None,
                          "partial": t.partial, "notes": t.notes,
                          "scores": {n: asdict(s[i]) for n, s in r.scores.items()}})
        docs.append({"path": r.doc.path, "folder": r.doc.folder, "pages": r.doc.pages,
                     "truth_pages": r.doc.truth_pages, "runs": runs, "truth": truth})
    return {"corpus": str(args.corpus), "runtime_s": round(runtime, 2),
            "skip_slow": args.skip_slow, "only": args.only, "summary": summary,
            "documents": docs, "skipped": [asdict(s) for s in skipped]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--only", default=None, help="only documents whose path contains this")
    ap.add_argument("--skip-slow", action="store_true",
                    help=f"do not run camelot where it would read > {SLOW_PAGES} pages")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--releases", type=Path, nargs="?", const=DEFAULT_RELEASES, default=None,
                    metavar="DIR", help="score the release folders of DIR instead of the corpus "
                    f"(DIR defaults to {DEFAULT_RELEASES.relative_to(ROOT)})")
    args = ap.parse_args(argv)
    if args.releases is not None:
        from bench.release_bench import run_all

        return run_all(args.releases, args.only, args.skip_slow, args.json)
    if not (args.corpus / "MANIFEST.tsv").is_file():
        print(f"corpus not found: {args.corpus} (no MANIFEST.tsv)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    logging.getLogger("camelot").setLevel(logging.ERROR)
    docs, skipped = load_corpus(args.corpus)
    if args.only:
        docs = [d for d in docs if args.only in d.path]
        skipped = [s for s in skipped if args.only in s.path]
    results: list[DocResult] = []
    if docs:
        warm_up(args.corpus, min(docs, key=lambda d: (d.pages, d.path)))
    for doc in docs:
        if not args.json:
            print(f"  running {doc.path} ...", file=sys.stderr, flush=True)
        try:
            results.append(run_document(args.corpus, doc, args.skip_slow))
        except Exception as exc:  # noqa: BLE001 - scoring bug: report it, keep going
            skipped.append(Skipped(doc.path, f"benchmark failed: {_short(exc)}"))
    summary = summarize(results)
    runtime = time.perf_counter() - started
    if args.json:
        print(json.dumps(to_json(summary, results, skipped, args, runtime), default=str))
    else:
        print(render(summary, results, skipped, args, runtime))
    return 0


if __name__ == "__main__":
    sys.exit(main())
