"""Crash safety of `foia run`: SIGKILL a real run at chosen points, run it again, and the store
must be the store of a clean, uninterrupted run.

Why this matters: dumps take hours, machines get rebooted and jobs get OOM-killed. The store
promises one transaction per document (a killed run leaves whole documents or nothing) and the
cache promises that a rerun only does what is missing, so "kill, then rerun" must converge on
exactly what one clean run writes: no lost, doubled or half-written document, no duplicate
record ids. Exports (foia/export.py) promise a complete file or none, never a truncated CSV
that still parses.

Every run here is a real `foia` process, started in its own session so SIGKILL goes to the
whole process group: the coordinator, its pool workers (`--workers 2`) and their tesseract
children die together, as under `kill -9 -PGID`, a container stop or a scheduler's time
limit (the OOM killer, which kills one process, is the last test below). Kill points are found by
watching what a user could watch (the `--log-json` file, the store, the process table, the
exports folder), never by hooks in the code. Each kill prints what it interrupted (run with
`-rP` or `-s` to see it).

Stores are compared table by table (every column but run ids; the `runs` table and its
timestamps are left out) as sorted lists of tuples.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from foia.api import read_rows
from foia.atomic import remove_stale_temps, temp_path
from foia.export import export_tables
from foia.run.pipeline import run_dump
from tests.conftest import FIXTURES, SAMPLE_DUMP

_CLI = Path(sys.executable).with_name("foia")
FOIA = [str(_CLI)] if _CLI.exists() else [sys.executable, "-c",
                                           "from foia.cli import main; main()"]
SCANS = FIXTURES / "scans"
ENV = {**os.environ, "COLUMNS": "200"}
# Tables compared with the clean run; `errors` too (its run_id left out): a rerun must not
# record a document's error twice nor lose it.
COMPARED = ("documents", "pages", "pages_fts", "tables", "cells", "rows", "rejects", "findings",
            "files", "page_hashes", "near_duplicates", "errors")
# Columns that differ between any two runs by design.
RUN_COLUMNS = {"run_id"}
# Per-document tables and the column naming the document (cells: by table_id "<sha16>-tN").
DOC_COLUMN = {"documents": "sha256", "pages": "sha256", "pages_fts": "sha256",
              "tables": "sha256", "cells": "table_id", "rows": "source_sha256",
              "rejects": "source_sha256", "findings": "sha256", "page_hashes": "sha256"}
RUN_TIMEOUT_S = 300
EXPORTS = ("csv", "parquet", "jsonl")
TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.tmp-\d+$")


# --- running and killing ---------------------------------------------------------------------


@dataclass
class Run:
    """A `foia run` started in its own process group."""

    proc: subprocess.Popen
    out: Path
    log: Path
    started: float

    def events(self) -> list[dict]:
        """The --log-json events so far (a line being written is skipped)."""
        if not self.log.exists():
            return []
        got = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            try:
                got.append(json.loads(line))
            except json.JSONDecodeError:
                pass
        return got

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


@dataclass
class Kill:
    """What a kill interrupted: the evidence printed for the report."""

    case: str
    at_s: float
    last_event: str
    group: list[str]
    tesseracts: int
    write_open: bool | None = None
    documents_committed: int | None = None
    exports: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"[{self.case}] SIGKILL at {self.at_s:.2f}s; last logged event: "
                f"{self.last_event}; process group: {', '.join(self.group)}; tesseract "
                f"running: {self.tesseracts}; write transaction open: {self.write_open}; "
                f"documents committed: {self.documents_committed}; "
                f"exports/: {self.exports or 'none'}")


def start(dump: Path, out: Path, log: Path, workers: int = 1, exports: Iterable[str] = (),
          force: bool = False) -> Run:
    """Start `foia run` in a new session (its own process group, for os.killpg)."""
    args = [*FOIA, "run", str(dump), "--out", str(out), "--workers", str(workers), "--quiet",
            "--log-json", str(log)]
    for fmt in exports:
        args += ["--export", fmt]
    if force:
        args.append("--force")
    stderr = (log.parent / f"{log.stem}.stderr").open("wb")
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=stderr, env=ENV, start_new_session=True)
    stderr.close()
    return Run(proc, out, log, time.perf_counter())


def complete(dump: Path, out: Path, log: Path, workers: int = 1, exports: Iterable[str] = (),
             force: bool = False) -> tuple[dict, float]:
    """Run to the end; returns the summary event and the wall time. Exit code must be 0."""
    run = start(dump, out, log, workers, exports, force)
    try:
        rc = run.proc.wait(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(run.proc.pid, signal.SIGKILL)
        run.proc.wait()
        pytest.fail(f"foia run {dump} did not finish in {RUN_TIMEOUT_S}s")
    took = run.elapsed()
    err = (log.parent / f"{log.stem}.stderr").read_text(errors="replace")
    assert rc == 0, f"foia run exited {rc}:\n{err[-3000:]}"
    summaries = [e for e in run.events() if e.get("event") == "summary"]
    assert len(summaries) == 1, err[-3000:]
    return summaries[0], took


def _proc_stat(pid: str) -> tuple[int, int, str, str] | None:
    """(ppid, pgid, state, comm) of a process from /proc, None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    state, ppid, pgid = raw[raw.rindex(")") + 2:].split()[:3]
    return int(ppid), int(pgid), state, comm


