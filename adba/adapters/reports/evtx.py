"""``.evtx`` files (a saved or copied Application log) as real machines write them.

Read with the ``evtx`` package (PyEvtxParser: a Rust parser with wheels for Linux, Windows and
macOS, so a plain ``pip install`` reads them; docs/dependencies.md says why this one). Each
record is rendered to event XML and read by :mod:`adba.adapters.reports.event_xml`; records of
other providers are counted and skipped without being parsed (a cheap substring test first).
A damaged record is a note, not the end of the file.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

from adba.adapters.reports.event_xml import event_from_element
from adba.adapters.reports.spp_events import RawEvent, reports_from_events
from adba.core.client import ClientReport, UnreadableReport

__all__ = ["EVTX_MAGIC", "EVTX_MISSING", "read_evtx"]

EVTX_MAGIC = b"ElfFile\x00"
EVTX_MISSING = "reading .evtx needs the evtx package: pip install evtx"
_SPP_MARKERS = ("Security-SPP", "E23B33B0", "e23b33b0", "Software Protection Platform Service")
_MAX_BAD_SHOWN = 5


def _parser(data: bytes) -> Any:
    try:
        from evtx import PyEvtxParser
    except ImportError as exc:
        raise UnreadableReport(EVTX_MISSING) from exc
    try:
        return PyEvtxParser(io.BytesIO(data))
    except Exception as exc:  # the parser refuses a damaged header in its own ways
        raise UnreadableReport(f"damaged .evtx file header ({one_word(exc)})") from exc


def one_word(exc: BaseException) -> str:
    """An exception's first line, short."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def read_evtx(data: bytes, source: str) -> list[ClientReport]:
    """Read the Security-SPP events of an .evtx file; one report per computer."""
    if not data.startswith(EVTX_MAGIC):
        raise UnreadableReport("not an .evtx file (no ElfFile header)")
    parser = _parser(data)
    notes: list[str] = []
    raw: list[RawEvent] = []
    skipped: Counter[str] = Counter()
    bad = 0
    records = parser.records()
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except Exception as exc:  # a damaged record or chunk: keep the rest
            bad += 1
            if bad <= _MAX_BAD_SHOWN:
                notes.append(f"a record could not be read ({one_word(exc)}); skipped")
            if bad > 10_000:
                break
            continue
        xml_text = record.get("data") if isinstance(record, dict) else None
        number = record.get("event_record_id") if isinstance(record, dict) else None
        if not isinstance(xml_text, str):
            bad += 1
            continue
        if not any(marker in xml_text for marker in _SPP_MARKERS):
            skipped["other providers"] += 1
            continue
        try:
            element = ET.fromstring(xml_text)
        except ET.ParseError as exc:
            bad += 1
            if bad <= _MAX_BAD_SHOWN:
                notes.append(f"record {number}: its XML does not parse ({exc}); skipped")
            continue
        event, provider = event_from_element(element, source, f"record {number}")
        if event is None:
            skipped[provider or "unknown"] += 1
            continue
        raw.append(event)
    if bad > _MAX_BAD_SHOWN:
        notes.append(f"{bad} record(s) in all could not be read")
    total_skipped = sum(skipped.values())
    if total_skipped:
        notes.append(f"skipped {total_skipped} event(s) of other providers")
    return reports_from_events(raw, source, "evtx", notes, refuse_empty=False)
