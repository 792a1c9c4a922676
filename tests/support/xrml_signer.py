"""Licences in SPP's XrML format, signed at test time with throw-away RSA keys.

The digest and the signature are computed with adba's own canonicaliser, so these licences
alone would prove nothing about it: the real Microsoft-signed files (``../shared/testdata/xrml``,
tests/unit/test_xrml_real.py) prove the canonicaliser; these cover the edge cases and the
tampering a real file cannot be bent into.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import uuid
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape, quoteattr

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from adba.adapters.xrml.c14n import canonicalize
from adba.adapters.xrml.names import DSIG, REL
from adba.adapters.xrml.tree import Node, parse_tree

NS = ('xmlns:r="urn:mpeg:mpeg21:2003:01-REL-R-NS" xmlns:sx="urn:mpeg:mpeg21:2003:01-REL-SX-NS" '
      'xmlns:mx="urn:mpeg:mpeg21:2003:01-REL-MX-NS" '
      'xmlns:sl="http://www.microsoft.com/DRM/XrML2/SL/v2" '
      'xmlns:tm="http://www.microsoft.com/DRM/XrML2/TM/v2"')
_DIGEST, _SIGNATURE = "@@DIGEST@@", "@@SIGNATURE@@"


@cache
def test_key(name: str = "root") -> rsa.RSAPrivateKey:
    """A throw-away 2048-bit key, one per name and test process."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64int(value: int) -> str:
    return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()


def key_value(key: rsa.RSAPrivateKey) -> str:
    """The ``KeyValue`` element of a key's public half."""
    numbers = key.public_key().public_numbers()
    return (f'<KeyValue xmlns="{DSIG}"><RSAKeyValue><Modulus>{_b64int(numbers.n)}</Modulus>'
            f'<Exponent>{_b64int(numbers.e)}</Exponent></RSAKeyValue></KeyValue>')


