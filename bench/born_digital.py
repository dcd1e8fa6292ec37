"""Born-digital throughput: `foia run` against the raw engines on the same pages, in one run.

    .venv/bin/python bench/born_digital.py [--dump DIR] [--repeat N] [--json] [--profile]

"Ours" is the whole pipeline (`foia.run.pipeline.run_dump`: inventory, routing, extraction,
normalization, SQLite writes) into a fresh output folder each time. "Raw engines" is what a
script calling the engines directly would pay on the same born-digital pages: pdfplumber
`extract_tables()` on every text page plus one `camelot.read_pdf(flavor="lattice")` per document.

Both sides are timed in this process, interleaved, after one untimed warm-up of each, and the
medians are compared, so the ratio holds on a noisy machine where absolute seconds do not. By
default ours is timed on a dump holding only the born-digital PDFs (like for like) and on the
whole dump (which also pays for spreadsheets, scans, corrupt files, zips and duplicates).

This is a report, not a test: it exits 0 whatever the ratio (2 only when the dump is missing).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DUMP = ROOT / "fixtures" / "sample_dump"
TARGET = 1.3  # ours / raw, lower is better
OUR_PACKAGES = ("extract", "foia", "normalize")
PROFILE_TOP = 8


@dataclass
class PdfJob:
    """One born-digital PDF (one per content) and its text-routed pages."""

    path: str  # as the pipeline names it (first path in the dump)
    local: Path  # a readable copy (zip members: the inventory's extracted file)
    pages: list[int]


@dataclass
class Side:
    """Timings of one side of the comparison, one entry per repetition."""

    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(side: Side, fn: Callable[[], object]) -> object:
    cpu0, wall0 = _cpu(), time.perf_counter()
    result = fn()
    side.wall.append(time.perf_counter() - wall0)
    side.cpu.append(_cpu() - cpu0)
    return result


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def _cores() -> str:
    logical = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else logical
    return str(logical) if usable == logical else f"{usable} usable of {logical}"


# -- ours ---------------------------------------------------------------------------------------


def _store_pages(out: Path) -> tuple[dict[str, tuple[str, list[int]]], Counter, Counter]:
    """From a run's store: text pages per PDF sha, pages by route, files by status."""
    conn = sqlite3.connect(out / "foia.sqlite")
    try:
        text: dict[str, tuple[str, list[int]]] = {}
        for sha, path, page in conn.execute(
            "SELECT d.sha256, d.path, p.page FROM documents d JOIN pages p USING (sha256) "
            "WHERE d.kind = 'pdf' AND p.route = 'text' ORDER BY d.path, p.page"
        ):
            text.setdefault(sha, (path, []))[1].append(page)
        routes = Counter(dict(conn.execute("SELECT route, count(*) FROM pages GROUP BY route")))
        files = Counter(dict(conn.execute("SELECT status, count(*) FROM files GROUP BY status")))
    finally:
        conn.close()
    return text, routes, files


def _ours_once(dump: Path, side: Side | None) -> int:
    """`run_dump` into a fresh temp folder; only the call is timed. Returns text pages stored."""
    from foia.run.pipeline import run_dump

    with tempfile.TemporaryDirectory(prefix="bench-ours-") as tmp:
        out = Path(tmp)
        if side is None:
            run_dump(dump, out, profile="ddor")
        else:
            _timed(side, lambda: run_dump(dump, out, profile="ddor"))
        text, _, _ = _store_pages(out)
    return sum(len(pages) for _, pages in text.values())


# -- raw engines --------------------------------------------------------------------------------


@dataclass
class RawResult:
    """What one raw-engines pass found, and how its time split between the two engines."""

    plumber_tables: int = 0
    camelot_tables: int = 0
    plumber_s: float = 0.0
    camelot_s: float = 0.0
    failures: list[str] = field(default_factory=list)


def raw_engines(jobs: list[PdfJob]) -> RawResult:
    """pdfplumber tables on every text page + camelot lattice once per document.

    Failures are recorded and timed like successes.
    """
    import camelot
    import pdfplumber

    res = RawResult()
    for job in jobs:
        t0 = time.perf_counter()
        try:
            with pdfplumber.open(job.local) as pdf:
                for n in job.pages:
                    res.plumber_tables += len(pdf.pages[n - 1].extract_tables())
        except Exception as exc:
            res.failures.append(f"pdfplumber on {job.path}: {exc}")
        t1 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                found = camelot.read_pdf(str(job.local), pages=",".join(map(str, job.pages)),
                                         flavor="lattice", suppress_stdout=True)
                res.camelot_tables += len(found)
            except Exception as exc:
                res.failures.append(f"camelot on {job.path}: {exc}")
        res.plumber_s += t1 - t0
        res.camelot_s += time.perf_counter() - t1
    return res


# -- discovery ----------------------------------------------------------------------------------


