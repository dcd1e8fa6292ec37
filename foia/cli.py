"""The `foia` command: a thin layer over the library; user errors are one clean message."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table as RichTable

from foia.api import store_path
from foia.export import FORMATS, export_tables
from foia.ingest.inventory import ZipLimits
from foia.inspect.audit import Record, RecordNotFound, audit_png, load_record
from foia.inspect.datasette import start_command, write_metadata
from foia.inspect.diff import diff_stores
from foia.inspect.diff_report import write_diff
from foia.inspect.review import build_review
from foia.inspect.sources import SourceNotFound, dump_folders
from foia.run.pipeline import RunSummary, renormalize, run_dump
from foia.run.progress import RunProgress
from foia.store import connect_readonly, queries

console = Console(stderr=True)
OUT_HELP = "Output folder: the store is OUT/foia.sqlite, exports go to OUT/exports/."
# Every command that reads or writes a store takes it the same way.
out_option = click.option("--out", default="output", type=click.Path(path_type=Path),
                          help=OUT_HELP)


def _require_store(out: Path) -> Path:
    """The store file under `out` (a folder or the file itself), or a usage error saying how
    to make one."""
    db = store_path(out)
    if not db.exists():
        raise click.ClickException(f"no store at {db}; run `foia run DUMP --out {out}` first")
    return db


def _print_summary(summary: RunSummary, out: Path) -> None:
    s = summary.to_dict()
    grid = RichTable(title=f"foia run {summary.run_id}", show_header=False)
    grid.add_column("what")
    grid.add_column("count")
    fmt = lambda d: ", ".join(f"{k} {v}" for k, v in sorted(d.items())) or "none"  # noqa: E731
    grid.add_row("files", fmt(s["files"]))
    grid.add_row("documents", fmt(s["documents"]))
    grid.add_row("read / cached / normalized again",
                 f"{s['extracted']} / {s['cached']} / {s['renormalized']}")
    grid.add_row("pages by route", fmt(s["pages_by_route"]))
    grid.add_row("pages by status", fmt(s["pages_by_status"]))
    grid.add_row("tables", str(s["tables"]))
    grid.add_row("rows", f"{s['rows']} (+{s['total_rows']} total rows)")
    grid.add_row("rejects", f"{s['rejects']} " + (f"({fmt(s['reject_reasons'])})"
                                                  if s["reject_reasons"] else ""))
    grid.add_row("flags", fmt(s["flags"]))
    grid.add_row("findings", fmt(s["findings"]))
    top = list(s["unmatched_offenses"].items())[:5]
    grid.add_row("unmatched offenses", ", ".join(f"{k!r} {v}" for k, v in top) or "none")
    grid.add_row("errors", str(s["errors"]))
    grid.add_row("store", str(out / "foia.sqlite"))
    Console().print(grid)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log details to stderr.")
def main(verbose: bool) -> None:
    """foia-pipeline: FOIA dumps in, validated rows with provenance out.

    Example: foia run fixtures/sample_dump --out output
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    if not verbose:
        # PDF parsers log every malformed object they recover from; the run records what
        # matters (page status, errors table), so their chatter is only for --verbose.
        for name in ("pdfminer", "playa", "camelot", "pypdfium2"):
            logging.getLogger(name).setLevel(logging.ERROR)


@main.command()
@click.argument("dump", type=click.Path(exists=True, path_type=Path))
@out_option
@click.option("--profile", default="ddor", show_default=True,
              help="Profile name (bundled) or path to a profile TOML; 'none' for generic rows.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes for OCR pages and documents (default: the cores).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run the work on a Dask cluster (tcp://HOST:PORT; extra `dask`).")
@click.option("--force", is_flag=True, help="Redo every document, cached or not.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars and no summary table.")
@click.option("--log-json", type=click.Path(path_type=Path), default=None,
              help="Write one JSON line per progress event and the summary to this file.")
@click.option("--export", "exports", type=click.Choice(FORMATS), multiple=True,
              help="After the run, export rows and rejects in this format (repeatable).")
@click.option("--password", "passwords", multiple=True, metavar="TEXT",
              help="Password to try on encrypted PDFs (repeatable; never stored).")
