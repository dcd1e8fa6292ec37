"""Page image preparation before OCR: denoise → orient → deskew → find redaction boxes.

Each step is a plain function on a grayscale numpy array, so each can be tested on its own;
prepare_page runs them in order and keeps the 2x3 affine `transform` that maps prepared-image
pixels back to original-image pixels, so OCR word boxes can be put back on the page.

Angle conventions (image coordinates, y down):
- `rotation` (detect_orientation, Prepared.rotation): 0/90/180/270, the *clockwise* degrees we
  rotate the scan by to make it upright.
- `skew` (estimate_skew, Prepared.skew): the page's tilt, counter-clockwise positive (the sense
  of PIL's Image.rotate); deskewing rotates the image *clockwise* by that many degrees, so both
  fields are "clockwise degrees we applied".
Pixel coordinates are continuous (pixel i covers [i, i+1)), as tesseract's left/top/width/height.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import cv2
import numpy as np
import pytesseract
from PIL import Image

BBox = tuple[float, float, float, float]

MAX_SKEW = 5.0  # degrees; larger tilts are not scanner skew (and OSD handles 90° steps)
OSD_MIN_CONF = 2.0  # tesseract OSD orientation confidence below this is a guess
OSD_TIMEOUT_S = 60.0
INK = 128  # gray level below which a pixel counts as ink / black
VERTICAL_RATIO = 1.5  # column-profile variation over row-profile variation that means sideways
# Redaction boxes: solid black, at least REDACT_MIN_W_PT x REDACT_MIN_H_PT. With body text about
# 5 pt tall (x-height to cap height of 8-10 pt type) that is ~3 x 1.2 text heights: smaller than
# a redacted two-letter field, bigger than any bold glyph stroke; rules are far too thin.
REDACT_MIN_W_PT = 15.0
REDACT_MIN_H_PT = 6.0
REDACT_FILL = 0.9
NOISE_ISOLATED_SHARE = 0.02  # isolated dark pixels / all dark pixels above which we median-blur
UNEVEN_BACKGROUND = 40  # gray levels of background spread above which we binarize adaptively


@dataclass(frozen=True, eq=False)
class Prepared:
    image: Image.Image  # grayscale ("L"), upright, deskewed
    rotation: int  # clockwise degrees applied to make the scan upright: 0/90/180/270
    skew: float  # clockwise degrees applied to deskew (== estimate_skew of the upright image)
    redactions: tuple[BBox, ...]  # solid black boxes, pixels of the prepared image
    transform: np.ndarray  # 2x3 affine: prepared-image pixels → original-image pixels
    denoised: bool = False  # a 3x3 median blur was applied (noise_level above threshold)
    binarized: bool = False  # adaptive threshold applied (uneven background)


def _ink(gray: np.ndarray) -> np.ndarray:
    return (gray < INK).astype(np.uint8)


def _middle(gray: np.ndarray) -> np.ndarray:
    """The middle half of the page each way (a quarter of the pixels): enough to judge
    speckle, and it skips the margins where scanner edges sit."""
    rows, cols = gray.shape[:2]
    return gray[rows // 4: rows - rows // 4, cols // 4: cols - cols // 4]


def noise_level(gray: np.ndarray) -> float:
    """Share of dark pixels with no dark 8-neighbour: ~0 on clean renders, high on speckle.

    Measured on the middle of the page (see _middle)."""
    ink = _ink(_middle(gray))
    total = int(ink.sum())
    if total == 0:
        return 0.0
    neighbours = cv2.filter2D(ink, cv2.CV_16S, np.ones((3, 3), np.float32),
                              borderType=cv2.BORDER_CONSTANT) - ink
    return float(np.count_nonzero((ink == 1) & (neighbours == 0))) / total


def denoise(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """3x3 median blur only when the page is speckled; a clean page is returned untouched
    (blurring clean antialiased text only costs tesseract accuracy)."""
    if noise_level(gray) > NOISE_ISOLATED_SHARE:
        return cv2.medianBlur(gray, 3), True
    return gray, False


def background_spread(gray: np.ndarray) -> float:
    """Gray-level spread (p95 - p5) of the page background with the text removed.

    Downscale, then a grayscale closing (max then min filter) wider than any glyph wipes out
    text and leaves paper tone, shadows and gradients.
    """
    f = 400.0 / max(gray.shape)
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    p5, p95 = np.percentile(bg, [5, 95])
    return float(p95 - p5)


def binarize(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """Adaptive threshold only when the background is uneven (shadow, gradient, stains).

    On an even background tesseract's own global Otsu already separates ink from paper and works
    better on antialiased grayscale, so we leave it alone; a global threshold fails exactly when
    the paper tone varies across the page, which is what background_spread measures.
    """
    if background_spread(gray) <= UNEVEN_BACKGROUND:
        return gray, False
    block = max(15, (min(gray.shape) // 40) | 1)
    out = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY,
                                block, 15)
    return out, True


def lines_look_vertical(gray: np.ndarray) -> bool:
    """True when the ink runs in columns rather than rows: a page turned 90° or 270°.

    Text lines make the row profile of the ink (sum per pixel row) peaky: dense lines, empty
    gaps. On a sideways page it is the column profile that is. Compared by coefficient of
    variation on a quarter-size image (milliseconds); on the fixtures upright pages score
    rows/columns 1.5-4.8 and the sideways one 0.44. Callers use it to ask OSD (a second a
    page) only when it is likely to say something.
    """
    ink = (gray[::4, ::4] < INK).astype(np.float64)
    if ink.sum() < 100:
        return False

    def variation(profile: np.ndarray) -> float:
        return float(profile.std() / max(profile.mean(), 1e-9))

    return variation(ink.sum(axis=0)) > VERTICAL_RATIO * variation(ink.sum(axis=1))


def detect_orientation(gray: np.ndarray) -> int:
    """Clockwise degrees (0/90/180/270) to rotate the image by to make it upright.

    Tesseract OSD (--psm 0); 0 when OSD fails (too little text, error, timeout) or its
    orientation confidence is below OSD_MIN_CONF. Never raises.
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        osd = pytesseract.image_to_osd(Image.fromarray(gray), config="--psm 0",
                                       output_type=pytesseract.Output.DICT,
                                       timeout=OSD_TIMEOUT_S)
        rotate, conf = int(osd["rotate"]), float(osd["orientation_conf"])
    except Exception:  # any OSD failure (too few characters, error, timeout): leave as is
        return 0
    if conf < OSD_MIN_CONF or rotate not in (0, 90, 180, 270):
        return 0
    return rotate


