"""Where a command's result goes: stdout, or the ``-o`` file, checked before any work.

A file is written to a temporary sibling and moved into place when the command succeeds, so a
failed run never leaves half a report (nor clobbers the previous one). Devices and pipes
(``/dev/null``, a FIFO) are written directly.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from rich.console import Console

from adba.cli.console import stdout_console
from adba.errors import UsageError


class OutputTarget:
    """The output of one run."""

    def __init__(self, path: Path | None, allow_directory: bool = False) -> None:
        self.path = None if path is None or str(path) == "-" else path
        self._handle: TextIO | None = None
        self._temp: str | None = None
        self._direct = False
        self._committed: Path | None = None
        self._allow_directory = allow_directory
        self._dir_files: list[tuple[str, Path]] = []
        self._directory: Path | None = None

    @property
    def is_directory(self) -> bool:
        """Whether ``-o`` names an existing directory (``--format csv``: one file per table)."""
        return self.path is not None and self.path.is_dir()

    @property
    def directory(self) -> Path | None:
        """The ``-o`` directory the files of this run go into, once prepared."""
        return self._directory

    @property
    def written_names(self) -> list[str]:
        """The names of the files written into the ``-o`` directory, once committed."""
        return [final.name for _temp, final in self._dir_files] if self._committed else []

    @property
    def written_file(self) -> Path | None:
        """The regular file the result went to, once committed (None for stdout, devices)."""
        return self._committed

    @property
    def is_file(self) -> bool:
        """Whether the result goes to a file (``-o FILE``) rather than stdout."""
        return self.path is not None

    def prepare(self) -> None:
        """Open the destination now: an unwritable ``-o`` fails before any connection."""
        if self.path is None or self._handle is not None:
            return
        path = self.path
        try:
            info = path.stat()
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise UsageError(f"-o {path}: {exc.strerror or exc}", "give another path") from exc
        if info is not None and stat.S_ISDIR(info.st_mode):
            if self._allow_directory:
                if not os.access(path, os.W_OK | os.X_OK):
                    raise UsageError(f"-o {path}: the directory is not writable",
                                     "give another directory")
                self._directory = path
                return
            raise UsageError(f"-o {path}: is a directory", "give a file name")
        if info is not None and not stat.S_ISREG(info.st_mode):
            self._handle = self._open_direct(path)
            self._direct = True
            return
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise UsageError(f"-o {path}: the directory {parent} does not exist",
                             "create it or give another path")
        if info is not None and not os.access(path, os.W_OK):
            raise UsageError(f"-o {path}: the file is not writable", "give another path")
        try:
            fd, self._temp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.",
                                              suffix=".partial")
        except OSError as exc:
            raise UsageError(f"-o {path}: cannot write in {parent}: {exc.strerror or exc}",
                             "give a path you can write to") from exc
        mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
        with contextlib.suppress(OSError):
            os.chmod(self._temp, mode)
        self._handle = os.fdopen(fd, "w", encoding="utf-8", newline="")

    @staticmethod
    def _open_direct(path: Path) -> TextIO:
        try:
            return path.open("w", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"-o {path}: {exc.strerror or exc}", "give another path") from exc

    def console(self) -> Console:
        """A console printing to the destination."""
        return stdout_console(self._handle)

    def write(self, text: str) -> None:
        """Write text to the destination."""
        if self._handle is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            self._handle.write(text)

    def write_bytes(self, data: bytes) -> None:
        """Write bytes unchanged (no newline translation)."""
        if self._handle is None:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            self._handle.flush()
            self._handle.buffer.write(data)

    def text_handle(self) -> TextIO:
        """The open text stream (stdout when there is no ``-o``)."""
        return self._handle if self._handle is not None else sys.stdout

    def write_named(self, name: str, data: bytes) -> None:
        """Write one file of the ``-o`` directory (moved into place by :meth:`commit`)."""
        assert self._directory is not None
        final = self._directory / name
        fd, temp = tempfile.mkstemp(dir=self._directory, prefix=f".{name}.", suffix=".partial")
        self._dir_files.append((temp, final))
        with contextlib.suppress(OSError):
            os.chmod(temp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)

    def commit(self) -> None:
        """Close and move the file into place."""
        if self._directory is not None:
            for temp, final in self._dir_files:
                os.replace(temp, final)
            self._committed = self._directory
            return
        if self._handle is None:
            sys.stdout.flush()
            return
        self._handle.close()
        self._handle = None
        if self._temp is not None and self.path is not None:
            os.replace(self._temp, self.path)
            self._temp = None
            self._committed = self.path

    def abandon(self) -> None:
        """Drop what was written (the previous file, if any, stays as it was)."""
        for temp, _final in self._dir_files:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        self._dir_files = []
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None
        if self._temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._temp)
            self._temp = None

    def write_error(self, text: str) -> None:
        """Write the JSON error document: to the ``-o`` file when it could be opened, else to
        stdout."""
        try:
            self.prepare()
        except UsageError:
            self.path = None
        self.write(text)
        self.commit()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
