"""A static review site built from the store: every document, page, cell, row and reject.

`foia review --out DIR` writes `DIR/review/` (entry `index.html`). Plain HTML, one stylesheet
and one script, no server and no network: it opens from disk and still works when the folder
is copied elsewhere (data reaches the rows view as a script file, because browsers refuse
`fetch` on file:// pages).

- `index.html`: documents with status, pages by route, rows, rejects, errors, findings;
- `docs/<doc>.html`: a document's pages as lazily loaded thumbnails, and its findings;
- `pages/<doc>-p<N>.html`: the page image with every extracted cell outlined, coloured by
  state (row / reject / low confidence / redacted / header / unclaimed), the extracted tables
  beside it; hovering a cell lights its pair, `#r=RECORD_ID` focuses a row's region;
- `rows.html`: rows and rejects with filters (document, status, state, county, offense
  category), each linking to its page view at its region;
- `rejects.html`: the queue of rejects with reasons and the fix that is reproducible on rerun
  (a `corrections.toml` entry where one exists, else the audit command).

Page images are rendered once (pypdfium2) into `img/<sha>-s<scale>/p<N>.png` and reused on the
next build; one HTML file per page keeps a 2,000-page release as quick to open as a 2-page one.
"""

from __future__ import annotations

import html
import json
import shutil
import sqlite3
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from foia.api import store_path
from foia.inspect.render import REVIEW_SCALE, SourceDoc, save_png
from foia.inspect.sources import source_bytes
from foia.store import connect_readonly, queries
from normalize.fields import redaction_codes

LOW_CONFIDENCE = 0.8  # OCR cells under this are flagged for a second look
JURISDICTION_REASONS = ("ambiguous_jurisdiction", "unknown_jurisdiction")
STATES = ("row", "reject", "low", "redacted", "header", "cell")
LEGEND = {"row": "row", "reject": "reject", "low": "low confidence", "redacted": "redacted",
          "header": "header", "cell": "table cell (no profile row)"}


@dataclass
class ReviewSummary:
    folder: Path
    documents: int = 0
    pages: int = 0
    images_rendered: int = 0
    images_cached: int = 0
    missing_sources: list[str] = field(default_factory=list)
    seconds: float = 0.0


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def doc_key(sha256: str) -> str:
    return sha256[:16]


def page_href(sha256: str, page: int) -> str:
    return f"pages/{doc_key(sha256)}-p{page}.html"


def _layout(title: str, body: str, depth: int = 0) -> str:
    up = "../" * depth
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{esc(title)}</title>"
            f"<link rel=stylesheet href='{up}assets/review.css'>"
            f"<script src='{up}assets/review.js'></script></head><body><header>"
            f"<a href='{up}index.html'>Documents</a><a href='{up}rows.html'>Rows</a>"
            f"<a href='{up}rejects.html'>Rejects</a><span class=muted>{esc(title)}</span>"
            f"</header><main>{body}</main></body></html>")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _box_style(bbox: list[float], width: float, height: float) -> str:
    x0, top, x1, bottom = bbox
    return (f"left:{100 * x0 / width:.4f}%;top:{100 * top / height:.4f}%;"
            f"width:{100 * (x1 - x0) / width:.4f}%;height:{100 * (bottom - top) / height:.4f}%")


# --- what the store says -------------------------------------------------------------------

def _records(conn: sqlite3.Connection) -> dict[tuple[str, int], dict]:
    """(table_id, row_index) → the row or reject made from that table row."""
    return queries.records_by_table_row(conn)


def _cell_state(cell: sqlite3.Row, record: dict | None) -> str:
    # a black box OCR found, or an exemption code printed in place of the value ("(b)(6)")
    if cell["redaction"] or (cell["row_kind"] != "header" and redaction_codes(cell["text"])):
        return "redacted"
    if cell["row_kind"] == "header":
        return "header"
    if record is not None and record["status"] == "reject":
        return "reject"
    if cell["confidence"] is not None and cell["confidence"] < LOW_CONFIDENCE:
        return "low"
    return "row" if record is not None else "cell"


