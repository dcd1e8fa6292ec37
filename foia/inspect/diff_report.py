"""`foia diff`'s files: the differences as CSV (one line per changed, removed or added row)
and JSON (counts and entries), each written whole or not at all."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from foia.atomic import write_text_atomically
from foia.inspect.diff import MAX_DIFFERENT_SHARE, MIN_SIMILARITY, Diff, Entry
from foia.inspect.diff_items import VOLATILE_FIELDS

CSV_COLUMNS = ["status", "profile", "kind", "table_a", "table_b", "changes", "similarity",
               "a_record_id", "a_source_file", "a_page", "a_bbox", "a_source_link",
               "b_record_id", "b_source_file", "b_page", "b_bbox", "b_source_link", "values"]


def _csv_row(e: Entry) -> list:
    def side(s: dict | None) -> list:
        if s is None:
            return ["", "", "", "", ""]
        return [s["record_id"], s["source_file"], s["page"],
                json.dumps(s["bbox"]) if s["bbox"] is not None else "", s["source_link"]]

    shown = (e.b or e.a or {}).get("values", {})
    return [e.status, e.profile, e.kind, e.table_a or "", e.table_b or "",
            "; ".join(c.text() for c in e.changes),
            "" if e.similarity is None else e.similarity,
            *side(e.a), *side(e.b), json.dumps(shown, ensure_ascii=False, default=str)]


def write_diff(diff: Diff, folder: Path, *, include_unchanged: bool = False) -> list[Path]:
    """`diff.json` (counts and every entry) and `diff.csv` (one line per entry) in `folder`,
    each written to a temp file and renamed, so a reader never sees half a file.

    Unchanged rows are counted, and listed only with `include_unchanged`.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    entries: Iterable[Entry] = list(diff.differences())
    if include_unchanged:
        entries = [*entries, *diff.unchanged]
    doc = {"a": diff.a, "b": diff.b, "counts": diff.counts(),
           "counts_by_kind": diff.counts_by_kind(),
           "rule": {"volatile_fields": sorted(VOLATILE_FIELDS),
                    "max_different_share": MAX_DIFFERENT_SHARE, "min_similarity": MIN_SIMILARITY},
           "entries": [e.to_dict() for e in entries]}
    json_path, csv_path = folder / "diff.json", folder / "diff.csv"
    write_text_atomically(json_path, json.dumps(doc, ensure_ascii=False, indent=1,
                                                default=str) + "\n", newline="")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for e in entries:
        w.writerow(_csv_row(e))
    write_text_atomically(csv_path, buf.getvalue(), newline="")
    return [json_path, csv_path]
