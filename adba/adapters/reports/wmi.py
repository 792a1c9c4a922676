"""Read ``SoftwareLicensingProduct`` / ``SoftwareLicensingService`` instances exported by PowerShell.

Handled shapes:

- ``Get-CimInstance ... | ConvertTo-Json`` and ``Get-WmiObject ... | ConvertTo-Json``: one object
  or an array, with the class properties at the top level, or only inside the
  ``CimInstanceProperties`` (CIM) / ``Properties`` (WMI) list of ``{Name, Value, ...}`` objects
  (as ``"Name = value"`` strings when ``ConvertTo-Json -Depth`` cut them short). The class comes
  from ``__CLASS``, ``CimSystemProperties.ClassName``, ``CimClass`` or ``__PATH``, else from the
  property names. Instances of other classes are ignored with a note.
- ``Export-Csv``, with or without the ``#TYPE ...`` first line, quoted or not, comma or
  ``-UseCulture`` semicolon; the caller decodes the bytes (UTF-16, UTF-8 with BOM or ASCII).

Numbers come in decimal; HRESULTs such as ``LicenseStatusReason`` may be negative (signed
32-bit) and are turned unsigned (``-1073418124`` = ``0xC004F074``). Only products with a
``PartialProductKey`` are kept: the others are licences that are installed but not in use.

Every value keeps its evidence: the JSON path (``[3].LicenseStatusReason``) or CSV line.
The mapping (:func:`map_instances`) is shared with the collector reader.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import cast

from adba.core.client import (
    ActivationType,
    AdActivation,
    ClientReport,
    Evidence,
    KmsClient,
    KmsHost,
    LicenseStatus,
    ProductStatus,
    UnreadableReport,
)
from adba.core.fast_init import fast_init
from adba.core.kept import Kept

__all__ = [
    "PRODUCT_CLASS",
    "PRODUCT_PROPERTIES",
    "SERVICE_CLASS",
    "SERVICE_PROPERTIES",
    "MappedInstances",
    "Prop",
    "WmiInstance",
    "channel_from_description",
    "instance_from_mapping",
    "map_instances",
    "parse_guid",
    "parse_hresult",
    "read_wmi_csv",
    "read_wmi_json",
    "sniff_wmi_csv",
    "sniff_wmi_json",
]

PRODUCT_CLASS = "SoftwareLicensingProduct"
SERVICE_CLASS = "SoftwareLicensingService"

PRODUCT_PROPERTIES: tuple[str, ...] = (
    "ID", "ApplicationID", "Name", "Description", "ProductKeyChannel", "ProductKeyID",
    "PartialProductKey", "LicenseStatus", "LicenseStatusReason", "GracePeriodRemaining",
    "VLActivationType", "VLActivationTypeEnabled", "VLActivationInterval", "VLRenewalInterval",
    "ADActivationObjectName", "ADActivationObjectDN", "ADActivationCsvlkPid",
    "ADActivationCsvlkSkuId", "KeyManagementServiceMachine", "KeyManagementServicePort",
    "KeyManagementServiceLookupDomain", "KeyManagementServiceProductKeyID",
    "DiscoveredKeyManagementServiceMachineName", "DiscoveredKeyManagementServiceMachinePort",
    "DiscoveredKeyManagementServiceMachineIpAddress", "IsKeyManagementServiceMachine",
    "ValidationURL",
)
"""The SoftwareLicensingProduct properties this reader maps (the collector requests them all)."""

SERVICE_PROPERTIES: tuple[str, ...] = (
    "Version", "ClientMachineID", "KeyManagementServiceMachine", "KeyManagementServicePort",
    "KeyManagementServiceLookupDomain", "DiscoveredKeyManagementServiceMachineName",
    "DiscoveredKeyManagementServiceMachinePort", "DiscoveredKeyManagementServiceMachineIpAddress",
    "KeyManagementServiceHostCaching", "VLActivationInterval", "VLRenewalInterval",
)
"""The SoftwareLicensingService properties this reader maps."""

# Members PowerShell adds to a CIM/WMI object; never class properties.
_WRAPPER_KEYS = frozenset(k.lower() for k in (
    "CimClass", "CimInstanceProperties", "CimSystemProperties", "PSComputerName", "PSShowComputerName",
    "Scope", "Path", "Options", "ClassPath", "Properties", "SystemProperties", "Qualifiers", "Site",
    "Container", "RunspaceId",
))
_PRODUCT_MARKERS = ("applicationid", "licensestatus", "partialproductkey")
_SERVICE_MARKERS = ("clientmachineid", "remainingwindowsrearmcount", "keymanagementservicelisteningport")
_CSV_CLASS_WORDS = ("licensestatus", "partialproductkey", "productkeychannel", *_SERVICE_MARKERS)
"""One of these is in every header :func:`guess_class` names a class from."""
_CHANNEL = re.compile(r",\s*([A-Za-z0-9_:\-]+)\s+channel\s*\.?\s*$", re.IGNORECASE)
_TYPE_LINE = re.compile(r"^#TYPE\s+(\S.*)$", re.IGNORECASE)
_PATH_CLASS = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)(?:\.|$)")
_CIM_STRING_PROPERTY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s?(.*)$", re.DOTALL)
_DECIMAL = re.compile(r"[+-]?\d+")
_DECIMAL_PADDED = re.compile(r"\s*[+-]?\d+\s*")
_GUID_TEXT = re.compile(r"\{?[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}?")
_JSON_TEXT = json.JSONEncoder(ensure_ascii=False)
"""``json.dumps(value, ensure_ascii=False)``, without making an encoder per call."""
_MAX_UINT32 = 0xFFFFFFFF


# --------------------------------------------------------------------------- value helpers

def parse_hresult(value: object) -> int:
    """An HRESULT as an unsigned 32-bit number from a JSON/CSV value.

    Accepts integers (negative = signed 32-bit), decimal text and ``0x`` hex text; raises
    ValueError for anything else or a number outside the 32-bit range.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not an HRESULT")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lower().startswith(("0x", "-0x")):
            number = int(text, 16)
        elif _DECIMAL.fullmatch(text):
            number = int(text)
        else:
            raise ValueError(f"{value!r} is not an HRESULT")
    elif isinstance(value, int):
        number = value
    else:
        raise ValueError(f"{value!r} is not an HRESULT")
    if not -0x80000000 <= number <= _MAX_UINT32:
        raise ValueError(f"{value!r} is outside the 32-bit range")
    return number & _MAX_UINT32