def _fix(record: dict) -> str:
    """The reproducible fix for a reject: a corrections.toml entry, or how to check it."""
    if any(r in JURISDICTION_REASONS for r in (record.get("reasons") or "").split(";")):
        fields = json.loads(record["fields"]) if record.get("fields") else {}
        detail = record.get("detail") or ""
        candidates = [w.strip(",.()") for w in detail.split() if w.strip(",.()").isdigit()
                      and len(w.strip(",.()")) == 5]
        fips = candidates[0] if candidates else "<5-digit county FIPS>"
        state = fields.get("state")
        lines = ["[[jurisdiction]]", f"raw = {json.dumps(fields.get('jurisdiction_raw') or '')}"]
        if state:
            lines.append(f"state = {json.dumps(state)}")
        lines += [f"record_id = {json.dumps(record['record_id'])}",
                  f"county_fips = {json.dumps(fips)}"
                  + (f"  # candidates: {', '.join(candidates)}" if len(candidates) > 1 else ""),
                  'note = "why this county"']
        return ("Add to <code>corrections.toml</code> in the output folder, then "
                "<code>foia normalize</code>:<pre class=fix>" + esc("\n".join(lines)) + "</pre>")
    return ("No hand correction exists for this reason: check the source with "
            f"<code>foia audit {esc(record['record_id'])}</code>; the row stays a reject "
            "until the source or the profile changes.")


# --- pages ---------------------------------------------------------------------------------

def _doc_cells(conn: sqlite3.Connection, sha: str) -> dict[int, list[sqlite3.Row]]:
    """A document's cells by page, read once (a page's cells in table, row, column order)."""
    by_page: dict[int, list[sqlite3.Row]] = defaultdict(list)
    for c in queries.document_cells(conn, sha):
        by_page[c["page"]].append(c)
    return by_page


def _mapping_note(rows: dict[int, list]) -> str:
    """Why the table's columns hold the fields they do (tables.mapping), one line."""
    first = next(iter(rows.values()))[0][0]
    mapping = json.loads(first["table_mapping"]) if first["table_mapping"] else None
    if not mapping:
        return ""
    cols = "; ".join(f"col {m['column']} → {m['field']} ({m['how']}, {m['score']:.0f})"
                     for m in mapping.get("columns", []))
    over = "".join(f"<br>overruled: {esc(n)}" for n in mapping.get("overruled", []))
    return (f"<p class='muted mapping'>{esc(first['table_kind'] or '')}: {esc(cols)}{over}"
            "</p>")


