"""The OCR route on real tesseract (nothing mocked): words in PDF points, rules, tables, errors."""

from __future__ import annotations

import time

import pdfplumber
import pypdfium2 as pdfium
import pytest

from extract.layout_tables import layout_tables
from extract.model import Word
from extract.ocr import (
    OcrError,
    OcrSettings,
    ocr_image_file,
    ocr_page_layout,
    ocr_words,
    render_pdf_page,
)
from extract.page_layout import PageLayout
from tests.conftest import SAMPLE_DUMP, load_truth

SCANNED = str(SAMPLE_DUMP / "scanned-page.pdf")
WHITESPACE = str(SAMPLE_DUMP / "ddor-whitespace.pdf")


def _section_i() -> dict:
    return load_truth("scanned-page.pdf.json")["tables"][0]


def _truth_rows() -> list[dict]:
    table = _section_i()
    return [*table["rows"], table["total"]]


@pytest.fixture(scope="module")
def scanned() -> tuple[PageLayout, float, float]:
    """(layout, mean confidence, seconds) of the scanned page at the default 300 dpi."""
    start = time.perf_counter()
    layout, conf = ocr_page_layout(SCANNED, 1)
    return layout, conf, time.perf_counter() - start


def _inside(word: Word, bbox: list[float], tol: float) -> bool:
    x0, top, x1, bottom = bbox
    return (word.x0 >= x0 - tol and word.x1 <= x1 + tol
            and word.top >= top - tol and word.bottom <= bottom + tol)


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_settings_validate_and_resolve():
    assert OcrSettings.resolve(None) == OcrSettings()
    assert OcrSettings.resolve({"dpi": 200}).dpi == 200
    s = OcrSettings(psm=11)
    assert OcrSettings.resolve(s) is s
    for bad in ({"dpi": 10}, {"timeout_s": 0}, {"psm": 14}, {"lang": ""}, {"lang": "eng;rm"}):
        with pytest.raises(ValueError):
            OcrSettings(**bad)


def test_render_scale_is_pixels_per_point():
    image, scale = render_pdf_page(SCANNED, 1, 144)
    assert scale == pytest.approx(2.0)
    assert image.width == pytest.approx(792 * 2, abs=1)
    assert image.height == pytest.approx(612 * 2, abs=1)


@pytest.mark.slow
def test_scanned_page_words_counts_and_confidence(scanned):
    layout, conf, seconds = scanned
    assert (layout.width, layout.height) == (792.0, 612.0)
    texts = {w.text for w in layout.words}
    tokens = [t for row in _truth_rows() for cell in row["cells"] for t in cell.split()]
    recall = sum(t in texts for t in tokens) / len(tokens)
    print(f"token recall {recall:.3f}, mean confidence {conf:.3f}, {seconds:.2f}s/page @300dpi")
    assert recall >= 0.9
    assert conf > 0.8
    assert all(0.0 <= w.confidence <= 1.0 and w.text.strip() for w in layout.words)
    assert "MARICOPA CO. AZ 58" in layout.text  # reading order: one table row per text line


@pytest.mark.slow
def test_scanned_page_word_boxes_are_in_points(scanned):
    """Each truth row's tokens are OCR words inside that row's bbox (points, ±3 pt)."""
    layout = scanned[0]
    missing = []
    for row in _truth_rows():
        for token in (t for cell in row["cells"] for t in cell.split()):
            if not any(w.text == token and _inside(w, row["bbox"], 3.0) for w in layout.words):
                missing.append((token, row["bbox"]))
    assert len(missing) <= 1, missing


@pytest.mark.slow
def test_scanned_page_rules(scanned):
    layout = scanned[0]
    grid_h = [r for r in layout.hrules if 200 <= r.y <= 390 and r.x1 - r.x0 > 200]
    grid_v = [r for r in layout.vrules if r.bottom - r.top > 150]
    assert len(grid_h) >= 5
    assert len(grid_v) >= 3
    # The table's outer left rule is at x = 40 pt in the truth bbox.
    assert min(r.x for r in grid_v) == pytest.approx(40, abs=2)


@pytest.mark.slow
def test_layout_tables_on_ocr_words(scanned):
    layout = scanned[0]
    truth = _section_i()
    tables = [t for t in layout_tables(layout) if [h.lower() for h in t.header]
              == [h.lower() for h in truth["header"]]]
    assert tables, [t.header for t in layout_tables(layout)]
    got = {tuple(_norm(c) for c in r.texts) for r in tables[0].rows_of("data")}
    want = [tuple(_norm(c) for c in r["cells"]) for r in truth["rows"]]
    recall = sum(w in got for w in want) / len(want)
    print(f"row recall {recall:.2f} ({len(want)} truth rows)")
    assert recall >= 0.8
    totals = [r.texts for r in tables[0].rows_of("total")]
    assert [_norm(c) for c in truth["total"]["cells"]] in [[_norm(c) for c in t] for t in totals]


@pytest.mark.slow
def test_ocr_words_on_plain_image():
    image, scale = render_pdf_page(SCANNED, 1, 200)
    words, conf = ocr_words(image, scale, OcrSettings(dpi=200))
    assert words and 0.0 < conf <= 1.0
    title = [w for w in words if w.text == "Outcome"]
    assert title and all(0 <= w.x0 < w.x1 <= 792 and 0 <= w.top < w.bottom <= 612 for w in words)


