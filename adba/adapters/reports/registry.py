"""The readers of client reports, one per shape, each with a cheap ``sniff`` and a ``read``.

:func:`read_input` tries them in order: binary shapes first (.evtx), then JSON shapes (adba's
collector, CIM/WMI, Get-WinEvent, SIEM documents), then XML, then text shapes from the most
specific (Event Viewer text, PowerShell Format-List/Table) to the loosest (slmgr, a bare
message). The first whose ``sniff`` says yes reads the input; its refusal is final, so a file
is never half-read by a second reader.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adba.core.client import ClientReport, UnreadableReport

__all__ = ["READERS", "Input", "ShapeReader", "read_input", "shapes_read"]


_BACKSLASH_END = re.compile(r"(?m)\\[ \t]*$")


def strip_paste_marks(text: str) -> str:
    """Undo what pasting into Markdown did to a report, when (nearly) every line shows it: a
    ``> `` blockquote mark in front, a ``\\`` hard-break at the end, an indentation common to
    every line. Text without such marks is returned as it is."""
    first = text[:4096].lstrip("\ufeff\r\n")[:1]
    if first not in (" ", "\t", ">") and ("\\" not in text[:4096]
                                         or not _BACKSLASH_END.search(text, 0, 4096)):
        return text  # the first line is not indented or quoted, and no line ends with '\\'
    lines = text.split("\n")
    filled = [line for line in lines if line.strip()]
    if not filled:
        return text
    changed = False
    if sum(1 for line in filled if line.rstrip().endswith("\\")) >= 0.6 * len(filled):
        lines = [line.rstrip()[:-1] if line.rstrip().endswith("\\") else line for line in lines]
        changed = True
    if sum(1 for line in filled if line.lstrip().startswith(">")) >= 0.5 * len(filled):
        lines = [line.lstrip()[1:].removeprefix(" ") if line.lstrip().startswith(">") else line
                 for line in lines]
        changed = True
    if changed:
        filled = [line for line in lines if line.strip()]
    indents = [len(line) - len(line.lstrip(" ")) for line in filled]
    common = min(indents) if indents else 0
    if common:
        lines = [line[common:] if line[:common].strip() == "" else line for line in lines]
        changed = True
    return "\n".join(lines) if changed else text


@dataclass
class Input:
    """One report's bytes, with its text and JSON worked out once, when a reader asks."""

    source: str
    data: bytes
    _text: str | None = field(default=None, repr=False)
    _json: Any = field(default=None, repr=False)
    _json_done: bool = field(default=False, repr=False)
    _json_error: UnreadableReport | None = field(default=None, repr=False)
    _looks_json: bool | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """The text, decoded as :func:`~adba.adapters.reports.text.decode_report_bytes` says
        (raises ``UnreadableReport`` for binary data)."""
        if self._text is None:
            from adba.adapters.reports.text import decode_report_bytes

            self._text = strip_paste_marks(decode_report_bytes(self.data))
        return self._text

    @property
    def looks_json(self) -> bool:
        """True when the text starts like JSON."""
        if self._looks_json is None:
            head = self.text[:4096].lstrip("\ufeff \t\r\n")
            self._looks_json = head[:1] in ("{", "[")
        return self._looks_json

    @property
    def json(self) -> Any:
        """The parsed JSON document (JSON lines become a list); raises ``UnreadableReport``
        when it does not parse."""
        if not self._json_done:
            self._json_done = True
            stripped = self.text.lstrip("\ufeff \t\r\n")
            try:
                self._json = json.loads(stripped)
            except RecursionError:
                self._json_error = UnreadableReport("JSON nested too deeply to read")
            except json.JSONDecodeError as exc:
                from adba.adapters.reports.siem_json import json_lines

                lines = json_lines(stripped) if exc.msg == "Extra data" else None
                if lines is not None:
                    self._json = lines
                else:
                    self._json_error = UnreadableReport(
                        f"JSON that does not parse: {exc.msg} (column {exc.colno}; truncated "
                        "file?)", line=exc.lineno)
        if self._json_error is not None:
            raise self._json_error
        return self._json


