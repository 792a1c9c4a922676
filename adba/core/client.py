"""What a client reports about its activation, read from slmgr text, CIM/WMI exports, events or
the collector's JSON: one model for every format, so correlation does not care where it came from.

Every value keeps its evidence: the file and line (or JSON path) it was read from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from adba.core.fast_init import fast_init


class LicenseStatus(IntEnum):
    """SoftwareLicensingProduct.LicenseStatus (slmgr's "License Status" line)."""

    UNLICENSED = 0
    LICENSED = 1
    OOB_GRACE = 2
    OOT_GRACE = 3
    NON_GENUINE_GRACE = 4
    NOTIFICATION = 5
    EXTENDED_GRACE = 6


class ActivationType(IntEnum):
    """VLActivationType (last successful) and VLActivationTypeEnabled (configured; 0 = all)."""

    ALL = 0
    AD = 1
    KMS = 2
    TOKEN = 3


@fast_init
@dataclass(frozen=True)
class Evidence:
    """Where a value was read: ``source`` (file name) and ``where`` (``line 12`` or a JSON path),
    with the text as it stood there."""

    source: str
    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.source}:{self.where}: {self.text}"


@fast_init
@dataclass(frozen=True)
class AdActivation:
    """The AD-activation block: which activation object activated the product."""

    object_name: str | None = None
    object_dn: str | None = None
    csvlk_pid: str | None = None
    csvlk_sku_id: uuid.UUID | None = None


@fast_init
@dataclass(frozen=True)
class KmsClient:
    """The KMS-client block and settings."""

    cmid: str | None = None
    registered_host: str | None = None
    registered_port: int | None = None
    discovered_host: str | None = None
    discovered_port: int | None = None
    host_ip: str | None = None
    host_pid: str | None = None
    lookup_domain: str | None = None
    activation_interval: int | None = None
    renewal_interval: int | None = None
    host_caching: bool | None = None
    contacted_host: str | None = None
    """The host a request went to, from events (12288): whether it was registered or found by
    DNS is not logged."""
    contacted_port: int | None = None


@fast_init
@dataclass(frozen=True)
class KmsHost:
    """The KMS-host block of ``slmgr /dlv`` (or SoftwareLicensingService's KMS properties):
    this machine *is* a KMS host and counts clients."""

    current_count: int | None = None
    """Machines the host has counted in the last 30 days (it activates clients from 25, servers
    from 5; the count never exceeds 50)."""
    listening_port: int | None = None
    dns_publishing: bool | None = None
    priority: str | None = None
    """``Normal`` or ``Low``."""
    total_requests: int | None = None
    failed_requests: int | None = None
    requests_by_status: tuple[tuple[str, int], ...] = ()
    """``Requests with License Status <label>: <n>`` pairs, in print order."""
    host_epid: str | None = None
    """The host's own extended PID (its CSVLK's): slmgr's ``Extended PID`` of the host product,
    or SoftwareLicensingService.KeyManagementServiceProductKeyID."""


@fast_init
@dataclass(frozen=True)
class ProductStatus:
    """One licensed product (a SoftwareLicensingProduct instance with a key, or a slmgr block)."""

    name: str | None = None
    description: str | None = None
    channel: str | None = None
    """From Description "..., <CHANNEL> channel": VOLUME_KMSCLIENT, VOLUME_MAK, RETAIL, OEM_DM..."""
    product_key_channel: str | None = None
    """ProductKeyChannel: Volume:GVLK, Volume:MAK, Retail, OEM:DM, ..."""
    activation_id: uuid.UUID | None = None
    application_id: uuid.UUID | None = None
    extended_pid: str | None = None
    partial_product_key: str | None = None
    license_status: LicenseStatus | None = None
    license_status_reason: int | None = None
    """HRESULT as an unsigned 32-bit number (WMI prints it in decimal, slmgr in hex)."""
    grace_minutes: int | None = None
    vl_activation_type: ActivationType | None = None
    vl_activation_type_enabled: ActivationType | None = None
    ad: AdActivation | None = None
    kms: KmsClient | None = None
    is_kms_host: bool = False
    kms_host: KmsHost | None = None
    """The KMS-host block when this product is the one the host runs on (``is_kms_host``)."""
    has_validation_url: bool = False
    """slmgr /dlv prints licence URLs only for SKUs that are neither KMS clients nor AVMA."""
    evaluation_end: str | None = None
    """``Evaluation End Date`` as printed (locale-formatted text, never parsed)."""
    as_of: datetime | None = None
    """When this state was observed (an event's time), when the report says so."""
    evidence: tuple[Evidence, ...] = ()

    @property
    def is_gvlk(self) -> bool | None:
        """True for a KMS client setup key (GVLK), False for any other channel, None if unknown."""
        if self.product_key_channel:
            return self.product_key_channel.lower() == "volume:gvlk"
        if self.channel:
            return self.channel.upper() == "VOLUME_KMSCLIENT"
        if self.description:
            return "VOLUME_KMSCLIENT" in self.description.upper()
        return None