def group_members(pgid: int) -> list[tuple[int, int, str]]:
    """Live (not zombie) processes of a process group: (pid, ppid, command name)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _proc_stat(entry)) is not None:
            ppid, group, state, comm = st
            if group == pgid and state not in ("Z", "X"):
                found.append((int(entry), ppid, comm))
    return found


def tesseracts(run: Run) -> list[tuple[int, int, str]]:
    return [m for m in group_members(run.proc.pid) if m[2] == "tesseract"]


def wait_for(run: Run, ready: Callable[[], bool], what: str, timeout: float = 180) -> None:
    """Poll until `ready()`; fail if the run ends first (the kill point was never reached)."""
    deadline = time.perf_counter() + timeout
    while not ready():
        if run.proc.poll() is not None:
            pytest.fail(f"run ended (exit {run.proc.returncode}) before the kill point: {what}")
        if time.perf_counter() > deadline:
            os.killpg(run.proc.pid, signal.SIGKILL)
            pytest.fail(f"kill point not reached in {timeout}s: {what}")
        time.sleep(0.01)


def _describe(event: dict | None) -> str:
    if event is None:
        return "none (still starting)"
    if event.get("event") == "progress":
        return (f"{event['stage']} {event['done']}/{event['total']} {event['item']!r} "
                f"{event['status']}".rstrip())
    return event.get("event", "?") + (f" {Path(event['path']).name}" if "path" in event else "")


def write_locked(db: Path) -> bool | None:
    """Whether the run holds the store's write lock, i.e. a document's transaction is open
    (None: no store yet). Probed with BEGIN IMMEDIATE, released at once."""
    if not db.exists():
        return None
    try:
        with closing(sqlite3.connect(db, timeout=0, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
    except sqlite3.OperationalError:  # database is locked
        return True
    return False


def kill(run: Run, case: str) -> Kill:
    """SIGKILL the whole process group; assert every member is gone; return the evidence."""
    members = group_members(run.proc.pid)
    write_open = write_locked(run.out / "foia.sqlite")
    at = run.elapsed()
    os.killpg(run.proc.pid, signal.SIGKILL)
    run.proc.wait(timeout=30)
    events = run.events()
    evidence = Kill(case, at, _describe(events[-1] if events else None),
                    [f"{comm}({pid}{', coordinator' if pid == run.proc.pid else ''})"
                     for pid, _, comm in sorted(members)],
                    sum(1 for m in members if m[2] == "tesseract"), write_open)
    deadline = time.perf_counter() + 10
    while (left := group_members(run.proc.pid)) and time.perf_counter() < deadline:
        time.sleep(0.05)
    assert not left, f"processes outlived the kill of their group: {left}"
    db = run.out / "foia.sqlite"
    if db.exists():
        with closing(sqlite3.connect(db)) as conn:
            if _has_table(conn, "documents"):
                evidence.documents_committed = conn.execute(
                    "SELECT COUNT(*) FROM documents").fetchone()[0]
    if (run.out / "exports").is_dir():
        evidence.exports = sorted(f"{p.name}:{p.stat().st_size}"
                                  for p in (run.out / "exports").iterdir())
    print(evidence)
    return evidence


# --- comparing stores --------------------------------------------------------------------------

Snapshot = dict[str, tuple[tuple[str, ...], list[tuple]]]


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name=?", (name,)).fetchone() is not None


def snapshot(db: Path) -> Snapshot:
    """Every compared table as (columns, rows sorted), run ids left out; a table the store
    does not have yet (killed before it was made) is empty."""
    snap: Snapshot = {}
    with closing(sqlite3.connect(db)) as conn:
        for table in COMPARED:
            if not _has_table(conn, table):
                snap[table] = ((), [])
                continue
            cols = tuple(r[1] for r in conn.execute(f"PRAGMA table_info({table})")
                         if r[1] not in RUN_COLUMNS)
            rows = conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
            snap[table] = (cols, sorted(rows, key=repr))
    return snap


def assert_same_store(db: Path, clean: Snapshot, ignore: tuple[str, ...] = ()) -> None:
    """Table by table identical to the clean run's store, and consistent on its own."""
    assert_consistent(db)
    got = snapshot(db)
    for table in (t for t in COMPARED if t not in ignore):
        cols, rows = got[table]
        want_cols, want = clean[table]
        assert cols == want_cols, table
        if rows != want:
            extra = Counter(rows) - Counter(want)
            missing = Counter(want) - Counter(rows)
            pytest.fail(f"{table} differs from the clean run: {len(rows)} vs {len(want)} rows; "
                        f"extra {list(extra)[:2]!r:.600}; missing {list(missing)[:2]!r:.600}")


