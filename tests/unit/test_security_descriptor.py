"""Binary security descriptor decoding, SIDs, rights strings and well-known SID names."""

from __future__ import annotations

import contextlib
import random
import re
import struct
import uuid

import pytest

from adba.core.security_descriptor import (
    SE_DACL_AUTO_INHERITED,
    SE_DACL_PRESENT,
    SE_DACL_PROTECTED,
    SE_SELF_RELATIVE,
    Ace,
    AceType,
    SecurityDescriptor,
    SecurityDescriptorError,
    build_security_descriptor,
    format_mask,
    parse_rights,
    parse_security_descriptor,
    parse_sid,
    sid_to_bytes,
)
from adba.core.sids import domain_rid, well_known_name

DOMAIN = "S-1-5-21-1-2-3"

# ---------------------------------------------------------------- test-only SDDL -> binary

ALIASES = {
    "AU": "S-1-5-11",
    "SY": "S-1-5-18",
    "BA": "S-1-5-32-544",
    "WD": "S-1-1-0",
    "DA": f"{DOMAIN}-512",
    "EA": f"{DOMAIN}-519",
}
SDDL_TYPES = {"A": 0, "D": 1, "AU": 2, "OA": 5, "OD": 6, "OU": 7, "XA": 9}
SDDL_FLAGS = {"OI": 0x1, "CI": 0x2, "NP": 0x4, "IO": 0x8, "ID": 0x10, "SA": 0x40, "FA": 0x80}
SD_RE = re.compile(
    r"(?:O:(?P<owner>[^:()]+?))?(?:G:(?P<group>[^:()]+?))?"
    r"(?:D:(?P<dflags>[A-Z]*?)(?P<dacl>(?:\([^)]*\))*))?"
)


def sid_of(text: str) -> str:
    return ALIASES.get(text, text)


def aces_from_sddl(text: str) -> list[Ace]:
    aces = []
    for body in re.findall(r"\(([^)]*)\)", text):
        kind, flags, rights, obj, inherited, sid = body.split(";")
        flag_bits = 0
        for i in range(0, len(flags), 2):
            flag_bits |= SDDL_FLAGS[flags[i:i + 2]]
        aces.append(Ace(
            ace_type=SDDL_TYPES[kind],
            flags=flag_bits,
            mask=parse_rights(rights) if rights else 0,
            sid=sid_of(sid),
            object_type=uuid.UUID(obj) if obj else None,
            inherited_object_type=uuid.UUID(inherited) if inherited else None,
        ))
    return aces


def sd_from_sddl(text: str) -> bytes:
    match = SD_RE.fullmatch(text)
    assert match is not None, text
    control = 0
    dflags = match["dflags"] or ""
    if "P" in dflags.replace("AI", "").replace("AR", ""):
        control |= SE_DACL_PROTECTED
    if "AI" in dflags:
        control |= SE_DACL_AUTO_INHERITED
    return build_security_descriptor(
        sid_of(match["owner"]) if match["owner"] else None,
        sid_of(match["group"]) if match["group"] else None,
        aces_from_sddl(match["dacl"]) if match["dacl"] is not None else None,
        control=control,
    )


# ---------------------------------------------------------------- a hand-made descriptor

GUID_RP = uuid.UUID("4c164200-20c0-11d0-a768-00aa006e0529")
GUID_USER = uuid.UUID("bf967aba-0de6-11d0-a285-00aa003049e2")

# Written byte by byte from the MS-DTYP layout (not with the builder).
HAND_SD = bytes.fromhex(
    # SECURITY_DESCRIPTOR: Revision 1, Sbz1 0, Control 0x9404 (SELF_RELATIVE | DACL_PROTECTED
    # | DACL_AUTO_INHERITED | DACL_PRESENT), OffsetOwner 160, OffsetGroup 0, OffsetSacl 0,
    # OffsetDacl 20
    "01 00 0494 a0000000 00000000 00000000 14000000"
    # ACL: AclRevision 4 (DS), Sbz1, AclSize 140, AceCount 4, Sbz2
    "04 00 8c00 0400 0000"
    # ACE 1: ACCESS_ALLOWED, flags 0, size 20, mask 0x20094, SID S-1-5-11
    "00 00 1400 94000200 0101 000000000005 0b000000"
    # ACE 2: ACCESS_ALLOWED_OBJECT, CI|IO, size 72, mask RP, object flags 3, two GUIDs,
    # SID S-1-5-21-1-2-3-519
    "05 0a 4800 10000000 03000000"
    "0042164c c020 d011 a76800aa006e0529"
    "ba7a96bf e60d d011 a28500aa003049e2"
    "0105 000000000005 15000000 01000000 02000000 03000000 07020000"
    # ACE 3: ACCESS_ALLOWED, INHERITED, size 20, mask 0xF01FF, SID S-1-5-18
    "00 10 1400 ff010f00 0101 000000000005 12000000"
    # ACE 4: ACCESS_DENIED, flags 0, size 20, mask WP, SID S-1-1-0
    "01 00 1400 20000000 0101 000000000001 00000000"
    # owner SID S-1-5-21-1-2-3-512
    "0105 000000000005 15000000 01000000 02000000 03000000 00020000"
    .replace(" ", "")
)
HAND_SDDL = (
    f"O:{DOMAIN}-512D:PAI(A;;LCRPLORC;;;S-1-5-11)"
    f"(OA;CIIO;RP;{GUID_RP};{GUID_USER};{DOMAIN}-519)"
    "(A;ID;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;S-1-5-18)"
    "(D;;WP;;;S-1-1-0)"
)


