"""Settings objects share one way in: None, a dict (from TOML or a CLI) or an instance.

The pdfplumber convention (TableSettings.resolve): every stage's settings dataclass validates
itself in __post_init__ and is built with `resolve`.
"""

from __future__ import annotations

from typing import Self


class Resolvable:
    """Mixin for frozen settings dataclasses: `resolve(None | dict | instance)`."""

    @classmethod
    def resolve(cls, value: Self | dict | None) -> Self:
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        return cls(**value)
