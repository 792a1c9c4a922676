"""Read Security-SPP events (Application log): ``Get-WinEvent | ConvertTo-Json`` and ``.evtx`` files.

JSON: one object or an array of ``EventLogRecord`` objects with ``Id``, ``ProviderName``,
``TimeCreated`` (``"/Date(1700000000000)/"`` from Windows PowerShell 5, ISO 8601 text from
PowerShell 7), ``Message``, ``Properties`` (``[{"Value": ...}]``) and ``MachineName``. With
``ConvertTo-Json``'s default ``-Depth 2`` the ``Properties`` arrive as the type name
``System.Diagnostics.Eventing.Reader.EventProperty``; the values are then taken from the
``Message`` text, which carries the same data.

``.evtx``: read with the optional ``python-evtx`` package (module ``Evtx``), imported only when
such a file is read. An .evtx file holds no message texts, only the event data.

What each event gives (``ClientEvent``):

- 12308 (Active Directory activation succeeded): ``sku_id``, ``ao_name``, ``ao_dn``.
- 12288 (KMS request sent) / 12289 (KMS response processed): ``fields`` = the comma-separated
  Info values, ``hresult`` = the first; 12288 also ``kms_host`` (``server:port``) and ``sku_id``.
- 8198 (slui activation failed), 8200, 8208: ``hresult`` from ``hr=0x...``.
- 1003 and the others: the data values in ``fields``.

Failure HRESULTs (severity bit set) of 8198, 12288 and 12289 also become ``ReportedError``s.
Events of other providers are skipped with a note; a record that cannot be used is a note.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adba.adapters.reports.wmi import parse_guid, parse_hresult
from adba.core.client import ClientEvent, ClientReport, Evidence, ReportedError, UnreadableReport

__all__ = [
    "EVTX_MISSING",
    "SPP_PROVIDER",
    "EventRead",
    "build_event",
    "is_spp_provider",
    "parse_event_time",
    "read_events_json",
    "read_evtx",
    "sniff_events_json",
]

SPP_PROVIDER = "Microsoft-Windows-Security-SPP"
EVTX_MISSING = "reading .evtx needs the python-evtx package: pip install 'adba[evtx]'"
ERROR_EVENT_IDS = frozenset({8198, 12288, 12289})
"""Events whose failure HRESULT is also reported as an error."""

_EVENT_NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"
_PROPERTY_TYPE_NAME = "System.Diagnostics.Eventing.Reader.EventProperty"
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_HR = re.compile(r"\bhr\s*=\s*(0x[0-9A-Fa-f]{1,8})\b", re.IGNORECASE)
_HEX_CODE = re.compile(r"\b0x[0-9A-Fa-f]{8}\b")
_KV_12308 = {"sku id": 0, "ao name": 1, "ao dn": 2}
_MAX_EVIDENCE = 300


def is_spp_provider(name: object) -> bool:
    """True for ``Microsoft-Windows-Security-SPP`` and the short ``Security-SPP``."""
    return isinstance(name, str) and name.strip().lower().endswith("security-spp")


def parse_event_time(value: object) -> tuple[datetime | None, str | None]:
    """``TimeCreated`` as an aware datetime, and a problem (or None).

    ``/Date(ms)/`` (Windows PowerShell 5) is milliseconds since 1970 UTC; ISO text (PowerShell 7,
    the collector) keeps its offset; ISO text without one is taken as UTC (and says so); an object
    with a ``value`` member (a DateTime with extra members) uses that member.
    """
    if isinstance(value, Mapping):
        value = value.get("value", value.get("DateTime"))
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, f"TimeCreated {value!r} is not a date"
    text = value.strip()
    if match := _MS_DATE.match(text):
        try:
            return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC), None
        except (OverflowError, OSError, ValueError):
            return None, f"TimeCreated {text} is out of range"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return None, f"TimeCreated {text!r} is not a date"
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC), f"TimeCreated {text} has no time zone; taken as UTC"
    return parsed, None


@dataclass(frozen=True)
class EventRead:
    """One event as read, before it becomes a ``ClientEvent``."""

    event_id: int
    time: datetime | None
    values: tuple[str, ...] | None
    """The event data values; None when they are not known (cut by ConvertTo-Json)."""
    message: str | None
    evidence: Evidence


def _one_line(text: str) -> str:
    line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return line if len(line) <= _MAX_EVIDENCE else line[:_MAX_EVIDENCE - 1] + "…"


def _info_from_message(message: str | None) -> str | None:
    """The Info line of a 12288/12289 message: the text after ``Info:``, else the last line with
    at least two commas."""
    if not message:
        return None
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if line.lower().startswith("info:"):
            rest = line[5:].strip()
            return rest or (lines[index + 1] if index + 1 < len(lines) else None)
    candidates = [line for line in lines if line.count(",") >= 2]
    return candidates[-1] if candidates else None


def _hresult_in(texts: Sequence[str]) -> int | None:
    for text in texts:
        if match := _HR.search(text):
            return parse_hresult(match.group(1))
    for text in texts:
        if match := _HEX_CODE.search(text):
            return parse_hresult(match.group(0))
    return None


def _guid_or_note(text: str | None, where: str, notes: list[str]) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return parse_guid(text)
    except ValueError:
        notes.append(f"{where}: {text!r} is not a SKU id; ignored")
        return None


def build_event(read: EventRead, notes: list[str]) -> tuple[ClientEvent, ReportedError | None]:
    """The ``ClientEvent`` (and error, for a failing 8198/12288/12289) from one event's data."""
    where = read.evidence.where
    values = list(read.values) if read.values is not None else None
    message = read.message
    hresult: int | None = None
    sku_id = None
    ao_name = ao_dn = kms_host = None
    fields: tuple[str, ...] = tuple(values or ())
    if read.event_id == 12308:
        parts: list[str | None] = [None, None, None]
        if values:
            for index in range(min(3, len(values))):
                parts[index] = values[index].strip() or None
        elif message:
            for line in message.splitlines():
                key, sep, value = line.partition("=")
                if sep and key.strip().lower() in _KV_12308:
                    parts[_KV_12308[key.strip().lower()]] = value.strip() or None
        sku_id = _guid_or_note(parts[0], where, notes)
        ao_name, ao_dn = parts[1], parts[2]
        fields = tuple(p or "" for p in parts)
    elif read.event_id in (12288, 12289):
        info = values[0] if values else _info_from_message(message)
        if info:
            fields = tuple(part.strip() for part in info.split(","))
            try:
                hresult = parse_hresult(fields[0])
            except ValueError:
                notes.append(f"{where}: event {read.event_id} starts with {fields[0]!r}, not an HRESULT")
            if read.event_id == 12288:
                kms_host = fields[2] if len(fields) > 2 and fields[2] else None
                sku_id = _guid_or_note(fields[8] if len(fields) > 8 else None, where, notes)
        else:
            notes.append(f"{where}: event {read.event_id} without its Info values")
    else:
        texts = [*(values or ()), *([message] if message else [])]
        try:
            hresult = _hresult_in(texts) if read.event_id in (8198, 8200, 8208) else None
        except ValueError:
            hresult = None
        if read.event_id == 8198 and hresult is None:
            notes.append(f"{where}: event 8198 without an error code")
    event = ClientEvent(event_id=read.event_id, time=read.time, hresult=hresult, sku_id=sku_id,
                        ao_name=ao_name, ao_dn=ao_dn, kms_host=kms_host, fields=fields,
                        evidence=read.evidence)
    error = None
    if read.event_id in ERROR_EVENT_IDS and hresult is not None and hresult & 0x80000000:
        first = next((line.strip() for line in (message or "").splitlines() if line.strip()), None)
        error = ReportedError(hresult, first or f"event {read.event_id}", read.evidence)
    return event, error


