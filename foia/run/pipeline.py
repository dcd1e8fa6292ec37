"""`foia run`: inventory → route/extract → normalize → store, one document at a time.

Every file of the dump ends in one recorded state (a `files` row: ok, duplicate, container,
unsupported or error, with the reason), every page has a route and a status, and every extracted
data row ends in `rows` or `rejects`. A bad file is recorded and the run goes on.
"""

from __future__ import annotations

import itertools
import json
import logging
import sqlite3
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from extract.executor import make_executor
from extract.images import extract_image
from extract.model import DocumentResult, settle_status
from extract.pdf import DocumentSink, ExtractSettings, extract_pdf
from extract.route import RouteDecision, route_document
from extract.sheets import read_spreadsheet
from extract.work_pool import WorkPool, document_key
from foia import __version__, store
from foia.ingest import pagehash
from foia.ingest.inventory import (
    CONTAINERS,
    WORK_FOLDER,
    InventoryItem,
    ZipLimits,
    build_inventory,
)
from foia.run.cache import extract_key, normalize_key
from normalize.corrections import Corrections
from normalize.narrative import check_narrative
from normalize.outcome import DocContext, SourceRef, TableOutcome
from normalize.period import find_period
from normalize.profiles import Profile, cached_profile
from normalize.rows import TableNormalizer

log = logging.getLogger(__name__)

SHEET_KINDS = {"xlsx", "xls", "csv", "tsv"}
# A text PDF longer than this is not one worker job (its whole result would sit in memory and
# cross between processes): the coordinator streams it page by page into the store.
MAX_JOB_PAGES = 64
IMAGE_KINDS = {"png", "jpeg", "tiff"}

@dataclass(frozen=True)
class ProgressEvent:
    """One step of a run, for progress bars and JSON logs: `stage` is inventory, route or
    documents; `done` of `total` units (files, documents); `pages` done so far in the stage."""

    stage: str
    done: int
    total: int
    item: str = ""
    pages: int = 0
    status: str = ""


@dataclass
class RunSummary:
    """Counts in and out of every stage; printed at the end of `foia run`."""

    run_id: str
    files: Counter = field(default_factory=Counter)
    documents: Counter = field(default_factory=Counter)
    pages: Counter = field(default_factory=Counter)
    page_status: Counter = field(default_factory=Counter)
    tables: int = 0
    rows: int = 0
    totals: int = 0
    # incremental runs: documents read again, taken from the store as they were, or only
    # normalized again (profile, reference data or corrections changed)
    extracted: int = 0
    cached: int = 0
    renormalized: int = 0
    near_duplicates: int = 0  # page pairs across documents that look the same
    removed: int = 0  # stored documents no longer in the dump, removed
    rejects: int = 0
    reject_reasons: Counter = field(default_factory=Counter)
    errors: int = 0
    findings: Counter = field(default_factory=Counter)
    unmatched_offenses: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)

    def add_table(self, outcome: TableOutcome) -> None:
        """Count one normalized table in: rows, totals, rejects by reason, flags, offenses."""
        self.tables += 1
        self.add_rows(outcome)

    def add_rows(self, outcome: TableOutcome) -> None:
        """Count rows and rejects in (one table, or one chunk of a long one)."""
        self.rows += sum(1 for r in outcome.rows if not r.is_total)
        self.totals += sum(1 for r in outcome.rows if r.is_total)
        self.rejects += len(outcome.rejects)
        for j in outcome.rejects:
            self.reject_reasons.update(j.reasons)
        for r in outcome.rows:
            self.flags.update(r.flags)
        self.unmatched_offenses.update(outcome.unmatched_offenses)

    def move_totals(self, moved: list) -> None:
        """Total rows counted as rows that the Total check then refused."""
        self.totals -= len(moved)
        self.rejects += len(moved)
        for j in moved:
            self.reject_reasons.update(j.reasons)

    def to_dict(self) -> dict:
        return {
            "run_id": self.run_id, "files": dict(self.files), "documents": dict(self.documents),
            "pages_by_route": dict(self.pages), "pages_by_status": dict(self.page_status),
            "tables": self.tables, "rows": self.rows, "total_rows": self.totals,
            "extracted": self.extracted, "cached": self.cached,
            "renormalized": self.renormalized, "near_duplicates": self.near_duplicates,
            "removed": self.removed,
            "rejects": self.rejects, "reject_reasons": dict(self.reject_reasons),
            "errors": self.errors, "findings": dict(self.findings),
            "flags": dict(self.flags),
            "unmatched_offenses": dict(self.unmatched_offenses.most_common(50)),
        }


