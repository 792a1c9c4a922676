"""Forests that are not ready for ADBA: old schema, missing container, no read access."""

from __future__ import annotations

import json

from tests.conftest import live_args, run_adba
from tests.testdc import RunningDC


def _scan(dc: RunningDC) -> tuple[int, dict]:
    run = run_adba("scan", *live_args(dc, "--format", "json"), password=dc.user_password)
    assert run.code in (0, 1, 2), run.stderr
    return run.code, json.loads(run.stdout)


def _rules(doc: dict) -> dict[str, str]:
    return {f["rule_id"]: f["severity"] for f in doc["findings"]}


def test_schema_too_old(old_schema_dc: RunningDC) -> None:
    code, doc = _scan(old_schema_dc)
    assert code == 2
    assert _rules(doc) == {"ADBA-SCHEMA-001": "high", "ADBA-SCHEMA-002": "high",
                           "ADBA-CONT-001": "high"}
    schema = next(f for f in doc["findings"] if f["rule_id"] == "ADBA-SCHEMA-001")
    assert "objectVersion 47 (Windows Server 2008 R2)" in schema["evidence"]
    assert doc["data"]["forest"]["msspp_classes"] == {"msSPP-ActivationObject": False,
                                                      "msSPP-ActivationObjectsContainer": False}
    assert doc["data"]["containers"]["spp"]["state"] == "present"


def test_container_missing(missing_dc: RunningDC) -> None:
    code, doc = _scan(missing_dc)
    assert code == 2
    assert _rules(doc) == {"ADBA-CONT-001": "high"}
    finding = doc["findings"][0]
    assert finding["subject"] == missing_dc.ao_container_dn
    assert any("CN=Microsoft SPP" in e and "does not exist either" in e
               for e in finding["evidence"])
    assert doc["data"]["containers"]["activation_objects"]["state"] == "missing"


def test_container_unreadable_by_authenticated_users(no_au_dc: RunningDC) -> None:
    code, doc = _scan(no_au_dc)
    assert code == 2
    assert _rules(doc) == {"ADBA-ACL-001": "high"}
    assert doc["data"]["objects"] == []
    evidence = doc["findings"][0]["evidence"]
    assert any("can read none of its attributes" in e for e in evidence)


def test_container_unreadable_seen_by_an_admin_names_the_missing_ace(no_au_dc: RunningDC) -> None:
    run = run_adba("scan", "--server", no_au_dc.ip, "--user", no_au_dc.admin_upn,
                   "--ca-file", str(no_au_dc.ca_file), "--format", "json",
                   password=no_au_dc.admin_password)
    assert run.code == 2, run.stderr
    doc = json.loads(run.stdout)
    assert _rules(doc) == {"ADBA-ACL-001": "high"}
    finding = doc["findings"][0]
    assert finding["evidence"][0].startswith("no ACE lets Authenticated Users")
    assert 'dsacls "' + no_au_dc.ao_container_dn + '" /G' in finding["remediation"]
    assert len(doc["data"]["objects"]) == 1
