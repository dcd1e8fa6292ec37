"""Recall and precision on DDOR-style releases from a generator written blind to this code.

`fixtures/blind/ddor_gen.py` was written by a helper who read only issue 15 and the DDOR
description, never extract/ or normalize/: its layouts, header wordings, state and county
styles, date forms, scans, faxes and jail lists are not shaped by what the pipeline does, and
its truth is what a correct reader should output. For each seed this script generates a
release, runs `foia run` on it as a user would (a subprocess), and scores the store:

- detainer rows: a truth row is found when a `declined_detainers` row of the same file and
  page has its county FIPS, declined date and issued date (both when given);
- jail counts: a `jail_counts` row of the same file (and page or sheet) with the same county
  FIPS and count; county counts likewise among `jurisdiction_counts` rows;
- precision: found rows over the stored rows of that kind in the release (a planted bad row
  stored as a row counts against it);
- rejects: each reject is either a planted bad row (its reason compared), `noise`, or
  unexpected (listed).

- with --ceiling: how many scanned rows have both dates legible to OCR at all, in the text
  tesseract alone reads and in the text our OCR stored (a bound on what table logic can find).

    python bench/blind_ddor.py --seeds 1-20 [--small] [--workers 2] [--keep DIR] [--ceiling]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "fixtures" / "blind" / "ddor_gen.py"


@dataclass
class Tally:
    """Truth rows found, truth rows, stored rows, stored rows that match a truth row."""

    found: int = 0
    truth: int = 0
    stored: int = 0
    right: int = 0
    missed: list = field(default_factory=list)
    extra: list = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.found += other.found
        self.truth += other.truth
        self.stored += other.stored
        self.right += other.right
        self.missed += other.missed
        self.extra += other.extra

    @property
    def recall(self) -> float:
        return self.found / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.stored if self.stored else 1.0


def _where(row: dict) -> tuple:
    """(file, page or sheet) of a truth row."""
    return (row["file"], row.get("sheet") or row.get("page"))


def _stored(conn: sqlite3.Connection, kind: str) -> list[dict]:
    out = []
    for r in conn.execute("SELECT * FROM rows WHERE kind=? AND is_total=0", (kind,)):
        d = dict(r)
        d.update(json.loads(d["fields"]) if d.get("fields") else {})  # the row's fields
        for key in ("county_fips", "declined_date", "detainer_issued", "declined_count"):
            d.setdefault(key, None)  # a field the row's table has no column for
        link = d.get("source_link") or ""
        sheet = link.split("#sheet=", 1)[1].split("&", 1)[0] if "#sheet=" in link else None
        d["sheet"] = sheet
        d["where"] = (d["source_file"], sheet or d["page"])
        out.append(d)
    return out


def _match(truth: list[dict], stored: list[dict], same) -> Tally:
    """One-to-one greedy matching of truth rows to stored rows by `same(truth, stored)`."""
    t = Tally(truth=len(truth), stored=len(stored))
    free = list(range(len(stored)))
    for row in truth:
        hit = next((i for i in free if same(row, stored[i])), None)
        if hit is None:
            t.missed.append(row)
        else:
            free.remove(hit)
            t.found += 1
    t.right = t.found
    t.extra = [stored[i] for i in free]
    return t


def _same_place(t: dict, s: dict) -> bool:
    """Same file, and same page (PDF, image) or sheet (workbook); a CSV has one table."""
    if s["sheet"] is not None:
        return s["source_file"] == t["file"] and (not t.get("sheet") or s["sheet"] == t["sheet"])
    return s["where"] == _where(t)


def _same_detainer(t: dict, s: dict) -> bool:
    return (_same_place(t, s) and s["county_fips"] == t["county_fips"]
            and s["declined_date"] == t["declined_date"]
            and (not t.get("detainer_issued") or s["detainer_issued"] == t["detainer_issued"]))


def _same_count(t: dict, s: dict) -> bool:
    return (_same_place(t, s) and s["county_fips"] == t["county_fips"]
            and str(s["declined_count"]) == str(t["declined_count"]))


@dataclass
class SeedScore:
    born: Tally
    scanned: Tally
    jails: Tally
    counties: Tally
    rejects: Counter
    unexpected: list
    seconds: float


def score_store(truth: dict, store: Path) -> SeedScore:
    """Score one run's store against one seed's truth."""
    conn = sqlite3.connect(store)
    conn.row_factory = sqlite3.Row
    detainers = _stored(conn, "declined_detainers")
    rows = truth["detainer_rows"]
    scanned_files = {f["path"] for f in truth["files"] if f["kind"] in ("scan_pdf", "fax_tiff")}
    born_rows = [r for r in rows if r["file"] not in scanned_files]
    scan_rows = [r for r in rows if r["file"] in scanned_files]
    born = _match(born_rows, [s for s in detainers if s["source_file"] not in scanned_files],
                  _same_detainer)
    scanned = _match(scan_rows, [s for s in detainers if s["source_file"] in scanned_files],
                     _same_detainer)
    jails = _match(truth["jail_counts"], _stored(conn, "jail_counts"), _same_count)
    counties = _match(truth["county_counts"], _stored(conn, "jurisdiction_counts"), _same_count)
    planted = Counter((b["file"], b["reason"]) for b in truth["bad_rows"])
    rejects: Counter = Counter()
    unexpected = []
    for r in conn.execute("SELECT source_file, page, reasons, detail, raw FROM rejects"):
        reasons = r["reasons"].split(";")
        if "noise" in reasons:
            rejects["noise"] += 1
            continue
        key = next(((r["source_file"], x) for x in reasons
                    if planted.get((r["source_file"], x), 0) > 0), None)
        if key:
            planted[key] -= 1
            rejects["planted"] += 1
        else:
            rejects["unexpected"] += 1
            unexpected.append(dict(r))
    rejects["planted_not_rejected"] = sum(v for v in planted.values() if v > 0)
    return SeedScore(born, scanned, jails, counties, rejects, unexpected, 0.0)


def _dates_read(row: dict, text: str) -> bool:
    """Both of a truth row's printed dates appear, as printed, in an OCR text."""
    return all(d in text for d in (row.get("detainer_issued_raw"), row.get("declined_date_raw"))
               if d)


