"""Page triage: usable text layers go to text, scans and junk layers to OCR, blank ones empty."""

from __future__ import annotations

import pypdfium2 as pdfium

from extract.layer_check import MIN_AGREEMENT, MIN_GRAMS, check_text_layer
from extract.route import MIN_TEXT_QUALITY, route_document, text_quality
from tests.conftest import FIXTURES, SAMPLE_DUMP, load_truth


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


def test_junk_text_layer_over_a_scan_goes_to_ocr_with_its_score():
    """The layer is word-like (it passes the character score); the image does not confirm it."""
    [decision] = route_document(str(FIXTURES / "scans" / "junk-layer.pdf"))
    assert decision.char_count > 1000 and text_quality_of(FIXTURES / "scans" / "junk-layer.pdf") \
        >= MIN_TEXT_QUALITY
    assert decision.route == "ocr" and decision.quality < MIN_AGREEMENT
    assert "does not match the page image" in decision.reason


def test_true_text_layer_over_a_scan_is_kept(tmp_path):
    import random

    from fixtures.generate import jpeg_bytes, junk_layer_pdf, render_page

    src = SAMPLE_DUMP / "ddor-hrules.pdf"
    good = tmp_path / "searchable.pdf"
    junk_layer_pdf(good, src, 2, jpeg_bytes(render_page(src, 2, 200), 75), 200,
                   random.Random(1), spoil=False)
    [decision] = route_document(str(good))
    assert decision.route == "text", decision.reason
    assert "confirmed by OCR" in decision.reason
    check = check_text_layer(pdfium.PdfDocument(str(good))[0])
    assert check.agreement is not None and check.agreement >= 0.8 and check.grams >= MIN_GRAMS


def text_quality_of(path) -> float:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return text_quality(pdf[0].get_textpage().get_text_range())
    finally:
        pdf.close()