def assert_consistent(db: Path) -> None:
    """No half-written document, no orphans, no duplicates, an intact file."""
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        if not _has_table(conn, "documents"):
            return
        one = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        # every document has all its pages, its files row and its rows' normalization key
        assert one("SELECT d.path, d.pages, COUNT(p.page) FROM documents d LEFT JOIN pages p "
                   "ON p.sha256 = d.sha256 GROUP BY d.sha256 HAVING d.pages != COUNT(p.page)"
                   ) == []
        assert one("SELECT path FROM documents WHERE path NOT IN (SELECT path FROM files)") == []
        assert one("SELECT path FROM documents WHERE normalize_key IS NULL") == []
        # every table has all its rows of cells
        assert one("SELECT t.table_id FROM tables t LEFT JOIN cells c USING (table_id) "
                   "GROUP BY t.table_id HAVING t.nrows != COUNT(DISTINCT c.row_index)") == []
        # nothing belongs to a document that is not stored
        for table, col in (("pages", "sha256"), ("pages_fts", "sha256"), ("tables", "sha256"),
                           ("rows", "source_sha256"), ("rejects", "source_sha256"),
                           ("findings", "sha256"), ("page_hashes", "sha256")):
            if _has_table(conn, table):
                assert one(f"SELECT {col} FROM {table} WHERE {col} NOT IN "
                           "(SELECT sha256 FROM documents) LIMIT 1") == [], table
        assert one("SELECT table_id FROM cells WHERE table_id NOT IN "
                   "(SELECT table_id FROM tables) LIMIT 1") == []
        for table in ("rows", "rejects"):
            assert one(f"SELECT table_id FROM {table} WHERE table_id NOT IN "
                       "(SELECT table_id FROM tables) LIMIT 1") == [], table
        # a record id is one row or one reject, once; a cell is stored once
        assert one("SELECT record_id FROM (SELECT record_id FROM rows UNION ALL "
                   "SELECT record_id FROM rejects) GROUP BY record_id HAVING COUNT(*) > 1") == []
        assert one("SELECT table_id, row_index, col FROM cells GROUP BY table_id, row_index, "
                   "col HAVING COUNT(*) > 1") == []
        assert one("SELECT sha256, page FROM pages_fts GROUP BY sha256, page "
                   "HAVING COUNT(*) > 1") == []


