"""One PDF → DocumentResult: route every page, read text pages, find and stitch tables.

Per page: route (pypdfium2 triage) → read layout (pdfplumber) → furniture out → candidates from
our layout builder and pdfplumber → best per region; where the best is doubtful, pdfplumber's text
strategy and camelot (lattice on ruled pages, stream) are tried too → stitched across pages.
OCR pages are recorded `pending_ocr` until the OCR route exists; nothing is skipped silently.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Protocol

import pdfplumber
import pypdfium2 as pdfium
from pdfplumber.utils.exceptions import PdfminerException

from extract.assemble import Collector, Stitcher, TableSink, strip_furniture
from extract.checkboxes import fill_checkbox_cells
from extract.deadline import PageTimeout, deadline
from extract.engines import camelot_tables, pdfplumber_tables
from extract.forms import fields_of_page
from extract.layout_settings import LayoutSettings
from extract.layout_tables import layout_tables
from extract.model import (
    Cell,
    DocumentResult,
    DocumentStatus,
    PageResult,
    PageStatus,
    Table,
    Word,
    settle_status,
    union_bbox,
)
from extract.ocr import REDACTED_MARK, OcrError, OcrSettings, ocr_page_layout
from extract.page_layout import PageLayout, read_page_layout, visible_page
from extract.route import RouteDecision, route_document
from extract.scan_prep import map_box
from extract.select import select_tables
from extract.settings import Resolvable
from extract.work_pool import WorkPool, pdf_page_key

log = logging.getLogger(__name__)

# Pages read, tabled and released together: enough for furniture and stitching evidence,
# few enough that a long document's parsed pages never pile up in memory.
WINDOW_PAGES = 16
FURNITURE_CONTEXT = 8
ENGINES = ("layout", "pdfplumber-lines", "pdfplumber-text", "camelot-lattice", "camelot-stream")


@dataclass(frozen=True)
class ExtractSettings(Resolvable):
    """What the born-digital extraction runs; hashed into the cache key and written per run."""

    engines: tuple[str, ...] = ("layout", "pdfplumber-lines")
    # Below this score our best candidate is doubted and the slower text engines are tried too.
    fallback_below: float = 0.75
    fallback_engines: tuple[str, ...] = ("pdfplumber-text", "camelot-lattice", "camelot-stream")
    store_words: bool = True
    # Pages routed `ocr` are rendered and read by tesseract; off, they stay `pending_ocr`.
    ocr: bool = True
    ocr_dpi: int = 300
    ocr_lang: str = "eng"
    # Scanned pages with a text layer have it checked against the image (extract.layer_check).
    verify_text_layers: bool = True
    # Resource limits (issue 8), each recorded on the page or document that meets it:
    # pages past max_pages are not read (status `skipped`); reading one page's text layer, or
    # finding its tables, stops after page_timeout_s (status `error`); each tesseract call
    # stops after ocr_timeout_s.
    max_pages: int = 10_000
    page_timeout_s: float = 300.0
    ocr_timeout_s: float = 120.0
    # Our table builder's tolerances (extract.layout_settings); a dict (TOML, CLI) is resolved.
    layout: LayoutSettings = field(default_factory=LayoutSettings)
    extra: dict = field(default_factory=dict)

    def ocr_settings(self) -> OcrSettings:
        return OcrSettings(dpi=self.ocr_dpi, lang=self.ocr_lang, timeout_s=self.ocr_timeout_s)

    def __post_init__(self) -> None:
        for name in (*self.engines, *self.fallback_engines):
            if name not in ENGINES:
                raise ValueError(f"unknown table engine {name!r}; choose from {ENGINES}")
        if not 0.0 <= self.fallback_below <= 1.0:
            raise ValueError("fallback_below must be between 0 and 1")
        if self.max_pages < 1 or self.page_timeout_s <= 0 or self.ocr_timeout_s <= 0:
            raise ValueError("max_pages and the timeouts must be positive")
        object.__setattr__(self, "layout", LayoutSettings.resolve(self.layout))


    def digest(self) -> str:
        """The settings' hash, the extraction cache key's first part (layout tolerances
        included: asdict descends into them)."""
        blob = json.dumps(asdict(self), sort_keys=True, default=list)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _stitch_height(layout: PageLayout) -> float:
    """The page height stitching compares a table's bottom with, in the frame of the table's
    boxes (the page's). On a page read a quarter turn, the page's bottom is not where its
    rows end: no table there is taken to run off the page (a header match still stitches)."""
    if layout.rotation in (90, 270):
        return float("inf")
    return layout.height


def _has_grid(layout: PageLayout) -> bool:
    return len(layout.hrules) >= 2 and len(layout.vrules) >= 2


def _candidates(page, layout: PageLayout, engines: tuple[str, ...],
                settings: LayoutSettings | None = None,
                carry: tuple[float, ...] = ()) -> list[Table]:
    found: list[Table] = []
    if "layout" in engines:
        found += layout_tables(layout, settings, carry)
    if "pdfplumber-lines" in engines and (layout.hrules or layout.vrules):
        found += pdfplumber_tables(page, layout, "lines")
    if "pdfplumber-text" in engines:
        found += pdfplumber_tables(page, layout, "text")
    return found


def _keep_layout(res: PageResult, layout: PageLayout, cfg: ExtractSettings) -> None:
    res.width, res.height, res.text = layout.width, layout.height, layout.text
    if cfg.store_words:
        res.words = page_words(layout)


def ocr_tables(layout: PageLayout, settings: LayoutSettings | None = None) -> list[Table]:
    """Tables of an OCR'd page: the same layout builder, the engine marked as OCR.

    Cells holding a redaction box become redacted cells; boxes are mapped from the upright
    frame the page was read in back to the page as it is in the file.
    """
    return upright_tables(layout, "ocr-", settings)


def upright_tables(layout: PageLayout, prefix: str = "",
                   settings: LayoutSettings | None = None) -> list[Table]:
    """Our builder's tables of a page read in a turned frame, boxes mapped back to the page.

    Only our builder reads a turned frame: pdfplumber's finder works in the page's frame and
    returns a sideways table transposed, so on such a page it is no candidate.
    """
    tables = []
    for t in select_tables(layout_tables(layout, settings)):
        rows = tuple(replace(r, cells=tuple(_page_cell(c, layout.to_page) for c in r.cells))
                     for r in t.rows)
        tables.append(replace(t, rows=rows, engine=f"{prefix}{t.engine}",
                              bbox=union_bbox([r.bbox for r in rows])))
    return tables


def _page_cell(cell: Cell, to_page) -> Cell:
    bbox = map_box(cell.bbox, to_page) if cell.bbox is not None and to_page is not None \
        else cell.bbox
    if REDACTED_MARK in cell.text:
        rest = " ".join(cell.text.replace(REDACTED_MARK, " ").split())
        return Cell(rest, bbox, cell.confidence, cell.redaction or "black box")
    return replace(cell, bbox=bbox) if bbox is not cell.bbox else cell


def page_words(layout: PageLayout) -> list[Word]:
    """The layout's words on the page as it is in the file (for the store and audits)."""
    if layout.to_page is None:
        return [w for w in layout.words if w.text != REDACTED_MARK]
    out = []
    for w in layout.words:
        if w.text != REDACTED_MARK:
            x0, top, x1, bottom = map_box(w.bbox, layout.to_page)
            out.append(replace(w, x0=x0, top=top, x1=x1, bottom=bottom))
    return out


def _tables_by_page(path: str, rel_path: str, layouts: list[PageLayout], plumber_pages: dict,
                    results: dict[int, PageResult], cfg: ExtractSettings,
                    ocr_pages: set[int] | None = None) -> list[tuple[int, float, list[Table]]]:
    """Candidates per page, best per region; slower engines only where the best is doubtful.

    Primary engines run on every page (camelot lattice only on pages with ruling lines: it
    renders the page and cannot win elsewhere). Pages whose best table scores under
    `fallback_below` get the fallback engines too and are selected again.
    """
    by_number = {lay.number: lay for lay in layouts}
    cands, best, ocr_best = _primary_tables(rel_path, layouts, plumber_pages, results, cfg,
                                            ocr_pages)
    doubtful = {n for n, ts in best.items() if any(t.score < cfg.fallback_below for t in ts)}
    _fallback_tables(rel_path, doubtful, cands, plumber_pages, by_number, results, cfg)
    doubtful |= _camelot_candidates(path, cands, doubtful, by_number, results, cfg)
    for n in doubtful:
        best[n] = select_tables(cands[n], by_number[n])
    for n, tables in best.items():  # engines that read only characters miss drawn checkboxes
        best[n] = [fill_checkbox_cells(t, by_number[n].checkboxes) for t in tables]
    best.update(ocr_best)
    return [(lay.number, _stitch_height(lay), best[lay.number]) for lay in layouts
            if lay.number in best]


def _primary_tables(rel_path: str, layouts: list[PageLayout], plumber_pages: dict,
                    results: dict[int, PageResult], cfg: ExtractSettings,
                    ocr_pages: set[int] | None) -> tuple[dict, dict, dict]:
    """(candidates, best, best of pages only our builder reads) per page number, each page
    within its time limit; a page that fails or times out is an error and has none."""
    cands: dict[int, list[Table]] = {}
    best: dict[int, list[Table]] = {}
    ocr_best: dict[int, list[Table]] = {}  # pages only our builder reads (OCR, turned)
    carry: tuple[float, ...] = ()
    for lay in layouts:
        try:
            with deadline(cfg.page_timeout_s, "finding the page's tables"):
                if ocr_pages and lay.number in ocr_pages:  # no text layer: only our builder
                    ocr_best[lay.number] = ocr_tables(lay, cfg.layout)
                elif lay.to_page is not None:  # sideways text, read turned upright
                    ocr_best[lay.number] = upright_tables(lay, "turned-", cfg.layout)
                else:
                    cands[lay.number] = _candidates(plumber_pages[lay.number], lay, cfg.engines,
                                                    cfg.layout, carry)
                    best[lay.number] = select_tables(cands[lay.number], lay)
                    carry = _carried_edges(best[lay.number], lay)
        except PageTimeout as exc:
            results[lay.number].status, results[lay.number].error = "error", str(exc)
            cands.pop(lay.number, None)
            best.pop(lay.number, None)
        except Exception as exc:
            log.exception("tables failed on page %s of %s", lay.number, rel_path)
            results[lay.number].status = "error"
            results[lay.number].error = f"table extraction failed: {exc}"
    return cands, best, ocr_best


def _carried_edges(tables: list[Table], layout: PageLayout) -> tuple[float, ...]:
    """The column edges the next page's first table may be cut at: those of this page's last
    table when our builder cut it and it runs into the bottom of the page."""
    if not tables:
        return ()
    last = tables[-1]
    if last.edges and last.bbox is not None and last.bbox[3] > 0.6 * layout.height:
        return last.edges
    return ()


def _fallback_tables(rel_path: str, doubtful: set[int], cands: dict[int, list[Table]],
                     plumber_pages: dict, by_number: dict[int, PageLayout],
                     results: dict[int, PageResult], cfg: ExtractSettings) -> None:
    """The fallback engines' candidates added on doubtful pages (a failure leaves the primary
    result standing, the page saying what happened)."""
    for n in sorted(doubtful):
        try:
            with deadline(cfg.page_timeout_s, "the fallback table engines"):
                cands[n] += _candidates(plumber_pages[n], by_number[n], cfg.fallback_engines,
                                        cfg.layout)
        except PageTimeout as exc:  # the primary result stands; the page says what happened
            results[n].error = f"{exc} (their candidates were not used)"
        except Exception:  # a fallback that fails leaves the primary result standing
            log.exception("fallback engines failed on page %s of %s", n, rel_path)


def _camelot_candidates(path: str, cands: dict[int, list[Table]], doubtful: set[int],
                        by_number: dict[int, PageLayout], results: dict[int, PageResult],
                        cfg: ExtractSettings) -> set[int]:
    """camelot's candidates (one call per flavor for all its pages: it renders the document)
    added; returns the pages that got some, to be selected again."""
    touched: set[int] = set()
    for flavor in ("lattice", "stream"):
        name = f"camelot-{flavor}"
        pages = set(cands) if name in cfg.engines else (
            doubtful | touched if name in cfg.fallback_engines else set())
        if flavor == "lattice":
            pages = {n for n in pages if _has_grid(by_number[n])}
        if not pages:
            continue
        heights = {n: by_number[n].height for n in pages}
        try:
            with deadline(cfg.page_timeout_s * len(pages), f"{name} on {len(pages)} pages"):
                found_by_page = camelot_tables(path, pages, flavor, heights)
        except PageTimeout as exc:  # the other engines' candidates stand
            for n in pages:
                results[n].error = f"{exc} (its candidates were not used)"
            continue
        for n, found in found_by_page.items():
            cands[n] += found
            touched.add(n)
    return touched


def _read_page(page, path: str, i: int, decision: RouteDecision, cfg: ExtractSettings,
               pool: WorkPool | None, layouts: list[PageLayout], plumber_pages: dict,
               ocr_pages: set[int]) -> PageResult:
    """One page's result and layout by its route (OCR from the pool or here, or its text
    layer); a failure is recorded on the page."""
    res = PageResult(number=i, route=decision.route, text_quality=decision.quality,  # type: ignore[arg-type]
                     char_count=decision.char_count, route_reason=decision.reason)
    if decision.route == "ocr":
        if not cfg.ocr:
            res.status, res.error = "pending_ocr", decision.reason
            return res
        try:
            key = pdf_page_key(path, i)
            layout, conf = (pool.result(key) if pool is not None and pool.has(key)
                            else ocr_page_layout(path, i, cfg.ocr_settings()))
        except OcrError as exc:
            res.status, res.error = "error", f"OCR failed: {exc.message}"
            return res
        _keep_layout(res, layout, cfg)
        res.width, res.height = float(page.width), float(page.height)
        res.ocr_confidence = round(conf, 4)
        res.rotation, res.skew = layout.rotation, layout.skew
        layouts.append(layout)
        ocr_pages.add(i)
        return res
    if decision.route == "empty":
        res.status = "empty"
        return res
    try:
        with deadline(cfg.page_timeout_s, "reading the page's text layer"):
            # pdfplumber's own table finder must not see what the page hides either
            page = visible_page(page)
            layout = read_page_layout(page, i, visible=True)
        _keep_layout(res, layout, cfg)
        if layout.to_page is not None:  # read turned: keep the page's own size
            res.width, res.height = float(page.width), float(page.height)
            res.rotation = layout.rotation
        layouts.append(layout)
        plumber_pages[i] = page
    except PageTimeout as exc:
        res.status, res.error = "error", str(exc)
    except Exception as exc:
        res.status, res.error = "error", f"text layer unreadable: {exc}"
    return res


class DocumentSink(TableSink, Protocol):
    """Where a long document goes while it is read: each finished page, and its tables part by
    part (TableSink). The store is one (foia.store.StoreSink)."""

    def page(self, page: PageResult) -> None: ...


def extract_pdf(path: str, rel_path: str, sha256: str,
                settings: ExtractSettings | dict | None = None, *,
                routes: list[RouteDecision] | None = None,
                pool: WorkPool | None = None,
                sink: DocumentSink | None = None) -> DocumentResult:
    """Extract every page of one PDF; per-page failures are recorded, not raised.

    `routes` (from route_document, when the caller routed already) and `pool` (OCR jobs
    queued ahead, see extract.work_pool) only save time: without them the document is routed
    and OCR'd here. Pages are read in windows of WINDOW_PAGES. With a `sink`, each finished
    page is handed to it and its words and text are not kept, and tables go to it part by part
    as they are stitched (the returned pages hold none): a 2,000-page document needs no more
    memory than a short one. Without one, the pages come back whole, tables attached.
    """
    cfg = ExtractSettings.resolve(settings)
    doc = DocumentResult(sha256=sha256, path=rel_path, kind="pdf")
    if routes is None:
        try:
            routes = route_document(path, cfg.verify_text_layers, cfg.ocr_lang, cfg.max_pages)
        except Exception as exc:
            doc.status, doc.error = "error", f"cannot open PDF: {_open_problem(exc)}"
            return doc
    results: dict[int, PageResult] = {}
    collect = Collector() if sink is None else None  # whole tables, attached at the end
    stitcher = Stitcher(sink if sink is not None else collect)  # type: ignore[arg-type]
    context: list[PageLayout] = []  # the last pages of the previous window, for furniture
    n_read = sum(1 for r in routes if r.route != "skipped")  # skipped ones are the last
    with tempfile.TemporaryDirectory(prefix="foia-salvage-") as work:
        read_path, damage = path, None
        for first in range(0, n_read, WINDOW_PAGES):
            # The file is opened again for each window: pdfminer caches every object it parses
            # for as long as the document is open, which on a long PDF is what fills memory.
            window = list(enumerate(routes[first:min(first + WINDOW_PAGES, n_read)],
                                    start=first + 1))
            try:
                context = _read_window(path, read_path, rel_path, window, cfg, pool, results,
                                       stitcher, context, sink)
            except PdfminerException as exc:
                if read_path != path:
                    raise
                # pdfium opened the file (routing did), pdfminer cannot: a truncated download
                # or a broken cross-reference. Read pdfium's repair of it instead.
                try:
                    read_path, damage = salvage_copy(path, Path(work)), str(exc)
                except Exception:  # pdfium cannot write it out either: nothing to read
                    doc.status, doc.error = "error", f"cannot open PDF: {exc}"
                    return doc
                context = _read_window(path, read_path, rel_path, window, cfg, pool, results,
                                       stitcher, context, sink)
        stitcher.finish()
    for table in collect.tables if collect is not None else ():
        results[table.page].tables.append(table)
    _record_skipped(routes[n_read:], n_read, results, sink)
    doc.pages = [results[i] for i in sorted(results)]
    skipped = sum(1 for p in doc.pages if p.status == PageStatus.SKIPPED)
    # a resource limit: said once, not per page
    settle_status(doc, f"{skipped} pages past the limit of {cfg.max_pages} not read")
    if damage is not None:
        _say_salvaged(doc, damage)
    return doc


def _record_skipped(skipped: list[RouteDecision], n_read: int, results: dict[int, PageResult],
                    sink: DocumentSink | None) -> None:
    """Pages past max_pages: recorded unread, with the routing's reason."""
    for i, decision in enumerate(skipped, start=n_read + 1):
        results[i] = PageResult(number=i, route="skipped", status="skipped",
                                error=decision.reason, route_reason=decision.reason,
                                text_quality=decision.quality, char_count=decision.char_count)
        if sink is not None:
            sink.page(results[i])


def salvage_copy(path: str, folder: Path) -> str:
    """A copy of a damaged PDF as pdfium repaired it on opening (pdfium rebuilds a lost or
    broken cross-reference by scanning the file; pdfminer does not): the pages whose objects
    survive, at their own numbers and coordinates, so provenance still points into the
    original. Raises when pdfium cannot open it either."""
    target = folder / "salvaged.pdf"
    doc = pdfium.PdfDocument(path)
    try:
        doc.save(str(target))
    finally:
        doc.close()
    return str(target)


def _say_salvaged(doc: DocumentResult, damage: str) -> None:
    """A salvaged document is partial at best, and says so: which pages came out empty (their
    content lay past the break) and why the file needed salvage."""
    empty = [p.number for p in doc.pages if p.status == PageStatus.OK and not p.text.strip()
             and not p.tables]
    note = (f"damaged file ({damage}): read from pdfium's repair of it; content past the "
            "break is lost" + (f"; pages {', '.join(map(str, empty))} came out empty"
                               if empty else ""))
    if doc.status == DocumentStatus.OK:
        doc.status = DocumentStatus.PARTIAL
    doc.error = "; ".join(x for x in (note, doc.error) if x)


def _read_window(path: str, read_path: str, rel_path: str,
                 window: list[tuple[int, RouteDecision]],
                 cfg: ExtractSettings, pool: WorkPool | None, results: dict[int, PageResult],
                 stitcher: Stitcher, context: list[PageLayout],
                 sink: DocumentSink | None) -> list[PageLayout]:
    """One window of pages read, their tables found and stitched on; returns the last
    layouts, the furniture context for the next window."""
    # only this window's pages: `pdf.pages` would otherwise build every page of the file
    with pdfplumber.open(read_path, pages=[i for i, _ in window]) as pdf:
        layouts: list[PageLayout] = []
        plumber_pages: dict = {}
        ocr_pages: set[int] = set()
        by_number = dict(zip((i for i, _ in window), pdf.pages))
        for i, decision in window:
            results[i] = _read_page(by_number[i], path, i, decision, cfg, pool, layouts,
                                    plumber_pages, ocr_pages)
        # Running heads and footers repeat across pages: the window is judged with the
        # pages just before it, so its first pages get the same evidence as the rest.
        clean, _ = strip_furniture(context + layouts)
        clean = clean[len(context):]
        by_layout = {lay.number: lay for lay in clean}
        for number, height, tables in _tables_by_page(read_path, rel_path, clean, plumber_pages,
                                                      results, cfg, ocr_pages):
            results[number].fields = fields_of_page(by_layout[number], tables,
                                             plumber_pages.get(number), rel_path)
            stitcher.add_page(number, height, tables)
        # Memory stays flat on long documents: pdfplumber's parsed objects are dropped
        # page by page, and finished pages go to the sink (the store) without their
        # words and text once it has them.
        for i, _ in window:
            by_number[i].close()
            if sink is not None:
                sink.page(results[i])
                results[i].words, results[i].text = [], ""
        plumber_pages.clear()
    return layouts[-FURNITURE_CONTEXT:]


def _open_problem(exc: Exception) -> str:
    """Why a PDF cannot be opened, in words (pdfium's errors are terse)."""
    text = str(exc)
    if "password" in text.lower():
        return "encrypted: a password is required (foia run --password)"
    return text or type(exc).__name__