def _render_png(tmp_path, page_index: int, dpi: int) -> str:
    pdf = pdfium.PdfDocument(WHITESPACE)
    try:
        image = pdf[page_index].render(scale=dpi / 72).to_pil()
    finally:
        pdf.close()
    out = tmp_path / f"page{page_index + 1}.png"
    image.save(out, dpi=(dpi, dpi))
    return str(out)


@pytest.mark.slow
def test_image_file_words_line_up_with_text_layer(tmp_path):
    png = _render_png(tmp_path, 0, 200)
    [(layout, conf)] = ocr_image_file(png)
    assert layout.width == pytest.approx(612, abs=1)
    assert layout.height == pytest.approx(792, abs=1)
    assert conf > 0.8
    with pdfplumber.open(WHITESPACE) as pdf:
        digital = pdf.pages[0].extract_words()
    counts: dict[str, int] = {}
    for w in digital:
        counts[w["text"]] = counts.get(w["text"], 0) + 1
    # Words that occur once on the page, are long enough to OCR reliably and are not furniture.
    unique = [w for w in digital if counts[w["text"]] == 1 and len(w["text"]) >= 5
              and w["text"].isalnum()]
    assert len(unique) >= 10
    checked = off = 0
    for d in unique:
        ocr = [w for w in layout.words if w.text == d["text"]]
        if len(ocr) != 1:
            continue
        checked += 1
        w = ocr[0]
        if max(abs(w.x0 - d["x0"]), abs(w.x1 - d["x1"]), abs(w.top - d["top"]),
               abs(w.bottom - d["bottom"])) > 4.0:
            off += 1
    assert checked >= 0.8 * len(unique)
    assert off == 0


@pytest.mark.slow
def test_multipage_tiff_gives_one_layout_per_frame(tmp_path):
    from PIL import Image

    frames = [Image.open(_render_png(tmp_path, i, 150)).convert("L") for i in (0, 1)]
    tiff = tmp_path / "two.tiff"
    frames[0].save(tiff, save_all=True, append_images=frames[1:], dpi=(150, 150))
    results = ocr_image_file(str(tiff), {"dpi": 150})
    assert [layout.number for layout, _ in results] == [1, 2]
    for layout, conf in results:
        assert layout.width == pytest.approx(612, abs=1)
        assert layout.words and conf > 0.5
    assert results[0][0].text != results[1][0].text


def test_timeout_raises_ocr_error():
    with pytest.raises(OcrError) as err:
        ocr_page_layout(SCANNED, 1, OcrSettings(timeout_s=0.001))
    assert err.value.page == 1
    assert "timed out" in err.value.message


def test_tesseract_failure_raises_ocr_error():
    with pytest.raises(OcrError) as err:
        ocr_page_layout(SCANNED, 1, OcrSettings(dpi=72, lang="nosuchlang"))
    assert err.value.page == 1
    assert "tesseract failed" in err.value.message


def test_bad_page_raises_ocr_error():
    with pytest.raises(OcrError):
        ocr_page_layout(SCANNED, 5)


@pytest.mark.slow
@pytest.mark.parametrize("ydpi", [98, 196])
def test_fax_with_non_square_pixels_reads_and_lines_up(tmp_path, ydpi):
    """A fax (204 x 98 "standard" or 204 x 196 "fine", 1-bit G3, two frames) is read frame by
    frame on square pixels, its words where the text layer has them (issue 15: a 204 x 196 fax
    was one whole-file error, "Image too large")."""
    from PIL import Image

    page = Image.open(_render_png(tmp_path, 0, 300)).convert("L")
    fax = page.resize((round(page.width * 204 / 300), round(page.height * ydpi / 300)),
                      Image.Resampling.LANCZOS).point(lambda v: 255 if v > 160 else 0).convert("1")
    tiff = tmp_path / f"fax-{ydpi}.tif"
    fax.save(tiff, save_all=True, append_images=[fax], dpi=(204, ydpi), compression="group3")
    results = ocr_image_file(str(tiff))
    assert [layout.number for layout, _ in results] == [1, 2]
    layout, conf = results[0]
    assert layout.width == pytest.approx(612, abs=2) and layout.height == pytest.approx(792, abs=2)
    with pdfplumber.open(WHITESPACE) as pdf:
        digital = [w for w in pdf.pages[0].extract_words() if len(w["text"]) >= 6
                   and w["text"].isalpha()]
    once = {t for t in {d["text"] for d in digital}
            if sum(d["text"] == t for d in digital) == 1
            and sum(w.text == t for w in layout.words) == 1}
    read = {w.text: w for w in layout.words if w.text in once}
    found = [d for d in digital if d["text"] in read]
    assert len(found) >= 0.6 * len({d["text"] for d in digital}), (len(found), len(digital))
    for d in found:
        w = read[d["text"]]
        assert abs(w.top - d["top"]) < 4 and abs(w.x0 - d["x0"]) < 4, (d["text"], w)