def _doc_key(table: str, cols: tuple[str, ...], row: tuple) -> str:
    value = row[cols.index(DOC_COLUMN[table])]
    return value.split("-t")[0] if table == "cells" else str(value)[:16]


def assert_whole_documents(db: Path, clean: Snapshot) -> int:
    """The killed store holds whole documents only: each one it holds is, in every
    per-document table, exactly what the clean run stored for it; its `files` rows are clean
    rows. Returns the number of documents it holds."""
    if not db.exists():
        return 0
    assert_consistent(db)
    got = snapshot(db)
    cols, docs = got["documents"]
    held = {_doc_key("documents", cols, d) for d in docs}
    for table in DOC_COLUMN:
        cols, rows = got[table]
        want_cols, want = clean[table]
        if not rows:
            want_here: list[tuple] = [r for r in want
                                      if _doc_key(table, want_cols, r) in held]
            assert want_here == [], f"{table}: committed documents lost their {table}"
            continue
        assert cols == want_cols, table
        want_here = [r for r in want if _doc_key(table, want_cols, r) in held]
        assert rows == want_here, f"{table}: a committed document differs from the clean run"
    files, clean_files = Counter(got["files"][1]), Counter(clean["files"][1])
    assert not files - clean_files, f"files rows the clean run does not have: {files - clean_files}"
    return len(held)


def assert_rerun_summary(summary: dict, clean: Snapshot) -> None:
    """The rerun accounts for every file and every document, from cache or read again."""
    assert sum(summary["files"].values()) == len(clean["files"][1])
    assert summary["extracted"] + summary["cached"] == len(clean["documents"][1])


# --- dumps and clean runs ------------------------------------------------------------------


@dataclass
class Clean:
    """A clean, uninterrupted run: its store's snapshot and how long it took."""

    dump: Path
    out: Path
    snap: Snapshot
    seconds: float
    summary: dict


def clean_run(dump: Path, out: Path, exports: Iterable[str] = ()) -> Clean:
    summary, took = complete(dump, out, out.parent / f"{out.name}.log", exports=exports)
    db = out / "foia.sqlite"
    assert_consistent(db)
    print(f"clean run of {dump.name}: {took:.1f}s")
    return Clean(dump, out, snapshot(db), took, summary)


@pytest.fixture(scope="module")
def clean_sample(tmp_path_factory: pytest.TempPathFactory) -> Clean:
    """fixtures/sample_dump: PDFs, xlsx, csv, zip, a copy, a corrupt PDF, a scanned page."""
    return clean_run(SAMPLE_DUMP, tmp_path_factory.mktemp("kill") / "clean-sample")