@dataclass
class RunContext:
    """What every step of one run shares: the store, the settings, the profile, the run's id
    and counts, the hand corrections, the job pool and the two cache keys (extraction, rows).
    One object instead of ten arguments passed down three levels."""

    conn: sqlite3.Connection
    cfg: ExtractSettings
    prof: Profile | None
    run_id: str
    summary: RunSummary
    corrections: Corrections
    pool: WorkPool | None = None
    keys: tuple[str, str] = ("", "")

    def record_files(self, item: InventoryItem, status: str, reason: str | None) -> None:
        """One `files` row per path: the first gets the status, the rest are duplicates."""
        for i, path in enumerate(item.paths or [item.path]):
            if i == 0:
                _record_file(self.conn, path, item, status, reason, self.run_id)
                self.summary.files[status] += 1
            else:
                _record_file(self.conn, path, item, "duplicate",
                             f"same content as {item.path}", self.run_id)
                self.summary.files["duplicate"] += 1

    def normalize(self, sha256: str, path: str) -> None:
        normalize_document(self.conn, sha256, path, self.prof, self.summary, self.corrections)


def extract_item(item: InventoryItem, settings: ExtractSettings, pool: WorkPool | None = None,
                 routes: list[RouteDecision] | None = None,
                 sink: DocumentSink | None = None) -> DocumentResult:
    """Extraction of one inventoried file (raises only on bugs; bad input is recorded).

    `sink` (PDFs): each page as it is finished, for the store to take it while the rest of a
    long document is read (extract.pdf.extract_pdf)."""
    assert item.local_path is not None
    if item.kind == "pdf":
        doc = extract_pdf(str(item.local_path), item.path, item.sha256, settings,
                          routes=routes, pool=pool, sink=sink)
    elif item.kind in SHEET_KINDS:
        doc = DocumentResult(item.sha256, item.path, item.kind)
        try:
            doc.pages = read_spreadsheet(item.local_path, item.kind)
        except Exception as exc:
            doc.status, doc.error = "error", f"cannot read spreadsheet: {exc}"
        settle_status(doc)
    elif item.kind in IMAGE_KINDS:
        doc = extract_image(str(item.local_path), item.path, item.sha256, item.kind, settings,
                            pool=pool)
    else:
        raise ValueError(f"no extractor for kind {item.kind}")
    doc.paths = list(item.paths)
    return doc


