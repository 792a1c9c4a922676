"""Security-SPP events as text: Event Viewer's "Copy details as text", ``Get-WinEvent | Format-List``
and ``| Format-Table``, and a bare message body pasted on its own.

- **Event Viewer text**: ``Log Name:``, ``Source:``, ``Date:``, ``Event ID:``, ..., ``Computer:``,
  ``Description:`` and the message, often followed by ``Event Xml:`` and the event's XML. When
  the XML is there it is read (it carries the data values, in any UI language); the header lines
  give the rest. Several events pasted one after another are all read.
- **Get-WinEvent | Format-List**: records with ``TimeCreated``, ``ProviderName``, ``Id``,
  ``MachineName`` and a multi-line ``Message``.
- **Get-WinEvent | Format-Table**: the ``ProviderName:`` group line, then ``TimeCreated Id
  LevelDisplayName Message``; a message the console cut is used only for its event id and time.
- **A bare message**: only when its first line is one Security-SPP prints for a known event
  (8198, 12288, 12289, 12308, 1003, 8230, 8233, 900-903, 16384); else it is refused.

Dates in these shapes are the machine's local time in its locale's format (``1/11/2021 3:50:07
PM``). Day and month are told apart only when the file itself settles it (a day above 12);
an ambiguous date is not used, and no date is ever given a time zone it did not have.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

from adba.adapters.reports.event_xml import _parse as parse_xml
from adba.adapters.reports.event_xml import event_from_element
from adba.adapters.reports.ps_format import PsRecord, parse_format_list, parse_format_table
from adba.adapters.reports.spp_events import RawEvent, is_spp_provider, one_line, reports_from_events
from adba.core.client import ClientReport, Evidence, UnreadableReport

__all__ = ["MESSAGE_STARTS", "message_event_id", "parse_local_times", "read_bare_message",
           "read_event_list", "read_event_table", "read_eventviewer_text", "sniff_bare_message",
           "sniff_event_list", "sniff_event_table", "sniff_eventviewer_text"]

MESSAGE_STARTS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^License Activation \(.+\) failed with the following error code", re.I), 8198),
    (re.compile(r"^The client has sent an activation request to the key management service "
                r"machine", re.I), 12288),
    (re.compile(r"^The client has processed an activation response from the key management "
                r"service machine", re.I), 12289),
    (re.compile(r"^(?:The )?Active Directory (?:based |-based )?Activation (?:has )?succeeded", re.I),
     12308),
    (re.compile(r"^The Software Protection service has completed licensing status check", re.I),
     1003),
    (re.compile(r"^The rules engine reported a failed VL activation attempt", re.I), 8233),
    (re.compile(r"^The Software Protection service is starting", re.I), 900),
    (re.compile(r"^The Software Protection service has started", re.I), 902),
    (re.compile(r"^The Software Protection service has stopped", re.I), 903),
    (re.compile(r"^Successfully scheduled Software Protection service for re-start", re.I), 16384),
)
"""First lines of Security-SPP messages and the event each belongs to (English)."""

_EV_HEADER = re.compile(r"^(?P<label>Log Name|Source|Date|Event ID|Task Category|Level|Keywords|"
                        r"User|Computer|OpCode|Description|Event Xml):(?P<value>.*)$")
_EV_LOCALIZED = {
    "Protokollname": "German", "Ereignis-ID": "German", "Nom du journal": "French",
    "ID de l'événement": "French", "Nombre de registro": "Spanish", "Id. del evento": "Spanish",
    "Nome registro": "Italian", "ID evento": "Italian", "Имя журнала": "Russian",
    "Код события": "Russian", "日志名称": "Chinese", "事件 ID": "Chinese", "ログの名前": "Japanese",
    "イベント ID": "Japanese", "Nome do Log": "Portuguese", "Logboeknaam": "Dutch",
}
_EV_LOCALIZED_STARTS = tuple(f"{label}:" for label in _EV_LOCALIZED)
_EVENT_LIST_NAMES = frozenset({"timecreated", "providername", "id", "message", "machinename",
                               "leveldisplayname", "recordid", "logname"})
_DATE = re.compile(r"^\s*(?P<a>\d{1,4})[./-](?P<b>\d{1,2})[./-](?P<c>\d{1,4})[ T,]+"
                   r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?:[.,]\d+)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?\s*$")
_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")
_ZONE_END = re.compile(r"(Z|[+-]\d{2}:?\d{2})\s*$")
_LIST_NAME = re.compile(r"^[A-Za-z]+ +:")
_DASHES_4 = re.compile(r"^\s*-{4,}")


# --------------------------------------------------------------------------- dates


def _candidates(text: str) -> dict[str, datetime]:
    """Readings of a locale date: ``ymd``, ``mdy`` and ``dmy``, those that are valid."""
    match = _DATE.match(text)
    if not match:
        iso = _iso(text)
        return {"iso": iso} if iso else {}
    a, b, c = int(match["a"]), int(match["b"]), int(match["c"])
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    ampm = (match["ampm"] or "").replace(".", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    out: dict[str, datetime] = {}
    orders = {"ymd": (a, b, c)} if len(match["a"]) == 4 else {"mdy": (c, a, b), "dmy": (c, b, a)}
    for name, (year, month, day) in orders.items():
        if year < 100:
            year += 2000
        try:
            out[name] = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:
            continue
    return out


def _iso(text: str) -> datetime | None:
    value = text.strip()
    if not _ISO_START.match(value):
        return None
    value = _LONG_FRACTION.sub(r"\1", value).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_local_times(texts: list[str | None], notes: list[str]) -> list[datetime | None]:
    """Locale-formatted dates of one file, read with the one day/month order the file allows.

    ISO dates and ``yyyy/mm/dd`` need no guess. For ``a/b/yyyy`` dates the order is ``mdy`` or
    ``dmy`` only when some date of the file is valid in just one of them; otherwise every such
    date stays unread (None) and a note says so. Times are the machine's local time and are
    stored as if UTC (their zone is not in the text), which the note says.
    """
    readings = [_candidates(t) if t else {} for t in texts]
    orders = {"mdy", "dmy"}
    ambiguous_only = True
    for reading in readings:
        kinds = set(reading) & {"mdy", "dmy"}
        if kinds and len(kinds) == 1:
            orders &= kinds
            ambiguous_only = False
    order = next(iter(orders)) if len(orders) == 1 else None
    out: list[datetime | None] = []
    unread = 0
    local = 0
    for text, reading in zip(texts, readings, strict=True):
        if not text:
            out.append(None)
            continue
        value = reading.get("iso") or reading.get("ymd")
        if value is None and order is not None:
            value = reading.get(order)
        if value is None and len({reading.get("mdy"), reading.get("dmy")} - {None}) == 1:
            value = reading.get("mdy") or reading.get("dmy")  # same day either way (e.g. 5/5)
        if value is None:
            unread += 1
        elif "iso" not in reading or not _ZONE_END.search(text.strip()):
            local += 1
        out.append(value)
    if unread:
        why = ("day and month cannot be told apart in this file" if ambiguous_only or not orders
               else "the file's dates disagree on the order of day and month")
        notes.append(f"{unread} date(s) not used: {why} (locale-formatted, e.g. {texts[0]!r})")
    if local:
        notes.append(f"{local} date(s) are the machine's local time without a zone; kept as if UTC "
                     "(used to order events, not to compute expiry)")
    return out


# --------------------------------------------------------------------------- message


def message_event_id(message: str) -> int | None:
    """The event a Security-SPP message body belongs to, from its first line (English)."""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")
    for pattern, event_id in MESSAGE_STARTS:
        if pattern.match(first):
            return event_id
    return None


def sniff_bare_message(text: str) -> bool:
    """A bare Security-SPP message body: its first line is one of :data:`MESSAGE_STARTS`."""
    return message_event_id(text[:4000].lstrip("\ufeff")) is not None


def read_bare_message(text: str, source: str) -> list[ClientReport]:
    """Read one pasted Security-SPP message (no header, no time, no computer)."""
    body = text.lstrip("\ufeff").strip()
    event_id = message_event_id(body)
    if event_id is None:
        raise UnreadableReport("event-message: not a Security-SPP message adba knows")
    raw = RawEvent(event_id=event_id, time=None, message=body,
                   evidence=Evidence(source, "line 1", f"event {event_id}: {one_line(body)}"))
    notes = [f"a bare message: taken as event {event_id} from its first line; it has no time "
             "and no computer name"]
    return reports_from_events([raw], source, "event-message", notes)


# --------------------------------------------------------------------------- Event Viewer


def sniff_eventviewer_text(text: str) -> bool:
    """Event Viewer's "Copy details as text": a ``Log Name:`` line, then ``Source:``."""
    lines = _first_lines(text[:8000].lstrip("\ufeff \r\n")[:4000], 6)
    if lines and lines[0].startswith("Log Name:") and any(x.startswith("Source:") for x in lines):
        return True
    if lines and lines[0].startswith("Source:") and any(x.startswith("Event ID:") for x in lines):
        return True
    return bool(lines) and lines[0].startswith(_EV_LOCALIZED_STARTS)


