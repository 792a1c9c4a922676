"""Security-SPP events as log shippers and SIEMs store them: JSON documents, one per event, as an
array, a ``hits``/``results`` wrapper, or JSON lines.

The fields are found by the names each shipper uses:

- Winlogbeat / Elastic Agent (ECS): ``winlog.event_id``, ``winlog.provider_name``,
  ``winlog.computer_name``, ``winlog.event_data``, ``@timestamp``, ``message``; ``event.code``,
  ``host.name``.
- Splunk (WinEventLog): ``EventCode``, ``SourceName``, ``ComputerName``, ``Message``, ``_time``.
- NXLog, OTRF Security-Datasets, Graylog: ``EventID``, ``SourceName``/``ProviderName``,
  ``Hostname``/``Computer``, ``Message``, ``EventTime``/``@timestamp``, data as top-level
  ``param1``... or named fields.
- Microsoft Sentinel / Log Analytics (``Event`` table): ``EventID``, ``Source``, ``Computer``,
  ``RenderedDescription``, ``EventData`` (an XML string), ``TimeGenerated``.
- Windows Event Forwarding to JSON converters: ``Event.System...`` (the XML structure as JSON).

Records of other providers are counted and skipped.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping
from typing import Any

from adba.adapters.reports.event_xml import (
    event_from_element,
    parse_event_element,
    parse_system_time,
)
from adba.adapters.reports.spp_events import RawEvent, is_spp_provider, one_line, reports_from_events
from adba.core.client import ClientReport, Evidence, UnreadableReport

__all__ = ["json_lines", "read_siem_json", "siem_records", "sniff_siem_json"]

_ID_PATHS = (("winlog", "event_id"), ("event", "code"), ("EventID",), ("System", "EventID"),
             ("data", "win", "system", "eventID"), ("EventCode",),
             ("event_id",), ("EventId",), ("Event", "System", "EventID"), ("eventid",))
_PROVIDER_PATHS = (("winlog", "provider_name"), ("event", "provider"), ("ProviderName",),
                   ("System", "Provider", "Name"), ("data", "win", "system", "providerName"),
                   ("SourceName",), ("Source",), ("provider",), ("Provider",),
                   ("Event", "System", "Provider", "#attributes", "Name"),
                   ("Event", "System", "Provider", "Name"), ("Channel_Provider",))
_COMPUTER_PATHS = (("winlog", "computer_name"), ("host", "name"), ("host", "hostname"),
                   ("System", "Computer"), ("data", "win", "system", "computer"),
                   ("Computer",), ("ComputerName",), ("Hostname",), ("MachineName",), ("host",),
                   ("computer_name",), ("Event", "System", "Computer"))
_TIME_PATHS = (("@timestamp",), ("winlog", "time_created"), ("System", "TimeCreated", "SystemTime"),
               ("System", "TimeCreated"), ("TimeCreated",), ("TimeGenerated",),
               ("EventTime",), ("_time",), ("timestamp",), ("EventReceivedTime",),
               ("Event", "System", "TimeCreated", "#attributes", "SystemTime"),
               ("Event", "System", "TimeCreated", "SystemTime"))
_MESSAGE_PATHS = (("message",), ("Message",), ("RenderedDescription",), ("winlog", "message"),
                  ("RenderingInfo", "Message"), ("data", "win", "system", "message"),
                  ("event", "original"))
_XML_PATHS = (("payload", "event"), ("event",), ("_raw",), ("Event",), ("EventXml",), ("xml",),
              ("payload",))
"""Fields that hold one event's whole XML as a string (Splunk XmlWinEventLog, forwarders)."""
_DATA_PATHS = (("winlog", "event_data"), ("EventData",), ("data", "win", "eventdata"),
               ("event_data",), ("Event", "EventData"), ("winlog", "user_data"), ("UserData",))
