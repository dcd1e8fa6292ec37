"""The OCR route on every scanned fixture through `foia run`: issue 4's acceptance figures.

Ground truth: fixtures/truth_scans (the born-digital source's rows and normalized values; see
fixtures/README.md). Each truth row is matched to the stored row (or reject) whose raw cells
read most like it, one to one; a truth row is *recalled* when that match is close (OCR may
still differ in letter case or a trailing period: "CO." read "CO"). Field accuracy compares
the normalized values (county FIPS, state, count, dates, redacted fields) with the truth's;
a truth row that was not recalled, or went to rejects, counts every one of its fields wrong.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from tests.conftest import FIXTURES, fielded

SCANS = FIXTURES / "scans"
TRUTH = FIXTURES / "truth_scans"
CASES = sorted(p.name for p in SCANS.iterdir())
MATCH_MIN = 90  # rapidfuzz ratio (0-100) of the joined cells for a truth row to be recalled
BBOX_TOL = 3.0  # points: stored row boxes hug the OCR words, truth boxes are the row's band


@pytest.fixture(scope="module")
def scan_db(scans_run):
    _, out = scans_run
    conn = sqlite3.connect(out / "foia.sqlite")
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def truth(name: str) -> dict:
    return json.loads((TRUTH / f"{name}.json").read_text(encoding="utf-8"))


def _key(cells) -> str:
    return " | ".join(str(c or "") for c in cells).lower()


def matched(db, name: str) -> list[tuple[dict, sqlite3.Row | None, str | None]]:
    """(truth row, stored row or None, 'rows'/'rejects'), one to one, best matches first."""
    stored = [(fielded(r), "rows") for r in db.execute(
        "SELECT * FROM rows WHERE source_file=? AND is_total=0", (name,))]
    stored += [(r, "rejects") for r in db.execute(
        "SELECT * FROM rejects WHERE source_file=?", (name,))]
    want = [row for t in truth(name)["tables"] for row in t["rows"]]
    pairs = sorted(((fuzz.ratio(_key(w["cells"]), _key(json.loads(s["raw"]).values())), i, j)
                    for i, w in enumerate(want) for j, (s, _) in enumerate(stored)),
                   reverse=True)
    taken_w: dict[int, int] = {}
    taken_s: set[int] = set()
    for score, i, j in pairs:
        if score < MATCH_MIN:
            break
        if i not in taken_w and j not in taken_s:
            taken_w[i] = j
            taken_s.add(j)
    return [(w, stored[taken_w[i]][0] if i in taken_w else None,
             stored[taken_w[i]][1] if i in taken_w else None) for i, w in enumerate(want)]


def field_checks(want: dict, got: sqlite3.Row | None, table: str | None) -> list[bool]:
    """One bool per truth field: the stored normalized value equals the truth's."""
    checks = []
    for field, column in (("county_fips", "county_fips"), ("state", "state"),
                          ("count", "declined_count"), ("detainer_issued", "detainer_issued"),
                          ("declined_date", "declined_date"), ("redacted", "redacted_fields")):
        if field not in want:
            continue
        if got is None or table != "rows":
            checks.append(False)
            continue
        value = got[column]
        if field == "count":
            ok = value is not None and int(value) == int(want[field])
        elif field == "redacted":
            ok = set(filter(None, (value or "").split(";"))) == set(want[field])
        else:
            ok = value == want[field]
        checks.append(ok)
    return checks


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_scan_rows_recalled_on_their_page(scan_db, name):
    pairs = matched(scan_db, name)
    assert len(pairs) >= 10
    recalled = [(w, got) for w, got, _ in pairs if got is not None]
    assert len(recalled) / len(pairs) >= 0.97, (
        name, [w["cells"][:3] for w, got, _ in pairs if got is None])
    assert all(got["page"] == w["page"] for w, got in recalled)


