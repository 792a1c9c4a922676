"""LDIF reader: ldifde and ldapsearch exports, encodings, folding and errors with line numbers."""

from __future__ import annotations

import base64
import random
import uuid
from collections.abc import Callable

import pytest

from adba.adapters.ldif import LdifError, LdifRecord, parse_ldif

CONTAINER = "CN=Activation Objects,CN=Microsoft SPP,CN=Services,CN=Configuration,DC=contoso,DC=com"
AO_DN = f"CN=6c5e2f1b-0d4b-4b8e-9f1e-3a0f0c7d2b11,{CONTAINER}"
CSVLK = uuid.UUID("84e331f6-4279-48c4-ab10-b75139181351")
KMS_2025 = uuid.UUID("907f1f65-adcd-4a2e-95bc-4bf500bc6e58")
KMS_2022 = uuid.UUID("b74263e4-0f92-46c6-bcf8-c11d5efe2959")
DISPLAY = "Contoso – WS2025 CSVLK (Ärger)"
LICENCE = bytes(range(256)) * 2  # 512 bytes -> a long base64 line that must be folded
PID = "03612-04919-000-012345-03-1033-26100.0000-0452025"


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def fold(line: str, width: int = 79) -> list[str]:
    """Fold like ldifde: first line ``width`` characters, continuations a space + width - 1."""
    out = [line[:width]]
    rest = line[width:]
    while rest:
        out.append(" " + rest[:width - 1])
        rest = rest[width - 1:]
    return out


def ldifde_lines() -> list[str]:
    lines: list[str] = []
    lines += fold(f"dn: {AO_DN}")  # the DN is longer than 79 characters: folded
    lines += [
        "changetype: add",
        "objectClass: top",
        "objectClass: msSPP-ActivationObject",
        "cn: 6c5e2f1b-0d4b-4b8e-9f1e-3a0f0c7d2b11",
        f"displayName:: {b64(DISPLAY.encode())}",
        f"msSPP-CSVLKSkuId:: {b64(CSVLK.bytes_le)}",
        f"msSPP-KMSIds:: {b64(KMS_2025.bytes_le)}",
        f"msSPP-KMSIds:: {b64(KMS_2022.bytes_le)}",
        f"msSPP-CSVLKPid: {PID}",
        "msSPP-CSVLKPartialProductKey: 6VM33",
    ]
    lines += fold(f"msSPP-OnlineLicense:: {b64(LICENCE)}")
    lines += [
        "",
        "dn: CN=Second,CN=Activation Objects,CN=Microsoft SPP,CN=Services,CN=Configuration,DC=c",
        "changetype: add",
        "objectClass: msSPP-ActivationObject",
        "description:",
        "",
        "",
    ]
    return lines


def ldifde_text(newline: str = "\r\n") -> str:
    return newline.join(ldifde_lines())


def check_ldifde_records(records: list[LdifRecord]) -> None:
    assert [r.dn for r in records] == [
        AO_DN,
        "CN=Second,CN=Activation Objects,CN=Microsoft SPP,CN=Services,CN=Configuration,DC=c",
    ]
    ao = records[0]
    folded_dn_lines = len(fold(f"dn: {AO_DN}"))
    assert folded_dn_lines == 2
    assert ao.line == 1
    assert records[1].line == ldifde_lines().index("") + 2
    assert list(ao.attributes) == [
        "objectClass", "cn", "displayName", "msSPP-CSVLKSkuId", "msSPP-KMSIds",
        "msSPP-CSVLKPid", "msSPP-CSVLKPartialProductKey", "msSPP-OnlineLicense",
    ]
    assert ao.get("objectclass") == [b"top", b"msSPP-ActivationObject"]
    assert ao.get("DISPLAYNAME") == [DISPLAY.encode("utf-8")]
    assert ao.get("msSPP-CSVLKSkuId") == [CSVLK.bytes_le]
    assert [uuid.UUID(bytes_le=v) for v in ao.get("msspp-kmsids")] == [KMS_2025, KMS_2022]
    assert ao.first("msSPP-CSVLKPid") == PID.encode()
    assert ao.get("msSPP-OnlineLicense") == [LICENCE]
    assert ao.get("changetype") == []
    assert ao.get("missing") == [] and ao.first("missing") is None
    assert records[1].attributes == {
        "objectClass": [b"msSPP-ActivationObject"], "description": [b""]}