def normalize_document(conn: sqlite3.Connection, doc_sha: str, source_file: str,
                       profile: Profile | None, summary: RunSummary | None = None,
                       corrections: Corrections | None = None) -> None:
    """Rows, rejects and findings of one stored document (by `run` and `foia normalize`).

    Reads only the store (tables, cells, page text): nothing is re-extracted. Each table is
    read, normalized and written in chunks of store.ROW_CHUNK rows and page text is read when
    needed, so memory does not grow with the document.
    """
    store.delete_rows(conn, doc_sha)
    store.reset_header_rows(conn, doc_sha)
    first = [text for _, text in itertools.islice(store.page_texts(conn, doc_sha), 2)]
    ctx = DocContext(SourceRef(source_file, doc_sha), find_period(first),
                     corrections or Corrections(), store.PageTextLookup(conn, doc_sha))
    facts, findings = [], []
    for t in store.table_heads(conn, doc_sha):
        chunks = store.table_rows(conn, t.table_id)
        chunk = next(chunks, [])
        norm = TableNormalizer(t.head, t.index, ctx, profile, ncols=t.ncols,
                               sample=[r for _, r in chunk])
        match = norm.match
        profile_name, kind = (match.profile, match.kind) if match else (None, "generic")
        mapping = ({"columns": match.describe(), "overruled": list(match.notes)} if match
                   else None)
        if summary is not None:
            summary.tables += 1
        while chunk:
            outcome = norm.feed(chunk)
            store.write_rows(conn, doc_sha, t.index, profile_name, kind, outcome.rows,
                             outcome.rejects, mapping, outcome.header_rows)
            mapping = None  # written once, with the first chunk
            if summary is not None:
                summary.add_rows(outcome)
            chunk = next(chunks, [])
        end = norm.finish()
        store.move_to_rejects(conn, doc_sha, t.index, end.rejects)
        if summary is not None:
            summary.move_totals(end.rejects)
        findings += end.findings
        if end.facts:
            facts.append(end.facts)
    findings += check_narrative(store.page_texts(conn, doc_sha), facts, profile,
                                words=lambda page: store.page_words(conn, doc_sha, page))
    store.write_findings(conn, doc_sha, source_file, findings)
    if summary is not None:
        summary.findings.update(f"{f.kind}:{f.status}" for f in findings)


def _record_file(conn, path: str, item: InventoryItem, status: str, reason: str | None,
                 run_id: str) -> None:
    store.record_file(conn, path, item.sha256 or None, item.kind, item.size, status, reason,
                      run_id)


def queue_work(items: list[InventoryItem], cfg: ExtractSettings, pool: WorkPool,
                emit: Callable[[ProgressEvent], None] = lambda e: None
                ) -> dict[str, list[RouteDecision]]:
    """Route every PDF and queue its work on the pool, in processing order.

    A PDF with OCR pages queues one job per OCR page (its text pages are read by the
    coordinator); a PDF with none, and a spreadsheet, queue one job for the whole document;
    an image queues one job per frame. Returns the routes (so documents are not routed twice).
    A PDF that cannot be routed is left out; extract_pdf meets the same failure and records it.
    """
    routes: dict[str, list[RouteDecision]] = {}
    parallel = pool.workers > 1
    pages = 0
    for n, item in enumerate(items, start=1):
        emit(ProgressEvent("route", n, len(items), item.path, pages))
        if item.local_path is None:
            continue
        path = str(item.local_path)
        if item.kind == "pdf":
            try:
                routes[item.path] = route_document(path, cfg.verify_text_layers,
                                                   cfg.ocr_lang, cfg.max_pages)
            except Exception:  # recorded when the document is extracted
                continue
            pages += len(routes[item.path])
            ocr = [i for i, d in enumerate(routes[item.path], start=1) if d.route == "ocr"]
            if ocr and cfg.ocr:
                for i in ocr:
                    pool.add_pdf_page(path, i, cfg.ocr_settings())
            elif parallel and len(routes[item.path]) <= MAX_JOB_PAGES:
                pool.add(document_key(item.path), extract_item, item, cfg, None,
                         routes[item.path])
        elif item.kind in IMAGE_KINDS and cfg.ocr:
            pool.add_image(path, cfg.ocr_settings())
        elif item.kind in SHEET_KINDS and parallel:
            pool.add(document_key(item.path), extract_item, item, cfg)
    return routes