def parse_guid(value: object) -> uuid.UUID:
    """A GUID from text with or without braces, any case; raises ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a GUID")
    text = value.strip()
    return _GUIDS.get(text, lambda: _guid_text(value, text))


def _guid_text(value: str, text: str) -> uuid.UUID:
    if not _GUID_TEXT.fullmatch(text):
        raise ValueError(f"{value!r} is not a GUID")
    return uuid.UUID(text.strip("{}"))


_GUIDS: Kept[str, uuid.UUID] = Kept(4096)
"""GUIDs read from text (reports name the same few SKUs and applications; a key that is not a
GUID is never kept, and one that is is at most 38 characters)."""


def channel_from_description(description: str | None) -> str | None:
    """``VOLUME_KMSCLIENT`` from ``"Windows(R) Operating System, VOLUME_KMSCLIENT channel"``."""
    if not description:
        return None
    match = _CHANNEL.search(description)
    return match.group(1) if match else None


# --------------------------------------------------------------------------- instances

@fast_init
@dataclass(frozen=True)
class Prop:
    """One property as read: its name, value, where it stood and how it was written there
    (``text``; for JSON, made from the value only when evidence asks for it)."""

    name: str
    value: object
    where: str
    written: str | None = None

    @property
    def text(self) -> str:
        """The property as evidence shows it: ``Name: value``."""
        if self.written is not None:
            return self.written
        return f"{self.name}: {_json_text(self.value)}"


@fast_init
@dataclass(frozen=True)
class WmiInstance:
    """One CIM/WMI instance: its class (None when it cannot be told), the properties by lower-case
    name, where the instance starts and the computer it names (PSComputerName, __SERVER, ...)."""

    class_name: str | None
    where: str
    props: Mapping[str, Prop] = field(hash=False)
    computer: str | None = None

    def get(self, name: str) -> Prop | None:
        """The property ``name`` (case-insensitive) or None."""
        return self.props.get(name.lower())


_ENCODE_STRING = json.encoder.encode_basestring
"""What ``_JSON_TEXT.encode`` does with a string (its own first test)."""


def _json_text(value: object) -> str:
    kind = type(value)
    if kind is str:
        return _ENCODE_STRING(cast(str, value))
    if kind is int:
        return int.__repr__(cast(int, value))  # (as the encoder writes an int)
    if value is None:
        return "null"
    try:
        return _JSON_TEXT.encode(value)
    except (TypeError, ValueError):
        return repr(value)


def _join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    return f"{prefix}{name}" if prefix.endswith((".", "]")) and name.startswith("[") else f"{prefix}.{name}"


def _nonempty_text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def instance_from_mapping(obj: Mapping[str, object], prefix: str, notes: list[str],
                          class_name: str | None = None) -> WmiInstance:
    """A :class:`WmiInstance` from one JSON object; ``prefix`` is its JSON path (``[3]``, or ``""``
    for a lone object). Properties inside ``CimInstanceProperties``/``Properties`` lists are
    used where the top level lacks them. ``class_name`` overrides the detection (collector)."""
    props: dict[str, Prop] = {}
    lower = {str(k).lower(): k for k in obj}
    for key, value in obj.items():
        name = str(key)
        lowered = name.lower()
        if lowered in _WRAPPER_KEYS or name.startswith("__"):
            continue
        props[lowered] = Prop(name, value, _join(prefix, name))
    cut_short = False
    for wrapper in ("CimInstanceProperties", "Properties"):
        items = obj.get(lower.get(wrapper.lower(), wrapper))
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            where = f"{_join(prefix, lower.get(wrapper.lower(), wrapper))}[{index}]"
            if isinstance(item, Mapping) and isinstance(item.get("Name"), str):
                name = str(item["Name"])
                value = item.get("Value")
                prop = Prop(name, value, f"{where}.Value")
            elif isinstance(item, str) and (match := _CIM_STRING_PROPERTY.match(item)):
                name, raw = match.group(1), match.group(2).strip()
                value = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else (raw or None)
                prop = Prop(name, value, where, item)
                cut_short = cut_short or name.lower() not in props
            else:
                continue
            props.setdefault(name.lower(), prop)
    if cut_short:
        notes.append(f"{prefix or '(root)'}: property values read from 'Name = value' text "
                     "(ConvertTo-Json cut the object short; export with -Depth 3 or more)")
    return WmiInstance(class_name or _class_of(obj, props, lower), prefix or "(root)", props,
                       _computer_of(obj))


def _class_of(obj: Mapping[str, object], props: Mapping[str, object],
              lowered: Mapping[str, str] | None = None) -> str | None:
    """The class an exported object belongs to, from PowerShell's markers or its properties.
    ``lowered`` is ``{str(key).lower(): key for key in obj}`` when the caller has it."""
    if lowered is None:
        lowered = {str(key).lower(): key for key in obj}

    def member(lower_name: str) -> object:
        key = lowered.get(lower_name)
        return obj[key] if key is not None else None

    candidates: list[object] = [member("__class")]
    system = member("cimsystemproperties")
    if isinstance(system, Mapping):
        candidates.append(system.get("ClassName"))
    cim_class = member("cimclass")
    if isinstance(cim_class, Mapping):
        candidates.append(cim_class.get("CimClassName"))
    elif isinstance(cim_class, str) and ":" in cim_class:
        candidates.append(cim_class.rsplit(":", 1)[1])
    for path_key in ("__path", "__relpath"):
        path = member(path_key)
        if isinstance(path, str) and (match := _PATH_CLASS.search(path)):
            candidates.append(match.group(1))
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return _canonical_class(candidate.strip())
    return _guess_lowered(props.keys())  # (the keys of both callers are lower case)


def _canonical_class(name: str) -> str:
    for known in (PRODUCT_CLASS, SERVICE_CLASS):
        if name.lower() == known.lower():
            return known
    return name


def guess_class(names: Iterable[str]) -> str | None:
    """The class property ``names`` belong to (any case), or None."""
    return _guess_lowered({n.lower() for n in names})


def _guess_lowered(keys: AbstractSet[str]) -> str | None:
    """:func:`guess_class` of names already in lower case (a set, or a dict's keys)."""
    if "applicationid" in keys and ("licensestatus" in keys or "partialproductkey" in keys):
        return PRODUCT_CLASS
    product_keys = {"licensestatus", "partialproductkey", "productkeychannel"}
    if keys & product_keys and len(keys & (product_keys | {"name", "description", "id"})) >= 2:
        return PRODUCT_CLASS
    if any(m in keys for m in _SERVICE_MARKERS) and "applicationid" not in keys:
        return SERVICE_CLASS
    return None


def _computer_of(obj: Mapping[str, object]) -> str | None:
    for key in ("PSComputerName", "__SERVER"):
        value = _nonempty_text(obj.get(key))
        if value:
            return value
    system = obj.get("CimSystemProperties")
    if isinstance(system, Mapping):
        return _nonempty_text(system.get("ServerName"))
    return None


# --------------------------------------------------------------------------- mapping

_LOWER: dict[str, str] = {}
"""The lower-case form of each property name :class:`_Reader` was asked for."""


class _Reader:
    """Typed access to one instance's properties; a value of the wrong type becomes a note."""

    def __init__(self, instance: WmiInstance | None, source: str, notes: list[str]) -> None:
        self.instance = instance
        self.source = source
        self.notes = notes
        self.used: list[Prop] = []

    def _prop(self, name: str) -> Prop | None:
        if self.instance is None:
            return None
        key = _LOWER.get(name)
        if key is None:  # (the names asked for are this module's constants: a few dozen)
            key = _LOWER[name] = name.lower()
        prop = self.instance.props.get(key)  # (WmiInstance.get, without the call)
        if prop is None:
            return None
        value = prop.value
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return prop

    def _bad(self, prop: Prop, what: str) -> None:
        label = prop.where if prop.where.endswith(prop.name) else f"{prop.where}: {prop.name}"
        self.notes.append(f"{label}: {_json_text(prop.value)} is not {what}; ignored")

    def text(self, name: str) -> str | None:
        prop = self._prop(name)
        if prop is None:
            return None
        if isinstance(prop.value, str):
            self.used.append(prop)
            return prop.value.strip()
        if isinstance(prop.value, bool) or not isinstance(prop.value, int | float):
            self._bad(prop, "text")
            return None
        self.used.append(prop)
        return str(prop.value)

    def number(self, name: str, *, zero_is_none: bool = False) -> int | None:
        prop = self._prop(name)
        if prop is None:
            return None
        value = prop.value
        number: int | None = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif (isinstance(value, float) and value.is_integer()) or (
                isinstance(value, str) and _DECIMAL_PADDED.fullmatch(value)):
            number = int(value)
        if number is None:
            self._bad(prop, "a number")
            return None
        self.used.append(prop)
        return None if zero_is_none and number == 0 else number

    def hresult(self, name: str) -> int | None:
        prop = self._prop(name)
        if prop is None:
            return None
        try:
            result = parse_hresult(prop.value)
        except ValueError:
            self._bad(prop, "an HRESULT")
            return None
        self.used.append(prop)
        return result

    def flag(self, name: str) -> bool | None:
        prop = self._prop(name)
        if prop is None:
            return None
        value = prop.value
        result: bool | None = None
        if isinstance(value, bool):
            result = value
        elif isinstance(value, int | float):
            result = value != 0
        elif isinstance(value, str):
            result = {"true": True, "false": False, "1": True, "0": False}.get(value.strip().lower())
        if result is None:
            self._bad(prop, "true or false")
            return None
        self.used.append(prop)
        return result

    def guid(self, name: str) -> uuid.UUID | None:
        prop = self._prop(name)
        if prop is None:
            return None
        try:
            result = parse_guid(prop.value)
        except ValueError:
            self._bad(prop, "a GUID")
            return None
        self.used.append(prop)
        return result

    def evidence(self) -> tuple[Evidence, ...]:
        return tuple([Evidence(self.source, p.where, p.text) for p in self.used])


@fast_init
@dataclass(frozen=True)
class MappedInstances:
    """What :func:`map_instances` made of a list of instances."""

    products: tuple[ProductStatus, ...]
    service_version: str | None
    computer: str | None
    found: bool
    """True when at least one SoftwareLicensingProduct or SoftwareLicensingService was seen."""
    kms_host: KmsHost | None = None
    """The service's KMS-host counters when it says this machine is a KMS host."""
    unused: int = 0
    """Product instances without a key (licences not in use)."""


def map_instances(instances: Sequence[WmiInstance], source: str, notes: list[str]) -> MappedInstances:
    """Turn instances into products (those with a key) and the service's values; adds notes for
    licences without a key, extra services, other classes and differing computer names."""
    services = [i for i in instances if i.class_name == SERVICE_CLASS]
    products = [i for i in instances if i.class_name == PRODUCT_CLASS]
    others = Counter(i.class_name or "unknown class" for i in instances
                     if i.class_name not in (PRODUCT_CLASS, SERVICE_CLASS))
    if others:
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(others.items()))
        notes.append(f"ignored {sum(others.values())} instance(s) that are neither {PRODUCT_CLASS} "
                     f"nor {SERVICE_CLASS}: {listed}")
    service = services[0] if services else None
    if len(services) > 1:
        notes.append(f"{len(services)} {SERVICE_CLASS} instances; the first ({services[0].where}) "
                     "is used")
    service_reader = _Reader(service, source, notes)
    service_version = service_reader.text("Version")
    mapped: list[ProductStatus] = []
    unused = 0
    for instance in products:
        key = instance.get("PartialProductKey")
        if key is None or not isinstance(key.value, str) or not key.value.strip():
            unused += 1
            continue
        mapped.append(_product(instance, service, source, notes))
    if unused:
        notes.append(f"{unused} {PRODUCT_CLASS} instance(s) without a PartialProductKey skipped "
                     "(licences that are not in use)")
    computers = [i.computer for i in instances
                 if i.computer and i.class_name in (PRODUCT_CLASS, SERVICE_CLASS)]
    distinct = sorted({c.lower(): c for c in computers}.values())
    if len(distinct) > 1:
        notes.append(f"instances name several computers ({', '.join(distinct)}); "
                     f"{computers[0]} is used")
    return MappedInstances(tuple(mapped), service_version, computers[0] if computers else None,
                           bool(services or products), _kms_host(service_reader), unused)