def discover(dump: Path, work: Path) -> tuple[list[PdfJob], Counter, Counter, list[str]]:
    """Warm-up run of ours on the dump; the PDFs and text pages it processed, found in the
    store, located through our own call to the inventory (zip members are extracted there)."""
    from foia.ingest.inventory import build_inventory
    from foia.run.pipeline import run_dump

    out = work / "discover"
    run_dump(dump, out, profile="ddor")
    text, routes, files = _store_pages(out)
    items = build_inventory(dump, work / "inventory")
    local = {i.sha256: i.local_path for i in items
             if i.kind == "pdf" and i.status == "ok" and i.local_path is not None}
    jobs, missing = [], []
    for sha, (path, pages) in text.items():
        if sha in local:
            jobs.append(PdfJob(path, Path(local[sha]), pages))
        else:
            missing.append(path)
    return jobs, routes, files, missing


def like_for_like_dump(jobs: list[PdfJob], folder: Path) -> Path:
    """A dump made of only the born-digital PDFs, one copy per content."""
    folder.mkdir(parents=True)
    for i, job in enumerate(jobs):
        shutil.copyfile(job.local, folder / f"{i:03d}-{job.local.name}")
    return folder


# -- profile ------------------------------------------------------------------------------------


def _module(filename: str) -> str | None:
    try:
        rel = Path(filename).resolve().relative_to(ROOT)
    except ValueError:
        return None
    if rel.parts[0] not in OUR_PACKAGES:
        return None
    return ".".join(rel.with_suffix("").parts)


def profile_ours(dump: Path) -> list[str]:
    """One cProfile'd run: our top functions by cumulative time, and the engines inside it."""
    from foia.run.pipeline import run_dump

    prof = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="bench-prof-") as tmp:
        prof.enable()
        run_dump(dump, Path(tmp), profile="ddor")
        prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = max((ct for (_, _, _, ct, _) in stats.values()), default=0.0) or 1.0
    ours = []
    engines: Counter = Counter()
    for (filename, line, func), (_, ncalls, _, ct, _) in stats.items():
        mod = _module(filename)
        if mod is not None:
            ours.append((ct, ncalls, f"{mod}.{func}:{line}"))
        norm = filename.replace("\\", "/")
        if func == "read_pdf" and "/camelot/" in norm:
            engines["camelot.read_pdf"] += ct
        elif func == "find_tables" and "/pdfplumber/" in norm:
            engines["pdfplumber Page.find_tables"] += ct
    ours.sort(reverse=True)
    lines = [f"where our time goes (one cProfile'd run, {total:.2f} s with profiler overhead; "
             f"top {PROFILE_TOP} of {', '.join(OUR_PACKAGES)} by cumulative time):",
             f"  {'cum s':>7}  {'% run':>6}  {'calls':>6}  function"]
    for ct, ncalls, name in ours[:PROFILE_TOP]:
        lines.append(f"  {ct:7.3f}  {100 * ct / total:5.1f}%  {ncalls:6d}  {name}")
    if engines:
        inside = ", ".join(f"{k} {v:.3f} s ({100 * v / total:.0f}%)" for k, v in engines.items())
        lines.append(f"  engines called inside ours: {inside}")
    return lines


# -- report -------------------------------------------------------------------------------------


