"""Decode binary self-relative Windows security descriptors (MS-DTYP 2.4.6) into data.

This is what Active Directory returns for ``nTSecurityDescriptor`` when the search carries the
SD-flags control. Only decoding is needed by adba; :func:`build_security_descriptor` exists so
tests (and fixtures) can produce descriptors in the same layout.

Layout reminders (all integers little-endian except the SID identifier authority):

* header, 20 bytes: Revision (1), Sbz1, Control (u16), OffsetOwner, OffsetGroup, OffsetSacl,
  OffsetDacl (u32 each, relative to the start; 0 = absent)
* ACL header, 8 bytes: AclRevision (2 or 4), Sbz1, AclSize (u16), AceCount (u16), Sbz2 (u16)
* ACE header, 4 bytes: AceType, AceFlags, AceSize (u16, whole ACE); then Mask (u32) and SID, or
  for object ACEs Mask, Flags (u32), optional ObjectType and InheritedObjectType GUIDs (16 bytes
  each, Windows little-endian layout), SID
* SID: Revision (1), SubAuthorityCount (<= 15), IdentifierAuthority (6 bytes big-endian),
  SubAuthority (u32 each)
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "SE_DACL_AUTO_INHERITED",
    "SE_DACL_PRESENT",
    "SE_DACL_PROTECTED",
    "SE_SACL_PRESENT",
    "SE_SELF_RELATIVE",
    "Ace",
    "AceFlag",
    "AceType",
    "SecurityDescriptor",
    "SecurityDescriptorError",
    "ace_to_bytes",
    "acl_to_bytes",
    "build_security_descriptor",
    "format_mask",
    "parse_rights",
    "parse_security_descriptor",
    "parse_sid",
    "sid_to_bytes",
]

# Security descriptor control bits.
SE_OWNER_DEFAULTED = 0x0001
SE_GROUP_DEFAULTED = 0x0002
SE_DACL_PRESENT = 0x0004
SE_DACL_DEFAULTED = 0x0008
SE_SACL_PRESENT = 0x0010
SE_DACL_AUTO_INHERIT_REQ = 0x0100
SE_SACL_AUTO_INHERIT_REQ = 0x0200
SE_DACL_AUTO_INHERITED = 0x0400
SE_SACL_AUTO_INHERITED = 0x0800
SE_DACL_PROTECTED = 0x1000
SE_SACL_PROTECTED = 0x2000
SE_SELF_RELATIVE = 0x8000

ACE_OBJECT_TYPE_PRESENT = 0x1
ACE_INHERITED_OBJECT_TYPE_PRESENT = 0x2

_HEADER = struct.Struct("<BBHIIII")
_ACL_HEADER = struct.Struct("<BBHHH")
_ACE_HEADER = struct.Struct("<BBH")
_MAX_SUB_AUTHORITIES = 15


class SecurityDescriptorError(ValueError):
    """The bytes are not a well-formed self-relative security descriptor."""


class AceType(IntEnum):
    """ACE types (MS-DTYP 2.4.4.1). Types not listed here are kept as plain ints."""

    ACCESS_ALLOWED = 0x00
    ACCESS_DENIED = 0x01
    SYSTEM_AUDIT = 0x02
    SYSTEM_ALARM = 0x03
    ACCESS_ALLOWED_COMPOUND = 0x04
    ACCESS_ALLOWED_OBJECT = 0x05
    ACCESS_DENIED_OBJECT = 0x06
    SYSTEM_AUDIT_OBJECT = 0x07
    SYSTEM_ALARM_OBJECT = 0x08
    ACCESS_ALLOWED_CALLBACK = 0x09
    ACCESS_DENIED_CALLBACK = 0x0A
    ACCESS_ALLOWED_CALLBACK_OBJECT = 0x0B
    ACCESS_DENIED_CALLBACK_OBJECT = 0x0C
    SYSTEM_AUDIT_CALLBACK = 0x0D
    SYSTEM_ALARM_CALLBACK = 0x0E
    SYSTEM_AUDIT_CALLBACK_OBJECT = 0x0F
    SYSTEM_ALARM_CALLBACK_OBJECT = 0x10
    SYSTEM_MANDATORY_LABEL = 0x11
    SYSTEM_RESOURCE_ATTRIBUTE = 0x12
    SYSTEM_SCOPED_POLICY_ID = 0x13


class AceFlag(IntEnum):
    """ACE header flags."""

    OBJECT_INHERIT = 0x01
    CONTAINER_INHERIT = 0x02
    NO_PROPAGATE_INHERIT = 0x04
    INHERIT_ONLY = 0x08
    INHERITED = 0x10
    SUCCESSFUL_ACCESS = 0x40
    FAILED_ACCESS = 0x80


_KNOWN_ACE_TYPES = frozenset(int(t) for t in AceType)
_OBJECT_ACE_TYPES = frozenset({0x05, 0x06, 0x07, 0x08, 0x0B, 0x0C, 0x0F, 0x10})
_MASK_SID_ACE_TYPES = frozenset({0x00, 0x01, 0x02, 0x03, 0x09, 0x0A, 0x0D, 0x0E, 0x11, 0x12, 0x13})
_ALLOW_ACE_TYPES = frozenset({0x00, 0x05, 0x09, 0x0B})
_DENY_ACE_TYPES = frozenset({0x01, 0x06, 0x0A, 0x0C})

_ACE_TYPE_SDDL: dict[int, str] = {
    0x00: "A", 0x01: "D", 0x02: "AU", 0x03: "AL",
    0x05: "OA", 0x06: "OD", 0x07: "OU", 0x08: "OL",
    0x09: "XA", 0x0A: "XD", 0x0B: "ZA", 0x0D: "XU",
    0x11: "ML", 0x12: "RA", 0x13: "SP",
}

_ACE_FLAG_SDDL: tuple[tuple[int, str], ...] = (
    (0x01, "OI"), (0x02, "CI"), (0x04, "NP"), (0x08, "IO"), (0x10, "ID"),
    (0x40, "SA"), (0x80, "FA"),
)

# Output order: generic rights, then standard and directory-service rights by bit value
# (the order Windows uses, e.g. "CCDCLCSWRPWPDTLOCRSDRCWDWO" for full control).
_RIGHTS: tuple[tuple[str, int], ...] = (
    ("GA", 0x10000000), ("GR", 0x80000000), ("GW", 0x40000000), ("GX", 0x20000000),
    ("CC", 0x00000001), ("DC", 0x00000002), ("LC", 0x00000004), ("SW", 0x00000008),
    ("RP", 0x00000010), ("WP", 0x00000020), ("DT", 0x00000040), ("LO", 0x00000080),
    ("CR", 0x00000100), ("SD", 0x00010000), ("RC", 0x00020000), ("WD", 0x00040000),
    ("WO", 0x00080000),
)
_RIGHT_BITS = dict(_RIGHTS)
_KNOWN_RIGHT_BITS = 0
for _code, _bit in _RIGHTS:
    _KNOWN_RIGHT_BITS |= _bit


def format_mask(mask: int) -> str:
    """SDDL rights string for an access mask, e.g. ``0x20094`` -> ``"LCRPLORC"``.

    Generic rights come first (GA GR GW GX), then the others by bit value. A mask with bits
    that have no SDDL code is written as hex (``0x...``), as Windows does; 0 gives ``""``.
    """
    if mask & ~_KNOWN_RIGHT_BITS:
        return f"0x{mask:X}"
    return "".join(code for code, bit in _RIGHTS if mask & bit)


def parse_rights(text: str) -> int:
    """Inverse of :func:`format_mask`: ``"RPLCLORC"`` -> ``0x20094``; also accepts hex ``0x...``.

    Raises ValueError for unknown codes.
    """
    if text[:2].lower() == "0x":
        return int(text, 16)
    if len(text) % 2:
        raise ValueError(f"rights string {text!r} has an odd length")
    mask = 0
    for i in range(0, len(text), 2):
        code = text[i:i + 2].upper()
        bit = _RIGHT_BITS.get(code)
        if bit is None:
            raise ValueError(f"unknown right {code!r} in {text!r}")
        mask |= bit
    return mask


def _format_ace_flags(flags: int) -> str:
    parts = [code for bit, code in _ACE_FLAG_SDDL if flags & bit]
    rest = flags & ~0xDF
    if rest:
        parts.append(f"0x{rest:X}")
    return "".join(parts)


@dataclass(frozen=True)
class Ace:
    """One access control entry.

    ``sid`` is the trustee in ``S-1-...`` form. ``object_type`` / ``inherited_object_type`` are
    set only for object ACEs whose flags say the GUID is present. ``extra`` holds bytes after
    the SID inside the ACE (callback application data, padding), or the whole body of an ACE
    type whose layout is unknown (then ``mask`` is 0 and ``sid`` is empty).
    """

    ace_type: int
    flags: int
    mask: int
    sid: str
    object_type: uuid.UUID | None = None
    inherited_object_type: uuid.UUID | None = None
    extra: bytes = b""

    @property
    def allowed(self) -> bool:
        """True for access-allowed ACEs (plain, object and callback variants)."""
        return self.ace_type in _ALLOW_ACE_TYPES

    @property
    def denied(self) -> bool:
        """True for access-denied ACEs (plain, object and callback variants)."""
        return self.ace_type in _DENY_ACE_TYPES

    @property
    def inherited(self) -> bool:
        """True when the ACE was inherited from a parent (INHERITED_ACE, 0x10)."""
        return bool(self.flags & AceFlag.INHERITED)

    @property
    def is_object_ace(self) -> bool:
        """True for the object ACE types (those that can carry GUIDs)."""
        return self.ace_type in _OBJECT_ACE_TYPES

    def rights(self) -> tuple[str, ...]:
        """SDDL right codes present in the mask (bits without a code are left out)."""
        return tuple(code for code, bit in _RIGHTS if self.mask & bit)

    def sddl(self) -> str:
        """The ACE as an SDDL ACE string with SID strings, e.g. ``(A;;LCRPLORC;;;S-1-5-11)``."""
        kind = _ACE_TYPE_SDDL.get(self.ace_type, f"0x{self.ace_type:02X}")
        object_type = str(self.object_type) if self.object_type else ""
        inherited = str(self.inherited_object_type) if self.inherited_object_type else ""
        return (f"({kind};{_format_ace_flags(self.flags)};{format_mask(self.mask)};"
                f"{object_type};{inherited};{self.sid})")


@dataclass(frozen=True)
class SecurityDescriptor:
    """A decoded security descriptor. ``dacl``/``sacl`` are None when absent or not returned."""

    control: int
    owner: str | None
    group: str | None
    dacl: tuple[Ace, ...] | None
    sacl: tuple[Ace, ...] | None = None

    @property
    def dacl_present(self) -> bool:
        """SE_DACL_PRESENT is set."""
        return bool(self.control & SE_DACL_PRESENT)

    @property
    def null_dacl(self) -> bool:
        """A DACL is flagged present but is NULL: that grants everyone full access."""
        return self.dacl_present and self.dacl is None

    @property
    def dacl_protected(self) -> bool:
        """SE_DACL_PROTECTED (0x1000): the DACL does not inherit from the parent."""
        return bool(self.control & SE_DACL_PROTECTED)

    @property
    def dacl_auto_inherited(self) -> bool:
        """SE_DACL_AUTO_INHERITED (0x0400)."""
        return bool(self.control & SE_DACL_AUTO_INHERITED)

    def sddl(self) -> str:
        """SDDL text of the descriptor, with SID strings instead of aliases."""
        parts: list[str] = []
        if self.owner is not None:
            parts.append(f"O:{self.owner}")
        if self.group is not None:
            parts.append(f"G:{self.group}")
        for tag, present, aces, bits in (
            ("D", SE_DACL_PRESENT, self.dacl,
             (SE_DACL_PROTECTED, SE_DACL_AUTO_INHERIT_REQ, SE_DACL_AUTO_INHERITED)),
            ("S", SE_SACL_PRESENT, self.sacl,
             (SE_SACL_PROTECTED, SE_SACL_AUTO_INHERIT_REQ, SE_SACL_AUTO_INHERITED)),
        ):
            if not self.control & present:
                continue
            flags = "".join(code for code, bit in zip(("P", "AR", "AI"), bits, strict=True)
                            if self.control & bit)
            if aces is None:
                parts.append(f"{tag}:{flags}NO_ACCESS_CONTROL")
            else:
                parts.append(f"{tag}:{flags}" + "".join(ace.sddl() for ace in aces))
        return "".join(parts)


# --------------------------------------------------------------------------- decoding


def _need(end: int, offset: int, size: int, what: str) -> None:
    if offset < 0 or offset + size > end:
        raise SecurityDescriptorError(
            f"truncated {what}: needs {size} bytes at offset {offset}, only {max(end - offset, 0)}"
            " available")


def _parse_sid(data: bytes, offset: int, end: int, what: str) -> tuple[str, int]:
    _need(end, offset, 8, what)
    revision = data[offset]
    count = data[offset + 1]
    if revision != 1:
        raise SecurityDescriptorError(
            f"{what}: SID revision {revision} at offset {offset} (want 1)")
    if count > _MAX_SUB_AUTHORITIES:
        raise SecurityDescriptorError(
            f"{what}: SID at offset {offset} claims {count} sub-authorities (at most 15)")
    size = 8 + 4 * count
    _need(end, offset, size, what)
    authority = int.from_bytes(data[offset + 2:offset + 8], "big")
    subs = struct.unpack_from(f"<{count}I", data, offset + 8)
    auth_text = str(authority) if authority < 2**32 else f"0x{authority:012X}"
    return "-".join(["S-1", auth_text, *(str(s) for s in subs)]), size


def parse_sid(data: bytes, offset: int = 0) -> tuple[str, int]:
    """Decode a binary SID at ``offset``; returns ``(sid string, bytes consumed)``.

    Raises SecurityDescriptorError when the bytes are truncated or not a revision-1 SID.
    """
    return _parse_sid(data, offset, len(data), "SID")


def _parse_guid(data: bytes, offset: int, end: int, what: str) -> uuid.UUID:
    _need(end, offset, 16, what)
    return uuid.UUID(bytes_le=bytes(data[offset:offset + 16]))


def _parse_ace(data: bytes, offset: int, acl_end: int, what: str) -> tuple[Ace, int]:
    _need(acl_end, offset, 4, f"{what} header")
    ace_type, flags, size = _ACE_HEADER.unpack_from(data, offset)
    if size < 4:
        raise SecurityDescriptorError(f"{what}: AceSize {size} at offset {offset} is below 4")
    if offset + size > acl_end:
        raise SecurityDescriptorError(
            f"{what}: AceSize {size} at offset {offset} runs past the end of the ACL ({acl_end})")
    end = offset + size
    pos = offset + 4
    kind: int = AceType(ace_type) if ace_type in _KNOWN_ACE_TYPES else ace_type
    if ace_type not in _OBJECT_ACE_TYPES and ace_type not in _MASK_SID_ACE_TYPES:
        return Ace(kind, flags, 0, "", extra=bytes(data[pos:end])), size
    _need(end, pos, 4, f"{what} mask")
    (mask,) = struct.unpack_from("<I", data, pos)
    pos += 4
    object_type = inherited_type = None
    if ace_type in _OBJECT_ACE_TYPES:
        _need(end, pos, 4, f"{what} object flags")
        (object_flags,) = struct.unpack_from("<I", data, pos)
        pos += 4
        if object_flags & ACE_OBJECT_TYPE_PRESENT:
            object_type = _parse_guid(data, pos, end, f"{what} ObjectType")
            pos += 16
        if object_flags & ACE_INHERITED_OBJECT_TYPE_PRESENT:
            inherited_type = _parse_guid(data, pos, end, f"{what} InheritedObjectType")
            pos += 16
    sid, used = _parse_sid(data, pos, end, f"{what} SID")
    pos += used
    ace = Ace(kind, flags, mask, sid, object_type, inherited_type, bytes(data[pos:end]))
    return ace, size


def _parse_acl(data: bytes, offset: int, what: str) -> tuple[Ace, ...]:
    if offset < _HEADER.size:
        raise SecurityDescriptorError(f"{what} offset {offset} points into the header")
    _need(len(data), offset, _ACL_HEADER.size, f"{what} header")
    revision, _sbz1, acl_size, ace_count, _sbz2 = _ACL_HEADER.unpack_from(data, offset)
    if revision not in (2, 3, 4):
        raise SecurityDescriptorError(
            f"{what} at offset {offset}: ACL revision {revision} (want 2 or 4)")
    if acl_size < _ACL_HEADER.size:
        raise SecurityDescriptorError(f"{what} at offset {offset}: AclSize {acl_size} is below 8")
    _need(len(data), offset, acl_size, what)
    acl_end = offset + acl_size
    pos = offset + _ACL_HEADER.size
    aces: list[Ace] = []
    for index in range(ace_count):
        ace, used = _parse_ace(data, pos, acl_end, f"{what} ACE {index + 1} of {ace_count}")
        aces.append(ace)
        pos += used
    return tuple(aces)


def _parse_owner(data: bytes, offset: int, what: str) -> str | None:
    if offset == 0:
        return None
    if offset < _HEADER.size:
        raise SecurityDescriptorError(f"{what} offset {offset} points into the header")
    return _parse_sid(data, offset, len(data), f"{what} SID")[0]


def parse_security_descriptor(data: bytes) -> SecurityDescriptor:
    """Decode a self-relative security descriptor.

    Raises SecurityDescriptorError (a ValueError) with a message naming the offending part for
    truncated or malformed input; no other exception escapes for any ``bytes`` input.
    """
    data = bytes(data)
    _need(len(data), 0, _HEADER.size, "security descriptor header")
    revision, _sbz1, control, off_owner, off_group, off_sacl, off_dacl = _HEADER.unpack_from(data)
    if revision != 1:
        raise SecurityDescriptorError(f"security descriptor revision {revision} (want 1)")
    if not control & SE_SELF_RELATIVE:
        raise SecurityDescriptorError(
            "security descriptor is not self-relative (SE_SELF_RELATIVE 0x8000 not set)")
    owner = _parse_owner(data, off_owner, "owner")
    group = _parse_owner(data, off_group, "group")
    sacl = None
    if control & SE_SACL_PRESENT and off_sacl:
        sacl = _parse_acl(data, off_sacl, "SACL")
    dacl = None
    if control & SE_DACL_PRESENT and off_dacl:
        dacl = _parse_acl(data, off_dacl, "DACL")
    return SecurityDescriptor(control=control, owner=owner, group=group, dacl=dacl, sacl=sacl)


# --------------------------------------------------------------------------- encoding

_SID_RE = re.compile(r"S-1-(0[xX][0-9A-Fa-f]{1,12}|[0-9]+)((?:-[0-9]+)*)", re.IGNORECASE)


def sid_to_bytes(sid: str) -> bytes:
    """Encode ``S-1-5-21-...`` as a binary SID (e.g. to escape into an LDAP filter).

    Raises ValueError for text that is not a SID string.
    """
    match = _SID_RE.fullmatch(sid)
    if match is None:
        raise ValueError(f"not a SID string: {sid!r}")
    auth_text, subs_text = match.groups()
    authority = int(auth_text, 0) if auth_text[:2].lower() == "0x" else int(auth_text)
    subs = [int(s) for s in subs_text.split("-")[1:]]
    if authority >= 2**48:
        raise ValueError(f"SID identifier authority out of range in {sid!r}")
    if len(subs) > _MAX_SUB_AUTHORITIES:
        raise ValueError(f"SID {sid!r} has more than 15 sub-authorities")
    if any(s >= 2**32 for s in subs):
        raise ValueError(f"SID sub-authority out of range in {sid!r}")
    return (bytes([1, len(subs)]) + authority.to_bytes(6, "big")
            + struct.pack(f"<{len(subs)}I", *subs))


def ace_to_bytes(ace: Ace) -> bytes:
    """Encode one ACE; the size is padded to a multiple of 4."""
    if ace.ace_type in _OBJECT_ACE_TYPES:
        object_flags = ((ACE_OBJECT_TYPE_PRESENT if ace.object_type else 0)
                        | (ACE_INHERITED_OBJECT_TYPE_PRESENT if ace.inherited_object_type else 0))
        body = struct.pack("<II", ace.mask, object_flags)
        if ace.object_type:
            body += ace.object_type.bytes_le
        if ace.inherited_object_type:
            body += ace.inherited_object_type.bytes_le
        body += sid_to_bytes(ace.sid) + ace.extra
    elif ace.ace_type in _MASK_SID_ACE_TYPES:
        body = struct.pack("<I", ace.mask) + sid_to_bytes(ace.sid) + ace.extra
    else:
        body = ace.extra
    body += b"\0" * (-len(body) % 4)
    size = 4 + len(body)
    if size > 0xFFFF:
        raise ValueError("ACE too large")
    return _ACE_HEADER.pack(ace.ace_type, ace.flags, size) + body


def acl_to_bytes(aces: Iterable[Ace], revision: int | None = None) -> bytes:
    """Encode an ACL; the revision defaults to 4 when any object ACE is present, else 2."""
    ace_list = list(aces)
    if revision is None:
        revision = 4 if any(a.ace_type in _OBJECT_ACE_TYPES for a in ace_list) else 2
    body = b"".join(ace_to_bytes(a) for a in ace_list)
    size = _ACL_HEADER.size + len(body)
    if size > 0xFFFF or len(ace_list) > 0xFFFF:
        raise ValueError("ACL too large")
    return _ACL_HEADER.pack(revision, 0, size, len(ace_list), 0) + body


def build_security_descriptor(
    owner: str | None,
    group: str | None,
    dacl: Sequence[Ace] | None,
    *,
    sacl: Sequence[Ace] | None = None,
    control: int = 0,
) -> bytes:
    """Build a self-relative security descriptor (layout: header, SACL, DACL, owner, group).

    SE_SELF_RELATIVE is always set, SE_DACL_PRESENT / SE_SACL_PRESENT when the list is given;
    other control bits (e.g. SE_DACL_PROTECTED) come from ``control``. Passing
    ``control=SE_DACL_PRESENT`` with ``dacl=None`` yields a NULL DACL.
    """
    control |= SE_SELF_RELATIVE
    parts: list[bytes] = []
    offset = _HEADER.size

    def place(blob: bytes | None) -> int:
        nonlocal offset
        if blob is None:
            return 0
        start = offset
        parts.append(blob)
        offset += len(blob)
        return start

    if sacl is not None:
        control |= SE_SACL_PRESENT
    if dacl is not None:
        control |= SE_DACL_PRESENT
    off_sacl = place(acl_to_bytes(sacl) if sacl is not None else None)
    off_dacl = place(acl_to_bytes(dacl) if dacl is not None else None)
    off_owner = place(sid_to_bytes(owner) if owner is not None else None)
    off_group = place(sid_to_bytes(group) if group is not None else None)
    header = _HEADER.pack(1, 0, control & 0xFFFF, off_owner, off_group, off_sacl, off_dacl)
    return header + b"".join(parts)
