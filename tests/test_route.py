"""Page triage: usable text layers go to text, scans and junk layers to OCR, blank ones empty."""

from __future__ import annotations

import pypdfium2 as pdfium

from extract.route import MIN_TEXT_QUALITY, route_document, text_quality
from tests.conftest import SAMPLE_DUMP, load_truth


def test_sample_pages_routed_as_the_generator_made_them():
    manifest = load_truth("manifest.json")
    for entry in manifest["files"]:
        routes = entry.get("page_routes")
        if routes and "/" not in entry["path"]:
            got = [d.route for d in route_document(str(SAMPLE_DUMP / entry["path"]))]
            assert got == routes, entry["path"]


def test_text_quality_separates_language_from_scanner_junk():
    real = ("During the reporting period of January 28 - February 3, 2017, ICE issued 3,083 "
            "detainers; a total of 206 detainers were declined by 118 jurisdictions.")
    junk = ("l1I;.0o ~:;l' ,.;:~ 1l!|I i;:, ''.,~ 0O0o l|1 ;;:: .,.,'' ~~ I1l| :;.,' o0O "
            "\ufffd\ufffd l1 ;: \ue000\ue001 ,.;")
    assert text_quality(real) > 0.9
    assert text_quality(junk) < MIN_TEXT_QUALITY


def test_blank_page_is_empty_and_image_only_page_is_ocr(tmp_path):
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(612, 792)
    blank = tmp_path / "blank.pdf"
    pdf.save(blank)
    assert [d.route for d in route_document(str(blank))] == ["empty"]
    scanned = route_document(str(SAMPLE_DUMP / "scanned-page.pdf"))
    assert scanned[0].route == "ocr" and scanned[0].image_coverage > 0.9
