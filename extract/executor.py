"""Where the work runs: one interface, a local process pool or a Dask cluster.

The pipeline hands out two kinds of work unit: an OCR page (the expensive, embarrassingly
parallel step) and a born-digital document (text pages, tables). Both are plain functions of
picklable arguments returning picklable results, and only the coordinator writes the store, so
any executor with `submit(fn, *args) -> future` can run them:

- `LocalExecutor`: a forked process pool on this machine (`--workers N`, default the cores);
- `DaskExecutor`: a Dask distributed cluster (`--scheduler tcp://HOST:PORT`, extra `dask`).
  Workers must have this package, tesseract and the dump at the same path as the coordinator
  (a shared filesystem): jobs carry file paths, not file bytes.

`make_executor` picks one; `None` means run each job inline when its result is asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol


class Future(Protocol):
    def result(self) -> Any: ...

    def cancel(self) -> bool: ...


class Executor(Protocol):
    """What the work pool needs from a place to run jobs."""

    name: str
    workers: int

    def submit(self, fn: Callable, *args: Any) -> Future: ...

    def close(self) -> None: ...


def default_workers() -> int:
    """The cores this process may use (cgroup/affinity aware where the OS says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _die_with_parent(parent: int) -> None:
    """In each pool worker: end when the coordinator ends, however it ends.

    A coordinator killed alone (SIGKILL, the out-of-memory killer) would otherwise leave its
    workers adopted by init, running OCR jobs nobody reads and then blocked on dead pipes.
    Linux delivers SIGKILL to the worker when its parent dies (PR_SET_PDEATHSIG); elsewhere a
    thread polls the parent's pid.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # 1 = PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before the call: nobody to serve
                os._exit(1)
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


class LocalExecutor:
    """A process pool on this machine.

    fork: workers start in milliseconds and inherit the loaded modules; they touch nothing of
    the parent's but the job's arguments."""

    name = "local"

    def __init__(self, workers: int) -> None:
        if workers < 2:
            raise ValueError("a local pool needs 2 or more workers; use None to run inline")
        self.workers = workers
        ctx = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
        self._pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_die_with_parent,
                                         initargs=(os.getpid(),))

    def submit(self, fn: Callable, *args: Any) -> Future:
        return self._pool.submit(fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Jobs on a Dask distributed cluster; the coordinator stays in this process."""

    name = "dask"

    def __init__(self, address: str | Any) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # the `dask` extra is optional
            raise RuntimeError("--scheduler needs the dask extra: "
                               "pip install 'foia-pipeline[dask]'") from exc
        # an address string, or an in-process cluster object (tests use a LocalCluster)
        self._client = Client(address)
        self._own = True
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))

    def submit(self, fn: Callable, *args: Any) -> Future:
        # pure=False: two reads of the same page are not to be deduplicated by key
        return self._client.submit(fn, *args, pure=False)

    def close(self) -> None:
        if self._own:
            self._client.close()


def make_executor(workers: int | None = None, scheduler: str | Any | None = None
                  ) -> Executor | None:
    """A Dask executor when a scheduler is given, else a local pool of `workers` (default the
    cores); None (inline) for one worker."""
    if scheduler is not None:
        return DaskExecutor(scheduler)
    n = workers or default_workers()
    return LocalExecutor(n) if n > 1 else None
