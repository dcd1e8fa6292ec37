"""The `foia` commands run for real: CliRunner on `foia.cli.main`, a real SQLite store, no mocks.

One module-scoped `foia run fixtures/sample_dump --out <tmp>`; every expected value comes from
the fixture truth (fixtures/truth/*.json), never from what the code produced.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from foia.api import read_rows
from foia.cli import main
from tests.conftest import ROOT, SAMPLE_DUMP, TRUTH, load_truth, manifest_entries

MANIFEST = load_truth("manifest.json")
# The provenance contract: every exported row carries these, non-null.
PROVENANCE = ("source_file", "source_sha256", "page", "bbox", "method", "confidence",
              "source_link")
FORMATS = ("csv", "parquet", "jsonl")
ENV = {"COLUMNS": "200"}  # rich must not wrap the summary table's cells


def entry(path: str) -> dict:
    return next(e for e in manifest_entries() if e["path"] == path)


def invoke(*args) -> Result:
    return CliRunner(env=ENV).invoke(main, [str(a) for a in args], catch_exceptions=False)


def assert_clean_error(result: Result, *needles: str) -> str:
    """Exit ≠ 0 through click (SystemExit), no traceback; returns the `Error: ...` line."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in last, (needle, last)
    return last


def summary_grid(text: str) -> dict[str, str]:
    """The rich summary table (`│ what │ count │`) as {what: count}."""
    grid = {}
    for line in text.splitlines():
        parts = [p.strip() for p in re.split(r"[│|]", line)]
        if len(parts) == 4 and parts[1]:
            grid[parts[1]] = parts[2]
    return grid


def parse_counts(cell: str) -> dict[str, int]:
    """'container 1, ok 7' -> {'container': 1, 'ok': 7}; 'none' -> {}."""
    if cell == "none":
        return {}
    return {k: int(v) for k, v in (item.rsplit(" ", 1) for item in cell.split(", "))}


def expected_file_statuses() -> Counter:
    """Manifest statuses as the pipeline records them: a zip is a `container`."""
    return Counter("container" if e["kind"] == "zip" else e["expected_status"]
                   for e in manifest_entries())


def expected_page_routes() -> Counter:
    """Page routes of every readable file: PDFs from the manifest, one `sheet` page per sheet."""
    routes: Counter = Counter()
    for e in manifest_entries():
        if e["expected_status"] != "ok" or e["kind"] == "zip":
            continue
        if "page_routes" in e:
            routes.update(e["page_routes"])
        else:  # spreadsheets: a page per sheet (a CSV is one sheet)
            routes["sheet"] += len(load_truth(e["truth"]).get("sheets") or [None])
    return routes


def counts_match(printed: dict[str, int], expected: Counter) -> bool:
    return printed == {k: v for k, v in expected.items() if v}


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out = tmp_path_factory.mktemp("cli_out")
    result = invoke("run", SAMPLE_DUMP, "--out", out)
    return result, out


# --- run ------------------------------------------------------------------------------------

def test_run_exits_0_and_summary_counts(cli_run):
    result, out = cli_run
    assert result.exit_code == 0, result.output
    grid = summary_grid(result.stdout)
    assert counts_match(parse_counts(grid["files"]), expected_file_statuses())
    routes = expected_page_routes()
    assert counts_match(parse_counts(grid["pages by route"]), routes)
    by_status = Counter({"ok": sum(routes.values())})  # OCR pages are read now, none pending
    assert counts_match(parse_counts(grid["pages by status"]), by_status)
    # The numbers printed are the store's numbers.
    rows = read_rows(out)
    totals = int(rows["is_total"].sum())
    assert grid["rows"] == f"{len(rows) - totals} (+{totals} total rows)"
    assert grid["tables"] == str(len(read_rows(out, "tables")))
    assert grid["rejects"].split()[0] == str(len(read_rows(out, "rejects")))
    errors = read_rows(out, "errors")
    assert grid["errors"] == str(len(errors))
    assert {e["path"] for e in manifest_entries() if e["expected_status"] == "error"} <= set(
        errors["source_file"])
    files = read_rows(out, "files")
    assert counts_match(parse_counts(grid["files"]), Counter(files["status"]))
    (run_id,) = read_rows(out, "runs")["run_id"]
    assert f"foia run {run_id}" in result.stdout


def test_run_missing_path_is_a_clean_error(tmp_path):
    result = invoke("run", tmp_path / "no-such-dump", "--out", tmp_path / "out")
    assert_clean_error(result, "no-such-dump", "does not exist")
    assert not (tmp_path / "out" / "foia.sqlite").exists()