def test_hand_made_descriptor_decodes() -> None:
    assert len(HAND_SD) == 188
    sd = parse_security_descriptor(HAND_SD)
    assert sd.control == 0x9404
    assert sd.owner == f"{DOMAIN}-512"
    assert sd.group is None
    assert sd.sacl is None
    assert sd.dacl_present and sd.dacl_protected and sd.dacl_auto_inherited
    assert not sd.null_dacl
    assert sd.dacl is not None and len(sd.dacl) == 4
    au, obj, system, deny = sd.dacl
    assert au == Ace(AceType.ACCESS_ALLOWED, 0, 0x20094, "S-1-5-11")
    assert au.rights() == ("LC", "RP", "LO", "RC")
    assert au.allowed and not au.denied and not au.inherited and not au.is_object_ace
    assert obj.ace_type == AceType.ACCESS_ALLOWED_OBJECT
    assert obj.flags == 0x0A
    assert obj.object_type == GUID_RP
    assert obj.inherited_object_type == GUID_USER
    assert obj.sid == f"{DOMAIN}-519"
    assert obj.allowed and obj.is_object_ace
    assert system.inherited and system.mask == 0xF01FF
    assert deny.ace_type == AceType.ACCESS_DENIED and deny.denied and not deny.allowed
    assert sd.sddl() == HAND_SDDL


def test_builder_reproduces_the_hand_made_bytes() -> None:
    sd = parse_security_descriptor(HAND_SD)
    assert sd.dacl is not None
    built = build_security_descriptor(
        sd.owner, sd.group, sd.dacl, control=SE_DACL_PROTECTED | SE_DACL_AUTO_INHERITED)
    assert built == HAND_SD
    assert sd_from_sddl(HAND_SDDL) == HAND_SD


# defaultSecurityDescriptor strings and forestprep ACEs quoted in adba-facts.md §2.3.
AO_DEFAULT = "O:BAG:BAD:(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)(A;;RPLCLORC;;;AU)"
CONTAINER_ACES = (
    "D:(A;;RPLCLORC;;;AU)(A;;RPWPCRLCLOCCRCWDWOSW;;;EA)(A;;RPWPCRLCLOCCDCRCWDWOSDDTSW;;;SY)"
)


def test_ao_default_security_descriptor_round_trip() -> None:
    data = sd_from_sddl(AO_DEFAULT)
    sd = parse_security_descriptor(data)
    assert sd.owner == sd.group == "S-1-5-32-544"
    assert sd.dacl is not None
    assert [a.mask for a in sd.dacl] == [0xF01FF, 0x20094]
    assert sd.sddl() == (
        "O:S-1-5-32-544G:S-1-5-32-544"
        f"D:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;{DOMAIN}-512)(A;;LCRPLORC;;;S-1-5-11)"
    )
    assert sd_from_sddl(sd.sddl()) == data  # SDDL -> binary -> SDDL -> binary


def test_container_aces_rights() -> None:
    sd = parse_security_descriptor(sd_from_sddl(CONTAINER_ACES))
    assert sd.owner is None and sd.group is None
    assert sd.dacl is not None
    au, ea, sy = sd.dacl
    assert set(ea.rights()) == {"RP", "WP", "CR", "LC", "LO", "CC", "RC", "WD", "WO", "SW"}
    assert not {"DC", "SD", "DT"} & set(ea.rights())  # no delete rights for Enterprise Admins
    assert {"DC", "SD", "DT"} <= set(sy.rights())
    assert au.sddl() == "(A;;LCRPLORC;;;S-1-5-11)"
    assert ea.sid == f"{DOMAIN}-519"


