"""PowerShell's console formats, as people paste them: ``Format-List`` (``fl``, and the default
view of objects with more than four properties) and ``Format-Table`` (``ft``).

Both are parsed here into records of ``name -> (value, where)``; which class the records are
(SoftwareLicensingProduct, SoftwareLicensingService, event records) is decided by the callers
(:mod:`adba.adapters.reports.ps_wmi`, :mod:`adba.adapters.reports.event_text`).

Format-List: ``Name<padding>: value`` lines, the colons of one record aligned; a value too
long for the console continues on lines indented to the value column (multi-line values such as
an event's ``Message`` the same way); records are separated by blank lines, and a name seen
twice starts a new record too. A prompt line (``PS C:\\> Get-CimInstance ...``) and the
``__GENUS``/``__CLASS`` system properties are kept apart; the prompt's command is kept as a
hint of what was listed.

Format-Table: a header row, a row of dashes that gives each column's span, then rows. A value
cut by the console ends in ``...`` (Windows PowerShell) or ``…`` (PowerShell 7): it is marked
truncated and never used as a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from adba.core.fast_init import fast_init

__all__ = ["PsRecord", "PsValue", "parse_format_list", "parse_format_table", "prompt_command",
           "sniff_format_list", "sniff_format_table"]

_PROMPT = re.compile(r"^\s*(?:PS(?: [^>]*)?>|[A-Za-z]:\\[^>]*>)\s*(?P<command>.*)$")
_LIST_LINE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_.]*)(?P<pad> *): ?(?P<value>.*)$")
_DASHES = re.compile(r"^\s*-{2,}(?:\s+-{2,})*\s*$")
_TRUNCATED = ("...", "…")


@fast_init
@dataclass(frozen=True)
class PsValue:
    """One property's value as printed, where it stood, and whether the console cut it."""

    text: str
    where: str
    truncated: bool = False


@dataclass
class PsRecord:
    """One object of the listing: its properties in print order (names as printed)."""

    where: str
    values: dict[str, PsValue] = field(default_factory=dict)

    def get(self, name: str) -> PsValue | None:
        """The value of ``name`` (case-insensitive)."""
        lowered = name.lower()
        for key, value in self.values.items():
            if key.lower() == lowered:
                return value
        return None


def prompt_command(lines: list[str]) -> str | None:
    """The command of the first prompt line (``PS C:\\> Get-CimInstance ...``), if any."""
    for line in lines[:50]:
        match = _PROMPT.match(line)
        if match and match.group("command").strip():
            return match.group("command").strip()
    return None


def _list_match(line: str) -> re.Match[str] | None:
    match = _LIST_LINE.match(line)
    if match is None:
        return None
    return match


def sniff_format_list(text: str, names: frozenset[str], minimum: int = 2) -> bool:
    """True when at least ``minimum`` distinct ``Name : value`` lines name one of ``names``
    (lower case), with the colon padded as Format-List prints it."""
    head = text[:65536]
    if " :" not in head:  # a padded colon: what every Format-List line counted below has
        return False
    seen: set[str] = set()
    for line in head.splitlines():
        match = _list_match(line)
        if match and (match.group("pad") or line[match.end("name"):].startswith(" :")) and \
                match.group("name").lower() in names:
            seen.add(match.group("name").lower())
            if len(seen) >= minimum:
                return True
    return False