def test_run_unknown_profile_lists_bundled_profiles(tmp_path):
    bundled = sorted(p.stem for p in (ROOT / "normalize" / "data" / "profiles").glob("*.toml"))
    assert bundled
    result = invoke("run", SAMPLE_DUMP, "--out", tmp_path / "out", "--profile", "nosuch")
    assert_clean_error(result, "nosuch", *bundled)
    assert not (tmp_path / "out" / "foia.sqlite").exists()


# --- export ---------------------------------------------------------------------------------

READERS = {
    "csv": lambda p: pd.read_csv(p, dtype=str),
    "parquet": pd.read_parquet,
    "jsonl": lambda p: pd.read_json(p, lines=True, dtype=False),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_formats_keep_rows_and_provenance(cli_run, fmt):
    _, out = cli_run
    result = invoke("export", "--format", fmt, "--out", out)
    assert result.exit_code == 0, result.output
    written = [out / "exports" / f"{t}.{fmt}" for t in ("rows", "rejects")]
    assert [Path(line) for line in result.stdout.splitlines()] == written
    xlsx = load_truth("ddor-counts.xlsx.json")
    first = xlsx["tables"][0]
    xlsx_link = f"{xlsx['file']}#sheet={first['sheet']}&row={first['rows'][0]['sheet_row']}"
    for table, path in zip(("rows", "rejects"), written):
        assert path.is_file()
        stored = read_rows(out, table)
        df = READERS[fmt](path)
        assert len(df) == len(stored), table
        if stored.empty:
            continue
        assert sorted(df["record_id"].astype(str)) == sorted(stored["record_id"])
        for col in PROVENANCE:
            assert col in df.columns, (table, col)
            assert not df[col].isna().any(), (table, col, df[df[col].isna()]["record_id"].tolist())
        assert all(len(json.loads(b)) == 4 for b in df["bbox"]), table
        assert set(df["source_link"]) == set(stored["source_link"])
        if table == "rows":
            assert xlsx_link in set(df["source_link"])


def test_export_table_option(cli_run):
    _, out = cli_run
    result = invoke("export", "--table", "files", "--format", "csv", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out / "exports" / "files.csv")
    files = pd.read_csv(out / "exports" / "files.csv", dtype=str)
    assert set(files["path"]) == {e["path"] for e in manifest_entries()}


def test_export_errors_are_clean(cli_run, tmp_path):
    _, out = cli_run
    assert_clean_error(invoke("export", "--table", "nosuch", "--out", out), "nosuch")
    assert_clean_error(invoke("export", "--out", tmp_path), "no store")


# --- show -----------------------------------------------------------------------------------

def declined_row() -> tuple[dict, dict, dict, int]:
    """A row of ddor-whitespace's declined-detainers table whose County spelling is unique in
    the table, on the table's last page (so the page cannot be the table's first page)."""
    truth = load_truth("ddor-whitespace.pdf.json")
    table = next(t for t in truth["tables"] if t["name"] == "declined_detainers")
    col = table["header"].index("County")
    seen = Counter(r["cells"][col] for r in table["rows"])
    row = next(r for r in table["rows"]
               if seen[r["cells"][col]] == 1 and r["page"] == table["pages"][-1])
    return truth, table, row, col


def test_show_record_has_raw_cells_and_provenance(cli_run):
    _, out = cli_run
    truth, table, row, col = declined_row()
    rows = read_rows(out, "ddor_declined_detainers")  # the kind's typed view
    match = rows[(rows["source_file"] == truth["file"])
                 & (rows["jurisdiction_raw"] == row["cells"][col])]
    assert len(match) == 1, row["cells"]
    record_id = match["record_id"].iloc[0]

    result = invoke("show", record_id, "--out", out)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["record_id"] == record_id
    assert data["status"] == "row"
    assert list(data["raw"]) == table["header"]
    assert list(data["raw"].values()) == row["cells"]
    assert [c["text"] for c in data["cells"]] == row["cells"]
    prov = data["provenance"]
    assert prov["source_file"] == truth["file"]
    assert prov["source_sha256"] == entry(truth["file"])["sha256"]
    assert prov["page"] == row["page"]
    assert prov["source_link"] == f"{truth['file']}#page={row['page']}"
    x0, top, x1, bottom = json.loads(prov["bbox"])
    tx0, ttop, tx1, tbottom = row["bbox"]  # the row's drawn box: the text lies inside it
    assert tx0 - 1 <= x0 < x1 <= tx1 + 1 and ttop - 1 <= top < bottom <= tbottom + 1


def test_show_unknown_record_is_a_one_line_error(cli_run):
    _, out = cli_run
    result = invoke("show", "no-such-record", "--out", out)
    assert_clean_error(result, "no-such-record")
    assert len(result.stderr.strip().splitlines()) == 1


# --- search ---------------------------------------------------------------------------------

def _tokens(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def text_pages() -> set[tuple[str, int]]:
    """(file, page) of every page with a text layer (route `text` in the manifest)."""
    return {(e["path"], n) for e in manifest_entries()
            for n, route in enumerate(e.get("page_routes", []), start=1) if route == "text"}


def unique_words() -> list[tuple[str, str, int]]:
    """(word, file, page): words of a truth narrative/heading found on no other page of any
    fixture's truth (cells, headers, titles, footnotes, headings, narrative, furniture)."""
    by_page: dict[tuple, set[str]] = defaultdict(set)
    everywhere: set[str] = set()
    prose: dict[tuple, set[str]] = defaultdict(set)
    for path in sorted(TRUTH.glob("*.json")):
        if path.name == "manifest.json":
            continue
        t = json.loads(path.read_text(encoding="utf-8"))
        for s in t.get("furniture", []):  # furniture has no page: count it on every page
            everywhere |= _tokens(s)
        for item in t.get("headings", []) + t.get("narrative", []):
            by_page[(t["file"], item["page"])] |= _tokens(item["text"])
            prose[(t["file"], item["page"])] |= _tokens(item["text"])
        for table in t["tables"]:
            pages = table.get("pages") or [table.get("sheet") or "sheet"]
            for p in pages:
                by_page[(t["file"], p)] |= _tokens(" ".join(table["header"]) + " "
                                                    + (table.get("title") or ""))
            extra = [table["total"]] if table.get("total") else []
            for r in table["rows"] + extra + table.get("footnotes", []) + table.get("titles", []):
                key = (t["file"], r.get("page", pages[0]))
                by_page[key] |= _tokens(" ".join(r.get("cells", [])) + " " + r.get("text", ""))
    found = []
    for key, words in sorted(prose.items()):
        if key not in text_pages():
            continue
        others = everywhere.union(*(v for k, v in by_page.items() if k != key))
        found += [(w, *key) for w in sorted(words - others)]
    return found


def hit_links(stdout: str) -> list[str]:
    return [line.split("\t")[0] for line in stdout.splitlines() if line.strip()]


def test_search_phrase_lists_file_page_links(cli_run):
    _, out = cli_run
    result = invoke("search", '"declined detainers"', "--out", out, "--limit", 100)
    assert result.exit_code == 0, result.output
    links = hit_links(result.stdout)
    assert links
    for line in result.stdout.splitlines():
        link, label, _snippet = line.split("\t")
        assert re.fullmatch(r".+#page=\d+", link), line
        assert label == f"page {link.rsplit('=', 1)[1]}"
    pages = read_rows(out, "pages")
    real_pages = {f"{f}#page={p}" for f, p in zip(pages["source_file"], pages["page"])}
    assert set(links) <= real_pages
    # each truth narrative with the phrase, on a page with a text layer, is among the hits
    expected = set()
    for e in manifest_entries():
        if e.get("truth"):
            for n in load_truth(e["truth"]).get("narrative", []):
                if ("declined detainers" in n["text"].lower()
                        and (e["path"], n["page"]) in text_pages()):
                    expected.add(f"{e['path']}#page={n['page']}")
    assert expected and expected <= set(links)
    assert len(set(links)) == len(links)
    limited = invoke("search", '"declined detainers"', "--out", out, "--limit", 1)
    assert len(hit_links(limited.stdout)) == 1


@pytest.mark.parametrize("word,source_file,page", unique_words())
def test_search_word_on_one_page_finds_that_page(cli_run, word, source_file, page):
    _, out = cli_run
    result = invoke("search", word, "--out", out)
    assert result.exit_code == 0, result.output
    assert hit_links(result.stdout) == [f"{source_file}#page={page}"]


def test_unique_words_exist():
    assert unique_words(), "no truth word lies on a single page: the search test tests nothing"


def test_search_malformed_query_is_a_clean_error(cli_run):
    _, out = cli_run
    assert_clean_error(invoke("search", '"unbalanced', "--out", out), "bad search query")


# --- normalize ------------------------------------------------------------------------------

SNAPSHOT_ORDER = {"pages": "sha256, page", "tables": "table_id",
                  "cells": "table_id, row_index, col", "documents": "sha256"}


def snapshot(db: Path, table: str) -> tuple[int, str]:
    """(row count, sha256 of every row) of a store table."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(f"SELECT * FROM {table} ORDER BY {SNAPSHOT_ORDER[table]}").fetchall()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def test_normalize_reruns_without_reextracting(cli_run, tmp_path):
    _, out = cli_run
    work = tmp_path / "renorm"  # a copy of the store (no dump, no .work): nothing to re-extract
    work.mkdir()
    with sqlite3.connect(out / "foia.sqlite") as src, sqlite3.connect(work / "foia.sqlite") as dst:
        src.backup(dst)
    db = work / "foia.sqlite"
    before = {t: snapshot(db, t) for t in SNAPSHOT_ORDER}
    rows_before, rejects_before = read_rows(db), read_rows(db, "rejects")
    with sqlite3.connect(db) as conn:
        cells_text = [r[0] for r in conn.execute(
            "SELECT text FROM cells ORDER BY table_id, row_index, col")]

    result = invoke("normalize", "--out", work)
    assert result.exit_code == 0, result.output

    assert {t: snapshot(db, t) for t in SNAPSHOT_ORDER} == before
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute(
            "SELECT text FROM cells ORDER BY table_id, row_index, col")] == cells_text
    rows_after, rejects_after = read_rows(db), read_rows(db, "rejects")
    assert sorted(rows_after["record_id"]) == sorted(rows_before["record_id"])
    assert sorted(rejects_after["record_id"]) == sorted(rejects_before["record_id"])
    key = "record_id"
    pd.testing.assert_frame_equal(rows_after.sort_values(key).reset_index(drop=True),
                                  rows_before.sort_values(key).reset_index(drop=True))
    grid = summary_grid(result.stdout)
    totals = int(rows_after["is_total"].sum())
    assert grid["rows"] == f"{len(rows_after) - totals} (+{totals} total rows)"
    assert grid["tables"] == str(before["tables"][0])


def test_normalize_unknown_profile_is_a_clean_error(cli_run):
    _, out = cli_run
    assert_clean_error(invoke("normalize", "--out", out, "--profile", "nosuch"), "nosuch")


def test_normalize_without_store_is_a_clean_error(tmp_path):
    assert_clean_error(invoke("normalize", "--out", tmp_path), "no store")


# --- the pandas entry point -----------------------------------------------------------------

def test_read_rows_accepts_folder_or_file_and_refuses_unknown_tables(cli_run):
    _, out = cli_run
    by_folder = read_rows(out)
    assert not by_folder.empty
    pd.testing.assert_frame_equal(read_rows(out / "foia.sqlite"), by_folder)
    rejects = read_rows(out, "rejects")
    assert {"record_id", "reasons", *PROVENANCE} <= set(rejects.columns)
    with pytest.raises(ValueError, match="nosuch"):
        read_rows(out, "nosuch")


# --- docs cannot drift ----------------------------------------------------------------------

def cli_surface() -> list[tuple[str, str | None]]:
    """(command, None) for each command and (command, --option) for each of its options."""
    out = [("foia", opt) for p in main.params if isinstance(p, click.Option)
           for opt in p.opts + p.secondary_opts if opt.startswith("--")]
    commands = []
    for name, cmd in sorted(main.commands.items()):
        commands.append((name, cmd))
        if isinstance(cmd, click.Group):  # `foia profile init`: the group and its commands
            commands += [(f"{name} {sub}", c) for sub, c in sorted(cmd.commands.items())]
    for name, cmd in commands:
        out.append((name, None))
        out += [(name, opt) for p in cmd.params if isinstance(p, click.Option)
                for opt in p.opts + p.secondary_opts if opt.startswith("--")]
    return out


@pytest.mark.parametrize("command,option", cli_surface(),
                         ids=[f"{c}{' ' + o if o else ''}" for c, o in cli_surface()])
def test_readme_documents_every_command_and_option(command, option):
    readme = ROOT / "README.md"
    assert readme.is_file(), "README.md is missing"
    text = readme.read_text(encoding="utf-8")
    if option is None:
        assert f"foia {command}" in text, f"README.md never shows `foia {command}`"
    else:
        assert option in text, f"README.md never mentions {option} (of `{command}`)"