def _tesseract_alone(path: Path, page: int) -> str:
    """What a user running tesseract alone gets from one page: pdfium's 300-dpi render (a PDF)
    or the frame resampled to square 300-dpi pixels (a fax), `image_to_string` as is."""
    import pypdfium2
    import pytesseract
    from PIL import Image

    if path.suffix.lower() == ".pdf":
        image = pypdfium2.PdfDocument(str(path))[page - 1].render(scale=300 / 72).to_pil()
    else:
        image = Image.open(path)
        image.seek(page - 1)
        xdpi, ydpi = (float(v) or 300.0 for v in image.info.get("dpi", (300, 300)))
        image = image.convert("L")
        image = image.resize((round(image.width * 300 / xdpi), round(image.height * 300 / ydpi)),
                             Image.Resampling.BICUBIC)
    return " ".join(pytesseract.image_to_string(image).split())


def ocr_ceiling(truth: dict, dump: Path, store: Path) -> Counter:
    """How many scanned truth rows have both dates legible to OCR at all: in the text tesseract
    alone reads from the page, and in the text our OCR stored for it. A row whose date no OCR
    reads cannot be found; these counts bound what any table logic can reach on the scans."""
    conn = sqlite3.connect(store)
    scanned = {f["path"] for f in truth["files"] if f["kind"] in ("scan_pdf", "fax_tiff")}
    out: Counter = Counter()
    alone: dict = {}
    for row in truth["detainer_rows"]:
        if row["file"] not in scanned:
            continue
        where = (row["file"], int(row["page"]))
        if where not in alone:
            alone[where] = _tesseract_alone(dump / row["file"], where[1])
        ours = conn.execute("SELECT text FROM pages WHERE source_file=? AND page=?",
                            where).fetchone()
        out["rows"] += 1
        out["tesseract alone"] += _dates_read(row, alone[where])
        out["our OCR"] += _dates_read(row, " ".join((ours[0] if ours else "").split()))
    return out


