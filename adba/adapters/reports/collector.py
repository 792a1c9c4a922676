"""Read the JSON document ``Collect-AdbaStatus.ps1`` writes (format ``adba-collector``).

The document (see docs/collector.md) holds the computer's name, domain, forest and OS, the
``SoftwareLicensingService`` values, the ``SoftwareLicensingProduct`` instances with a key and
recent Security-SPP events. Products and service go through the WMI mapping
(:func:`adba.adapters.reports.wmi.map_instances`), events through the events mapping
(:func:`adba.adapters.reports.spp_events.decode_event`), so every format reads the same way.
Evidence paths are JSON paths into the document (``products[0].LicenseStatusReason``,
``events[3]``). A ``format_version`` newer than :data:`FORMAT_VERSION` is refused.
"""

from __future__ import annotations

from collections.abc import Mapping

from adba.adapters.reports.events import parse_event_time
from adba.adapters.reports.spp_events import RawEvent, decode_event
from adba.adapters.reports.wmi import (
    PRODUCT_CLASS,
    SERVICE_CLASS,
    WmiInstance,
    instance_from_mapping,
    map_instances,
)
from adba.core.client import ClientEvent, ClientReport, Evidence, ReportedError, UnreadableReport

__all__ = ["FORMAT", "FORMAT_VERSION", "read_collector", "sniff_collector"]

FORMAT = "adba-collector"
FORMAT_VERSION = 1
"""The newest ``format_version`` this reader understands."""

_MAX_EVIDENCE = 300


def sniff_collector(doc: object) -> bool:
    """True when ``doc`` (parsed JSON) is a collector document of any version."""
    return isinstance(doc, Mapping) and doc.get("format") == FORMAT


def _text(doc: Mapping[str, object], key: str, notes: list[str], where: str | None = None) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    notes.append(f"{where or key}: {value!r} is not text; ignored")
    return None


def read_collector(doc: object, source: str) -> ClientReport:
    """Read one collector document into a ``ClientReport``."""
    if not sniff_collector(doc):
        raise UnreadableReport(f"not an {FORMAT} document")
    assert isinstance(doc, Mapping)
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise UnreadableReport(f"{FORMAT} document without a valid format_version ({version!r})")
    if version > FORMAT_VERSION:
        raise UnreadableReport(f"{FORMAT} format_version {version} is newer than this adba reads "
                               f"({FORMAT_VERSION}); update adba or use the collector it prints "
                               "('adba collector')")
    notes: list[str] = []
    computer = _text(doc, "computer", notes)
    domain = _text(doc, "domain", notes)
    if doc.get("part_of_domain") is False:
        notes.append(f"not joined to a domain (workgroup {domain or 'unknown'})")
        domain = None
    forest = _text(doc, "forest", notes)
    dc = _text(doc, "domain_controller", notes)
    dc = dc.strip().lstrip("\\").rstrip(".") or None if dc else None
    collected = _text(doc, "collected_at", notes)
    collected_at = None
    if collected:
        collected_at, problem = parse_event_time(collected)
        notes.append(f"collected at {collected}" + (f" ({problem})" if problem else ""))

    caption = version_text = None
    build: int | None = None
    os_doc = doc.get("os")
    if isinstance(os_doc, Mapping):
        caption = _text(os_doc, "caption", notes, "os.caption")
        version_text = _text(os_doc, "version", notes, "os.version")
        raw_build = os_doc.get("build")
        if isinstance(raw_build, int) and not isinstance(raw_build, bool):
            build = raw_build
        elif isinstance(raw_build, str) and raw_build.strip().isdigit():
            build = int(raw_build.strip())
        elif raw_build is not None:
            notes.append(f"os.build: {raw_build!r} is not a number; ignored")
    elif os_doc is not None:
        notes.append("os: not an object; ignored")

    instances: list[WmiInstance] = []
    service = doc.get("service")
    if isinstance(service, Mapping):
        instances.append(instance_from_mapping(service, "service", notes, SERVICE_CLASS))
    elif service is not None:
        notes.append("service: not an object; ignored")
    products = doc.get("products")
    if isinstance(products, list):
        for index, item in enumerate(products):
            if isinstance(item, Mapping):
                instances.append(instance_from_mapping(item, f"products[{index}]", notes, PRODUCT_CLASS))
            else:
                notes.append(f"products[{index}]: not an object; ignored")
    elif products is not None:
        notes.append("products: not a list; ignored")
    mapped = map_instances(instances, source, notes)

    events, errors = _events(doc.get("events"), source, notes)
    problems = doc.get("errors")
    if isinstance(problems, list):
        for index, problem in enumerate(problems):
            if isinstance(problem, Mapping):
                step = problem.get("step")
                message = problem.get("message")
                notes.append(f"the collector reported a problem ({step or 'unknown step'}): "
                             f"{' '.join(str(message or '').split())}")
            else:
                notes.append(f"errors[{index}]: {problem!r}")

    return ClientReport(source=source, format="collector", computer=computer or mapped.computer,
                        domain=domain, forest=forest, os_caption=caption, os_version=version_text,
                        os_build=build, service_version=mapped.service_version,
                        kms_host_service=mapped.kms_host, unused_licences=mapped.unused,
                        products=mapped.products, events=events, errors=errors, notes=tuple(notes),
                        collected_at=collected_at, domain_controller=dc)


def _one_line(text: str) -> str:
    line = " ".join(text.split())  # (str.split's whitespace is re's \s: checked for every code point)
    return line if len(line) <= _MAX_EVIDENCE else line[:_MAX_EVIDENCE - 1] + "…"


def _events(raw: object, source: str,
            notes: list[str]) -> tuple[tuple[ClientEvent, ...], tuple[ReportedError, ...]]:
    if raw is None:
        return (), ()
    if not isinstance(raw, list):
        notes.append("events: not a list; ignored")
        return (), ()
    events: list[ClientEvent] = []
    errors: list[ReportedError] = []
    for index, item in enumerate(raw):
        where = f"events[{index}]"
        if not isinstance(item, Mapping):
            notes.append(f"{where}: not an object; ignored")
            continue
        event_id = item.get("Id")
        if not isinstance(event_id, int) or isinstance(event_id, bool):
            notes.append(f"{where}: no numeric Id; ignored")
            continue
        time, problem = parse_event_time(item.get("TimeCreated"))
        if problem:
            notes.append(f"{where}: {problem}")
        values: tuple[str, ...] | None = None
        properties = item.get("Properties")
        if isinstance(properties, list):
            values = tuple("" if v is None else str(v) for v in properties)
        elif properties is not None:
            notes.append(f"{where}.Properties: not a list; the Message is used")
        message = item.get("Message") if isinstance(item.get("Message"), str) else None
        text = f"event {event_id}" + (f": {_one_line(message)}" if message else "")
        event, error = decode_event(
            RawEvent(event_id=event_id & 0xFFFF, time=time, evidence=Evidence(source, where, text),
                     values=values, message=message), notes)
        events.append(event)
        if error:
            errors.append(error)
    return tuple(events), tuple(errors)
