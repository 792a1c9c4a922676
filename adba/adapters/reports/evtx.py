"""``.evtx`` files (a saved or copied Application log) as real machines write them.

Read with the ``evtx`` package (PyEvtxParser: a Rust parser with wheels for Linux, Windows and
macOS, so a plain ``pip install`` reads them; docs/dependencies.md says why this one). Chunks
that cannot hold a Security-SPP record are dropped before parsing (:func:`spp_chunks_only`);
each remaining record is rendered to JSON by the parser (the event XML's structure: ``System``,
``EventData``, ``UserData``), and records of other providers are skipped by a substring test
before their JSON is decoded. A damaged record is a note, not the end of the file.
"""

from __future__ import annotations

import io
import json
import struct
import warnings
import zlib
from typing import Any

from adba.adapters.reports.event_xml import parse_system_time
from adba.adapters.reports.spp_events import RawEvent, is_spp_provider, one_line, reports_from_events
from adba.core.client import ClientReport, Evidence, UnreadableReport

__all__ = ["EVTX_MAGIC", "EVTX_MISSING", "read_evtx"]

EVTX_MAGIC = b"ElfFile\x00"
EVTX_MISSING = "reading .evtx needs the evtx package: pip install evtx"
_SPP_MARKERS = ("Security-SPP", "E23B33B0", "e23b33b0", "Software Protection Platform Service")
_SPP_MARKERS_UTF16 = tuple(marker.encode("utf-16-le") for marker in _SPP_MARKERS)
_MAX_BAD_SHOWN = 5
_HEADER_SIZE = 4096
_CHUNK_SIZE = 65536
_CHUNK_MAGIC = b"ElfChnk\x00"


def expected_records(data: bytes) -> int:
    """Records the chunks of ``data`` say they hold (first to last record number of each)."""
    total = 0
    for start in range(_HEADER_SIZE, len(data) - _CHUNK_SIZE + 1, _CHUNK_SIZE):
        if data[start:start + 8] != _CHUNK_MAGIC:
            continue
        first, last = struct.unpack_from("<QQ", data, start + 8)
        if 0 < first <= last and last - first < _CHUNK_SIZE:
            total += last - first + 1
    return total


def spp_chunks_only(data: bytes) -> tuple[bytes, int, int]:
    """The file with only the chunks that can hold a Security-SPP event, and (chunks, kept).

    A chunk is self-contained (its records, templates and strings are inside it), and binary
    XML stores the provider's name and GUID as UTF-16 text, so a chunk without them holds no
    Security-SPP record. The header's chunk count and checksum are rewritten to match; the
    chunks themselves are kept byte for byte. A file whose layout is not the usual one is
    returned as it is.
    """
    body = len(data) - _HEADER_SIZE
    if body < _CHUNK_SIZE or data[_HEADER_SIZE:_HEADER_SIZE + 8] != _CHUNK_MAGIC:
        return data, 0, 0
    chunks = body // _CHUNK_SIZE
    kept: list[bytes] = []
    for index in range(chunks):
        start = _HEADER_SIZE + index * _CHUNK_SIZE
        chunk = data[start:start + _CHUNK_SIZE]
        if not chunk.startswith(_CHUNK_MAGIC) or any(m in chunk for m in _SPP_MARKERS_UTF16):
            kept.append(chunk)  # an odd chunk is left for the parser to judge
    if len(kept) == chunks:
        return data, chunks, chunks
    header = bytearray(data[:_HEADER_SIZE])
    struct.pack_into("<H", header, 42, len(kept))
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])) & 0xFFFFFFFF)
    return bytes(header) + b"".join(kept), chunks, len(kept)


def _parser(data: bytes) -> Any:
    try:
        from evtx import PyEvtxParser
    except ImportError as exc:
        raise UnreadableReport(EVTX_MISSING) from exc
    try:
        return PyEvtxParser(io.BytesIO(data), skip_errors=True)
    except Exception as exc:  # the parser refuses a damaged header in its own ways
        raise UnreadableReport(f"damaged .evtx file header ({_first_line(exc)})") from exc