def _kms_host(s: _Reader) -> KmsHost | None:
    """SoftwareLicensingService's KMS-host properties, when IsKeyManagementServiceMachine says
    this is a KMS host."""
    if not s.flag("IsKeyManagementServiceMachine"):
        return None
    dns = s.flag("KeyManagementServiceDnsPublishing")
    low = s.flag("KeyManagementServiceLowPriority")
    return KmsHost(current_count=s.number("KeyManagementServiceCurrentCount"),
                   listening_port=s.number("KeyManagementServiceListeningPort", zero_is_none=True),
                   dns_publishing=dns,
                   priority=None if low is None else ("Low" if low else "Normal"),
                   total_requests=s.number("KeyManagementServiceTotalRequests"),
                   failed_requests=s.number("KeyManagementServiceFailedRequests"),
                   host_epid=s.text("KeyManagementServiceProductKeyID"))


def _enum_type(reader: _Reader, name: str, *, zero_is_none: bool) -> ActivationType | None:
    number = reader.number(name)
    if number is None or (zero_is_none and number == 0):
        return None
    try:
        return ActivationType(number)
    except ValueError:
        where = reader.instance.where if reader.instance else "(none)"
        reader.notes.append(f"{where}: {name} {number} is not a known activation type; ignored")
        return None


