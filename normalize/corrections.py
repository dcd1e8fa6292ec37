"""Hand corrections a data editor keeps beside the output: applied on every run, recorded `manual`.

`OUT/corrections.toml`:

    [[jurisdiction]]
    raw = "Baltimore"          # the cell as written (matched after folding case and spaces)
    state = "MD"               # optional: only rows of this state
    record_id = "3f2a9c0d1e4b5a67"   # optional: only this row
    county_fips = "24510"
    note = "Baltimore City Detention Center, per the facility column"

Originals are never edited: the correction is data, applied at normalization time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = "corrections.toml"


def _key(text: str | None) -> str:
    return " ".join((text or "").lower().split())


@dataclass(frozen=True)
class JurisdictionFix:
    raw: str
    county_fips: str
    state: str | None = None
    record_id: str | None = None
    note: str = ""


@dataclass
class Corrections:
    jurisdictions: list[JurisdictionFix] = field(default_factory=list)

    @classmethod
    def load(cls, out: Path | None) -> Corrections:
        """Corrections from `out/corrections.toml`; none when the file is absent."""
        path = (out / FILE_NAME) if out else None
        if path is None or not path.exists():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            fixes = [JurisdictionFix(raw=_key(j["raw"]), county_fips=str(j["county_fips"]).zfill(5),
                                     state=(j.get("state") or None), record_id=j.get("record_id"),
                                     note=j.get("note", ""))
                     for j in data.get("jurisdiction", [])]
        except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"invalid {path}: {exc!r}") from exc
        return cls(fixes)

    def jurisdiction(self, raw: str | None, state: str | None,
                     record_id: str) -> JurisdictionFix | None:
        """The most specific correction for this cell: by record id first, then by raw+state."""
        k = _key(raw)
        best: JurisdictionFix | None = None
        for fix in self.jurisdictions:
            if fix.raw != k or (fix.state and state and fix.state.upper() != state.upper()):
                continue
            if fix.record_id:
                if fix.record_id == record_id:
                    return fix
                continue
            best = best or fix
        return best