def fingerprint(key: rsa.RSAPrivateKey) -> str:
    """SHA-256 of the modulus bytes, as adba names keys."""
    n = key.public_key().public_numbers().n
    return hashlib.sha256(n.to_bytes((n.bit_length() + 7) // 8, "big")).hexdigest()


@dataclass(frozen=True)
class Config:
    """One ``Configuration`` and its key range."""

    sku: str
    group: int
    key_type: str = "Volume:CSVLK"
    start: int = 0
    end: int = 999_999_999
    edition: str = "ServerDatacenter"


def key_config_payload(configs: list[Config], *, compress: bool = False) -> str:
    """base64 of a ``ProductKeyConfiguration`` document."""
    parts = ['<?xml version="1.0" encoding="utf-8"?><ProductKeyConfiguration '
             'xmlns="http://www.microsoft.com/DRM/PKEY/Configuration/2.0"><Configurations>']
    for c in configs:
        parts.append(f"<Configuration><ActConfigId>{{{c.sku}}}</ActConfigId>"
                     f"<RefGroupId>{c.group}</RefGroupId><EditionId>{c.edition}</EditionId>"
                     f"<ProductDescription>test {c.key_type}</ProductDescription>"
                     f"<ProductKeyType>{c.key_type}</ProductKeyType>"
                     "<IsRandomized>false</IsRandomized></Configuration>")
    parts.append("</Configurations><KeyRanges>")
    for c in configs:
        parts.append(f"<KeyRange><RefActConfigId>{{{c.sku}}}</RefActConfigId>"
                     "<PartNumber>X00-00000</PartNumber><EulaType>Volume</EulaType>"
                     f"<IsValid>true</IsValid><Start>{c.start}</Start><End>{c.end}</End>"
                     "</KeyRange>")
    parts.append("</KeyRanges><PublicKeys>")
    for group in sorted({c.group for c in configs}):
        parts.append(f"<PublicKey><GroupId>{group}</GroupId><AlgorithmId>msft:rm/algorithm/"
                     "pkey/2009</AlgorithmId><PublicKeyValue>AAAA</PublicKeyValue></PublicKey>")
    parts.append("</PublicKeys></ProductKeyConfiguration>")
    data = "".join(parts).encode()
    if compress:
        data = gzip.compress(data)
    return base64.b64encode(data).decode()


def _signature() -> str:
    return (f'<Signature xmlns="{DSIG}"><SignedInfo>'
            '<CanonicalizationMethod Algorithm="http://www.microsoft.com/xrml/lwc14n"/>'
            f'<SignatureMethod Algorithm="{DSIG}rsa-sha1"/><Reference><Transforms>'
            '<Transform Algorithm="urn:mpeg:mpeg21:2003:01-REL-R-NS:licenseTransform"/>'
            '<Transform Algorithm="http://www.microsoft.com/xrml/lwc14n"/></Transforms>'
            f'<DigestMethod Algorithm="{DSIG}sha1"/><DigestValue>{_DIGEST}</DigestValue>'
            f'</Reference></SignedInfo><SignatureValue>{_SIGNATURE}</SignatureValue>'
            '<KeyInfo>@@KEYINFO@@</KeyInfo></Signature>')


def licence_body(*, title: str, info: dict[str, str], licence_id: str | None = None,
                 grants: str = "", inventory: str = "") -> str:
    """An unsigned ``r:license`` with the signature placeholders in its issuer."""
    lid = licence_id or "{" + str(uuid.uuid4()) + "}"
    other = "".join(f"<tm:infoStr name={quoteattr(k)}>{escape(v)}</tm:infoStr>"
                    if k != "pkeyConfigData" else
                    f"<tm:infoBin name={quoteattr(k)}>{v}</tm:infoBin>" for k, v in info.items())
    return (f'<r:license {NS} licenseId="{lid}"><r:title>{escape(title)}</r:title>{inventory}'
            f"{grants or '<r:grant><sl:runSoftware/></r:grant>'}"
            f"<r:issuer>{_signature()}<r:details><r:timeOfIssue>2016-01-01T00:00:00Z"
            "</r:timeOfIssue></r:details></r:issuer><r:otherInfo "
            'xmlns:r="urn:mpeg:mpeg21:2003:01-REL-R-NS"><tm:infoTables '
            'xmlns:tm="http://www.microsoft.com/DRM/XrML2/TM/v2"><tm:infoList tag="#global">'
            f"{other}</tm:infoList></tm:infoTables></r:otherInfo></r:license>")


def _find_signature(licence: Node) -> tuple[Node, Node]:
    issuer = licence.find(REL, "issuer")
    assert issuer is not None
    signature = issuer.find(DSIG, "Signature")
    assert signature is not None
    info = signature.find(DSIG, "SignedInfo")
    assert info is not None
    return signature, info


def sign(body: str, key: rsa.RSAPrivateKey) -> str:
    """Fill in the digest and the signature of one unsigned licence (see :func:`licence_body`)."""
    body = body.replace("@@KEYINFO@@", key_value(key))
    signature, _ = _find_signature(parse_tree(body))
    digest = hashlib.sha1(canonicalize(signature.parent.parent,  # type: ignore[union-attr]
                                       frozenset([id(signature)]))).digest()
    body = body.replace(_DIGEST, base64.b64encode(digest).decode())
    _, info = _find_signature(parse_tree(body))
    value = key.sign(canonicalize(info), padding.PKCS1v15(), hashes.SHA1())
    return body.replace(_SIGNATURE, base64.b64encode(value).decode())


def group(*licences: str) -> bytes:
    """A licence group file (UTF-8 with BOM, as Windows writes them) of signed licences."""
    return ('\ufeff<?xml version="1.0" encoding="utf-8"?><rg:licenseGroup '
            'xmlns:rg="urn:mpeg:mpeg21:2003:01-REL-R-NS">' + "".join(licences)
            + "</rg:licenseGroup>").encode()


def single(licence: str) -> bytes:
    """One signed licence as a file of its own."""
    return ('<?xml version="1.0" encoding="utf-8"?>' + licence).encode()


def config_licence(configs: list[Config], key: rsa.RSAPrivateKey, *, licence_id: str,
                   compress: bool = False) -> str:
    """A signed ``msft:sl/PKEYCONFIG/SIGNED`` licence."""
    return sign(licence_body(title="XrML 2.1 License - Product Key Configuration",
                             licence_id=licence_id,
                             info={"licenseType": "msft:sl/PKEYCONFIG/SIGNED",
                                   "pkeyConfigData": key_config_payload(configs,
                                                                         compress=compress)}),
                key)


def use_licence(sku: str, key: rsa.RSAPrivateKey, *, kind: str, config_id: str,
                issuance_id: str, channel: str = "Volume:CSVLK") -> str:
    """A signed use licence (``kind``: ``msft:sl/EUL/PHONE/PUBLIC``, ``.../ACTIVATED/PUBLIC``)."""
    return sign(licence_body(
        title=f"test {kind} licence",
        info={"licenseType": kind, "licenseCategory": kind, "productSkuId": "{" + sku + "}",
              "applicationId": "{55c92734-d682-4d71-983e-d6ec3f16059f}",
              "productName": "test product", "UXDifferentiator": channel,
              "pkeyConfigLicenseId": config_id, "issuanceCertificateId": issuance_id}),
        key)


def issuance_licence(certified: rsa.RSAPrivateKey, signer: rsa.RSAPrivateKey, *,
                     licence_id: str) -> str:
    """A signed issuance licence granting ``certified`` the right to issue."""
    inventory = (f'<r:inventory><r:keyHolder licensePartId="keyAuthZ1"><r:info>'
                 f"{key_value(certified)}</r:info></r:keyHolder></r:inventory>")
    grants = ('<r:grant><r:forAll varName="anyGrant"/><r:keyHolder licensePartIdRef='
              '"keyAuthZ1"/><r:issue/><r:grant varRef="anyGrant"/></r:grant>')
    return sign(licence_body(title="test issuance licence", licence_id=licence_id,
                             inventory=inventory, grants=grants,
                             info={"licenseType": "msft:sl/ISSUANCE/test",
                                   "licenseCategory": "msft:sl/ISSUANCE"}), signer)


@dataclass(frozen=True)
class Blobs:
    """A consistent set of licence blobs for one activation object."""

    online: bytes
    config: bytes
    issuance: bytes
    phone: bytes


def object_licences(sku: str, group_id: int, *, serial: int = 0) -> Blobs:
    """Online, phone, config and issuance licences that fit a CSVLK ``sku`` of ``group_id``
    (with a key range holding ``serial``), signed by the test keys: the leaf key signs the use
    and config licences, the root key the issuance licence that certifies the leaf key."""
    leaf, root = test_key("leaf"), test_key("root")
    config_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "config:" + sku)) + "}"
    issuance_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "issuance")) + "}"
    start = max(0, serial - 1000)
    config = group(config_licence([Config(sku, group_id, start=start, end=serial + 1000)], leaf,
                                  licence_id=config_id))
    online = group(use_licence(sku, leaf, kind="msft:sl/EUL/ACTIVATED/PUBLIC",
                               config_id=config_id, issuance_id=issuance_id))
    phone = group(use_licence(sku, leaf, kind="msft:sl/EUL/PHONE/PUBLIC", config_id=config_id,
                              issuance_id=issuance_id))
    issuance = single(issuance_licence(leaf, root, licence_id=issuance_id))
    return Blobs(online, config, issuance, phone)


