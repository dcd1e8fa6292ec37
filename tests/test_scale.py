"""Incremental runs, the executor interface and the Dask path.

An unchanged rerun reads nothing (every extractor is replaced by one that fails the test if
called) and writes no duplicate rows; one new file is the only file read; a new correction
re-normalizes without re-reading; the run on a Dask LocalCluster stores the same rows, row for
row, as the local process pool.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

import foia.run.pipeline as pipeline
from foia.run.pipeline import run_dump
from tests.conftest import SAMPLE_DUMP

SMALL = ("ddor-bad-rows.pdf", "counts-mismatch.csv", "corrupt.pdf", "ddor-counts.xlsx")


def _dump(tmp: Path, names=SMALL) -> Path:
    dump = tmp / "dump"
    dump.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(SAMPLE_DUMP / name, dump / name)
    return dump


def _rows(out: Path) -> list[tuple]:
    conn = sqlite3.connect(out / "foia.sqlite")
    try:
        return [tuple(r) for r in conn.execute("SELECT * FROM rows ORDER BY record_id")] + \
            [tuple(r) for r in conn.execute("SELECT * FROM rejects ORDER BY record_id")]
    finally:
        conn.close()


def _forbid_extraction(monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise AssertionError("an extractor ran on an unchanged document")
    for name in ("extract_item", "extract_pdf", "extract_image", "read_spreadsheet",
                 "route_document"):
        monkeypatch.setattr(pipeline, name, boom)


def test_unchanged_rerun_reads_nothing_and_duplicates_nothing(tmp_path, monkeypatch):
    dump, out = _dump(tmp_path), tmp_path / "out"
    first = run_dump(dump, out, workers=1)
    assert first.extracted == len(SMALL) and first.cached == 0
    before = _rows(out)
    _forbid_extraction(monkeypatch)
    again = run_dump(dump, out, workers=1)
    assert again.extracted == 0 and again.cached == len(SMALL) and again.renormalized == 0
    assert again.errors == 0  # the bad file's error is not counted twice...
    conn = sqlite3.connect(out / "foia.sqlite")
    status = dict(conn.execute("SELECT path, status FROM files"))
    conn.close()
    assert status["corrupt.pdf"] == "error"  # ...but it stays recorded as an error
    assert _rows(out) == before  # same rows, same ids, nothing doubled
    assert len(before) == len({r[0] for r in before})


def test_one_new_file_is_the_only_one_read(tmp_path):
    dump, out = _dump(tmp_path, SMALL[:2]), tmp_path / "out"
    run_dump(dump, out, workers=1)
    shutil.copy(SAMPLE_DUMP / "ddor-hrules.pdf", dump / "ddor-hrules.pdf")
    again = run_dump(dump, out, workers=1)
    assert (again.extracted, again.cached) == (1, 2)
    conn = sqlite3.connect(out / "foia.sqlite")
    assert conn.execute("SELECT COUNT(*) FROM rows WHERE source_file='ddor-hrules.pdf'"
                        ).fetchone()[0] > 0
    conn.close()


def test_new_correction_renormalizes_without_reading(tmp_path, monkeypatch):
    dump, out = _dump(tmp_path, SMALL[:1]), tmp_path / "out"
    run_dump(dump, out, workers=1)
    conn = sqlite3.connect(out / "foia.sqlite")
    rid = conn.execute("SELECT record_id FROM rejects WHERE reasons LIKE "
                       "'%ambiguous_jurisdiction%'").fetchone()[0]
    conn.close()
    (out / "corrections.toml").write_text(
        f'[[jurisdiction]]\nraw = "Baltimore"\nstate = "MD"\nrecord_id = "{rid}"\n'
        'county_fips = "24005"\n', encoding="utf-8")
    _forbid_extraction(monkeypatch)
    again = run_dump(dump, out, workers=1)
    assert (again.extracted, again.cached, again.renormalized) == (0, 1, 1)
    conn = sqlite3.connect(out / "foia.sqlite")
    fixed = conn.execute("SELECT json_extract(fields, '$.county_fips'), "
                         "json_extract(fields, '$.jurisdiction_match') FROM rows "
                         "WHERE record_id=?",
                         (rid,)).fetchone()
    conn.close()
    assert fixed == ("24005", "manual")
    # a different profile is a different normalization too
    other = run_dump(dump, out, workers=1, profile=None)
    assert (other.extracted, other.renormalized) == (0, 1)


def test_force_reads_everything_again(tmp_path):
    dump, out = _dump(tmp_path, SMALL[:2]), tmp_path / "out"
    run_dump(dump, out, workers=1)
    before = _rows(out)
    again = run_dump(dump, out, workers=1, force=True)
    assert (again.extracted, again.cached) == (2, 0)
    assert _rows(out) == before


def test_local_pool_reads_what_one_process_reads(tmp_path):
    dump = _dump(tmp_path, SMALL + ("ddor-hrules.pdf", "ddor-ruled.pdf"))
    run_dump(dump, tmp_path / "one", workers=1)
    run_dump(dump, tmp_path / "two", workers=2)
    assert _rows(tmp_path / "one") == _rows(tmp_path / "two")


@pytest.mark.slow
def test_dask_local_cluster_stores_the_same_rows(tmp_path):
    import distributed  # the dask extra: part of dev, so make test installs it

    dump = tmp_path / "dump"
    shutil.copytree(SAMPLE_DUMP, dump)
    run_dump(dump, tmp_path / "local", workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        summary = run_dump(dump, tmp_path / "dask", scheduler=cluster)
    assert summary.extracted > 0
    local, dask = _rows(tmp_path / "local"), _rows(tmp_path / "dask")
    assert len(local) > 200 and local == dask
