"""Hostile licence XML: entity bombs, external entities, deep nesting, huge payloads. Each ends
in one line (a refusal or a finding), in bounded time and memory, never a traceback."""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path

import pytest

from adba.adapters.xrml import read_licence_blob
from tests.support import xrml_signer as xs
from tests.support.child import run_measured

MB = 1024 * 1024
PEAK_LIMIT = 120 * MB
"""adba itself starts at about 60 MB; a tree of 2 million nested elements would be several hundred."""

LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;")
                                              * 10) for i in range(1, 10))
          + b']><r:license xmlns:r="urn:mpeg:mpeg21:2003:01-REL-R-NS">&lol9;</r:license>')
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<r:license xmlns:r="urn:mpeg:mpeg21:2003:01-REL-R-NS">&x;</r:license>')
UNDECLARED = b'<r:license xmlns:r="urn:mpeg:mpeg21:2003:01-REL-R-NS">&x;</r:license>'
NESTED = b"<a>" * (2 * MB)  # 6 MB of nesting
WIDE = b"<r:licenseGroup xmlns:r='urn:mpeg:mpeg21:2003:01-REL-R-NS'>" + b"<x/>" * 300_000


@pytest.mark.parametrize(("data", "reason"), [
    (LAUGHS, "a document type declaration (DTD) is not allowed in a licence"),
    (EXTERNAL, "a document type declaration (DTD) is not allowed in a licence"),
    (UNDECLARED, "not well-formed XML: undefined entity"),
    (NESTED, "elements nested more than 128 levels deep"),
    (WIDE, "more than 200,000 elements"),
    (b"\xff\xfe<\x00", "not well-formed XML"),
    (b"\x80\x81", "not UTF-8 text"),
])
def test_hostile_xml_is_refused_in_one_line(data: bytes, reason: str) -> None:
    doc = read_licence_blob(data)
    assert doc.error is not None and doc.error.startswith(reason), doc.error
    assert "\n" not in doc.error and not doc.licences


def _config_with_payload(payload: str) -> bytes:
    body = xs.licence_body(title="bomb", info={"licenseType": "msft:sl/PKEYCONFIG/SIGNED",
                                               "pkeyConfigData": payload})
    return xs.group(xs.sign(body, xs.test_key("leaf")))


def test_a_compression_bomb_in_the_configuration_is_refused_and_the_signature_still_checked(
        ) -> None:
    bomb = base64.b64encode(zlib.compress(b"\x00" * (200 * MB), 9)).decode()
    lic = read_licence_blob(_config_with_payload(bomb)).licences[0]
    assert lic.key_config is not None and lic.key_config.compressed
    assert lic.key_config.error is not None and "more than 32 MB" in lic.key_config.error
    assert lic.signature.verdict.value == "verified"


def test_a_configuration_with_a_dtd_or_bad_base64_is_an_error_of_its_own() -> None:
    payload = base64.b64encode(LAUGHS.replace(b"r:license", b"ProductKeyConfiguration")).decode()
    lic = read_licence_blob(_config_with_payload(payload)).licences[0]
    assert lic.key_config is not None and "DTD or entity" in (lic.key_config.error or "")
    lic = read_licence_blob(_config_with_payload("not*base64")).licences[0]
    assert lic.key_config is not None and lic.key_config.error == "pkeyConfigData is not base64"


@pytest.mark.parametrize("name", ["laughs", "external", "nested", "huge-base64"])
def test_licence_command_on_hostile_files_is_bounded(name: str, tmp_path: Path) -> None:
    data = {"laughs": LAUGHS, "external": EXTERNAL, "nested": NESTED,
            "huge-base64": _config_with_payload("A" * (7 * MB))}[name]
    path = tmp_path / f"{name}.xrm-ms"
    path.write_bytes(data)
    run, peak = run_measured("licence", str(path), "--format", "json", timeout=60)
    assert run.code in (0, 1, 2), run.stderr
    assert run.stderr == ""
    assert peak < PEAK_LIMIT, f"{peak / MB:.0f} MB"
    doc = json.loads(run.stdout)
    if name == "huge-base64":  # 7 MB of base64 is read, decoded to no configuration at all
        lic = doc["data"]["licences"][0]
        assert lic["signature"]["verdict"] == "verified"
        assert lic["key_config"]["error"] is not None
    else:
        assert doc["data"]["error"] and [f["rule_id"] for f in doc["findings"]] == ["ADBA-LIC-002"]


def test_a_licence_file_above_the_cap_is_one_line_exit_3(tmp_path: Path) -> None:
    path = tmp_path / "big.xrm-ms"
    path.write_bytes(b" " * (9 * MB))
    run, peak = run_measured("licence", str(path))
    assert run.code == 3
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "too large for a licence" in lines[0]
    assert peak < PEAK_LIMIT


def test_hostile_licence_blobs_on_an_object_are_findings(tmp_path: Path) -> None:
    ldif = tmp_path / "export.ldf"
    ldif.write_text(xs.licence_ldif([("ao-laughs", {"msSPP-ConfigLicense": LAUGHS,
                                                    "msSPP-OnlineLicense": NESTED})]),
                    encoding="utf-8")
    run, peak = run_measured("scan", "--ldif", str(ldif), "--format", "json")
    assert run.code in (1, 2), run.stderr
    assert peak < PEAK_LIMIT
    doc = json.loads(run.stdout)
    unreadable = [f for f in doc["findings"] if f["rule_id"] == "ADBA-LIC-002"]
    assert sorted(e for f in unreadable for e in f["evidence"]) == [
        "msSPP-ConfigLicense: a document type declaration (DTD) is not allowed in a licence",
        "msSPP-OnlineLicense: elements nested more than 128 levels deep"]
