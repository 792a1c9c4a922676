"""Read a forest's ADBA configuration through a ``ReadOnlyDirectory`` into a ``RawForest``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from ldap3.protocol.microsoft import security_descriptor_control
from ldap3.utils.conv import escape_bytes

from adba import __version__
from adba.adapters.ldap.connection import SessionInfo
from adba.adapters.ldap.directory import ReadOnlyDirectory, SearchEntry
from adba.adapters.ldap.limits import BLOB_MESSAGE_LIMIT
from adba.adapters.records import RawEntry, RawForest
from adba.core.models import (
    LICENCE_ATTRIBUTES,
    MSSPP_CLASSES,
    Readability,
    SourceInfo,
    SourceKind,
    ao_container_dn,
    spp_container_dn,
)
from adba.core.security_descriptor import (
    SecurityDescriptorError,
    parse_security_descriptor,
    parse_sid,
    sid_to_bytes,
)
from adba.core.sids import well_known_name
from adba.errors import DirectoryReadError

log = logging.getLogger("adba.ldap")

ROOT_DSE_ATTRIBUTES = (
    "configurationNamingContext", "schemaNamingContext", "rootDomainNamingContext",
    "defaultNamingContext", "dnsHostName", "serverName", "forestFunctionality",
    "domainFunctionality", "domainControllerFunctionality", "highestCommittedUSN",
)
CONTAINER_ATTRIBUTES = ("objectClass", "whenCreated", "whenChanged", "uSNChanged",
                        "nTSecurityDescriptor")
OBJECT_ATTRIBUTES = (
    "objectClass", "cn", "displayName", "objectGUID", "whenCreated", "whenChanged", "uSNCreated",
    "uSNChanged", "msSPP-CSVLKSkuId", "msSPP-KMSIds", "msSPP-CSVLKPid",
    "msSPP-CSVLKPartialProductKey", "msSPP-InstallationId", "msSPP-ConfirmationId",
)
OWNER_AND_DACL = 0x05
PAGE_SIZE = 200
MAX_OBJECT_PAGES = 50  # 10,000 activation objects; a forest has a few dozen

Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None


def read_forest(directory: ReadOnlyDirectory, session: SessionInfo,
                progress: Progress = _noop) -> RawForest:
    """Read rootDSE, schema facts, both SPP containers with owner and DACL, and every child.

    Only searches are sent; licence blobs are read one object at a time, digested, read and verified.
    """
    progress("reading the rootDSE")
    root = directory.root_dse(ROOT_DSE_ATTRIBUTES)
    if root is None:
        raise DirectoryReadError(f"{directory.server_label}: the rootDSE could not be read")
    root_dse = {k: [v.decode("utf-8", "replace") for v in vals] for k, vals in root.attributes.items()}
    config_nc = _first(root_dse, "configurationNamingContext")
    if not config_nc:
        raise DirectoryReadError(
            f"{directory.server_label}: the rootDSE has no configurationNamingContext; "
            "is this an Active Directory domain controller?")
    source = SourceInfo(
        kind=SourceKind.LIVE,
        server=session.endpoint.host,
        port=session.endpoint.port,
        transport=session.transport.label,
        auth=session.auth,
        user=session.user,
        certificate=session.certificate,
        insecure=session.insecure,
        captured_at=datetime.now(UTC),
        tool_version=__version__,
    )
    raw = RawForest(source=source, config_nc=config_nc, root_dse=root_dse)

    progress("reading the schema")
    schema_nc = _first(root_dse, "schemaNamingContext")
    if schema_nc:
        schema_head = directory.read(schema_nc, ["objectVersion"])
        if schema_head is not None and schema_head.attributes.get("objectVersion"):
            raw.schema_object_version = int(schema_head.attributes["objectVersion"][0])
        found = {
            (e.attributes.get("lDAPDisplayName") or [b""])[0].decode().lower()
            for e in directory.search(
                schema_nc,
                "(|" + "".join(f"(lDAPDisplayName={c})" for c in MSSPP_CLASSES) + ")",
                "one", ["lDAPDisplayName"])
        }
        raw.schema_classes = {c: c.lower() in found for c in MSSPP_CLASSES}

    root_nc = _first(root_dse, "rootDomainNamingContext")
    if root_nc:
        head = directory.read(root_nc, ["objectSid"])
        if head is not None and head.attributes.get("objectSid"):
            raw.root_domain_sid = parse_sid(head.attributes["objectSid"][0])[0]
        for entry in directory.search(
                f"CN=Partitions,{config_nc}", f"(nCName={_escape_dn_value(root_nc)})", "one",
                ["nETBIOSName"]):
            raw.netbios_name = (entry.attributes.get("nETBIOSName") or [b""])[0].decode() or None

    progress("reading the SPP containers")
    sd_control = list(security_descriptor_control(sdflags=OWNER_AND_DACL))
    spp = directory.read(spp_container_dn(config_nc), CONTAINER_ATTRIBUTES, sd_control)
    raw.spp_container = _to_raw(spp) if spp else None
    raw.spp_state = Readability.PRESENT if spp else Readability.MISSING
    ao_dn = ao_container_dn(config_nc)
    ao = directory.read(ao_dn, CONTAINER_ATTRIBUTES, sd_control)
    raw.ao_container = _to_raw(ao) if ao else None
    raw.ao_state = Readability.PRESENT if ao else Readability.MISSING
    if ao is not None and not ao.attributes:
        raw.security_error = "the entry is visible but this account can read none of its attributes"
    elif ao is not None and not ao.attributes.get("nTSecurityDescriptor"):
        raw.security_error = "the server returned no security descriptor (no READ_CONTROL right)"

    if ao is not None:
        progress("reading activation objects")
        for child in directory.search(ao_dn, "(objectClass=*)", "one", OBJECT_ATTRIBUTES,
                                      page_size=PAGE_SIZE, max_pages=MAX_OBJECT_PAGES):
            raw_child = _to_raw(child)
            classes = {v.decode().lower() for v in child.attributes.get("objectClass", [])}
            if "msspp-activationobject" in classes:
                _read_blobs(directory, raw_child)
            raw.children.append(raw_child)
            progress(f"read {len(raw.children)} object(s)")

    raw.principals = _resolve_principals(directory, raw)
    return raw


def _read_blobs(directory: ReadOnlyDirectory, entry: RawEntry) -> None:
    """Fetch one object's licence attributes: digest, read and verify them."""
    blobs = directory.read(entry.dn, LICENCE_ATTRIBUTES, max_message=BLOB_MESSAGE_LIMIT)
    if blobs is None:
        return
    for name, values in blobs.attributes.items():
        entry.add_licences(name, list(values))


