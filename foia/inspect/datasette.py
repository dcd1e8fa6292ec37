"""Datasette metadata for the store, so `OUT/foia.sqlite` opens in Datasette as it is.

Why a plugin: Datasette (0.64/0.65, what `pip install datasette` gives) links a cell only when its
whole value is an `http://` or `https://` URL. `source_link` is relative to the dump
(`ddor-bad-rows.pdf#page=2`) and a `file://` URL is neither linked by Datasette nor followed by
browsers from an http page, so metadata alone cannot make it clickable, and the store must not be
changed (no view). Instead `write_metadata` writes, next to `metadata.json`, a one-file Datasette
plugin (`plugins/foia_source_link.py`, a copy of this module, which needs nothing but Datasette)
whose `render_cell` hook turns every `source_link` cell -- on the `rows` and `rejects` table
pages and in query results -- into `<a href="/dump/ddor-bad-rows.pdf#page=2">`. The `/dump/`
prefix is the static mount of the dump folder, so the link opens the document from the same
Datasette server at that page:

    datasette OUT/foia.sqlite --metadata OUT/metadata.json --plugins-dir OUT/plugins \\
        --static dump:/abs/path/to/dump

(e.g. `--static dump:fixtures/sample_dump` after `foia run fixtures/sample_dump --out OUT`).
The metadata description repeats this command with the dump path the run recorded. Members of a
zip in the dump (`week2.zip/week2/x.pdf#page=1`) cannot be served from inside the archive, so
their link opens the archive itself. Datasette 1.0 (pre-release) moves plugin and table options
from metadata to `datasette.yaml`; this targets the 0.x metadata layout.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

from foia.atomic import write_text_atomically
from foia.store import connect_readonly, queries

try:  # the metadata is plain JSON; only the cell hook needs Datasette, a dev dependency
    from datasette import hookimpl
except ImportError:  # pragma: no cover - exercised where Datasette is not installed
    def hookimpl(func):  # type: ignore[no-redef]
        return func

PLUGIN = "foia-source-link"  # metadata `plugins` key read by render_cell
MOUNT = "dump"  # `--static dump:<folder>` serves the documents under /dump/
PLUGIN_FILE = "foia_source_link.py"
CONTAINER_SUFFIXES = (".zip", ".gz", ".gzip", ".tgz")  # served whole: members are inside

PROVENANCE = {
    "source_file": "Path of the document in the dump (zip members as outer.zip/inner/path, "
                   "a gzip's member as counts.csv.gz/counts.csv)",
    "source_sha256": "SHA-256 of the document's bytes (documents.sha256)",
    "page": "Page (1-based) or sheet number the row was read from",
    "pages": "JSON list of every page the row spans",
    "bbox": "[x0, top, x1, bottom] in PDF points from the top-left (union of the row's cells); "
            "for spreadsheets [first col, row, last col, row] in 1-based grid units",
    "method": "How the row was read: text:<engine>, ocr:tesseract+<builder>, or sheet",
    "confidence": "Lower of the row's cell confidence and its table's quality score (0-1)",
    "source_link": "Open the source at the row: <file>#page=<n>, or <file>#sheet=<name>&row=<r>",
}

# Fields of the kind views (ddor_declined_detainers, ...), described where a profile uses them.
FIELD_DESCRIPTIONS = {
    "aor": "ICE area of responsibility", "jurisdiction_raw": "Jurisdiction as written",
    "county": "Matched Census county", "state": "State (USPS code)",
    "county_fips": "5-digit county FIPS",
    "jurisdiction_match": "Matching step: exact, alias, facility or fuzzy",
    "jurisdiction_score": "Match score", "facility": "Facility", "city": "City",
    "citizenship": "Citizenship as written", "citizenship_iso3": "ISO 3166 alpha-3",
    "offense_raw": "Offense as written", "offense_categories": "Offense categories",
    "most_serious": "Most serious offense category",
    "detainer_issued": "Detainer issue date", "declined_date": "Declined date",
    "declined_count": "Declined detainers", "policy_type": "Policy type",
    "policy_text": "Policy text", "aor_raw": "Area of responsibility as written",
}

# table -> (description, column descriptions); from foia/store/schema.py and README "Output
# schema".
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "runs": ("One row per `foia run`: when, on which dump, with which settings.", {
        "run_id": "Run identifier (start time + random suffix)",
        "started": "Start time (UTC)", "finished": "End time (UTC)",
        "dump": "Dump folder, zip or file as given to `foia run`",
        "version": "foia-pipeline version", "settings": "JSON of the run's settings",
        "settings_hash": "Hash of the settings that change results",
        "summary": "JSON counts in and out of every stage",
    }),
    "files": ("One row per path in the dump (zip members as outer.zip/inner/path): what "
              "happened to every file, including the ones that could not be read.", {
        "path": "Path in the dump", "sha256": "SHA-256 of the content",
        "kind": "Type sniffed from the bytes (pdf, xlsx, csv, zip, ...)",
        "size": "Size in bytes",
        "status": "ok, duplicate, container, unsupported or error",
        "reason": "Why the file was not processed", "run_id": "Run that recorded it",
    }),
    "documents": ("One row per distinct content (duplicates share a row).", {
        "sha256": "SHA-256 of the content", "path": "First path with this content",
        "paths": "JSON list of every path with this content",
        "kind": "Type sniffed from the bytes", "size": "Size in bytes",
        "pages": "Number of pages or sheets", "status": "ok, partial or error",
        "error": "Why extraction failed (status error or partial)",
        "run_id": "Run that extracted it", "settings_hash": "Settings used to extract it",
    }),
    "pages": ("One row per page (or sheet): how it was read and its text in reading order.", {
        "sha256": "Document (documents.sha256)", "page": "Page or sheet number (1-based)",
        "source_file": "Path of the document in the dump",
        "route": "text, ocr, empty or sheet", "route_reason": "Why this route, with the score",
        "status": "ok, pending_ocr (OCR off), empty or error",
        "text_quality": "Routing score: text-layer quality, or its agreement with the image",
        "char_count": "Characters of text", "ocr_confidence": "Mean OCR confidence",
        "rotation": "Rotation applied before OCR (degrees)",
        "skew": "Skew corrected before OCR (degrees)",
        "width": "Page width (PDF points)", "height": "Page height (PDF points)",
        "sheet": "Sheet name (spreadsheets)", "text": "Page text in reading order",
        "words": "JSON word boxes", "error": "What went wrong on this page",
    }),
    "pages_fts": ("FTS5 full-text index of pages.text (use the search_pages query).", {
        "text": "Page text", "source_file": "Path of the document in the dump",
        "sha256": "Document (documents.sha256)", "page": "Page number",
    }),
    "tables": ("One row per table found (stitched across pages).", {
        "table_id": "<sha256 prefix>-t<index>", "sha256": "Document (documents.sha256)",
        "table_index": "Order of the table in its document", "page": "First page",
        "pages": "JSON list of its pages", "sheet": "Sheet name (spreadsheets)",
        "engine": "Extraction engine(s)", "score": "Table quality score (0-1)",
        "ncols": "Columns", "nrows": "Rows", "header": "JSON header cells",
        "bbox": "Table box in PDF points from the top-left",
        "profile": "Profile that claimed the table", "kind": "The profile's table kind",
    }),
    "cells": ("One row per table cell, with its box and confidence.", {
        "table_id": "Table (tables.table_id)", "row_index": "Row in the table",
        "col": "Column in the table", "row_kind": "header, data, total, footnote or title",
        "page": "Page of the cell", "sheet_row": "Spreadsheet row (1-based)",
        "text": "Cell text as written", "bbox": "Cell box in PDF points from the top-left",
        "confidence": "Cell confidence (0-1)", "redaction": "Exemption code when redacted",
    }),
    "rows": ("One row per accepted data or total row, with its provenance: source_link opens "
             "the document at the row's page, and bbox says where on the page it is.", {
        "record_id": "Stable id: hash of source sha256, page, table and row index",
        "table_id": "Table (tables.table_id)", "row_index": "Row in the table",
        "profile": "Profile that normalized the row",
        "kind": "The profile's table kind, or generic", "is_total": "1 for a total or subtotal row",
        "row_class": "data, subtotal or total (a group label is carried as the group field)",
        "redacted_fields": "Fields withheld by redaction",
        "redactions": "FOIA exemption codes of the redactions",
        "flags": "What an editor should check (date_out_of_period, unmatched_offense)",
        "fields": "JSON of every canonical field (generic tables: header -> value); typed "
                  "per profile kind in the kind views",
        "raw": "JSON header -> cell text as written", **PROVENANCE,
    }),
    "rejects": ("One row per refused row: why it is missing from rows, with its provenance.", {
        "record_id": "Stable id (as in rows)", "table_id": "Table (tables.table_id)",
        "row_index": "Row in the table", "profile": "Profile that refused the row",
        "kind": "The profile's table kind", "reasons": "Reason codes, ';'-joined",
        "detail": "Details (e.g. candidate FIPS of an ambiguous jurisdiction)",
        "raw": "JSON header -> cell text as written", **PROVENANCE,
    }),
    "findings": ("One row per cross-check: stated totals and narrative claims vs the table.", {
        "sha256": "Document (documents.sha256)", "source_file": "Path in the dump",
        "kind": "total_mismatch, subtotal_check, total_check or narrative_check",
        "status": "match, partial, mismatch or no_table",
        "claim": "The claim checked", "detail": "Details", "stated": "Value stated",
        "actual": "Value computed from the table", "page": "Page of the claim",
        "bbox": "Box of the claim", "table_id": "Table checked",
        "table_page": "Page of the table", "table_bbox": "Box of the table",
    }),
    "fields": ("One row per labelled field of a form page (label, value, where on the page).", {
        "sha256": "Document", "source_file": "Path in the dump", "page": "Page (1-based)",
        "field_index": "Order of the field on its page", "label": "What the form asks",
        "value": "What it says ('' when blank)", "bbox": "Label and value together",
        "label_bbox": "Box of the label", "value_bbox": "Box of the value",
        "method": "widget (a fill-in form's stored value) or printed (read off the text)",
        "confidence": "OCR confidence of its words (1 for a text layer)",
        "source_link": "file#page=N",
    }),
    "errors": ("One row per problem met during a run.", {
        "run_id": "Run", "source_file": "Path in the dump", "sha256": "Document",
        "page": "Page", "stage": "Pipeline stage", "message": "What went wrong",
    }),
    "kind_columns": ("One row per column of each profile kind's typed view (ddor_declined_"
                     "detainers, ...): its type and where it comes from.", {
        "view": "The kind view", "position": "Column position", "name": "Column name",
        "type": "SQLite type", "field_type": "Profile type (date, count, state, text, ...)",
        "source": "profile field, derived by normalization, or row/provenance column",
        "profile": "Profile", "kind": "Profile kind",
    }),
    "page_hashes": ("One row per page of a PDF or image: its perceptual hash "
                    "(foia/ingest/pagehash.py).", {
        "sha256": "Document", "page": "Page (1-based)",
        "phash": "64-bit DCT perceptual hash of the page image, hex",
    }),
    "near_duplicates": ("Pairs of pages in two documents that look the same (re-released or "
                        "re-scanned), found on every run.", {
        "sha256_a": "First document", "page_a": "Its page", "source_file_a": "Its path",
        "sha256_b": "Second document", "page_b": "Its page", "source_file_b": "Its path",
        "distance": "Hamming distance between the two page hashes (bits, 0-64)",
        "text_similarity": "Share of words the two pages have in common (when both have text)",
    }),
}
HIDDEN_PREFIX = "pages_fts_"  # FTS5 shadow tables: storage internals, never read directly
FACETS = {"rows": ["profile", "kind"], "rejects": ["reasons"],
          "pages": ["route", "status"], "documents": ["status"], "files": ["status", "kind"],
          "findings": ["kind", "status"], "errors": ["stage"]}
SORT = {"rows": "source_file", "rejects": "source_file", "documents": "path", "files": "path"}
SORT_DESC = {"runs": "started"}
LABEL_COLUMN = {"documents": "path", "files": "path", "runs": "run_id", "tables": "table_id"}

SEARCH_SQL = """select f.source_file || case when p.sheet is not null
    then '#sheet=' || p.sheet else '#page=' || f.page end as source_link,
  snippet(pages_fts, 0, '[', ']', '...', 16) as snippet, f.sha256, f.page
