"""Readers for what clients report, one module per format, and the dispatcher that picks one."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from adba.core.client import ClientReport, UnreadableReport

EVTX_MAGIC = b"ElfFile\x00"
FORMATS_READ = ("slmgr text (/dlv, /dli, /ao-list, /ato)", "CIM/WMI JSON or CSV",
                "Security-SPP events JSON or .evtx", "adba collector JSON")


@dataclass(frozen=True)
class ReportInput:
    """One input to read: a file, or standard input."""

    name: str
    path: Path | None


def expand_inputs(args: list[str]) -> Iterator[ReportInput]:
    """Files as given, directories walked (sorted, hidden entries skipped), ``-`` for stdin."""
    for arg in args:
        if arg == "-":
            yield ReportInput("<stdin>", None)
            continue
        path = Path(arg)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(part.startswith(".")
                                               for part in child.relative_to(path).parts):
                    yield ReportInput(str(child), child)
        else:
            yield ReportInput(arg, path)


def _read_bytes(item: ReportInput) -> bytes:
    from adba.adapters.reports.text import MAX_REPORT_BYTES

    if item.path is None:
        data = sys.stdin.buffer.read(MAX_REPORT_BYTES + 1)
    else:
        try:
            with item.path.open("rb") as handle:
                data = handle.read(MAX_REPORT_BYTES + 1)
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


def read_report(item: ReportInput) -> ClientReport:
    """Read one report in whatever supported format it is; ``UnreadableReport`` says why not."""
    data = _read_bytes(item)
    source = item.name
    if data.startswith(EVTX_MAGIC):
        from adba.adapters.reports.events import read_evtx

        return read_evtx(data, source)
    from adba.adapters.reports.text import decode_report_bytes

    text = decode_report_bytes(data)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            doc = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise UnreadableReport(f"JSON that does not parse: {exc.msg} (column {exc.colno}; "
                                   "truncated file?)", line=exc.lineno) from exc
        from adba.adapters.reports.collector import read_collector, sniff_collector
        from adba.adapters.reports.events import read_events_json, sniff_events_json
        from adba.adapters.reports.wmi import read_wmi_json, sniff_wmi_json

        if sniff_collector(doc):
            return read_collector(doc, source)
        if sniff_wmi_json(doc):
            return read_wmi_json(doc, source)
        if sniff_events_json(doc):
            return read_events_json(doc, source)
        raise UnreadableReport("JSON, but neither collector output, SoftwareLicensing* "
                               "instances nor Security-SPP events")
    from adba.adapters.reports.slmgr import read_slmgr, sniff_slmgr
    from adba.adapters.reports.wmi import read_wmi_csv, sniff_wmi_csv

    if sniff_wmi_csv(text):
        return read_wmi_csv(text, source)
    if sniff_slmgr(text):
        return read_slmgr(text, source)
    raise UnreadableReport("not a format adba reads (" + "; ".join(FORMATS_READ) + ")")


def read_reports(item: ReportInput) -> list[ClientReport]:
    """Every machine's report in one input: one for most shapes, one per computer for an event
    log that holds several (merged logs, a renamed machine). ``UnreadableReport`` says why not."""
    return [read_report(item)]