_KNOWN_TOP = frozenset(k.lower() for k in (
    "EventID", "EventCode", "SourceName", "ProviderName", "Source", "Computer", "ComputerName",
    "Hostname", "MachineName", "Message", "RenderedDescription", "TimeGenerated", "EventTime",
    "_time", "@timestamp", "timestamp", "EventReceivedTime", "Channel", "Level", "Keywords",
    "Task", "Opcode", "RecordNumber", "EventRecordID", "ProcessID", "ThreadID", "Severity",
    "SeverityValue", "EventType", "Category", "host", "winlog", "event", "log", "ecs", "agent",
    "tags", "input", "beat", "type", "index", "sourcetype", "source", "_raw", "EventData",
    "UserData", "Event", "SourceModuleName", "SourceModuleType", "ExecutionProcessID",
    "ExecutionThreadID", "Version", "ProviderGuid", "LevelDisplayName", "TaskDisplayName",
    "OpcodeDisplayName", "KeywordsDisplayNames", "Id", "TimeCreated", "Properties", "LogName",
    "RecordId", "TenantId", "SourceSystem", "EventLog", "EventLevel", "EventLevelName",
    "UserName", "ManagementGroupName", "AzureDeploymentID", "Role", "ParameterXml", "MG",
    "EventCategory", "_ResourceId", "Type", "port", "@version", "Hashes", "AccountName",
    "AccountType", "Domain", "UserID", "SourceImage", "Channel_Provider"))


def _at(doc: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = doc
    for key in path:
        if not isinstance(value, Mapping):
            return None
        if key in value:
            value = value[key]
            continue
        lowered = {str(k).lower(): k for k in value}
        if key.lower() not in lowered:
            return None
        value = value[lowered[key.lower()]]
    return value


def _first(doc: Mapping[str, Any], paths: tuple[tuple[str, ...], ...]) -> Any:
    for path in paths:
        value = _at(doc, path)
        if value is not None and value != "":
            if isinstance(value, Mapping) and "#text" in value:
                value = value["#text"]
            return value
    return None


def json_lines(text: str) -> list[Any] | None:
    """Parse JSON lines (one document per line); None when the text is not that."""
    docs = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("{"):
            return None
        try:
            docs.append(json.loads(stripped))
        except json.JSONDecodeError:
            return None
    return docs or None


def siem_records(doc: Any) -> list[tuple[str, Mapping[str, Any]]]:
    """The event documents in ``doc``: an array, an Elasticsearch ``hits.hits[]._source``, a
    Splunk ``results``/``result``, Log Analytics ``tables[].rows`` is not supported."""
    if isinstance(doc, list):
        out: list[tuple[str, Mapping[str, Any]]] = []
        for index, item in enumerate(doc):
            if isinstance(item, Mapping):
                inner = item.get("_source") or item.get("result")
                out.append((f"[{index}]", inner if isinstance(inner, Mapping) else item))
        return out
    if isinstance(doc, Mapping):
        hits = _at(doc, ("hits", "hits"))
        if isinstance(hits, list):
            return [(f"hits[{i}]", h.get("_source", h)) for i, h in enumerate(hits)
                    if isinstance(h, Mapping)]
        results = doc.get("results")
        if isinstance(results, list):
            return [(f"results[{i}]", r) for i, r in enumerate(results) if isinstance(r, Mapping)]
        if isinstance(doc.get("result"), Mapping):
            return [("result", doc["result"])]
        return [("(root)", doc)]
    return []


def _event_id(doc: Mapping[str, Any]) -> int | None:
    value = _first(doc, _ID_PATHS)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value & 0xFFFF
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()) & 0xFFFF
    return None


def _xml_string(doc: Mapping[str, Any]) -> str | None:
    for path in _XML_PATHS:
        value = _at(doc, path)
        if isinstance(value, str) and value.lstrip().startswith("<Event"):
            return value
    return None