# --------------------------------------------------------------------------- JSON

def _records(doc: object) -> list[tuple[str, object]]:
    if isinstance(doc, list):
        return [(f"[{i}]", item) for i, item in enumerate(doc)]
    if isinstance(doc, Mapping):
        value = doc.get("value")
        if isinstance(value, list) and "Count" in doc:  # PS 5: ConvertTo-Json -InputObject @(...)
            return [(f"value[{i}]", item) for i, item in enumerate(value)]
        return [("(root)", doc)]
    return []


def _looks_like_event(item: object) -> bool:
    return (isinstance(item, Mapping) and isinstance(item.get("Id"), int)
            and not isinstance(item.get("Id"), bool)
            and ("TimeCreated" in item or "ProviderName" in item)
            and ("Message" in item or "Properties" in item))


def sniff_events_json(doc: object) -> bool:
    """True when ``doc`` holds Get-WinEvent records of the Security-SPP provider (or records with
    no provider field, as after ``Select-Object Id, TimeCreated, Message``)."""
    for _, item in _records(doc)[:500]:
        if _looks_like_event(item):
            assert isinstance(item, Mapping)
            provider = item.get("ProviderName")
            if provider is None or is_spp_provider(provider):
                return True
    return False


def _property_values(raw: object, where: str, notes: list[str]) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        notes.append(f"{where}.Properties is not a list; the Message is used")
        return None
    values: list[str] = []
    for item in raw:
        if isinstance(item, Mapping) and "Value" in item:
            value = item["Value"]
            values.append("" if value is None else str(value))
        elif isinstance(item, str) and item != _PROPERTY_TYPE_NAME:
            values.append(item)
        else:
            return None
    return tuple(values)


