"""Peak memory of `foia run` on a 2,000-page PDF against a 20-page one, in one run.

    .venv/bin/python bench/memory.py [--pages-small 20] [--pages-large 2000] [--json]

Both documents come from one generator (a detainer-style report: a title, a 30-row table per
page under a repeated header, a rule every five rows, a page footer), so they differ only in
length. Each is run by `foia run --workers 1` (the coordinator reads it, streaming pages into
the store) in its own fresh subprocess, and the child's peak resident set size is read from
`resource.getrusage(RUSAGE_CHILDREN)` after it exits. Target (issue 7): large / small <= 1.2.

This is a report, not a test: it exits 0 whatever the ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

ROOT = Path(__file__).resolve().parent.parent
STATES = ["AZ", "CA", "TX", "FL", "NY", "IL", "WA", "MD", "MA", "GA"]


def make_report(path: Path, pages: int, seed: int = 7) -> None:
    """A `pages`-page report, one 30-row table per page under the same header."""
    rng = random.Random(seed)
    c = canvas.Canvas(str(path), pagesize=letter)
    xs = [50, 200, 260, 340, 440]
    for p in range(pages):
        c.setFont("Helvetica-Bold", 11)
        c.drawString(50, 752, "Declined Detainers by County (report generated for a benchmark)")
        c.setFont("Helvetica", 9)
        y = 720
        for x, label in zip(xs, ["County", "State", "Declined", "Issued", "Facility"]):
            c.drawString(x, y, label)
        c.line(48, y - 4, 560, y - 4)
        for r in range(30):
            yy = y - 16 * (r + 1)
            values = [f"County {rng.randint(1, 900)}", rng.choice(STATES),
                      str(rng.randint(1, 300)), f"2017-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                      f"Jail {rng.randint(1, 99)}"]
            for x, v in zip(xs, values):
                c.drawString(x, yy, v)
            if r % 5 == 4:
                c.line(48, yy - 5, 560, yy - 5)
        c.drawString(280, 40, f"Page {p + 1} of {pages}")
        c.showPage()
    c.save()


CHILD = """
import resource, sys, time
from pathlib import Path
from foia.run.pipeline import run_dump
t = time.perf_counter()
s = run_dump(Path(sys.argv[1]), Path(sys.argv[2]), workers=1)
print(sum(s.pages.values()), round(time.perf_counter() - t, 2))
"""


def peak_rss(dump: Path, out: Path) -> tuple[int, int, float]:
    """(peak RSS in KiB, pages, seconds) of one run in a fresh child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run([sys.executable, "-c", CHILD, str(dump), str(out)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    pages, seconds = done.stdout.split()[-2:]
    # ru_maxrss of children is the largest child so far: run the small document first
    return max(after, before), int(pages), float(seconds)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages-small", type=int, default=20)
    ap.add_argument("--pages-large", type=int, default=2000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, pages in (("small", args.pages_small), ("large", args.pages_large)):
            dump = Path(tmp) / label
            dump.mkdir()
            t = time.perf_counter()
            make_report(dump / "report.pdf", pages)
            made = time.perf_counter() - t
            rss, read, seconds = peak_rss(dump, Path(tmp) / f"out-{label}")
            result[label] = {"pages": read, "peak_rss_mib": round(rss / 1024, 1),
                             "run_s": seconds, "generate_s": round(made, 1)}
    result["ratio"] = round(result["large"]["peak_rss_mib"] / result["small"]["peak_rss_mib"], 3)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for label in ("small", "large"):
            r = result[label]
            print(f"{label}: {r['pages']} pages, peak RSS {r['peak_rss_mib']} MiB, "
                  f"run {r['run_s']} s")
        print(f"peak memory, large / small: {result['ratio']:.3f} (target <= 1.2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