@pytest.mark.slow
def test_scan_field_accuracy_after_normalization(scan_db):
    per_file = {}
    for name in CASES:
        checks = [ok for w, got, table in matched(scan_db, name)
                  for ok in field_checks(w["truth"], got, table)]
        per_file[name] = (sum(checks), len(checks))
    right = sum(r for r, _ in per_file.values())
    total = sum(n for _, n in per_file.values())
    assert total >= 500
    assert right / total >= 0.97, per_file
    assert all(r / n >= 0.9 for r, n in per_file.values()), per_file


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_scan_row_bbox_covers_its_text(scan_db, name):
    """The stored bbox (page coordinates, whatever rotation or skew was undone) lies on the
    row's band of the scanned page and covers a good part of it."""
    for w, got, _ in matched(scan_db, name):
        if got is None:
            continue
        x0, top, x1, bottom = w.get("bbox_skewed") or w["bbox"]
        g0, gtop, g1, gbottom = json.loads(got["bbox"])
        assert (g0 >= x0 - BBOX_TOL and gtop >= top - BBOX_TOL and g1 <= x1 + BBOX_TOL
                and gbottom <= bottom + BBOX_TOL), (name, w["cells"][:2], w["bbox"], got["bbox"])
        assert (g1 - g0) * (gbottom - gtop) >= 0.25 * (x1 - x0) * (bottom - top)


@pytest.mark.slow
def test_redaction_boxes_become_redacted_cells(scan_db):
    boxed = [(w, got) for w, got, _ in matched(scan_db, "redaction-box.pdf") if "box_bbox" in w]
    assert len(boxed) == 3
    for w, got in boxed:
        assert got is not None and got["facility"] is None, w["cells"]
        assert "facility" in got["redacted_fields"].split(";")
        # the words under the box never leak into the row's facility
        raw = {k.lower(): v for k, v in json.loads(got["raw"]).items()}
        assert not (set(w["under_box"].lower().split()) & set(raw["facility"].lower().split()))


@pytest.mark.slow
def test_rotation_and_skew_recorded(scan_db):
    rot = scan_db.execute("SELECT rotation FROM pages WHERE source_file='rotated-90.pdf'")
    assert [r[0] for r in rot] in ([90], [270])
    skew = scan_db.execute("SELECT skew FROM pages WHERE source_file='skewed-200.pdf'").fetchone()
    assert abs(abs(skew[0]) - truth("skewed-200.pdf")["scan"]["skew_deg"]) < 0.3


@pytest.mark.slow
def test_mixed_document_keeps_both_routes_and_one_stitched_table(scan_db):
    routes = [r[0] for r in scan_db.execute(
        "SELECT route FROM pages WHERE source_file='mixed.pdf' ORDER BY page")]
    assert routes == ["text", "ocr", "text"]
    section_two = [t for t in truth("mixed.pdf")["tables"] if t["section"] == "II"][0]
    tables = scan_db.execute(
        "SELECT t.table_id, t.pages FROM tables t JOIN documents d ON d.sha256 = t.sha256 "
        "WHERE d.path='mixed.pdf' AND t.pages LIKE '%2%'").fetchall()
    assert len(tables) == 1 and json.loads(tables[0]["pages"]) == section_two["pages"]
    stored = scan_db.execute("SELECT raw FROM rows WHERE table_id=? UNION ALL "
                             "SELECT raw FROM rejects WHERE table_id=?",
                             (tables[0]["table_id"],) * 2).fetchall()
    values = [list(json.loads(r["raw"]).values()) for r in stored]
    assert len(values) == len(section_two["rows"])
    assert not any("Citizenship" in v for v in values)  # page 3's repeated header is no row


@pytest.mark.slow
def test_junk_text_layer_recorded_and_replaced_by_ocr(scan_db):
    page = scan_db.execute("SELECT * FROM pages WHERE source_file='junk-layer.pdf'").fetchone()
    assert page["route"] == "ocr" and page["ocr_confidence"] > 0.8
    assert "does not match the page image" in page["route_reason"]
    assert page["text_quality"] < 0.5  # the routing score: the layer's agreement with the image
    assert "Baltimore" in page["text"]  # the OCR text, not the layer's spoiled words


@pytest.mark.slow
def test_ocr_character_error_rate_on_clean_scan(scan_db):
    from rapidfuzz.distance import Levenshtein

    want = truth("clean-300.pdf")["page_text"]
    errors = chars = 0
    for page, text in scan_db.execute(
            "SELECT page, text FROM pages WHERE source_file='clean-300.pdf' ORDER BY page"):
        errors += Levenshtein.distance(text, want[str(page)])
        chars += len(want[str(page)])
    cer = errors / chars
    print(f"clean-300.pdf character error rate: {cer:.4f}")
    assert cer <= 0.02


def test_scan_fixtures_present():
    assert {"clean-300.pdf", "skewed-200.pdf", "rotated-90.pdf", "redaction-box.pdf",
            "mixed.pdf", "scan-frames.tiff", "scan-page.png", "junk-layer.pdf"} <= set(CASES)
    assert all((TRUTH / f"{n}.json").exists() for n in CASES) and Path(TRUTH).is_dir()
