"""``adba catalog``: search, explain, JSON output and --product-db, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_adba

WS2025_CSVLK = "84e331f6-4279-48c4-ab10-b75139181351"
WS2025_KMS = "907f1f65-adcd-4a2e-95bc-4bf500bc6e58"
WINDOWS = "55c92734-d682-4d71-983e-d6ec3f16059f"


def test_search_by_name() -> None:
    run = run_adba("catalog", "server 2025")
    assert run.code == 0, run.stderr
    assert WS2025_CSVLK in run.stdout and WS2025_KMS in run.stdout
    assert "Windows Server 2025 Datacenter" in run.stdout  # a client SKU
    assert "22 KMS IDs (Microsoft's list)" in run.stdout
    assert "Office" not in run.stdout
    assert run.stderr == ""


def test_search_by_braced_upper_case_guid() -> None:
    run = run_adba("catalog", "{A8973CB5-BF03-0A4C-9CEF-703099645AB3}")
    assert run.code == 0, run.stderr
    assert "a8973cb5-bf03-0a4c-9cef-703099645ab3" in run.stdout
    assert "Office LTSC 2024" in run.stdout
    assert "1 entry" in run.stdout


def test_list_everything_and_no_match() -> None:
    run = run_adba("catalog")
    assert run.code == 0, run.stderr
    assert "348 entries" in run.stdout  # 45 CSVLKs + 38 KMS IDs + 262 SKUs + 3 applications
    run = run_adba("catalog", "no such product anywhere")
    assert run.code == 1
    assert "no catalog entry matches" in run.stdout  # the result, on stdout; exit 1


def test_explain_a_csvlk_names_its_kms_ids() -> None:
    run = run_adba("catalog", "explain", WS2025_CSVLK.upper())
    assert run.code == 0, run.stderr
    out = run.stdout
    assert "CSVLK (msSPP-CSVLKSkuId) Windows Server 2025" in out
    assert "key group: 4919" in out
    assert "Microsoft's own KmsCountedIdList (complete)" in out
    assert f"{WS2025_KMS}  Windows Server 2025" in out
    assert "b74263e4-0f92-46c6-bcf8-c11d5efe2959  Windows Server 2022" in out
    assert "sources: kmsrsos, pykms" in out
    assert "4b83307d" not in out  # the synthetic py-kms id is not on Microsoft's list


def test_explain_a_kms_id_and_a_sku() -> None:
    run = run_adba("catalog", "explain", WS2025_KMS)
    assert run.code == 0, run.stderr
    assert "CSVLKs that count it (3)" in run.stdout
    assert "Windows Server 2025 (Microsoft Internal Lab)" in run.stdout
    assert "c052f164-cdf6-409a-a0cb-853ba0f0f55a  Windows Server 2025 Datacenter" in run.stdout
    run = run_adba("catalog", "explain", "32d2fab3e4a842c2923b4bf4fd13e6ee")
    assert run.code == 0, run.stderr
    assert "GVLK: M7XTQ-FN8P6-TTKYV-9D4CC-J462D" in run.stdout
    assert "also, depending on the build: e85ee727-69c4-4528-99d2-216b0f065e38" in run.stdout


def test_explain_unknown_and_malformed() -> None:
    run = run_adba("catalog", "explain", "{12345678-1234-1234-1234-123456789ABC}")
    assert run.code == 1
    assert "unknown to the catalog" in run.stdout
    assert "{12345678-1234-1234-1234-123456789ABC}" in run.stdout
    run = run_adba("catalog", "explain", "12345678-1234")
    assert run.code == 3
    assert run.stderr.startswith("adba: error: not a GUID: '12345678-1234'")
    assert len(run.stderr.strip().splitlines()) == 1


def test_json_output() -> None:
    run = run_adba("catalog", "--format", "json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["command"] == "catalog" and doc["status"] == "ok" and doc["exit_code"] == 0
    catalog = doc["data"]["catalog"]
    assert catalog["format"] == "adba-catalog" and len(catalog["client_skus"]) == 262
    run = run_adba("catalog", "explain", WS2025_CSVLK, env={"ADBA_FORMAT": "json"})
    doc = json.loads(run.stdout)
    assert run.code == doc["exit_code"] == 0
    (match,) = doc["data"]["matches"]
    assert match["kind"] == "csvlk" and match["row"]["group_id"] == 4919
    assert {"id": WS2025_KMS, "name": "Windows Server 2025"} in match["relations"]["kms_ids"]
    assert [s["id"] for s in match["sources"]] == ["kmsrsos", "pykms"]
    run = run_adba("catalog", "explain", "00000000-0000-0000-0000-000000000001", "-f", "json")
    doc = json.loads(run.stdout)
    assert run.code == doc["exit_code"] == 1 and doc["data"]["known"] is False
    run = run_adba("catalog", "explain", "xyz", "-f", "json")
    assert run.code == 3 and json.loads(run.stdout)["status"] == "error"


def test_a_malformed_user_file_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "products.json"
    bad.write_text('{\n  "format": "adba-catalog",\n  "format_version": 1\n  "kms_ids": []\n}\n')
    run = run_adba("catalog", "--product-db", str(bad))
    assert run.code == 3
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"adba: error: {bad}:4: not valid JSON")
    # the same through the environment variable, and a structure error names the JSON path
    bad.write_text(json.dumps({"format": "adba-catalog", "format_version": 1,
                               "kms_ids": [{"id": WS2025_KMS, "retail": "yes"}]}))
    run = run_adba("catalog", "explain", WS2025_KMS, env={"ADBA_PRODUCT_DB": str(bad)})
    assert run.code == 3
    assert run.stderr.startswith(f"adba: error: {bad}: kms_ids[0].retail: expected true or false")


def test_product_db_adds_a_product_and_corrects_a_name(tmp_path: Path) -> None:
    user = tmp_path / "contoso.json"
    user.write_text(json.dumps({
        "format": "adba-catalog", "format_version": 1,
        "kms_ids": [
            {"id": "{8449B1FB-F0EA-497A-99AB-66CA96E9A0F5}", "name": "Server 2019 (Contoso name)"},
            {"id": "12345678-1234-1234-1234-123456789abc", "name": "Contoso Appliance OS",
             "family": "Contoso", "app_id": WINDOWS},
        ],
    }))
    run = run_adba("catalog", "Contoso", "--product-db", str(user))
    assert run.code == 0, run.stderr
    assert "12345678-1234-1234-1234-123456789abc" in run.stdout
    assert "Server 2019 (Contoso name)" in run.stdout
    run = run_adba("catalog", "explain", "12345678123412341234123456789ABC",
                   "--product-db", str(user))
    assert run.code == 0, run.stderr
    assert "KMS ID (msSPP-KMSIds value) Contoso Appliance OS" in run.stdout
    assert "sources: user:contoso.json" in run.stdout
    run = run_adba("catalog", "explain", "8449b1fb-f0ea-497a-99ab-66ca96e9a0f5",
                   "--product-db", str(user))
    assert run.code == 0, run.stderr
    assert "Server 2019 (Contoso name)" in run.stdout
    assert "user:contoso.json" in run.stdout
    # without the file, the packaged name is back
    run = run_adba("catalog", "explain", "8449b1fb-f0ea-497a-99ab-66ca96e9a0f5")
    assert "KMS ID (msSPP-KMSIds value) Windows Server 2019\n" in run.stdout
