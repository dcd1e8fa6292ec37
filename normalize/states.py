"""States as releases write them → USPS codes: Census names, USPS codes, AP and GPO styles, OCR.

Releases print states every way: `TX`, `Texas`, `TEXAS`, AP style `Tex.`/`Calif.`/`W.Va.`, GPO
style `Nebr.`/`N. Mex.` (with or without dots), and scans add OCR damage (`Califomia`,
`Maryiand`, `0H`). The written forms are data (`states.csv`, `state_aliases.csv`,
`state_styles.csv`, each citing its source); this module only folds and compares.

Reading order: exact form (case, dots and spaces folded) → OCR-confusable fold (`l`/`1`/`|`→`i`,
`0`→`o`, `5`→`s`, then `rn`→`m`, `ri`→`n`, `cl`→`d`, `vv`→`w`) on both sides → a dropped, doubled or
swapped letter in a name of six letters or more. A reading that is equally close to two
states is refused, never picked: "never cross to another state when two are close".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from normalize.datafiles import data_rows

_NOT_LETTER = re.compile(r"[^a-z0-9|!$]")
# OCR confusions, applied to both sides: single characters first, then letter pairs read as
# one glyph (after the characters, "cl" has become "ci").
_OCR_PAIRS = (("rn", "m"), ("ri", "n"), ("ci", "d"), ("vv", "w"))
_OCR_CHARS = str.maketrans({"l": "i", "1": "i", "|": "i", "!": "i", "0": "o", "5": "s",
                            "$": "s", "9": "g", "6": "b", "8": "b"})
# Names this long or longer may differ by one edit (two from ten letters on) and still be read:
# state names are far apart (the closest pairs, "Mass."/"Miss.", are refused as a tie), codes
# are never edited.
MIN_EDIT_LENGTH = 4


@dataclass(frozen=True)
class StateReading:
    """The USPS code a state cell names and how it was read, or why it names none."""

    usps: str | None
    method: str  # "code" | "name" | "style" | "ocr" | "edit" | "none"
    reason: str | None = None


def fold_state(text: str) -> str:
    """Lower case, dots, spaces and punctuation dropped: "N. Mex." = "NMEX" = "n.mex"."""
    return _NOT_LETTER.sub("", text.casefold())


def ocr_fold(key: str) -> str:
    """A folded form with OCR's usual confusions collapsed, so "califomia" = "california"."""
    key = key.translate(_OCR_CHARS)
    for a, b in _OCR_PAIRS:
        key = key.replace(a, b)
    return key


@lru_cache(maxsize=1)
def _forms() -> dict[str, tuple[str, str]]:
    """Folded written form → (USPS code, how it was written: code / name / style)."""
    out: dict[str, tuple[str, str]] = {}
    for row in data_rows("states.csv"):
        out[fold_state(row["usps"])] = (row["usps"], "code")
        out[fold_state(row["name"])] = (row["usps"], "name")
    for name in ("state_aliases.csv", "state_styles.csv"):
        for row in data_rows(name):
            form = row.get("alias") or row.get("form") or ""
            out.setdefault(fold_state(form), (row["usps"], "style"))
    return out


@lru_cache(maxsize=1)
def _ocr_forms() -> dict[str, set[str]]:
    """OCR-folded form → every USPS code it could be (two codes: the fold is refused)."""
    out: dict[str, set[str]] = {}
    for key, (usps, _) in _forms().items():
        out.setdefault(ocr_fold(key), set()).add(usps)
    return out


@lru_cache(maxsize=1)
def _long_names() -> list[tuple[str, str]]:
    """(folded name, USPS) for names and styles long enough to be read with an edit."""
    return [(k, usps) for k, (usps, how) in _forms().items()
            if how in ("name", "style") and len(k) >= MIN_EDIT_LENGTH]


def ocr_candidates(text: str) -> frozenset[str]:
    """Every USPS code an OCR-damaged state cell could be ("1A": IA or LA); empty when the
    text reads as one state or as none. The row's county may settle which (rows.py)."""
    key = fold_state(text)
    if not key or key in _forms():
        return frozenset()
    return frozenset(_ocr_forms().get(ocr_fold(key), set()))


@lru_cache(maxsize=4096)
def read_state(text: str) -> StateReading:
    """The USPS code `text` names, or a reading with method "none" and the reason."""
    key = fold_state(text)
    if not key:
        return StateReading(None, "none", "missing")
    hit = _forms().get(key)
    if hit:
        return StateReading(hit[0], hit[1])
    folded = ocr_fold(key)
    codes = _ocr_forms().get(folded, set())
    if len(codes) == 1:
        return StateReading(next(iter(codes)), "ocr")
    if len(codes) > 1:
        return StateReading(None, "none", f"{text!r} could be {' or '.join(sorted(codes))}")
    if len(key) >= MIN_EDIT_LENGTH:
        allowed = 1 if len(key) < 10 else 2
        dist: dict[str, int] = {}
        for name, usps in _long_names():
            if abs(len(name) - len(key)) <= allowed + 1:
                d = edit_distance(key, name, allowed + 1)
                if d < dist.get(usps, allowed + 1):
                    dist[usps] = d
        close = sorted((d, usps) for usps, d in dist.items() if d <= allowed)
        if len(close) == 1 or (len(close) > 1 and close[1][0] > close[0][0]):
            return StateReading(close[0][1], "edit")
        if close:
            return StateReading(None, "none", f"{text!r} is as close to "
                                f"{' and '.join(u for _, u in close)}")
    return StateReading(None, "none", f"unknown state {text!r}")


def char_fold(key: str) -> str:
    """Only the one-character OCR confusions of `ocr_fold`, none of its two-letter ones."""
    return key.translate(_OCR_CHARS)


def edit_distance(key: str, other: str, cutoff: int) -> int:
    """Edits between two folded texts, the fewer of two readings: both OCR-folded
    ("Maryiand"), or both with one-character folds only ("Dclaware": folding its "cl" as "d"
    would move it away from "delaware")."""
    return min(OSA.distance(ocr_fold(key), ocr_fold(other), score_cutoff=cutoff),
               OSA.distance(char_fold(key), char_fold(other), score_cutoff=cutoff))


def usps_codes() -> tuple[str, ...]:
    """Every USPS state and territory code, sorted."""
    return tuple(sorted({usps for usps, how in _forms().values() if how == "code"}))
