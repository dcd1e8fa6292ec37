"""Image files (PNG, JPEG, TIFF; multi-page TIFF frame by frame) → a DocumentResult via OCR.

Scans sent as image files are pages like any other: OCR words in points, the same table builder,
tables stitched across frames, every frame recorded with its status.
"""

from __future__ import annotations

from extract.assemble import stitch_tables
from extract.forms import printed_fields
from extract.model import DocumentResult, PageResult, settle_status
from extract.ocr import OcrError, image_frame_count, ocr_image_frame
from extract.pdf import ExtractSettings, ocr_tables, page_words
from extract.scan_prep import map_box
from extract.work_pool import WorkPool, image_frame_key


def frame_size(layout) -> tuple[float, float]:
    """The frame's size in points as it is in the file (boxes are stored in that frame); a
    frame read turned or deskewed has its own size in `layout`."""
    if layout.to_page is None:
        return layout.width, layout.height
    x0, top, x1, bottom = map_box((0.0, 0.0, layout.width, layout.height), layout.to_page)
    return round(x1 - min(x0, 0.0), 2), round(bottom - min(top, 0.0), 2)


def extract_image(path: str, rel_path: str, sha256: str, kind: str,
                  settings: ExtractSettings | dict | None = None, *,
                  pool: WorkPool | None = None) -> DocumentResult:
    """OCR every frame of one image file; a failure is recorded, never raised.

    Frames whose job `pool` holds (queued ahead, see extract.work_pool) are taken from there;
    a frame that fails is recorded on its page and the other frames go on."""
    cfg = ExtractSettings.resolve(settings)
    doc = DocumentResult(sha256=sha256, path=rel_path, kind=kind)
    if not cfg.ocr:
        doc.pages = [PageResult(number=1, route="ocr", status="pending_ocr",
                                error="OCR is switched off")]
        return doc
    try:
        count = image_frame_count(path)
    except OcrError as exc:
        doc.status, doc.error = "error", f"cannot OCR image: {exc.message}"
        return doc
    per_page = []
    for number in range(1, count + 1):
        key = image_frame_key(path, number)
        try:
            layout, conf = (pool.result(key) if pool is not None and pool.has(key)
                            else ocr_image_frame(path, number, cfg.ocr_settings()))
        except OcrError as exc:  # one bad frame: recorded on its page, the others go on
            doc.pages.append(PageResult(number=number, route="ocr", status="error",
                                        error=f"OCR failed: {exc.message}",
                                        route_reason="image file: OCR"))
            continue
        width, height = frame_size(layout)
        page = PageResult(number=number, route="ocr", width=width,
                          height=height, text=layout.text, ocr_confidence=round(conf, 4),
                          rotation=layout.rotation, skew=layout.skew,
                          route_reason="image file: OCR")
        if cfg.store_words:
            page.words = page_words(layout)
        tables = ocr_tables(layout, cfg.layout)
        if layout.to_page is None:  # a turned frame's words are not in the image's frame
            page.fields = printed_fields(layout, tables)
        doc.pages.append(page)
        per_page.append((number, layout.height, tables))
    settle_status(doc)
    by_number = {p.number: p for p in doc.pages}
    for table in stitch_tables(per_page):
        by_number[table.page].tables.append(table)
    return doc