def estimate_skew(gray: np.ndarray) -> float:
    """The page's tilt in degrees within ±MAX_SKEW, counter-clockwise positive.

    Projection-profile search: for each candidate angle, project the ink pixels onto the axis
    perpendicular to the would-be text lines and score the histogram's sum of squares, which
    peaks when lines of text (and table rules) fall into few rows. Coarse 0.25° steps, then
    0.02° around the best. Chosen over minAreaRect of dilated blobs because every ink pixel
    votes: blob rectangles are thrown off by short lines, table grids that merge blobs, and
    word boxes whose rectangle angle snaps to ±90°; the profile has no such failure mode.
    Blank pages (too little ink) give 0.0.
    """
    f = min(1.0, 1400.0 / max(gray.shape))
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    ys, xs = np.nonzero(small < INK)
    if len(xs) < 200:
        return 0.0
    if len(xs) > 300_000:  # enough votes; keep each step fast
        keep = np.random.default_rng(0).choice(len(xs), 300_000, replace=False)
        xs, ys = xs[keep], ys[keep]
    xs = xs.astype(np.float64) - small.shape[1] / 2
    ys = ys.astype(np.float64) - small.shape[0] / 2
    offset = math.hypot(*small.shape)

    def score(angle: float) -> float:
        # y of each ink pixel after rotating the page clockwise by `angle` (undoing the tilt)
        t = math.radians(angle)
        rows = (math.sin(t) * xs + math.cos(t) * ys + offset).astype(np.int64)
        counts = np.bincount(rows).astype(np.float64)
        return float(np.dot(counts, counts))

    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25)
    best = float(coarse[int(np.argmax([score(a) for a in coarse]))])
    fine = np.arange(best - 0.3, best + 0.3 + 1e-9, 0.02)
    fine = fine[np.abs(fine) <= MAX_SKEW]
    best = float(fine[int(np.argmax([score(a) for a in fine]))])
    return round(best, 2)