@pytest.fixture(scope="module")
def ocr_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two one-page scans, in this order: an image (OCR job per frame) then a PDF (OCR job per
    page, read inside the document's transaction: a kill there leaves an open write)."""
    dump = tmp_path_factory.mktemp("ocr-dump")
    shutil.copy(SCANS / "scan-page.png", dump / "a-scan-page.png")
    shutil.copy(SCANS / "rotated-90.pdf", dump / "b-rotated-90.pdf")
    return dump


@pytest.fixture(scope="module")
def clean_ocr(ocr_dump: Path, tmp_path_factory: pytest.TempPathFactory) -> Clean:
    return clean_run(ocr_dump, tmp_path_factory.mktemp("kill") / "clean-ocr")


BIG_ROWS = 6_000


@pytest.fixture(scope="module")
def big_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One county-counts CSV of BIG_ROWS rows: the export (three formats) takes seconds, so a
    kill can land while a file is being written."""
    dump = tmp_path_factory.mktemp("big-dump")
    counties = [("Hennepin County", "MN"), ("Santa Clara", "CA"), ("L.A. County", "CA"),
                ("Clark County", "NV"), ("ALAMEDA CO.", "CA"), ("Cook County", "IL")]
    rng = random.Random(20170304)
    lines = ['"Declined Detainers by County, Week of March 4, 2017",,',
             "County,State,Declined Detainers"]
    lines += [f"{c},{s},{rng.randint(1, 99)}"
              for c, s in (counties[i % len(counties)] for i in range(BIG_ROWS))]
    (dump / "big-counts.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return dump


@pytest.fixture(scope="module")
def clean_big(big_dump: Path, tmp_path_factory: pytest.TempPathFactory) -> Clean:
    return clean_run(big_dump, tmp_path_factory.mktemp("kill") / "clean-big", EXPORTS)


def kill_then_rerun(clean: Clean, tmp: Path, case: str, point: Callable[[Run], None],
                    workers: int = 1) -> Kill:
    """Start a run, wait for `point`, SIGKILL its group, check the killed store holds whole
    documents, rerun with the same command, and compare with the clean run."""
    out = tmp / "out"
    run = start(clean.dump, out, tmp / "killed.log", workers)
    point(run)
    evidence = kill(run, case)
    held = assert_whole_documents(out / "foia.sqlite", clean.snap)
    assert held == (evidence.documents_committed or 0)
    t = time.perf_counter()
    summary, _ = complete(clean.dump, out, tmp / "rerun.log", workers)
    print(f"[{case}] rerun: {time.perf_counter() - t:.1f}s, {summary['cached']} documents from "
          f"the killed run's store, {summary['extracted']} read again")
    assert summary["cached"] == held
    assert_rerun_summary(summary, clean.snap)
    assert_same_store(out / "foia.sqlite", clean.snap)
    return evidence


def first_event(run: Run, match: Callable[[dict], bool]) -> Callable[[], bool]:
    return lambda: any(match(e) for e in run.events())


# --- (a) after the first committed document -------------------------------------------------


@pytest.mark.slow
def test_kill_after_first_committed_document(clean_sample: Clean, tmp_path: Path) -> None:
    """Killed just after the first `ok` document is logged: the coordinator is already
    streaming the next PDF's pages into its open transaction (workers=1)."""
    def point(run: Run) -> None:
        wait_for(run, first_event(run, lambda e: e.get("stage") == "documents"
                                  and e.get("status") == "ok"), "first ok document")

    evidence = kill_then_rerun(clean_sample, tmp_path, "a: first document", point)
    assert evidence.documents_committed and evidence.documents_committed < len(
        clean_sample.snap["documents"][1])


# --- (b) mid-OCR --------------------------------------------------------------------------


@pytest.mark.slow
def test_kill_mid_ocr_workers_1(clean_ocr: Clean, tmp_path: Path) -> None:
    """The image is stored; the PDF's page is being read by tesseract (a child of the
    coordinator) inside the PDF's open transaction."""
    def point(run: Run) -> None:
        wait_for(run, first_event(run, lambda e: e.get("stage") == "documents"
                                  and e.get("done") == 1), "first scan stored")
        wait_for(run, lambda: bool(tesseracts(run)), "tesseract on the second scan")

    evidence = kill_then_rerun(clean_ocr, tmp_path, "b: mid-OCR, workers 1", point)
    assert evidence.tesseracts >= 1
    assert evidence.write_open  # the PDF's transaction: its delete ran before its OCR
    assert evidence.documents_committed == 1


@pytest.mark.slow
def test_kill_mid_ocr_workers_2(clean_ocr: Clean, tmp_path: Path) -> None:
    """--workers 2: both scans are OCR'd in pool workers ahead of the coordinator; killed
    while a worker's tesseract runs and nothing is stored yet. Pool workers and tesseract
    must die with the group (kill() asserts the group is empty)."""
    seen: list[int] = []

    def point(run: Run) -> None:
        def worker_ocr() -> bool:
            seen[:] = [1 for _, ppid, _ in tesseracts(run) if ppid != run.proc.pid]
            return bool(seen)
        wait_for(run, worker_ocr, "tesseract under a pool worker")

    evidence = kill_then_rerun(clean_ocr, tmp_path, "b': mid-OCR, workers 2", point, workers=2)
    # The kill follows the sighting at once, but one tesseract call can end in between (they
    # are short, and a loaded machine delays the kill): the sighting is the evidence.
    assert seen, evidence
    assert sum(1 for g in evidence.group if g.startswith("foia(")) >= 3, evidence.group


@pytest.mark.slow
def test_pool_workers_exit_when_only_the_coordinator_is_killed(ocr_dump: Path,
                                                               tmp_path: Path) -> None:
    """The OOM killer kills one process, not a group. With only the coordinator killed, its
    pool workers are orphans: they finish their queued OCR (tesseract keeps running), then
    block forever on the dead coordinator's pipes, holding their memory. They should exit
    within a moment of the coordinator's death: the pool's initializer sets PR_SET_PDEATHSIG
    (extract/executor.py)."""
    run = start(ocr_dump, tmp_path / "out", tmp_path / "orphans.log", workers=2)
    wait_for(run, lambda: any(ppid != run.proc.pid for _, ppid, _ in tesseracts(run)),
             "tesseract under a pool worker")
    os.kill(run.proc.pid, signal.SIGKILL)
    run.proc.wait(timeout=30)
    try:
        deadline = time.perf_counter() + 5
        while (left := group_members(run.proc.pid)) and time.perf_counter() < deadline:
            time.sleep(0.05)
        print(f"[orphans] 5s after killing the coordinator alone: {left}")
        assert not left, f"pool workers outlived the coordinator: {left}"
    finally:
        with suppress(ProcessLookupError):  # the orphans, for the rest of the suite
            os.killpg(run.proc.pid, signal.SIGKILL)


# --- (c) mid-export -----------------------------------------------------------------------


def read_export(path: Path) -> pd.DataFrame:
    """An export file as a DataFrame (raises on a file that is not whole, e.g. Parquet)."""
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_json(path, lines=True, dtype=False) if path.stat().st_size > 1 else (
        pd.DataFrame())


def assert_exports_whole(out: Path, expected: dict[str, int]) -> list[str]:
    """Every export file present (not a temp file) holds its whole table: as many rows as the
    store and the same record ids. Returns the names of those present."""
    present = []
    for path in sorted((out / "exports").glob("*.*")):
        if path.name.startswith("."):
            continue
        table = path.name.split(".")[0]
        df = read_export(path)
        assert len(df) == expected[table], f"{path.name}: {len(df)} of {expected[table]} rows"
        if len(df):
            want = sorted(read_rows(out, table)["record_id"])
            assert sorted(df["record_id"]) == want, path.name
        present.append(path.name)
    return present


def _size(path: Path) -> int:
    """Size of a file that may be renamed away while we look (0 then)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def temps(out: Path) -> list[Path]:
    folder = out / "exports"
    return [p for p in folder.iterdir() if TEMP_NAME.match(p.name)] if folder.is_dir() else []


@pytest.mark.slow
def test_kill_mid_export(clean_big: Clean, tmp_path: Path) -> None:
    """Killed while export files are written (after the summary event): first while the first
    file (rows.csv) is half written, then, in a cached rerun, while rows.jsonl replaces a
    complete one. Each time: no partial export, old files intact; the rerun cleans the stale
    temp file and leaves complete exports equal to the clean run's."""
    out = tmp_path / "out"
    expected = {t: len(clean_big.snap[t][1]) for t in ("rows", "rejects")}
    assert expected["rows"] >= BIG_ROWS

    # 1. first export of a fresh store, killed mid-write of its first file. Watched in the
    # exports folder: the CLI does not flush the summary/export lines of --log-json until it
    # exits, so the log cannot say when the export phase starts.
    run = start(clean_big.dump, out, tmp_path / "k1.log", exports=EXPORTS)
    wait_for(run, first_event(run, lambda e: e.get("stage") == "documents"), "document stored")
    wait_for(run, lambda: any(_size(p) > 0 for p in temps(out)), "an export started",
             timeout=120)
    evidence = kill(run, "c1: mid-export of the first file")
    assert temps(out), "the kill missed the write: no temp file left"
    assert_same_store(out / "foia.sqlite", clean_big.snap)  # the store was done: untouched
    present = assert_exports_whole(out, expected)
    summary_logged = any(e.get("event") == "summary" for e in run.events())
    print(f"[c1] complete exports after the kill: {present or 'none'}; stale: "
          f"{[p.name for p in temps(out)]}; summary line in the log: {summary_logged}")
    assert evidence.documents_committed == len(clean_big.snap["documents"][1])

    # 2. rerun: complete exports, temp file cleaned
    summary, _ = complete(clean_big.dump, out, tmp_path / "r1.log", exports=EXPORTS)
    assert summary["cached"] == 1
    assert temps(out) == []
    assert sorted(assert_exports_whole(out, expected)) == sorted(
        f"{t}.{f}" for t in expected for f in EXPORTS)
    before = {p.name: (p.stat().st_ino, p.read_bytes()) for p in (out / "exports").iterdir()}

    # 3. cached rerun killed while rows.jsonl replaces the complete one. The kill can land
    # just after the file was renamed into place (the write is quick): then it did not hit
    # the moment this step is about, the exports are made whole again and it is tried again.
    for attempt in range(3):
        run = start(clean_big.dump, out, tmp_path / f"k2-{attempt}.log", exports=EXPORTS)
        wait_for(run, lambda: any(p.name.startswith(".rows.jsonl") and _size(p) > 0
                                  for p in temps(out)), "rows.jsonl being replaced",
                 timeout=120)
        kill(run, "c2: mid-export, replacing rows.jsonl")
        if any(".rows.jsonl" in p.name for p in temps(out)):
            break
        print(f"[c2] attempt {attempt + 1}: the kill landed after rows.jsonl was replaced")
        complete(clean_big.dump, out, tmp_path / f"r-{attempt}.log", exports=EXPORTS)
        before = {p.name: (p.stat().st_ino, p.read_bytes()) for p in (out / "exports").iterdir()}
    replaced = sorted(p.name for p in (out / "exports").iterdir()
                      if p.name in before and p.stat().st_ino != before[p.name][0])
    print(f"[c2] files replaced by the killed run: {replaced}")
    assert {"rows.csv", "rows.parquet"} <= set(replaced) and "rows.jsonl" not in replaced
    assert [p.name for p in temps(out)] and all(".rows.jsonl" in p.name for p in temps(out))
    assert (out / "exports" / "rows.jsonl").read_bytes() == before["rows.jsonl"][1]
    assert_exports_whole(out, expected)

    # 4. rerun: complete again, and the same data as the clean run's exports
    complete(clean_big.dump, out, tmp_path / "r2.log", exports=EXPORTS)
    assert temps(out) == []
    assert_exports_whole(out, expected)
    for path in (clean_big.out / "exports").iterdir():
        got, want = read_export(out / "exports" / path.name), read_export(path)
        if len(want):
            key = "record_id"
            pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                          want.sort_values(key).reset_index(drop=True))
        else:
            assert len(got) == 0
    assert_same_store(out / "foia.sqlite", clean_big.snap)


