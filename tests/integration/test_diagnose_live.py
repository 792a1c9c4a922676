"""``adba diagnose``: client reports joined with the live test DC, one diagnosis per cause."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, live_args, run_adba
from tests.integration import seeds
from tests.testdc import RunningDC

CLIENTS = REPO / "fixtures" / "clients"
AO_WS2022 = ("CN=ao-ws2022,CN=Activation Objects,CN=Microsoft SPP,CN=Services,"
             "CN=Configuration,DC=contoso,DC=test")
WS2022_PID = seeds.MAIN_OBJECTS[0].attributes["msSPP-CSVLKPid"][0]


def _collector(name: str = "collector-ws2022-adba.adba.json") -> dict[str, Any]:
    doc = json.loads((CLIENTS / name).read_text(encoding="utf-8-sig"))
    for product in doc["products"]:
        if product.get("ADActivationObjectDN"):
            product["ADActivationObjectDN"] = AO_WS2022
            product["ADActivationCsvlkPid"] = WS2022_PID
    return doc


def _write(tmp: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _diagnose(dc: RunningDC, *paths: Path | str) -> tuple[int, dict[str, Any]]:
    run = run_adba("diagnose", *map(str, paths), *live_args(dc, "--format", "json"),
                   password=dc.user_password)
    assert run.code in (0, 1, 2), run.stderr
    return run.code, json.loads(run.stdout)


def _codes(doc: dict[str, Any]) -> set[str]:
    return {f["rule_id"] for f in doc["findings"]}


def _windows(doc: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in doc["products"] if p["ApplicationID"].startswith("55c92734"))


def test_healthy_adba_client(main_dc: RunningDC, tmp_path: Path) -> None:
    code, doc = _diagnose(main_dc, _write(tmp_path, "ok.json", _collector()))
    assert code == 0
    assert _codes(doc) == {"ADBA-DIAG-001"}
    healthy = doc["findings"][0]
    assert "ao-ws2022" in healthy["evidence"][0] and "179 more day(s)" in healthy["evidence"][1]
    assert doc["data"]["reports"][0]["products"][0]["state"] == "licensed"


def test_object_deleted_and_object_replaced(main_dc: RunningDC, tmp_path: Path) -> None:
    gone = _collector()
    _windows(gone)["ADActivationObjectDN"] = AO_WS2022.replace("ao-ws2022", "ao-deleted")
    replaced = _collector()
    _windows(replaced)["ADActivationCsvlkPid"] = "03612-04573-000-099999-03-1033-20348.0000-0012025"
    code, doc = _diagnose(main_dc, _write(tmp_path, "gone.json", gone),
                          _write(tmp_path, "replaced.json", replaced))
    assert code == 2
    diag = [f for f in doc["findings"] if f["rule_id"] == "ADBA-DIAG-002"]
    assert len(diag) == 2
    assert any("is not in the forest" in e for f in diag for e in f["evidence"])
    assert any(f["title"].endswith("was replaced") for f in diag)
    assert any("until about" in e for f in diag for e in f["evidence"])


def test_no_object_enables_the_product(main_dc: RunningDC, tmp_path: Path) -> None:
    doc = _collector()
    product = _windows(doc)
    product.update({"ID": "7dc26449-db21-4e09-ba37-28f2958506a6",  # WS2025 Standard (GVLK)
                    "Name": "Windows(R), ServerStandard edition", "LicenseStatus": 2,
                    "LicenseStatusReason": 1074065420, "VLActivationType": None,
                    "ADActivationObjectDN": None, "ADActivationCsvlkSkuId": None,
                    "ADActivationObjectName": None, "ADActivationCsvlkPid": None,
                    "GracePeriodRemaining": 43200})
    code, result = _diagnose(main_dc, _write(tmp_path, "ws2025.json", doc))
    assert code == 2
    finding = next(f for f in result["findings"] if f["rule_id"] == "ADBA-DIAG-003")
    assert "907f1f65-adcd-4a2e-95bc-4bf500bc6e58 (Windows Server 2025)" in finding["evidence"][0]
    assert "Windows Server 2025" in finding["evidence"][1]  # the CSVLK to add


def test_act_type_retail_old_os_foreign_domain(main_dc: RunningDC, tmp_path: Path) -> None:
    foreign = _collector()
    foreign["domain"] = "fabrikam.com"
    foreign["forest"] = "fabrikam.com"
    foreign["computer"] = "FAB-01"
    paths = [CLIENTS / "collector-win10-kms-only.adba.json",
             CLIENTS / "collector-retail-server.adba.json",
             CLIENTS / "slmgr-dlv-win7-kms.txt",
             _write(tmp_path, "foreign.json", foreign)]
    code, doc = _diagnose(main_dc, *paths)
    assert code == 2
    by_report = {r["source"]: {c for p in r["products"] for c in p["diagnoses"]}
                 for r in doc["data"]["reports"]}
    assert "ADBA-DIAG-004" in by_report[str(paths[0])]
    assert "ADBA-DIAG-005" in by_report[str(paths[1])]
    assert by_report[str(paths[2])] == {"ADBA-DIAG-006", "ADBA-DIAG-014"}  # Windows 7, via KMS
    assert by_report[str(paths[3])] == {"ADBA-DIAG-007"}


def test_licensed_by_kms_although_an_object_covers_it(main_dc: RunningDC, tmp_path: Path) -> None:
    doc = _collector("collector-win10-kms-only.adba.json")
    for product in doc["products"]:
        product["VLActivationTypeEnabled"] = 0  # allowed to use AD, but last activated by KMS
    code, result = _diagnose(main_dc, _write(tmp_path, "kms.json", doc))
    assert code == 0  # info only
    finding = next(f for f in result["findings"] if f["rule_id"] == "ADBA-DIAG-014")
    assert finding["evidence"][0].startswith("last activation: KMS")
    assert finding["title"].endswith("AD would take over")
    assert finding["severity"] == "info"


def test_grace_expiring(main_dc: RunningDC, tmp_path: Path) -> None:
    doc = _collector()
    _windows(doc)["GracePeriodRemaining"] = 10 * 1440
    code, result = _diagnose(main_dc, _write(tmp_path, "soon.json", doc))
    assert code == 1
    assert _codes(result) == {"ADBA-DIAG-001", "ADBA-DIAG-008"}


def test_client_sees_no_objects_and_kms_fallback(main_dc: RunningDC) -> None:
    code, doc = _diagnose(main_dc, CLIENTS / "slmgr-ao-list-none.txt",
                          CLIENTS / "slmgr-ato-c004f074.txt")
    assert code == 2
    codes = _codes(doc)
    assert "ADBA-DIAG-009" in codes and "ADBA-DIAG-010" in codes
    kms = next(f for f in doc["findings"] if f["rule_id"] == "ADBA-DIAG-010")
    assert any(e.startswith("0xC004F074") for e in kms["evidence"])


def test_unreadable_reports_are_listed_and_the_rest_processed(main_dc: RunningDC,
                                                              tmp_path: Path) -> None:
    truncated = tmp_path / "cut.json"
    truncated.write_text(json.dumps(_collector())[:200])
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:  # 50 MB of text
        handle.write((b"Name: Windows(R), ServerStandard edition\r\n" * 1_250_000)[:50_000_000])
    code, doc = _diagnose(main_dc, CLIENTS / "garbage.bin", CLIENTS / "empty.txt", truncated,
                          huge, CLIENTS / "mixed-classes.json",
                          _write(tmp_path, "ok.json", _collector()))
    assert code == 2  # mixed-classes.json holds a product in notification (high)
    summary = doc["data"]["summary"]
    assert (summary["reports_read"], summary["reports_unreadable"]) == (2, 4)
    reasons = {Path(u["source"]).name: u["reason"] for u in doc["data"]["unreadable"]}
    assert set(reasons) == {"garbage.bin", "empty.txt", "cut.json", "huge.txt"}
    assert "too large" in reasons["huge.txt"]
    assert "does not parse" in reasons["cut.json"]
    assert "ADBA-DIAG-001" in _codes(doc) and "ADBA-DIAG-013" in _codes(doc)


def test_directory_and_stdin_inputs(main_dc: RunningDC, tmp_path: Path) -> None:
    folder = tmp_path / "fleet"
    folder.mkdir()
    _write(folder, "a.json", _collector())
    text = (CLIENTS / "slmgr-dlv-ws2022-adba.txt").read_text(encoding="utf-8")
    run = run_adba("diagnose", str(folder), "-", *live_args(main_dc, "--format", "json"),
                   password=main_dc.user_password, stdin=text)
    assert run.code in (0, 1, 2), run.stderr
    doc = json.loads(run.stdout)
    assert [Path(r["source"]).name for r in doc["data"]["reports"]] == ["a.json", "<stdin>"]


@pytest.mark.parametrize("fixture", ["slmgr-dlv-ws2022-adba.txt",
                                     "slmgr-dlv-ws2022-adba-wrapped80.txt",
                                     "slmgr-dlv-ws2022-adba-utf16le.txt"])
def test_slmgr_text_variants_diagnose_alike(main_dc: RunningDC, fixture: str) -> None:
    code, doc = _diagnose(main_dc, CLIENTS / fixture)
    products = doc["data"]["reports"][0]["products"]
    assert products and products[0]["channel"]
    assert code in (0, 1, 2)
    assert doc["findings"]


def test_text_fleet_view(main_dc: RunningDC, tmp_path: Path) -> None:
    run = run_adba("diagnose", str(_write(tmp_path, "ok.json", _collector())),
                   str(CLIENTS / "collector-retail-server.adba.json"), *live_args(main_dc),
                   password=main_dc.user_password)
    assert run.code == 2, run.stderr
    assert "Clients" in run.stdout and "By diagnosis" in run.stdout
    assert "ADBA-DIAG-005" in run.stdout and "2 report(s) read, 0 unreadable" in run.stdout