def _resolve_principals(directory: ReadOnlyDirectory, raw: RawForest) -> dict[str, str]:
    """Names of the SIDs in the containers' owner and DACL, resolved in the forest root domain."""
    sids: set[str] = set()
    for container in (raw.spp_container, raw.ao_container):
        if container is None:
            continue
        for blob in container.get("nTSecurityDescriptor"):
            try:
                sd = parse_security_descriptor(blob)
            except SecurityDescriptorError:
                continue
            sids.update(s for s in (sd.owner, sd.group) if s)
            sids.update(ace.sid for ace in sd.dacl or ())
    names: dict[str, str] = {}
    root_nc = _first(raw.root_dse or {}, "rootDomainNamingContext")
    for sid in sorted(sids):
        known = well_known_name(sid, raw.root_domain_sid)
        if known:
            prefix = f"{raw.netbios_name}\\" if raw.netbios_name and sid.startswith(
                (raw.root_domain_sid or "-") + "-") else ""
            names[sid] = prefix + known
            continue
        if not root_nc:
            continue
        try:
            filt = f"(objectSid={escape_bytes(sid_to_bytes(sid))})"
            for entry in directory.search(root_nc, filt, "sub", ["sAMAccountName"]):
                sam = (entry.attributes.get("sAMAccountName") or [b""])[0].decode()
                if sam:
                    names[sid] = f"{raw.netbios_name}\\{sam}" if raw.netbios_name else sam
                break
        except (DirectoryReadError, ValueError) as exc:
            log.debug("could not resolve %s: %s", sid, exc)
    return names


def _to_raw(entry: SearchEntry) -> RawEntry:
    return RawEntry(dn=entry.dn, attributes=dict(entry.attributes))


def _first(values: dict[str, list[str]], name: str) -> str | None:
    for key, vals in values.items():
        if key.lower() == name.lower() and vals:
            return vals[0]
    return None


def _escape_dn_value(dn: str) -> str:
    out = []
    for ch in dn:
        if ch in "*()\\\0":
            out.append(f"\\{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)
