"""Issue 7's figures, in one run on the fixtures.

    .venv/bin/python bench/scale.py [--pages-large 2000] [--skip-memory] [--json]

1. OCR pages, 2 workers over 1: the OCR work units of the scanned fixtures (10 pages) through
   the work pool on a local executor, and the whole `foia run` of that dump (target >= 1.8x).
2. Rerun / first run: `foia run` on the sample dump into a fresh store, then again unchanged
   (target <= 0.02).
3. Peak memory of a 2,000-page report over a 20-page one (bench/memory.py; target <= 1.2).
4. The sample dump on a Dask LocalCluster (2 worker processes) against the local pool: rows
   and rejects compared row for row.

Times are medians of interleaved repeats where a figure is a ratio. A report, not a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from bench.memory import make_report, peak_rss  # noqa: E402
from bench.ocr import DEFAULT_SCANS, ocr_stage, ours  # noqa: E402
from foia.run.pipeline import run_dump  # noqa: E402

SAMPLE = ROOT / "fixtures" / "sample_dump"


def _rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return [tuple(r) for t in ("rows", "rejects")
                for r in conn.execute(f"SELECT * FROM {t} ORDER BY record_id")]
    finally:
        conn.close()


def ocr_speedup(work: Path, repeat: int) -> dict:
    stage = {1: [], 2: []}
    whole = {1: [], 2: []}
    for _ in range(repeat):
        for w in (1, 2):
            stage[w].append(ocr_stage(DEFAULT_SCANS, w))
            whole[w].append(ours(DEFAULT_SCANS, work, w)[0])
    med = {k: {w: statistics.median(v) for w, v in d.items()}
           for k, d in (("stage", stage), ("whole", whole))}
    return {"ocr_stage_1_s": round(med["stage"][1], 2), "ocr_stage_2_s": round(med["stage"][2], 2),
            "ocr_stage_speedup": round(med["stage"][1] / med["stage"][2], 3),
            "run_1_s": round(med["whole"][1], 2), "run_2_s": round(med["whole"][2], 2),
            "run_speedup": round(med["whole"][1] / med["whole"][2], 3)}


def rerun_ratio(work: Path) -> dict:
    out = work / "rerun"
    t = time.perf_counter()
    run_dump(SAMPLE, out)
    first = time.perf_counter() - t
    reruns = []
    for _ in range(3):
        t = time.perf_counter()
        summary = run_dump(SAMPLE, out)
        reruns.append(time.perf_counter() - t)
    rerun = statistics.median(reruns)
    return {"first_s": round(first, 3), "rerun_s": round(rerun, 4),
            "rerun_ratio": round(rerun / first, 4), "rerun_extracted": summary.extracted}


def memory_ratio(work: Path, small: int, large: int) -> dict:
    out = {}
    for label, pages in (("small", small), ("large", large)):
        dump = work / f"mem-{label}"
        dump.mkdir()
        make_report(dump / "report.pdf", pages)
        rss, read, seconds = peak_rss(dump, work / f"mem-out-{label}")
        out[label] = {"pages": read, "peak_rss_mib": round(rss / 1024, 1), "run_s": seconds}
    out["memory_ratio"] = round(out["large"]["peak_rss_mib"] / out["small"]["peak_rss_mib"], 3)
    return out


def dask_identical(work: Path) -> dict:
    import distributed

    dump = work / "dask-dump"
    shutil.copytree(SAMPLE, dump)
    run_dump(dump, work / "dask-local", workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        t = time.perf_counter()
        run_dump(dump, work / "dask-out", scheduler=cluster)
        seconds = time.perf_counter() - t
    local = _rows(work / "dask-local" / "foia.sqlite")
    remote = _rows(work / "dask-out" / "foia.sqlite")
    return {"dask_rows": len(remote), "local_rows": len(local), "dask_identical": local == remote,
            "dask_run_s": round(seconds, 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pages-small", type=int, default=20)
    ap.add_argument("--pages-large", type=int, default=2000)
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        result.update(ocr_speedup(work, args.repeat))
        result.update(rerun_ratio(work))
        result.update(dask_identical(work))
        if not args.skip_memory:
            result.update(memory_ratio(work, args.pages_small, args.pages_large))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"OCR pages, 2 workers over 1: work units {result['ocr_stage_speedup']:.2f}x "
          f"({result['ocr_stage_1_s']} s -> {result['ocr_stage_2_s']} s), whole run "
          f"{result['run_speedup']:.2f}x ({result['run_1_s']} s -> {result['run_2_s']} s) "
          "(target >= 1.8)")
    print(f"rerun / first run: {result['rerun_ratio']:.4f} ({result['first_s']} s, then "
          f"{result['rerun_s']} s; {result['rerun_extracted']} documents read) (target <= 0.02)")
    print(f"Dask LocalCluster vs local: {result['dask_rows']} rows and rejects, identical: "
          f"{result['dask_identical']}")
    if "memory_ratio" in result:
        print(f"peak memory {result['large']['pages']} pages / {result['small']['pages']} pages: "
              f"{result['memory_ratio']:.3f} ({result['large']['peak_rss_mib']} MiB / "
              f"{result['small']['peak_rss_mib']} MiB) (target <= 1.2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
