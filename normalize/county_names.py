"""Name normalization for counties and jails: the spellings releases use → comparable keys.

A jurisdiction is parsed into a `ParsedName`: the base name without its designator, what the
designator said (`county` for County/Parish/Borough/Census Area/Municipio…, `city` for "X City" or
"City of X", None when the text does not say), and a state when the text carries one ("Cook County,
IL"). The key drops spaces and hyphens, so "De Kalb" = "DeKalb" and "Miami Dade" = "Miami-Dade".
The designator is kept apart because it is what separates twins: "Baltimore city" ≠ "Baltimore
County", and a bare "Baltimore" is both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from normalize.datafiles import data_rows

# Words that mean "this is the county-level entity" when they end a name.
_COUNTY_DESIGNATORS = (
    "city and borough", "census area", "island district", "municipality", "municipio",
    "borough", "parish", "district", "county",
)
# Cut everything after the first of these tokens ("Cook County Department of Corrections").
_COUNTY_CUT = {"county", "parish"}
# Tokens that are a designator, not a state, when they end the text ("HARRIS CO", not Colorado).
_DESIGNATOR_TOKENS = {"county", "co", "cnty", "cty", "parish", "par", "borough"}
# Institutions named after the jurisdiction; dropped from the end of the text.
_INSTITUTIONS = (
    "sheriffs office", "sheriff office", "sheriffs dept", "sheriff dept", "sheriffs department",
    "sheriff department", "sheriffs ofc", "sheriff", "so", "jail", "detention center",
    "detention facility", "adult detention center", "department of corrections",
    "dept of corrections", "doc", "correctional facility", "correctional center",
    "justice center", "police department", "pd",
)
# OCR misreadings of the designator itself ("Pierce Countv", "Harris C0unty").
_DESIGNATOR_OCR = {"countv": "county", "c0unty": "county", "countу": "county", "coimty": "county",
                   "couniy": "county", "counly": "county", "cou nty": "county", "countv.": "county",
                   "parlsh": "parish", "pansh": "parish", "par1sh": "parish"}
_TOKEN_MAP = {**_DESIGNATOR_OCR,
    "st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount", "co": "county",
    "cnty": "county", "cty": "county", "par": "parish", "twp": "township",
}
_PREFIXES = (  # (prefix, kind it implies)
    ("city and county of ", None), ("city and borough of ", "county"),
    ("county of ", "county"), ("parish of ", "county"), ("municipality of ", "county"),
    ("municipio de ", "county"), ("municipio of ", "county"), ("borough of ", "county"),
    ("city of ", "city"), ("the ", None),
)
# Innermost parentheses only: with [^)]* a run of "(" without ")" was scanned to its end from
# every "(", quadratic (20,000 of them took 15 s; tests/test_fuzz.py).
_PAREN = re.compile(r"\(([^()]*)\)")
_APOSTROPHE = re.compile(r"['’‘`´]")
_PUNCT = re.compile(r"[^a-z0-9,]+")


@dataclass(frozen=True)
class ParsedName:
    """A jurisdiction as text → comparable parts."""

    key: str  # base name, spaces and hyphens removed: "miamidade", "saintlouis"
    text: str  # base name with single spaces, for fuzzy scoring: "miami dade"
    kind: str | None  # "county" | "city" | None (the text does not say)
    state: str | None = None  # USPS code found in the text itself


def fold(text: str | None) -> str:
    """Lower case, accents removed (Doña → dona), apostrophes dropped (George's → georges)."""
    t = unicodedata.normalize("NFKD", text or "")
    t = "".join(c for c in t if not unicodedata.combining(c)).casefold()
    return _APOSTROPHE.sub("", t.replace("&", " and "))


@lru_cache(maxsize=1)
def state_words() -> dict[str, str]:
    """Folded state names, USPS codes and AP/GPO styles → USPS code (normalize/data files)."""
    out: dict[str, str] = {}
    for row in data_rows("states.csv"):
        out[" ".join(_PUNCT.sub(" ", fold(row["name"])).split())] = row["usps"]
        out[row["usps"].lower()] = row["usps"]
    for name in ("state_aliases.csv", "state_styles.csv"):
        for row in data_rows(name):
            form = " ".join(_PUNCT.sub(" ", fold(row.get("alias") or row["form"])).split())
            out.setdefault(form, row["usps"])
    return out


def _tokens(text: str) -> list[str]:
    """Folded words, with "," kept as its own token (it marks a trailing state)."""
    t = _PUNCT.sub(" ", fold(text)).replace(",", " , ")
    return t.split()


def _trailing_state(tokens: list[str], raw: str) -> tuple[list[str], str | None]:
    """Split off a state written after the name: "Cook County, IL", "Harris Co TX"."""
    words = state_words()
    for n in (3, 2, 1):
        if len(tokens) <= n:
            continue
        tail = tokens[-n:]
        code = words.get(" ".join(tail)) or (words.get("".join(tail)) if n == 2 else None)
        if not code:
            continue
        head = tokens[:-n]
        before = head[-1]
        comma = before == ","
        if n == 1 and tail[0] in _DESIGNATOR_TOKENS and not comma:
            continue
        after_designator = before in _DESIGNATOR_TOKENS
        upper_code = n == 1 and len(tail[0]) == 2 and re.search(
            rf"\b{tail[0].upper()}\W*$", raw) is not None
        if comma or after_designator or upper_code:
            return [t for t in head if t != ","], code
    return [t for t in tokens if t != ","], None


def _strip_suffix(text: str, suffixes: tuple[str, ...]) -> tuple[str, str | None]:
    for suffix in suffixes:
        if text.endswith(" " + suffix):
            return text[: -len(suffix) - 1].strip(), suffix
    return text, None


@lru_cache(maxsize=16384)  # bounded: memory must not grow with a release
def parse_jurisdiction(raw: str | None) -> ParsedName:
    """Parse a county as a release writes it ("ST. LOUIS CO.", "City of Baltimore", "Dona Ana")."""
    raw = raw or ""
    state = None
    for note in _PAREN.findall(raw):  # "Kings (Brooklyn)": a note; "(TX)": a state
        state = state or state_words().get(" ".join(_PUNCT.sub(" ", fold(note)).split()))
    tokens = _tokens(_PAREN.sub(" ", raw))
    tokens, tail_state = _trailing_state(tokens, _PAREN.sub(" ", raw))
    state = tail_state or state
    text = " ".join(_TOKEN_MAP.get(t, t) for t in tokens)
    kind: str | None = None
    for prefix, implied in _PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text, kind = text[len(prefix):], implied
            break
    tokens = text.split()
    for i, tok in enumerate(tokens):
        if i > 0 and tok in _COUNTY_CUT:
            text = " ".join(tokens[: i + 1])
            break
    while True:
        text, found = _strip_suffix(text, _INSTITUTIONS)
        if not found:
            break
    if kind is None:
        text, designator = _strip_suffix(text, _COUNTY_DESIGNATORS)
        if designator:
            kind = "county"
            # Only Louisiana has parishes and only Puerto Rico municipios: the word says where.
            state = state or {"parish": "LA", "municipio": "PR"}.get(designator)
        elif text.endswith(" city"):
            text, kind = text[:-5], "city"
    elif kind == "city":
        text, _ = _strip_suffix(text, ("city",))
    return ParsedName(text.replace(" ", ""), text, kind, state)


_FACILITY_WORDS = {
    "co": "county", "cnty": "county", "ctr": "center", "cntr": "center", "det": "detention",
    "fac": "facility", "corr": "correctional", "cor": "correctional", "dept": "department",
    "st": "saint", "juv": "juvenile", "reg": "regional", "proc": "processing",
    "ft": "fort", "mt": "mount", "cty": "county", "svcs": "services", "jl": "jail",
    "spc": "service processing center", "ipc": "ice processing center",
}


@lru_cache(maxsize=16384)  # bounded: memory must not grow with a release
def facility_key(name: str | None) -> str:
    """Comparable facility name: "Cook Co. Jail" = "COOK COUNTY JAIL"."""
    words = _PUNCT.sub(" ", fold(name).replace(",", " ")).split()
    return " ".join(_FACILITY_WORDS.get(w, w) for w in words)
