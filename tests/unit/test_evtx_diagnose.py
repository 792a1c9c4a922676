"""A real Application log through the whole `adba diagnose` process: one report per computer
name, the KMS host, count and intervals from 12288/12289, the SKU state from 8230."""

from __future__ import annotations

import json

from tests.conftest import REPO, run_adba

LOGS = REPO / "fixtures" / "real" / "evtx"


def test_kms_client_log_of_a_renamed_machine() -> None:
    run = run_adba("diagnose", str(LOGS / "ws2022-aws-kms-dc-renamed-application.evtx"), "--demo",
                   "--format", "json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    reports = doc["data"]["reports"]
    machines = [r["machine"] for r in reports]
    assert machines == ["EC2AMAZ-GQ0HEKD", "EC2AMAZ-U1F32CD", "EC2AMAZ-U1F32CD.aperture.sci",
                        "WinActDirContr.aperture.sci", "WinADController.aperture.sci"]
    latest = reports[-1]
    product, = latest["products"]
    assert product["name"] == "Windows Server 2022 Datacenter (name from the catalog)"
    assert product["kind"] == "kms-client" and product["diagnoses"] == ["ADBA-DIAG-014"]
    client = product["kms_client"]
    # 12288 names the host it asked; whether that came from DNS or /skms is not logged.
    assert (client["host"], client["port"], client["found_by"]) == ("169.254.169.251", 1688, None)
    assert client["renewal_interval_minutes"] == 10080
    finding = next(f for f in doc["findings"] if f["subject"].startswith("WinADController"))
    assert "169.254.169.251" in finding["title"] and "found by DNS" not in finding["title"]


def test_retail_machine_in_notification_from_8230() -> None:
    run = run_adba("diagnose", str(LOGS / "win11-21h2-8198-dirty-application.evtx"), "--demo",
                   "--format", "json")
    doc = json.loads(run.stdout)
    product, = doc["data"]["reports"][0]["products"]
    assert product["kind"] == "retail" and product["partial_product_key"] == "8HVX7"
    assert product["state"] == "notification"
    assert run.code == 2 and "ADBA-DIAG-005" in product["diagnoses"]
    fix = next(f["remediation"] for f in doc["findings"] if f["rule_id"] == "ADBA-DIAG-005")
    assert "slmgr /ipk <GVLK>" in fix and "volume licence covers this edition" in fix
