"""Decode a ``RawForest`` (from LDAP, a snapshot or LDIF) into the core's ``ForestData``.

This is the only place raw LDAP values become typed fields: GUIDs from little-endian bytes,
GeneralizedTime into aware datetimes, the extended PID into its fields, the security
descriptor into ACEs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from adba.adapters.records import RawEntry, RawForest
from adba.core.epid import parse_extended_pid
from adba.core.models import (
    ActivationObject,
    ContainerInfo,
    ForestData,
    ForestInfo,
    GuidValue,
    OtherChild,
    Readability,
    ao_container_dn,
    spp_container_dn,
)
from adba.core.security_descriptor import (
    SecurityDescriptor,
    SecurityDescriptorError,
    parse_security_descriptor,
)


def decode_forest(raw: RawForest) -> ForestData:
    """Turn what was read into the models the rules work on."""
    forest = _forest_info(raw)
    spp = _container(raw.spp_container, raw.spp_state, spp_container_dn(raw.config_nc), None)
    ao = _container(raw.ao_container, raw.ao_state, ao_container_dn(raw.config_nc),
                    raw.security_error)
    objects: list[ActivationObject] = []
    others: list[OtherChild] = []
    for entry in raw.children:
        classes = tuple(v.decode("utf-8", "replace") for v in entry.get("objectClass"))
        if any(c.lower() == "msspp-activationobject" for c in classes) or not classes:
            objects.append(decode_activation_object(entry))
        else:
            others.append(OtherChild(dn=entry.dn, object_classes=classes))
    return ForestData(
        source=raw.source,
        forest=forest,
        spp_container=spp,
        ao_container=ao,
        objects=tuple(sorted(objects, key=lambda o: o.dn.lower())),
        other_children=tuple(sorted(others, key=lambda o: o.dn.lower())),
        principals=tuple(sorted(raw.principals.items())),
    )


def _forest_info(raw: RawForest) -> ForestInfo:
    dse = raw.root_dse or {}

    def first(name: str) -> str | None:
        for key, values in dse.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return None

    def number(name: str) -> int | None:
        value = first(name)
        return int(value) if value is not None and value.lstrip("-").isdigit() else None

    classes = tuple(sorted(raw.schema_classes.items())) if raw.schema_classes is not None else ()
    return ForestInfo(
        dns_host_name=first("dnsHostName"),
        default_nc=first("defaultNamingContext"),
        root_domain_nc=first("rootDomainNamingContext"),
        config_nc=raw.config_nc,
        schema_nc=first("schemaNamingContext"),
        forest_functionality=number("forestFunctionality"),
        domain_functionality=number("domainFunctionality"),
        dc_functionality=number("domainControllerFunctionality"),
        highest_committed_usn=number("highestCommittedUSN"),
        schema_object_version=raw.schema_object_version,
        msspp_classes=classes,
        root_domain_sid=raw.root_domain_sid,
    )


def _container(entry: RawEntry | None, state: Readability, dn: str,
               security_error: str | None) -> ContainerInfo:
    if entry is None:
        return ContainerInfo(dn=dn, state=state)
    security: SecurityDescriptor | None = None
    values = entry.get("nTSecurityDescriptor")
    if values:
        try:
            security = parse_security_descriptor(values[0])
        except SecurityDescriptorError as exc:
            security_error = f"the security descriptor is malformed: {exc}"
    classes = tuple(v.decode("utf-8", "replace") for v in entry.get("objectClass"))
    return ContainerInfo(
        dn=entry.dn,
        state=Readability.PRESENT,
        readable=bool(classes),
        object_classes=classes,
        security=security,
        security_error=security_error,
        when_created=parse_generalized_time(entry.first_text("whenCreated")),
        when_changed=parse_generalized_time(entry.first_text("whenChanged")),
        usn_changed=_int(entry.first_text("uSNChanged")),
    )


def decode_activation_object(entry: RawEntry) -> ActivationObject:
    """Decode one activation object entry."""
    sku = entry.get("msSPP-CSVLKSkuId")
    guid = entry.get("objectGUID")
    pid = entry.first_text("msSPP-CSVLKPid")
    licences = []
    for name, blobs in sorted(entry.blobs.items()):
        if blobs:
            licences.append((name, blobs[0]))
    return ActivationObject(
        dn=entry.dn,
        cn=entry.first_text("cn") or _rdn_value(entry.dn),
        display_name=entry.first_text("displayName"),
        object_classes=tuple(v.decode("utf-8", "replace") for v in entry.get("objectClass")),
        object_guid=uuid.UUID(bytes_le=guid[0]) if guid and len(guid[0]) == 16 else None,
        when_created=parse_generalized_time(entry.first_text("whenCreated")),
        when_changed=parse_generalized_time(entry.first_text("whenChanged")),
        usn_created=_int(entry.first_text("uSNCreated")),
        csvlk_sku_id=GuidValue(sku[0]) if sku else None,
        kms_ids=tuple(GuidValue(v) for v in entry.get("msSPP-KMSIds")),
        csvlk_pid=pid,
        extended_pid=parse_extended_pid(pid) if pid is not None else None,
        partial_product_key=entry.first_text("msSPP-CSVLKPartialProductKey"),
        installation_id=entry.first_text("msSPP-InstallationId"),
        confirmation_id=entry.first_text("msSPP-ConfirmationId"),
        licences=tuple(licences),
        present_attributes=frozenset(entry.names()),
        usn_changed=_int(entry.first_text("uSNChanged")),
    )


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _rdn_value(dn: str) -> str | None:
    first = dn.split(",", 1)[0]
    if "=" not in first:
        return None
    return first.split("=", 1)[1]


def parse_generalized_time(text: str | None) -> datetime | None:
    """``20261127180102.0Z`` (AD's GeneralizedTime) as an aware UTC datetime; None if unreadable."""
    if not text:
        return None
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1]
    value = value.split(".", 1)[0]
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