from pages_fts f left join pages p on p.sha256 = f.sha256 and p.page = f.page
where pages_fts match coalesce(nullif(:q, ''), '""') order by rank limit 100"""
# an empty :q would be an FTS5 syntax error; '""' (empty phrase) matches nothing instead


def build_metadata(db_path: Path, dump: Path | None = None) -> dict:
    """Datasette metadata describing every table actually in the store at `db_path`.

    Read from the store rather than from SCHEMA so an older or newer store still gets metadata
    that names only its real tables and columns (Datasette rejects facets or sorts on missing
    columns). `dump` defaults to the folder the latest run recorded.
    """
    db_path = Path(db_path)
    with connect_readonly(db_path) as conn:
        columns = _columns(conn)
        kinds = {v: queries.kind_field_types(conn, v) for v in queries.kind_views(conn)}
        dump = _resolve_dump(dump if dump is not None else _recorded_dump(conn))
    command = start_command(db_path.parent, dump)
    return {
        "title": "FOIA pipeline store",
        "description": "Rows extracted from a FOIA document dump, each with the document, page "
                       "and box it came from. Click a source_link to open the document at that "
                       f"page. Start Datasette with: {command}",
        "plugins": {PLUGIN: {"mount": MOUNT, "dump": str(dump) if dump else None}},
        "databases": {db_path.stem: {
            "title": "foia.sqlite",
            "description": "runs -> files -> documents -> pages -> tables -> cells -> rows "
                           "(accepted) and rejects (refused, with reasons); findings are "
                           "cross-checks, errors the problems met.",
            "tables": {name: _kind_view(name, cols, kinds[name]) if name in kinds
                       else _table(name, cols) for name, cols in columns.items()},
            "queries": _queries(columns),
        }},
    }


def write_metadata(out: Path, dump: Path | None = None) -> Path:
    """Write `out/metadata.json` and the link plugin `out/plugins/foia_source_link.py`.

    Both are replaced atomically (temp file + os.replace) so a Datasette already running on
    the folder never reads half a file. Returns the metadata path.
    """
    out = Path(out)
    metadata = build_metadata(out / "foia.sqlite", dump)
    path = write_text_atomically(out / "metadata.json", json.dumps(metadata, indent=2) + "\n")
    (out / "plugins").mkdir(exist_ok=True)
    write_text_atomically(out / "plugins" / PLUGIN_FILE, Path(__file__).read_text(encoding="utf-8"))
    return path


def start_command(out: Path, dump: Path | None) -> str:
    """The `datasette` command that serves the store, its metadata, plugin and documents."""
    out = Path(out)
    command = (f"datasette {out / 'foia.sqlite'} --metadata {out / 'metadata.json'} "
               f"--plugins-dir {out / 'plugins'}")
    folder = static_folder(dump)
    return f"{command} --static {MOUNT}:{folder}" if folder else command


def static_folder(dump: Path | None) -> Path | None:
    """Folder to mount: source paths are relative to a dump folder, or to a lone file's parent."""
    if dump is None:
        return None
    return dump.parent if dump.is_file() else dump


