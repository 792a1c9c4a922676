"""``adba coverage`` and ``adba scan --coverage`` against the seeded computers of the test DC."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import live_args, run_adba
from tests.integration import seeds
from tests.testdc import RunningDC

KMS_WS2025 = "907f1f65-adcd-4a2e-95bc-4bf500bc6e58"


def _families(doc: dict) -> dict[str, dict]:
    return {f["family"]: f for f in doc["data"]["coverage"]["families"]}


def test_coverage_counts_families_and_flags_exactly_the_uncovered(main_dc: RunningDC) -> None:
    run = run_adba("coverage", *live_args(main_dc, "--format", "json"),
                   password=main_dc.user_password)
    assert run.code == 1, run.stderr  # worst coverage finding: medium
    doc = json.loads(run.stdout)
    cov = doc["data"]["coverage"]
    seeded = len(seeds.COMPUTERS)
    assert cov["total_computers"] == seeded + 1  # + the DC's own account
    fam = _families(doc)
    assert (fam["Windows Server 2022"]["active"], fam["Windows Server 2022"]["covered"]) == (3, True)
    assert "Contoso WS2022 CSVLK" in fam["Windows Server 2022"]["covered_by"]
    assert (fam["Windows 10"]["active"], fam["Windows 11"]["active"]) == (2, 2)
    assert (fam["Windows Server 2025"]["active"], fam["Windows Server 2025"]["covered"]) == (2, False)
    assert sorted(fam["Windows Server 2025"]["uncovered_machines"]) == [
        "srv25-01.contoso.test", "srv25-02.contoso.test"]
    assert fam["Windows Server 2016"]["stale"] == 1 and fam["Windows Server 2016"]["active"] == 0
    assert fam["Windows 7"]["adba_capable"] is False
    assert cov["disabled"] == 1 and cov["unknown_os"] == 2
    assert cov["ignored_objects"] == ["KMS AO"]  # the forged object covers nothing

    by_rule: dict[str, list[dict]] = {}
    for f in doc["findings"]:
        by_rule.setdefault(f["rule_id"], []).append(f)
    assert set(by_rule) == {"ADBA-COV-001", "ADBA-COV-002", "ADBA-COV-003"}
    uncovered = by_rule["ADBA-COV-001"]
    assert len(uncovered) == 1 and "Windows Server 2025" in uncovered[0]["title"]
    assert KMS_WS2025 in uncovered[0]["evidence"][0]
    assert "Windows Server 2025" in uncovered[0]["remediation"]  # names the CSVLK to add
    assert "Windows 7" in by_rule["ADBA-COV-002"][0]["title"]


def test_stale_days_zero_counts_the_old_server(main_dc: RunningDC) -> None:
    run = run_adba("coverage", *live_args(main_dc, "--format", "json", "--stale-days", "0"),
                   password=main_dc.user_password)
    fam = _families(json.loads(run.stdout))
    assert fam["Windows Server 2016"]["active"] == 1


def test_max_listed_caps_the_machine_list(main_dc: RunningDC) -> None:
    run = run_adba("coverage", *live_args(main_dc, "--format", "json", "--max-listed", "1"),
                   password=main_dc.user_password)
    ws25 = _families(json.loads(run.stdout))["Windows Server 2025"]
    assert len(ws25["uncovered_machines"]) == 1 and ws25["uncovered_not_listed"] == 1


def test_scan_names_products_and_adds_the_matrix(main_dc: RunningDC) -> None:
    run = run_adba("scan", *live_args(main_dc, "--coverage"), password=main_dc.user_password)
    assert run.code == 2, run.stderr
    out = run.stdout
    assert "Windows Server 2022" in out and "Office LTSC 2021" in out
    assert "Coverage: 15 computer account(s)" in out
    assert "NOT COVERED" in out
    assert "ADBA-COV-001" in out


def test_scan_json_names_every_csvlk_and_kms_id(main_dc: RunningDC) -> None:
    run = run_adba("scan", *live_args(main_dc, "--format", "json"), password=main_dc.user_password)
    objects = {o["cn"]: o for o in json.loads(run.stdout)["data"]["objects"]}
    assert objects["ao-ws2022"]["csvlk"]["name"] == "Windows Server 2022"
    assert [e["name"] for e in objects["ao-ws2022"]["enables"]] == [
        "Windows Server 2022", "Windows Server 2019", "Windows 10/11 2015 (Volume)"]
    assert objects["ao-forged"]["csvlk"] == {"known": False, "name": None}


def test_coverage_from_a_snapshot_with_computers(main_dc: RunningDC, tmp_path: Path) -> None:
    snap = tmp_path / "forest.json"
    made = run_adba("snapshot", *live_args(main_dc, "--computers"), "-o", str(snap),
                    password=main_dc.user_password)
    assert made.code == 0, made.stderr
    assert "15 computer(s)" in made.stderr
    live = run_adba("coverage", *live_args(main_dc, "--format", "json"),
                    password=main_dc.user_password)
    offline = run_adba("coverage", "--snapshot", str(snap), "--format", "json")
    assert offline.code == live.code == 1
    a, b = json.loads(live.stdout), json.loads(offline.stdout)
    assert a["findings"] == b["findings"]
    assert a["data"]["coverage"] == b["data"]["coverage"]


def test_coverage_needs_computers_in_the_snapshot(main_dc: RunningDC, tmp_path: Path) -> None:
    snap = tmp_path / "forest.json"
    run_adba("snapshot", *live_args(main_dc), "-o", str(snap), password=main_dc.user_password)
    run = run_adba("coverage", "--snapshot", str(snap))
    assert run.code == 3
    assert "holds no computer accounts" in run.stderr and "--computers" in run.stderr
