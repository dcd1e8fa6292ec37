"""extract.deadline: a page's time limit, on the main thread (SIGALRM) and on other threads
(a Dask worker's), where a hanging pure-Python parser is the case it exists for."""

from __future__ import annotations

import threading
import time

import pytest

from extract.deadline import PageTimeout, deadline


def _spin(seconds: float) -> int:
    """Pure-Python work, as pdfminer's on a page of a million tiny paths."""
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        n += 1
    return n


def _in_thread(fn) -> dict:
    """Run `fn` on a new (non-main) thread; what it returned or raised, and how long it took."""
    got: dict = {}

    def body() -> None:
        start = time.monotonic()
        try:
            got["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever escaped
            got["error"] = exc
        got["took"] = time.monotonic() - start

    t = threading.Thread(target=body)
    t.start()
    t.join(30)
    assert not t.is_alive()
    return got


def test_main_thread_limit_stops_the_work():
    start = time.monotonic()
    with pytest.raises(PageTimeout, match="parsing timed out after 0.3 s"):
        with deadline(0.3, "parsing"):
            _spin(10)
    assert time.monotonic() - start < 2


def test_outer_limit_is_restored_after_an_inner_one():
    with pytest.raises(PageTimeout, match="outer"):
        with deadline(0.6, "outer"):
            with deadline(5, "inner"):
                _spin(0.1)
            _spin(10)


def test_worker_thread_limit_stops_the_work():
    """No signal reaches a thread that is not the main one: the limit still holds."""
    def work() -> int:
        with deadline(0.3, "finding the page's tables"):
            return _spin(10)

    got = _in_thread(work)
    assert isinstance(got.get("error"), PageTimeout), got
    assert str(got["error"]) == "finding the page's tables timed out after 0.3 s"
    assert got["error"].seconds == 0.3
    assert got["took"] < 2


def test_worker_thread_work_within_the_limit_is_left_alone():
    """A block that ends in time returns its value, and nothing fires later in the caller."""
    def work() -> int:
        with deadline(0.3, "page"):
            value = _spin(0.05)
        _spin(0.6)  # past the limit, outside the block
        return value

    got = _in_thread(work)
    assert "error" not in got, got
    assert got["value"] > 0


def test_no_limit_means_none():
    for seconds in (None, 0, -1):
        with deadline(seconds):
            _spin(0.01)

    def work() -> int:
        with deadline(None):
            return _spin(0.05)

    got = _in_thread(work)
    assert "error" not in got and got["value"] > 0
