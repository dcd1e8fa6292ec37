"""Scan preparation on real renders, real OpenCV and real tesseract OSD (nothing mocked)."""

from __future__ import annotations

import math
import time

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytesseract
import pytest
from PIL import Image, ImageDraw

from extract.scan_prep import (
    binarize,
    denoise,
    detect_orientation,
    estimate_skew,
    find_redactions,
    map_box,
    points_transform,
    prepare_page,
)
from tests.conftest import SAMPLE_DUMP

DPI = 200
SCALE = DPI / 72.0
RULED = SAMPLE_DUMP / "ddor-ruled.pdf"
WHITESPACE = SAMPLE_DUMP / "ddor-whitespace.pdf"
PAGES = {"ruled": (RULED, 1), "whitespace": (WHITESPACE, 2)}
MIN_AREA_PT2 = 150.0


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Image.Image]:
    """Grayscale 200 dpi renders, written to and read back from a tmp folder like a scan."""
    folder = tmp_path_factory.mktemp("scan_prep")
    out = {}
    for name, (path, number) in PAGES.items():
        pdf = pdfium.PdfDocument(str(path))
        try:
            image = pdf[number - 1].render(scale=SCALE, grayscale=True).to_pil().convert("L")
        finally:
            pdf.close()
        image.save(folder / f"{name}.png")
        out[name] = Image.open(folder / f"{name}.png").convert("L")
    return out


def _words_px(path, number: int) -> dict[str, tuple[float, float, float, float]]:
    """First occurrence of each word on the page, box in pixels of the 200 dpi render."""
    with pdfplumber.open(str(path)) as pdf:
        words = pdf.pages[number - 1].extract_words()
    out: dict[str, tuple[float, float, float, float]] = {}
    for w in words:
        out.setdefault(w["text"], tuple(v * SCALE for v in (w["x0"], w["top"], w["x1"],
                                                             w["bottom"])))
    return out


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area if area else 0.0


def _center(b) -> tuple[float, float]:
    return ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("transpose, expected", [
    (None, 0),
    (Image.Transpose.ROTATE_90, 90),  # PIL turns it 90° counter-clockwise; we turn it back
    (Image.Transpose.ROTATE_180, 180),
    (Image.Transpose.ROTATE_270, 270),
])
def test_detect_orientation(renders, name, transpose, expected):
    image = renders[name] if transpose is None else renders[name].transpose(transpose)
    assert detect_orientation(np.asarray(image)) == expected


def test_detect_orientation_blank_page_is_zero():
    assert detect_orientation(np.full((400, 300), 255, np.uint8)) == 0


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("angle", [2.5, -3.0])
def test_estimate_skew(renders, name, angle):
    skewed = renders[name].rotate(angle, expand=True, fillcolor=255)
    assert abs(estimate_skew(np.asarray(skewed)) - angle) <= 0.3


@pytest.mark.parametrize("name", sorted(PAGES))
def test_estimate_skew_upright(renders, name):
    assert abs(estimate_skew(np.asarray(renders[name]))) < 0.2


def test_estimate_skew_blank_page_is_zero():
    assert estimate_skew(np.full((400, 300), 255, np.uint8)) == 0.0


REDACT = {  # words to black out (first occurrence) per page; one ruled-table box covers borders
    "ruled": ["MARICOPA", "Immigration", "jurisdictions"],
    "whitespace": ["Queens", "JAMAICA", "Kidnapping"],
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_find_redactions(renders, name):
    gray = np.asarray(renders[name])
    assert find_redactions(gray, MIN_AREA_PT2, SCALE) == []  # grid, bold text, gray fill: none
    words = _words_px(*PAGES[name])
    image = renders[name].copy()
    draw = ImageDraw.Draw(image)
    truth = []
    for i, text in enumerate(REDACT[name]):
        x0, top, x1, bottom = words[text]
        pad = 12 if i == 0 else 3  # the first box spills over neighbouring ink (grid lines)
        box = (round(x0) - pad, round(top) - pad, round(x1) + pad, round(bottom) + pad)
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=0)
        truth.append(box)
    found = find_redactions(np.asarray(image), MIN_AREA_PT2, SCALE)
    assert len(found) == 3
    for box in truth:
        assert max(_iou(box, f) for f in found) > 0.8, (box, found)