def sniff_siem_json(doc: Any) -> bool:
    """True when ``doc`` holds shipper-shaped event documents of Security-SPP."""
    for _where, record in siem_records(doc)[:2000]:
        if _event_id(record) is not None and is_spp_provider(_first(record, _PROVIDER_PATHS)):
            return True
        xml_text = _xml_string(record)
        if xml_text is not None and any(m in xml_text for m in ("Security-SPP", "E23B33B0")):
            return True
    return False


def _data(doc: Mapping[str, Any]) -> tuple[tuple[str, ...] | None, dict[str, str]]:
    raw = _first(doc, _DATA_PATHS)
    named: dict[str, str] = {}
    values: list[str] = []
    if isinstance(raw, str) and raw.strip().startswith("<"):
        try:
            root = ET.fromstring(raw.strip()) if "<!" not in raw else None
        except (ET.ParseError, UnicodeError):
            root = None
        if root is not None:
            for item in root.iter():
                if item is root or len(item):
                    continue
                text = (item.text or "").strip()
                values.append(text)
                name = item.get("Name")
                if name:
                    named[name.lower()] = text
            return tuple(values), named
    if isinstance(raw, Mapping):
        data = raw.get("Data")
        if isinstance(data, list):
            for item in data:
                if isinstance(item, Mapping):
                    text = str(item.get("#text", item.get("Value", "")))
                    values.append(text)
                    if item.get("@Name") or item.get("Name"):
                        named[str(item.get("@Name") or item.get("Name")).lower()] = text
                else:
                    values.append(str(item))
        elif isinstance(data, str | int):
            values.append(str(data))
        for key, value in raw.items():
            if key in ("Data", "Binary", "#attributes"):
                continue
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                named[str(key).lower()] = str(value)
                values.append(str(value))
        return tuple(values) if values else None, named
    # data as top-level fields (NXLog, Security-Datasets): param1.., or names not of the schema
    params = sorted((k for k in doc if str(k).lower().startswith("param") and str(k)[5:].isdigit()),
                    key=lambda k: int(str(k)[5:]))
    if params:
        return tuple(str(doc[k]) for k in params), {str(k).lower(): str(doc[k]) for k in params}
    for key, value in doc.items():
        if str(key).lower() not in _KNOWN_TOP and isinstance(value, str | int) \
                and not isinstance(value, bool):
            named[str(key).lower()] = str(value)
    return None, named


def read_siem_json(doc: Any, source: str) -> list[ClientReport]:
    """Read shipper/SIEM JSON of Security-SPP events; one report per computer."""
    raw: list[RawEvent] = []
    skipped: Counter[str] = Counter()
    notes: list[str] = []
    for where, record in siem_records(doc):
        xml_text = _xml_string(record)
        if xml_text is not None:
            try:
                element = parse_event_element(xml_text)
            except UnreadableReport as exc:
                notes.append(f"{where}: its event XML does not parse ({exc}); skipped")
                continue
            event, provider = event_from_element(element, source, where)
            if event is None:
                skipped[provider or "unknown"] += 1
            else:
                raw.append(event)
            continue
        event_id = _event_id(record)
        if event_id is None:
            continue
        provider = _first(record, _PROVIDER_PATHS)
        if not is_spp_provider(provider):
            skipped[str(provider or "unknown")] += 1
            continue
        created = _first(record, _TIME_PATHS)
        time = parse_system_time(str(created)) if isinstance(created, str) else None
        computer = _first(record, _COMPUTER_PATHS)
        message = _first(record, _MESSAGE_PATHS)
        values, named = _data(record)
        msg = message if isinstance(message, str) else None
        shown = msg or (" | ".join(values) if values else "")
        raw.append(RawEvent(event_id=event_id, time=time,
                            evidence=Evidence(source, where, f"event {event_id}: {one_line(shown)}"),
                            provider=str(provider), computer=str(computer) if isinstance(
                                computer, str | int) else None,
                            values=values, named=named, message=msg))
    if not raw and not skipped:
        raise UnreadableReport("siem-json: no event documents in it")
    return reports_from_events(raw, source, "siem-json", notes, skipped=skipped)