def test_owner_only_descriptor_has_no_dacl() -> None:
    # SD-flags 0x1 (owner only): DACL not returned.
    sd = parse_security_descriptor(build_security_descriptor("S-1-5-32-544", None, None))
    assert sd.dacl is None and not sd.dacl_present and not sd.null_dacl
    assert sd.control == SE_SELF_RELATIVE
    assert sd.sddl() == "O:S-1-5-32-544"


def test_null_dacl() -> None:
    data = build_security_descriptor(None, None, None, control=SE_DACL_PRESENT)
    sd = parse_security_descriptor(data)
    assert sd.dacl is None and sd.dacl_present and sd.null_dacl
    assert sd.sddl() == "D:NO_ACCESS_CONTROL"


def test_empty_dacl_is_not_a_null_dacl() -> None:
    sd = parse_security_descriptor(build_security_descriptor(None, None, []))
    assert sd.dacl == () and not sd.null_dacl


def test_sacl_and_unknown_ace_types_round_trip() -> None:
    opaque = Ace(0x14, 0x02, 0, "", extra=b"\x01\x02\x03\x04\x05\x06\x07\x08")
    callback = Ace(AceType.ACCESS_ALLOWED_CALLBACK, 0, 0x10, "S-1-5-11", extra=b"artx\0\0\0\0")
    audit = Ace(AceType.SYSTEM_AUDIT_OBJECT, 0xC0, 0x20, "S-1-1-0", object_type=GUID_RP)
    data = build_security_descriptor(
        "S-1-5-18", "S-1-5-18", [opaque, callback], sacl=[audit])
    sd = parse_security_descriptor(data)
    assert sd.dacl == (opaque, callback)
    assert sd.sacl == (audit,)
    assert sd.dacl[0].sddl() == "(0x14;CI;;;;)"
    assert sd.dacl[1].sddl() == "(XA;;RP;;;S-1-5-11)"
    assert sd.sacl[0].sddl() == f"(OU;SAFA;WP;{GUID_RP};;S-1-1-0)"
    assert sd.sddl().startswith("O:S-1-5-18G:S-1-5-18D:(0x14;CI;;;;)")
    assert sd.sddl().endswith(f"S:(OU;SAFA;WP;{GUID_RP};;S-1-1-0)")


def random_sid(rng: random.Random) -> str:
    count = rng.randint(0, 15)
    authority = rng.choice([0, 1, 5, 16, rng.randrange(2**48)])
    auth_text = str(authority) if authority < 2**32 else f"0x{authority:012X}"
    return "-".join(["S-1", auth_text, *(str(rng.randrange(2**32)) for _ in range(count))])


def random_ace(rng: random.Random) -> Ace:
    kind = rng.choice([0, 1, 2, 5, 6, 7, 9, 0x0B, 0x11, 0x04, 0x14])
    flags = rng.randrange(256)
    if kind in (0x04, 0x14):
        return Ace(kind, flags, 0, "", extra=rng.randbytes(4 * rng.randint(0, 4)))
    extra = rng.randbytes(4 * rng.randint(0, 3)) if kind in (9, 0x0B) else b""
    is_object = kind in (5, 6, 7, 0x0B)
    return Ace(
        kind, flags, rng.randrange(2**32), random_sid(rng),
        object_type=uuid.UUID(bytes=rng.randbytes(16)) if is_object and rng.random() < .5 else None,
        inherited_object_type=(
            uuid.UUID(bytes=rng.randbytes(16)) if is_object and rng.random() < .5 else None),
        extra=extra,
    )


def random_descriptor(rng: random.Random) -> tuple[SecurityDescriptor, bytes]:
    owner = random_sid(rng) if rng.random() < .7 else None
    group = random_sid(rng) if rng.random() < .5 else None
    dacl = [random_ace(rng) for _ in range(rng.randint(0, 6))] if rng.random() < .8 else None
    sacl = [random_ace(rng) for _ in range(rng.randint(0, 3))] if rng.random() < .3 else None
    control = rng.choice([0, SE_DACL_PROTECTED, SE_DACL_PROTECTED | SE_DACL_AUTO_INHERITED])
    data = build_security_descriptor(owner, group, dacl, sacl=sacl, control=control)
    expected = SecurityDescriptor(
        control=parse_security_descriptor(data).control,
        owner=owner, group=group,
        dacl=tuple(dacl) if dacl is not None else None,
        sacl=tuple(sacl) if sacl is not None else None,
    )
    return expected, data


def test_random_descriptors_round_trip() -> None:
    rng = random.Random(2012)
    for _ in range(300):
        expected, data = random_descriptor(rng)
        sd = parse_security_descriptor(data)
        assert sd == expected
        assert build_security_descriptor(
            sd.owner, sd.group, sd.dacl, sacl=sd.sacl, control=sd.control) == data


# ---------------------------------------------------------------- malformed input


def samples() -> list[bytes]:
    rng = random.Random(1)
    return [HAND_SD, sd_from_sddl(AO_DEFAULT)] + [random_descriptor(rng)[1] for _ in range(20)]


def test_every_truncation_raises_security_descriptor_error() -> None:
    for data in samples():
        parse_security_descriptor(data)
        for length in range(len(data)):
            with pytest.raises(SecurityDescriptorError):
                parse_security_descriptor(data[:length])


def test_mutations_never_raise_anything_else() -> None:
    rng = random.Random(99)
    bases = samples()
    for _ in range(5000):
        data = bytearray(rng.choice(bases))
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        with contextlib.suppress(SecurityDescriptorError):
            parse_security_descriptor(bytes(data))
    for _ in range(2000):
        with contextlib.suppress(SecurityDescriptorError):
            parse_security_descriptor(rng.randbytes(rng.randint(0, 80)))


def patched(offset: int, fmt: str, value: int) -> bytes:
    data = bytearray(HAND_SD)
    struct.pack_into(fmt, data, offset, value)
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "truncated security descriptor header"),
        (patched(0, "<B", 2), "revision 2"),
        (patched(2, "<H", 0x0004), "not self-relative"),
        (patched(4, "<I", 10), "owner offset 10 points into the header"),
        (patched(4, "<I", 1000), "truncated owner SID"),
        (patched(16, "<I", 3), "DACL offset 3 points into the header"),
        (patched(20, "<B", 9), "ACL revision 9"),
        (patched(22, "<H", 4), "AclSize 4"),
        (patched(22, "<H", 200), "truncated DACL"),
        (patched(24, "<H", 5), "DACL ACE 5 of 5 header"),
        (patched(28 + 2, "<H", 2), "AceSize 2"),
        (patched(28 + 2, "<H", 200), "runs past the end of the ACL"),
        (patched(28 + 8, "<B", 2), "SID revision 2"),
        (patched(28 + 9, "<B", 16), "16 sub-authorities"),
        (patched(28 + 9, "<B", 2), "truncated DACL ACE 1 of 4 SID"),
        (patched(48 + 2, "<H", 28), "ACE 2 of 4 InheritedObjectType"),
    ],
)
def test_malformed_messages(data: bytes, message: str) -> None:
    with pytest.raises(SecurityDescriptorError, match=re.escape(message)):
        parse_security_descriptor(data)


def test_error_is_a_value_error() -> None:
    assert issubclass(SecurityDescriptorError, ValueError)


# ---------------------------------------------------------------- SIDs


@pytest.mark.parametrize(
    ("sid", "hex_bytes"),
    [
        ("S-1-5-11", "0101000000000005 0b000000"),
        ("S-1-1-0", "0101000000000001 00000000"),
        ("S-1-5-32-544", "0102000000000005 20000000 20020000"),
        ("S-1-5", "0100000000000005"),
        (f"{DOMAIN}-512", "0105000000000005 15000000 01000000 02000000 03000000 00020000"),
        ("S-1-5-21-4294967295-1-2-3",
         "0105000000000005 15000000 ffffffff 01000000 02000000 03000000"),
    ],
)
def test_sid_encoding(sid: str, hex_bytes: str) -> None:
    raw = bytes.fromhex(hex_bytes.replace(" ", ""))
    assert sid_to_bytes(sid) == raw
    text, used = parse_sid(raw + b"trailing", 0)
    assert used == len(raw)
    assert text == sid


def test_large_authority_is_written_in_hex() -> None:
    raw = bytes.fromhex("0101 00ffffffff0f 01000000".replace(" ", ""))
    assert parse_sid(raw) == ("S-1-0x00FFFFFFFF0F-1", 12)
    assert sid_to_bytes("S-1-0x00FFFFFFFF0F-1") == raw


def test_parse_sid_at_offset() -> None:
    raw = b"xxxx" + sid_to_bytes("S-1-5-18")
    assert parse_sid(raw, 4) == ("S-1-5-18", 12)


@pytest.mark.parametrize(
    "text",
    ["", "S-1", "S-2-5-11", "S-1-5-", "S-1-5-x", "1-5-11", "S-1-5-4294967296",
     "S-1-281474976710656-1", "S-1-5" + "-1" * 16, " S-1-5-11"],
)
def test_sid_to_bytes_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        sid_to_bytes(text)


@pytest.mark.parametrize("length", range(0, 12))
def test_parse_sid_truncated(length: int) -> None:
    with pytest.raises(SecurityDescriptorError):
        parse_sid(sid_to_bytes("S-1-5-18")[:length])


def test_random_sids_round_trip() -> None:
    rng = random.Random(5)
    for _ in range(500):
        sid = random_sid(rng)
        raw = sid_to_bytes(sid)
        assert parse_sid(raw) == (sid, len(raw))


# ---------------------------------------------------------------- rights


@pytest.mark.parametrize(
    ("mask", "text"),
    [
        (0, ""),
        (0x20094, "LCRPLORC"),
        (0xF01FF, "CCDCLCSWRPWPDTLOCRSDRCWDWO"),
        (0x10000000, "GA"),
        (0xF0000000, "GAGRGWGX"),
        (0x80000000 | 0x20000000, "GRGX"),
        (0x100, "CR"),
        (0x01000000, "0x1000000"),  # ACCESS_SYSTEM_SECURITY has no SDDL code
        (0x20094 | 0x200, "0x20294"),
    ],
)
def test_format_mask(mask: int, text: str) -> None:
    assert format_mask(mask) == text
    assert parse_rights(text or "0x0") == mask


def test_parse_rights_accepts_any_order_and_rejects_unknown_codes() -> None:
    assert parse_rights("RPLCLORC") == parse_rights("LCRPLORC") == 0x20094
    with pytest.raises(ValueError):
        parse_rights("RPXX")
    with pytest.raises(ValueError):
        parse_rights("RPL")


def test_all_known_masks_round_trip() -> None:
    rng = random.Random(3)
    known = parse_rights("GAGRGWGXCCDCLCSWRPWPDTLOCRSDRCWDWO")
    for _ in range(500):
        mask = rng.randrange(2**32) & known
        assert parse_rights(format_mask(mask)) == mask


# ---------------------------------------------------------------- well-known SIDs


@pytest.mark.parametrize(
    ("sid", "name"),
    [
        ("S-1-1-0", "Everyone"),
        ("S-1-3-0", "Creator Owner"),
        ("S-1-5-7", "Anonymous Logon"),
        ("S-1-5-9", "Enterprise Domain Controllers"),
        ("S-1-5-10", "Principal Self"),
        ("S-1-5-11", "Authenticated Users"),
        ("S-1-5-18", "Local System"),
        ("S-1-5-32-544", "Administrators"),
        ("S-1-5-32-545", "Users"),
        ("S-1-5-32-554", "Pre-Windows 2000 Compatible Access"),
        (f"{DOMAIN}-498", "Enterprise Read-only Domain Controllers"),
        (f"{DOMAIN}-512", "Domain Admins"),
        (f"{DOMAIN}-513", "Domain Users"),
        (f"{DOMAIN}-515", "Domain Computers"),
        (f"{DOMAIN}-516", "Domain Controllers"),
        (f"{DOMAIN}-518", "Schema Admins"),
        (f"{DOMAIN}-519", "Enterprise Admins"),
        (f"{DOMAIN}-520", "Group Policy Creator Owners"),
        (f"{DOMAIN}-521", "Read-only Domain Controllers"),
    ],
)
def test_well_known_names(sid: str, name: str) -> None:
    assert well_known_name(sid, DOMAIN) == name
    assert well_known_name(sid, None) == name


def test_domain_relative_names_need_the_right_domain() -> None:
    assert well_known_name(f"{DOMAIN}-519", "S-1-5-21-9-9-9") is None
    assert well_known_name("S-1-5-11", "S-1-5-21-9-9-9") == "Authenticated Users"
    assert well_known_name(f"{DOMAIN}-1105", DOMAIN) is None  # ordinary account
    assert well_known_name("S-1-5-99", None) is None
    assert well_known_name("s-1-5-11", None) == "Authenticated Users"


def test_domain_rid() -> None:
    assert domain_rid(f"{DOMAIN}-512") == (DOMAIN, 512)
    assert domain_rid("S-1-5-21-3623811015-3361044348-30300820-1013") == (
        "S-1-5-21-3623811015-3361044348-30300820", 1013)
    assert domain_rid("S-1-5-32-544") is None
    assert domain_rid("S-1-5-21-1-2-3") is None  # a domain SID has no RID
    assert domain_rid("S-1-5-21-1-2-3-4-5") is None
    assert domain_rid("junk") is None
