"""The review site in headless Chromium (Debian's package, driven by Playwright).

Opens the site from disk, filters the rows view, clicks a row, and checks that the page view
highlights the region at the row's stored bbox: the overlay's position over the page image,
converted back to PDF points, must equal the bbox in the store. A screenshot of each page view
is kept in output/test-artifacts/.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from foia.inspect.review import build_review
from tests.conftest import ROOT

ARTIFACTS = ROOT / "output" / "test-artifacts"
# As root and offline: no sandbox, no GPU, no calls home (refused by this machine's network).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package")
    return found


@pytest.fixture(scope="module")
def browser_page(sample_run):
    _, out = sample_run
    build_review(out)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        yield page, out / "review"
        browser.close()


@pytest.mark.parametrize("method", ["text:%", "ocr:%"])
def test_click_row_highlights_its_region(browser_page, sample_db, method):
    page, site = browser_page
    rec = sample_db.execute(
        "SELECT record_id, source_file, bbox FROM rows WHERE method LIKE ? AND kind != 'total' "
        "ORDER BY source_file, page, row_index LIMIT 1 OFFSET 1", (method,)).fetchone()
    record_id, source_file, bbox = rec[0], rec[1], json.loads(rec[2])
    dims = sample_db.execute("SELECT width, height FROM pages p JOIN rows r ON "
                             "r.source_sha256 = p.sha256 AND r.page = p.page "
                             "WHERE r.record_id = ?", (record_id,)).fetchone()

    page.goto((site / "rows.html").as_uri())
    page.select_option("#f-document", source_file)
    page.select_option("#f-status", "row")
    expected = sample_db.execute("SELECT COUNT(*) FROM rows WHERE source_file = ?",
                                 (source_file,)).fetchone()[0]
    assert page.inner_text("#count").endswith(f"of {expected} shown")

    page.click(f"a.row-link[data-record='{record_id}']")
    box = page.wait_for_selector(f"#r-{record_id}.focus")
    img = page.query_selector("#page-img").bounding_box()
    got = box.bounding_box()
    width_pt, height_pt = dims
    x0 = (got["x"] - img["x"]) / img["width"] * width_pt
    top = (got["y"] - img["y"]) / img["height"] * height_pt
    x1 = (got["x"] + got["width"] - img["x"]) / img["width"] * width_pt
    bottom = (got["y"] + got["height"] - img["y"]) / img["height"] * height_pt
    assert [x0, top, x1, bottom] == pytest.approx(bbox, abs=0.75)
    # the row in the extracted table is focused with it
    assert "focus" in page.get_attribute(f"tr[data-record='{record_id}']", "class")

    # hovering a table cell lights its outline on the page image
    cell = page.query_selector(f"tr[data-record='{record_id}'] td[data-cell]")
    key = cell.get_attribute("data-cell")
    cell.hover()
    assert "hl" in page.get_attribute(f".cellbox[data-cell='{key}']", "class")

    # and back: clicking a cell's outline on the image focuses its row in the table
    other = page.query_selector_all("tr[data-record]")[-1]
    other_id = other.get_attribute("data-record")
    other_key = other.query_selector("td[data-cell]").get_attribute("data-cell")
    page.click(f".cellbox[data-cell='{other_key}']", force=True)
    assert "focus" in (other.get_attribute("class") or "")
    assert page.url.endswith(f"#r={other_id}")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"review-{method.rstrip(':%')}-{record_id}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


def test_index_lists_documents_in_the_browser(browser_page, sample_db):
    page, site = browser_page
    page.goto((site / "index.html").as_uri())
    paths = [r[0] for r in sample_db.execute("SELECT path FROM documents")]
    text = page.inner_text("main")
    assert all(Path(p).name in text for p in paths)