def _first_lines(head: str, count: int) -> list[str]:
    """The first ``count`` non-blank lines of ``_unquote(head)``, stripped (the rest of the
    head is not unquoted nor split)."""
    lines: list[str] = []
    for piece in head.split("\n"):
        if piece.lstrip().startswith(">"):
            piece = piece.lstrip()[1:]
        lines.extend(stripped for line in piece.splitlines() if (stripped := line.strip()))
        if len(lines) >= count:
            break
    return lines[:count]


def _unquote(text: str) -> str:
    """Markdown blockquote marks (``>``) off the front of lines (copies in documentation)."""
    return "\n".join(line.lstrip()[1:] if line.lstrip().startswith(">") else line
                     for line in text.split("\n"))


def _split_events(text: str) -> list[list[tuple[int, str]]]:
    blocks: list[list[tuple[int, str]]] = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"),
                                  start=1):
        if line.startswith("Log Name:") or not blocks:
            blocks.append([])
        blocks[-1].append((number, line))
    return [b for b in blocks if any(line.strip() for _, line in b)]


def read_eventviewer_text(text: str, source: str) -> list[ClientReport]:
    """Read one or more events copied from Event Viewer as text."""
    body = _unquote(text.lstrip("\ufeff"))
    first = body.strip().splitlines()[0] if body.strip() else ""
    for label, language in _EV_LOCALIZED.items():
        if first.startswith(label + ":") and "<Event" not in body:
            raise UnreadableReport(f"eventviewer-text in an unsupported language (looks like "
                                   f"{language}); copy the event's XML (Details, XML View) instead")
    notes: list[str] = []
    raw: list[RawEvent] = []
    dates: list[str | None] = []
    skipped: Counter[str] = Counter()
    for block in _split_events(body):
        header: dict[str, str] = {}
        message: list[str] = []
        xml_lines: list[str] = []
        part = "header"
        start = block[0][0]
        for _number, line in block:
            if part == "xml":
                xml_lines.append(line)
                continue
            match = _EV_HEADER.match(line.strip()) if part == "header" or line.startswith(
                "Event Xml:") else None
            if match:
                label = match["label"]
                if label == "Description":
                    part = "message"
                    if match["value"].strip():
                        message.append(match["value"].strip())
                elif label == "Event Xml":
                    part = "xml"
                else:
                    header[label.lower()] = match["value"].strip()
                continue
            if part == "message":
                message.append(line.rstrip())
        where = f"line {start}"
        event: RawEvent | None = None
        if xml_lines and "".join(xml_lines).strip():
            try:
                root = parse_xml("\n".join(xml_lines))
                event, provider = event_from_element(root, source, where)
                if event is None and provider:
                    skipped[provider] += 1
                    continue
            except UnreadableReport as exc:
                notes.append(f"{where}: the Event Xml part does not parse ({exc}); the text is used")
        provider_text = header.get("source")
        if event is None:
            if provider_text is not None and not is_spp_provider(provider_text):
                skipped[provider_text] += 1
                continue
            id_text = header.get("event id", "")
            if not id_text.isdigit():
                notes.append(f"{where}: no Event ID; ignored")
                continue
            msg = "\n".join(message).strip() or None
            event = RawEvent(event_id=int(id_text) & 0xFFFF, time=None,
                             evidence=Evidence(source, where,
                                               f"event {id_text}: {one_line(msg or '')}"),
                             provider=provider_text, computer=header.get("computer") or None,
                             message=msg)
            dates.append(header.get("date"))
        else:
            msg = "\n".join(message).strip() or None
            if msg and not event.message:
                event = RawEvent(event.event_id, event.time, event.evidence, event.provider,
                                 event.computer or header.get("computer"), event.values,
                                 event.named, msg)
            dates.append(None)
        raw.append(event)
    if any(dates):
        times = parse_local_times(dates, notes)
        raw = [RawEvent(e.event_id, t, e.evidence, e.provider, e.computer, e.values, e.named,
                        e.message) if t is not None and e.time is None else e
               for e, t in zip(raw, times, strict=True)]
    return reports_from_events(raw, source, "eventviewer-text", notes, skipped=skipped)


