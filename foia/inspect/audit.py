"""One row back to its source: the record with its cells, and a PNG of the page region.

`foia audit RECORD_ID` is the check a journalist runs before quoting a number: it shows the
row's values next to the raw cell texts and an image of exactly where on the page they were
read, the row outlined in red and each cell in blue.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from foia.inspect.render import SourceDoc, crop_around, draw_boxes, save_png
from foia.inspect.sources import source_bytes
from foia.store import PROVENANCE_COLUMNS, queries

AUDIT_SCALE = 2.0  # 144 dpi: small type stays legible in the crop
CONTEXT_PT = 24.0  # a third of an inch around the row: the rows above and below show


class RecordNotFound(Exception):
    pass


@dataclass
class Record:
    """A row or a reject with the raw cells it was read from."""

    record_id: str
    status: str  # row | reject
    data: dict
    cells: list[dict] = field(default_factory=list)
    # How the table's columns were mapped to fields (tables.mapping): header alias, fuzzy
    # alias or content, with scores, and headers the cells overruled.
    mapping: dict | None = None

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        raw = self.data.get("bbox")
        return tuple(json.loads(raw)) if raw else None

    @property
    def is_sheet(self) -> bool:
        return "#sheet=" in (self.data.get("source_link") or "")

    def summary(self) -> dict:
        d = self.data
        return {"record_id": self.record_id, "status": self.status, "profile": d["profile"],
                "kind": d["kind"],
                "fields": json.loads(d["fields"]) if d.get("fields") else None,
                "reasons": d.get("reasons"), "detail": d.get("detail"),
                "raw": json.loads(d["raw"]) if d.get("raw") else None,
                "cells": self.cells, "provenance": {k: d.get(k) for k in PROVENANCE_COLUMNS},
                "mapping": self.mapping}


def load_record(conn: sqlite3.Connection, record_id: str) -> Record:
    """The row (or reject) with this id and its cells, in column order."""
    conn.row_factory = sqlite3.Row
    found = queries.record(conn, record_id)
    if found is None:
        raise RecordNotFound(f"no row or reject with record_id {record_id}")
    status, data, cells, mapping = found
    return Record(record_id, status, data, cells, mapping)


def audit_png(conn: sqlite3.Connection, record: Record, png: Path,
              dump: Path | None = None, scale: float = AUDIT_SCALE,
              context: float = CONTEXT_PT) -> Path:
    """Render the record's page, outline the row and its cells, write the crop to `png`.

    Raises SourceNotFound when the document cannot be found unchanged, ValueError for rows of
    spreadsheets (they have no page image: their provenance is sheet and row)."""
    if record.is_sheet:
        raise ValueError("a spreadsheet row has no page image; its source_link names the "
                         "sheet and row")
    if record.bbox is None:
        raise ValueError("this record has no box on its page (nothing to outline)")
    d = record.data
    data = source_bytes(conn, d["source_file"], d["source_sha256"], dump)
    kind, width, height = queries.page_geometry(conn, d["source_sha256"], d["page"])
    doc = SourceDoc(data, kind)
    try:
        image = doc.render(int(d["page"]), scale, (width, height) if width else None)
    finally:
        doc.close()
    boxes = [(tuple(json.loads(c["bbox"])), "#1f6feb", 1, 2.0) for c in record.cells
             if c["bbox"] and c["text"]]
    boxes.append((record.bbox, "#d1242f", 2, 4.0))
    marked = draw_boxes(image, boxes, scale)
    save_png(crop_around(marked, record.bbox, scale, context), png)
    return png