def _page_view(doc: sqlite3.Row, page: sqlite3.Row, cells: list[sqlite3.Row],
               records: dict, page_records: list[dict], image: str | None) -> str:
    n = page["page"]
    width, height = page["width"] or 0, page["height"] or 0
    on_image = bool(image and width and height)
    boxes: list[str] = []
    tables: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for c in cells:
        record = records.get((c["table_id"], c["row_index"]))
        state = _cell_state(c, record)
        key = f"{c['table_id']}:{c['row_index']}:{c['col']}"
        tables[c["table_id"]][c["row_index"]].append((c, state, key, record))
        if on_image and c["bbox"] and c["text"] is not None and (c["text"] or c["redaction"]):
            boxes.append(f"<div class='box cellbox st-{state}' data-cell='{esc(key)}' "
                         f"style='{_box_style(json.loads(c['bbox']), width, height)}'></div>")
    for rec in page_records:
        if on_image and rec["bbox"]:
            bbox = json.loads(rec["bbox"])
            boxes.append(f"<div class='box rowbox' id='r-{esc(rec['record_id'])}' "
                         f"data-record='{esc(rec['record_id'])}' "
                         f"data-bbox='{','.join(str(v) for v in bbox)}' "
                         f"style='{_box_style(bbox, width, height)}'></div>")
    parts = [f"<h2>{esc(doc['path'])} — page {n} of {doc['pages']}</h2>",
             f"<p class=muted>route {esc(page['route'])}, status {esc(page['status'])}"
             + (f", error: {esc(page['error'])}" if page["error"] else "")
             + f" · source <code>{esc(doc['path'])}#page={n}</code></p>",
             "<p class=legend>" + "".join(f"<span class=st-{s}>{esc(LEGEND[s])}</span>"
                                           for s in STATES) + "</p><div class=split>"]
    if on_image:
        px_w = int(width * REVIEW_SCALE)
        px_h = int(height * REVIEW_SCALE)
        parts.append(f"<div class=pagebox style='width:{px_w}px;height:{px_h}px' "
                     f"data-width-pt='{width}' data-height-pt='{height}'>"
                     f"<img id=page-img src='../{esc(image)}' width={px_w} height={px_h} "
                     f"alt='page {n}' loading=lazy>{''.join(boxes)}</div>")
    elif page["route"] == "sheet":
        parts.append("<p class=muted>A spreadsheet: no page image; cells give sheet and row."
                     "</p>")
    else:
        parts.append("<p class=muted>No page image (source not found unchanged).</p>")
    parts.append("<div class=tables>")
    for tid, rows in tables.items():
        parts.append(f"<h3>table {esc(tid)}</h3>" + _mapping_note(rows)
                     + f"<table class=extract data-table='{esc(tid)}'>")
        for idx in sorted(rows):
            row_cells = rows[idx]
            rec = row_cells[0][3]
            rid = f" data-record='{esc(rec['record_id'])}'" if rec else ""
            parts.append(f"<tr class='k-{esc(row_cells[0][0]['row_kind'])}'{rid}>")
            for c, state, key, _ in row_cells:
                text = c["text"] or (f"[{c['redaction']}]" if c["redaction"] else "")
                parts.append(f"<td class=st-{state} data-cell='{esc(key)}'>{esc(text)}</td>")
            parts.append("</tr>")
        parts.append("</table>")
    if not tables:
        parts.append("<p class=muted>No table on this page.</p>")
    parts.append("</div></div>")
    return _layout(f"{doc['path']} p{n}", "".join(parts), depth=1)


def _render_images(conn: sqlite3.Connection, doc: sqlite3.Row, pages: list[sqlite3.Row],
                   site: Path, dump: Path | None, summary: ReviewSummary) -> dict[int, str]:
    """Page number → image path relative to the site; renders only images not there yet."""
    folder = f"img/{doc_key(doc['sha256'])}-s{int(REVIEW_SCALE * 100)}"
    wanted = {p["page"]: f"{folder}/p{p['page']}.png" for p in pages
              if p["route"] != "sheet" and p["width"]}
    todo = [n for n, rel in wanted.items() if not (site / rel).exists()]
    summary.images_cached += len(wanted) - len(todo)
    if todo:
        sizes = {p["page"]: (p["width"], p["height"]) for p in pages}
        try:
            source = SourceDoc(source_bytes(conn, doc["path"], doc["sha256"], dump), doc["kind"])
        except Exception as exc:  # noqa: BLE001 - a missing or bad file must not stop the site
            summary.missing_sources.append(f"{doc['path']}: {exc}")
            return {n: rel for n, rel in wanted.items() if n not in todo}
        try:
            for n in todo:
                try:
                    image = source.render(n, REVIEW_SCALE, sizes[n])
                except Exception as exc:  # noqa: BLE001 - one bad page: the others go on
                    summary.missing_sources.append(f"{doc['path']} page {n}: {exc}")
                    wanted.pop(n)
                    continue
                save_png(image, site / wanted[n])
                summary.images_rendered += 1
        finally:
            source.close()
    return wanted


# --- index, rows, rejects -----------------------------------------------------------------

