"""The store opens in real Datasette with our metadata, and source_link cells link to documents.

No mocks: a two-file dump goes through the pipeline, `write_metadata` writes metadata.json and
the link plugin, and an in-process Datasette serves them exactly as `datasette ... --metadata
--plugins-dir --static dump:...` would.
"""

from __future__ import annotations

import asyncio
import html
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("datasette")

from datasette.app import Datasette  # noqa: E402

from foia.inspect.datasette import MOUNT, TABLES, build_metadata, source_href, write_metadata  # noqa: E402
from foia.run.pipeline import run_dump  # noqa: E402
from tests.conftest import SAMPLE_DUMP  # noqa: E402

FILES = ("ddor-bad-rows.pdf", "counts-mismatch.csv")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Datasette]:
    """(dump, out, Datasette) for a store built from two small sample files."""
    dump = tmp_path_factory.mktemp("ds_dump")
    for name in FILES:
        shutil.copy(SAMPLE_DUMP / name, dump / name)
    out = tmp_path_factory.mktemp("ds_out")
    run_dump(dump, out)  # the ddor profile, as `foia run`: gives rows and rejects
    metadata = json.loads(write_metadata(out).read_text(encoding="utf-8"))
    ds = Datasette([str(out / "foia.sqlite")], metadata=metadata,
                   plugins_dir=str(out / "plugins"), static_mounts=[(MOUNT, str(dump))])
    return dump, out, ds


def get(ds: Datasette, path: str, **params: str):
    """One request to the in-process Datasette (its ASGI app, no socket)."""
    return asyncio.run(ds.client.get(path, params=params or None))


def store_tables(out: Path) -> set[str]:
    """Tables and views (the typed view of each profile kind) of the store."""
    with sqlite3.connect(out / "foia.sqlite") as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN "
                                           "('table', 'view') AND name NOT LIKE 'sqlite_%'")}


def page_link(out: Path, table: str) -> str:
    """A real `#page=N` source_link of `table` (a PDF row), to look for in the HTML."""
    with sqlite3.connect(out / "foia.sqlite") as conn:
        row = conn.execute(f"SELECT source_link FROM {table} WHERE source_link LIKE "
                           "'ddor-bad-rows.pdf#page=%' ORDER BY page DESC LIMIT 1").fetchone()
    assert row, f"no PDF row in {table}"
    return row[0]


def test_metadata_describes_every_table_in_the_store(served):
    dump, out, _ = served
    metadata = build_metadata(out / "foia.sqlite")
    tables = metadata["databases"]["foia"]["tables"]
    assert set(tables) == store_tables(out)
    kinds = {n for n in tables if n.startswith("ddor_")}
    assert kinds == {"ddor_declined_detainers", "ddor_jurisdiction_counts", "ddor_jail_counts",
                     "ddor_aor_counts", "ddor_policies"}
    for name, meta in tables.items():
        assert meta["description"], name
        assert name in TABLES or name in kinds or meta.get("hidden"), \
            f"{name} is not in the documented schema"
    assert tables["ddor_declined_detainers"]["columns"]["declined_date"] == "Declined date (date)"
    with sqlite3.connect(out / "foia.sqlite") as conn:
        cols = {r[1] for r in conn.execute("PRAGMA table_info(rows)")}
    assert set(tables["rows"]["columns"]) == cols  # every rows column is described
    assert metadata["plugins"]["foia-source-link"]["dump"] == str(dump.resolve())
    assert f"--static {MOUNT}:{dump.resolve()}" in metadata["description"]


def test_metadata_file_is_written_whole(served):
    _, out, _ = served
    assert json.loads((out / "metadata.json").read_text(encoding="utf-8"))["title"]
    assert (out / "plugins" / "foia_source_link.py").is_file()
    assert not list(out.glob(".*.tmp")) and not list((out / "plugins").glob(".*.tmp"))


def test_rows_page_shows_description_facets_and_source_links(served):
    _, out, ds = served
    link = page_link(out, "rows")
    response = get(ds, "/foia/rows", source_link=link)
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert TABLES["rows"][0] in page
    assert f'<a href="/{MOUNT}/{link}">{link}</a>' in page
    facets = get(ds, "/foia/rows.json").json()["facet_results"]
    assert {"profile", "kind"} <= set(facets)  # metadata facets, not suggested ones
    # the typed kind view (the DDOR fields left `rows` in store version 3) has the state facet
    kind = get(ds, "/foia/ddor_declined_detainers.json").json()
    assert "state" in kind["facet_results"] and kind["rows"]


def test_rejects_link_and_linked_document_is_served(served):
    _, out, ds = served
    link = page_link(out, "rejects")
    page = html.unescape(get(ds, "/foia/rejects", source_link=link).text)
    assert f'<a href="/{MOUNT}/{link}">' in page
    document = get(ds, f"/{MOUNT}/{link.split('#')[0]}")
    assert document.status_code == 200 and document.content.startswith(b"%PDF")


def test_search_query_links_pages(served):
    _, _, ds = served
    page = html.unescape(get(ds, "/foia/search_pages", q="county").text)
    assert f'<a href="/{MOUNT}/ddor-bad-rows.pdf#page=' in page
    assert get(ds, "/foia/search_pages").status_code == 200  # empty search is not an error


def test_source_href_quotes_names_and_links_zip_members_to_the_archive():
    assert source_href("a b#1.pdf#page=3", "/dump/") == "/dump/a%20b%231.pdf#page=3"
    assert source_href("week2.zip/week2/x.pdf#page=1", "/dump/") == "/dump/week2.zip"
    assert source_href("c.csv#sheet=csv&row=9", "/d/") == "/d/c.csv#sheet=csv&row=9"
    # a gzip's member is served as the gzip (the static mount has no member inside it)
    assert source_href("counts.csv.gz/counts.csv#sheet=1&row=3", "/d/") == "/d/counts.csv.gz"
    assert source_href("w.zip/r.pdf.gz/r.pdf#page=2", "/d/") == "/d/w.zip"
