"""OCR work handed to worker processes ahead of the documents that need it.

OCR is the one expensive step that is embarrassingly parallel (a page at a time), while the
store must be written by one process. So the coordinator walks the dump in order, and this
pool keeps up to `window` OCR jobs (PDF pages, image files) running in worker processes ahead
of it: when extract_pdf reaches an OCR page, its reading is usually done. Work is handed out
across documents, so two workers stay busy on a dump of one-page scans; a multi-page TIFF
is one job per frame.

One tesseract process per worker, each single-threaded (OMP_THREAD_LIMIT=1, set in
extract.ocr): tesseract's own threads only fight the workers for cores. With `workers` 1
nothing runs ahead: each job runs when asked for, in the calling process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from extract.ocr import OcrSettings, image_frame_count, ocr_image_frame, ocr_page_layout


def default_workers() -> int:
    """The cores this process may use (cgroup/affinity aware where the OS says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class OcrPool:
    """Runs OCR jobs ahead of the coordinator; results are taken once, in any order."""

    def __init__(self, workers: int = 1, window: int | None = None) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.window = window or 2 * workers
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            # fork: workers start in milliseconds and inherit the loaded modules; they touch
            # nothing of the parent's but the job's arguments.
            ctx = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
            self._pool = ProcessPoolExecutor(workers, mp_context=ctx)
        self._queue: OrderedDict[Hashable, tuple[Callable, tuple]] = OrderedDict()
        self._running: dict[Hashable, Future] = {}

    def add(self, key: Hashable, fn: Callable, *args: Any) -> None:
        """Queue a job (in the order the coordinator will ask for results)."""
        self._queue[key] = (fn, args)
        self._top_up()

    def add_pdf_page(self, path: str, page: int, settings: OcrSettings) -> None:
        self.add(("pdf", path, page), ocr_page_layout, path, page, settings)

    def add_image(self, path: str, settings: OcrSettings) -> None:
        """One job per frame (a multi-page TIFF is many pages); unreadable files queue
        nothing: extract_image meets the error and records it."""
        try:
            frames = image_frame_count(path)
        except Exception:
            return
        for number in range(1, frames + 1):
            self.add(("image", path, number), ocr_image_frame, path, number, settings)

    def has(self, key: Hashable) -> bool:
        return key in self._queue or key in self._running

    def result(self, key: Hashable) -> Any:
        """The job's result (its exception re-raised); a job not queued is an error."""
        if key in self._running:
            future = self._running.pop(key)
        elif key in self._queue:
            fn, args = self._queue.pop(key)
            if self._pool is None:
                self._top_up()
                return fn(*args)
            future = self._pool.submit(fn, *args)
        else:
            raise KeyError(key)
        self._top_up()
        try:
            return future.result()
        finally:
            self._top_up()

    def _top_up(self) -> None:
        if self._pool is None:
            return
        while self._queue and len(self._running) < self.window:
            key, (fn, args) = self._queue.popitem(last=False)
            self._running[key] = self._pool.submit(fn, *args)

    def close(self) -> None:
        for future in self._running.values():
            future.cancel()
        self._running.clear()
        self._queue.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> OcrPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