def parse_format_list(text: str) -> list[PsRecord]:
    """The records of Format-List output, in order."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    width = max(map(len, lines), default=0)  # (split at every "\n": none is left in a line)
    records: list[PsRecord] = []
    record: PsRecord | None = None
    name: str | None = None
    parts: list[str] = []
    lengths: list[int] = []
    first_line = 0
    column = 0
    previous_len = 0
    prompt = _PROMPT.match
    list_line = _LIST_LINE.match

    def close_value() -> None:
        nonlocal name, parts, lengths
        if name is None:  # (no value open: parts and lengths are not used until one opens)
            return
        if record is not None:
            if len(parts) == 1:  # most values: one line, nothing to join
                joined = parts[0].strip()
                where = f"line {first_line}"
            else:  # (which drops trailing blank parts from ``parts``)
                joined = _join_parts(parts, lengths, width,
                                     multiline=name.lower() == "message").strip()
                where = f"line {first_line}" if len(parts) == 1 else \
                    f"lines {first_line}-{first_line + len(parts) - 1}"
            record.values[name] = PsValue(joined, where, joined.endswith(_TRUNCATED)
                                          and name.lower() != "message")
        name, parts, lengths = None, [], []

    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        indented = line.startswith((" ", "\t"))
        if not line.startswith(" ") and ">" in line and prompt(line):  # (a prompt has a ">")
            close_value()
            record = None
            continue
        match = list_line(line) if not indented else None
        if match and (match.end("pad") > match.end("name") or " :" in line[: match.end("pad") + 2]):
            close_value()
            key, value = match.group("name", "value")
            if record is None or key in record.values:
                record = PsRecord(f"line {number}")
                records.append(record)
            name = key
            parts = [value]
            lengths = [len(line)]
            first_line = number
            column = match.start("value")
            previous_len = len(raw)
            continue
        if not line:  # (stripped on the right: a blank line is empty)
            if name is not None:
                parts.append("")
                lengths.append(0)
            continue
        if name is not None:
            indent = len(line) - len(line.lstrip())
            if indent >= max(column - 1, 1) or previous_len >= width - 1:
                parts.append(line[column:] if indent >= column else line.strip())
                lengths.append(len(line))
                previous_len = len(raw)
                continue
        close_value()
    close_value()
    return records


def _join_parts(parts: list[str], lengths: list[int], width: int, *, multiline: bool) -> str:
    """Continuation lines back into one value. A line that filled the console was cut there
    (joined as it stands); a shorter one was word-wrapped (joined with a space) or, in a
    multi-line value such as an event's Message, ended a line of its own."""
    while len(parts) > 1 and not parts[-1].strip():
        parts.pop()
    out = parts[0] if parts else ""
    for index in range(1, len(parts)):
        filled = width > 0 and lengths[index - 1] >= width - 1
        if filled:
            out += parts[index].lstrip()
        elif multiline:
            out += "\n" + parts[index]
        else:
            out += " " + parts[index].strip()
    return out


# --------------------------------------------------------------------------- tables


def sniff_format_table(text: str, names: frozenset[str]) -> bool:
    """True when a header row with at least two of ``names`` stands on a row of dashes."""
    head = text[:65536]
    if "--" not in head:  # (what _DASHES needs on some line)
        return False
    lines = head.splitlines()
    for index in range(1, len(lines)):
        if _DASHES.match(lines[index]):
            header = {word.lower() for word in lines[index - 1].split()}
            if len(header & names) >= 2:
                return True
    return False


def _spans(dashes: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"-+", dashes)]


def _tables(lines: list[str]) -> Iterator[tuple[int, list[str], list[tuple[int, int]]]]:
    for index in range(1, len(lines)):
        if _DASHES.match(lines[index]) and lines[index - 1].strip():
            spans = _spans(lines[index])
            header = lines[index - 1]
            names = []
            for position, (start, end) in enumerate(spans):
                stop = spans[position + 1][0] if position + 1 < len(spans) else len(header) + 1
                names.append(header[start:max(end, stop)].strip() or f"column{position + 1}")
            yield index, names, spans


def parse_format_table(text: str) -> list[PsRecord]:
    """The rows of every Format-Table block in ``text``; a cell ending in ``...``/``…`` is marked
    truncated. Columns are cut by the dash spans: a cell runs from its column's start to the
    next column's start (right-aligned numbers may start left of their dashes)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    records: list[PsRecord] = []
    for index, names, spans in _tables(lines):
        for number in range(index + 1, len(lines)):
            row = lines[number].rstrip()
            if not row.strip():
                if records and records[-1].where != f"line {number}":
                    # a blank row ends the table unless it is followed by more rows of it
                    following = lines[number + 1] if number + 1 < len(lines) else ""
                    if not following.strip() or _DASHES.match(following) or _PROMPT.match(following):
                        break
                continue
            if _PROMPT.match(row) or _DASHES.match(row):
                break
            if number + 1 < len(lines) and _DASHES.match(lines[number + 1]):
                break  # the header of the next table
            record = PsRecord(f"line {number + 1}")
            cells = _cut(row, spans)
            for name, cell in zip(names, cells, strict=True):
                value = cell.strip()
                record.values[name] = PsValue(value, f"line {number + 1}",
                                              value.endswith(_TRUNCATED))
            records.append(record)
    return records


def _cut(row: str, spans: list[tuple[int, int]]) -> list[str]:
    """Cells of one row. Format-Table underlines only the header text: a left-aligned value
    starts at its dashes and may run up to the next column; a right-aligned one (numbers) ends
    with its dashes and may start left of them. The cut between two columns is at the next
    column's dashes, moved left to the space before a value that already started."""
    cuts = [0]
    for position in range(1, len(spans)):
        low = spans[position - 1][1]
        cut = spans[position][0]
        while cut > low and cut <= len(row) and row[cut - 1:cut] not in (" ", ""):
            cut -= 1
        cuts.append(cut)
    cuts.append(max(len(row), cuts[-1]))
    return [row[cuts[i]:cuts[i + 1]] for i in range(len(spans))]
