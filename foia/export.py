"""Exports of the store's tables to CSV, Parquet or JSON Lines for other tools."""

from __future__ import annotations

from pathlib import Path

from foia.api import read_rows

FORMATS = ("csv", "parquet", "jsonl")


def export_tables(out: Path, fmt: str, tables: tuple[str, ...] = ("rows", "rejects")) -> list[Path]:
    """Write each table to `out/exports/<table>.<fmt>`; returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    dest = out / "exports"
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables:
        df = read_rows(out, table)
        path = dest / f"{table}.{fmt}"
        if fmt == "csv":
            df.to_csv(path, index=False)
        elif fmt == "parquet":
            df.to_parquet(path, index=False)
        else:
            df.to_json(path, orient="records", lines=True, force_ascii=False)
        written.append(path)
    return written
