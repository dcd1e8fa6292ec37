"""State cells in every style releases use (issue 15): codes, names, AP, GPO, OCR damage."""

from __future__ import annotations

import pytest

from normalize.datafiles import data_rows
from normalize.states import fold_state, read_state

# AP Stylebook abbreviations of all states that have one (the eight short names are spelled out).
AP = {"Ala.": "AL", "Ariz.": "AZ", "Ark.": "AR", "Calif.": "CA", "Colo.": "CO", "Conn.": "CT",
      "Del.": "DE", "Fla.": "FL", "Ga.": "GA", "Ill.": "IL", "Ind.": "IN", "Kan.": "KS",
      "Ky.": "KY", "La.": "LA", "Md.": "MD", "Mass.": "MA", "Mich.": "MI", "Minn.": "MN",
      "Miss.": "MS", "Mo.": "MO", "Mont.": "MT", "Neb.": "NE", "Nev.": "NV", "N.H.": "NH",
      "N.J.": "NJ", "N.M.": "NM", "N.Y.": "NY", "N.C.": "NC", "N.D.": "ND", "Okla.": "OK",
      "Ore.": "OR", "Pa.": "PA", "R.I.": "RI", "S.C.": "SC", "S.D.": "SD", "Tenn.": "TN",
      "Vt.": "VT", "Va.": "VA", "Wash.": "WA", "W.Va.": "WV", "Wis.": "WI", "Wyo.": "WY"}


@pytest.mark.parametrize("text,usps", sorted(AP.items()))
def test_every_ap_abbreviation(text, usps):
    assert read_state(text).usps == usps
    assert read_state(text.upper()).usps == usps


def test_every_census_name_and_code_in_any_case():
    for row in data_rows("states.csv"):
        for text in (row["name"], row["name"].upper(), row["usps"], row["usps"].lower()):
            assert read_state(text).usps == row["usps"], text


@pytest.mark.parametrize("text,usps", [
    ("Calif", "CA"), ("Nebr", "NE"), ("Nebr.", "NE"), ("N. Mex.", "NM"), ("N Dak", "ND"),
    ("S. Dak.", "SD"), ("Kans.", "KS"), ("Oreg.", "OR"), ("Tex.", "TX"), ("W. Va.", "WV"),
    ("Wisc.", "WI"), ("Penna.", "PA"), ("D.C.", "DC"), ("P.R.", "PR"), ("Wash. D.C.", "DC"),
])
def test_gpo_and_other_styles(text, usps):
    assert read_state(text).usps == usps


@pytest.mark.parametrize("text,usps", [
    ("Califomia", "CA"), ("Maryiand", "MD"), ("lowa", "IA"), ("Ohi0", "OH"), ("0H", "OH"),
    ("Nevv York", "NY"), ("Florlda", "FL"), ("M1ssouri", "MO"), ("Pennsylvama", "PA"),
    ("Tcxas", "TX"), ("Virgina", "VA"), ("Tennesee", "TN"), ("Massachusets", "MA"),
])
def test_ocr_damage_and_typos(text, usps):
    assert read_state(text).usps == usps


@pytest.mark.parametrize("text", ["Dakota", "Carolina", "Xanadu", "Mexico",
                                  "XX", "", "(b)(6)"])
def test_no_guess_between_two_states_or_outside(text):
    assert read_state(text).usps is None


def test_style_forms_are_unique_and_cited():
    seen: dict[str, str] = {}
    for name in ("states.csv", "state_aliases.csv", "state_styles.csv"):
        for row in data_rows(name):
            key = fold_state(row.get("alias") or row.get("form") or row["name"])
            assert seen.setdefault(key, row["usps"]) == row["usps"], key
    assert {r["style"] for r in data_rows("state_styles.csv")} == {"ap", "gpo", "other"}