def run_dump(dump: Path, out: Path, *, profile: str | None = "ddor",
             settings: ExtractSettings | dict | None = None,
             progress: Callable[[ProgressEvent], None] | None = None,
             workers: int | None = None, scheduler: str | object | None = None,
             force: bool = False, passwords: tuple[str, ...] = (),
             limits: ZipLimits | None = None) -> RunSummary:
    """Process a whole dump into `out/foia.sqlite`; returns the run's counts.

    Work runs on an executor (extract.executor): `workers` local processes (default the
    usable cores) or the Dask cluster at `scheduler`; the coordinator alone writes the store.
    A document whose bytes, extraction settings and extraction code match what the store
    holds is not read again (foia.run.cache); if only the profile, reference data or
    corrections changed, it is only normalized again. `force` redoes everything. `passwords`
    are tried on encrypted PDFs; `limits` caps file and archive sizes
    (foia.ingest.inventory.ZipLimits); page limits and timeouts are extraction settings.
    """
    cfg = ExtractSettings.resolve(settings)
    prof = cached_profile(profile) if profile else None
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    summary = RunSummary(run_id)
    conn = store.connect(out / "foia.sqlite")
    started = datetime.now(UTC).isoformat()
    settings_blob = json.dumps({"extract": asdict(cfg), "profile": profile}, default=list)
    store.start_run(conn, run_id, started, str(dump), __version__, settings_blob, cfg.digest())
    corrections = Corrections.load(out)
    keys = (extract_key(cfg), normalize_key(prof, corrections))
    emit = progress or (lambda event: None)
    emit(ProgressEvent("inventory", 0, 0))
    items = build_inventory(dump, out / WORK_FOLDER, limits=limits, passwords=tuple(passwords))
    emit(ProgressEvent("inventory", len(items), len(items)))
    stored = {} if force else store.document_keys(conn)
    fresh = [it for it in items if it.status == "ok" and it.kind not in CONTAINERS
             and not _unchanged(stored.get(it.sha256), keys[0])]
    executor = make_executor(workers, scheduler)
    try:
        with WorkPool(executor) as pool:
            routes = queue_work(fresh, cfg, pool, emit)
            pages = 0
            ctx = RunContext(conn, cfg, prof, run_id, summary, corrections, pool, keys)
            for n, item in enumerate(items, start=1):
                _run_item(ctx, item, routes.get(item.path), stored.get(item.sha256))
                pages = sum(summary.pages.values())
                emit(ProgressEvent("documents", n, len(items), item.path, pages,
                                   _file_status(conn, item)))
    finally:
        if executor is not None:
            executor.close()
    summary.removed = _prune(conn, items)
    if prof is not None:
        store.create_kind_views(conn, prof)
    summary.near_duplicates = pagehash.find_near_duplicates(conn)
    store.finish_run(conn, run_id, datetime.now(UTC).isoformat(), json.dumps(summary.to_dict()))
    conn.close()
    return summary


def _prune(conn: sqlite3.Connection, items: list[InventoryItem]) -> int:
    """The store mirrors the dump it was last run on: `files` rows of paths no longer in it,
    and documents no file holds any more (a file replaced by new content), are removed with
    everything made from them. Returns the documents removed."""
    seen = {p for it in items for p in (it.paths or [it.path])}
    with conn:
        store.forget_files(conn, [p for p in store.file_paths(conn) if p not in seen])
        orphans = store.orphan_documents(conn)
        for sha in orphans:
            store.delete_document(conn, sha)
    return len(orphans)


def _file_status(conn: sqlite3.Connection, item: InventoryItem) -> str:
    return store.file_status(conn, item.path)


def _unchanged(stored: tuple | None, key: str) -> bool:
    """The store holds this document read with the same settings and code. A document that
    failed is cached too: the same bytes fail the same way until the code changes (its
    digest is in the key) or `--force`."""
    return stored is not None and stored[1] == key


def _run_item(ctx: RunContext, item: InventoryItem, routes: list[RouteDecision] | None,
              stored: tuple | None = None) -> None:
    """One file into the store; a bug on it is recorded as its error and the run goes on."""
    try:
        if item.status == "ok" and item.kind not in CONTAINERS and _unchanged(stored,
                                                                             ctx.keys[0]):
            _reuse_item(ctx, item, stored)
            return
        _process_item(ctx, item, routes)
    except Exception as exc:  # a bug on one file must not end the run: record it
        log.exception("failed on %s", item.path)
        with ctx.conn:
            ctx.record_files(item, "error", f"internal error: {exc}")
            store.record_error(ctx.conn, ctx.run_id, item.path, item.sha256, None, "pipeline",
                               traceback.format_exc(limit=3))
        ctx.summary.errors += 1