def read_events_json(doc: object, source: str) -> ClientReport:
    """Read ``Get-WinEvent ... | ConvertTo-Json`` output (Windows PowerShell 5 or PowerShell 7)."""
    notes: list[str] = []
    events: list[ClientEvent] = []
    errors: list[ReportedError] = []
    machines: list[str] = []
    other_providers: Counter[str] = Counter()
    cut = 0
    for where, item in _records(doc):
        if not isinstance(item, Mapping):
            notes.append(f"{where}: {type(item).__name__} is not an event record; ignored")
            continue
        event_id = item.get("Id")
        if not isinstance(event_id, int) or isinstance(event_id, bool):
            notes.append(f"{where}: no numeric Id; ignored")
            continue
        provider = item.get("ProviderName")
        if provider is not None and not is_spp_provider(provider):
            other_providers[str(provider)] += 1
            continue
        time, problem = parse_event_time(item.get("TimeCreated"))
        if problem:
            notes.append(f"{where}: {problem}")
        values = _property_values(item.get("Properties"), where, notes)
        if values is None and item.get("Properties") is not None:
            cut += 1
        message = item.get("Message") if isinstance(item.get("Message"), str) else None
        machine = item.get("MachineName")
        if isinstance(machine, str) and machine.strip():
            machines.append(machine.strip())
        text = f"event {event_id & 0xFFFF}" + (f": {_one_line(message)}" if message else "")
        read = EventRead(event_id & 0xFFFF, time, values, message, Evidence(source, where, text))
        event, error = build_event(read, notes)
        events.append(event)
        if error:
            errors.append(error)
    if cut:
        notes.append(f"{cut} event(s) had their Properties cut by ConvertTo-Json's default depth; "
                     "values were read from the Message (export with -Depth 3 to keep them)")
    if other_providers:
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(other_providers.items()))
        notes.append(f"skipped {sum(other_providers.values())} event(s) of other providers: {listed}")
    if not events:
        raise UnreadableReport("no Security-SPP event in this JSON")
    return ClientReport(source=source, format="events-json", computer=_computer(machines, notes),
                        events=tuple(events), errors=tuple(errors), notes=tuple(notes))


def _computer(machines: list[str], notes: list[str]) -> str | None:
    if not machines:
        return None
    distinct = sorted({m.lower(): m for m in machines}.values())
    if len(distinct) > 1:
        notes.append(f"events from several machines ({', '.join(distinct)}); {machines[0]} is used")
    return machines[0]


# --------------------------------------------------------------------------- .evtx

def _load_evtx() -> Any:
    try:
        from Evtx import Evtx as evtx_module  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise UnreadableReport(EVTX_MISSING) from exc
    return evtx_module