def _product(instance: WmiInstance, service: WmiInstance | None, source: str,
             notes: list[str]) -> ProductStatus:
    r = _Reader(instance, source, notes)
    s = _Reader(service, source, notes)
    description = r.text("Description")
    status_number = r.number("LicenseStatus")
    status: LicenseStatus | None = None
    if status_number is not None:
        try:
            status = LicenseStatus(status_number)
        except ValueError:
            notes.append(f"{instance.where}: LicenseStatus {status_number} is not a known state; ignored")
    product_key_channel = r.text("ProductKeyChannel")
    channel = channel_from_description(description)

    ad_name = r.text("ADActivationObjectName")
    ad_dn = r.text("ADActivationObjectDN")
    ad_pid = r.text("ADActivationCsvlkPid")
    ad_sku = r.guid("ADActivationCsvlkSkuId")
    ad = (AdActivation(ad_name, ad_dn, ad_pid, ad_sku)
          if any(v is not None for v in (ad_name, ad_dn, ad_pid, ad_sku)) else None)

    registered = r.text("KeyManagementServiceMachine")
    registered_port = r.number("KeyManagementServicePort", zero_is_none=True)
    discovered = r.text("DiscoveredKeyManagementServiceMachineName")
    discovered_port = r.number("DiscoveredKeyManagementServiceMachinePort", zero_is_none=True)
    host_ip = r.text("DiscoveredKeyManagementServiceMachineIpAddress")
    host_pid = r.text("KeyManagementServiceProductKeyID")
    lookup = r.text("KeyManagementServiceLookupDomain")
    activation_interval = r.number("VLActivationInterval")
    renewal_interval = r.number("VLRenewalInterval")
    is_kms_client = (product_key_channel or "").lower() == "volume:gvlk" or (
        "VOLUME_KMSCLIENT" in (description or "").upper())
    kms: KmsClient | None = None
    if is_kms_client or any(v is not None for v in (registered, discovered, host_ip, host_pid, lookup)):
        kms = KmsClient(
            cmid=s.text("ClientMachineID"),
            registered_host=registered or s.text("KeyManagementServiceMachine"),
            registered_port=registered_port or s.number("KeyManagementServicePort", zero_is_none=True),
            discovered_host=discovered or s.text("DiscoveredKeyManagementServiceMachineName"),
            discovered_port=discovered_port or s.number("DiscoveredKeyManagementServiceMachinePort",
                                                        zero_is_none=True),
            host_ip=host_ip or s.text("DiscoveredKeyManagementServiceMachineIpAddress"),
            host_pid=host_pid,
            lookup_domain=lookup or s.text("KeyManagementServiceLookupDomain"),
            activation_interval=activation_interval if activation_interval is not None
            else s.number("VLActivationInterval"),
            renewal_interval=renewal_interval if renewal_interval is not None
            else s.number("VLRenewalInterval"),
            host_caching=s.flag("KeyManagementServiceHostCaching"),
        )
    product = ProductStatus(
        name=r.text("Name"),
        description=description,
        channel=channel,
        product_key_channel=product_key_channel,
        activation_id=r.guid("ID"),
        application_id=r.guid("ApplicationID"),
        extended_pid=r.text("ProductKeyID"),
        partial_product_key=r.text("PartialProductKey"),
        license_status=status,
        license_status_reason=r.hresult("LicenseStatusReason"),
        grace_minutes=r.number("GracePeriodRemaining"),
        vl_activation_type=_enum_type(r, "VLActivationType", zero_is_none=True),
        vl_activation_type_enabled=_enum_type(r, "VLActivationTypeEnabled", zero_is_none=False),
        ad=ad,
        kms=kms,
        is_kms_host=bool(r.flag("IsKeyManagementServiceMachine")),
        has_validation_url=r.text("ValidationURL") is not None,
        evidence=r.evidence() + s.evidence(),
    )
    return product


