"""Work handed to an executor ahead of the coordinator that needs its results.

OCR pages and born-digital documents are independent of each other, while the store must be
written by one process. So the coordinator walks the dump in order, and this pool keeps up to
`window` jobs (OCR pages, image frames, whole text documents) running on the executor
(extract.executor: local processes or a Dask cluster) ahead of it: when the coordinator
reaches a page or document, its result is usually done. Work is handed out across documents,
so every worker stays busy on a dump of one-page scans; a multi-page TIFF is one job per frame.

One tesseract process per worker, each single-threaded (OMP_THREAD_LIMIT=1, set in
extract.ocr): tesseract's own threads only fight the workers for cores. Without an executor
nothing runs ahead: each job runs when asked for, in the calling process.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from extract.executor import Executor, Future
from extract.ocr import OcrSettings, image_frame_count, ocr_image_frame, ocr_page_layout


# Job keys: what a queued job is known by, built here only (the runner queues, the
# extractors look their results up by the same key).
def pdf_page_key(path: str, page: int) -> tuple:
    """An OCR job for one page of a PDF."""
    return ("pdf", path, page)


def image_frame_key(path: str, frame: int) -> tuple:
    """An OCR job for one frame of an image file."""
    return ("image", path, frame)


def document_key(path: str) -> tuple:
    """A whole document's extraction, run as one job (short documents, sheets, images)."""
    return ("doc", path)


class WorkPool:
    """Runs jobs ahead of the coordinator; results are taken once, in any order.

    The pool does not own its executor: the caller that made it closes it."""

    def __init__(self, executor: Executor | None = None, window: int | None = None) -> None:
        self.workers = executor.workers if executor is not None else 1
        self.window = window or 2 * self.workers
        self._pool = executor
        self._queue: OrderedDict[Hashable, tuple[Callable, tuple]] = OrderedDict()
        self._running: dict[Hashable, Future] = {}

    def add(self, key: Hashable, fn: Callable, *args: Any) -> None:
        """Queue a job (in the order the coordinator will ask for results)."""
        self._queue[key] = (fn, args)
        self._top_up()

    def add_pdf_page(self, path: str, page: int, settings: OcrSettings) -> None:
        self.add(pdf_page_key(path, page), ocr_page_layout, path, page, settings)

    def add_image(self, path: str, settings: OcrSettings) -> None:
        """One job per frame (a multi-page TIFF is many pages); unreadable files queue
        nothing: extract_image meets the error and records it."""
        try:
            frames = image_frame_count(path)
        except Exception:
            return
        for number in range(1, frames + 1):
            self.add(image_frame_key(path, number), ocr_image_frame, path, number, settings)

    def keys(self) -> list[Hashable]:
        """The jobs not yet taken, in the order they were queued (running ones first)."""
        return [*self._running, *self._queue]

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

    def __enter__(self) -> WorkPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