# --------------------------------------------------------------------------- Get-WinEvent


def sniff_event_list(text: str) -> bool:
    """Get-WinEvent | Format-List: ``TimeCreated``/``Id``/``Message`` records of Security-SPP."""
    head = text[:65536]
    lowered = head.lower()
    if "security-spp" not in lowered and not any(
            p.search(head) for p, _ in MESSAGE_STARTS[:5]) and "software protection" not in lowered:
        return False
    found = set()
    for line in head.splitlines():
        name = line.split(":", 1)[0].strip().lower() if ":" in line and not line.startswith(" ") else ""
        if name in _EVENT_LIST_NAMES and _LIST_NAME.match(line):
            found.add(name)
    return "id" in found and ("message" in found or "providername" in found) and len(found) >= 3


def sniff_event_table(text: str) -> bool:
    """Get-WinEvent | Format-Table: a ``TimeCreated  Id ...`` header on dashes."""
    head = text[:65536]
    if "----" not in head:  # (what _DASHES_4 needs on some line)
        return False
    lines = head.splitlines()
    for index in range(1, len(lines)):
        if _DASHES_4.match(lines[index]):
            words = {w.lower() for w in lines[index - 1].split()}
            if {"timecreated", "id"} <= words:
                return True
    return False


def _events_from_records(records: list[PsRecord], source: str, shape: str,
                         group_provider: dict[int, str] | None = None) -> list[ClientReport]:
    notes: list[str] = []
    raw: list[RawEvent] = []
    dates: list[str | None] = []
    skipped: Counter[str] = Counter()
    for index, record in enumerate(records):
        ident = record.get("Id")
        if ident is None or not ident.text.strip().isdigit():
            continue
        provider = record.get("ProviderName")
        provider_text = provider.text if provider else (group_provider or {}).get(index)
        if provider_text and not is_spp_provider(provider_text):
            skipped[provider_text] += 1
            continue
        message = record.get("Message")
        msg = message.text if message else None
        if message and message.truncated:
            notes.append(f"{message.where}: the Message was cut by the console; only the event id "
                         "and time are used")
            msg = None
        machine = record.get("MachineName")
        event_id = int(ident.text.strip()) & 0xFFFF
        if provider_text is None and msg is not None and message_event_id(msg) is None:
            skipped["unknown"] += 1
            continue
        created = record.get("TimeCreated")
        dates.append(created.text if created else None)
        raw.append(RawEvent(event_id=event_id, time=None,
                            evidence=Evidence(source, record.where,
                                              f"event {event_id}: {one_line(msg or '')}"),
                            provider=provider_text, computer=machine.text if machine else None,
                            message=msg))
    times = parse_local_times(dates, notes) if any(dates) else [None] * len(raw)
    raw = [RawEvent(e.event_id, t, e.evidence, e.provider, e.computer, e.values, e.named,
                    e.message) for e, t in zip(raw, times, strict=True)]
    return reports_from_events(raw, source, shape, notes, skipped=skipped)


def read_event_list(text: str, source: str) -> list[ClientReport]:
    """Read ``Get-WinEvent ... | Format-List`` output."""
    return _events_from_records(parse_format_list(text), source, "event-list")


_GROUP = re.compile(r"^\s*ProviderName:\s*(.+?)\s*$")


def read_event_table(text: str, source: str) -> list[ClientReport]:
    """Read ``Get-WinEvent ... | Format-Table`` output (the default view groups rows under
    ``   ProviderName: <name>`` lines; each row takes the group line above it)."""
    groups = [(number, match.group(1)) for number, line in enumerate(text.splitlines(), start=1)
              if (match := _GROUP.match(line))]
    records = parse_format_table(text)
    providers: dict[int, str] = {}
    for index, record in enumerate(records):
        line = int(record.where.split()[-1])
        above = [name for number, name in groups if number < line]
        if above:
            providers[index] = above[-1]
    return _events_from_records(records, source, "event-table", providers)
