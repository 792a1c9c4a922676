"""The rich consoles adba prints with, built in one place."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Literal, TextIO

from rich.console import Console
from rich.segment import Segment

from adba.core.sanitize import clean

PIPE_WIDTH = 140
"""Width of text output that goes to a pipe or file (a terminal gives its own; COLUMNS wins)."""


class SafeConsole(Console):
    """A console that shows control, bidi and surrogate characters of the text it prints
    escaped (:func:`adba.core.sanitize.clean`): rich's own styles and cursor controls pass, what
    came from a report, the directory or a file name never reaches the terminal raw."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            segment if segment.control else Segment(clean(segment.text), segment.style)
            for segment in buffer)


def _color() -> Literal["auto"] | None:
    return None if os.environ.get("NO_COLOR") else "auto"


def stdout_console(handle: TextIO | None = None) -> Console:
    """The console results are printed on: stdout (its width on a terminal, else COLUMNS or
    :data:`PIPE_WIDTH`), or a file opened by ``-o`` (no colour)."""
    if handle is not None:
        return SafeConsole(file=handle, width=_width(False), no_color=True, color_system=None,
                           highlight=False)
    return SafeConsole(width=_width(sys.stdout.isatty()), color_system=_color(), highlight=False)


def _width(tty: bool) -> int | None:
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if tty else PIPE_WIDTH


def stderr_console() -> Console:
    """The console progress goes to (stderr)."""
    return SafeConsole(stderr=True, color_system=_color())
