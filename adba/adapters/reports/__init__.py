"""Readers for what clients report, one module per format, and the dispatcher that picks one."""

from __future__ import annotations

import operator
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from adba.core.client import ClientReport, UnreadableReport
from adba.core.fast_init import fast_init


@fast_init
@dataclass(frozen=True)
class ReportInput:
    """One input to read: a file, or standard input."""

    name: str
    path: str | os.PathLike[str] | None
    """The file (a plain string for the files of a walked folder: cheap to send to a worker)."""


def expand_inputs(args: list[str]) -> Iterator[ReportInput]:
    """Files as given, directories walked (sorted, hidden entries skipped), ``-`` for stdin.

    A directory's files come in the order of their paths sorted part by part (as
    ``sorted(path.rglob("*"))`` gives them); symbolic links to files are read, links to
    directories are not followed."""
    for arg in args:
        if arg == "-":
            yield ReportInput("<stdin>", None)
            continue
        path = Path(arg)
        if path.is_dir():
            yield from _walk(path)
        else:
            yield ReportInput(arg, path)


def _by_name(entry: os.DirEntry[str]) -> str:
    return os.path.normcase(entry.name)


_BY_NAME = operator.attrgetter("name") if os.path.normcase("A") == "A" else _by_name
"""How a directory's entries sort: by name, case folded where the system folds it."""


def _walk(folder: Path) -> Iterator[ReportInput]:
    """The regular files under ``folder``, depth first, each directory's entries sorted by
    name: the order of paths sorted part by part, without comparing 10,000 paths. Each file is
    named as ``str(folder / name)`` would name it."""
    top = str(folder)
    yield from _walk_names(top, "" if top == "." else top)


def _walk_names(folder: str, shown: str) -> Iterator[ReportInput]:
    """:func:`_walk` on strings: ``folder`` is listed, ``shown`` is how its children's names
    start (empty for ``.``, as :class:`~pathlib.Path` writes them)."""
    try:
        with os.scandir(folder) as found:
            entries = sorted((e for e in found if not e.name.startswith(".")),
                             key=_BY_NAME)
    except OSError:
        return
    prefix = shown if not shown or shown.endswith(os.sep) else shown + os.sep
    plain = os.sep == "/" and not os.altsep  # (POSIX: os.path.join is that concatenation)
    for entry in entries:
        name = prefix + entry.name if plain else (
            os.path.join(shown, entry.name) if shown else entry.name)
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk_names(name, name)
            elif entry.is_file():
                yield ReportInput(name, name)
        except OSError:
            continue


def _read_bytes(item: ReportInput) -> bytes:
    from adba.adapters.reports.text import MAX_REPORT_BYTES, read_bounded

    if item.path is None:
        data = read_bounded(sys.stdin.buffer, 0, MAX_REPORT_BYTES)
    else:
        try:
            # Looked at before it is opened (opening a device can do something); then read
            # with plain system calls: no file object per report.
            info = os.stat(item.path)
            if not stat.S_ISREG(info.st_mode):
                if stat.S_ISDIR(info.st_mode):
                    raise UnreadableReport("is a directory")
                from adba.adapters.input_files import file_kind

                raise UnreadableReport(f"is {file_kind(info.st_mode)}: adba reads reports from "
                                       "regular files (or - for standard input)")
            fd = os.open(item.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                         | getattr(os, "O_BINARY", 0))
            try:
                data = _read_fd(fd, info.st_size, MAX_REPORT_BYTES)
            finally:
                os.close(fd)
        except FileNotFoundError as exc:
            raise UnreadableReport("no such file") from exc
        except IsADirectoryError as exc:
            raise UnreadableReport("is a directory") from exc
        except OSError as exc:
            raise UnreadableReport(f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_REPORT_BYTES:
        raise UnreadableReport(f"file too large (over {MAX_REPORT_BYTES // (1024 * 1024)} MB); "
                               "a report is at most a few hundred KB")
    return data


def _read_fd(fd: int, size: int, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the open file ``fd``, whose size was ``size``: one read
    at the size known (the usual case), more while the file grew."""
    want = min(size, limit) + 1
    data = os.read(fd, want)
    if len(data) < want and (len(data) == size or not data):
        return data
    parts, total = [data], len(data)
    while total <= limit:  # short read, or grew while read
        more = os.read(fd, min(1 << 20, limit + 1 - total))
        if not more:
            break
        parts.append(more)
        total += len(more)
    return b"".join(parts)


def read_reports(item: ReportInput) -> list[ClientReport]:
    """Every machine's report in one input: one for most shapes, one per computer for an event
    log that holds several (merged logs, a renamed machine). ``UnreadableReport`` says why not."""
    from adba.adapters.reports.registry import Input, read_input

    return read_input(Input(item.name, _read_bytes(item)))


def read_report(item: ReportInput) -> ClientReport:
    """The first report of :func:`read_reports` (most inputs hold one machine)."""
    return read_reports(item)[0]
