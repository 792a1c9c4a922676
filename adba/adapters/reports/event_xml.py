"""Windows event XML: one ``<Event xmlns=...>`` (as Windows Event Forwarding, SIEMs and Event
Viewer's "Event Xml" give it), a stream of them (``wevtutil qe /f:xml``, ``<Events>`` exports),
and the records of .evtx files, which are rendered to the same XML.

The data values of ``<EventData>`` are read in order and by ``Name``; a ``<Data>`` element that
holds child elements (python-evtx renders some events' values as ``<string>...</string>``
children inside one ``<Data>``; binary-XML templates can nest) gives each child's text as a
value. ``<UserData>`` leaves are read by name. ``<RenderingInfo><Message>`` (forwarded events)
becomes the message.

The XML parser is Python's expat with a document type refused up front: no DTD, no entity, no
external reference is ever processed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime

from adba.adapters.reports.spp_events import RawEvent, is_spp_provider, one_line, reports_from_events
from adba.core.client import ClientReport, Evidence, UnreadableReport

__all__ = ["event_from_element", "parse_event_element", "parse_system_time", "read_event_xml",
           "sniff_event_xml"]

_DOCTYPE = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_EVENT_OPEN = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?Event[\s>]")
_FRACTION = re.compile(r"(\.\d{6})\d+")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


_NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"


def _child(parent: ET.Element | None, name: str) -> ET.Element | None:
    """A child by local name: in the event namespace, without one, or in any other."""
    if parent is None:
        return None
    found = parent.find(_NS + name)
    if found is None:
        found = parent.find(name)
    if found is None:
        for child in parent:
            if _local(child.tag) == name:
                return child
    return found


def parse_system_time(text: str | None) -> datetime | None:
    """``SystemTime`` (``2021-01-11T15:50:07.1234567Z``, 7-digit fractions) as an aware datetime."""
    if not text:
        return None
    if text[-1:] == "Z" and len(text) <= 40:  # the usual form: Python reads it as it stands
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # (the general path below says None, or reads a variant)
    value = _FRACTION.sub(r"\1", text.strip())
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _data_values(data: ET.Element) -> tuple[tuple[str, ...], dict[str, str]]:
    values: list[str] = []
    named: dict[str, str] = {}
    for item in data:
        tag = _local(item.tag)
        if tag == "Binary":
            continue
        children = list(item)
        if children:
            parts = ["".join(child.itertext()).strip() for child in children]
            values.extend(parts)
            text = ", ".join(parts)
        else:
            text = (item.text or "").strip()
            values.append(text)
        name = item.get("Name")
        if name:
            named[name.lower()] = text
        elif tag != "Data":
            named[tag.lower()] = text
    return tuple(values), named


def _user_data(user: ET.Element) -> dict[str, str]:
    named: dict[str, str] = {}
    for element in user.iter():
        if len(element) == 0 and element is not user:
            named.setdefault(_local(element.tag).lower(), (element.text or "").strip())
    return named


def event_from_element(event: ET.Element, source: str, where: str) -> tuple[RawEvent | None, str]:
    """The :class:`RawEvent` of one ``<Event>`` element, or None and the provider's name when it is
    not a Security-SPP event (or has no event id: provider ``""``)."""
    system = _child(event, "System")
    provider_el = _child(system, "Provider")
    provider = None
    if provider_el is not None:
        provider = provider_el.get("Name") or provider_el.get("EventSourceName") or provider_el.get("Guid")
    if not (is_spp_provider(provider) or (provider_el is not None and is_spp_provider(
            provider_el.get("Guid")))):
        return None, provider or "unknown"
    id_el = _child(system, "EventID")
    id_text = (id_el.text or "").strip() if id_el is not None else ""
    if not id_text.isdigit():
        return None, ""
    event_id = int(id_text) & 0xFFFF
    created = _child(system, "TimeCreated")
    time = parse_system_time(created.get("SystemTime") if created is not None else None)
    computer_el = _child(system, "Computer")
    computer = (computer_el.text or "").strip() or None if computer_el is not None else None
    record_el = _child(system, "EventRecordID")
    record = (record_el.text or "").strip() if record_el is not None else ""
    values: tuple[str, ...] | None = None
    named: dict[str, str] = {}
    data = _child(event, "EventData")
    if data is not None:
        values, named = _data_values(data)
    user = _child(event, "UserData")
    if user is not None:
        named.update(_user_data(user))
    message = None
    rendering = _child(event, "RenderingInfo")
    message_el = _child(rendering, "Message")
    if message_el is not None and message_el.text:
        message = message_el.text
    label = f"record {record}" if record else where
    shown = message or (" | ".join(values) if values else "")
    text = f"event {event_id}" + (f": {one_line(shown)}" if shown else "")
    return RawEvent(event_id=event_id, time=time, evidence=Evidence(source, label, text),
                    provider=provider, computer=computer, values=values, named=named,
                    message=message), provider or ""


def sniff_event_xml(text: str) -> bool:
    """True for text that is event XML (``<Event ...>`` or a stream or ``<Events>`` of them)."""
    head = text[:8192].lstrip("\ufeff \t\r\n")[:4096]
    if not head.startswith("<"):
        return False
    return bool(_EVENT_OPEN.search(head)) and "schemas.microsoft.com/win/2004/08/events" in text[:65536]


def parse_event_element(text: str) -> ET.Element:
    """The root element of event XML text (one ``<Event>``, or ``<Events>`` around a stream);
    a DOCTYPE or ENTITY declaration is refused before parsing."""
    return _parse(text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _parse(text: str) -> ET.Element:
    body = text.lstrip("\ufeff \t\r\n")
    if _DOCTYPE.search(body):
        raise UnreadableReport("event XML with a DOCTYPE or ENTITY declaration: refused (no "
                               "event export has one)")
    if body.startswith("<?xml"):
        end = body.find("?>")
        body = body[end + 2:] if end > 0 else body
    if _SURROGATE.search(body):  # from a JSON "\ud800" escape: no XML parser takes it
        raise UnreadableReport("event XML holding a lone surrogate (\\ud800-\\udfff), which is "
                               "not text")
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        pass
    try:  # a stream of <Event> elements without a root
        return ET.fromstring(f"<Events>{body}</Events>")
    except ET.ParseError as exc:
        line, _column = exc.position
        raise UnreadableReport(f"event XML that does not parse ({exc.msg if hasattr(exc, 'msg') else exc}"
                               f"; truncated?)", line=line or None) from exc


def read_event_xml(text: str, source: str) -> list[ClientReport]:
    """Read one event's XML or a stream of them; one report per computer."""
    root = _parse(text)
    elements = [root] if _local(root.tag) == "Event" else [e for e in root.iter()
                                                           if _local(e.tag) == "Event"]
    raw: list[RawEvent] = []
    skipped: Counter[str] = Counter()
    notes: list[str] = []
    for index, element in enumerate(elements):
        event, provider = event_from_element(element, source, f"event {index + 1}")
        if event is None:
            if provider:
                skipped[provider] += 1
            else:
                notes.append(f"event {index + 1}: no numeric EventID; ignored")
            continue
        raw.append(event)
    if not elements:
        raise UnreadableReport("XML, but no <Event> element in it")
    shape = "event-xml"
    return reports_from_events(raw, source, shape, notes, skipped=skipped)