@click.option("--max-pages", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Pages read per document; the rest are recorded as skipped.")
@click.option("--max-file-mb", type=click.FloatRange(min=0, min_open=True), default=4096,
              show_default=True, help="Larger files are recorded as errors, not read.")
@click.option("--max-unpacked-mb", type=click.FloatRange(min=0, min_open=True), default=2048,
              show_default=True,
              help="Bytes an archive (zip or gzip, with the archives in it) may unpack to.")
@click.option("--page-timeout", type=click.FloatRange(min=0, min_open=True), default=300,
              show_default=True, help="Seconds to read one page's text layer or tables.")
@click.option("--ocr-timeout", type=click.FloatRange(min=0, min_open=True), default=120,
              show_default=True, help="Seconds for one tesseract call on a page.")
def run(dump: Path, out: Path, profile: str, workers: int | None, scheduler: str | None,
        force: bool, quiet: bool, log_json: Path | None, exports: tuple[str, ...],
        passwords: tuple[str, ...], max_pages: int, max_file_mb: float, max_unpacked_mb: float,
        page_timeout: float, ocr_timeout: float) -> None:
    """Process a dump (folder, .zip or file) into the store.

    Documents the store already holds unchanged (same bytes, settings and version) are not
    read again; if only the profile, reference data or corrections changed they are only
    normalized again.

    Example: foia run releases/ddor-2017/ --out output --profile ddor
    """
    prof = None if profile.lower() == "none" else profile
    try:
        from normalize.profiles import load_profile
        if prof:
            load_profile(prof)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    log_file = log_json.open("a", encoding="utf-8") if log_json else None
    try:
        with RunProgress(console, enabled=not quiet, log=log_file) as progress:
            summary = run_dump(
                dump, out, profile=prof, progress=progress, workers=workers,
                scheduler=scheduler, force=force, passwords=passwords,
                settings={"max_pages": max_pages, "page_timeout_s": page_timeout,
                          "ocr_timeout_s": ocr_timeout},
                limits=ZipLimits(max_file_bytes=int(max_file_mb * 2**20),
                                 max_total_bytes=int(max_unpacked_mb * 2**20)))
        if log_file:
            log_file.write(json.dumps({"event": "summary", **summary.to_dict()}) + "\n")
            log_file.flush()  # a reader (or a kill during the export) sees it now
        for fmt in exports:
            for path in export_tables(out, fmt):
                if log_file:
                    log_file.write(json.dumps({"event": "export", "path": str(path)}) + "\n")
                    log_file.flush()
    except RuntimeError as exc:  # e.g. --scheduler without the dask extra
        raise click.ClickException(str(exc)) from exc
    finally:
        if log_file:
            log_file.close()
    if not quiet:
        _print_summary(summary, out)


@main.command()
@out_option
@click.option("--profile", default="ddor", show_default=True, help="Profile to apply.")
def normalize(out: Path, profile: str) -> None:
    """Re-run normalization and validation on stored extractions (no re-extraction).

    Example: foia normalize --out output --profile ddor
    """
    _require_store(out)
    try:
        summary = renormalize(out, None if profile.lower() == "none" else profile)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_summary(summary, out)


@main.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@out_option
@click.option("--table", "tables", multiple=True,
              help="Store table to export (repeatable; default rows and rejects).")
@click.option("--kind", "kinds", multiple=True,
              help="Profile kind to export as its typed view, e.g. ddor_declined_detainers "
                   "(repeatable).")
def export(fmt: str, out: Path, tables: tuple[str, ...], kinds: tuple[str, ...]) -> None:
    """Export store tables, or profile kinds with one typed column per field, to OUT/exports/.

    Example: foia export --format parquet --out output
             foia export --kind ddor_declined_detainers --format parquet
    """
    _require_store(out)
    out = store_path(out).parent  # --out may name the folder or the foia.sqlite in it
    if not tables and not kinds:
        tables = ("rows", "rejects")
    try:
        for path in export_tables(out, fmt, (*tables, *kinds)):
            click.echo(str(path))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@out_option
@click.option("--dump", type=click.Path(path_type=Path, exists=True), default=None,
              help="Also check that every file of this dump has its `files` row.")
@click.option("--password", "passwords", multiple=True, metavar="TEXT",
              help="The passwords the run was given (encrypted PDFs are then not errors).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check(out: Path, dump: Path | None, passwords: tuple[str, ...], as_json: bool) -> None:
    """Check the store's accounting: every file has a status, every page of every document a
    route and status, every extracted row is in exactly one of rows or rejects, with its
    provenance. Exit code 1 when anything is wrong.

    Example: foia check --out output --dump releases/ddor-2017/
    """
    from foia.store.check import check_store

    _require_store(out)
    report = check_store(store_path(out).parent, dump, passwords)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
        click.echo(f"{'ok' if report.ok else 'PROBLEMS'}: {counts}")
        for kind, n in sorted(report.totals.items()):
            click.echo(f"  {kind}: {n}")
        for problem in report.problems[:50]:
            where = " ".join(str(x) for x in (problem.path, problem.page) if x is not None)
            click.echo(f"  - {problem.kind} {where}: {problem.detail}")
    if not report.ok:
        raise SystemExit(1)


def _open_store(out: Path) -> sqlite3.Connection:
    return connect_readonly(_require_store(out), rows=True)


def _record(conn: sqlite3.Connection, record_id: str) -> Record:
    try:
        return load_record(conn, record_id)
    except RecordNotFound as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.argument("record_id")
@out_option
def show(record_id: str, out: Path) -> None:
    """Show one row (or reject): its fields, raw cells and provenance.

    Example: foia show 3f2a9c0d1e4b5a67 --out output
    """
    record = _record(_open_store(out), record_id)
    click.echo(json.dumps(record.summary(), indent=2, ensure_ascii=False))


@main.command()
@click.argument("record_id")
@out_option
@click.option("--png", "png", type=click.Path(path_type=Path), default=None,
              help="Where to write the image (default OUT/audit/RECORD_ID.png).")
@click.option("--dump", type=click.Path(path_type=Path, exists=True), default=None,
              help="The dump folder, if it moved since the run.")
def audit(record_id: str, out: Path, png: Path | None, dump: Path | None) -> None:
    """Check one row against its page: values, raw cells, and a PNG of the region.

    The PNG shows the row outlined in red and each cell in blue, with some page around it.

    Example: foia audit 3f2a9c0d1e4b5a67 --out output --png row.png
    """
    conn = _open_store(out)
    record = _record(conn, record_id)
    d = record.data
    grid = RichTable(title=f"{record.status} {record_id}", show_header=False)
    grid.add_column("what")
    grid.add_column("value")
    for key, value in (record.summary()["fields"] or {}).items():
        grid.add_row(key, "" if value is None else str(value))
    if record.status == "reject":
        grid.add_row("reasons", d["reasons"])
        grid.add_row("detail", d.get("detail") or "")
    grid.add_row("raw cells", " | ".join(c["text"] or "" for c in record.cells))
    grid.add_row("method", str(d.get("method")))
    grid.add_row("confidence", str(d.get("confidence")))
    grid.add_row("source", str(d.get("source_link")))
    grid.add_row("bbox", str(d.get("bbox")))
    for m in (record.mapping or {}).get("columns", []):
        grid.add_row(f"column {m['column']}", f"{m['field']} by {m['how']} ({m['score']:.0f})")
    for note in (record.mapping or {}).get("overruled", []):
        grid.add_row("overruled header", note)
    if record.is_sheet:
        grid.add_row("image", "none: a spreadsheet row (sheet and row are in source)")
    else:
        target = png or out / "audit" / f"{record_id}.png"
        try:
            audit_png(conn, record, target, dump)
        except (SourceNotFound, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        except Exception as exc:  # a file the renderer cannot read: say so, no traceback
            raise click.ClickException(f"cannot render {d['source_file']}: {exc}") from exc
        grid.add_row("image", str(target))
    Console().print(grid)


@main.command()
@out_option
@click.option("--dump", type=click.Path(path_type=Path, exists=True), default=None,
              help="The dump folder, if it moved since the run.")
def review(out: Path, dump: Path | None) -> None:
    """Build the static review site OUT/review/ (open OUT/review/index.html).

    Documents, page images with every cell outlined, rows with filters, the rejects queue
    with their fixes. No server needed; the folder can be copied elsewhere.

    Example: foia review --out output
    """
    try:
        summary = build_review(out, dump)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    console.print(f"review site: {summary.folder / 'index.html'} ({summary.documents} documents, "
                  f"{summary.pages} pages; {summary.images_rendered} images rendered, "
                  f"{summary.images_cached} reused; {summary.seconds:.1f} s)")
    for missing in summary.missing_sources:
        console.print(f"[yellow]no page images for {missing}[/yellow]")


@main.command("datasette-metadata")
@out_option
@click.option("--dump", type=click.Path(path_type=Path, exists=True), default=None,
              help="The dump folder to link source_link to (default: the run's).")
def datasette_metadata(out: Path, dump: Path | None) -> None:
    """Write OUT/metadata.json (and its link plugin) for browsing the store in Datasette.

    Example: foia datasette-metadata --out output
    """
    conn = _open_store(out)
    if dump is None:  # the run's own dump folder, when it is still there
        dump = next((d.resolve() for d in dump_folders(conn) if d.exists()), None)
    conn.close()
    path = write_metadata(out, dump)
    console.print(f"wrote {path}; start Datasette with:\n  {start_command(out, dump)}")


@main.command()
@click.argument("release_a", type=click.Path(exists=True, path_type=Path))
@click.argument("release_b", type=click.Path(exists=True, path_type=Path))
@click.option("--out", default=None, type=click.Path(path_type=Path),
              help="Write diff.json and diff.csv here (default: print the counts only).")
@click.option("--no-rejects", is_flag=True, help="Compare accepted rows only.")
def diff(release_a: Path, release_b: Path, out: Path | None, no_rejects: bool) -> None:
    """Rows added, removed and changed between two releases (two output folders or stores).

    Rows are matched by their content, not their position; each entry carries the
    provenance of both sides.

    Example: foia diff output-2017-03 output-2017-04 --out diffs/2017-04
    """
    result = diff_stores(release_a, release_b, include_rejects=not no_rejects)
    grid = RichTable(title=f"foia diff {release_a} -> {release_b}")
    grid.add_column("profile / kind")
    for status in ("added", "removed", "changed", "unchanged"):
        grid.add_column(status, justify="right")
    for kind, counts in sorted(result.counts_by_kind().items()):
        grid.add_row(str(kind), *(str(counts.get(s, 0))
                                  for s in ("added", "removed", "changed", "unchanged")))
    Console().print(grid)
    if out is not None:
        for path in write_diff(result, out):
            console.print(f"wrote {path}")


@main.command()
@click.argument("query")
@out_option
@click.option("--limit", default=20, show_default=True, help="Most hits to list.")
def search(query: str, out: Path, limit: int) -> None:
    """Full-text search of every page's text (SQLite FTS5 query syntax).

    Example: foia search '"declined detainers" AND Baltimore' --out output
    """
    conn = connect_readonly(_require_store(out))
    try:
        hits = queries.search_pages(conn, query, limit)
    except sqlite3.OperationalError as exc:
        raise click.ClickException(f"bad search query: {exc}") from exc
    if not hits:
        click.echo("no matches")
    for source_file, page, snip in hits:
        click.echo(f"{source_file}#page={page}\tpage {page}\t{' '.join(snip.split())}")


@main.group()
def profile() -> None:
    """Profiles: how a release's tables map to typed columns (see README, Profiles)."""


@profile.command("init")
@click.argument("sample", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Profile name (default: from the file name).")
@click.option("--output", "-o", "dest", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the TOML here (default: print it).")
def profile_init(sample: Path, name: str | None, dest: Path | None) -> None:
    """Draft a profile TOML from a sample release's detected tables and headers.

    Example: foia profile init nics-2023-09.pdf --name nics -o nics.toml
    """
    import tempfile

    from extract.pdf import ExtractSettings
    from foia.ingest.inventory import build_inventory
    from foia.run.pipeline import extract_item
    from normalize.profile_draft import draft_kinds, file_sha256, profile_name, render_toml
    from normalize.profiles import load_profile

    with tempfile.TemporaryDirectory(prefix="foia-profile-") as work:
        items = [i for i in build_inventory(sample, Path(work)) if i.status == "ok"]
        if not items:
            raise click.ClickException(f"cannot read {sample}")
        doc = extract_item(items[0], ExtractSettings())
    tables = [t for p in doc.pages for t in p.tables]
    kinds = draft_kinds(tables)
    if not kinds:
        raise click.ClickException(f"no table with a header and data rows found in {sample}")
    text = render_toml(name or profile_name(sample.stem), sample.name, file_sha256(str(sample)),
                       kinds)
    if dest is None:
        click.echo(text, nl=False)
        return
    dest.write_text(text, encoding="utf-8")
    load_profile(dest)  # the draft must load as it is
    console.print(f"[green]wrote[/green] {dest}: {len(kinds)} table kind(s) "
                  f"({', '.join(k.kind for k in kinds)})")


if __name__ == "__main__":  # python -m foia.cli, as the console script `foia`
    main()