def run_seed(seed: int, work: Path, small: bool, workers: int, rescore: bool = False
             ) -> SeedScore:
    """Generate one release, run the pipeline on it, score it (`rescore`: score the store a
    run left in `work` again, after a change to this scorer)."""
    out = work / f"seed{seed}"
    if rescore:
        return score_store(json.loads((out / "truth.json").read_text()),
                           out / "output" / "foia.sqlite")
    shutil.rmtree(out, ignore_errors=True)  # a stale store would be a cached run
    cmd = [sys.executable, str(GENERATOR), "--seed", str(seed), "--out", str(out)]
    subprocess.run(cmd + (["--small"] if small else []), check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "foia.cli", "run", str(out / "dump"), "--out",
                    str(out / "output"), "--quiet", "--workers", str(workers)],
                   check=True, cwd=ROOT, capture_output=True)
    score = score_store(json.loads((out / "truth.json").read_text()),
                        out / "output" / "foia.sqlite")
    score.seconds = time.perf_counter() - started
    return score


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-20")
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="keep the releases and stores here")
    ap.add_argument("--show", type=int, default=0, help="list this many misses per category")
    ap.add_argument("--ceiling", action="store_true",
                    help="also count the scanned rows whose dates OCR reads at all (tesseract "
                         "alone, and our OCR's stored text)")
    ap.add_argument("--rescore", action="store_true",
                    help="score the stores already in --keep again, running nothing")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="blind-ddor-"))
    total = {k: Tally() for k in ("born-digital rows", "scanned rows", "jail counts",
                                  "county counts")}
    rejects: Counter = Counter()
    unexpected: list = []
    ceiling: Counter = Counter()
    for seed in _seeds(args.seeds):
        s = run_seed(seed, work, args.small, args.workers, args.rescore)
        if args.ceiling:
            out = work / f"seed{seed}"
            ceiling.update(ocr_ceiling(json.loads((out / "truth.json").read_text()),
                                       out / "dump", out / "output" / "foia.sqlite"))
        parts = dict(zip(total, (s.born, s.scanned, s.jails, s.counties)))
        print(f"seed {seed:3d} {s.seconds:5.1f}s  " + "  ".join(
            f"{k.split()[0]} {v.found}/{v.truth} p={v.precision:.2f}" for k, v in parts.items())
            + f"  rejects {dict(s.rejects)}", flush=True)
        for k, v in parts.items():
            total[k].add(v)
        rejects.update(s.rejects)
        unexpected += s.unexpected
    print()
    for k, v in total.items():
        print(f"{k:18s} recall {v.recall:.4f} ({v.found}/{v.truth})  precision "
              f"{v.precision:.4f} ({v.right}/{v.stored})")
    print(f"rejects: {dict(rejects)}")
    if ceiling:
        n = ceiling["rows"]
        print(f"scanned rows with both dates legible: tesseract alone {ceiling['tesseract alone']}"
              f"/{n} ({ceiling['tesseract alone'] / n:.3f}), our OCR text {ceiling['our OCR']}/{n}"
              f" ({ceiling['our OCR'] / n:.3f})")
    for k, v in total.items():
        for row in v.missed[:args.show]:
            print(f"  missed {k}: {json.dumps(row)[:300]}")
        for row in v.extra[:args.show]:
            print(f"  extra {k}: " + json.dumps({x: row.get(x) for x in (
                "source_file", "page", "jurisdiction_raw", "county_fips", "state", "facility",
                "declined_date", "declined_count", "raw")}, default=str)[:300])
    for r in unexpected[:args.show]:
        print(f"  unexpected reject: {json.dumps(r)[:300]}")


if __name__ == "__main__":
    main()
