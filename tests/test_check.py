"""foia.check on real pipeline stores: clean runs pass, and each corruption is caught by kind.

The good stores come from `run_dump` on the fixture dumps; the bad ones are copies of the
sample store broken with one SQL statement each, so every test of a violation also shows the
check can fail.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

from foia.run.pipeline import run_dump
from foia.store.check import MAX_LISTED, CheckReport, check_store
from tests.conftest import REAL, SAMPLE_DUMP

REAL_FILES = ("nics-checks-five-years-p1-3.pdf", "twotables_2.pdf", "ice-2019-ICFO-31121.xlsx")


def kinds(report: CheckReport) -> set[str]:
    return {p.kind for p in report.problems}


def assert_clean(report: CheckReport) -> None:
    """A clean store: no problems, and every data row counted once in rows or rejects."""
    assert report.ok, report.problems[:20]
    c = report.counts
    assert c["data_rows"] == c["rows"] + c["rejects"]
    assert c["files"] >= c["documents"] > 0 and c["pages"] > 0 and c["tables"] > 0


@pytest.fixture(scope="session")
def sample_out(sample_run) -> Path:
    return sample_run[1]


def broken(sample_out: Path, tmp_path: Path, sql: str) -> Path:
    """A copy of the sample store with `sql` applied. The copy is made with SQLite's backup
    API, not by copying the file: the shared store may have pages still in its WAL."""
    src = sqlite3.connect(f"{(sample_out / 'foia.sqlite').as_uri()}?mode=ro", uri=True)
    conn = sqlite3.connect(tmp_path / "foia.sqlite")
    src.backup(conn)
    src.close()
    # the kind views read `rows`: a corruption that rebuilds `rows` must drop them first
    # (SQLite re-checks views on ALTER TABLE ... RENAME); `foia check` does not read them
    for (view,) in conn.execute("SELECT name FROM sqlite_master WHERE type='view'").fetchall():
        conn.execute(f'DROP VIEW "{view}"')
    conn.executescript(sql)
    conn.commit()
    conn.close()
    return tmp_path


def test_sample_store_is_clean_and_left_unchanged(sample_out: Path) -> None:
    db = sample_out / "foia.sqlite"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    report = check_store(sample_out, SAMPLE_DUMP)
    assert_clean(report)
    assert report.counts["dump_files"] == report.counts["files"]
    assert report.counts["rejects"] > 0  # the sample has refused rows: both lists are tested
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert report.to_dict()["ok"] is True


def test_real_documents_store_is_clean(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    for name in REAL_FILES:
        shutil.copy(REAL / name, dump / name)
    run_dump(dump, tmp_path / "out", workers=1)
    report = check_store(tmp_path / "out", dump)
    assert_clean(report)
    assert report.counts["files"] == report.counts["documents"] == len(REAL_FILES)


@pytest.mark.slow
def test_scans_store_is_clean(scans_run) -> None:
    """The OCR route (the shared run of every scan): pages, tables and rows accounted for."""
    dump, out = scans_run
    report = check_store(out, dump)
    assert_clean(report)
    with sqlite3.connect(out / "foia.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM pages WHERE route='ocr'").fetchone()[0] > 0


def test_partial_spreadsheet_says_why(tmp_path: Path) -> None:
    """One sheet of a workbook cannot be parsed: the document is partial and must say why."""
    dump = tmp_path / "dump"
    dump.mkdir()
    with (zipfile.ZipFile(SAMPLE_DUMP / "ddor-counts.xlsx") as zin,
          zipfile.ZipFile(dump / "broken-sheet.xlsx", "w") as zout):
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]  # truncated XML
            zout.writestr(info, data)
    run_dump(dump, tmp_path / "out", workers=1)
    with sqlite3.connect(tmp_path / "out" / "foia.sqlite") as conn:
        assert conn.execute("SELECT status FROM documents").fetchone()[0] == "partial"
    assert_clean(check_store(tmp_path / "out", dump))


# (SQL that breaks one invariant, the problem kind the check must report)
CORRUPTIONS = {
    "page_deleted": (
        "DELETE FROM pages WHERE page = 2 AND sha256 = "
        "(SELECT sha256 FROM documents WHERE pages >= 3 ORDER BY sha256 LIMIT 1)",
        {"page_missing", "page_count_mismatch"}),
    "page_count_wrong": (
        "UPDATE documents SET pages = pages + 1 WHERE sha256 = "
        "(SELECT sha256 FROM documents WHERE pages > 0 ORDER BY sha256 LIMIT 1)",
        {"page_count_mismatch", "page_missing"}),
    "row_in_rejects_too": (
        "INSERT INTO rejects (record_id, table_id, row_index, profile, kind, reasons, raw, "
        "source_file, source_sha256, page) SELECT record_id, table_id, row_index, profile, "
        "kind, 'test', raw, source_file, source_sha256, page FROM rows "
        "ORDER BY record_id LIMIT 1",
        {"row_in_both", "record_id_duplicate"}),
    "reject_deleted": (
        "DELETE FROM rejects WHERE record_id = (SELECT MIN(record_id) FROM rejects)",
        {"row_unaccounted"}),
    "row_deleted": (
        "DELETE FROM rows WHERE record_id = (SELECT MIN(record_id) FROM rows)",
        {"row_unaccounted"}),
    "row_link_blank": (
        "UPDATE rows SET source_link = '' WHERE record_id = (SELECT MIN(record_id) FROM rows)",
        {"row_without_provenance"}),
    # the schema forbids a NULL bbox, so the table is made again without its constraints
    "row_bbox_null": (
        "CREATE TABLE rows2 AS SELECT * FROM rows; DROP TABLE rows; "
        "ALTER TABLE rows2 RENAME TO rows; "
        "UPDATE rows SET bbox = NULL WHERE record_id = (SELECT MIN(record_id) FROM rows)",
        {"row_without_provenance"}),
    "reject_without_reason": (
        "UPDATE rejects SET reasons = '' WHERE record_id = (SELECT MIN(record_id) FROM rejects)",
        {"reject_without_reason"}),
    "header_row_in_rows": (
        "UPDATE cells SET row_kind = 'header' WHERE (table_id, row_index) = "
        "(SELECT table_id, row_index FROM rows ORDER BY record_id LIMIT 1)",
        {"structure_row_normalized"}),
    "table_nrows_wrong": (
        "UPDATE tables SET nrows = nrows + 1 WHERE table_id = (SELECT MIN(table_id) FROM tables)",
        {"table_rows_mismatch"}),
    "table_never_normalized": (
        "UPDATE tables SET kind = NULL, profile = NULL WHERE table_id = "
        "(SELECT table_id FROM rows ORDER BY record_id LIMIT 1)",
        {"table_not_normalized"}),
    "document_deleted": (
        "DELETE FROM documents WHERE sha256 = (SELECT MIN(source_sha256) FROM rows)",
        {"document_missing", "page_orphan", "table_orphan", "row_orphan"}),
    "document_partial_without_error": (
        "UPDATE documents SET status = 'partial', error = NULL "
        "WHERE sha256 = (SELECT MIN(sha256) FROM documents)",
        {"document_error_missing"}),
    "page_error_without_text": (
        "UPDATE pages SET status = 'error', error = NULL WHERE rowid = (SELECT MIN(rowid) "
        "FROM pages)",
        {"page_error_missing"}),
    "page_without_route": (
        "UPDATE pages SET route = NULL WHERE rowid = (SELECT MIN(rowid) FROM pages)",
        {"page_bad_route"}),
    "file_bad_status": (
        "UPDATE files SET status = 'done' WHERE path = 'corrupt.pdf'", {"file_bad_status"}),
    "file_without_reason": (
        "UPDATE files SET reason = NULL WHERE status = 'unsupported'", {"file_reason_missing"}),
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_check_catches(name: str, sample_out: Path, tmp_path: Path) -> None:
    sql, expected = CORRUPTIONS[name]
    report = check_store(broken(sample_out, tmp_path, sql))
    assert not report.ok
    assert expected <= kinds(report), report.problems[:10]


def test_page_missing_names_the_page(sample_out: Path, tmp_path: Path) -> None:
    report = check_store(broken(sample_out, tmp_path, CORRUPTIONS["page_deleted"][0]))
    missing = [p for p in report.problems if p.kind == "page_missing"]
    assert [(p.page, p.sha256 is not None) for p in missing] == [(2, True)]


def test_unrecorded_file_is_caught_only_against_the_dump(sample_out: Path,
                                                        tmp_path: Path) -> None:
    """notes.txt (unsupported) leaves no document behind: only the dump can show it is gone."""
    out = broken(sample_out, tmp_path, "DELETE FROM files WHERE path = 'notes.txt'")
    assert check_store(out).ok
    report = check_store(out, SAMPLE_DUMP)
    assert [(p.kind, p.path) for p in report.problems] == [("file_unrecorded", "notes.txt")]


def test_file_not_in_dump(sample_out: Path, tmp_path: Path) -> None:
    out = broken(sample_out, tmp_path, "INSERT INTO files (path, status, reason) "
                                       "VALUES ('gone.pdf', 'error', 'test')")
    assert {p.kind for p in check_store(out, SAMPLE_DUMP).problems} == {"file_not_in_dump"}


def test_many_violations_are_counted_beyond_those_listed(sample_out: Path,
                                                         tmp_path: Path) -> None:
    out = broken(sample_out, tmp_path, "DELETE FROM rows")
    report = check_store(out)
    lost = report.counts["data_rows"] - report.counts["rejects"]
    assert lost > MAX_LISTED  # the sample has enough rows for the cap to matter
    assert report.totals["row_unaccounted"] == lost
    listed = [p for p in report.problems if p.kind == "row_unaccounted"]
    assert len(listed) == MAX_LISTED + 1  # the cap, and one line saying how many more


def test_missing_store_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        check_store(tmp_path)
