"""Draft a profile (TOML) from a sample release's detected tables: `foia profile init`.

Writing a profile by hand starts from the same questions every time: which tables does the
release have, what are their headers, which columns are dates or counts. The draft answers
them from the sample: one [[tables]] kind per distinct header, one field per header cell (the
cell's own wording as the first alias), a type where at least TYPE_SHARE of the column's
non-empty data cells read as a date, a count or a state code, `required` = the first field.
It is a draft: the person who knows the release names the fields, adds the aliases other
releases use, and says which column is the jurisdiction. Nothing in it is guessed from
outside the sample.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from extract.model import Table
from normalize.fields import normalize_count, normalize_date, state_from_clean_text
from normalize.profiles import norm_header

TYPE_SHARE = 0.8  # share of a column's non-empty cells that must read as the type
MIN_ROWS = 2  # tables with fewer data rows say too little to draft from


@dataclass
class DraftKind:
    kind: str
    header: list[str]
    fields: list[tuple[str, str]]  # (field name, header wording)
    types: dict[str, str]
    rows: int
    pages: list[int] = field(default_factory=list)


def slug(text: str) -> str:
    """A field name from a header wording: 'Detainer Issued' → 'detainer_issued'."""
    name = "_".join(norm_header(text).split())
    return name if name and not name[0].isdigit() else f"f_{name}" if name else ""


def guess_type(values: list[str]) -> str | None:
    """date / count / state when TYPE_SHARE of the non-empty values read as it, else None."""
    cells = [v for v in (" ".join(v.split()) for v in values) if v]
    if not cells:
        return None
    for name, reads in (("count", lambda v: normalize_count(v).ok),
                        ("date", lambda v: normalize_date(v, pivot_year=date.today().year).ok
                         and not normalize_count(v).ok),
                        ("state", lambda v: state_from_clean_text(v.upper()).ok)):
        if sum(1 for v in cells if reads(v)) >= TYPE_SHARE * len(cells):
            return name
    return None


def _header_of(table: Table) -> list[str]:
    if table.header:
        return list(table.header)
    first = next((r for r in table.rows if r.kind == "header"), None)
    return list(first.texts) if first else []


def draft_kinds(tables: list[Table]) -> list[DraftKind]:
    """One draft kind per distinct (normalized) header, largest tables first."""
    groups: dict[tuple[str, ...], DraftKind] = {}
    for table in tables:
        header = _header_of(table)
        key = tuple(norm_header(h) for h in header)
        data = [r for r in table.rows if r.kind == "data"]
        if not any(key) or len(data) < MIN_ROWS:
            continue
        if key not in groups:
            fields: list[tuple[str, str]] = []
            seen: Counter = Counter()
            for text in header:
                name = slug(text)
                if not name:
                    continue
                seen[name] += 1
                fields.append((name if seen[name] == 1 else f"{name}_{seen[name]}",
                               " ".join(text.split())))
            groups[key] = DraftKind("", header, fields, {}, 0)
        kind = groups[key]
        kind.rows += len(data)
        kind.pages += [p for p in table.pages if p not in kind.pages]
        for col, (name, _) in _columns(header, kind.fields):
            values = [r.texts[col] for r in data if col < len(r.texts)]
            guessed = guess_type(values)
            if guessed:
                kind.types[name] = guessed
    kinds = sorted(groups.values(), key=lambda k: -k.rows)
    used: Counter = Counter()
    for i, kind in enumerate(kinds, start=1):
        base = "_".join(name for name, _ in kind.fields[:2]) or f"table_{i}"
        used[base] += 1
        kind.kind = base if used[base] == 1 else f"{base}_{used[base]}"
    return kinds


def _columns(header: list[str], fields: list[tuple[str, str]]):
    """(column index, field) pairs: fields were made from the non-empty header cells in order."""
    cols = [i for i, h in enumerate(header) if slug(h)]
    return list(zip(cols, fields))


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_toml(name: str, sample: str, sample_sha256: str, kinds: list[DraftKind]) -> str:
    """The draft as TOML, with comments saying where each part came from."""
    lines = [
        f"# Profile draft: {name}",
        f"# Drafted by `foia profile init` from {sample} (sha256 {sample_sha256[:16]}…)",
        f"# on {date.today().isoformat()}. Review before use: name the fields, add the header",
        "# wordings other releases of the series use as aliases, say which field is the",
        "# jurisdiction (jurisdiction = \"required\" and a field named jurisdiction_raw) and",
        "# which columns must be present (required). Types were guessed from the sample's cells.",
        f"name = {_toml_str(name)}",
        f"description = {_toml_str(f'Drafted from {sample}')}",
    ]
    for kind in kinds:
        lines += ["", "[[tables]]",
                  f"# {kind.rows} data rows on page(s) {', '.join(map(str, kind.pages))}; header: "
                  + " | ".join(" ".join(h.split()) for h in kind.header)[:300],
                  f"kind = {_toml_str(kind.kind)}",
                  f"min_fields = {max(2, (len(kind.fields) + 1) // 2)}",
                  f"required = [{_toml_str(kind.fields[0][0])}]",
                  "[tables.fields]"]
        lines += [f"{fname} = [{_toml_str(wording.lower())}]" for fname, wording in kind.fields]
        if kind.types:
            lines.append("[tables.types]")
            lines += [f"{fname} = {_toml_str(t)}" for fname, t in kind.types.items()]
    return "\n".join(lines) + "\n"


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def profile_name(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "draft"
