"""Narrative checks: numbers a release states in its text against the tables it prints.

Real DDORs disagreed with themselves ("a total of 206 detainers were declined" over a table that
sums to another number). Each claim the profile names is found in the page text with its regex,
its number compared with the matching table value, and the outcome kept as a finding with both
provenances: where the sentence is and where the table is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extract.model import BBox, union_bbox
from normalize.profiles import Profile


@dataclass(frozen=True)
class Finding:
    """A cross-check between two places of a document (or a table and its own total)."""

    kind: str  # narrative_check | total_mismatch
    status: str  # match | mismatch | no_table
    detail: str
    stated: int | None
    actual: int | None
    page: int | None = None
    bbox: BBox | None = None
    table_index: int | None = None
    table_page: int | None = None
    table_bbox: BBox | None = None
    claim: str = ""


@dataclass(frozen=True)
class TableFacts:
    """What the narrative check needs to know of one normalized table."""

    index: int
    kind: str
    page: int
    bbox: BBox | None
    data_rows: int
    stated_totals: dict[str, int]


def _claim_box(words: list, page_text_match: str) -> BBox | None:
    """Box of the words that spell the matched sentence (first occurrence, in order)."""
    wanted = page_text_match.split()
    texts = [w[0] for w in words]
    for i in range(len(texts) - len(wanted) + 1):
        if texts[i:i + len(wanted)] == wanted:
            return union_bbox([tuple(w[1:5]) for w in words[i:i + len(wanted)]])
    return None


def check_narrative(pages: list[tuple[int, str, list]], tables: list[TableFacts],
                    profile: Profile | None) -> list[Finding]:
    """Findings for every claim of the profile found in the pages' text."""
    if profile is None or not profile.narrative:
        return []
    out: list[Finding] = []
    for claim in profile.narrative:
        rx = re.compile(claim.pattern, re.IGNORECASE)
        how, _, target = claim.compare.partition(":")
        kind, _, field = target.partition(".")
        for number, text, words in pages:
            flat = " ".join(text.split())
            for m in rx.finditer(flat):
                stated = int(m.group("n").replace(",", ""))
                facts = [t for t in tables if t.kind == kind]
                box = _claim_box(words or [], m.group(0))
                if not facts:
                    out.append(Finding("narrative_check", "no_table",
                                       f"{claim.claim}: text says {stated}; no {kind} table",
                                       stated, None, number, box, claim=claim.claim))
                    continue
                table = facts[0]
                actual = (table.data_rows if how == "rows"
                          else table.stated_totals.get(field))
                status = "match" if actual == stated else "mismatch"
                what = "rows" if how == "rows" else f"its Total row's {field}"
                out.append(Finding(
                    "narrative_check", status,
                    f"{claim.claim}: text on page {number} says {stated}; the {kind} table "
                    f"(page {table.page}) has {actual} ({what})",
                    stated, actual, number, box, table.index, table.page, table.bbox,
                    claim.claim))
    return out