def test_find_redactions_ignores_scanner_borders_keeps_whole_page_box():
    page = np.full((2200, 1700), 255, np.uint8)
    page[:, :40] = 0  # black scanner border down the left edge
    page[2160:, :] = 0  # and along the bottom
    page[300:360, 500:900] = 0  # one real redaction
    assert find_redactions(page, MIN_AREA_PT2, SCALE) == [(500.0, 300.0, 900.0, 360.0)]
    withheld = np.full((2200, 1700), 255, np.uint8)
    withheld[100:2100, 100:1600] = 0  # page withheld in full
    assert find_redactions(withheld, MIN_AREA_PT2, SCALE) == [(100.0, 100.0, 1600.0, 2100.0)]


def test_denoise_only_when_speckled(renders):
    gray = np.asarray(renders["whitespace"])
    assert denoise(gray)[1] is False
    noisy = gray.copy()
    rng = np.random.default_rng(1)
    ys, xs = rng.integers(0, gray.shape[0], 20000), rng.integers(0, gray.shape[1], 20000)
    noisy[ys, xs] = 0
    cleaned, applied = denoise(noisy)
    assert applied
    assert np.count_nonzero(cleaned < 128) < np.count_nonzero(noisy < 128)


def test_binarize_only_on_uneven_background(renders):
    gray = np.asarray(renders["whitespace"])
    assert binarize(gray)[1] is False
    ramp = np.linspace(0, 120, gray.shape[1], dtype=np.float32)[None, :]  # shadow to the right
    shaded = np.clip(gray.astype(np.float32) - ramp, 0, 255).astype(np.uint8)
    out, applied = binarize(shaded)
    assert applied
    assert set(np.unique(out)) <= {0, 255}


def test_map_box_identity_and_shift():
    ident = np.array([[1.0, 0, 0], [0, 1, 0]])
    assert map_box((1, 2, 3, 4), ident) == (1, 2, 3, 4)
    assert map_box((1, 2, 3, 4), np.array([[0.0, 1, 10], [-1, 0, 50]])) == (12, 47, 14, 49)


def test_points_transform_matches_pixels_over_scale():
    t = np.array([[0.999, -0.035, 40.0], [0.035, 0.999, -12.0]])
    box_px = (300.0, 500.0, 420.0, 530.0)
    via_px = [v / SCALE for v in map_box(box_px, t)]
    via_pt = map_box(tuple(v / SCALE for v in box_px), points_transform(t, SCALE))
    assert np.allclose(via_px, via_pt)


def _forward(point, w, h, angle, new_w, new_h):
    """Where a render pixel lands after transpose(ROTATE_90) then rotate(angle, expand)."""
    x, y = point
    x, y = y, w - x  # ROTATE_90: counter-clockwise; the rotated image is h wide, w tall
    cx, cy = h / 2, w / 2
    t = math.radians(angle)  # PIL: counter-clockwise about the centre, centre → new centre
    dx, dy = x - cx, y - cy
    return (math.cos(t) * dx + math.sin(t) * dy + new_w / 2,
            -math.sin(t) * dx + math.cos(t) * dy + new_h / 2)


