"""Image files (PNG, JPEG, TIFF; multi-page TIFF frame by frame) → a DocumentResult via OCR.

Scans sent as image files are pages like any other: OCR words in points, the same table builder,
tables stitched across frames, every frame recorded with its status.
"""

from __future__ import annotations

from extract.assemble import stitch_tables
from extract.model import DocumentResult, PageResult
from extract.ocr import OcrError, ocr_image_file
from extract.pdf import ExtractSettings, ocr_tables, page_words


def extract_image(path: str, rel_path: str, sha256: str, kind: str,
                  settings: ExtractSettings | dict | None = None) -> DocumentResult:
    """OCR every frame of one image file; a failure is recorded, never raised."""
    cfg = ExtractSettings.resolve(settings)
    doc = DocumentResult(sha256=sha256, path=rel_path, kind=kind)
    if not cfg.ocr:
        doc.pages = [PageResult(number=1, route="ocr", status="pending_ocr",
                                error="OCR is switched off")]
        return doc
    try:
        frames = ocr_image_file(path, cfg.ocr_settings())
    except OcrError as exc:
        doc.status, doc.error = "error", f"cannot OCR image: {exc.message}"
        return doc
    per_page = []
    for layout, conf in frames:
        page = PageResult(number=layout.number, route="ocr", width=layout.width,
                          height=layout.height, text=layout.text, ocr_confidence=round(conf, 4),
                          rotation=layout.rotation, skew=layout.skew,
                          route_reason="image file: OCR")
        if cfg.store_words:
            page.words = page_words(layout)
        doc.pages.append(page)
        per_page.append((layout.number, layout.height, ocr_tables(layout)))
    by_number = {p.number: p for p in doc.pages}
    for table in stitch_tables(per_page):
        by_number[table.page].tables.append(table)
    return doc