# --------------------------------------------------------------------------- JSON

def _json_items(doc: object) -> list[tuple[str, object]]:
    if isinstance(doc, list):
        return [(f"[{i}]", item) for i, item in enumerate(doc)]
    if isinstance(doc, Mapping):
        value = doc.get("value")
        if isinstance(value, list) and "Count" in doc:  # PS 5: ConvertTo-Json -InputObject @(...)
            return [(f"value[{i}]", item) for i, item in enumerate(value)]
        return [("", doc)]
    return []


def sniff_wmi_json(doc: object) -> bool:
    """True when ``doc`` (parsed JSON) holds a SoftwareLicensingProduct or -Service instance."""
    if isinstance(doc, Mapping) and doc.get("format") == "adba-collector":
        return False
    for _prefix, item in _json_items(doc)[:200]:
        if isinstance(item, Mapping) and _mapping_class(item) in (PRODUCT_CLASS, SERVICE_CLASS):
            return True
    return False


def _mapping_class(item: Mapping[str, object]) -> str | None:
    """The class of one JSON object, from its markers or its property names only (cheap)."""
    lowered = {str(k).lower(): k for k in item}
    names = dict.fromkeys(lowered)  # the lower-case names, in order of first appearance
    for wrapper in ("CimInstanceProperties", "Properties"):
        inner = item.get(wrapper)
        if isinstance(inner, list):
            for entry in inner[:400]:
                if (type(entry) is dict or isinstance(entry, Mapping)) and \
                        isinstance(entry.get("Name"), str):
                    names.setdefault(str(entry["Name"]).lower())
                elif isinstance(entry, str) and (match := _CIM_STRING_PROPERTY.match(entry)):
                    names.setdefault(match.group(1).lower())
    return _class_of(item, names, lowered)


