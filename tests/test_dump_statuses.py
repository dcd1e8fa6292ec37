"""Acceptance: "A zip, a duplicate file, an XLSX with banner rows, a corrupt PDF and a scanned page
in the same dump: each gets its recorded status; the run finishes and the summary counts them."

Expected values come from fixtures/truth/manifest.json and the per-file truth JSON.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter

import pytest

from tests.conftest import SAMPLE_DUMP, load_truth, manifest_entries

MANIFEST = load_truth("manifest.json")
PROVENANCE = ("source_file", "source_sha256", "page", "pages", "bbox", "method", "confidence",
              "source_link")


def recorded_status(entry: dict) -> str:
    """The manifest's expected status in the pipeline's words: a zip is a `container`."""
    return "container" if entry["kind"] == "zip" else entry["expected_status"]


def files_rows(db, path: str) -> list:
    return db.execute("SELECT * FROM files WHERE path = ?", (path,)).fetchall()


@pytest.mark.parametrize("entry", manifest_entries(), ids=lambda e: e["path"])
def test_every_manifest_file_has_its_status(sample_db, entry):
    rows = files_rows(sample_db, entry["path"])
    assert len(rows) == 1, f"{entry['path']}: {len(rows)} files rows"
    (f,) = rows
    assert f["status"] == recorded_status(entry), (f["status"], f["reason"])
    assert f["sha256"] == entry["sha256"]
    if "bytes" in entry:
        assert f["size"] == entry["bytes"]
    status = f["status"]
    if status == "ok":
        doc = sample_db.execute("SELECT * FROM documents WHERE sha256 = ?",
                                (entry["sha256"],)).fetchone()
        assert doc is not None and doc["status"] == "ok" and doc["path"] == entry["path"]
        if "page_routes" in entry:
            routes = [r["route"] for r in sample_db.execute(
                "SELECT route FROM pages WHERE sha256 = ? ORDER BY page", (entry["sha256"],))]
            assert routes == entry["page_routes"]
    elif status == "duplicate":
        assert f["reason"] and entry["duplicate_of"] in f["reason"]
        doc = sample_db.execute("SELECT * FROM documents WHERE sha256 = ?",
                                (entry["sha256"],)).fetchone()
        assert doc["path"] == entry["duplicate_of"]  # processed once, under the original
        assert entry["path"] in json.loads(doc["paths"])
    elif status == "error":
        reason = f["reason"] or ""
        assert re.search(r"\bpdf\b", reason, re.I) and "open" in reason.lower(), reason
        errors = sample_db.execute("SELECT * FROM errors WHERE source_file = ?",
                                   (entry["path"],)).fetchall()
        assert errors, "no errors row for the corrupt file"
        assert any(reason in (e["message"] or "") for e in errors)
        assert not sample_db.execute("SELECT 1 FROM rows WHERE source_file = ?",
                                     (entry["path"],)).fetchone()
    else:  # container, unsupported: a reason is recorded
        assert f["reason"], status


def test_scanned_page_is_read_by_ocr_and_counted(sample_run, sample_db):
    """The image-only page is routed `ocr`, read, and its table's rows carry OCR provenance."""
    summary, _ = sample_run
    scans = [e for e in manifest_entries() if "ocr" in e.get("page_routes", [])]
    assert scans, "the manifest names no scanned page"
    for e in scans:
        doc = sample_db.execute("SELECT * FROM documents WHERE sha256 = ?",
                                (e["sha256"],)).fetchone()
        assert doc["status"] == "ok"
        pages = sample_db.execute("SELECT * FROM pages WHERE sha256 = ? ORDER BY page",
                                  (e["sha256"],)).fetchall()
        truth = load_truth(e["truth"])
        assert len(pages) == truth["pages"] == len(e["page_routes"])
        for page, route in zip(pages, e["page_routes"]):
            assert page["route"] == route
            if route == "ocr":
                assert page["status"] == "ok" and page["ocr_confidence"] > 0.8
        rows = sample_db.execute("SELECT raw, page, method FROM rows WHERE source_sha256=? AND "
                                 "is_total=0", (e["sha256"],)).fetchall()
        got = {(r["page"], tuple(json.loads(r["raw"]).values())) for r in rows}
        want = {(r["page"], tuple(r["cells"])) for t in truth["tables"] for r in t["rows"]}
        assert len(got & want) >= 0.97 * len(want)
        assert all(r["method"].startswith("ocr:tesseract") for r in rows)
    assert "pending_ocr" not in summary.to_dict()["pages_by_status"]


SHEET_TRUTHS = [e["truth"] for e in manifest_entries() if e["kind"] in ("xlsx", "xls")]


