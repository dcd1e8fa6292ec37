"""OCR route: `foia run` on the scanned fixtures against raw tesseract on the same page images.

    .venv/bin/python bench/ocr.py [--scans DIR] [--json]

Printed, all measured in this one run:
- seconds per OCR page of `foia run` (the whole pipeline: inventory, routing, render, page
  preparation, tesseract, the re-read sheet, tables, normalization, SQLite), one worker, and
  of raw `tesseract IMAGE stdout` (its defaults, one thread, as ours) on the same page images
  tesseract reads in the pipeline: each PDF page routed to OCR rendered at the pipeline's dpi
  with pypdfium2, and each frame of the image files brought to that dpi as the pipeline does.
  Ratio = ours / raw (target <= 1.15).
- the speed-up of 2 workers over 1 for the whole `foia run`, and for the OCR stage alone (the
  jobs a run queues, foia.run.pipeline.queue_work, through extract.work_pool.WorkPool); target
  >= 1.8.
- the character error rate of the stored page text of the clean 300-dpi scan against the
  fixture's known text (target <= 2 %).

The pipeline's imports, spaCy model and gazetteer are loaded before timing (a run pays them once,
whatever the dump's size). This is a report, not a test: it exits 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.executor import make_executor  # noqa: E402
from extract.ocr import OcrSettings, image_frame_count, render_pdf_page  # noqa: E402
from extract.pdf import ExtractSettings  # noqa: E402
from extract.route import route_document  # noqa: E402
from extract.work_pool import WorkPool  # noqa: E402
from foia.ingest.inventory import build_inventory  # noqa: E402
from foia.run.pipeline import queue_work, run_dump  # noqa: E402

DEFAULT_SCANS = ROOT / "fixtures" / "scans"
TRUTH = ROOT / "fixtures" / "truth_scans"
TARGET_RATIO = 1.15
TARGET_SPEEDUP = 1.8
TARGET_CER = 0.02
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}


def page_images(scans: Path, work: Path, dpi: int) -> list[Path]:
    """The images raw tesseract reads: OCR-routed PDF pages rendered at `dpi`, image frames."""
    from PIL import Image

    out = []
    for path in sorted(scans.iterdir()):
        if path.suffix.lower() == ".pdf":
            for i, decision in enumerate(route_document(str(path)), start=1):
                if decision.route == "ocr":
                    image, _ = render_pdf_page(str(path), i, dpi)
                    dest = work / f"{path.stem}-p{i}.png"
                    image.save(dest)
                    out.append(dest)
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            with Image.open(path) as im:
                for n in range(image_frame_count(str(path))):
                    im.seek(n)
                    frame = im.convert("L")
                    native = float((im.info.get("dpi") or (dpi, dpi))[0]) or dpi
                    if native < dpi:  # as extract.ocr.ocr_image_frame reads it
                        factor = dpi / native
                        frame = frame.resize((round(frame.width * factor),
                                              round(frame.height * factor)),
                                             Image.Resampling.BICUBIC)
                    dest = work / f"{path.stem}-f{n + 1}.png"
                    frame.save(dest, dpi=(dpi, dpi))
                    out.append(dest)
    return out


def raw_tesseract(images: list[Path]) -> float:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    start = time.perf_counter()
    for image in images:
        subprocess.run(["tesseract", str(image), "stdout"], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def ours(scans: Path, work: Path, workers: int) -> tuple[float, Path]:
    dump, out = work / f"dump-{workers}", work / f"out-{workers}"
    shutil.rmtree(out, ignore_errors=True)
    if not dump.exists():
        shutil.copytree(scans, dump)
    start = time.perf_counter()
    run_dump(dump, out, workers=workers)
    return time.perf_counter() - start, out / "foia.sqlite"


def ocr_stage(scans: Path, workers: int) -> float:
    """The jobs a run queues for the folder (foia.run.pipeline.queue_work: routing, then one job
    per OCR page or image frame), through the pool, results taken in queue order. The
    inventory (hashing) is done before timing."""
    cfg = ExtractSettings()
    with tempfile.TemporaryDirectory() as work:
        items = build_inventory(scans, Path(work))
        start = time.perf_counter()
        executor = make_executor(workers)
        with WorkPool(executor) as pool:
            queue_work(items, cfg, pool)
            for key in pool.keys():
                pool.result(key)
        if executor is not None:
            executor.close()
        return time.perf_counter() - start


def cer(db: Path) -> float:
    from rapidfuzz.distance import Levenshtein

    truth = json.loads((TRUTH / "clean-300.pdf.json").read_text(encoding="utf-8"))["page_text"]
    conn = sqlite3.connect(db)
    errors = chars = 0
    for page, text in conn.execute(
            "SELECT page, text FROM pages WHERE source_file='clean-300.pdf' ORDER BY page"):
        errors += Levenshtein.distance(text or "", truth[str(page)])
        chars += len(truth[str(page)])
    conn.close()
    return errors / chars


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=Path, default=DEFAULT_SCANS)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not args.scans.is_dir():
        print(f"no scans folder at {args.scans}", file=sys.stderr)
        return 2
    from normalize.jurisdictions import Gazetteer
    from normalize.offenses import OffenseTagger

    OffenseTagger.load()  # spaCy and the gazetteer: loaded once per run, not per page
    Gazetteer.load()
    dpi = OcrSettings().dpi
    with tempfile.TemporaryDirectory(prefix="foia-bench-ocr-") as tmp:
        work = Path(tmp)
        images = page_images(args.scans, work, dpi)
        raw = raw_tesseract(images)
        one, db = ours(args.scans, work, 1)
        two, _ = ours(args.scans, work, 2)
        stage_one, stage_two = ocr_stage(args.scans, 1), ocr_stage(args.scans, 2)
        error_rate = cer(db)
    pages = len(images)
    result = {
        "ocr_pages": pages,
        "raw_tesseract_s_per_page": round(raw / pages, 3),
        "ours_s_per_page": round(one / pages, 3),
        "ratio_ours_to_raw": round(one / raw, 3),
        "speedup_2_workers_run": round(one / two, 3),
        "speedup_2_workers_ocr_stage": round(stage_one / stage_two, 3),
        "cer_clean_300": round(error_rate, 4),
        "targets": {"ratio": TARGET_RATIO, "speedup": TARGET_SPEEDUP, "cer": TARGET_CER},
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"OCR benchmark on {args.scans} ({pages} OCR pages; {result['machine']})")
    print(f"  raw tesseract (defaults, 1 thread): {raw / pages:6.2f} s/page")
    print(f"  foia run, 1 worker:                 {one / pages:6.2f} s/page   "
          f"ratio {one / raw:.2f}x  (target <= {TARGET_RATIO}x)")
    print(f"  foia run, 2 workers:                {two / pages:6.2f} s/page   "
          f"speed-up {one / two:.2f}x  (target >= {TARGET_SPEEDUP}x)")
    print(f"  OCR stage alone, 2 workers vs 1:    speed-up {stage_one / stage_two:.2f}x")
    print(f"  CER, clean 300-dpi scan:            {error_rate:.2%}  (target <= {TARGET_CER:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
