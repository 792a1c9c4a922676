"""Security-SPP events become facts: one decoder for every shape events arrive in (.evtx, event
XML, Get-WinEvent JSON or Format-List, Event Viewer text, SIEM JSON, a bare message).

Each shape reader turns its records into :class:`RawEvent` (id, time, provider, computer, the
data values in order and by name, the message) and hands them to :func:`reports_from_events`,
which decodes each event's payload (adba-facts §6) and builds one :class:`ClientReport` per
machine:

- 12288 (KMS request sent): :class:`KmsRequest` from the comma-separated Info string;
- 12289 (KMS response processed): :class:`KmsResponse`;
- 12308 (AD activation succeeded): SKU id, activation-object name and DN;
- 8230 (licence state): :class:`SkuState` from ``LicenseState``/``ProductKeyType``/``SkuId``/
  ``LastConsumptionReason``; 1003 (licensing status check): one :class:`SkuState` per
  ``N: <SkuId>, ...`` line;
- 8198, 8233 (activation failed), 8200, 8208 (acquisition failed, usually harmless): the HRESULT.

The products of a log are the latest state of each SKU: an AD activation (12308), a KMS
response that bound the client (12289, with its 12288 request's host), or the latest 8230
state. A log holding several machines (merged logs, a renamed machine) gives one report per
``Computer``; a rename is said in both reports' notes, naming the latest name.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from adba.core.client import (
    ActivationType,
    AdActivation,
    ClientEvent,
    ClientReport,
    Evidence,
    KmsClient,
    KmsRequest,
    KmsResponse,
    LicenseStatus,
    ProductStatus,
    ReportedError,
    SkuState,
    UnreadableReport,
)
from adba.core.fast_init import fast_init
from adba.core.kept import Kept

__all__ = ["ERROR_EVENT_IDS", "SPP_PROVIDER", "RawEvent", "decode_event", "is_spp_provider",
           "one_line", "reports_from_events"]

SPP_PROVIDER = "Microsoft-Windows-Security-SPP"
SPP_PROVIDER_GUID = "e23b33b0-c8c9-472c-a5f9-f2bdfea0f156"
ERROR_EVENT_IDS = frozenset({8198, 8200, 8208, 8233, 12288, 12289})
"""Events whose failure HRESULT is also reported as an error (8200/8208 are usually harmless:
the diagnosis says so)."""
HARMLESS_FAILURE_IDS = frozenset({8200, 8208})
"""Licence/genuine-ticket acquisition failures: usually no internet, not an activation problem."""

_HR_ASSIGN = re.compile(r"\b(?:hr|reason|error code)\s*[=:]\s*(0x[0-9A-Fa-f]{1,8}|-?[0-9]{6,10})\b",
                        re.IGNORECASE)
_HEX_CODE = re.compile(r"\b0x[0-9A-Fa-f]{8}\b")
_GUID = re.compile(r"\{?([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
                   r"[0-9A-Fa-f]{12})\}?")
_SKU_LINE = re.compile(r"^\s*(?P<n>[0-9]+)\s*:\s*(?P<sku>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
                       r"[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\s*,\s*(?P<a>[0-9]+)\s*,"
                       r"\s*(?P<b>[0-9]+)(?P<rest>.*)$")
_PAIR = re.compile(r"(?:^|[;=\s])(?P<key>[A-Za-z][A-Za-z0-9_]{1,40})=(?P<value>[^;\r\n]*)")
_SL_STATES = {"sl_licensing_status_unlicensed": LicenseStatus.UNLICENSED,
              "sl_licensing_status_licensed": LicenseStatus.LICENSED,
              "sl_licensing_status_notification": LicenseStatus.NOTIFICATION}
"""8230's ``LicenseState`` names (SLAPI's SLLICENSINGSTATUS). ``IN_GRACE_PERIOD`` does not say
which grace period, so it is kept as text only."""
_VERSION = re.compile(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4,5}\.[0-9]{1,6}")
"""902's data: the licensing service's version (6.1.7601.17514 on Windows 7)."""
_KV = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z ]{1,40}?)\s*=\s*(?P<value>.*?)\s*$")
_MAX_EVIDENCE = 300
_DECIMAL_10 = re.compile(r"-?[0-9]{1,10}")
_DECIMAL_12 = re.compile(r"-?[0-9]{1,12}")
_HEX_8 = re.compile(r"0x[0-9A-Fa-f]{1,8}")


def is_spp_provider(name: object) -> bool:
    """True for ``Microsoft-Windows-Security-SPP``, the short ``Security-SPP``, the event source
    name ``Software Protection Platform Service`` and the provider GUID."""
    if not isinstance(name, str):
        return False
    return _PROVIDERS.get(name, lambda: _names_spp(name), keep=len(name) <= 200)


def _names_spp(name: str) -> bool:
    text = name.strip().strip("{}").lower()
    return (text.endswith("security-spp") or text == SPP_PROVIDER_GUID
            or text == "software protection platform service")


_PROVIDERS: Kept[str, bool] = Kept(1024)
"""The answers of :func:`is_spp_provider` (a log names a few dozen providers)."""


_LINE_BREAK = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
"""What ``str.splitlines`` splits at."""


def _joined_lines(text: str) -> str:
    return " ".join(stripped for part in text.splitlines() if (stripped := part.strip()))


def one_line(text: str, limit: int = _MAX_EVIDENCE) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    found = _LINE_BREAK.search(text)
    if found is None:  # most values: one line already, only stripped
        line = text.strip()
    else:
        line = ""
        if len(text) > 2 * limit and (cut := _LINE_BREAK.search(text, 2 * limit)) is not None:
            # A long text: its whole lines up to a break past twice the limit. When they alone
            # are longer than the limit, the rest cannot change the first limit - 1 characters.
            line = _joined_lines(text[:cut.start()])
        if len(line) <= limit:
            line = _joined_lines(text)
    return line if len(line) <= limit else line[:limit - 1] + "…"


@fast_init
@dataclass(frozen=True)
class RawEvent:
    """One event as a shape reader found it."""

    event_id: int
    time: datetime | None
    evidence: Evidence
    provider: str | None = None
    computer: str | None = None
    values: tuple[str, ...] | None = None
    """The event data values in order; None when the shape does not carry them."""
    named: Mapping[str, str] = field(default_factory=dict)
    """Event data by name (``<Data Name="SkuId">``), lower-case keys."""
    message: str | None = None


def _hresult(text: str | None) -> int | None:
    if text is None:
        return None
    value = text.strip()
    try:
        if value.lower().startswith("0x"):
            number = int(value, 16)
        elif _DECIMAL_10.fullmatch(value):
            number = int(value)
        else:
            return None
    except ValueError:
        return None
    if not -0x80000000 <= number <= 0xFFFFFFFF:
        return None
    return number & 0xFFFFFFFF


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    value = text.strip()
    if _DECIMAL_12.fullmatch(value):
        return int(value)
    if _HEX_8.fullmatch(value):
        return int(value, 16)
    return None


def _guid(text: str | None) -> uuid.UUID | None:
    if not text:
        return None
    if len(text) > 64:  # only kept when short
        text = text.strip()
        if len(text) > 38:  # longer than "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}"
            return None
    return _guid_of(text)


@functools.lru_cache(maxsize=4096)
def _guid_of(text: str) -> uuid.UUID | None:
    """The GUID ``text`` spells, if it does (kept: a log names the same few SKUs again and
    again)."""
    match = _GUID.fullmatch(text.strip())
    return uuid.UUID(match.group(1)) if match else None


def _info(event: RawEvent) -> list[str] | None:
    """The comma-separated Info values of 12288/12289: the one data value, else the message's
    ``Info:`` line (or the last line with at least two commas)."""
    text: str | None = None
    if event.values:
        text = event.values[0] if len(event.values) == 1 else ", ".join(event.values)
    elif event.message:
        lines = [line.strip() for line in event.message.splitlines() if line.strip()]
        for index, line in enumerate(lines):
            if line.lower().startswith("info:"):
                rest = line[5:].strip()
                text = rest or (lines[index + 1] if index + 1 < len(lines) else None)
                break
        else:
            candidates = [line for line in lines if line.count(",") >= 2]
            text = candidates[-1] if candidates else None
    if not text:
        return None
    return [part.strip() for part in text.split(",")]


def _host_port(value: str | None) -> tuple[str | None, int | None]:
    if not value:
        return None, None
    host, sep, port = value.rpartition(":")
    if sep and port.isdigit() and host:
        return host.strip("[]"), int(port)
    return value, None


def _kms_request(parts: list[str]) -> KmsRequest:
    def at(i: int) -> str | None:
        return parts[i] if len(parts) > i and parts[i] else None

    host, port = _host_port(at(2))
    return KmsRequest(hresult=_hresult(at(0)), status_flags=_hresult(at(1)), host=host, port=port,
                      cmid=(at(3) or "").strip("{}").lower() or None, client_time=at(4),
                      license_status=_int(at(6)), minutes_to_expiry=_int(at(7)),
                      sku_id=_guid(at(8)), minimum_count=_int(at(9)))


def _kms_response(parts: list[str]) -> KmsResponse:
    def at(i: int) -> str | None:
        return parts[i] if len(parts) > i and parts[i] else None

    bound = _int(at(2))
    return KmsResponse(hresult=_hresult(at(0)), status_flags=_hresult(at(1)),
                       activated=None if bound is None else bound == 1,
                       current_count=_int(at(4)), activation_interval=_int(at(5)),
                       renewal_interval=_int(at(6)), client_time=at(7))


def _message_pairs(message: str | None) -> dict[str, str]:
    """``Key=Value`` or ``Key: Value`` lines of a message (12308, 8233, 8230 texts)."""
    pairs: dict[str, str] = {}
    for line in (message or "").splitlines():
        match = _KV.match(line.replace(":", "=", 1) if "=" not in line else line)
        if match:
            pairs.setdefault(match.group("key").strip().lower(), match.group("value"))
    return pairs


def _first_hresult(texts: Iterable[str]) -> int | None:
    texts = list(texts)
    for text in texts:
        if match := _HR_ASSIGN.search(text):
            return _hresult(match.group(1))
    for text in texts:
        if match := _HEX_CODE.search(text):
            return _hresult(match.group(0))
    return None


_SKU_TEXT_KEPT = 8_192
"""1003 texts up to this length are kept with their SKU lines (256 of them at most)."""


def _sku_lines(text: str) -> tuple[SkuState, ...]:
    """The ``N: <SkuId>, a, b [(0 [0xC004F014, ...` lines of a 1003 event."""
    return _kept_sku_lines(text) if len(text) <= _SKU_TEXT_KEPT else _read_sku_lines(text)


@functools.lru_cache(maxsize=256)
def _kept_sku_lines(text: str) -> tuple[SkuState, ...]:
    """:func:`_read_sku_lines`, kept for the texts last seen: a machine writes the same list at
    every start of the licensing service."""
    return _read_sku_lines(text)


def _read_sku_lines(text: str) -> tuple[SkuState, ...]:
    states = []
    match_line = _SKU_LINE.match
    search_code = _HEX_CODE.search
    for line in text.replace(";", "\n").splitlines():
        match = match_line(line)
        if not match:
            continue  # (a malformed SKU id does not match either: _SKU_LINE spells out a GUID)
        code = search_code(line, match.start("rest"))
        shown = line.strip()  # one line already (split above), so one_line would only cut it
        states.append(SkuState(sku_id=uuid.UUID(match.group("sku")),
                               hresult=int(code.group(0), 16) if code else None,
                               text=shown if len(shown) <= 160 else shown[:159] + "…",
                               in_use=match.group("b") == "1"))
    return tuple(states)


def _pairs(texts: Iterable[str]) -> dict[str, str]:
    """``Key=Value;Key=Value`` data (8198's rule line, 8230's state data), lower-case keys."""
    pairs: dict[str, str] = {}
    for text in texts:
        if "=" not in text:
            continue
        for match in _PAIR.finditer(text):
            pairs.setdefault(match.group("key").lower(), match.group("value").strip())
    return pairs


def _license_state(text: str | None) -> tuple[int | None, str | None]:
    """8230's LicenseState: a number, or an SL_LICENSING_STATUS_* name."""
    if text is None:
        return None, None
    number = _int(text)
    if number is not None:
        return number, None
    state = _SL_STATES.get(text.strip().lower())
    return (int(state) if state is not None else None), text.strip()


def _named(event: RawEvent, *names: str) -> str | None:
    for name in names:
        value = event.named.get(name.lower())
        if value is not None and value.strip():
            return value.strip()
    return None


def decode_event(event: RawEvent, notes: list[str]) -> tuple[ClientEvent, ReportedError | None]:
    """The :class:`ClientEvent` of one raw event (and the error it reports, if any)."""
    where = event.evidence.where
    values = tuple(event.values) if event.values is not None else ()  # (a tuple: not copied)
    message = event.message
    hresult: int | None = None
    sku_id: uuid.UUID | None = None
    ao_name = ao_dn = kms_host = None
    request = response = None
    states: tuple[SkuState, ...] = ()
    fields: tuple[str, ...] = tuple(values)
    eid = event.event_id
    if eid == 12308:
        parts: list[str | None] = [None, None, None]
        for index in range(min(3, len(values))):
            parts[index] = values[index].strip() or None
        if not any(parts):
            pairs = _message_pairs(message)
            parts = [pairs.get("sku id") or pairs.get("activation id"),
                     pairs.get("ao name") or pairs.get("activation object name"),
                     pairs.get("ao dn") or pairs.get("activation object dn")]
        sku_id = _guid(parts[0])
        if parts[0] and sku_id is None:
            notes.append(f"{where}: {parts[0]!r} is not a SKU id; ignored")
        ao_name, ao_dn = parts[1], parts[2]
        fields = tuple(p or "" for p in parts)
    elif eid in (12288, 12289):
        info = _info(event)
        if info:
            fields = tuple(info)
            hresult = _hresult(info[0])
            if hresult is None:
                notes.append(f"{where}: event {eid} starts with {info[0]!r}, not an HRESULT")
            if eid == 12288:
                request = _kms_request(info)
                kms_host = info[2] if len(info) > 2 and info[2] else None
                sku_id = request.sku_id
                if sku_id is None and len(info) > 8 and info[8]:
                    notes.append(f"{where}: {info[8]!r} is not a SKU id; ignored")
            else:
                response = _kms_response(info)
        else:
            notes.append(f"{where}: event {eid} without its Info values")
    elif eid == 8230:
        pairs = {**_pairs([*values, message or ""]), **_message_pairs(message)}
        sku_text = _named(event, "SkuId") or pairs.get("skuid") or pairs.get("sku id")
        sku_id = _guid(sku_text) or next((g for v in values if (g := _guid(v))), None)
        state, state_text = _license_state(_named(event, "LicenseState") or pairs.get("licensestate"))
        reason = _hresult(_named(event, "LastConsumptionReason")
                          or pairs.get("lastconsumptionreason"))
        key_type = _named(event, "ProductKeyType") or pairs.get("productkeytype")
        if sku_id is not None:
            states = (SkuState(sku_id, license_state=state, hresult=reason,
                               product_key_type=key_type, text=state_text, in_use=True,
                               partial_product_key=pairs.get("partialproductkey") or None),)
        hresult = None
    elif eid == 1003:
        texts = [*values, *([message] if message else [])]
        found: list[SkuState] = []
        for text in texts:
            found.extend(_sku_lines(text))
        unique: dict[uuid.UUID, SkuState] = {}
        for sku_state in found:
            unique.setdefault(sku_state.sku_id, sku_state)
        states = tuple(unique.values())
    elif eid == 8233:
        pairs = _message_pairs(message)
        reason_text = _named(event, "Reason") or pairs.get("reason")
        hresult = _hresult(reason_text) if reason_text else _first_hresult([*values, message or ""])
        sku_id = _guid(_named(event, "SkuId") or pairs.get("skuid")) or next(
            (g for v in values[1:] if (g := _guid(v))), None)
    elif eid in (8198, 8200, 8208, 8207, 8209, 8196):
        hresult = _first_hresult([*values, message or ""])
        sku_id = _guid(_pairs([*values, message or ""]).get("skuid"))
        if eid == 8198 and hresult is None:
            notes.append(f"{where}: event 8198 without an error code")
    first = next((line.strip() for line in message.splitlines() if line.strip()),
                 None) if message else None
    decoded = ClientEvent(event_id=eid, time=event.time, hresult=hresult, sku_id=sku_id,
                          ao_name=ao_name, ao_dn=ao_dn, kms_host=kms_host, fields=fields,
                          evidence=event.evidence, computer=event.computer, kms_request=request,
                          kms_response=response, sku_states=states,
                          message=one_line(first, 200) if first else None)
    error = None
    if eid in ERROR_EVENT_IDS and hresult is not None and hresult & 0x80000000:
        error = ReportedError(hresult, first or f"event {eid}", event.evidence)
    return decoded, error


# --------------------------------------------------------------------------- products


def _later(a: datetime | None, b: datetime | None) -> bool:
    """True when ``a`` is not older than ``b`` (unknown times keep log order)."""
    if a is None or b is None:
        return True
    return a >= b


_MERGED = ("license_status", "license_status_reason", "partial_product_key", "product_key_channel",
           "vl_activation_type", "ad", "kms", "grace_minutes")


def _products(events: Sequence[ClientEvent]) -> tuple[ProductStatus, ...]:
    """The latest state of each SKU the events speak of."""
    latest: dict[uuid.UUID, ProductStatus] = {}
    checked: dict[uuid.UUID, ProductStatus] = {}
    last_request_any: ClientEvent | None = None

    def put(sku: uuid.UUID, product: ProductStatus) -> None:
        old = latest.get(sku)
        if old is None:
            latest[sku] = product
            return
        newer, older = (product, old) if _later(product.as_of, old.as_of) else (old, product)
        # The newer event's values win; what it does not say (how the SKU was last activated,
        # its key) is kept from the older one.
        merged = {name: getattr(newer, name) if getattr(newer, name) is not None
                  else getattr(older, name) for name in _MERGED}
        latest[sku] = dataclasses.replace(newer, **merged,
                                          evidence=older.evidence + newer.evidence)

    ordered = list(events)
    if all(e.time is not None for e in ordered):
        ordered.sort(key=lambda e: e.time or datetime.min)  # Get-WinEvent lists newest first
    for event in ordered:
        ev = (event.evidence,) if event.evidence else ()
        if event.event_id == 12308 and event.sku_id is not None:
            put(event.sku_id, ProductStatus(
                activation_id=event.sku_id, license_status=LicenseStatus.LICENSED,
                vl_activation_type=ActivationType.AD,
                ad=AdActivation(object_name=event.ao_name, object_dn=event.ao_dn),
                as_of=event.time, evidence=ev))
        elif event.event_id == 12288 and event.kms_request is not None:
            last_request_any = event
        elif event.event_id == 12289 and event.kms_response is not None:
            response = event.kms_response
            request_event = last_request_any
            request = request_event.kms_request if request_event else None
            if request is None or request.sku_id is None:
                continue
            if not (response.activated and response.hresult == 0):
                continue
            put(request.sku_id, ProductStatus(
                activation_id=request.sku_id, license_status=LicenseStatus.LICENSED,
                vl_activation_type=ActivationType.KMS,
                kms=KmsClient(cmid=request.cmid, contacted_host=request.host,
                              contacted_port=request.port,
                              activation_interval=response.activation_interval,
                              renewal_interval=response.renewal_interval),
                as_of=event.time,
                evidence=tuple(e.evidence for e in (request_event, event)
                               if e is not None and e.evidence)))
        elif event.event_id == 8230:
            for state in event.sku_states:
                status = None
                if state.license_state is not None:
                    try:
                        status = LicenseStatus(state.license_state)
                    except ValueError:
                        status = None
                put(state.sku_id, ProductStatus(
                    activation_id=state.sku_id, license_status=status,
                    license_status_reason=state.hresult,
                    partial_product_key=state.partial_product_key,
                    product_key_channel=state.product_key_type, as_of=event.time, evidence=ev))
        elif event.event_id == 1003:
            for state in event.sku_states:
                if state.in_use:
                    checked[state.sku_id] = ProductStatus(activation_id=state.sku_id,
                                                          as_of=event.time, evidence=ev)
    # A SKU only 1003 speaks of: it has a key, its state is not stated.
    for sku, product in checked.items():
        latest.setdefault(sku, product)
    return tuple(latest.values())


def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def reports_from_events(raw: Sequence[RawEvent], source: str, shape: str, notes: list[str],
                        *, skipped: Counter[str] | None = None,
                        refuse_empty: bool = True) -> list[ClientReport]:
    """Decode ``raw`` (Security-SPP events only) and build one report per computer, in order of
    first appearance. ``skipped`` counts events of other providers (said in a note)."""
    if skipped:
        listed = ", ".join(f"{name} ({count})" for name, count in skipped.most_common(5))
        more = len(skipped) - 5
        notes.append(f"skipped {sum(skipped.values())} event(s) of other providers: {listed}"
                     + (f" and {more} more" if more > 0 else ""))
    if not raw:
        if refuse_empty:
            raise UnreadableReport(f"{shape}: no Security-SPP event in it")
        notes.append("no Security-SPP event in this log")
        return [ClientReport(source=source, format=shape, notes=tuple(notes))]
    groups: dict[str, list[RawEvent]] = {}
    names: dict[str, str] = {}
    for event in raw:
        key = (event.computer or "").strip().lower()
        groups.setdefault(key, []).append(event)
        if event.computer:
            names.setdefault(key, event.computer.strip())
    # Events without a computer name belong to the only machine named, if there is one.
    if "" in groups and len(groups) == 2:
        unnamed = groups.pop("")
        only = next(iter(groups))
        groups[only] = sorted([*groups[only], *unnamed], key=lambda e: e.evidence.where)
    latest_name: str | None = None
    latest_time: datetime | None = None
    for key, items in groups.items():
        times = [e.time for e in items if e.time is not None]
        if key and times and (latest_time is None or max(times) > latest_time):
            latest_time, latest_name = max(times), names[key]
    reports = []
    named = [names[k] for k in groups if k]
    for key, items in groups.items():
        own = list(notes)
        decoded: list[ClientEvent] = []
        errors: list[ReportedError] = []
        for item in items:
            one, error = decode_event(item, own)
            decoded.append(one)
            if error is not None:
                errors.append(error)
        computer = names.get(key)
        aliases = tuple(n for n in named if computer is None or not _same(n, computer))
        if len(named) > 1 and computer is not None:
            own.append(f"this log holds events of {len(named)} computer names ({', '.join(named)}); "
                       f"this report has the {len(items)} event(s) of {computer}; the latest "
                       f"name is {latest_name}")
        times = [e.time for e in decoded if e.time is not None]
        versions = [e.fields[0] for e in decoded
                    if e.event_id == 902 and e.fields and _VERSION.fullmatch(e.fields[0].strip())]
        reports.append(ClientReport(
            source=source, format=shape, computer=computer, events=tuple(decoded),
            errors=tuple(errors), products=_products(decoded), notes=tuple(own),
            collected_at=max(times) if times else None, computer_aliases=aliases,
            service_version=versions[-1].strip() if versions else None))
    return reports