def test_the_fixture_really_folds_base64() -> None:
    licence_lines = fold(f"msSPP-OnlineLicense:: {b64(LICENCE)}")
    assert len(licence_lines) > 5
    assert all(line.startswith(" ") for line in licence_lines[1:])


def test_ldifde_export_crlf() -> None:
    check_ldifde_records(parse_ldif(ldifde_text("\r\n").encode("utf-8")))


def test_ldifde_export_lf() -> None:
    check_ldifde_records(parse_ldif(ldifde_text("\n").encode("utf-8")))


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
        lambda t: b"\xff\xfe" + t.encode("utf-16-le"),
        lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
        lambda t: t.encode("utf-16-le"),  # no BOM: recognised from the NUL byte
    ],
    ids=["utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le-nobom"],
)
def test_encodings(encode: Callable[[str], bytes]) -> None:
    check_ldifde_records(parse_ldif(encode(ldifde_text())))


def test_hand_folded_dn_value_and_comment() -> None:
    text = (
        "# a comment that is\n"
        " folded onto a second line: not an attribute\n"
        "dn: CN=Acti\n"
        " vation Objects,CN=Micro\n"
        " soft SPP\n"
        "description: two  spaces\n"
        "   kept\n"  # continuation: first space dropped, the next two kept
        "# comment inside a record\n"
        "msSPP-CSVLKSkuId:: 9jHj\n"
        " hHlCxEirEL\n"
        " dRORgTUQ==\n"
    )
    (record,) = parse_ldif(text.encode())
    assert record.dn == "CN=Activation Objects,CN=Microsoft SPP"
    assert record.line == 3
    assert record.get("description") == [b"two  spaces  kept"]
    assert record.get("msSPP-CSVLKSkuId") == [CSVLK.bytes_le]


LDAPSEARCH = f"""\
# extended LDIF
#
# LDAPv3
# base <{CONTAINER}> with scope subtree
# filter: (objectClass=msSPP-ActivationObject)
# requesting: cn msSPP-CSVLKPid
#

# 6c5e2f1b-0d4b-4b8e-9f1e-3a0f0c7d2b11, Activation Objects, Microsoft SPP, Servic
 es, Configuration, contoso.com
dn: {AO_DN}
cn: 6c5e2f1b-0d4b-4b8e-9f1e-3a0f0c7d2b11
msSPP-CSVLKPid: {PID}

# search result
search: 2
result: 0 Success

# numResponses: 2
# numEntries: 1
"""


def test_ldapsearch_output_with_comments_and_summary() -> None:
    (record,) = parse_ldif(LDAPSEARCH.encode())
    assert record.dn == AO_DN
    assert record.line == 11
    assert record.attributes == {
        "cn": [b"6c5e2f1b-0d4b-4b8e-9f1e-3a0f0c7d2b11"], "msSPP-CSVLKPid": [PID.encode()]}


@pytest.mark.parametrize("separator", ["\n\n", "\n"])
def test_version_line_is_ignored(separator: str) -> None:
    text = f"version: 1{separator}dn: cn=a\ncn: a\n\ndn: cn=b\ncn: b\n"
    records = parse_ldif(text.encode())
    assert [(r.dn, r.line) for r in records] == [
        ("cn=a", 2 + separator.count("\n") - 1), ("cn=b", 5 + separator.count("\n") - 1)]


def test_incomplete_ldapsearch_result_is_an_error() -> None:
    text = LDAPSEARCH.replace("result: 0 Success", "result: 4 Size limit exceeded")
    with pytest.raises(LdifError) as info:
        parse_ldif(text.encode(), "out.ldif")
    assert info.value.line == 17
    assert "Size limit exceeded" in str(info.value)


def test_empty_and_comment_only_files() -> None:
    assert parse_ldif(b"") == []
    assert parse_ldif(b"\r\n\r\n") == []
    assert parse_ldif(b"# only\n# comments\n\n") == []
    assert parse_ldif(b"\xef\xbb\xbf") == []


def test_dn_in_base64_and_record_without_attributes() -> None:
    dn = "CN=Ärger,DC=example"
    (record,) = parse_ldif(f"dn:: {b64(dn.encode())}\n".encode())
    assert record == LdifRecord(dn=dn, line=1, attributes={})


