"""Reading many reports: in this process for a few, on every core for many.

Each input is read on its own: a report that cannot be read (or makes a reader fail in a way
nobody foresaw) becomes its own :class:`UnreadableReport`, and the others are still read. The
results come back in the order of the inputs, whatever the number of workers.

A caller may give ``then``: a picklable callable (a module-level function, or an instance of a
module-level class) applied to each input's reports *where they were read*, in the worker, so
that only its (small) result is sent back instead of the reports. It is installed once per
worker (not sent with every chunk), and applied in this process when there is one worker.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar, overload

from adba.adapters.reports import ReportInput, read_reports
from adba.core.client import ClientReport, UnreadableReport

__all__ = ["PARALLEL_FROM", "ReadResult", "read_all", "read_one"]

PARALLEL_FROM = 64
"""Inputs from which reading is spread over the cores (below, a pool costs more than it saves)."""
PARALLEL_CPUS = 2
"""CPUs from which worker processes are used (on many files). Measured on a 2-vCPU machine
whose two vCPUs share a core (a pure-CPU loop runs 1.3 times faster on both; docs/performance.md):
with ``then`` doing the diagnosis and JSON in the workers, two workers make ``adba diagnose`` of
10,000 reports 1.6-1.9 times faster than one; reading alone, the reports sent back, gains little.
``ADBA_WORKERS=N`` sets the number outright."""
_CHUNK = 32

ReadResult = tuple[ReportInput, list[ClientReport] | UnreadableReport]
T = TypeVar("T")
Then = Callable[[ReportInput, list[ClientReport]], Any]

_then: Then | None = None
"""The ``then`` of :func:`read_all`, in a worker process (installed by :func:`_install`)."""


def read_one(item: ReportInput) -> list[ClientReport] | UnreadableReport:
    """Read one input: its reports, or the reason they could not be read (never raises for a
    bad input)."""
    try:
        return read_reports(item)
    except UnreadableReport as exc:
        return exc
    except RecursionError:
        return UnreadableReport("nested too deeply to read")
    except MemoryError:
        return UnreadableReport("too large to read in memory")
    except Exception as exc:  # a reader bug must not take the other reports down
        return UnreadableReport(f"could not be read ({type(exc).__name__}: "
                                f"{str(exc).splitlines()[0][:160] if str(exc) else 'no detail'})")


def _workers(count: int, workers: int | None) -> int:
    if workers is None and (os.environ.get("ADBA_WORKERS") or "").strip().isdigit():
        workers = int(os.environ["ADBA_WORKERS"].strip())
    if workers is not None:
        return max(1, min(workers, 32))
    cpus = os.cpu_count() or 1
    if count < PARALLEL_FROM or cpus < PARALLEL_CPUS or (os.name == "nt" and count < 4 * PARALLEL_FROM):
        return 1
    return min(cpus, 8)


def _install(then: Then | None) -> None:
    global _then
    _then = then
    # What the worker inherited (modules, the forest, the catalog) is never garbage: kept out of
    # every collection. Reading makes many small objects and few cycles, so the youngest
    # generation is collected less often.
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def _read_then(item: ReportInput) -> Any:
    result = read_one(item)
    if _then is None or isinstance(result, UnreadableReport):
        return result
    return _then(item, result)


RESULT_PIPE_BYTES = 1 << 20
"""The size asked for the pipe that carries results back (Linux; the default is 64 KB)."""


def _widen_result_pipe(pool: ProcessPoolExecutor) -> None:
    """Let the workers' results wait in a 1 MB pipe instead of a 64 KB one, on Linux.

    A chunk of 32 diagnosed reports is about 90 KB of JSON: with the default pipe a worker
    blocks on every send until the parent's receiving thread has run, and on a busy CPU that
    costs it a few percent of its time. Best effort: the pipe belongs to the executor (a
    CPython detail, there in 3.11 to 3.13), and anything unexpected leaves it as it is."""
    if not sys.platform.startswith("linux"):
        return
    import fcntl

    setsize = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # (the constant is there from Python 3.10)
    try:
        queue: Any = getattr(pool, "_result_queue")  # noqa: B009 - a private attribute, on purpose
        for connection in (queue._reader, queue._writer):
            fcntl.fcntl(connection.fileno(), setsize, RESULT_PIPE_BYTES)
    except (AttributeError, OSError, ValueError):
        return


@overload
def read_all(items: Sequence[ReportInput], workers: int | None = None) -> Iterator[ReadResult]:
    ...


@overload
def read_all(items: Sequence[ReportInput], workers: int | None = None, *,
             then: Callable[[ReportInput, list[ClientReport]], T]
             ) -> Iterator[tuple[ReportInput, T | UnreadableReport]]:
    ...


def read_all(items: Sequence[ReportInput], workers: int | None = None, *,
             then: Then | None = None) -> Iterator[tuple[ReportInput, Any]]:
    """Read every input; yields ``(input, reports or the reason it was not read)`` in order,
    or ``(input, then(input, reports))`` for the inputs read when ``then`` is given.

    Standard input (``path is None``) is always read here, in this process. An exception raised
    by ``then`` (not by a reader) is not caught: it ends the iteration, as it would in-process."""
    count = _workers(len(items), workers)
    if count == 1 or any(item.path is None for item in items):
        for item in items:
            result = read_one(item)
            if then is not None and not isinstance(result, UnreadableReport):
                yield item, then(item, result)
            else:
                yield item, result
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_install,
                             initargs=(then,)) as pool:
        _widen_result_pipe(pool)
        yield from zip(items, pool.map(_read_then, items, chunksize=_CHUNK), strict=True)
