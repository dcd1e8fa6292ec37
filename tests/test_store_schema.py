"""The store owns its schema and its SQL (issue 16): one module creates every table, index and
view; no library module outside foia/store/ runs SQL; an old store is migrated, not rebuilt;
every profile kind gets a typed view that exports typed columns."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from foia.export import export_tables
from foia.run.pipeline import run_dump
from foia.store import VERSION
from foia.store.check import check_store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "fixtures" / "sample_dump"
LIBRARY = ("foia", "extract", "normalize")


def _sources() -> list[Path]:
    return [p for pkg in LIBRARY for p in (ROOT / pkg).rglob("*.py")
            if "__pycache__" not in p.parts]


def test_no_sql_outside_the_store_package():
    runs_sql = re.compile(r"\.(execute|executemany|executescript)\(|read_sql")
    offenders = [str(p.relative_to(ROOT)) for p in _sources()
                 if runs_sql.search(p.read_text(encoding="utf-8"))
                 and (ROOT / "foia" / "store") not in p.parents]
    assert offenders == []


def test_every_create_statement_is_in_the_schema_module():
    creates = re.compile(r"CREATE\s+(TEMP\s+|UNIQUE\s+|VIRTUAL\s+)*(TABLE|INDEX|VIEW)", re.I)
    where = {str(p.relative_to(ROOT)) for p in _sources()
             if creates.search(p.read_text(encoding="utf-8"))}
    assert where == {"foia/store/schema.py"}


# A store as versions before the schema was versioned wrote it: no user_version, no
# documents.normalize_key, no tables.mapping, no files or page-hash tables, no indexes, and
# the DDOR fields as columns of `rows` (one old row kept, to be dropped by the run's pruning).
OLD_STORE = """
CREATE TABLE runs (run_id TEXT PRIMARY KEY, started TEXT, finished TEXT, dump TEXT,
    version TEXT, settings TEXT, settings_hash TEXT, summary TEXT);
CREATE TABLE documents (sha256 TEXT PRIMARY KEY, path TEXT NOT NULL, paths TEXT, kind TEXT,
    size INTEGER, pages INTEGER, status TEXT NOT NULL, error TEXT, run_id TEXT,
    settings_hash TEXT);
CREATE TABLE tables (table_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, table_index INTEGER,
    page INTEGER, pages TEXT, sheet TEXT, engine TEXT, score REAL, ncols INTEGER,
    nrows INTEGER, header TEXT, bbox TEXT, profile TEXT, kind TEXT);
CREATE TABLE rows (record_id TEXT PRIMARY KEY, table_id TEXT, row_index INTEGER, profile TEXT,
    kind TEXT, is_total INTEGER, aor TEXT, jurisdiction_raw TEXT, county TEXT, state TEXT,
    county_fips TEXT, jurisdiction_match TEXT, jurisdiction_score TEXT, facility TEXT, city TEXT,
    citizenship TEXT, citizenship_iso3 TEXT, offense_raw TEXT, offense_categories TEXT,
    most_serious TEXT, detainer_issued TEXT, declined_date TEXT, declined_count TEXT,
    policy_type TEXT, policy_text TEXT, aor_raw TEXT, redacted_fields TEXT, redactions TEXT,
    flags TEXT, fields TEXT, raw TEXT, source_file TEXT NOT NULL, source_sha256 TEXT NOT NULL,
    page INTEGER NOT NULL, pages TEXT, bbox TEXT NOT NULL, method TEXT NOT NULL,
    confidence REAL NOT NULL, source_link TEXT NOT NULL);
CREATE VIEW old_view AS SELECT county_fips FROM rows;
INSERT INTO documents VALUES ('00', 'gone.pdf', '["gone.pdf"]', 'pdf', 10, 1, 'ok', NULL,
    'old', 'old-key');