def _find(parent: ET.Element | None, name: str) -> ET.Element | None:
    """A child element by local name, with or without the event namespace."""
    if parent is None:
        return None
    found = parent.find(_EVENT_NS + name)
    return found if found is not None else parent.find(name)


def _xml_event(xml_text: str) -> tuple[str | None, int | None, str | None, str | None, str | None,
                                       tuple[str, ...]]:
    """Provider, event id, SystemTime, record id, computer and data values of one event's XML."""
    root = ET.fromstring(xml_text)
    system = _find(root, "System")
    provider = _find(system, "Provider")
    event_id = _find(system, "EventID")
    created = _find(system, "TimeCreated")
    record = _find(system, "EventRecordID")
    computer = _find(system, "Computer")
    data = _find(root, "EventData")
    values: tuple[str, ...] = ()
    if data is not None:
        values = tuple((d.text or "") for d in data if d.tag.rpartition("}")[2] == "Data")
    number = None
    if event_id is not None and event_id.text and event_id.text.strip().isdigit():
        number = int(event_id.text.strip()) & 0xFFFF
    return (provider.get("Name") if provider is not None else None, number,
            created.get("SystemTime") if created is not None else None,
            record.text.strip() if record is not None and record.text else None,
            computer.text.strip() if computer is not None and computer.text else None, values)


def read_evtx(data: bytes, source: str) -> ClientReport:
    """Read the Security-SPP events of an ``.evtx`` file (the Application log, saved or copied).

    Needs ``python-evtx``; without it this raises ``UnreadableReport`` saying how to install it.
    """
    evtx = _load_evtx()
    if not data.startswith(b"ElfFile\x00"):
        raise UnreadableReport("not an .evtx file (no ElfFile header)")
    try:
        header = evtx.FileHeader(data, 0)
        chunks = list(header.chunks())
    except Exception as exc:  # python-evtx raises many kinds on a damaged header
        raise UnreadableReport(f"damaged .evtx header: {exc}") from exc
    notes: list[str] = []
    events: list[ClientEvent] = []
    errors: list[ReportedError] = []
    machines: list[str] = []
    others: Counter[str] = Counter()
    bad = 0
    for chunk_index, chunk in enumerate(chunks):
        try:
            records = list(chunk.records())
        except Exception as exc:  # a damaged chunk: keep what the others hold
            notes.append(f"chunk {chunk_index}: unreadable ({exc}); skipped")
            continue
        for record in records:
            try:
                number = record.record_num()
                xml_text = record.xml()
                provider, event_id, created, record_id, computer, values = _xml_event(xml_text)
            except Exception as exc:  # one damaged record must not hide the others
                bad += 1
                if bad <= 5:
                    notes.append(f"chunk {chunk_index}: a record could not be read ({exc}); skipped")
                continue
            if not is_spp_provider(provider):
                others[provider or "unknown"] += 1
                continue
            where = f"record {record_id or number}"
            if event_id is None:
                notes.append(f"{where}: no EventID; ignored")
                continue
            time, problem = parse_event_time(created) if created else (None, None)
            if time is None:
                try:
                    stamp = record.timestamp()
                    time = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
                except Exception:  # no usable time: keep the event without one
                    time = None
            elif problem and "no time zone" not in problem:
                notes.append(f"{where}: {problem}")
            if computer:
                machines.append(computer)
            text = f"event {event_id}" + (f": {_one_line(' | '.join(values))}" if values else "")
            event, error = build_event(
                EventRead(event_id, time, values, None, Evidence(source, where, text)), notes)
            events.append(event)
            if error:
                errors.append(error)
    if bad > 5:
        notes.append(f"{bad} record(s) in all could not be read")
    if not events:
        notes.append("no Security-SPP event in this .evtx file")
    if others:
        notes.append(f"skipped {sum(others.values())} event(s) of other providers")
    return ClientReport(source=source, format="evtx", computer=_computer(machines, notes),
                        events=tuple(events), errors=tuple(errors), notes=tuple(notes))
