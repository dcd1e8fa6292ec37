"""The package's hand-knowledge files (normalize/data/*.csv), read one way everywhere."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from importlib import resources


def data_rows(name: str) -> Iterator[dict[str, str]]:
    """Rows of a normalize/data CSV, '#' comment lines skipped; nothing if the file is absent."""
    path = resources.files("normalize.data").joinpath(name)
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as fh:
        yield from csv.DictReader(line for line in fh if not line.startswith("#"))