@dataclass(frozen=True)
class ShapeReader:
    """One shape: its name (as reports' ``format`` starts), what it is, and its two functions."""

    name: str
    describes: str
    sniff: Callable[[Input], bool]
    read: Callable[[Input], list[ClientReport]]


# --------------------------------------------------------------------------- the readers
# Each pair imports its module only when used, so reading one slmgr file loads no JSON or XML
# machinery.


def _evtx_sniff(item: Input) -> bool:
    return item.data.startswith(b"ElfFile\x00")


def _evtx_read(item: Input) -> list[ClientReport]:
    from adba.adapters.reports.evtx import read_evtx

    return read_evtx(item.data, item.source)


def _json_sniff(kind: str) -> Callable[[Input], bool]:
    def sniff(item: Input) -> bool:
        if not item.looks_json:
            return False
        try:
            doc = item.json
        except UnreadableReport:
            return kind == "broken"
        if kind == "collector":
            from adba.adapters.reports.collector import sniff_collector

            return sniff_collector(doc)
        if kind == "wmi":
            from adba.adapters.reports.wmi import sniff_wmi_json

            return sniff_wmi_json(doc)
        if kind == "events":
            from adba.adapters.reports.events import sniff_events_json

            return sniff_events_json(doc)
        if kind == "siem":
            from adba.adapters.reports.siem_json import sniff_siem_json

            return sniff_siem_json(doc)
        return kind == "other"
    return sniff


def _collector_read(item: Input) -> list[ClientReport]:
    from adba.adapters.reports.collector import read_collector

    return [read_collector(item.json, item.source)]


def _wmi_json_read(item: Input) -> list[ClientReport]:
    from adba.adapters.reports.wmi import read_wmi_json

    return [read_wmi_json(item.json, item.source)]


def _events_json_read(item: Input) -> list[ClientReport]:
    from adba.adapters.reports.events import read_events_json

    return read_events_json(item.json, item.source)


def _siem_read(item: Input) -> list[ClientReport]:
    from adba.adapters.reports.siem_json import read_siem_json

    return read_siem_json(item.json, item.source)


def _broken_json_read(item: Input) -> list[ClientReport]:
    item.json  # noqa: B018 - raises the parse error
    raise AssertionError("unreachable")


def _other_json_read(item: Input) -> list[ClientReport]:
    raise UnreadableReport("JSON, but neither the collector's, SoftwareLicensing* instances, "
                           "Get-WinEvent records nor shipper/SIEM documents of Security-SPP events")


@functools.cache
def _function(module: str, name: str) -> Callable[..., Any]:
    """A reader module's function, imported the first time it is needed."""
    import importlib

    found: Callable[..., Any] = getattr(importlib.import_module(f"adba.adapters.reports.{module}"), name)
    return found


def _text_sniff(module: str, function: str) -> Callable[[Input], bool]:
    found: list[Callable[[str], bool]] = []  # the function, once imported

    def sniff(item: Input) -> bool:
        if not found:
            found.append(_function(module, function))
        return bool(found[0](item.text))
    return sniff


def _text_read(module: str, function: str) -> Callable[[Input], list[ClientReport]]:
    found: list[Callable[[str, str], Any]] = []

    def read(item: Input) -> list[ClientReport]:
        if not found:
            found.append(_function(module, function))
        return list(found[0](item.text, item.source))
    return read


def _slmgr_read(item: Input) -> list[ClientReport]:
    from adba.adapters.reports.slmgr import read_slmgr

    return [read_slmgr(item.text, item.source)]


def _csv_read(item: Input) -> list[ClientReport]:
    from adba.adapters.reports.wmi import read_wmi_csv

    return [read_wmi_csv(item.text, item.source)]