AO_BASE = "CN=Activation Objects,CN=Microsoft SPP,CN=Services,CN=Configuration,DC=contoso,DC=test"
WS2022_CSVLK = "661f7658-7035-4b4c-9f35-010682943ec2"
WS2022_KMS = ["b74263e4-0f92-46c6-bcf8-c11d5efe2959", "8449b1fb-f0ea-497a-99ab-66ca96e9a0f5",
              "58e2134f-8e11-4d17-9cb2-91069c151148"]


def licence_ldif(objects: list[tuple[str, dict[str, bytes]]], *, sku: str = WS2022_CSVLK,
                 pid: str = "03612-04573-000-012345-03-1033-20348.0000-1502024") -> str:
    """An LDIF export of the container with one WS2022 object per (cn, licence attributes)."""
    def b64(value: bytes) -> str:
        return base64.b64encode(value).decode()

    records = [f"dn: {AO_BASE}\nobjectClass: top\nobjectClass: msSPP-ActivationObjectsContainer"
               "\ncn: Activation Objects"]
    for cn, blobs in objects:
        lines = [f"dn: CN={cn},{AO_BASE}", "objectClass: top", "objectClass: msSPP-ActivationObject",
                 f"cn: {cn}", f"displayName: {cn}",
                 f"msSPP-CSVLKSkuId:: {b64(uuid.UUID(sku).bytes_le)}",
                 *(f"msSPP-KMSIds:: {b64(uuid.UUID(k).bytes_le)}" for k in WS2022_KMS),
                 f"msSPP-CSVLKPid: {pid}", "msSPP-CSVLKPartialProductKey: 7H3KQ",
                 "whenCreated: 20250101120000.0Z"]
        lines += [f"{name}:: {b64(value)}" for name, value in blobs.items()]
        records.append("\n".join(lines))
    return "\n\n".join(records) + "\n"


def online_set(blobs: Blobs) -> dict[str, bytes]:
    """The attributes of an online-activated object."""
    return {"msSPP-OnlineLicense": blobs.online, "msSPP-ConfigLicense": blobs.config,
            "msSPP-IssuanceLicense": blobs.issuance}