def _index(conn: sqlite3.Connection, docs: list[sqlite3.Row]) -> str:
    counts = queries.counts_by_document(conn)
    rows, rejects, errors, findings = (counts[k] for k in ("rows", "rejects", "errors",
                                                           "findings"))
    routes: dict[str, Counter] = defaultdict(Counter, queries.routes_by_document(conn))
    out = ["<h2>Documents</h2><table class=list><tr><th>document</th><th>kind</th>"
           "<th>status</th><th>pages by route</th><th>rows</th><th>rejects</th><th>errors</th>"
           "<th>findings</th></tr>"]
    for d in docs:
        sha = d["sha256"]
        route = ", ".join(f"{k} {v}" for k, v in sorted(routes[sha].items())) or "none"
        out.append(f"<tr><td><a href='docs/{doc_key(sha)}.html'>{esc(d['path'])}</a></td>"
                   f"<td>{esc(d['kind'])}</td><td>{esc(d['status'])}"
                   + (f"<br><span class=muted>{esc(d['error'])}</span>" if d["error"] else "")
                   + f"</td><td>{esc(route)}</td><td>{rows[sha]}</td><td>{rejects[sha]}</td>"
                   f"<td>{errors[sha]}</td><td>{findings[sha]}</td></tr>")
    out.append("</table>")
    files = queries.files_not_ok(conn)
    if files:
        out.append("<h2>Files not read as documents</h2><table class=list><tr><th>file</th>"
                   "<th>status</th><th>reason</th></tr>")
        out += [f"<tr><td>{esc(f['path'])}</td><td>{esc(f['status'])}</td>"
                f"<td>{esc(f['reason'])}</td></tr>" for f in files]
        out.append("</table>")
    return _layout("foia review", "".join(out))


def _doc_view(conn: sqlite3.Connection, doc: sqlite3.Row, pages: list[sqlite3.Row],
              images: dict[int, str]) -> str:
    sha = doc["sha256"]
    out = [f"<h2>{esc(doc['path'])}</h2><p class=muted>sha256 {esc(sha)} · {esc(doc['status'])}"
           "</p><div class=thumbs>"]
    for p in pages:
        img = (f"<img src='../{esc(images[p['page']])}' loading=lazy alt=''>"
               if p["page"] in images else "")
        out.append(f"<a href='../{page_href(sha, p['page'])}'>{img}page {p['page']} "
                   f"<span class=muted>{esc(p['route'])}/{esc(p['status'])}</span></a>")
    out.append("</div>")
    found = queries.document_findings(conn, sha)
    if found:
        out.append("<h3>Findings</h3><table class=list><tr><th>kind</th><th>status</th>"
                   "<th>claim</th><th>detail</th><th>page</th></tr>")
        out += [f"<tr><td>{esc(f['kind'])}</td><td>{esc(f['status'])}</td>"
                f"<td>{esc(f['claim'])}</td><td>{esc(f['detail'])}</td><td>"
                + (f"<a href='../{page_href(sha, f['page'])}'>{esc(f['page'])}</a>"
                   if f["page"] else "") + "</td></tr>" for f in found]
        out.append("</table>")
    return _layout(doc["path"], "".join(out), depth=1)


def _row_entry(rec: dict) -> dict:
    fields = json.loads(rec["fields"]) if rec.get("fields") else {}
    raw = json.loads(rec["raw"]) if rec.get("raw") else {}
    cats = fields.get("offense_categories") or rec.get("offense_categories") or ""
    return {"id": rec["record_id"], "status": rec["status"], "document": rec["source_file"],
            "page": rec["page"], "county": fields.get("county") or rec.get("county"),
            "state": fields.get("state") or rec.get("state"),
            "categories": [c for c in str(cats).split(";") if c],
            "values": " | ".join(str(v) for v in raw.values())[:200],
            "reasons": rec.get("reasons"),
            "href": page_href(rec["source_sha256"], rec["page"]) + f"#r={rec['record_id']}"}


