"""Progress of a run: one bar per stage with pages/s and time left, or JSON lines for batch jobs.

`foia run` passes a `RunProgress` as the pipeline's progress callback. Stages: `inventory`
(files found and hashed), `route` (documents triaged and their OCR queued), `documents`
(files extracted, normalized and stored). Bars go to stderr and vanish when done (`--quiet`
draws none); `--log-json FILE` appends every event as one JSON object per line with a
timestamp and the stage's pages/s.
"""

from __future__ import annotations

import json
import time
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from foia.run.pipeline import ProgressEvent


class RunProgress:
    """Callable progress sink for `run_dump`."""

    def __init__(self, console: Console, enabled: bool = True, log: IO[str] | None = None):
        self.log = log
        self.enabled = enabled
        self.bars = Progress(
            TextColumn("{task.fields[stage]:<9}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("eta"),
            TimeRemainingColumn(), TextColumn("{task.description}"),
            console=console, transient=True, disable=not enabled)
        self.tasks: dict[str, TaskID] = {}
        self.started: dict[str, float] = {}

    def __enter__(self) -> RunProgress:
        self.bars.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.__exit__(*exc)

    def rate(self, event: ProgressEvent) -> float:
        elapsed = time.perf_counter() - self.started.get(event.stage, time.perf_counter())
        return event.pages / elapsed if elapsed > 0 and event.pages else 0.0

    def __call__(self, event: ProgressEvent) -> None:
        if event.stage not in self.tasks:
            self.started[event.stage] = time.perf_counter()
            self.tasks[event.stage] = self.bars.add_task("", total=event.total or None,
                                                        stage=event.stage, rate="")
        rate = self.rate(event)
        self.bars.update(self.tasks[event.stage], completed=event.done,
                         total=event.total or None, description=event.item[-40:],
                         rate=f"{rate:.1f} pages/s" if rate else "")
        if self.log is not None:
            self.log.write(json.dumps({
                "event": "progress", "time": round(time.time(), 3), "stage": event.stage,
                "done": event.done, "total": event.total, "item": event.item,
                "status": event.status, "pages": event.pages,
                "pages_per_s": round(rate, 3)}) + "\n")
            self.log.flush()