def read_wmi_json(doc: object, source: str) -> ClientReport:
    """Read a ``ConvertTo-Json`` export of SoftwareLicensingProduct/-Service instances."""
    notes: list[str] = []
    instances: list[WmiInstance] = []
    not_objects = 0
    for prefix, item in _json_items(doc):
        if isinstance(item, Mapping):
            instances.append(instance_from_mapping(item, prefix, notes))
        else:
            not_objects += 1
            notes.append(f"{prefix or '(root)'}: {type(item).__name__} is not an object; ignored")
    mapped = map_instances(instances, source, notes)
    if not mapped.found:
        raise UnreadableReport(f"no {PRODUCT_CLASS} or {SERVICE_CLASS} instance in this JSON "
                               f"({len(instances)} object(s), {not_objects} other value(s))")
    return ClientReport(source=source, format="wmi-json", computer=mapped.computer,
                        service_version=mapped.service_version, products=mapped.products,
                        kms_host_service=mapped.kms_host, unused_licences=mapped.unused,
                        notes=tuple(notes))


# --------------------------------------------------------------------------- CSV

def _csv_start(text: str) -> tuple[list[str], str | None, int]:
    """The lines, the #TYPE value (or None) and the 0-based index of the header line."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    type_name = None
    if index < len(lines) and (match := _TYPE_LINE.match(lines[index].strip())):
        type_name = match.group(1).strip()
        index += 1
    return lines, type_name, index


def _class_from_type(type_name: str | None) -> str | None:
    if not type_name:
        return None
    for known in (PRODUCT_CLASS, SERVICE_CLASS):
        if re.search(rf"[#/\\:]{known}$", type_name, re.IGNORECASE):
            return known
    return None


def _delimiter(header: str) -> str:
    outside = re.sub(r'"[^"]*"', "", header)
    return ";" if outside.count(";") > outside.count(",") else ","


def sniff_wmi_csv(text: str) -> bool:
    """True when ``text`` is an Export-Csv of SoftwareLicensingProduct or -Service."""
    head = text[:16384]
    lowered = head.lower()
    if "softwarelicensing" not in lowered and not any(w in lowered for w in _CSV_CLASS_WORDS):
        return False  # neither a #TYPE line of those classes nor a header guess_class accepts
    lines, type_name, index = _csv_start(head)
    if _class_from_type(type_name):
        return True
    if index >= len(lines):
        return False
    header = lines[index]
    try:
        names = next(csv.reader([header], delimiter=_delimiter(header)))
    except (csv.Error, StopIteration):
        return False
    return guess_class(names) is not None


def read_wmi_csv(text: str, source: str) -> ClientReport:
    """Read an ``Export-Csv`` of SoftwareLicensingProduct/-Service instances (text already decoded)."""
    lines, type_name, index = _csv_start(text)
    if index >= len(lines):
        raise UnreadableReport("no CSV header line")
    type_class = _class_from_type(type_name)
    notes: list[str] = []
    if type_name and type_class is None and "selected." not in type_name.lower():
        notes.append(f"line {index}: #TYPE {type_name} is not a software-licensing class; "
                     "classes are told by the columns")
    reader = csv.reader(io.StringIO("".join(lines[index:])), delimiter=_delimiter(lines[index]))
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        raise UnreadableReport(f"unreadable CSV header: {exc}", index + 1) from exc
    header = [h.strip() for h in header]
    if len({h.lower() for h in header}) != len(header):
        notes.append(f"line {index + 1}: the header repeats a column name; the last one counts")
    instances: list[WmiInstance] = []
    previous = reader.line_num
    while True:
        start = index + previous + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise UnreadableReport(f"broken CSV: {exc}", start) from exc
        previous = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            notes.append(f"line {start}: {len(row)} field(s) where the header has {len(header)}; ignored")
            continue
        where = f"line {start}"
        record = dict(zip(header, row, strict=True))
        props = {name.lower(): Prop(name, value, where, f"{name}: {value}")
                 for name, value in record.items()
                 if name and name.lower() not in _WRAPPER_KEYS and not name.startswith("__")}
        class_name = type_class or _row_class(record) or guess_class(props.keys())
        computer = _nonempty_text(record.get("PSComputerName")) or _nonempty_text(record.get("__SERVER"))
        instances.append(WmiInstance(class_name, where, props, computer))
    mapped = map_instances(instances, source, notes)
    if not mapped.found:
        raise UnreadableReport(f"no {PRODUCT_CLASS} or {SERVICE_CLASS} row in this CSV")
    return ClientReport(source=source, format="wmi-csv", computer=mapped.computer,
                        service_version=mapped.service_version, products=mapped.products,
                        kms_host_service=mapped.kms_host, unused_licences=mapped.unused,
                        notes=tuple(notes))


def _row_class(record: Mapping[str, str]) -> str | None:
    lowered = {k.lower(): v for k, v in record.items()}
    if value := _nonempty_text(lowered.get("__class")):
        return _canonical_class(value)
    cim_class = _nonempty_text(lowered.get("cimclass"))
    if cim_class and ":" in cim_class:
        return _canonical_class(cim_class.rsplit(":", 1)[1])
    return None