def test_repeated_attribute_lines_and_case_variants() -> None:
    (record,) = parse_ldif(b"dn: cn=x\nmember: a\nMember: b\nmember: c\n")
    assert record.attributes == {"member": [b"a", b"c"], "Member": [b"b"]}
    assert record.get("MEMBER") == [b"a", b"c", b"b"]


def error_of(data: bytes, path: str | None = "export.ldf") -> LdifError:
    with pytest.raises(LdifError) as info:
        parse_ldif(data, path)
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("dn: cn=x\nfoo:: !!!!\n", 2, "bad base64"),
        ("dn: cn=x\nfoo:: QUJD\n RE!=\n", 2, "bad base64"),  # folded: first line of the value
        ("dn: cn=x\nfoo:: QUJDR\n", 2, "bad base64"),  # missing padding
        ("dn: cn=x\na: b\nno colon here\n", 3, "line without a colon"),
        (" dn: cn=x\n", 1, "continuation line"),
        ("dn: cn=x\na: b\n\n c\n", 4, "continuation line"),
        ("cn: x\ndn: cn=x\n", 1, "before dn:"),
        ("dn: cn=a\n\nobjectClass: top\n", 3, "before dn:"),
        ("version: 1\ncn: x\n", 2, "before dn:"),
        ("dn: cn=x\nchangetype: modify\nreplace: cn\ncn: y\n-\n", 2, "changetype: modify"),
        ("dn: cn=x\nchangetype: delete\n", 2, "changetype: delete"),
        ("dn: cn=x\nchangetype: modrdn\nnewrdn: cn=y\n", 2, "not an export"),
        ("dn: cn=x\ncn: x\njpegPhoto:< file:///etc/passwd\n", 3, "file or URL"),
        ("dn:< file:///x\n", 1, "file or URL"),
        ("dn: cn=x\ncn: y\ndn: cn=y\n", 3, "second dn:"),
        ("version: 2\n\ndn: cn=x\n", 1, "unsupported LDIF version"),
        ("dn: cn=x\nbad name: y\n", 2, "invalid attribute name"),
        ("dn: cn=x\n: y\n", 2, "invalid attribute name"),
        ("dn:: /w==\n", 1, "not UTF-8"),
        ("dn: cn=x\ncn: a\x00b\n", 2, "control character"),
        ("dn: cn=x\rcn: y\n", 1, "control character"),
    ],
)
def test_errors_name_the_line(text: str, line: int, message: str) -> None:
    error = error_of(text.encode())
    assert error.line == line
    assert error.path == "export.ldf"
    assert message in error.message
    assert str(error) == f"export.ldf:{line}: {error.message}"


def test_crlf_errors_count_lines_the_same_way() -> None:
    error = error_of(b"dn: cn=x\r\na: b\r\nno colon\r\n")
    assert error.line == 3


def test_error_lines_in_utf16() -> None:
    error = error_of(b"\xff\xfe" + "dn: cn=x\r\na: b\r\nno colon\r\n".encode("utf-16-le"))
    assert error.line == 3


def test_binary_garbage_is_an_error_on_line_1() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
    error = error_of(png)
    assert error.line == 1
    assert "not a text LDIF file" in error.message


def test_undecodable_byte_reports_its_line() -> None:
    error = error_of(b"dn: cn=x\na: b\nc: \xff\n")
    assert error.line == 3


def test_odd_length_utf16_is_an_error() -> None:
    error = error_of(b"\xff\xfe" + "dn: cn=x\n".encode("utf-16-le") + b"\x41")
    assert error.line == 2


def test_error_without_path() -> None:
    error = error_of(b"garbage\n", path=None)
    assert error.path is None
    assert str(error) == f"<input>:1: {error.message}"
    assert isinstance(error, ValueError)


def test_random_bytes_only_raise_ldif_error() -> None:
    rng = random.Random(11)
    base = ldifde_text().encode()
    for _ in range(1500):
        if rng.random() < 0.5:
            data = rng.randbytes(rng.randint(0, 200))
        else:
            mutated = bytearray(base)
            for _ in range(rng.randint(1, 5)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            data = bytes(mutated)
        try:
            parse_ldif(data)
        except LdifError as error:
            assert error.line >= 1