def _fmt_counter(c: Counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "none"


def _row(label: str, pages: int, side: Side, raw: Side | None) -> str:
    spread = f"{min(side.wall):.3f}-{max(side.wall):.3f}"
    rate = pages / side.median if side.median else float("inf")
    if raw is None:
        ratio = cpu_ratio = "-"
    else:
        ratio = f"{side.median / raw.median:.2f}x"
        cpu_ratio = f"{side.median_cpu / raw.median_cpu:.2f}x"
    return (f"{label:<34} {pages:>5} {side.median:>9.3f} {spread:>13} {rate:>8.1f} "
            f"{side.median_cpu:>8.3f} {ratio:>8} {cpu_ratio:>8}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", type=Path, default=DEFAULT_DUMP,
                        help="dump folder (default: fixtures/sample_dump of this repo)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs of each side, interleaved; medians reported (default 3)")
    parser.add_argument("--like-for-like", action=argparse.BooleanOptionalAction, default=True,
                        help="headline figure from a dump of only the born-digital PDFs "
                             "(default on; the whole dump is timed too)")
    parser.add_argument("--json", action="store_true", help="also print one JSON line of figures")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile one run of ours and show where the time goes")
    args = parser.parse_args(argv)

    dump: Path = args.dump
    if not dump.is_absolute() and not dump.exists() and (ROOT / dump).exists():
        dump = ROOT / dump
    if not dump.exists():
        print(f"dump not found: {dump}", file=sys.stderr)
        return 2
    dump = dump.resolve()
    repeat = max(1, args.repeat)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="bench-born-digital-") as tmp:
        work = Path(tmp)
        import camelot  # noqa: F401  (slow import: paid here, not by the first timed side)

        jobs, routes, files, missing = discover(dump, work)
        pages = sum(len(j.pages) for j in jobs)
        if not jobs:
            print(f"no born-digital PDF pages in {dump}: nothing to compare")
            return 0
        lfl = like_for_like_dump(jobs, work / "lfl") if args.like_for_like else None

        # warm-up, untimed: imports, profile cache, camelot/pdfium first-call costs
        raw_failures = raw_engines(jobs).failures
        lfl_pages = _ours_once(lfl, None) if lfl else None

        raw = Side("raw")
        whole = Side("whole")
        ours_lfl = Side("lfl")
        seen_pages: set[int] = set()
        passes: list[RawResult] = []
        for _ in range(repeat):
            if lfl is not None:
                seen_pages.add(_ours_once(lfl, ours_lfl))
            passes.append(_timed(raw, lambda: raw_engines(jobs)))  # type: ignore[arg-type]
            seen_pages.add(_ours_once(dump, whole))
        prof_lines = profile_ours(lfl or dump) if args.profile else []
    elapsed = time.perf_counter() - started

    last = passes[-1]
    plumber_s = statistics.median(p.plumber_s for p in passes)
    camelot_s = statistics.median(p.camelot_s for p in passes)
    head = ours_lfl if lfl is not None else whole
    ratio = head.median / raw.median
    other = {k: v for k, v in routes.items() if k != "text"}
    out = [
        f"born-digital throughput: foia run vs raw engines, {dump}",
        f"machine: {_cores()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}; pdfplumber {_version('pdfplumber')}, "
        f"camelot-py {_version('camelot-py')}, pypdfium2 {_version('pypdfium2')}",
        f"pages: {pages} born-digital (route 'text') pages in {len(jobs)} PDFs "
        f"(one per content); {repeat} timed runs per side, interleaved, after one warm-up",
        "",
        f"{'side':<34} {'pages':>5} {'median s':>9} {'min-max s':>13} {'pages/s':>8} "
        f"{'cpu s':>8} {'ratio':>8} {'cpu rat.':>8}",
        _row("raw engines (pdfplumber+camelot)", pages, raw, None),
    ]
    if lfl is not None:
        out.append(_row("foia run, born-digital PDFs only", pages, ours_lfl, raw))
    out.append(_row("foia run, whole dump", pages, whole, raw))
    verdict = "met" if ratio <= TARGET else "NOT met"
    out += [
        "",
        f"ratio ours/raw = {ratio:.2f}x on {'born-digital PDFs only' if lfl else 'the whole dump'}"
        f" (target <= {TARGET}x: {verdict}); ratio = median seconds ours / median seconds raw,"
        " lower is better",
        f"whole dump: ours also pays for what the engines cannot process, not counted in pages: "
        f"{_fmt_counter(Counter(other))} pages; files {_fmt_counter(files)}",
        f"raw engines: pdfplumber extract_tables() on each text page, camelot.read_pdf("
        f"flavor='lattice') once per PDF on its text pages; found {last.plumber_tables} + "
        f"{last.camelot_tables} tables; median split pdfplumber {plumber_s:.3f} s, "
        f"camelot {camelot_s:.3f} s",
    ]
    if lfl_pages is not None and lfl_pages != pages:
        out.append(f"WARNING: born-digital-only dump gave {lfl_pages} text pages, not {pages}")
    if len(seen_pages) > 1 or (seen_pages and pages not in seen_pages):
        out.append(f"WARNING: timed runs stored {sorted(seen_pages)} text pages, expected {pages}")
    if missing:
        out.append(f"WARNING: not found in the inventory, left out of raw: {', '.join(missing)}")
    for failure in raw_failures:
        out.append(f"note: raw engine failed (timed anyway): {failure}")
    if prof_lines:
        out += ["", *prof_lines]
    out += ["", f"bench took {elapsed:.1f} s wall in all"]
    print("\n".join(out))

    if args.json:
        def side_json(side: Side) -> dict:
            return {"median_s": round(side.median, 4), "runs_s": [round(t, 4) for t in side.wall],
                    "pages_per_s": round(pages / side.median, 2),
                    "median_cpu_s": round(side.median_cpu, 4),
                    "ratio": round(side.median / raw.median, 3),
                    "cpu_ratio": round(side.median_cpu / raw.median_cpu, 3)}

        figures = {
            "dump": str(dump), "pages": pages, "pdfs": len(jobs), "repeat": repeat,
            "like_for_like": lfl is not None, "ratio": round(ratio, 3), "target": TARGET,
            "raw": {"median_s": round(raw.median, 4), "runs_s": [round(t, 4) for t in raw.wall],
                    "pages_per_s": round(pages / raw.median, 2),
                    "median_cpu_s": round(raw.median_cpu, 4),
                    "pdfplumber_s": round(plumber_s, 4), "camelot_s": round(camelot_s, 4)},
            "ours_born_digital_only": side_json(ours_lfl) if lfl is not None else None,
            "ours_whole_dump": side_json(whole),
            "cores": os.cpu_count(), "python": platform.python_version(),
            "pdfplumber": _version("pdfplumber"), "camelot": _version("camelot-py"),
            "bench_s": round(elapsed, 1),
        }
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
