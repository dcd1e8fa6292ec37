"""The incremental cache key follows the code: a change to the table builder re-reads stored
documents, a change to the README re-reads nothing (issue 16).

Before, the key was the settings digest plus the package version, which stayed 0.1.0 while the
builder changed: an upgrade left old documents with old tables unless the user passed --force.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import extract
from foia.run import cache
from foia.run.pipeline import run_dump

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "fixtures" / "sample_dump"


def test_code_digest_changes_with_the_builder_not_with_docs(tmp_path):
    code = tmp_path / "extract"
    shutil.copytree(Path(extract.__file__).parent, code,
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = cache.code_digest(code)
    assert before == cache.code_digest(Path(extract.__file__).parent)

    (code / "README.md").write_text("how the builder works\n")
    (tmp_path / "README.md").write_text("project readme\n")
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "layout_tables.cpython-311.pyc").write_bytes(b"\0" * 16)
    assert cache.code_digest(code) == before

    builder = next(code.rglob("layout_tables.py"))
    builder.write_text(builder.read_text() + "\n# a changed tolerance\n")
    assert cache.code_digest(code) != before


def test_a_new_extraction_code_digest_re_reads_stored_documents(tmp_path, monkeypatch):
    dump = tmp_path / "dump"
    dump.mkdir()
    shutil.copy(SAMPLE / "ddor-ruled.pdf", dump)
    shutil.copy(SAMPLE / "ddor-counts.xlsx", dump)
    out = tmp_path / "out"

    first = run_dump(dump, out, workers=1)
    assert first.extracted == 2 and first.cached == 0

    again = run_dump(dump, out, workers=1)  # nothing changed: everything from the store
    assert again.extracted == 0 and again.cached == 2

    # the normalizers' code changed: rows are made again, pages are not read again
    monkeypatch.setattr(cache, "normalize_code_digest", lambda: "normalize-v2")
    renorm = run_dump(dump, out, workers=1)
    assert renorm.extracted == 0 and renorm.renormalized == 2

    # the extraction code changed (as an upgrade of the builder would): every document is read
    monkeypatch.setattr(cache, "extract_code_digest", lambda: "builder-v2")
    upgraded = run_dump(dump, out, workers=1)
    assert upgraded.extracted == 2 and upgraded.cached == 0
    assert upgraded.rows == first.rows > 0