"""


def test_a_store_of_the_previous_version_is_migrated_by_foia_run(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with sqlite3.connect(out / "foia.sqlite") as conn:
        conn.executescript(OLD_STORE)
    conn.close()
    dump = tmp_path / "dump"
    dump.mkdir()
    shutil.copy(SAMPLE / "ddor-ruled.pdf", dump)

    summary = run_dump(dump, out, workers=1)
    assert summary.extracted == 1 and summary.removed == 1  # the old document is gone

    conn = sqlite3.connect(out / "foia.sqlite")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == VERSION
    assert "normalize_key" in {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
    assert "mapping" in {r[1] for r in conn.execute("PRAGMA table_info(tables)")}
    # the DDOR columns left the generic table (version 3): the fields are in `fields`
    assert not {r[1] for r in conn.execute("PRAGMA table_info(rows)")} & {
        "county_fips", "declined_date", "aor", "declined_count"}
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"rejects_doc", "findings_doc", "tables_doc", "rows_doc"} <= indexes
    assert conn.execute("SELECT COUNT(*) FROM rows").fetchone()[0] > 0
    conn.close()
    assert check_store(out, dump).ok


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    out = tmp_path_factory.mktemp("kinds") / "out"
    run_dump(SAMPLE, out, workers=1)
    return out


def test_every_kind_has_a_typed_view_matching_rows(sample_store):
    conn = sqlite3.connect(sample_store / "foia.sqlite")
    views = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='view'")}
    kinds = {r[0] for r in conn.execute(
        "SELECT DISTINCT kind FROM rows WHERE profile = 'ddor' AND kind != 'generic'")}
    assert {f"ddor_{k}" for k in kinds} <= views
    assert "declined_detainers" in kinds and "jurisdiction_counts" in kinds

    # one row per accepted row of the kind, the same values as the generic table
    for kind in kinds:
        n_rows = conn.execute("SELECT COUNT(*) FROM rows WHERE profile='ddor' AND kind=?",
                              (kind,)).fetchone()[0]
        assert conn.execute(f"SELECT COUNT(*) FROM ddor_{kind}").fetchone()[0] == n_rows
    same = conn.execute(
        "SELECT COUNT(*) FROM ddor_declined_detainers v JOIN rows r USING (record_id) "
        "WHERE v.declined_date IS json_extract(r.fields, '$.declined_date') "
        "AND v.county_fips IS json_extract(r.fields, '$.county_fips') "
        "AND v.source_link = r.source_link").fetchone()[0]
    assert same == conn.execute("SELECT COUNT(*) FROM ddor_declined_detainers").fetchone()[0]
    # profile order first: the declined-detainer fields as ddor.toml lists them
    cols = [r[1] for r in conn.execute("PRAGMA table_info(ddor_declined_detainers)")]
    assert cols[:10] == ["record_id", "aor", "facility", "city", "jurisdiction_raw", "state",
                         "citizenship", "detainer_issued", "declined_date", "offense_raw"]
    assert cols[-8:] == ["source_file", "source_sha256", "page", "pages", "bbox", "method",
                         "confidence", "source_link"]
    # counts are integers in SQLite, not the text of the generic table
    types = {r[0] for r in conn.execute(
        "SELECT typeof(declined_count) FROM ddor_jurisdiction_counts "
        "WHERE declined_count IS NOT NULL")}
    assert types == {"integer"}
    conn.close()


def test_kind_export_writes_typed_parquet_columns(sample_store):
    (path,) = export_tables(sample_store, "parquet", ("ddor_declined_detainers",))
    schema = pq.read_schema(path)
    assert str(schema.field("declined_date").type) == "date32[day]"
    assert str(schema.field("detainer_issued").type) == "date32[day]"
    assert str(schema.field("county_fips").type) in ("string", "large_string")
    table = pq.read_table(path)
    assert table.num_rows > 0
    (counts,) = export_tables(sample_store, "parquet", ("ddor_jurisdiction_counts",))
    assert str(pq.read_schema(counts).field("declined_count").type) == "int64"
    (findings,) = export_tables(sample_store, "csv", ("findings",))
    assert "total_mismatch" in findings.read_text()