def find_redactions(gray: np.ndarray, min_area_pt2: float, scale: float) -> list[BBox]:
    """Solid black filled rectangles (pixel boxes x0, top, x1, bottom): redaction boxes.

    A morphological opening with a REDACT_MIN_W_PT x REDACT_MIN_H_PT rectangle keeps only ink
    regions that such a rectangle fits inside entirely: text strokes and ruling lines vanish,
    filled boxes survive even when they touch a table's grid. Each surviving region must also be
    at least min_area_pt2 (points²) and more than REDACT_FILL black inside its bounding box.
    """
    ink = _ink(gray)
    # Candidates are looked for at half size (a box is tens of points wide: nothing is lost,
    # and the big opening costs a quarter), then measured on the full image.
    half = cv2.resize(ink, (ink.shape[1] // 2, ink.shape[0] // 2),
                      interpolation=cv2.INTER_NEAREST)
    # odd kernel sides: with an even side OpenCV's centred anchor shifts the opening by a pixel
    kw, kh = (max(3, round(v * scale / 2)) | 1 for v in (REDACT_MIN_W_PT, REDACT_MIN_H_PT))
    solid = cv2.morphologyEx(half, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                             (kw, kh)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=4)
    out: list[BBox] = []
    for hx, hy, hw, hh, _area in stats[1:n]:
        x, y, w, h = _refine(ink, 2 * hx, 2 * hy, 2 * hw, 2 * hh)
        if w * h < min_area_pt2 * scale * scale:
            continue
        if ink[y:y + h, x:x + w].mean() <= REDACT_FILL or _scanner_edge(x, y, w, h, ink.shape):
            continue
        out.append((float(x), float(y), float(x + w), float(y + h)))
    return sorted(out, key=lambda b: (b[1], b[0]))


def _refine(ink: np.ndarray, x: int, y: int, w: int, h: int) -> tuple[int, int, int, int]:
    """A half-size candidate box's exact edges on the full image: each side moved (by up to
    two pixels) to the last row/column that is still mostly ink."""
    rows, cols = ink.shape
    x0, y0 = max(0, x - 2), max(0, y - 2)
    x1, y1 = min(cols, x + w + 2), min(rows, y + h + 2)
    patch = ink[y0:y1, x0:x1]
    full_rows = np.flatnonzero(patch.mean(axis=1) > 0.5)
    full_cols = np.flatnonzero(patch.mean(axis=0) > 0.5)
    if not len(full_rows) or not len(full_cols):
        return x, y, w, h
    box = (x0 + int(full_cols[0]), y0 + int(full_rows[0]),
           int(full_cols[-1] - full_cols[0]) + 1, int(full_rows[-1] - full_rows[0]) + 1)
    # Not a rectangle (an L of scanner borders): its edges are not the candidate's; keep it
    # as found, and let the fill test judge it.
    if abs(box[0] - x) > 3 or abs(box[1] - y) > 3 or abs(box[0] + box[2] - x - w) > 3 \
            or abs(box[1] + box[3] - y - h) > 3:
        return x, y, w, h
    return box


def _scanner_edge(x: int, y: int, w: int, h: int, shape: tuple[int, ...]) -> bool:
    """A long thin strip along an edge of the image: the scanner lid's black border, not a
    redaction (those are inside the page; a whole-page redaction is not thin)."""
    ih, iw = shape[:2]
    m = 0.05
    along_top_bottom = w > 0.5 * iw and h < m * ih and (y < m * ih or y + h > (1 - m) * ih)
    along_sides = h > 0.5 * ih and w < m * iw and (x < m * iw or x + w > (1 - m) * iw)
    return along_top_bottom or along_sides


def _rotate_right_angle(gray: np.ndarray, rotation: int) -> tuple[np.ndarray, np.ndarray]:
    """Rotate clockwise by 0/90/180/270; returns (image, 3x3 matrix original → rotated)."""
    h, w = gray.shape
    if rotation == 90:
        return (cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE),
                np.array([[0.0, -1, h], [1, 0, 0], [0, 0, 1]]))
    if rotation == 180:
        return cv2.rotate(gray, cv2.ROTATE_180), np.array([[-1.0, 0, w], [0, -1, h], [0, 0, 1]])
    if rotation == 270:
        return (cv2.rotate(gray, cv2.ROTATE_90_COUNTERCLOCKWISE),
                np.array([[0.0, 1, 0], [-1, 0, w], [0, 0, 1]]))
    return gray, np.eye(3)


