"""A pydantic schema per profile table kind: types, required fields, allowed values.

The last gate before a row is accepted: whatever the normalizers let through, a row that does
not fit its kind's schema goes to rejects with a reason code per field.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from normalize.fields import usps_codes
from normalize.profiles import TableKind

# Reason code per field type, for a value the schema refuses.
REASONS = {"date": "bad_date", "count": "bad_count", "state": "bad_state", "fips": "bad_fips"}


def _annotation(ftype: str | None, allowed: tuple[str, ...] | None):
    if allowed:
        return Literal[allowed]  # type: ignore[valid-type]
    if ftype == "date":
        return dt.date
    if ftype == "count":
        return Annotated[int, Field(ge=0)]
    if ftype == "state":
        return Literal[usps_codes()]  # type: ignore[valid-type]
    if ftype == "fips":
        return Annotated[str, Field(pattern=r"^\d{5}$")]
    return str


@lru_cache(maxsize=64)
def schema_for(kind: TableKind) -> type[BaseModel]:
    """The pydantic model of one table kind (built once)."""
    fields = {}
    # Only constrained fields: the others are str or None by construction and cannot fail,
    # and every field the model carries costs time on every row.
    constrained = [n for n in kind.fields
                   if n in kind.types or n in kind.allowed or n in kind.required]
    required = set(kind.required)
    if kind.jurisdiction == "required":
        # The place is checked by resolving it (normalize.row_checks.resolve_jurisdiction): a blank
        # county cell beside a jail the facility table knows is a place, not a missing field.
        required.discard("jurisdiction_raw")
    for name in constrained:
        ann = _annotation(kind.types.get(name), kind.allowed.get(name))
        if name in required:
            fields[name] = (ann, ...)
        else:
            fields[name] = (ann | None, None)
    return create_model(f"{kind.kind.title().replace('_', '')}Row",
                        __config__=ConfigDict(extra="ignore"), **fields)


def schema_errors(kind: TableKind, values: dict[str, object]) -> list[tuple[str, str]]:
    """(reason code, detail) per field the schema refuses; empty when the row fits."""
    try:
        schema_for(kind).model_validate(values)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "?"
            if err["type"] == "missing" or values.get(name) is None:
                reason = "missing_field"
            elif name in kind.allowed:
                reason = "bad_value"
            else:
                reason = REASONS.get(kind.types.get(name, ""), "bad_value")
            msg = "not an allowed value" if err["type"] == "literal_error" else err["msg"]
            out.append((reason, f"{name}: {msg} ({values.get(name)!r})"))
        return out
    return []
