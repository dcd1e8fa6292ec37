"""The result every field normalizer returns: a value, or None and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Normalized:
    """A normalized value, or None with the reason it could not be had."""

    value: object
    ok: bool = True
    reason: str | None = None