# --- (d) random kill times ----------------------------------------------------------------

RANDOM_SEED = 20170203
# (documents stored, then seconds, workers): seeded, so a failure can be replayed. Kill times
# are drawn in run progress, not wall time, so a loaded machine still spreads them over the
# whole run: one in each third of the sample dump's 12 files, each a random fraction of a
# second after the k-th file is stored (into the next document's transaction), the middle
# one with a pool of 2 workers extracting documents ahead of the coordinator.
_rng = random.Random(RANDOM_SEED)
RANDOM_KILLS = [(_rng.randint(lo, hi), round(_rng.uniform(0.0, 0.5), 2), w)
                for (lo, hi), w in (((1, 4), 1), ((5, 8), 2), ((9, 10), 1))]


@pytest.mark.slow
@pytest.mark.parametrize(("stored", "delay", "workers"), RANDOM_KILLS)
def test_kill_at_random_time(clean_sample: Clean, tmp_path: Path, stored: int, delay: float,
                             workers: int) -> None:
    """A kill at a seeded random moment of a whole run of the mixed sample dump."""
    def point(run: Run) -> None:
        wait_for(run, first_event(run, lambda e: e.get("stage") == "documents"
                                  and e.get("done", 0) >= stored), f"{stored} files stored")
        until = time.perf_counter() + delay
        while time.perf_counter() < until:
            if run.proc.poll() is not None:
                pytest.fail(f"run ended within {delay}s of file {stored}")
            time.sleep(0.005)

    kill_then_rerun(clean_sample, tmp_path, f"d: {delay}s after file {stored}, workers "
                    f"{workers}", point, workers)


