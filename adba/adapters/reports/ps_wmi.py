"""``Get-CimInstance``/``Get-WmiObject SoftwareLicensingProduct`` (and ``-Service``) printed by
PowerShell with ``Format-List`` or ``Format-Table``: the records become the same
:class:`~adba.adapters.reports.wmi.WmiInstance` objects the JSON and CSV readers make, so every
property means the same whatever the shape.

A value the console cut (``...``/``…`` in a table) is not used; the note names the property.
Which class a record is comes from ``__CLASS`` when listed, else from its property names.
"""

from __future__ import annotations

from adba.adapters.reports.ps_format import (
    PsRecord,
    parse_format_list,
    parse_format_table,
    prompt_command,
    sniff_format_list,
    sniff_format_table,
)
from adba.adapters.reports.wmi import (
    PRODUCT_CLASS,
    SERVICE_CLASS,
    Prop,
    WmiInstance,
    guess_class,
    map_instances,
)
from adba.core.client import ClientReport, UnreadableReport

__all__ = ["WMI_PROPERTY_NAMES", "read_ps_wmi_list", "read_ps_wmi_table", "sniff_ps_wmi_list",
           "sniff_ps_wmi_table"]

WMI_PROPERTY_NAMES = frozenset(name.lower() for name in (
    "LicenseStatus", "PartialProductKey", "ProductKeyChannel", "ApplicationID", "ApplicationId",
    "GracePeriodRemaining", "LicenseStatusReason", "ProductKeyID", "VLActivationType",
    "VLActivationTypeEnabled", "ADActivationObjectDN", "LicenseFamily", "LicenseIsAddon",
    "ClientMachineID", "KeyManagementServiceCurrentCount", "IsKeyManagementServiceMachine",
    "KeyManagementServiceListeningPort", "RemainingWindowsRearmCount", "OA3xOriginalProductKey",
    "KeyManagementServiceMachine", "DiscoveredKeyManagementServiceMachineName", "TrustedTime",
    "EvaluationEndDate", "OfflineInstallationId", "ProductKeyChannel", "VLRenewalInterval",
    "VLActivationInterval", "KeyManagementServiceProductKeyID", "KeyManagementServicePort"))
_SYSTEM = frozenset({"__genus", "__class", "__superclass", "__dynasty", "__relpath",
                     "__property_count", "__derivation", "__server", "__namespace", "__path",
                     "pscomputername", "cimclass", "ciminstanceproperties", "cimsystemproperties",
                     "scope", "options", "classpath", "properties", "systemproperties",
                     "qualifiers", "site", "container"})


def sniff_ps_wmi_list(text: str) -> bool:
    """Format-List output naming SoftwareLicensingProduct/-Service properties."""
    return sniff_format_list(text, WMI_PROPERTY_NAMES)


def sniff_ps_wmi_table(text: str) -> bool:
    """Format-Table output whose header names SoftwareLicensingProduct/-Service properties."""
    return sniff_format_table(text, WMI_PROPERTY_NAMES | {"name", "description", "id"}) and \
        any(name in text.lower() for name in ("licensestatus", "partialproductkey",
                                              "productkeychannel", "graceperiodremaining"))


def _instances(records: list[PsRecord], notes: list[str]) -> list[WmiInstance]:
    instances = []
    for record in records:
        props: dict[str, Prop] = {}
        class_name: str | None = None
        computer: str | None = None
        for name, value in record.values.items():
            lowered = name.lower()
            if lowered == "__class" and value.text:
                class_name = value.text
            if lowered in ("pscomputername", "__server") and value.text:
                computer = computer or value.text
            if lowered in _SYSTEM or lowered.startswith("__"):
                continue
            if value.truncated:
                notes.append(f"{value.where}: {name} was cut by the console ({value.text!r}); "
                             "not used (use Format-List, or widen the window)")
                continue
            props[lowered] = Prop(name, value.text, value.where, f"{name} : {value.text}")
        if class_name is None:
            class_name = guess_class(props.keys())
        elif class_name.lower() in (PRODUCT_CLASS.lower(), SERVICE_CLASS.lower()):
            class_name = PRODUCT_CLASS if class_name.lower() == PRODUCT_CLASS.lower() else SERVICE_CLASS
        instances.append(WmiInstance(class_name, record.where, props, computer))
    return instances


def _read(records: list[PsRecord], text: str, source: str, shape: str) -> list[ClientReport]:
    notes: list[str] = []
    command = prompt_command(text.splitlines())
    if command:
        notes.append(f"listed by: {command[:160]}")
    instances = _instances(records, notes)
    mapped = map_instances(instances, source, notes)
    if not mapped.found:
        raise UnreadableReport(f"{shape}: no {PRODUCT_CLASS} or {SERVICE_CLASS} record in it")
    return [ClientReport(source=source, format=shape, computer=mapped.computer,
                         service_version=mapped.service_version, products=mapped.products,
                         kms_host_service=mapped.kms_host, unused_licences=mapped.unused, notes=tuple(notes))]


def read_ps_wmi_list(text: str, source: str) -> list[ClientReport]:
    """Read Format-List output of SoftwareLicensingProduct/-Service."""
    return _read(parse_format_list(text), text, source, "ps-list")


def read_ps_wmi_table(text: str, source: str) -> list[ClientReport]:
    """Read Format-Table output of SoftwareLicensingProduct/-Service."""
    return _read(parse_format_table(text), text, source, "ps-table")