@pytest.mark.slow
def test_prepare_page_maps_words_back(renders):
    render = renders["ruled"]
    w, h = render.size
    scan = render.transpose(Image.Transpose.ROTATE_90).rotate(2.0, expand=True, fillcolor=255)
    prepared = prepare_page(scan, SCALE)
    assert prepared.rotation == 90
    assert abs(prepared.skew - 2.0) <= 0.3
    assert prepared.image.mode == "L"
    assert prepared.image.width > prepared.image.height  # landscape page upright again
    assert prepared.redactions == ()

    data = pytesseract.image_to_data(prepared.image, config="--psm 6",
                                     output_type=pytesseract.Output.DICT)
    truth = _words_px(RULED, 1)
    # words away from the table grid (tesseract reads grid-bordered cells badly unless the
    # rules are erased, which is ocr.py's job): a header word at the top, a title word
    for word in ("OFFICIAL", "Enforcement"):
        i = data["text"].index(word)
        ocr_box = (data["left"][i], data["top"][i], data["left"][i] + data["width"][i],
                   data["top"][i] + data["height"][i])
        got = map_box(ocr_box, prepared.transform)
        x0, top, x1, bottom = truth[word]
        corners = [_forward(p, w, h, 2.0, *scan.size)
                   for p in ((x0, top), (x1, top), (x1, bottom), (x0, bottom))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        expected = (min(xs), min(ys), max(xs), max(ys))
        # tesseract's box is tight around the ink, pdfplumber's spans the font's ascent to
        # descent: compare centres (both sit at about the cap height's middle) and the long side
        # (the page is turned, so the word runs top to bottom in the scan)
        gc, ec = _center(got), _center(expected)
        print(f"{word}: mapped back {got}, expected {expected}")
        assert abs(gc[0] - ec[0]) <= 5 and abs(gc[1] - ec[1]) <= 5, (word, got, expected)
        assert abs((got[3] - got[1]) - (expected[3] - expected[1])) <= 8, (word, got, expected)


@pytest.mark.slow
def test_prepare_page_redactions_in_prepared_pixels(renders):
    image = renders["whitespace"].copy()
    ImageDraw.Draw(image).rectangle((400, 600, 700, 650), fill=0)
    prepared = prepare_page(image, SCALE)
    assert prepared.rotation == 0 and abs(prepared.skew) < 0.2
    assert len(prepared.redactions) == 1
    back = map_box(prepared.redactions[0], prepared.transform)
    assert _iou(back, (400, 600, 701, 651)) > 0.9


@pytest.mark.slow
def test_prepare_page_degraded_scan(renders):
    """Upside down, tilted, shaded and speckled, with one redaction: every step kicks in."""
    image = renders["whitespace"].copy()
    ImageDraw.Draw(image).rectangle((400, 600, 700, 650), fill=0)
    scan = image.transpose(Image.Transpose.ROTATE_180).rotate(-1.5, expand=True, fillcolor=255)
    g = np.asarray(scan).astype(np.float32) - np.linspace(0, 90, scan.width)[None, :]
    rng = np.random.default_rng(0)
    g[rng.random(g.shape) < 0.003] = 0
    g = np.clip(g + rng.normal(0, 6, g.shape), 0, 255).astype(np.uint8)
    prepared = prepare_page(Image.fromarray(g), SCALE)
    assert prepared.rotation == 180
    assert abs(prepared.skew + 1.5) <= 0.3
    assert prepared.denoised and prepared.binarized
    assert len(prepared.redactions) == 1
    x0, y0, x1, y1 = (int(v) for v in prepared.redactions[0])
    assert np.asarray(prepared.image)[y0:y1, x0:x1].max() == 0  # still black after binarizing
    text = pytesseract.image_to_string(prepared.image.crop((0, 0, prepared.image.width, 400)))
    assert "Declined Detainers" in text


@pytest.mark.slow
def test_step_timings(renders):
    """Seconds per call at 200 dpi (printed; run with -s to see them)."""
    gray = np.asarray(renders["whitespace"])
    steps = {
        "denoise": lambda: denoise(gray),
        "binarize(decide)": lambda: binarize(gray),
        "detect_orientation": lambda: detect_orientation(gray),
        "estimate_skew": lambda: estimate_skew(gray),
        "find_redactions": lambda: find_redactions(gray, MIN_AREA_PT2, SCALE),
        "prepare_page": lambda: prepare_page(renders["whitespace"], SCALE),
    }
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        print(f"scan_prep {name}: {time.perf_counter() - start:.3f} s")