# --- a forced rerun killed: the old documents must survive ------------------------------


@pytest.mark.slow
def test_kill_during_forced_rerun_keeps_documents(clean_sample: Clean, tmp_path: Path) -> None:
    """`--force` deletes and rewrites each stored document in one transaction: killed while it
    rewrites one, the store must still be the complete clean store (nothing deleted and not
    yet rewritten); a plain rerun then takes everything from the cache."""
    out = tmp_path / "out"
    shutil.copytree(clean_sample.out, out)
    run = start(clean_sample.dump, out, tmp_path / "force.log", force=True)
    wait_for(run, first_event(run, lambda e: e.get("stage") == "documents"
                              and e.get("item") == "ddor-counts.xlsx"), "4th document")
    time.sleep(0.5)  # into ddor-hrules.pdf: its old pages deleted, new ones streaming in
    kill(run, "e: --force rerun")
    # `errors` is a log of runs: the forced run re-read corrupt.pdf and logged it again.
    assert_same_store(out / "foia.sqlite", clean_sample.snap, ignore=("errors",))
    summary, _ = complete(clean_sample.dump, out, tmp_path / "rerun.log")
    assert summary["cached"] == len(clean_sample.snap["documents"][1])
    assert_same_store(out / "foia.sqlite", clean_sample.snap, ignore=("errors",))


