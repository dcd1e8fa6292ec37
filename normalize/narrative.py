"""Narrative checks: numbers a release states in its text against the tables it prints.

Real DDORs disagreed with themselves ("a total of 206 detainers were declined" over a table that
sums to another number). Each claim the profile names is found in the page text with its regex,
its number compared with the matching table value, and the outcome kept as a finding with both
provenances: where the sentence is and where the table is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
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


def check_narrative(pages: Iterable[tuple[int, str]], tables: list[TableFacts],
                    profile: Profile | None,
                    words: Callable[[int], list] | None = None) -> list[Finding]:
    """Findings for every claim of the profile found in the pages' text, claim by claim.

    `pages` is read once, page by page (a long document's text is not held); `words` gives a
    page's word boxes, asked only for a page where a claim is found, to box the sentence.
    """
    if profile is None or not profile.narrative:
        return []
    claims = []
    for claim in profile.narrative:
        how, _, target = claim.compare.partition(":")
        kind, _, field = target.partition(".")
        claims.append((claim, re.compile(claim.pattern, re.IGNORECASE), how, kind, field))
    found: list[tuple[int, Finding]] = []
    for number, text in pages:
        flat = " ".join(text.split())
        page_words = None
        for ci, (claim, rx, how, kind, field) in enumerate(claims):
            for m in rx.finditer(flat):
                stated = int(m.group("n").replace(",", ""))
                facts = [t for t in tables if t.kind == kind]
                if page_words is None:
                    page_words = (words(number) if words else None) or []
                box = _claim_box(page_words, m.group(0))
                if not facts:
                    found.append((ci, Finding(
                        "narrative_check", "no_table",
                        f"{claim.claim}: text says {stated}; no {kind} table",
                        stated, None, number, box, claim=claim.claim)))
                    continue
                table = facts[0]
                actual = (table.data_rows if how == "rows"
                          else table.stated_totals.get(field))
                status = "match" if actual == stated else "mismatch"
                what = "rows" if how == "rows" else f"its Total row's {field}"
                found.append((ci, Finding(
                    "narrative_check", status,
                    f"{claim.claim}: text on page {number} says {stated}; the {kind} table "
                    f"(page {table.page}) has {actual} ({what})",
                    stated, actual, number, box, table.index, table.page, table.bbox,
                    claim.claim)))
    found.sort(key=lambda item: item[0])  # claim by claim, pages in order within (stable)
    return [f for _, f in found]
