"""Offense text -> NCIC categories (normalize/offenses.py): fixtures/offenses.csv and units."""

from __future__ import annotations

import ast
import csv
import json
from importlib import resources
from pathlib import Path

import pytest

from normalize.offenses import EMPTY, OffenseMatch, OffenseTagger

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "offenses.csv"
TRUTH = ROOT / "fixtures" / "truth"
MIN_ACCURACY = 0.97


def data_rows(name: str) -> list[dict[str, str]]:
    with resources.files("normalize.data").joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@pytest.fixture(scope="module")
def tagger() -> OffenseTagger:
    return OffenseTagger.load()


def fixture_rows() -> list[dict[str, str]]:
    with FIXTURE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def generator_offenses() -> list[str]:
    """The OFFENSES list of fixtures/generate.py, read without running the generator."""
    tree = ast.parse((ROOT / "fixtures" / "generate.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "OFFENSES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("fixtures/generate.py has no OFFENSES list")


def truth_offense_cells() -> list[str]:
    """Section-II 'Notable Criminal Activity' cells (cells[7]) of every truth file."""
    cells = []
    for path in sorted(TRUTH.glob("*.json")):
        for table in json.loads(path.read_text(encoding="utf-8")).get("tables", []):
            if table.get("section") == "II":
                cells += [row["cells"][7] for row in table["rows"] if len(row["cells"]) > 7]
    return cells


# --- the fixture: offense strings as releases write them ---------------------------------------

def test_fixture_has_enough_realistic_strings():
    rows = fixture_rows()
    assert len(rows) >= 150
    assert len({r["text"] for r in rows}) == len(rows), "duplicate fixture texts"
    known = {r["category"] for r in data_rows("ncic_categories.csv")}
    for r in rows:
        expected = set(filter(None, r["expected_categories"].split(";")))
        assert expected <= known, (r["text"], expected - known)


def test_fixture_category_sets(tagger):
    rows = fixture_rows()
    found = tagger.tag_many([r["text"] for r in rows])
    misses = []
    for row, match in zip(rows, found, strict=True):
        expected = set(filter(None, row["expected_categories"].split(";")))
        if set(match.categories) != expected:
            misses.append(f"{row['text']!r}: expected {sorted(expected)}, got "
                          f"{list(match.categories)} (unmatched {list(match.unmatched)})")
    accuracy = 1 - len(misses) / len(rows)
    assert accuracy >= MIN_ACCURACY, (
        f"exact category-set match {accuracy:.1%} < {MIN_ACCURACY:.0%} on {len(rows)} strings; "
        "misses:\n" + "\n".join(misses))


def test_fixture_most_serious(tagger):
    rows = fixture_rows()
    found = tagger.tag_many([r["text"] for r in rows])
    wrong = [f"{r['text']!r}: expected {r['expected_most_serious']!r}, got {m.most_serious!r}"
             for r, m in zip(rows, found, strict=True)
             if set(m.categories) == set(filter(None, r["expected_categories"].split(";")))
             and (m.most_serious or "") != r["expected_most_serious"]]
    assert not wrong, "\n".join(wrong)


# --- units --------------------------------------------------------------------------------------

def test_api_shape(tagger):
    match = tagger.tag("Assault")
    assert isinstance(match, OffenseMatch)
    assert match == OffenseMatch(("ASSAULT",), ("1399",), "ASSAULT", ())
    with pytest.raises(AttributeError):
        match.categories = ()  # frozen
    assert OffenseTagger.load() is tagger


@pytest.mark.parametrize("text, categories, codes", [
    ("5404", ("TRAFFIC OFFENSES",), ("5404",)),
    ("13xx", ("ASSAULT",), ("13XX",)),
    ("1399", ("ASSAULT",), ("1399",)),
    ("0301", ("IMMIGRATION",), ("0301",)),
    ("5404/1313", ("TRAFFIC OFFENSES", "ASSAULT"), ("5404", "1313")),
    ("Assault (1313)", ("ASSAULT",), ("1313",)),
])
def test_codes_map_directly(tagger, text, categories, codes):
    match = tagger.tag(text)
    assert (match.categories, match.codes, match.unmatched) == (categories, codes, ())


@pytest.mark.parametrize("text", ["9999", "8USC1325x", "01/15/2005", "$2005", "SEC.1325"])
def test_numbers_that_are_not_codes(tagger, text):
    assert tagger.tag(text).categories == ()


def test_a_year_beside_words_is_not_a_code(tagger):
    assert tagger.tag("Driving Under Influence Liquor 2005").categories == ("TRAFFIC OFFENSES",)
    assert tagger.tag("Murder (2005)").categories == ("HOMICIDE",)


def test_multi_offense_cells(tagger):
    match = tagger.tag("Assault; Dangerous Drugs, Weapon Offense")
    assert match.categories == ("ASSAULT", "DANGEROUS DRUGS", "WEAPON OFFENSES")
    assert match.codes == ("1399", "3599", "5299")
    assert match.unmatched == ()
    match = tagger.tag("Burglary/Larceny and Robbery & Kidnapping")
    assert match.categories == ("BURGLARY", "LARCENY", "ROBBERY", "KIDNAPPING")


def test_separators_inside_wordings_do_not_split_them(tagger):
    match = tagger.tag("Obstruct Judiciary, Congress, Legislature, Etc.; Hit and Run")
    assert match.categories == ("OBSTRUCTING JUDICIARY", "TRAFFIC OFFENSES")
    assert match.codes == ("50XX", "5401")
    assert match.unmatched == ()
    note = tagger.tag("Illegal Entry (INA SEC.101(a)(43)(O), 8USC1325 only)")
    assert (note.categories, note.unmatched) == (("IMMIGRATION",), ())


def test_categories_in_order_of_first_mention_deduplicated(tagger):
    match = tagger.tag("Traffic Offense; Assault; Driving Under Influence Liquor; Simple Assault")
    assert match.categories == ("TRAFFIC OFFENSES", "ASSAULT")
    assert match.codes == ("5499", "1399", "5404", "1313")


def test_most_serious_follows_the_severity_order(tagger):
    assert tagger.tag("Traffic Offense; Homicide").most_serious == "HOMICIDE"
    assert tagger.tag("Illegal Re-Entry; Driving Under Influence Liquor").most_serious == (
        "TRAFFIC OFFENSES")
    assert tagger.tag("Dangerous Drugs; Burglary; Assault").most_serious == "ASSAULT"
    rank = tagger.severity
    violent = ["HOMICIDE", "KIDNAPPING", "SEXUAL ASSAULT", "ROBBERY", "ASSAULT"]
    assert [rank[c] for c in violent] == [1, 2, 3, 4, 5]
    assert rank["BURGLARY"] < rank["LARCENY"] < rank["STOLEN VEHICLE"]
    assert rank["TRAFFIC OFFENSES"] > rank["PUBLIC PEACE"]
    assert max(rank, key=rank.__getitem__) != "HOMICIDE"


def test_unmatched_pieces_are_reported_not_raised(tagger):
    match = tagger.tag("Assault; Jaywalking Zone Seven, (b)(6)")
    assert match.categories == ("ASSAULT",)
    assert match.unmatched == ("Jaywalking Zone Seven", "(b)(6)")
    assert tagger.tag("Obstruct Judiciary, Congress, Legislature").unmatched == ()
    assert tagger.tag("Etc.").unmatched == ()  # function words only


@pytest.mark.parametrize("text", [None, "", "   ", "\n"])
def test_empty_is_an_empty_match(tagger, text):
    assert tagger.tag(text) == EMPTY == OffenseMatch((), (), None, ())


def test_tag_many_agrees_with_tag_and_keeps_order(tagger):
    texts = ["Assault", None, "DUI", "Assault", "", "Illegal Reentry; Burglary"]
    many = tagger.tag_many(texts, batch_size=2)
    assert many == [tagger.tag(t) for t in texts]
    assert [m.most_serious for m in many] == [
        "ASSAULT", None, "TRAFFIC OFFENSES", "ASSAULT", None, "BURGLARY"]


def test_abbreviations_plurals_and_case(tagger):
    assert tagger.tag("Poss. Marijuana").codes == ("3562",)
    assert tagger.tag("AGG. ASSAULT W/ DEADLY WEAPON").categories == ("ASSAULT",)
    assert tagger.tag("Assaults").categories == ("ASSAULT",)
    assert tagger.tag("burglaries; robberies").categories == ("BURGLARY", "ROBBERY")
    assert tagger.tag("Dom. Viol.").categories == ("FAMILY OFFENSES",)
    assert tagger.tag("DUI Liquor").codes == ("5404",)


def test_weapon_nouns_qualify_other_offenses(tagger):
    assert tagger.tag("Robbery with a Firearm").categories == ("ROBBERY",)
    assert tagger.tag("Firearm").categories == ("WEAPON OFFENSES",)
    assert tagger.tag("Robbery; Firearm").categories == ("ROBBERY", "WEAPON OFFENSES")


def test_every_fixture_generator_wording_maps(tagger):
    offenses = generator_offenses()
    assert len(offenses) >= 30
    for text, match in zip(offenses, tagger.tag_many(offenses), strict=True):
        assert len(match.categories) == 1 and match.unmatched == (), (text, match)


def test_every_truth_offense_cell_maps(tagger):
    cells = truth_offense_cells()
    assert len(cells) >= 100
    for cell, match in zip(cells, tagger.tag_many(cells), strict=True):
        items = [i.strip() for i in cell.split(";") if i.strip()]
        expected = {c for i in items for c in tagger.tag(i).categories}
        assert match.unmatched == () and set(match.categories) == expected, (cell, match)


def test_chunked_reading_equals_whole_cell_reading(tagger):
    """tag_many cuts cells where no wording can span and caches chunks; nothing may change."""
    texts = [r["text"] for r in fixture_rows()] + truth_offense_cells() + [
        "Hit, and Run", "Damage, Property", "B & E", "Burglary, Tools", "Larceny, , Theft",
        "Assault (with, intent), Burglary", "01/15/2005, DUI", "Hit AND Run; and; burglary"]
    tagger.clear_cache()
    for text, match in zip(texts, tagger.tag_many(texts), strict=True):
        assert match == tagger._read(text, tagger.nlp(text)), text


# --- the data files ---------------------------------------------------------------------------

def test_taxonomy_files_are_consistent():
    codes = data_rows("ncic_codes.csv")
    cats = data_rows("ncic_categories.csv")
    assert len(codes) == 464 and all(len(r["code"]) == 4 and r["code"].isdigit() for r in codes)
    assert {"0301", "0399", "5403", "5404", "1313"} <= {r["code"] for r in codes}
    name = {r["category_code"]: r["category"] for r in cats}
    assert all(r["category"] == name[r["category_code"]] == name[r["code"][:2]] for r in codes)
    assert sorted(int(r["severity_rank"]) for r in cats) == list(range(1, len(cats) + 1))
    assert all(n == n.upper() for n in name.values())
    expected = {"09": "HOMICIDE", "10": "KIDNAPPING", "11": "SEXUAL ASSAULT", "12": "ROBBERY",
                "13": "ASSAULT", "22": "BURGLARY", "23": "LARCENY", "24": "STOLEN VEHICLE",
                "26": "FRAUD", "35": "DANGEROUS DRUGS", "36": "SEX OFFENSES",
                "38": "FAMILY OFFENSES", "48": "OBSTRUCTING POLICE",
                "50": "OBSTRUCTING JUDICIARY", "52": "WEAPON OFFENSES", "53": "PUBLIC PEACE",
                "54": "TRAFFIC OFFENSES", "03": "IMMIGRATION"}
    assert {k: name[k] for k in expected} == expected


def test_wordings_file_is_built_from_the_hand_file():
    hand = data_rows("offense_wordings_hand.csv")
    built = [r for r in data_rows("offense_wordings.csv") if not r["source"].startswith("ncic-")]
    strip = [{k: v or "" for k, v in r.items()} for r in hand]
    assert strip == built, "offense_wordings.csv is stale: run tools/build_ncic.py"


def test_every_wording_names_a_known_code_or_category(tagger):
    for row in data_rows("offense_wordings.csv"):
        value = row["code_or_category"]
        ok = value in tagger.codes or (value.endswith("XX") and value[:2] in tagger.category_of)
        assert ok, row
    assert tagger.wording_collisions() == []
