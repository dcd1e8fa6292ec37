"""Review site build time against rendering the same pages once, in one run.

    .venv/bin/python bench/review.py [--dump DIR] [--repeat N] [--json]

The dump (default: the sample dump) is run through `foia run` once, untimed. Then, interleaved
and repeated, in this process:

- render: every page that has a page image in the site (PDF pages, text and OCR routes) opened
  from the dump, rendered with pypdfium2 at the site's scale and saved as PNG: what showing the
  pages costs at the least;
- site: `foia review` from an empty review folder (pages rendered, page views, document views,
  rows data, rejects queue, index).

Medians are compared; the issue's target is site / render under 2. A rebuild with the images
already there is timed too (what a reviewer pays after `foia normalize`).

This is a report, not a test: it exits 0 whatever the ratio.
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

from foia.inspect.render import REVIEW_SCALE, SourceDoc, save_png  # noqa: E402
from foia.inspect.review import build_review  # noqa: E402
from foia.inspect.sources import source_bytes  # noqa: E402
from foia.run.pipeline import run_dump  # noqa: E402

DEFAULT_DUMP = ROOT / "fixtures" / "sample_dump"


def render_once(out: Path, target: Path) -> int:
    """Render every imaged page of the store's documents to PNG; returns the page count."""
    conn = sqlite3.connect(out / "foia.sqlite")
    n = 0
    try:
        docs = conn.execute("SELECT DISTINCT d.path, d.sha256 FROM documents d JOIN pages p "
                            "ON p.sha256 = d.sha256 WHERE p.route != 'sheet' AND p.width "
                            "IS NOT NULL ORDER BY d.path").fetchall()
        for path, sha in docs:
            pages = [r[0] for r in conn.execute(
                "SELECT page FROM pages WHERE sha256 = ? AND route != 'sheet' AND width "
                "IS NOT NULL ORDER BY page", (sha,))]
            kind = conn.execute("SELECT kind FROM documents WHERE sha256 = ?", (sha,)).fetchone()[0]
            source = SourceDoc(source_bytes(conn, path, sha), kind)
            try:
                for page in pages:
                    width, height = conn.execute(
                        "SELECT width, height FROM pages WHERE sha256 = ? AND page = ?",
                        (sha, page)).fetchone()
                    image = source.render(page, REVIEW_SCALE, (width, height))
                    save_png(image, target / f"{sha[:16]}-{page}.png")
                    n += 1
            finally:
                source.close()
    finally:
        conn.close()
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dump", type=Path, default=DEFAULT_DUMP)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not args.dump.exists():
        print(f"no dump at {args.dump}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        run_dump(args.dump, out)
        render_s, site_s, rebuild_s = [], [], []
        pages = 0
        for i in range(args.repeat + 1):  # the first round warms caches and is not counted
            target = Path(tmp) / f"render{i}"
            t = time.perf_counter()
            pages = render_once(out, target)
            r = time.perf_counter() - t
            shutil.rmtree(out / "review", ignore_errors=True)
            t = time.perf_counter()
            summary = build_review(out)
            s = time.perf_counter() - t
            t = time.perf_counter()
            build_review(out)
            b = time.perf_counter() - t
            shutil.rmtree(target)
            if i:
                render_s.append(r)
                site_s.append(s)
                rebuild_s.append(b)
        result = {
            "dump": str(args.dump), "pages_rendered": pages, "site_pages": summary.pages,
            "documents": summary.documents, "repeat": args.repeat,
            "render_s": round(statistics.median(render_s), 4),
            "site_s": round(statistics.median(site_s), 4),
            "rebuild_s": round(statistics.median(rebuild_s), 4),
        }
        result["site_over_render"] = round(result["site_s"] / result["render_s"], 3)
        result["rebuild_over_render"] = round(result["rebuild_s"] / result["render_s"], 3)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"review site for {result['dump']}: {result['documents']} documents, "
              f"{result['site_pages']} pages ({result['pages_rendered']} with an image)")
        print(f"  render the pages once: {result['render_s']:.3f} s (median of {args.repeat})")
        print(f"  build the site:        {result['site_s']:.3f} s  "
              f"-> {result['site_over_render']:.2f}x rendering (target < 2)")
        print(f"  rebuild, images kept:  {result['rebuild_s']:.3f} s  "
              f"-> {result['rebuild_over_render']:.2f}x rendering")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
