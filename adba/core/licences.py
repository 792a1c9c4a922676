"""What the licence blobs of an activation object say, as frozen data (read by
``adba.adapters.xrml``), and the chain of keys inside one object.

A verified signature proves *integrity under the key in the licence*: nobody changed the
licence since the holder of that key signed it. Which key is Microsoft's is only said for keys
in a pin list whose every entry records where it came from (:class:`KeyPin`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """The outcome of checking one signature."""

    VERIFIED = "verified"
    FAILED = "failed"
    UNVERIFIABLE = "could-not-verify"


class Step(StrEnum):
    """Where a failed check stopped."""

    STRUCTURE = "structure"
    DIGEST = "digest"
    SIGNATURE = "signature"


@dataclass(frozen=True)
class KeyInfo:
    """An RSA public key, named by the SHA-256 of its modulus bytes (hex)."""

    fingerprint: str
    bits: int
    exponent: int


@dataclass(frozen=True)
class SignatureCheck:
    """A licence's signature: verified under ``signer``, failed at ``step``, or could not be
    verified on this platform; ``detail`` says it in one line."""

    verdict: Verdict
    step: Step | None
    signer: KeyInfo | None
    detail: str


@dataclass(frozen=True)
class KeyConfiguration:
    """One ``Configuration`` of a product-key configuration."""

    act_config_id: str
    """The SKU id (lower-case GUID without braces) the keys of this configuration activate."""
    ref_group_id: int | None
    edition_id: str
    description: str
    key_type: str
    """``ProductKeyType``: ``Volume:CSVLK``, ``Volume:GVLK``, ``Retail``, ..."""


@dataclass(frozen=True)
class KeyRange:
    """One ``KeyRange``: key serials ``start``..``end`` of a configuration."""

    act_config_id: str
    part_number: str
    eula_type: str
    valid: bool
    start: int
    end: int


@dataclass(frozen=True)
class ProductKeyConfig:
    """The decoded ``pkeyConfigData`` of a configuration licence."""

    configurations: tuple[KeyConfiguration, ...]
    ranges: tuple[KeyRange, ...]
    public_key_groups: tuple[int, ...]
    compressed: bool
    error: str | None = None

    def for_sku(self, sku: str) -> tuple[KeyConfiguration, ...]:
        """The configurations whose ActConfigId is ``sku`` (a lower-case GUID)."""
        return tuple(c for c in self.configurations if c.act_config_id == sku)

    def ranges_for(self, sku: str) -> tuple[KeyRange, ...]:
        """The key ranges of the configuration ``sku``."""
        return tuple(r for r in self.ranges if r.act_config_id == sku)


@dataclass(frozen=True)
class Licence:
    """One ``r:license``: what it is, what it is for, what it certifies, and its signature."""

    licence_id: str | None
    title: str | None
    licence_type: str | None
    category: str | None
    sku_id: str | None
    application_id: str | None
    product_name: str | None
    description: str | None
    channel: str | None
    """``UXDifferentiator`` (``RETAIL``, ``Volume``, ...) when the licence names it."""
    links: tuple[tuple[str, str], ...]
    """Ids of other licences: (``pkeyConfigLicenseId``, ``{...}``), ..."""
    kms_counted_ids: tuple[str, ...]
    issued: str | None
    certified_keys: tuple[str, ...]
    """Fingerprints of the keys this licence grants the right to issue licences."""
    trusted_roots: tuple[str, ...]
    """Fingerprints of the keys named in ``trustedRootIssuers``."""
    signature: SignatureCheck
    key_config: ProductKeyConfig | None = None

    @property
    def kind(self) -> str:
        """The licence type, else its category, else ``unknown``."""
        return self.licence_type or self.category or "unknown"

    def link(self, name: str) -> str | None:
        """A link id by name (case-insensitive)."""
        for key, value in self.links:
            if key.lower() == name.lower():
                return value
        return None


@dataclass(frozen=True)
class LicenceDocument:
    """A licence blob read: its licences, or ``error`` (one line) when it is not a readable SPP
    licence."""

    encoding: str
    group: bool
    licences: tuple[Licence, ...]
    error: str | None = None

    @property
    def readable(self) -> bool:
        """Whether the blob parsed as an XrML licence or licence group."""
        return self.error is None


@dataclass(frozen=True)
class KeyPin:
    """A key known to belong to someone, with where that knowledge came from."""

    fingerprint: str
    owner: str
    source: str


@dataclass(frozen=True)
class ChainLink:
    """``signer`` signed licence ``licence_id`` (in ``attribute``); ``certified_by`` names the
    licence of the same object that grants that key the right to issue, if any."""

    attribute: str
    licence_id: str
    signer: str
    certified_by: tuple[str, str] | None
    """(attribute, licence id) of the certifying licence, or None."""
    pinned: KeyPin | None


def signer_chain(documents: tuple[tuple[str, LicenceDocument], ...],
                 pins: tuple[KeyPin, ...] = ()) -> tuple[ChainLink, ...]:
    """For each verified licence of one object: which licence of the object certifies its
    signer, and whether the signer is pinned. Certificates are taken only from licences that
    verified themselves."""
    certifiers: dict[str, tuple[str, str]] = {}
    for attribute, doc in documents:
        for lic in doc.licences:
            if lic.signature.verdict is Verdict.VERIFIED:
                for key in lic.certified_keys:
                    certifiers.setdefault(key, (attribute, lic.licence_id or "?"))
    by_key = {p.fingerprint.lower(): p for p in pins}
    links: list[ChainLink] = []
    for attribute, doc in documents:
        for lic in doc.licences:
            signer = lic.signature.signer
            if lic.signature.verdict is not Verdict.VERIFIED or signer is None:
                continue
            links.append(ChainLink(attribute, lic.licence_id or "?", signer.fingerprint,
                                   certifiers.get(signer.fingerprint),
                                   by_key.get(signer.fingerprint)))
    return tuple(links)


def guid_text(value: str | None) -> str | None:
    """A GUID as lower-case text without braces, or None when it is not a GUID."""
    import uuid

    if value is None:
        return None
    try:
        return str(uuid.UUID(value.strip().strip("{}")))
    except ValueError:
        return None
