"""What an activation object's licences say about the object itself: the configuration found
for its CSVLK, whether its PID fits it, and the chain of signer keys.

Used by the licence rules (:mod:`adba.core.rules.licences`) and by the reports, so both say the
same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from adba.core.licences import (
    ChainLink,
    KeyConfiguration,
    KeyPin,
    Licence,
    LicenceDocument,
    signer_chain,
)
from adba.core.models import LICENCE_ATTRIBUTES, ActivationObject

CONFIG = "msSPP-ConfigLicense"
PHONE = "msSPP-PhoneLicense"
ONLINE = "msSPP-OnlineLicense"
ISSUANCE = "msSPP-IssuanceLicense"
CSVLK_TYPE = "Volume:CSVLK"


@dataclass(frozen=True)
class CsvlkConfig:
    """The configuration licence's entries for the object's CSVLK and how the PID fits them."""

    entries: tuple[KeyConfiguration, ...]
    """Configurations whose ActConfigId is the object's CSVLK SKU id (any key type)."""
    group_matches: bool | None
    """RefGroupId of the CSVLK entry equals the PID's group; None without entry or PID."""
    serial_in_range: bool | None
    """The PID's key serial lies in a valid key range of the entry; None when unknown."""

    @property
    def csvlk(self) -> KeyConfiguration | None:
        """The entry of key type ``Volume:CSVLK``, if any."""
        for entry in self.entries:
            if entry.key_type.lower() == CSVLK_TYPE.lower():
                return entry
        return None


@dataclass(frozen=True)
class ObjectLicences:
    """Every licence blob of one object, read."""

    documents: tuple[tuple[str, LicenceDocument], ...]
    digest_only: tuple[str, ...]
    """Attributes present whose bytes the source did not keep (an older snapshot)."""
    chain: tuple[ChainLink, ...]
    config: CsvlkConfig | None
    """None when the object has no readable product-key configuration."""

    def document(self, attribute: str) -> LicenceDocument | None:
        """The read blob of an attribute (case-insensitive)."""
        for name, doc in self.documents:
            if name.lower() == attribute.lower():
                return doc
        return None

    def licences(self, attribute: str) -> tuple[Licence, ...]:
        """The licences of one attribute (none when absent or unreadable)."""
        doc = self.document(attribute)
        return doc.licences if doc is not None else ()

    def link(self, attribute: str, licence_id: str | None) -> ChainLink | None:
        """The chain entry of one licence."""
        for link in self.chain:
            if link.attribute == attribute and link.licence_id == (licence_id or "?"):
                return link
        return None


def object_sku(obj: ActivationObject) -> str | None:
    """The object's CSVLK SKU id as lower-case text, when well-formed."""
    if obj.csvlk_sku_id is None or obj.csvlk_sku_id.uuid is None:
        return None
    return str(obj.csvlk_sku_id.uuid)


def _config(obj: ActivationObject, docs: tuple[tuple[str, LicenceDocument], ...]
            ) -> CsvlkConfig | None:
    sku = object_sku(obj)
    configs = [lic.key_config for name, doc in docs if name.lower() == CONFIG.lower()
               for lic in doc.licences if lic.key_config is not None
               and lic.key_config.error is None]
    if not configs or sku is None:
        return None
    entries = tuple(e for c in configs for e in c.for_sku(sku))
    result = CsvlkConfig(entries, None, None)
    csvlk, pid = result.csvlk, obj.extended_pid
    if csvlk is None or pid is None:
        return result
    group = csvlk.ref_group_id == pid.group_id if csvlk.ref_group_id is not None else None
    ranges = [r for c in configs for r in c.ranges_for(sku) if r.valid]
    serial = any(r.start <= pid.key_serial <= r.end for r in ranges) if ranges else None
    return CsvlkConfig(entries, group, serial)


def object_licences(obj: ActivationObject, pins: tuple[KeyPin, ...] = ()) -> ObjectLicences:
    """Read what the object's licence blobs say (the bytes were read by the adapter)."""
    order = {a.lower(): i for i, a in enumerate(LICENCE_ATTRIBUTES)}
    docs: list[tuple[str, LicenceDocument]] = []
    digest_only: list[str] = []
    for name, blob in sorted(obj.licences, key=lambda nb: order.get(nb[0].lower(), 99)):
        if blob.content is None:
            digest_only.append(name)
        else:
            docs.append((name, blob.content))
    documents = tuple(docs)
    return ObjectLicences(documents, tuple(digest_only), signer_chain(documents, pins),
                          _config(obj, documents))
