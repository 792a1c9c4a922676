"""Lines of pasted slmgr output: line ends normalised, indentation and no-break spaces cleaned,
and rows a console copy hard-wrapped at 80 or 120 columns joined back (each join noted)."""

from __future__ import annotations

from dataclasses import dataclass

from adba.adapters.reports.slmgr_labels import COMMAND, classify
from adba.core.fast_init import fast_init

WRAP_WIDTHS = (80, 120)
"""Console widths whose hard-wrapped rows are re-joined."""



@fast_init
@dataclass(frozen=True)
class Line:
    first: int
    last: int
    raw: str
    """The line as it stood (re-joined when wrapped), trailing whitespace removed."""
    text: str
    """``raw`` without indentation, no-break spaces made plain."""
    complete: bool
    """False when the file ends inside this line."""

    @property
    def where(self) -> str:
        return f"line {self.first}" if self.first == self.last else f"lines {self.first}-{self.last}"


def normalise(text: str) -> str:
    return text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")


def clean(row: str) -> str:
    return row.replace("\u00a0", " ").replace("\u202f", " ").strip()


def split_lines(text: str) -> tuple[list[Line], list[str]]:
    text = normalise(text).removeprefix("\ufeff")
    ends_with_break = text.endswith("\n")
    rows = text.split("\n")
    if ends_with_break:
        rows.pop()
    notes: list[str] = []
    lines: list[Line] = []
    plain = "\u00a0" not in text and "\u202f" not in text  # then clean() is strip()
    index = 0
    while index < len(rows):
        parts = [rows[index]]
        last = index
        width = wrap_width(rows[last])
        while width and last + 1 < len(rows) and continues(rows[last + 1]):
            following = rows[last + 1]
            if len(rows[last]) == width - 1 and not following.startswith(" "):
                parts.append(" ")  # the copy trimmed the space that ended the row
            parts.append(following)
            last += 1
            width = wrap_width(following)
        joined = "".join(parts)
        complete = ends_with_break or last < len(rows) - 1
        line = Line(index + 1, last + 1, joined.rstrip(), joined.strip() if plain else clean(joined),
                    complete)
        if last > index:
            notes.append(f"{line.where}: re-joined a line that was hard-wrapped at "
                         f"{wrap_width(rows[index])} columns")
        lines.append(line)
        index = last + 1
    return lines, notes


_WRAP_LENGTHS = frozenset(n for width in WRAP_WIDTHS for n in (width, width - 1))


def wrap_width(row: str) -> int:
    if len(row) not in _WRAP_LENGTHS or not row.strip():  # (most rows: the length says no)
        return 0
    for width in WRAP_WIDTHS:
        if len(row) in (width, width - 1):
            return width
    return 0


def continues(row: str) -> bool:
    text = clean(row)
    return bool(text) and classify(text) is None and not COMMAND.match(text)