READERS: tuple[ShapeReader, ...] = (
    ShapeReader("evtx", ".evtx event logs", _evtx_sniff, _evtx_read),
    ShapeReader("broken-json", "JSON", _json_sniff("broken"), _broken_json_read),
    ShapeReader("collector", "the adba collector's JSON", _json_sniff("collector"), _collector_read),
    ShapeReader("wmi-json", "CIM/WMI JSON (ConvertTo-Json)", _json_sniff("wmi"), _wmi_json_read),
    ShapeReader("events-json", "Get-WinEvent JSON", _json_sniff("events"), _events_json_read),
    ShapeReader("siem-json", "shipper/SIEM JSON of events", _json_sniff("siem"), _siem_read),
    ShapeReader("other-json", "JSON", _json_sniff("other"), _other_json_read),
    ShapeReader("event-xml", "event XML", _text_sniff("event_xml", "sniff_event_xml"),
                _text_read("event_xml", "read_event_xml")),
    ShapeReader("eventviewer-text", "Event Viewer text",
                _text_sniff("event_text", "sniff_eventviewer_text"),
                _text_read("event_text", "read_eventviewer_text")),
    ShapeReader("wmi-csv", "CIM/WMI CSV (Export-Csv)", _text_sniff("wmi", "sniff_wmi_csv"), _csv_read),
    ShapeReader("event-list", "Get-WinEvent | Format-List",
                _text_sniff("event_text", "sniff_event_list"),
                _text_read("event_text", "read_event_list")),
    ShapeReader("event-table", "Get-WinEvent | Format-Table",
                _text_sniff("event_text", "sniff_event_table"),
                _text_read("event_text", "read_event_table")),
    ShapeReader("ps-list", "SoftwareLicensing* | Format-List",
                _text_sniff("ps_wmi", "sniff_ps_wmi_list"),
                _text_read("ps_wmi", "read_ps_wmi_list")),
    ShapeReader("ps-table", "SoftwareLicensing* | Format-Table",
                _text_sniff("ps_wmi", "sniff_ps_wmi_table"),
                _text_read("ps_wmi", "read_ps_wmi_table")),
    ShapeReader("event-message", "a Security-SPP message",
                _text_sniff("event_text", "sniff_bare_message"),
                _text_read("event_text", "read_bare_message")),
    ShapeReader("slmgr", "slmgr.vbs text", _text_sniff("slmgr", "sniff_slmgr"), _slmgr_read),
    ShapeReader("slmgr-error", "an activation error line, any language",
                _text_sniff("error_lines", "sniff_error_lines"),
                _text_read("error_lines", "read_error_lines")),
)

_LISTED = ("slmgr text (/dlv, /dli, /xpr, /ato, /ao-list)",
           "PowerShell Format-List/Format-Table, JSON or CSV of SoftwareLicensingProduct/-Service",
           "Security-SPP events (.evtx, event XML, Event Viewer text, Get-WinEvent output, SIEM JSON)",
           "the adba collector's JSON")


def shapes_read() -> str:
    """The shapes adba reads, for a refusal message (said once)."""
    return "; ".join(_LISTED)


def read_input(item: Input) -> list[ClientReport]:
    """The reports in one input, read by the first reader whose sniff accepts it."""
    if not item.data or item.data.isspace():
        raise UnreadableReport("empty file")
    for reader in READERS:
        if reader.sniff(item):
            return reader.read(item)
    language = _foreign_language(item.text)
    if language is not None:
        raise UnreadableReport(f"text in an unsupported language (looks like {language}): adba "
                               "reads English output, and error codes in any language; export "
                               "CIM/WMI data or events (JSON, XML, .evtx), which do not depend "
                               "on the UI language")
    raise UnreadableReport(f"not a shape adba reads (it reads {shapes_read()})")


def _foreign_language(text: str) -> str | None:
    """The language of text that is mostly letters of another script or words of another
    language (used only to name it in a refusal)."""
    from adba.adapters.reports.slmgr_language import guess_language
    from adba.adapters.reports.slmgr_lines import split_lines

    head = text[:20000]
    letters = [ch for ch in head if ch.isalpha()]
    if not letters:
        return None
    lines, _notes = split_lines(head)
    language = guess_language(lines)
    foreign = sum(1 for ch in letters if ord(ch) > 0x24F) / len(letters)
    if language in ("Japanese", "Korean", "Chinese", "Russian", "Greek", "Hebrew", "Arabic",
                    "Thai"):
        return language if foreign > 0.2 else None
    return language
