"""`foia profile init`: a draft profile from a real release, loadable and claiming its table."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from foia.cli import main
from foia.run.pipeline import run_dump
from normalize.profile_draft import guess_type, slug
from normalize.profiles import load_profile
from tests.conftest import FIXTURES

WARN = FIXTURES / "real" / "WARN-Report-for-7-1-2015-to-03-25-2016.pdf"


def test_types_guessed_from_cells():
    assert guess_type(["06/22/2015", "2015-07-01", "Jul 1, 2015", ""]) == "date"
    assert guess_type(["150", "1,204", "37", "9"]) == "count"
    assert guess_type(["CA", "NY", "tx", "WA", "FL"]) == "state"
    assert guess_type(["Maxim Integrated Product", "San Jose", "150"]) is None
    assert slug("No. Of") == "no_of" and slug("Layoff/Closure") == "layoff_closure"


@pytest.mark.slow
def test_profile_init_on_the_warn_report_drafts_a_working_profile(tmp_path):
    dest = tmp_path / "warn.toml"
    result = CliRunner().invoke(main, ["profile", "init", str(WARN), "--name", "warn",
                                       "-o", str(dest)])
    assert result.exit_code == 0, result.output
    prof = load_profile(dest)
    [kind] = prof.tables
    assert list(kind.fields)[:3] == ["notice_date", "effective", "received"]
    assert kind.types == {"notice_date": "date", "effective": "date", "received": "date",
                          "no_of": "count"}
    text = dest.read_text(encoding="utf-8")
    assert "sha256" in text and "Review before use" in text
    # the draft, as written, normalizes the release it came from
    dump = tmp_path / "dump"
    dump.mkdir()
    shutil.copy(WARN, dump / WARN.name)
    run_dump(dump, tmp_path / "out", profile=str(dest), workers=1)
    conn = sqlite3.connect(tmp_path / "out" / "foia.sqlite")
    rows = conn.execute("SELECT fields FROM rows WHERE kind='notice_date_effective'").fetchall()
    rejects = conn.execute("SELECT COUNT(*) FROM rejects").fetchone()[0]
    conn.close()
    first = json.loads(rows[0][0])
    # pdfplumber's test asserts this first row (corpus expected.json): 06/22/2015, 150 employees
    assert first["notice_date"] == "2015-06-22" and first["no_of"] == 150
    assert first["effective"] == "2016-03-25"  # drawn as spaced glyphs "0 3 / 2 5 / 2 0 16"
    assert len(rows) + rejects >= 600