@fast_init
@dataclass(frozen=True)
class AoListEntry:
    """One object of ``slmgr /ao-list``."""

    name: str | None
    activation_id: uuid.UUID | None
    partial_product_key: str | None
    extended_pid: str | None
    dn: str | None


@fast_init
@dataclass(frozen=True)
class ReportedError:
    """An error a client printed or logged: ``Error: 0xC004F074 ...``."""

    hresult: int
    text: str | None
    evidence: Evidence


@fast_init
@dataclass(frozen=True)
class KmsRequest:
    """Event 12288: the client sent a KMS activation request (the Info string, decoded)."""

    hresult: int | None = None
    status_flags: int | None = None
    host: str | None = None
    """``server`` of ``server:port`` as logged (a name, an address, or ``RPC_S_SERVER_UNAVAILABLE``
    style placeholders the client writes when no host was found)."""
    port: int | None = None
    cmid: str | None = None
    client_time: str | None = None
    license_status: int | None = None
    minutes_to_expiry: int | None = None
    sku_id: uuid.UUID | None = None
    minimum_count: int | None = None
    """N-policy: the count the host must reach (25 client, 5 server)."""


@fast_init
@dataclass(frozen=True)
class KmsResponse:
    """Event 12289: the client processed a KMS host's response."""

    hresult: int | None = None
    status_flags: int | None = None
    activated: bool | None = None
    current_count: int | None = None
    activation_interval: int | None = None
    renewal_interval: int | None = None
    client_time: str | None = None


@fast_init
@dataclass(frozen=True)
class SkuState:
    """A SKU's licensing state from event 8230 (``LicenseState``, ``ProductKeyType``) or one
    ``N: <SkuId>, ...`` line of event 1003."""

    sku_id: uuid.UUID
    license_state: int | None = None
    """The LicenseStatus number when the event gives one (8230 LicenseState)."""
    hresult: int | None = None
    """1003: the line's result (0xC004F014 = no key); 8230: LastConsumptionReason."""
    product_key_type: str | None = None
    text: str | None = None
    in_use: bool | None = None
    """1003: whether the SKU has a key installed (the line's second number); 8230: True."""
    partial_product_key: str | None = None


@fast_init
@dataclass(frozen=True)
class ClientEvent:
    """A Security-SPP event (Application log)."""

    event_id: int
    time: datetime | None
    hresult: int | None = None
    sku_id: uuid.UUID | None = None
    ao_name: str | None = None
    ao_dn: str | None = None
    kms_host: str | None = None
    fields: tuple[str, ...] = ()
    evidence: Evidence | None = None
    computer: str | None = None
    kms_request: KmsRequest | None = None
    kms_response: KmsResponse | None = None
    sku_states: tuple[SkuState, ...] = ()
    message: str | None = None
    """The rendered message when the shape carries one (first line only)."""


@fast_init
@dataclass(frozen=True)
class ClientReport:
    """Everything read from one report file about one machine."""

    source: str
    format: str
    """slmgr-dlv, slmgr-dli, slmgr-ao-list, slmgr-ato, slmgr-xpr, slmgr (errors only),
    wmi-json, wmi-csv, events-json, evtx, collector."""
    computer: str | None = None
    domain: str | None = None
    forest: str | None = None
    os_caption: str | None = None
    os_version: str | None = None
    os_build: int | None = None
    service_version: str | None = None
    products: tuple[ProductStatus, ...] = ()
    ao_list: tuple[AoListEntry, ...] | None = None
    """None when the report holds no /ao-list output; () when it says "No objects found"."""
    ao_list_unsupported_schema: bool = False
    errors: tuple[ReportedError, ...] = ()
    events: tuple[ClientEvent, ...] = ()
    notes: tuple[str, ...] = field(default=())
    """Things read with a caveat (e.g. a line that was re-joined after hard wrapping)."""
    collected_at: datetime | None = None
    """When the data was taken, when the report says so (the collector's time, the newest event
    of a log). Expiry and grace are computed from it, not from now."""
    computer_aliases: tuple[str, ...] = ()
    """Other names the same log gives this machine (a rename); ``computer`` is the latest."""
    kms_host_service: KmsHost | None = None
    """KMS-host counters from SoftwareLicensingService when the report has them."""
    os_name: str | None = None
    """The OS's product name when the report states one (``Windows 7 Professional``, a
    ``Name: Windows(R) 7, ...`` line), used to tell systems too old for ADBA."""
    unused_licences: int = 0
    """Licences listed without a key (``This license is not in use.``, WMI rows without a
    PartialProductKey): left out of ``products``, counted here."""
    language: str | None = None
    """UI language of localized text that was read anyway (an /ato HRESULT), else None."""
    domain_controller: str | None = None
    """The DC the client says it uses (the collector's ``domain_controller``: its secure
    channel's DC, a NetBIOS or DNS name), when the report says so."""


class UnreadableReport(Exception):
    """A report that cannot be read: the reason, and the line when there is one."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason
