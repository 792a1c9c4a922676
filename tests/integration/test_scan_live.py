"""``adba scan`` against the real test DC, as the plain user over validated LDAPS."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict

from tests.conftest import live_args, run_adba
from tests.integration import seeds
from tests.testdc import RunningDC


def _findings_by_cn(doc: dict) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for f in doc["findings"]:
        cn = f["subject"].split(",", 1)[0].removeprefix("CN=")
        found[cn].add(f["rule_id"])
    return found


def test_json_scan_decodes_every_seeded_object_and_raises_exactly_the_planted_findings(
        main_dc: RunningDC) -> None:
    run = run_adba("scan", *live_args(main_dc, "--format", "json"), password=main_dc.user_password)
    assert run.code == 2, run.stderr
    doc = json.loads(run.stdout)
    assert doc["schema_version"] == "1.0"
    assert doc["status"] == "critical"
    assert doc["errors"] == []
    data = doc["data"]
    assert data["source"]["kind"] == "live"
    assert data["source"]["certificate"].startswith("validated")
    assert data["forest"]["schema_object_version"] == 69
    assert data["forest"]["schema_release"] == "Windows Server 2012 R2"
    assert data["forest"]["msspp_classes"] == {"msSPP-ActivationObject": True,
                                               "msSPP-ActivationObjectsContainer": True}
    assert data["containers"]["activation_objects"]["state"] == "present"
    assert data["containers"]["activation_objects"]["object_classes"][-1] == \
        "msSPP-ActivationObjectsContainer"

    objects = {o["cn"]: o for o in data["objects"]}
    assert set(objects) == {s.cn for s in seeds.MAIN_OBJECTS}
    for seed in seeds.MAIN_OBJECTS:
        obj = objects[seed.cn]
        written_sku = seed.attributes["msSPP-CSVLKSkuId"][0]
        assert isinstance(written_sku, bytes)
        assert obj["csvlk_sku_id"] == str(uuid.UUID(bytes_le=written_sku))
        assert obj["kms_ids"] == [str(uuid.UUID(bytes_le=bytes(k)))
                                  for k in seed.attributes["msSPP-KMSIds"]] or \
            sorted(obj["kms_ids"]) == sorted(str(uuid.UUID(bytes_le=bytes(k)))
                                             for k in seed.attributes["msSPP-KMSIds"])
        assert obj["csvlk_pid"] == seed.attributes["msSPP-CSVLKPid"][0]
        assert obj["partial_product_key"] == seed.attributes["msSPP-CSVLKPartialProductKey"][0]
        assert obj["display_name"] == seed.attributes["displayName"][0]
        assert obj["when_created"] is not None and obj["object_guid"]
        for name in ("msSPP-OnlineLicense", "msSPP-PhoneLicense"):
            if name in seed.attributes:
                blob = seed.attributes[name][0]
                assert isinstance(blob, bytes)
                assert obj["licences"][name]["size"] == len(blob)

    ws = objects["ao-ws2022"]["extended_pid"]
    assert (ws["platform_id"], ws["group_id"], ws["channel"], ws["lcid"], ws["build"]) == \
        (3612, 4573, 3, 1033, 20348)
    assert ws["activation_date"] == "2024-05-29"
    phone = objects["ao-office2021-phone"]
    assert phone["installation_id"]["check_digits_ok"] is True
    assert phone["confirmation_id"]["check_digits_ok"] is True
    assert "value" not in phone["confirmation_id"]  # a CID is not printed

    by_cn = _findings_by_cn(doc)
    for cn, expected in seeds.EXPECTED_OBJECT_FINDINGS.items():
        assert by_cn.get(cn, set()) == expected, cn
    assert by_cn["Activation Objects"] == seeds.MAIN_CONTAINER_FINDINGS
    assert set(by_cn) <= set(seeds.EXPECTED_OBJECT_FINDINGS) | {"Activation Objects"}

    acl = next(f for f in doc["findings"] if f["rule_id"] == "ADBA-ACL-002")
    assert acl["severity"] == "critical"
    assert "Domain Users" in acl["title"] and main_dc.domain_sid + "-513" in acl["title"]
    dup = next(f for f in doc["findings"] if f["rule_id"] == "ADBA-DUP-001"
               and f["subject"].startswith("CN=ao-ws2022-again,"))
    assert any("redundant: CN=ao-ws2022," in e for e in dup["evidence"])
    assert 'slmgr /del-ao "CN=ao-ws2022,' in dup["remediation"]


def test_text_report_shows_forest_objects_and_findings(main_dc: RunningDC) -> None:
    run = run_adba("scan", *live_args(main_dc), password=main_dc.user_password)
    assert run.code == 2, run.stderr
    out = run.stdout
    assert "certificate validated against" in out
    assert "Windows Server 2012 R2" in out
    assert "Contoso WS2022 CSVLK" in out
    assert "661f7658-7035-4b4c-9f35-010682943ec2" in out
    assert "CRITICAL" in out and "ADBA-FORGE-001" in out
    assert f"{len(seeds.MAIN_OBJECTS)} activation object(s)" in out and "exit code 2" in out
    assert main_dc.user_password not in out + run.stderr


def test_starttls_and_down_level_user_give_the_same_findings(main_dc: RunningDC) -> None:
    ldaps = run_adba("scan", *live_args(main_dc, "--format", "json"), password=main_dc.user_password)
    starttls = run_adba("scan", "--server", main_dc.ip, "--starttls", "--user",
                        main_dc.user_down_level, "--ca-file", str(main_dc.ca_file),
                        "--format", "json", password=main_dc.user_password)
    assert starttls.code == ldaps.code == 2, starttls.stderr
    a, b = json.loads(ldaps.stdout), json.loads(starttls.stdout)
    assert b["data"]["source"]["transport"] == "StartTLS"
    assert a["findings"] == b["findings"]


def test_scan_leaves_highest_committed_usn_unchanged(main_dc: RunningDC) -> None:
    def usn() -> int:
        conn = main_dc.admin_connection()
        conn.search("", "(objectClass=*)", search_scope="BASE",
                    attributes=["highestCommittedUSN"])
        value = int(conn.entries[0]["highestCommittedUSN"].value)
        conn.unbind()
        return value

    before = usn()
    run = run_adba("scan", *live_args(main_dc, "--format", "json"), password=main_dc.user_password)
    assert run.code == 2
    assert json.loads(run.stdout)["data"]["forest"]["highest_committed_usn"] == before
    assert usn() == before
