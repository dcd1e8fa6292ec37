"""Field normalizers: dates in release formats, FOIA redaction marks, states, counts."""

from __future__ import annotations

import pytest

from normalize.fields import normalize_count, normalize_date, normalize_state, redaction_codes


@pytest.mark.parametrize("text,pivot,iso", [
    ("02/03/2017", None, "2017-02-03"),
    ("2/3/17", 2017, "2017-02-03"),
    ("Feb 3, 2017", None, "2017-02-03"),
    ("2017-02-03", None, "2017-02-03"),
    ("42769", None, "2017-02-03"),  # Excel serial
    ("12/30/16", 2017, "2016-12-30"),
    ("1/5/99", 2017, "1999-01-05"),  # two-digit year read near the report's period
    ("03/25/2016*", None, "2016-03-25"),
])
def test_dates(text, pivot, iso):
    got = normalize_date(text, pivot_year=pivot)
    assert got.ok and got.value == iso


@pytest.mark.parametrize("text", ["", "Feb 3", "unknown", "13/45/2017"])
def test_bad_dates_say_why(text):
    got = normalize_date(text)
    assert not got.ok and got.value is None and got.reason


@pytest.mark.parametrize("text,codes", [
    ("(b)(6)", "(b)(6)"), ("(b)(7)(C)", "(b)(7)(C)"), ("b6", "(b)(6)"),
    ("(b)(6), (b)(7)(c)", "(b)(6);(b)(7)(C)"), ("(b)(6);(b)(7)(C)", "(b)(6);(b)(7)(C)"),
    ("(b)(7)(E)", "(b)(7)(E)"),
    ("Cook County Jail", None), ("Baltimore", None), ("", None),
])
def test_redaction_marks(text, codes):
    assert redaction_codes(text) == codes


def test_states_and_counts():
    assert normalize_state("Florida").value == "FL"
    assert normalize_state("fl").value == "FL"
    assert normalize_state("District of Columbia").value == "DC"
    # A doubled letter is read since issue 15 (was a refusal); two close states never are.
    assert normalize_state("Floridaa").value == "FL"
    assert not normalize_state("Xanadu").ok
    assert not normalize_state("Dakota").ok  # one edit from both Dakotas: refused
    assert normalize_count("1,234").value == 1234
    assert normalize_count("188*").value == 188
    assert not normalize_count("").ok and normalize_count("").value is None
    assert not normalize_count("n/a").ok