# --- export temp files, in process (fast) ---------------------------------------------------


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small-store")
    dump = out / "dump"
    dump.mkdir()
    shutil.copy(SAMPLE_DUMP / "counts-mismatch.csv", dump)
    run_dump(dump, out / "out", workers=1)
    return out / "out"


def test_failed_export_keeps_previous_files(small_store: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """An export that dies while writing its second file (here: an error after half the
    bytes) replaces neither file, not even the first one it finished: rows and rejects stay
    a pair from one export, byte for byte, and no temp file is left."""
    paths = export_tables(small_store, "csv")
    before = {p.name: p.read_bytes() for p in paths}
    real_to_csv = pd.DataFrame.to_csv
    calls: list[Path] = []

    def second_fails_halfway(self: pd.DataFrame, target: Path, **kw: object) -> None:
        calls.append(Path(target))
        if len(calls) == 1:
            real_to_csv(self, target, **kw)
            return
        Path(target).write_bytes(before["rejects.csv"][: len(before["rejects.csv"]) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", second_fails_halfway)
    with pytest.raises(OSError, match="disk full"):
        export_tables(small_store, "csv")
    assert [c.name for c in calls] == [temp_path(p).name for p in paths]
    assert {p.name: p.read_bytes() for p in paths} == before
    assert temps(small_store) == []


def test_stale_temp_files_are_removed(small_store: Path) -> None:
    """Temp files of killed exports (their pid gone) are removed by the next export; one whose
    process still runs (a concurrent export) is left alone; neither is reported as written."""
    dest = small_store / "exports"
    dest.mkdir(exist_ok=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = temp_path(dest / "rows.parquet", dead.pid)
    stale.write_bytes(b"PAR1 half a file")
    live = temp_path(dest / "rejects.parquet", os.getppid())
    live.write_bytes(b"being written")
    written = export_tables(small_store, "parquet")
    assert not stale.exists()
    assert live.exists()
    assert all(not p.name.startswith(".") for p in written)
    assert remove_stale_temps(dest, now=time.time() + 2 * 24 * 3600) == [live]
    assert temps(small_store) == []
