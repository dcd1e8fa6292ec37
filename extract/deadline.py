"""A time limit on one page's work, so a page that makes a parser or an engine hang costs its
page, not the run.

pdfminer (under pdfplumber) and camelot are pure Python for most of their work: a page drawn
with hundreds of thousands of tiny paths can keep them busy for an hour. tesseract runs in a
subprocess and has its own timeout (OcrSettings.timeout_s).

On a process's main thread (the coordinator, forked pool workers) the limit is a SIGALRM timer.
Signals reach only the main thread, so on any other thread (a Dask worker runs tasks on a
thread pool) a timer thread raises the exception in the working thread instead, through
CPython's PyThreadState_SetAsyncExc. Both are delivered between bytecodes: a long call inside C
code (pdfium rendering one page) ends before the exception is seen, which is why tesseract, the
one engine that can sit in native code for minutes, gets a subprocess timeout of its own.
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# A deadline on a worker thread raises its exception again this often until the block ends.
REFIRE_S = 0.5


class PageTimeout(BaseException):  # noqa: N818 - named for what it is, like KeyboardInterrupt
    """The time limit ran out. A BaseException, as KeyboardInterrupt is, so that libraries'
    own `except Exception` blocks do not swallow it half-way through a page."""

    def __init__(self, seconds: float, what: str) -> None:
        super().__init__(f"{what} timed out after {seconds:g} s")
        self.seconds, self.what = seconds, what


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> int:
    """Raise `exc` in thread `thread_id` at its next bytecode (None: withdraw a pending one)."""
    return ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None)


@contextmanager
def _thread_deadline(seconds: float, what: str) -> Iterator[None]:
    """The deadline on a thread that is not the main one: a timer thread raises PageTimeout
    in it. The async exception must be a class, so a subclass carries this limit's figures."""
    timeout = type("PageTimeout", (PageTimeout,),
                   {"__init__": lambda self: PageTimeout.__init__(self, seconds, what)})
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"active": True, "fired": False}
    done = threading.Event()

    def fire() -> None:
        # Raised again every REFIRE_S while the block runs on: an exception delivered while
        # the thread runs a callback whose exceptions are ignored (distributed's garbage
        # collection diagnostics on a Dask worker: "Exception ignored in ...") is lost.
        if done.wait(seconds):
            return
        while True:
            with lock:
                if not state["active"]:
                    return
                state["fired"] = True
                _set_async_exc(target, timeout)
            if done.wait(REFIRE_S):
                return

    timer = threading.Thread(target=fire, daemon=True, name="page-deadline")
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["active"] = False
            done.set()
            if state["fired"]:
                # Fired as the block was ending: withdraw it if it was not delivered yet, so
                # it cannot surface in the caller's code after the limit no longer applies.
                _set_async_exc(target, None)


@contextmanager
def deadline(seconds: float | None, what: str = "page") -> Iterator[None]:
    """Raise PageTimeout inside the block if it runs longer than `seconds` (None or 0: no
    limit). An outer deadline still running is restored, less the time spent, on exit."""
    if not seconds or seconds <= 0:
        yield
        return
    if not _can_alarm():
        with _thread_deadline(seconds, what):
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
