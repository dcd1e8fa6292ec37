"""Shared fixtures: the sample dump run once per session through the whole pipeline."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from foia.run.pipeline import run_dump

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SAMPLE_DUMP = FIXTURES / "sample_dump"
TRUTH = FIXTURES / "truth"
REAL = FIXTURES / "real"


def load_truth(name: str) -> dict:
    return json.loads((TRUTH / name).read_text(encoding="utf-8"))


def manifest_entries() -> list[dict]:
    """Every file of the sample dump, zip members included (paths `week2.zip/week2/...`)."""
    out = []
    for f in load_truth("manifest.json")["files"]:
        out.append(f)
        out.extend(f.get("members", []))
    return out


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory):
    """(summary, output folder) of `run_dump` on the committed sample dump."""
    out = tmp_path_factory.mktemp("sample_out")
    summary = run_dump(SAMPLE_DUMP, out)
    return summary, out


@pytest.fixture(scope="session")
def sample_db(sample_run):
    _, out = sample_run
    conn = sqlite3.connect(out / "foia.sqlite")
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def pytest_configure(config: pytest.Config) -> None:
    # Goldens never regenerate silently: the switch must be off in CI.
    if os.environ.get("CI") and os.environ.get("FOIA_REGENERATE_GOLDENS"):
        raise pytest.UsageError("FOIA_REGENERATE_GOLDENS must not be set in CI")


@pytest.fixture(scope="session")
def scans_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(dump, output folder) of `run_dump` over every scanned fixture (the OCR route, about a
    minute): shared by the OCR acceptance tests and the accounting check."""
    import shutil

    dump = tmp_path_factory.mktemp("scan_dump")
    for path in sorted((FIXTURES / "scans").iterdir()):
        shutil.copy(path, dump / path.name)
    out = tmp_path_factory.mktemp("scan_out")
    run_dump(dump, out)
    return dump, out


def fielded(row) -> dict:
    """A stored row (sqlite3.Row or dict) with its fields JSON spread into it: since store
    version 3 the profile's fields live in `rows.fields` (typed per kind in the kind views)."""
    d = dict(row)
    if d.get("fields"):
        import json

        d.update(json.loads(d["fields"]))
    return d
