"""Stage contracts: the dataclasses that extraction hands to assembly, normalization and the store.

Every piece of extracted content carries enough to find it again on the page: the file, its
sha256, the 1-based page, and a bbox in PDF points (x0, top, x1, bottom; origin top-left, page
coordinates before any rotation we apply). Spreadsheet content uses the sheet name and the
1-based spreadsheet row instead of a bbox on a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, NamedTuple

BBox = tuple[float, float, float, float]

RowKind = Literal["header", "data", "total", "subtotal", "group", "footnote", "title",
                  "master", "detail", "subheader"]
# Rows that are records of the table's body: data rows, the sums printed among them
# (extract.row_classes) and the lines of a master-detail report (extract.master_detail).
# Group labels and sub-headers are body structure, like headers: in cells, not rows.
FIGURE_KINDS = ("data", "subtotal", "total", "master", "detail")
PageRoute = Literal["text", "ocr", "empty", "sheet", "skipped"]


class Route(StrEnum):
    """How a page was read (`pages.route`)."""

    TEXT = "text"
    OCR = "ocr"
    EMPTY = "empty"
    SHEET = "sheet"
    SKIPPED = "skipped"  # past a resource limit (max_pages): not read


class PageStatus(StrEnum):
    """What became of one page (`pages.status`)."""

    OK = "ok"
    PENDING_OCR = "pending_ocr"  # needs OCR, and OCR was off
    ERROR = "error"
    EMPTY = "empty"
    SKIPPED = "skipped"


class DocumentStatus(StrEnum):
    """What became of one document (`documents.status`), decided from its pages by
    `settle_status` for PDFs, images and spreadsheets alike."""

    OK = "ok"
    PARTIAL = "partial"  # some pages (sheets) failed or were skipped: the rest was read
    ERROR = "error"  # nothing was read: the file could not be opened, or every page failed


def union_bbox(boxes: list[BBox | None]) -> BBox | None:
    """Smallest box containing every given box (None entries are ignored)."""
    x0 = top = float("inf")
    x1 = bottom = float("-inf")
    for b in boxes:  # one pass: this runs for every row of every table
        if b is None:
            continue
        if b[0] < x0:
            x0 = b[0]
        if b[1] < top:
            top = b[1]
        if b[2] > x1:
            x1 = b[2]
        if b[3] > bottom:
            bottom = b[3]
    if x0 == float("inf"):
        return None
    return (x0, top, x1, bottom)


class Provenance(NamedTuple):
    """Where one value or row came from; the store writes these columns on every row.

    A NamedTuple rather than a frozen dataclass: just as immutable, and built several times
    faster, which matters because every row of every table gets one.
    """

    source_file: str
    source_sha256: str
    page: int
    bbox: BBox | None
    method: str
    confidence: float = 1.0
    pages: tuple[int, ...] = ()
    sheet: str | None = None
    sheet_row: int | None = None

    @property
    def source_link(self) -> str:
        """`file#page=N` for documents, `file#sheet=NAME&row=R` for spreadsheets."""
        if self.sheet is not None:
            return f"{self.source_file}#sheet={self.sheet}&row={self.sheet_row}"
        return f"{self.source_file}#page={self.page}"


@dataclass(frozen=True)
class Word:
    """One word of a page's text layer (or of OCR output) with its box."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float = 0.0
    confidence: float = 1.0
    font: str = ""

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.top, self.x1, self.bottom)

    @property
    def bold(self) -> bool:
        return "bold" in self.font.lower() or "black" in self.font.lower()


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: its text as read, its box and how sure we are of it."""

    text: str
    bbox: BBox | None = None
    confidence: float = 1.0
    redaction: str | None = None  # FOIA exemption code(s) when the cell is redacted, e.g. "(b)(6)"
    # Part of a merged grid cell whose value sits in the cell it is merged with (a drawn span):
    # empty by design, not a missing value.
    covered: bool = False


@dataclass(frozen=True)
class TableRow:
    """One logical row of a table: cells in column order, the page it starts on and its kind."""

    cells: tuple[Cell, ...]
    page: int
    kind: RowKind = "data"
    pages: tuple[int, ...] = ()
    sheet_row: int | None = None

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    @property
    def bbox(self) -> BBox | None:
        return union_bbox([c.bbox for c in self.cells])

    @property
    def confidence(self) -> float:
        confs = [c.confidence for c in self.cells if c.text]
        return min(confs) if confs else 1.0


@dataclass(frozen=True)
class Table:
    """A table as one engine (or our builder) produced it, possibly stitched across pages."""

    rows: tuple[TableRow, ...]
    engine: str
    score: float
    page: int
    bbox: BBox | None
    header: tuple[str, ...] = ()
    sheet: str | None = None
    # Column boundaries our layout builder cut the page's words at (x in PDF points): the
    # next page of a table printed with its header once is cut at the same ones.
    edges: tuple[float, ...] = ()

    @property
    def pages(self) -> list[int]:
        return sorted({p for r in self.rows for p in (r.pages or (r.page,))})

    @property
    def ncols(self) -> int:
        return max((len(r.cells) for r in self.rows), default=0)

    def rows_of(self, kind: RowKind) -> list[TableRow]:
        return [r for r in self.rows if r.kind == kind]


@dataclass
class PageResult:
    """What extraction learned about one page: route, quality, text, tables, any error."""

    number: int
    route: PageRoute
    status: str = PageStatus.OK  # a PageStatus
    text_quality: float | None = None
    char_count: int = 0
    text: str = ""
    words: list[Word] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    width: float | None = None
    height: float | None = None
    error: str | None = None
    sheet: str | None = None
    ocr_confidence: float | None = None
    rotation: int = 0  # degrees clockwise applied to read an OCR page upright
    skew: float = 0.0  # degrees applied to straighten it
    route_reason: str | None = None  # why the page took its route (and the score behind it)
    fields: list = field(default_factory=list)  # extract.forms.FormField: a form page's fields


@dataclass
class DocumentResult:
    """One input file after extraction: its pages and the status of the whole."""

    sha256: str
    path: str
    kind: str
    pages: list[PageResult] = field(default_factory=list)
    status: str = DocumentStatus.OK  # a DocumentStatus
    error: str | None = None
    paths: list[str] = field(default_factory=list)


def settle_status(doc: DocumentResult, limit_note: str | None = None) -> None:
    """Set a document's status and error from its pages: the one rule for every kind of file.

    A document that could not be opened keeps the error it was given (no pages). Otherwise:
    every page failed → error (nothing was read); some failed or were skipped past a limit →
    partial, the error naming each failed page (sheet) and the limit once (`limit_note`, said
    when any page was skipped); else ok.
    """
    if doc.status == DocumentStatus.ERROR and not doc.pages:
        return
    failed = [p for p in doc.pages if p.status == PageStatus.ERROR]
    skipped = any(p.status == PageStatus.SKIPPED for p in doc.pages)
    problems = [f"{_unit(p)}: {p.error}" for p in failed]
    if skipped and limit_note:
        problems.append(limit_note)
    if doc.pages and len(failed) == len(doc.pages):
        doc.status = DocumentStatus.ERROR
    elif failed or skipped:
        doc.status = DocumentStatus.PARTIAL
    else:
        doc.status = DocumentStatus.OK
    doc.error = "; ".join(problems) or None


def _unit(p: PageResult) -> str:
    return f"sheet {p.number} ({p.sheet})" if p.sheet else f"page {p.number}"
