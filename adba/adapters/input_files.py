"""Opening the files a user names (--snapshot, --ldif, --product-db, report files): regular
files only, each format with a size cap, read with a bound.

A FIFO would block ``open()`` forever, ``/dev/zero`` would grow without end and a sparse 2 GB
file would be read whole: each is refused with one line naming the file, before it is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from adba.errors import InputFileError

MiB = 1024 * 1024
SNAPSHOT_MAX = 2048 * MiB
"""A snapshot with 100,000 computers is about 40 MB; its rows are streamed, not held."""
SNAPSHOT_HEAD_MAX = 256 * MiB
"""Everything before the computer rows, licence blobs included (base64, at most 5 MB each)."""
LDIF_MAX = 256 * MiB
"""An ldifde export of the container: licence blobs are at most 5 MB each (rangeUpper)."""
PRODUCT_DB_MAX = 16 * MiB
"""A catalog of every product ever released is under 1 MB."""


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, for a refusal."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _a(what: str) -> str:
    return ("an " if what[:1].lower() in "aeiou" or what.startswith("LDIF") else "a ") + what


def _size(limit: int) -> str:
    return f"{limit // MiB:,} MB" if limit >= MiB else f"{limit // 1024:,} KB"


def _file(what: str) -> str:
    return what if what.endswith("file") else f"{what} file"


def check_regular(path: Path, limit: int, what: str) -> int:
    """The size of ``path``, a regular file of at most ``limit`` bytes; ``InputFileError``
    otherwise (missing, a directory, a FIFO or device, too large), before anything is opened."""
    name = str(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise InputFileError(name, f"cannot read: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(name, "is a directory", hint=f"give the {_file(what)} itself")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(name, f"is {file_kind(info.st_mode)}; adba reads only regular "
                                   "files", hint="copy it to a file first")
    if info.st_size > limit:
        raise InputFileError(name, f"too large for {_a(what)} ({info.st_size / MiB:,.1f} MB; at "
                                   f"most {_size(limit)})")
    return info.st_size


def read_file(path: Path, limit: int, what: str) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (read with a bound: a file that
    grows while read is refused too)."""
    from adba.adapters.reports.text import read_bounded

    size = check_regular(path, limit, what)
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # never block on open
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # replaced since the check
                raise InputFileError(name, "is not a regular file any more")
            data = read_bounded(handle, size, limit)
    except OSError as exc:
        raise InputFileError(name, f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise InputFileError(name, f"too large for {_a(what)} (grew past {_size(limit)} "
                                   "while read)")
    return data
