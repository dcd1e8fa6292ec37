"""`foia review`: the static site built from the sample dump's store.

Checked without a browser here: every document and page has its view, every link and image
of the site resolves inside the folder (so it works copied elsewhere), images are rendered once,
and the rejects queue shows the fix that reproduces on rerun. tests/test_review_browser.py
clicks through it in Chromium.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

from foia.inspect.review import build_review


@pytest.fixture(scope="module")
def site(sample_run):
    _, out = sample_run
    summary = build_review(out)
    return summary, out / "review"


def test_every_document_and_page_has_a_view(site, sample_db):
    summary, folder = site
    index = (folder / "index.html").read_text(encoding="utf-8")
    docs = sample_db.execute("SELECT sha256, path FROM documents").fetchall()
    for sha, path in docs:
        assert f"docs/{sha[:16]}.html" in index and path in index
    pages = sample_db.execute("SELECT sha256, page FROM pages").fetchall()
    for sha, n in pages:
        assert (folder / "pages" / f"{sha[:16]}-p{n}.html").exists()
    assert summary.pages == len(pages) and not summary.missing_sources
    # bad files are listed with their reason too
    assert "corrupt.pdf" in index


def test_links_resolve_inside_a_copied_site(site, tmp_path):
    _, folder = site
    copy = tmp_path / "elsewhere" / "review"
    shutil.copytree(folder, copy)
    refs = 0
    for page in copy.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for ref in re.findall(r"(?:href|src)='([^'#]+)", text):
            assert not ref.startswith(("/", "http:", "https:", "file:")), (page, ref)
            assert (page.parent / unquote(ref)).resolve().exists(), (page, ref)
            refs += 1
    assert refs > 100


def test_page_view_outlines_cells_by_state(site, sample_db):
    _, folder = site
    reject = sample_db.execute(
        "SELECT record_id, source_sha256, page, table_id, row_index FROM rejects "
        "WHERE source_file = 'ddor-bad-rows.pdf' AND page = 2 LIMIT 1").fetchone()
    html = (folder / "pages" / f"{reject[1][:16]}-p{reject[2]}.html").read_text(encoding="utf-8")
    assert f"id='r-{reject[0]}'" in html
    key = f"{reject[3]}:{reject[4]}:"
    assert re.search(rf"class='box cellbox st-reject' data-cell='{re.escape(key)}", html)
    assert "cellbox st-redacted" in html  # "(b)(7)(C)" printed in place of a facility
    assert "cellbox st-row" in html and "cellbox st-header" in html
    ocr = sample_db.execute("SELECT sha256 FROM pages WHERE route = 'ocr' LIMIT 1").fetchone()
    ocr_html = (folder / "pages" / f"{ocr[0][:16]}-p1.html").read_text(encoding="utf-8")
    assert "cellbox" in ocr_html and "<img id=page-img" in ocr_html


def test_images_rendered_once(site, sample_run):
    first, folder = site
    _, out = sample_run
    again = build_review(out)
    assert again.images_rendered == 0
    assert again.images_cached == first.images_rendered + first.images_cached
    assert len(list((folder / "img").rglob("*.png"))) == again.images_cached


def test_rejects_queue_shows_reproducible_fixes(site, sample_db):
    _, folder = site
    html = (folder / "rejects.html").read_text(encoding="utf-8")
    n = sample_db.execute("SELECT COUNT(*) FROM rejects").fetchone()[0]
    assert f"Rejects ({n})" in html
    amb = sample_db.execute("SELECT record_id, detail FROM rejects "
                            "WHERE reasons LIKE '%ambiguous_jurisdiction%' LIMIT 1").fetchone()
    candidates = re.findall(r"\b\d{5}\b", amb[1])
    assert len(candidates) >= 2
    # the corrections.toml entry for exactly this row, with the candidate counties named
    assert f"record_id = &quot;{amb[0]}&quot;" in html
    assert f"county_fips = &quot;{candidates[0]}&quot;" in html
    assert "[[jurisdiction]]" in html
    other = sample_db.execute("SELECT record_id FROM rejects WHERE reasons = 'date_order'"
                              ).fetchone()[0]
    assert f"foia audit {other}" in html


def test_rows_data_lists_every_row_and_reject(site, sample_db):
    _, folder = site
    data = (folder / "data" / "rows.js").read_text(encoding="utf-8")
    n = sum(sample_db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("rows", "rejects"))
    assert data.count('"id": ') == n
    assert Path(folder / "rows.html").exists()
