"""A time limit on one page's work, so a page that makes a parser or an engine hang costs its
page, not the run.

pdfminer (under pdfplumber) and camelot are pure Python for most of their work: a page drawn
with hundreds of thousands of tiny paths can keep them busy for an hour. tesseract runs in a
subprocess and has its own timeout (OcrSettings.timeout_s). The limit is a SIGALRM timer, so it
holds in the coordinator and in forked pool workers (each runs on its main thread); on a thread
that is not the main one (a Dask worker's) there is no timer and the work runs unbounded.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class PageTimeout(BaseException):  # noqa: N818 - named for what it is, like KeyboardInterrupt
    """The time limit ran out. A BaseException, as KeyboardInterrupt is, so that libraries'
    own `except Exception` blocks do not swallow it half-way through a page."""

    def __init__(self, seconds: float, what: str) -> None:
        super().__init__(f"{what} timed out after {seconds:g} s")
        self.seconds, self.what = seconds, what


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def deadline(seconds: float | None, what: str = "page") -> Iterator[None]:
    """Raise PageTimeout inside the block if it runs longer than `seconds` (None or 0: no
    limit). An outer deadline still running is restored, less the time spent, on exit."""
    if not seconds or seconds <= 0 or not _can_alarm():
        yield
        return

    def on_alarm(signum, frame):  # noqa: ARG001 - signal handler signature
        raise PageTimeout(seconds, what)

    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # an enclosing deadline: give it back what it has left
            left = outer - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))
