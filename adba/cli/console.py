"""The rich consoles adba prints with, built in one place."""

from __future__ import annotations

import os
import sys
from typing import Literal, TextIO

from rich.console import Console

PIPE_WIDTH = 140
"""Width of text output that goes to a pipe or file (a terminal gives its own; COLUMNS wins)."""


def _color() -> Literal["auto"] | None:
    return None if os.environ.get("NO_COLOR") else "auto"


def stdout_console(handle: TextIO | None = None) -> Console:
    """The console results are printed on: stdout (its width on a terminal, else COLUMNS or
    :data:`PIPE_WIDTH`), or a file opened by ``-o`` (no colour)."""
    if handle is not None:
        return Console(file=handle, width=_width(False), no_color=True, color_system=None,
                       highlight=False)
    return Console(width=_width(sys.stdout.isatty()), color_system=_color(), highlight=False)


def _width(tty: bool) -> int | None:
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if tty else PIPE_WIDTH


def stderr_console() -> Console:
    """The console progress goes to (stderr)."""
    return Console(stderr=True, color_system=_color())
