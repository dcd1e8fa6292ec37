"""Checks of one row that look past its own cells: OCR confidence, the order of its dates, the
county its place resolves to (and the state that settles), each refusing the row with a reason
or flagging it. Split from normalize/rows.py, which runs them on every row (TableNormalizer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extract.rows import is_date
from normalize.dates import repair, strip_marks
from normalize.fields import clean_text
from normalize.jurisdictions import Gazetteer
from normalize.outcome import DocContext
from normalize.profiles import HeaderMatch, TableKind
from normalize.states import ocr_candidates, read_state

if TYPE_CHECKING:
    from normalize.rows import _Draft

# Key cells (required, typed, the jurisdiction) read by OCR below this confidence refuse the
# row unless they read exactly (check_confidence).
LOW_CONFIDENCE = 0.6


def check_confidence(d: _Draft, key_cols: list[int], match: HeaderMatch) -> None:
    """OCR key cells read with low confidence: kept when they read exactly, refused when not.

    A misread date or county is worse than a missing row, but on a noisy scan tesseract is
    unsure of most cells it reads right. So a weak cell whose text is its value as written —
    a date in a strict form with no repair, a state or county found by name (not by an OCR or
    edit-distance fold), a plain count — keeps its row, flagged `low_confidence` for a data
    editor; a weak cell that needed repairing or fuzzy matching to mean anything refuses the
    row (`low_confidence`, the OCR text and its confidence in the detail).
    """
    weak = [(match.columns[c], d.row.cells[c]) for c in key_cols
            if c < len(d.row.cells) and d.row.cells[c].text
            and d.row.cells[c].confidence < LOW_CONFIDENCE]
    if not weak:
        return
    unsure = [(f, cell) for f, cell in weak if not _reads_exactly(d, f, cell.text,
                                                                  match.types.get(f))]
    if unsure:
        d.refuse("low_confidence", "; ".join(
            f"{f}: OCR confidence {cell.confidence:.2f} for {cell.text!r}" for f, cell in unsure))
    else:
        d.flag("low_confidence")


def _reads_exactly(d: _Draft, fname: str, text: str, ftype: str | None) -> bool:
    """Whether a cell's value was read from its text as written, with no repair or guess."""
    value = d.fields.get(fname)
    text = clean_text(text)
    if value is None:
        return False
    if ftype == "date":  # stray marks at the ends are not a repair of the date
        core = strip_marks(text)
        return repair(text) == core and is_date(core)
    if ftype == "state":
        return read_state(text).method in ("code", "name", "style")
    if ftype == "count":
        return text.replace(",", "").isdigit()
    if fname == "jurisdiction_raw":
        return d.fields.get("jurisdiction_match") in ("exact", "alias", "facility", "manual")
    return True



def check_dates(d: _Draft, ctx: DocContext) -> None:
    """Declined before issued is refused; a declined date outside the report period is flagged."""
    issued, declined = d.fields.get("detainer_issued"), d.fields.get("declined_date")
    if isinstance(issued, str) and isinstance(declined, str) and declined < issued:
        d.refuse("date_order", f"declined {declined} is before issued {issued}")
    if ctx.period and isinstance(declined, str) and not ctx.period.contains(declined):
        d.flag("date_out_of_period")


def state_from_county(d: _Draft, state_col: int | None) -> None:
    """A state cell OCR left between two states ("1A": IA or LA) is settled by the row's
    county when the county, read without a state, names exactly one county and it lies in one
    of those states ("Keokuk CNTY" is only in Iowa). The refusal goes, the row is flagged
    `state_from_county`. A state that reads as nothing at all is not guessed."""
    if "bad_state" not in d.reasons or state_col is None or state_col >= len(d.row.cells):
        return
    derived = d.fields.get("state")
    if not d.fields.get("county_fips") or not isinstance(derived, str):
        return
    if derived not in ocr_candidates(d.row.cells[state_col].text):
        return
    keep = [(r, x) for r, x in zip(d.reasons, d.details) if r != "bad_state"]
    d.reasons, d.details = tuple(r for r, _ in keep), tuple(x for _, x in keep)
    d.flag("state_from_county")


def resolve_jurisdiction(d: _Draft, kind: TableKind, ctx: DocContext,
                         memo: dict | None = None) -> None:
    """County and FIPS for a row: hand correction first, then the gazetteer's matching order.

    `memo` (one per table) keeps each distinct (county, state, facility, AOR) reading.
    """
    raw = d.fields.get("jurisdiction_raw")
    state = d.fields.get("state")
    fix = (ctx.corrections.jurisdiction(raw, state, d.rid)  # type: ignore[arg-type]
           if ctx.corrections.jurisdictions else None)
    if fix is not None:
        found = Gazetteer.load().describe(fix.county_fips)
        d.fields.update(county=found.county if found else None, county_fips=fix.county_fips,
                        jurisdiction_match="manual", jurisdiction_score=1.0)
        if found and not state:
            d.fields["state"] = found.state
        return
    key = (raw, state, d.fields.get("facility"), d.fields.get("aor"))
    got = memo.get(key) if memo is not None else None
    if got is None:
        got = _jurisdiction_reading(*key, kind.jurisdiction == "required")
        if memo is not None:
            memo[key] = got
    updates, refusal = got
    d.fields.update(updates)
    if refusal:
        d.refuse(*refusal)


def _jurisdiction_reading(raw, state, facility, aor, required: bool
                          ) -> tuple[dict, tuple[str, str] | None]:
    """(field updates, refusal or None) for one jurisdiction cell in its row's context."""
    m = Gazetteer.load().match(raw, state, facility=facility, aor=aor)
    updates: dict = {"jurisdiction_match": m.method, "jurisdiction_score": round(m.score, 3)}
    if m.county_fips and m.method not in ("none", "ambiguous"):
        updates.update(county=m.county, county_fips=m.county_fips)
        if not state and m.state:
            updates["state"] = m.state
        return updates, None
    if not required:
        return updates, None
    if not raw and not (facility and m.reason and "facility" in m.reason):
        return updates, ("missing_field", f"jurisdiction_raw: blank, and no facility names the "
                                          f"county ({m.reason})")
    if m.method == "ambiguous":
        return updates, ("ambiguous_jurisdiction",
                         f"{raw!r} ({state or 'no state'}) could be {', '.join(m.candidates)}")
    return updates, ("unknown_jurisdiction", f"{raw!r} ({state or 'no state'}): {m.reason}")