@pytest.mark.parametrize("truth_name", SHEET_TRUTHS)
def test_spreadsheet_rows_have_sheet_provenance_and_no_banner_rows(sample_db, truth_name):
    truth = load_truth(truth_name)
    stored = sample_db.execute("SELECT * FROM rows WHERE source_file = ?",
                               (truth["file"],)).fetchall()
    rejects = sample_db.execute("SELECT * FROM rejects WHERE source_file = ?",
                                (truth["file"],)).fetchall()
    assert stored
    assert {r["method"] for r in stored} == {"sheet"}
    by_link = {r["source_link"]: r for r in stored}
    links_all = set(by_link) | {j["source_link"] for j in rejects}

    def link(sheet: str, sheet_row: int) -> str:
        return f"{truth['file']}#sheet={sheet}&row={sheet_row}"

    for table in truth["tables"]:
        sheet = table["sheet"]
        first = table["rows"][0]
        assert link(sheet, first["sheet_row"]) in by_link, link(sheet, first["sheet_row"])
        for r in table["rows"]:
            row = by_link.get(link(sheet, r["sheet_row"]))
            assert row is not None, f"{sheet} row {r['sheet_row']} missing"
            assert list(json.loads(row["raw"]).values()) == r["cells"]
            assert row["is_total"] == 0
        total = table.get("total")
        if total:  # a total is never a data row
            row = by_link.get(link(sheet, total["sheet_row"]))
            assert row is None or row["is_total"] == 1
        # title (banner) rows, the header row and footnote rows are not rows
        banner = table.get("titles", []) + table.get("footnotes", [])
        for b in banner + [{"sheet_row": table["header_row"], "text": None}]:
            assert link(sheet, b["sheet_row"]) not in links_all, (sheet, b)
        texts = [b["text"] for b in banner]
        for row in list(stored) + list(rejects):
            values = " | ".join(str(v) for v in json.loads(row["raw"]).values())
            assert not any(t in values for t in texts), (row["source_link"], values)
    data_rows = sum(len(t["rows"]) for t in truth["tables"])
    assert sum(1 for r in stored if not r["is_total"]) == data_rows


def test_every_file_on_disk_is_recorded(sample_db):
    on_disk = set()
    for path in SAMPLE_DUMP.rglob("*"):
        if path.is_file():
            rel = path.relative_to(SAMPLE_DUMP).as_posix()
            on_disk.add(rel)
            if zipfile.is_zipfile(path) and path.suffix == ".zip":
                with zipfile.ZipFile(path) as zf:
                    on_disk |= {f"{rel}/{i.filename}" for i in zf.infolist() if not i.is_dir()}
    recorded = [r["path"] for r in sample_db.execute("SELECT path FROM files")]
    assert len(recorded) == len(set(recorded))
    assert on_disk - set(recorded) == set(), "files of the dump with no recorded status"
    assert set(recorded) == on_disk
    assert {e["path"] for e in manifest_entries()} == on_disk  # the manifest covers the dump


def test_run_finishes_and_summary_counts_add_up(sample_run, sample_db):
    summary, _ = sample_run
    s = summary.to_dict()
    statuses = Counter(r["status"] for r in sample_db.execute("SELECT status FROM files"))
    assert sum(s["files"].values()) == sum(statuses.values())
    assert s["files"] == dict(statuses)
    assert s["files"] == dict(Counter(recorded_status(e) for e in manifest_entries()))
    run = sample_db.execute("SELECT * FROM runs WHERE run_id = ?", (summary.run_id,)).fetchone()
    assert run["finished"], "the run did not finish"
    assert json.loads(run["summary"]) == s
    errors = sample_db.execute("SELECT COUNT(*) FROM errors WHERE run_id = ?",
                               (summary.run_id,)).fetchone()[0]
    assert s["errors"] == errors
    pages = sample_db.execute("SELECT route, status FROM pages").fetchall()
    assert s["pages_by_route"] == dict(Counter(p["route"] for p in pages))
    assert s["pages_by_status"] == dict(Counter(p["status"] for p in pages))


@pytest.mark.parametrize("table", ["rows", "rejects"])
def test_every_row_and_reject_has_provenance(sample_db, table):
    records = sample_db.execute(f"SELECT * FROM {table}").fetchall()
    if table == "rows":
        assert records
    files = {r["path"]: r for r in sample_db.execute("SELECT * FROM files")}
    pages = {(p["sha256"], p["page"]): p for p in sample_db.execute("SELECT * FROM pages")}
    kinds = dict(sample_db.execute("SELECT sha256, kind FROM documents").fetchall())
    problems = []
    for r in records:
        rid = r["record_id"]
        missing = [c for c in PROVENANCE if r[c] is None or r[c] == ""]
        if missing:
            problems.append((rid, "null", missing))
            continue
        src = files.get(r["source_file"])
        if src is None or src["status"] != "ok" or src["sha256"] != r["source_sha256"]:
            problems.append((rid, "source", r["source_file"]))
        if not r["source_link"].startswith(r["source_file"] + "#"):
            problems.append((rid, "link", r["source_link"]))
        if r["page"] not in json.loads(r["pages"]):
            problems.append((rid, "pages", r["page"], r["pages"]))
        if kinds.get(r["source_sha256"]) != "pdf":
            continue
        page = pages.get((r["source_sha256"], r["page"]))
        bbox = json.loads(r["bbox"])
        if page is None or page["width"] is None or page["height"] is None:
            problems.append((rid, "page", r["page"]))
        elif not (len(bbox) == 4 and all(isinstance(v, (int, float)) for v in bbox)
                  and 0 <= bbox[0] <= bbox[2] <= page["width"]
                  and 0 <= bbox[1] <= bbox[3] <= page["height"]):
            problems.append((rid, "bbox", bbox, page["width"], page["height"]))
        if r["source_link"] != f"{r['source_file']}#page={r['page']}":
            problems.append((rid, "pdf link", r["source_link"]))
    assert not problems, problems[:5]