def _rotate_small(gray: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate clockwise by `angle` degrees about the centre, canvas expanded, white fill;
    returns (image, 3x3 matrix input → output)."""
    if angle == 0:
        return gray, np.eye(3)
    h, w = gray.shape
    t = math.radians(angle)
    c, s = math.cos(t), math.sin(t)
    rot = np.array([[c, -s, 0.0], [s, c, 0.0], [0, 0, 1]])  # clockwise on screen (y down)
    corners = rot[:2, :2] @ np.array([[0, w, w, 0], [0, 0, h, h]], dtype=np.float64)
    x0, y0 = corners.min(axis=1)
    new_w, new_h = (math.ceil(v - 1e-6) for v in corners.max(axis=1) - (x0, y0))
    m = np.array([[1.0, 0, -x0], [0, 1, -y0], [0, 0, 1]]) @ rot
    # cv2 works on pixel-centre indices: index i sits at continuous coordinate i + 0.5
    half = np.array([[1.0, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    m_idx = np.linalg.inv(half) @ m @ half
    out = cv2.warpAffine(gray, m_idx[:2], (new_w, new_h), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return out, m


def prepare_page(
    image: Image.Image, scale: float, min_redaction_pt2: float = REDACT_MIN_W_PT * REDACT_MIN_H_PT,
    rotation: int | None = None,
) -> Prepared:
    """Denoise (if speckled) → orient → deskew → find redactions → binarize (if uneven).

    `rotation` None asks tesseract OSD; a caller that already knows it (0 for a first reading
    as is, see extract.ocr) passes it and saves OSD's second or so. Redaction boxes are found
    on the deskewed grayscale (an adaptive threshold would hollow them out) and are left black
    in the returned image: painting them white before OCR is the caller's decision.
    scale = pixels per PDF point.
    """
    if rotation not in (None, 0, 90, 180, 270):
        raise ValueError(f"rotation must be 0/90/180/270, got {rotation}")
    gray = np.asarray(image.convert("L"))
    gray, denoised = denoise(gray)
    if rotation is None:
        rotation = detect_orientation(gray)
    upright, m1 = _rotate_right_angle(gray, rotation)
    skew = estimate_skew(upright)
    straight, m2 = _rotate_small(upright, skew)
    boxes = find_redactions(straight, min_redaction_pt2, scale)
    # Binarize before the small rotation, not after: the white corners the rotation adds would
    # make a false edge against a shaded background. Redactions come from the grayscale (an
    # adaptive threshold hollows out big black boxes), so they are painted back in black.
    final = straight
    flat, binarized = binarize(upright)
    if binarized:
        final = _rotate_small(flat, skew)[0].copy()
        for x0, y0, x1, y1 in boxes:
            final[int(y0):int(y1), int(x0):int(x1)] = 0
    transform = np.linalg.inv(m2 @ m1)[:2].copy()
    return Prepared(Image.fromarray(np.ascontiguousarray(final)), rotation, skew, tuple(boxes),
                    transform, denoised, binarized)


def map_box(box: BBox, transform: np.ndarray) -> BBox:
    """Prepared-image pixel box → original-image pixel box (bounding box of the 4 corners)."""
    x0, y0, x1, y1 = box
    pts = np.asarray(transform, dtype=np.float64) @ np.array(
        [[x0, x1, x1, x0], [y0, y0, y1, y1], [1, 1, 1, 1]], dtype=np.float64)
    return (float(pts[0].min()), float(pts[1].min()), float(pts[0].max()), float(pts[1].max()))


def points_transform(transform: np.ndarray, scale: float) -> np.ndarray:
    """The same mapping in PDF points (prepared-image points → page points), for images
    rendered at `scale` pixels per point: map_box(box_pt, points_transform(t, scale))."""
    out = np.asarray(transform, dtype=np.float64).copy()
    out[:, 2] /= scale
    return out
