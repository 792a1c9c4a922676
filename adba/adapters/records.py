"""What a scan read, as raw LDAP values: the one form shared by live reads, snapshots and LDIF.

Raw values stay bytes here; ``adba.adapters.decode`` turns a ``RawForest`` into core models,
so every source goes through the same decoding. Licence blobs (up to 5 MB each) are kept as
size, SHA-256 digest and what their licences say (read and verified once, here), and their
bytes only for a snapshot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from adba.core.models import Blob, Readability, SourceInfo


@dataclass
class RawEntry:
    """One directory entry: DN, raw attribute values, and digested blobs."""

    dn: str
    attributes: dict[str, list[bytes]] = field(default_factory=dict)
    blobs: dict[str, list[Blob]] = field(default_factory=dict)
    blob_bytes: dict[str, list[bytes]] = field(default_factory=dict)
    """The licence bytes themselves, kept only to be written into a snapshot."""

    def add_licences(self, name: str, values: list[bytes]) -> None:
        """Keep a licence attribute: its digest, what its licences say, and its bytes."""
        self.blobs[name] = [licence_blob(v) for v in values]
        self.blob_bytes[name] = list(values)

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


_VERIFIED: dict[str, Any] = {}
"""SHA-256 -> the licences read from those bytes: the same blob served by several DCs (``adba
consistency``), or held by several objects made from one CSVLK, is read and verified once."""
_VERIFIED_MAX = 512
_VERIFIED_BYTES_MAX = 64 * 1024 * 1024
"""The blobs behind the kept results, in bytes: a hostile DC's 5 MB blobs cannot pile up."""
_verified_bytes = 0


def licence_blob(value: bytes) -> Blob:
    """Size, SHA-256 and the licences read and verified (see :mod:`adba.adapters.xrml`); the
    reading depends on the bytes alone, so a blob already read in this process is not read
    again (at most :data:`_VERIFIED_MAX` results, of :data:`_VERIFIED_BYTES_MAX` bytes of
    blobs, are kept)."""
    global _verified_bytes
    from adba.adapters.xrml import read_licence_blob

    sha = hashlib.sha256(value).hexdigest()
    content = _VERIFIED.get(sha)
    if content is None:
        content = read_licence_blob(value)
        if len(_VERIFIED) < _VERIFIED_MAX and \
                _verified_bytes + len(value) <= _VERIFIED_BYTES_MAX:
            _VERIFIED[sha] = content
            _verified_bytes += len(value)
    return Blob(size=len(value), sha256=sha, content=content)


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
