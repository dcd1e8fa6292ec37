"""Report periods from text, hand corrections, and the per-kind schema gate."""

from __future__ import annotations

from datetime import date

import pytest

from normalize.corrections import Corrections
from normalize.period import find_period
from normalize.profiles import load_profile
from normalize.schema import schema_errors


@pytest.mark.parametrize("text,start,end", [
    ("During the reporting period of January 28 - February 3, 2017, ICE issued",
     date(2017, 1, 28), date(2017, 2, 3)),
    ("II. Declined Detainers (February 11 - February 17, 2017)",
     date(2017, 2, 11), date(2017, 2, 17)),
    ("for the week of Feb. 11 - 17, 2017", date(2017, 2, 11), date(2017, 2, 17)),
    ("Reporting Period: 12/30/2016 - 01/05/2017", date(2016, 12, 30), date(2017, 1, 5)),
    ("December 28 - January 3, 2017", date(2016, 12, 28), date(2017, 1, 3)),
])
def test_find_period(text, start, end):
    p = find_period(["no dates here", text])
    assert p is not None and (p.start, p.end) == (start, end)


def test_no_period_in_plain_text():
    assert find_period(["ICE issued 3,083 detainers; 206 were declined."]) is None


def test_corrections_by_raw_state_and_record(tmp_path):
    (tmp_path / "corrections.toml").write_text(
        '[[jurisdiction]]\nraw = "Baltimore"\nstate = "MD"\ncounty_fips = "24510"\n'
        'note = "booked at Baltimore Central Booking"\n\n'
        '[[jurisdiction]]\nraw = "baltimore"\nrecord_id = "abc"\ncounty_fips = "24005"\n')
    fixes = Corrections.load(tmp_path)
    assert fixes.jurisdiction("BALTIMORE ", "MD", "zzz").county_fips == "24510"
    assert fixes.jurisdiction("Baltimore", "MD", "abc").county_fips == "24005"  # by record first
    assert fixes.jurisdiction("Baltimore", "VA", "zzz") is None
    assert Corrections.load(tmp_path / "nowhere").jurisdictions == []
    (tmp_path / "corrections.toml").write_text("[[jurisdiction]]\nraw = 'x'\n")
    with pytest.raises(ValueError, match="invalid"):
        Corrections.load(tmp_path)


def test_schema_gate_names_each_bad_field():
    ddor = load_profile("ddor")
    errors = schema_errors(ddor.kind("declined_detainers"),
                           {"jurisdiction_raw": "Cook", "detainer_issued": "2017-02-30",
                            "declined_date": "2017-02-03", "state": "ZZ"})
    assert sorted(r for r, _ in errors) == ["bad_date", "bad_state"]
    assert schema_errors(ddor.kind("policies"), {"jurisdiction_raw": "Cook", "policy_text": "t",
                                                 "policy_type": "Rule"})[0][0] == "bad_value"
    assert schema_errors(ddor.kind("jurisdiction_counts"),
                         {"jurisdiction_raw": "Cook", "declined_count": -3})[0][0] == "bad_count"
    # A kind whose place must resolve leaves a blank county to the resolution step (a jail can
    # name it, issue 15); a kind whose place is optional still needs the cell.
    assert schema_errors(ddor.kind("jurisdiction_counts"), {"declined_count": 3}) == []
    assert schema_errors(ddor.kind("policies"), {"policy_text": "t"})[0][0] == "missing_field"
    assert schema_errors(ddor.kind("declined_detainers"),
                         {"jurisdiction_raw": "Cook", "detainer_issued": "2017-02-03",
                          "declined_date": "2017-02-05", "state": "IL"}) == []
    # A declined detainer has its declined date (issue 15: the claim's key field)
    assert schema_errors(ddor.kind("declined_detainers"),
                         {"jurisdiction_raw": "Cook", "detainer_issued": "2017-02-03",
                          "state": "IL"})[0][0] == "missing_field"