def source_href(source_link: str, prefix: str) -> str:
    """URL of `source_link` under the static mount `prefix` (e.g. "/dump/").

    The file part is percent-encoded (names with spaces or '#'); the fragment (`page=2`) is kept
    for PDF viewers. A zip member cannot be served from inside its archive, so it links to the
    archive.
    """
    file, sep, fragment = source_link.rpartition("#")
    if not sep:
        file, fragment = source_link, ""
    parts = file.split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower().endswith(CONTAINER_SUFFIXES):
            return prefix + quote("/".join(parts[: i + 1]))
    return prefix + quote(file) + (f"#{fragment}" if fragment else "")


@hookimpl
def render_cell(value, column, table, database, datasette):
    """Datasette hook: a `source_link` cell becomes a link to the document on the static mount.

    Only when the metadata configures this plugin, so loading it elsewhere changes nothing.
    """
    if column != "source_link" or not isinstance(value, str) or not value:
        return None
    config = datasette.plugin_config(PLUGIN, database=database, table=table)
    if not config:
        return None
    from markupsafe import Markup, escape  # a Datasette dependency

    href = source_href(value, datasette.urls.path(f"/{config.get('mount', MOUNT)}/"))
    return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')


def _columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Table name -> column names, for every table (virtual and FTS shadow ones included)."""
    return queries.table_columns(conn)


def _recorded_dump(conn: sqlite3.Connection) -> Path | None:
    """The dump of the latest run, as recorded (possibly relative to that run's cwd)."""
    dump = queries.latest_dump(conn)
    return Path(dump) if dump else None


def _resolve_dump(dump: Path | None) -> Path | None:
    """Absolute dump path when it exists from here, else as given (links need a real folder)."""
    if dump is None:
        return None
    dump = Path(dump).expanduser()
    return dump.resolve() if dump.exists() else dump


def _table(name: str, columns: list[str]) -> dict:
    """Metadata of one table: description, column descriptions, facets, sort, label, hidden."""
    if name.startswith(HIDDEN_PREFIX):
        return {"description": "FTS5 storage of pages_fts (internal).", "hidden": True}
    description, described = TABLES.get(name, ("Not part of the foia-pipeline schema.", {}))
    meta: dict = {"description": description,
                  "columns": {c: d for c, d in described.items() if c in columns}}
    facets = [c for c in FACETS.get(name, []) if c in columns]
    if facets:
        meta["facets"] = facets
    for key, table_map in (("sort", SORT), ("sort_desc", SORT_DESC),
                           ("label_column", LABEL_COLUMN)):
        if table_map.get(name) in columns:
            meta[key] = table_map[name]
    return meta


def _kind_view(name: str, columns: list[str], types: dict[str, str | None]) -> dict:
    """Metadata of a profile kind's typed view: its fields with their types, the provenance
    columns described as in `rows`, facets on state and AOR when it has them."""
    described = {**TABLES["rows"][1], **FIELD_DESCRIPTIONS}
    meta: dict = {
        "description": f"One row per accepted {name} row, one typed column per profile field "
                       "(then the fields normalization derived, then provenance). A view of "
                       "`rows`: the same record_id links to it.",
        "columns": {c: (f"{described[c]} ({types.get(c) or 'text'})" if c in described
                        else f"{types.get(c) or 'text'} field") for c in columns},
    }
    facets = [c for c in ("state", "aor", "most_serious") if c in columns]
    if facets:
        meta["facets"] = facets
    return meta


def _queries(columns: dict[str, list[str]]) -> dict:
    """Canned queries; full-text search lives in pages_fts, which Datasette hides as FTS."""
    if "pages_fts" not in columns or "pages" not in columns:
        return {}
    return {"search_pages": {
        "title": "Search page text",
        "description": "Full-text search (FTS5 syntax) over every page; source_link opens the "
                       "document at the page.",
        "sql": SEARCH_SQL,
    }}