def _rows_view() -> str:
    selects = "".join(f"<label>{label} <select id=f-{k}><option value=''>all</option>"
                      "</select></label>"
                      for k, label in (("document", "document"), ("status", "status"),
                                       ("state", "state"), ("county", "county"),
                                       ("category", "offense category")))
    body = ("<h2>Rows and rejects</h2><p class=filters>" + selects + "</p>"
            "<p><span id=count></span> <button id=more>show more</button></p>"
            "<table class=list id=rows><thead><tr><th>record</th><th>status</th>"
            "<th>document</th><th>page</th><th>county</th><th>state</th>"
            "<th>offense categories</th><th>cells</th><th>reasons</th></tr></thead>"
            "<tbody></tbody></table><script src='data/rows.js'></script>")
    return _layout("rows", body)


def _rejects_view(rejects: list[dict]) -> str:
    out = [f"<h2>Rejects ({len(rejects)})</h2><table class=list><tr><th>record</th>"
           "<th>reasons</th><th>detail</th><th>cells</th><th>fix</th></tr>"]
    for r in rejects:
        raw = json.loads(r["raw"]) if r.get("raw") else {}
        out.append(f"<tr><td><a class=row-link data-record='{esc(r['record_id'])}' "
                   f"href='{page_href(r['source_sha256'], r['page'])}#r={esc(r['record_id'])}'>"
                   f"{esc(r['record_id'])}</a><br><span class=muted>"
                   f"{esc(r['source_link'])}</span></td><td>{esc(r['reasons'])}</td>"
                   f"<td>{esc(r['detail'])}</td>"
                   f"<td>{esc(' | '.join(str(v) for v in raw.values()))}</td>"
                   f"<td>{_fix(r)}</td></tr>")
    out.append("</table>")
    return _layout("rejects", "".join(out))


def _assets(site: Path) -> None:
    folder = site / "assets"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("review.css", "review.js"):
        src = resources.files("foia.inspect.review_assets").joinpath(name)
        with resources.as_file(src) as path:
            shutil.copyfile(path, folder / name)


def build_review(out: Path, dump: Path | None = None) -> ReviewSummary:
    """Write (or refresh) OUT/review/ from the store in OUT."""
    started = time.perf_counter()
    db = store_path(out)
    if not db.exists():
        raise FileNotFoundError(f"no store at {db}; run `foia run DUMP --out {out}` first")
    site = (out if out.is_dir() else out.parent) / "review"
    summary = ReviewSummary(site)
    conn = connect_readonly(db, rows=True)
    try:
        _assets(site)
        records = _records(conn)
        on_page: dict[tuple[str, int], list[dict]] = defaultdict(list)
        for rec in records.values():
            on_page[(rec["source_sha256"], rec["page"])].append(rec)
        docs = queries.all_documents(conn)
        for doc in docs:
            sha = doc["sha256"]
            pages = queries.document_pages(conn, sha)
            images = _render_images(conn, doc, pages, site, dump, summary)
            cells = _doc_cells(conn, sha)
            for page in pages:
                n = page["page"]
                _write(site / page_href(sha, n),
                       _page_view(doc, page, cells.get(n, []), records, on_page[(sha, n)],
                                  images.get(n)))
            _write(site / "docs" / f"{doc_key(doc['sha256'])}.html",
                   _doc_view(conn, doc, pages, images))
            summary.documents += 1
            summary.pages += len(pages)
        entries = [_row_entry(r) for r in records.values()]
        _write(site / "data" / "rows.js",
               "window.FOIA_ROWS = " + json.dumps(entries, ensure_ascii=False) + ";\n")
        _write(site / "rows.html", _rows_view())
        rejects = sorted((r for r in records.values() if r["status"] == "reject"),
                         key=lambda r: (r["source_file"], r["page"], r["row_index"]))
        _write(site / "rejects.html", _rejects_view(rejects))
        _write(site / "index.html", _index(conn, docs))
    finally:
        conn.close()
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary
