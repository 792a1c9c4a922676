"""Frozen models of what a scan read from the forest, decoded once by the adapters."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from adba.core.epid import ExtendedPid
from adba.core.licences import LicenceDocument
from adba.core.security_descriptor import SecurityDescriptor

AO_CONTAINER_RDN = "CN=Activation Objects,CN=Microsoft SPP,CN=Services"
SPP_CONTAINER_RDN = "CN=Microsoft SPP,CN=Services"
AO_CLASS = "msSPP-ActivationObject"
AO_CONTAINER_CLASS = "msSPP-ActivationObjectsContainer"
MSSPP_CLASSES = (AO_CLASS, AO_CONTAINER_CLASS)
MANDATORY_ATTRIBUTES = (
    "msSPP-CSVLKSkuId",
    "msSPP-KMSIds",
    "msSPP-CSVLKPid",
    "msSPP-CSVLKPartialProductKey",
)
LICENCE_ATTRIBUTES = (
    "msSPP-OnlineLicense",
    "msSPP-PhoneLicense",
    "msSPP-ConfigLicense",
    "msSPP-IssuanceLicense",
)


def ao_container_dn(config_nc: str) -> str:
    """DN of the activation-objects container for a Configuration naming context."""
    return f"{AO_CONTAINER_RDN},{config_nc}"


def spp_container_dn(config_nc: str) -> str:
    """DN of ``CN=Microsoft SPP`` for a Configuration naming context."""
    return f"{SPP_CONTAINER_RDN},{config_nc}"


@dataclass(frozen=True)
class GuidValue:
    """A GUID attribute value as stored: the raw bytes, decoded when they are 16 bytes long."""

    raw: bytes

    @property
    def valid(self) -> bool:
        """True when the value has exactly the 16 bytes of a GUID."""
        return len(self.raw) == 16

    @functools.cached_property
    def uuid(self) -> uuid.UUID | None:
        """The GUID in Windows byte order (``bytes_le``), or None when not 16 bytes (decoded
        once: the diagnosis of every report asks each object for it)."""
        return uuid.UUID(bytes_le=self.raw) if self.valid else None

    @property
    def text(self) -> str:
        """Lower-case GUID text, or ``<N bytes: hex>`` for a malformed value."""
        value = self.uuid
        if value is None:
            return f"<{len(self.raw)} bytes: {self.raw.hex()}>"
        return str(value)

    @property
    def is_zero(self) -> bool:
        """True for the all-zero GUID (a sign of a hand-made object)."""
        return self.valid and not any(self.raw)


@dataclass(frozen=True)
class Blob:
    """A licence attribute kept as its size, SHA-256 digest and what its licences say, not its
    bytes. ``content`` is None when the source kept only the digest (an older snapshot)."""

    size: int
    sha256: str
    content: LicenceDocument | None = None


@dataclass(frozen=True)
class ActivationObject:
    """One ``msSPP-ActivationObject`` with its attributes decoded."""

    dn: str
    cn: str | None
    display_name: str | None
    object_classes: tuple[str, ...]
    object_guid: uuid.UUID | None
    when_created: datetime | None
    when_changed: datetime | None
    usn_created: int | None
    csvlk_sku_id: GuidValue | None
    kms_ids: tuple[GuidValue, ...]
    csvlk_pid: str | None
    extended_pid: ExtendedPid | None
    partial_product_key: str | None
    installation_id: str | None
    confirmation_id: str | None
    licences: tuple[tuple[str, Blob], ...]
    present_attributes: frozenset[str]
    usn_changed: int | None = None
    """The serving DC's own update sequence number of the last change (local to that DC)."""

    def has(self, attribute: str) -> bool:
        """Whether the attribute was present (case-insensitive)."""
        return attribute.lower() in self.present_attributes

    def licence(self, attribute: str) -> Blob | None:
        """The size, digest and content of a licence attribute, when present."""
        for name, blob in self.licences:
            if name.lower() == attribute.lower():
                return blob
        return None

    @property
    def label(self) -> str:
        """A short human label: the display name, else the cn, else the DN."""
        return self.display_name or self.cn or self.dn


@dataclass(frozen=True)
class OtherChild:
    """An entry in the activation-objects container that is not an activation object."""

    dn: str
    object_classes: tuple[str, ...]


class Readability(StrEnum):
    """Whether an entry could be read: present, absent, or unknown to this source."""

    PRESENT = "present"
    MISSING = "missing"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ContainerInfo:
    """A container entry (``CN=Microsoft SPP`` or ``CN=Activation Objects``)."""

    dn: str
    state: Readability
    object_classes: tuple[str, ...] = ()
    security: SecurityDescriptor | None = None
    security_error: str | None = None
    when_created: datetime | None = None
    when_changed: datetime | None = None
    readable: bool | None = None
    """False when the entry is visible but none of its attributes could be read; None unknown."""
    usn_changed: int | None = None
    """The serving DC's own update sequence number of the last change (local to that DC)."""


@dataclass(frozen=True)
class ForestInfo:
    """Forest-wide facts from the rootDSE and the schema."""

    dns_host_name: str | None
    default_nc: str | None
    root_domain_nc: str | None
    config_nc: str
    schema_nc: str | None
    forest_functionality: int | None
    domain_functionality: int | None
    dc_functionality: int | None
    highest_committed_usn: int | None
    schema_object_version: int | None
    msspp_classes: tuple[tuple[str, bool], ...]
    root_domain_sid: str | None

    def has_class(self, name: str) -> bool | None:
        """Whether the schema defines a class; None when the source did not say."""
        for cls, present in self.msspp_classes:
            if cls.lower() == name.lower():
                return present
        return None


class SourceKind(StrEnum):
    """Where the data came from."""

    LIVE = "live"
    SNAPSHOT = "snapshot"
    LDIF = "ldif"


@dataclass(frozen=True)
class SourceInfo:
    """How the data was obtained: server, transport and bind, or the file it came from."""

    kind: SourceKind
    server: str | None = None
    port: int | None = None
    transport: str | None = None
    auth: str | None = None
    user: str | None = None
    certificate: str | None = None
    insecure: bool = False
    path: str | None = None
    captured_at: datetime | None = None
    tool_version: str | None = None


@dataclass(frozen=True)
class ForestData:
    """Everything one scan read, decoded: the input of the rules."""

    source: SourceInfo
    forest: ForestInfo | None
    spp_container: ContainerInfo
    ao_container: ContainerInfo
    objects: tuple[ActivationObject, ...]
    other_children: tuple[OtherChild, ...] = ()
    principals: tuple[tuple[str, str], ...] = field(default=())

    def principal_name(self, sid: str) -> str | None:
        """Name of a principal the adapter resolved, if any."""
        for known_sid, name in self.principals:
            if known_sid == sid:
                return name
        return None
