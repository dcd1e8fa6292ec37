"""Contracts of the normalize stage: what a table's normalization hands to the store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from extract.model import Provenance
from normalize.corrections import Corrections
from normalize.narrative import Finding, TableFacts
from normalize.period import Period
from normalize.profiles import HeaderMatch


@dataclass(frozen=True)
class SourceRef:
    """The document a table came from."""

    source_file: str
    source_sha256: str


@dataclass(slots=True)
class RowOut:
    """One accepted row."""

    record_id: str
    table_index: int
    row_index: int
    profile: str
    kind: str
    is_total: bool
    fields: dict[str, object]
    raw: dict[str, str]
    provenance: Provenance
    redacted_fields: tuple[str, ...] = ()
    redactions: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    row_class: str = "data"  # data | subtotal | total (extract.row_classes)


@dataclass(slots=True)
class RejectOut:
    """One refused row and why."""

    record_id: str
    table_index: int
    row_index: int
    profile: str
    kind: str
    raw: dict[str, str]
    provenance: Provenance
    reasons: tuple[str, ...]
    detail: str


@dataclass(frozen=True)
class DocContext:
    """What normalization knows of the whole document: its source, period and corrections."""

    source: SourceRef
    period: Period | None = None
    corrections: Corrections = field(default_factory=Corrections)
    # page → text, for profiles' context fields (a lazy store lookup on long documents)
    page_text: Mapping[int, str] = field(default_factory=dict)


@dataclass
class TableOutcome:
    rows: list[RowOut] = field(default_factory=list)
    rejects: list[RejectOut] = field(default_factory=list)
    match: HeaderMatch | None = None
    findings: list[Finding] = field(default_factory=list)
    unmatched_offenses: Counter = field(default_factory=Counter)
    facts: TableFacts | None = None
    # Rows extraction took for data that are the rest of a header split over lines: structure,
    # to be stored as header rows (row indexes in the table).
    header_rows: list[int] = field(default_factory=list)