def _first_line(exc: BaseException) -> str:
    """An exception's first line, short."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _warned(caught: list[warnings.WarningMessage], notes: list[str], bad: int) -> int:
    """Damage the parser stepped over (``skip_errors``: a chunk or record it could not read),
    as notes; returns how many."""
    for index, warning in enumerate(caught):
        if bad + index < _MAX_BAD_SHOWN:
            notes.append(f"damaged part skipped: {str(warning.message).splitlines()[0][:160]}")
    return len(caught)


def _text(value: Any) -> str:
    if type(value) is str:  # the usual value
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, dict):  # the parser's JSON: objects are dicts
        value = value.get("#text", "")
        if isinstance(value, list):
            return ", ".join(_text(v) for v in value)
    return str(value).strip()


def _data(section: Any) -> tuple[tuple[str, ...] | None, dict[str, str]]:
    """Values and named values of a rendered ``EventData`` (or ``UserData``) section."""
    if not isinstance(section, dict):
        return None, {}
    values: list[str] = []
    named: dict[str, str] = {}
    for key, value in section.items():
        if key == "Binary" or key == "#attributes":
            continue
        if key == "Data":
            items = value.get("#text", "") if isinstance(value, dict) else value
            for item in items if isinstance(items, list) else (items,):
                values.append(_text(item))
            continue
        if isinstance(value, dict) and "#text" not in value:  # UserData: one more level
            for inner_key, inner in value.items():
                if inner_key != "#attributes" and not isinstance(inner, dict | list):
                    named.setdefault(str(inner_key).lower(), _text(inner))
            continue
        text = _text(value)
        values.append(text)
        named[str(key).lower()] = text
    return tuple(values), named


def _event(doc: Any, source: str) -> tuple[RawEvent | None, str]:
    """The raw event of one record's JSON (decoded by ``json.loads``: objects are dicts), or
    None and the provider's name when it is not a Security-SPP event."""
    event = doc.get("Event") if isinstance(doc, dict) else None
    if not isinstance(event, dict):
        return None, ""
    system = event.get("System")
    if not isinstance(system, dict):
        return None, ""
    provider_el = system.get("Provider")
    attributes = provider_el.get("#attributes", {}) if isinstance(provider_el, dict) else {}
    provider = attributes.get("Name") or attributes.get("EventSourceName")
    if not (is_spp_provider(provider) or is_spp_provider(attributes.get("Guid"))):
        return None, str(provider or "unknown")
    id_value = system.get("EventID")
    if isinstance(id_value, dict):
        id_value = id_value.get("#text")
    if type(id_value) is int:  # the usual case, read as int(str(...)) would
        event_id = id_value & 0xFFFF
    else:
        try:
            event_id = int(str(id_value)) & 0xFFFF
        except ValueError:
            return None, ""
    created = system.get("TimeCreated")
    stamp = created.get("#attributes", {}).get("SystemTime") if isinstance(created, dict) else None
    computer = _text(system.get("Computer")) or None
    values, named = _data(event.get("EventData"))
    if values is None and isinstance(event.get("UserData"), dict):
        values, named = _data(event.get("UserData"))
    shown = " | ".join(values) if values else ""
    return RawEvent(event_id=event_id, time=parse_system_time(stamp),
                    evidence=Evidence(source, f"record {system.get('EventRecordID')}",
                                      f"event {event_id}: {one_line(shown)}" if shown
                                      else f"event {event_id}"),
                    provider=str(provider), computer=computer, values=values, named=named), ""


def _may_be_spp(text: str) -> bool:
    """Whether a record's JSON can be a Security-SPP event: its provider's name, source name
    or GUID (all in the ``Provider`` element, before ``EventID``) names Security-SPP. Only that
    element is searched when it can be found; otherwise the whole text."""
    start = text.find('"Provider"', 0, 400)
    end = text.find('"EventID"', start, start + 600) if start >= 0 else -1
    window = text[start:end] if end > 0 else text
    return ("Security-SPP" in window or "E23B33B0" in window or "e23b33b0" in window
            or "Software Protection Platform Service" in window)  # (_SPP_MARKERS, spelled out)


def read_evtx(data: bytes, source: str) -> list[ClientReport]:
    """Read the Security-SPP events of an .evtx file; one report per computer."""
    if not data.startswith(EVTX_MAGIC):
        raise UnreadableReport("not an .evtx file (no ElfFile header)")
    kept = spp_chunks_only(data)[0]
    parser = _parser(kept)
    notes: list[str] = []
    raw: list[RawEvent] = []
    skipped = 0
    bad = 0
    seen = 0
    records = parser.records_json()
    with warnings.catch_warnings(record=True) as caught:  # once: entering it costs per record
        warnings.simplefilter("always")
        while True:
            try:
                record = next(records)
            except StopIteration:
                bad += _warned(caught, notes, bad)
                break
            except Exception as exc:  # a damaged record or chunk: keep the rest
                del caught[:]  # what the parser warned while failing is not counted, as before
                bad += 1
                if bad <= _MAX_BAD_SHOWN:
                    notes.append(f"a record could not be read ({_first_line(exc)}); skipped")
                if bad > 10_000:
                    break
                continue
            if caught:
                bad += _warned(caught, notes, bad)
                del caught[:]
            seen += 1
            text = record.get("data") if isinstance(record, dict) else None
            if not isinstance(text, str):
                bad += 1
                continue
            if not _may_be_spp(text):
                skipped += 1
                continue
            try:
                event, _provider = _event(json.loads(text), source)
            except (ValueError, RecursionError) as exc:
                bad += 1
                if bad <= _MAX_BAD_SHOWN:
                    notes.append(f"record {record.get('event_record_id')}: not readable ({exc}); skipped")
                continue
            if event is None:
                skipped += 1
                continue
            raw.append(event)
    if bad > _MAX_BAD_SHOWN:
        notes.append(f"{bad} record(s) in all could not be read")
    missing = expected_records(kept) - seen
    if missing > 0:
        notes.append(f"{missing} record(s) the chunk headers announce could not be read (a "
                     "damaged or partly overwritten log); the events found are used")
    if skipped:
        notes.append(f"skipped {skipped} event(s) of other providers (or without an event id)")
    if not raw:
        raise UnreadableReport("evtx: no Security-SPP event in this log (they are in the "
                               "Application log)")
    return reports_from_events(raw, source, "evtx", notes)