def _reuse_item(ctx: RunContext, item: InventoryItem, stored: tuple) -> None:
    """A document the store holds as it is: no extractor runs; rows are made again only
    when what normalization depends on changed."""
    status, error = stored[0], stored[3]
    with ctx.conn:
        ctx.record_files(item, "ok" if status in ("ok", "partial") else status, error)
        ctx.summary.cached += 1
        if stored[2] != ctx.keys[1]:
            ctx.normalize(item.sha256, item.path)
            store.set_normalize_key(ctx.conn, item.sha256, ctx.keys[1])
            ctx.summary.renormalized += 1


def _process_item(ctx: RunContext, item: InventoryItem,
                  routes: list[RouteDecision] | None = None) -> None:
    conn, summary = ctx.conn, ctx.summary
    if item.status != "ok":
        with conn:
            ctx.record_files(item, item.status, item.error)
            if item.status == "error":
                store.record_error(conn, ctx.run_id, item.path, item.sha256 or None, None,
                                   "inventory", item.error or "")
                summary.errors += 1
        return
    if item.kind in CONTAINERS:
        with conn:
            ctx.record_files(item, "container", f"{item.kind}: members inventoried")
        return
    with conn:  # one transaction per document: a crash leaves no half-written document
        doc = _extract_into_store(ctx, item, routes)
        # perceptual page hashes, for the near-duplicate pages found at the end of the run
        if doc.status != "error":  # a file that could not be read is not rendered either
            store.record_hashes(conn, item.sha256,
                                pagehash.hash_document(item.local_path, item.kind))
        ctx.record_files(item, "ok" if doc.status in ("ok", "partial") else doc.status,
                         doc.error)
        summary.documents[doc.status] += 1
        if doc.error:
            store.record_error(conn, ctx.run_id, item.path, item.sha256, None, "extract",
                               doc.error)
            summary.errors += 1
        for p in doc.pages:
            summary.pages[p.route] += 1
            summary.page_status[p.status] += 1
            if p.status == "error":
                store.record_error(conn, ctx.run_id, item.path, item.sha256, p.number,
                                   "extract", p.error or "")
        ctx.normalize(item.sha256, item.path)
        store.set_normalize_key(conn, item.sha256, ctx.keys[1] or None)


def _extract_into_store(ctx: RunContext, item: InventoryItem,
                        routes: list[RouteDecision] | None) -> DocumentResult:
    """The document read (from the job the pool ran, or here: a long PDF streamed page by page
    into the store) and written."""
    key = document_key(item.path)
    if ctx.pool is not None and ctx.pool.has(key):
        doc, streamed = ctx.pool.result(key), False
    else:
        streamed = item.kind == "pdf"
        if streamed:  # pages go to the store as they are read
            store.delete_document(ctx.conn, item.sha256)
        doc = extract_item(item, ctx.cfg, ctx.pool, routes, sink=(
            store.StoreSink(ctx.conn, item.sha256, item.path) if streamed else None))
    ctx.summary.extracted += 1
    store.write_document(ctx.conn, doc, ctx.run_id, item.size,
                         ctx.keys[0] or extract_key(ctx.cfg), pages_written=streamed)
    return doc


def renormalize(out: Path, profile: str | None = "ddor") -> RunSummary:
    """Re-run normalization on every stored document without re-extracting."""
    prof = cached_profile(profile) if profile else None
    corrections = Corrections.load(out)
    summary = RunSummary("normalize-" + uuid.uuid4().hex[:6])
    conn = store.connect(out / "foia.sqlite")
    key = normalize_key(prof, corrections)
    for sha256, path in store.documents(conn):
        with conn:
            normalize_document(conn, sha256, path, prof, summary, corrections)
            store.set_normalize_key(conn, sha256, key)
    if prof is not None:
        store.create_kind_views(conn, prof)
    conn.close()
    return summary
