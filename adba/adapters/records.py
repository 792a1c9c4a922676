"""What a scan read, as raw LDAP values: the one form shared by live reads, snapshots and LDIF.

Raw values stay bytes here; ``adba.adapters.decode`` turns a ``RawForest`` into core models,
so every source goes through the same decoding. Licence blobs (up to 5 MB each) are kept only
as size and SHA-256 digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from adba.core.models import Blob, Readability, SourceInfo


@dataclass
class RawEntry:
    """One directory entry: DN, raw attribute values, and digested blobs."""

    dn: str
    attributes: dict[str, list[bytes]] = field(default_factory=dict)
    blobs: dict[str, list[Blob]] = field(default_factory=dict)

    def get(self, name: str) -> list[bytes]:
        """Values of an attribute, case-insensitive; empty when absent."""
        lowered = name.lower()
        for key, values in self.attributes.items():
            if key.lower() == lowered:
                return values
        return []

    def first_text(self, name: str) -> str | None:
        """The first value decoded as UTF-8 (replacement characters for bad bytes)."""
        values = self.get(name)
        return values[0].decode("utf-8", "replace") if values else None

    def names(self) -> set[str]:
        """Lower-case names of every attribute and blob present."""
        return {k.lower() for k in self.attributes} | {k.lower() for k in self.blobs}


def digest(value: bytes) -> Blob:
    """Size and SHA-256 of a binary value."""
    return Blob(size=len(value), sha256=hashlib.sha256(value).hexdigest())


@dataclass
class RawForest:
    """Everything a scan read, before decoding."""

    source: SourceInfo
    config_nc: str
    root_dse: dict[str, list[str]] | None = None
    schema_object_version: int | None = None
    schema_classes: dict[str, bool] | None = None
    root_domain_sid: str | None = None
    netbios_name: str | None = None
    spp_container: RawEntry | None = None
    spp_state: Readability = Readability.UNKNOWN
    ao_container: RawEntry | None = None
    ao_state: Readability = Readability.UNKNOWN
    security_error: str | None = None
    children: list[RawEntry] = field(default_factory=list)
    principals: dict[str, str] = field(default_factory=dict)
    computers: Iterable[list[object]] | None = None
    """Computer rows from a snapshot taken with --computers (see adapters.snapshot)."""
    computers_base: str | None = None
