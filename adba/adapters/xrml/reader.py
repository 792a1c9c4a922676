"""An XrML licence or licence group, read into :mod:`adba.core.licences` models."""

from __future__ import annotations

import base64
import binascii
import re

from adba.adapters.xrml.names import DSIG, REL, SL, TM
from adba.adapters.xrml.pkeyconfig import read_key_config
from adba.adapters.xrml.signature import StructureError, rsa_key, verify_licence
from adba.adapters.xrml.text import decode_xml_bytes
from adba.adapters.xrml.tree import Node, XmlRefused, parse_tree
from adba.core.licences import Licence, LicenceDocument, ProductKeyConfig, guid_text

MAX_LICENCE_BYTES = 8 * 1024 * 1024
"""The schema allows 5,242,880 bytes per licence attribute; files are allowed a little more."""
MAX_LICENCES = 64
_LINKS = ("pkeyConfigLicenseId", "issuanceCertificateId", "clientIssuanceCertificateId",
          "publicCertificateId", "privateCertificateId")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _unreadable(reason: str, encoding: str = "") -> LicenceDocument:
    return LicenceDocument(encoding=encoding, group=False, licences=(), error=reason)


def read_licence_blob(data: bytes) -> LicenceDocument:
    """Read and verify every licence in ``data``; a blob that is not a readable SPP licence
    gives a document whose ``error`` says why in one line."""
    if len(data) > MAX_LICENCE_BYTES:
        return _unreadable(f"{len(data):,} bytes is more than a licence may have "
                           f"({MAX_LICENCE_BYTES:,})")
    try:
        text, encoding = decode_xml_bytes(data)
    except ValueError as exc:
        return _unreadable(str(exc))
    try:
        root = parse_tree(text)
    except XmlRefused as exc:
        return _unreadable(str(exc), encoding)
    if root.uri == REL and root.local == "licenseGroup":
        nodes, group = root.find_all(REL, "license"), True
    elif root.uri == REL and root.local == "license":
        nodes, group = [root], False
    else:
        return _unreadable(f"the root element is {{{root.uri}}}{root.local}, not an XrML "
                           "licence or licence group", encoding)
    if not nodes:
        return _unreadable("the licence group holds no licence", encoding)
    if len(nodes) > MAX_LICENCES:
        return _unreadable(f"the group holds {len(nodes)} licences (at most {MAX_LICENCES})",
                           encoding)
    return LicenceDocument(encoding=encoding, group=group,
                           licences=tuple(_licence(n) for n in nodes))


def _info(licence: Node) -> dict[str, str]:
    values: dict[str, str] = {}
    other = licence.find(REL, "otherInfo")
    if other is None:
        return values
    for node in other.iter(TM):
        if node.local in ("infoStr", "infoBin"):
            name = node.attribute("name")
            if name is not None and name not in values:
                values[name] = node.text()
    return values


def _fingerprint(holder: Node) -> str | None:
    try:
        values = holder.iter(DSIG, "KeyValue")
        return rsa_key(values[0], "keyHolder")[0].fingerprint if values else None
    except StructureError:
        return None


def _certified(licence: Node) -> tuple[str, ...]:
    """Keys that a grant of this licence allows to ``r:issue``."""
    parts: dict[str, str] = {}
    for holder in licence.iter(REL, "keyHolder"):
        part = holder.attribute("licensePartId")
        key = _fingerprint(holder)
        if part and key:
            parts[part] = key
    found: list[str] = []
    for grant in licence.iter(REL, "grant"):
        if grant.find(REL, "issue") is None:
            continue
        grantee = grant.find(REL, "keyHolder")
        if grantee is None:
            continue
        ref = grantee.attribute("licensePartIdRef")
        key = parts.get(ref) if ref else _fingerprint(grantee)
        if key and key not in found:
            found.append(key)
    return tuple(found)


def _roots(licence: Node) -> tuple[str, ...]:
    found: list[str] = []
    for roots in licence.iter(REL, "trustedRootIssuers"):
        for holder in roots.iter(REL, "keyHolder"):
            key = _fingerprint(holder)
            if key and key not in found:
                found.append(key)
    return tuple(found)


def _kms_ids(licence: Node) -> tuple[str, ...]:
    for policy in licence.iter(SL, "policyStr"):
        if (policy.attribute("name") or "").lower() == "security-spp-kmscountedidlist":
            return tuple(m.lower() for m in _GUID.findall(policy.text()))
    return ()


def _key_config(info: dict[str, str]) -> ProductKeyConfig | None:
    payload = info.get("pkeyConfigData")
    if payload is None:
        return None
    try:
        raw = base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        return ProductKeyConfig((), (), (), False, error="pkeyConfigData is not base64")
    return read_key_config(raw)


def _licence(node: Node) -> Licence:
    info = _info(node)
    title = node.find(REL, "title")
    issued = None
    for issuer in node.find_all(REL, "issuer"):
        details = issuer.find(REL, "details")
        when = details.find(REL, "timeOfIssue") if details is not None else None
        if when is not None:
            issued = when.text().strip()
    return Licence(
        licence_id=node.attribute("licenseId"),
        title=title.text() if title is not None else None,
        licence_type=info.get("licenseType"),
        category=info.get("licenseCategory"),
        sku_id=guid_text(info.get("productSkuId")),
        application_id=guid_text(info.get("applicationId")),
        product_name=info.get("productName"),
        description=info.get("productDescription"),
        channel=info.get("UXDifferentiator"),
        links=tuple((name, info[name]) for name in _LINKS if name in info),
        kms_counted_ids=_kms_ids(node),
        issued=issued,
        certified_keys=_certified(node),
        trusted_roots=_roots(node),
        signature=verify_licence(node),
        key_config=_key_config(info),
    )
