"""Licence blobs read from the real test DC by ``adba scan`` as the plain user over validated
LDAPS: test-signed licences (good and tampered) and the object that carries the public
forgery's licence files (seeded only where ../shared/testdata/xrml exists)."""

from __future__ import annotations

import json

from tests.conftest import live_args, run_adba, shared_testdata
from tests.integration import seeds
from tests.support import xrml_signer
from tests.testdc import RunningDC

PHONE_SIGNER = "631f512d89639f7a925a403b002954c8399a443e12bd45c21b825f2ab7b6f96e"
PKEYCONFIG_SIGNER = "4e3eb9c90054f024378f10596abc67d30e756222b7cc4e3afb48a7d9e852dc04"


def _scan(dc: RunningDC) -> dict:
    run = run_adba("scan", *live_args(dc, "--format", "json"), password=dc.user_password)
    assert run.code == 2, run.stderr
    return json.loads(run.stdout)


def test_object_genuine_on_its_face_with_the_forgerys_licences_is_high(main_dc: RunningDC) -> None:
    shared_testdata("xrml", "phone.xrm-ms")  # the seed exists only where the files do
    shared_testdata("xrml", "pkeyconfig.xrm-ms")
    doc = _scan(main_dc)
    cn = seeds.COPIED_LICENCES_CN
    mine = [f for f in doc["findings"] if f["subject"].startswith(f"CN={cn},")]
    # Nothing on its face (SKU, PID, key block, IID/CID, KMS ids): only the licences speak.
    assert {f["rule_id"] for f in mine} == {"ADBA-LIC-003", "ADBA-LIC-004", "ADBA-LIC-006"}
    assert {f["severity"] for f in mine} == {"high"}
    other_sku = next(f for f in mine if f["rule_id"] == "ADBA-LIC-003")
    assert any("df96023b-dcd9-4be2-afa0-c6c871159ebe" in e and "ServerRdsh" in e
               and "RETAIL" in e for e in other_sku["evidence"])
    assert any(seeds.OFFICE2024_CSVLK in e and "Office LTSC 2024" in e
               for e in other_sku["evidence"])
    obj = next(o for o in doc["data"]["objects"] if o["cn"] == cn)
    phone = obj["licences"]["msSPP-PhoneLicense"]["licences"]
    config = obj["licences"]["msSPP-ConfigLicense"]["licences"]
    # The copied files are genuinely signed: a signature check alone would not catch them.
    assert {lic["signature"]["signer"] for lic in phone} == {PHONE_SIGNER}
    assert {lic["signature"]["verdict"] for lic in phone + config} == {"verified"}
    assert config[0]["signature"]["signer"] == PKEYCONFIG_SIGNER
    assert obj["licence_summary"]["csvlk_config"]["found"] is False

    text = run_adba("scan", *live_args(main_dc), password=main_dc.user_password).stdout
    assert f"integrity verified under key {PHONE_SIGNER}" in text
    assert "no Volume:CSVLK entry for this SKU" in text


def test_test_signed_licences_verify_with_their_chain_and_tampering_is_caught(
        main_dc: RunningDC) -> None:
    doc = _scan(main_dc)
    objects = {o["cn"]: o for o in doc["data"]["objects"]}
    leaf = xrml_signer.fingerprint(xrml_signer.test_key("leaf"))
    root = xrml_signer.fingerprint(xrml_signer.test_key("root"))
    ws = objects["ao-ws2022"]
    online = ws["licences"]["msSPP-OnlineLicense"]["licences"][0]
    assert online["signature"]["verdict"] == "verified" and online["signature"]["signer"] == leaf
    assert online["certified_by"]["attribute"] == "msSPP-IssuanceLicense"
    assert online["sku_id"] == seeds.WS2022_CSVLK
    issuance = ws["licences"]["msSPP-IssuanceLicense"]["licences"][0]
    assert issuance["signature"]["signer"] == root and issuance["certifies"] == [leaf]
    summary = ws["licence_summary"]["csvlk_config"]
    assert summary["found"] and summary["group_matches"] and summary["serial_in_range"]
    assert summary["entries"][0]["ref_group_id"] == 4573

    tampered = [f for f in doc["findings"] if f["subject"].startswith("CN=ao-mixed,")
                and f["rule_id"].startswith("ADBA-LIC")]
    assert [f["rule_id"] for f in tampered] == ["ADBA-LIC-001"]
    assert tampered[0]["severity"] == "high"
    assert any("failed at the digest step" in e for e in tampered[0]["evidence"])
    bad = objects["ao-mixed"]["licences"]["msSPP-OnlineLicense"]["licences"][0]
    assert (bad["signature"]["verdict"], bad["signature"]["step"]) == ("failed", "digest")
    wrong = next(f for f in doc["findings"] if f["rule_id"] == "ADBA-LIC-005")
    assert wrong["subject"].startswith("CN=ao-wrong-group,")
