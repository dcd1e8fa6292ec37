"""Profiles claim tables by fuzzy header matching; unclaimed tables stay generic."""

from __future__ import annotations

import pytest

from normalize.profiles import bundled, load_profile, match_table


@pytest.fixture(scope="module")
def ddor():
    return load_profile("ddor")


@pytest.mark.parametrize("header,kind,expect", [
    (["AOR", "Facility", "County", "State", "Citizenship", "Detainer Issued", "Declined Date",
      "Notable Criminal Activity"], "declined_detainers",
     {0: "aor", 2: "jurisdiction_raw", 5: "detainer_issued", 6: "declined_date",
      7: "offense_raw"}),
    # Release wordings seen in other weeks and in FOIA spreadsheets, with a typo and footnote marks.
    (["Area of Responsibility", "Detention Facility", "Jurisdiction", "St.",
      "Country of Citizenship", "Detainer Lodged Date", "Date Declined*", "Criminal Activity"],
     "declined_detainers",
     {0: "aor", 1: "facility", 2: "jurisdiction_raw", 3: "state", 4: "citizenship",
      5: "detainer_issued", 6: "declined_date", 7: "offense_raw"}),
    (["County", "State", "Declined Detainers"], "jurisdiction_counts",
     {0: "jurisdiction_raw", 1: "state", 2: "declined_count"}),
    (["Jurisdiction", "State", "Number of Declined Detainers*"], "jurisdiction_counts",
     {0: "jurisdiction_raw", 1: "state", 2: "declined_count"}),
    (["AOR", "Declined Detainers"], "aor_counts", {0: "aor", 1: "declined_count"}),
    (["Jurisdiction", "State", "Type", "Policy"], "policies",
     {0: "jurisdiction_raw", 3: "policy_text"}),
    (["Citizenshp", "Detainer Isued", "County", "Declined Date"], "declined_detainers",
     {0: "citizenship", 1: "detainer_issued"}),
])
def test_header_variants_claimed(ddor, header, kind, expect):
    match = match_table(header, ddor)
    assert match is not None and match.kind == kind
    for col, field in expect.items():
        assert match.columns[col] == field


@pytest.mark.parametrize("header", [
    ["Notice Date", "Effective", "Received", "Company", "City", "No. Of", "Layoff/Closure"],
    ["State / Territory", "Permit", "Handgun", "Long Gun", "Totals"],
    ["County"],  # one field is not enough to claim a table
])
def test_foreign_tables_stay_generic(ddor, header):
    assert match_table(header, ddor) is None


def test_bundled_and_bad_profiles(tmp_path):
    assert "ddor" in bundled()
    with pytest.raises(ValueError, match="no profile named"):
        load_profile("nosuch")
    bad = tmp_path / "bad.toml"
    bad.write_text("x = 1\n")
    with pytest.raises(ValueError, match="invalid profile"):
        load_profile(str(bad))
