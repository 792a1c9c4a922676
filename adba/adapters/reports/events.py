"""Read Security-SPP events exported with ``Get-WinEvent | ConvertTo-Json``.

JSON: one object or an array of ``EventLogRecord`` objects with ``Id``, ``ProviderName``,
``TimeCreated`` (``"/Date(1700000000000)/"`` from Windows PowerShell 5, ISO 8601 text from
PowerShell 7), ``Message``, ``Properties`` (``[{"Value": ...}]``) and ``MachineName``. With
``ConvertTo-Json``'s default ``-Depth 2`` the ``Properties`` arrive as the type name
``System.Diagnostics.Eventing.Reader.EventProperty``; the values are then taken from the
``Message`` text, which carries the same data.

The values become facts in :mod:`adba.adapters.reports.spp_events` (one report per
``MachineName``); .evtx files are read by :mod:`adba.adapters.reports.evtx`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime

from adba.adapters.reports.spp_events import (
    SPP_PROVIDER,
    RawEvent,
    is_spp_provider,
    one_line,
    reports_from_events,
)
from adba.core.client import ClientReport, Evidence

__all__ = ["SPP_PROVIDER", "is_spp_provider", "parse_event_time", "read_events_json",
           "sniff_events_json"]

_PROPERTY_TYPE_NAME = "System.Diagnostics.Eventing.Reader.EventProperty"
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


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


def read_events_json(doc: object, source: str) -> list[ClientReport]:
    """Read ``Get-WinEvent ... | ConvertTo-Json`` output (Windows PowerShell 5 or PowerShell 7);
    one report per ``MachineName``."""
    notes: list[str] = []
    raw: list[RawEvent] = []
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
        computer = machine.strip() if isinstance(machine, str) and machine.strip() else None
        text = f"event {event_id & 0xFFFF}" + (f": {one_line(message)}" if message else "")
        raw.append(RawEvent(event_id=event_id & 0xFFFF, time=time,
                            evidence=Evidence(source, where, text),
                            provider=provider if isinstance(provider, str) else None,
                            computer=computer, values=values, message=message))
    if cut:
        notes.append(f"{cut} event(s) had their Properties cut by ConvertTo-Json's default depth; "
                     "values were read from the Message (export with -Depth 3 to keep them)")
    return reports_from_events(raw, source, "events-json", notes, skipped=other_providers)
