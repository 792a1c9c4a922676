"""KMS in ``adba diagnose``: licensed by which host (and whether AD would take over), emulators,
count thresholds, KMS hosts that could move to ADBA, old systems by name, machine names, times
as of the report; the text tables, the JSON and the exit codes of the real command."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adba.adapters.kms_emulators_file import parse_emulator_list
from adba.adapters.reports import ReportInput, read_reports
from adba.core.client import (
    ActivationType,
    ClientEvent,
    ClientReport,
    KmsClient,
    KmsHost,
    KmsRequest,
    KmsResponse,
    LicenseStatus,
    ProductStatus,
)
from adba.core.findings import Finding, Severity
from adba.errors import InputFileError
from tests.conftest import REPO, run_adba
from tests.unit.diag_support import WINDOWS, diagnose, findings, one_product

CLIENTS = REPO / "fixtures" / "clients"
WIN10_ENT = uuid.UUID("73111121-5638-40f6-bc11-f1d7b0d64300")


def _read(name: str) -> ClientReport:
    path = CLIENTS / name
    return read_reports(ReportInput(str(path), path))[0]


def _by_id(items: list[Finding], rule_id: str) -> Finding:
    hits = [f for f in items if f.rule_id == rule_id]
    assert hits, f"{rule_id} missing; got {[f.rule_id for f in items]}"
    return hits[0]


def _kms_client(host: str = "kms01.contoso.test", pid: str | None =
                "03612-00206-556-123456-03-1033-17763.0000-0732024", *,
                registered: bool = False, enabled: ActivationType | None = None,
                status: LicenseStatus = LicenseStatus.LICENSED) -> ProductStatus:
    kms = KmsClient(registered_host=host if registered else None, registered_port=1688,
                    discovered_host=None if registered else host, discovered_port=1688,
                    host_ip="192.0.2.15", host_pid=pid, activation_interval=120,
                    renewal_interval=10080, host_caching=True)
    return ProductStatus(name="Windows(R), Enterprise edition",
                         description="Windows(R) Operating System, VOLUME_KMSCLIENT channel",
                         product_key_channel="Volume:GVLK", activation_id=WIN10_ENT,
                         application_id=uuid.UUID(WINDOWS), partial_product_key="2YT43",
                         license_status=status, grace_minutes=259_140,
                         vl_activation_type=ActivationType.KMS,
                         vl_activation_type_enabled=enabled, kms=kms)


# ------------------------------------------------------------------ licensed by KMS (014)
def test_licensed_by_a_dns_found_host_that_ad_would_replace() -> None:
    report = _read("slmgr-dlv-win10-kms.txt")
    found = findings(report)
    kms = _by_id(found, "ADBA-DIAG-014")
    assert kms.severity is Severity.INFO
    assert kms.title == "Licensed by KMS host kms01.contoso.test (found by DNS); AD would take over"
    text = "\n".join(kms.evidence)
    assert "192.0.2.15" in text
    assert "CSVLK Windows Server 2019 (group 206, key serial 556-123456" in text
    assert "renewal every 10080 min (7 days)" in text and "host caching enabled" in text
    assert "client tries AD first at its next renewal" in text
    assert {f.rule_id for f in found} == {"ADBA-DIAG-014"}  # genuine host, nothing else


def test_registered_host_with_kms_only_activation_type_and_no_covering_object() -> None:
    product = _kms_client(registered=True, enabled=ActivationType.KMS)
    kms = _by_id(findings(one_product(product)), "ADBA-DIAG-014")
    assert "(registered with /skms)" in kms.title
    assert any("configured activation type is KMS only" in e for e in kms.evidence)
    assert "slmgr /act-type 0" in kms.remediation
    uncovered = _by_id(findings(one_product(ProductStatus(
        **{**_kms_client().__dict__, "activation_id": uuid.UUID(
            "7dc26449-db21-4e09-ba37-28f2958506a6"),  # WS2025 Standard: no object in the demo
           "name": "Windows(R), ServerStandard edition"}))), "ADBA-DIAG-014")
    assert uncovered.title.endswith("no activation object covers it")
    assert any("CSVLKs that would: Windows Server 2025" in e for e in uncovered.evidence)
    assert 'slmgr /ad-activation-online <CSVLK> "<name>"' in uncovered.remediation


# ------------------------------------------------------------------ emulators (015)
def test_a_publicly_listed_emulator_host_is_named_with_its_source() -> None:
    found = findings(one_product(_kms_client(host="KMS.03k.org", registered=True)))
    fake = _by_id(found, "ADBA-DIAG-015")
    assert fake.severity is Severity.HIGH
    assert "is not a genuine Microsoft KMS host (an emulator)" in fake.title
    assert any("github:ikxin/kms-tools@83fd8c2441659c622d5892b1a8cada5d954e2c6d:"
               "server/utils/kms.ts" in e for e in fake.evidence)
    assert "slmgr /ckms" in fake.remediation


def test_a_host_epid_outside_every_key_block_is_an_emulator() -> None:
    # Group 206 exists, but serial 999-123456 lies in no CSVLK key block of that group.
    found = findings(one_product(_kms_client(pid="03612-00206-999-123456-03-1033-17763.0000-0732024")))
    fake = _by_id(found, "ADBA-DIAG-015")
    assert fake.severity is Severity.HIGH
    assert any("matches no CSVLK" in e and "no key block of that group" in e for e in fake.evidence)
    # An unknown group is less certain: the catalog may lack a pre-release CSVLK.
    unsure = _by_id(findings(one_product(_kms_client(
        pid="55041-00140-015-871562-03-1033-7078.0000-0992009"))), "ADBA-DIAG-015")
    assert unsure.severity is Severity.MEDIUM and "may not be" in unsure.title


def test_a_response_count_above_fifty_gives_the_emulator_away() -> None:
    events = (ClientEvent(12288, datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
                          kms_request=KmsRequest(host="kms.example.org", minimum_count=25)),
              ClientEvent(12289, datetime(2026, 1, 5, 9, 0, 1, tzinfo=UTC),
                          kms_response=KmsResponse(activated=True, current_count=60)))
    report = ClientReport("events.json", "events-json", computer="PC9", events=events)
    fake = _by_id(findings(report), "ADBA-DIAG-015")
    assert any("count of 60" in e for e in fake.evidence)


# ------------------------------------------------------------------ thresholds (016)
def test_client_told_the_host_count_is_below_its_threshold() -> None:
    events = (ClientEvent(12288, datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
                          kms_request=KmsRequest(host="kms01.contoso.test", minimum_count=25,
                                                 sku_id=WIN10_ENT)),
              ClientEvent(12289, datetime(2026, 1, 5, 9, 0, 1, tzinfo=UTC),
                          kms_response=KmsResponse(activated=False, current_count=7)))
    product = _kms_client(status=LicenseStatus.OOB_GRACE)
    low = _by_id(findings(one_product(product, events=events)), "ADBA-DIAG-016")
    assert low.title == "The KMS host kms01.contoso.test is below its activation threshold"
    assert any("a count of 7; this product needs 25" in e for e in low.evidence)
    assert low.severity is Severity.MEDIUM


@pytest.mark.parametrize(("count", "office", "expected"), [
    (2, False, Severity.MEDIUM), (12, False, Severity.LOW), (25, False, None), (50, False, None),
    (4, True, Severity.MEDIUM), (5, True, None)])
def test_kms_host_block_thresholds(count: int, office: bool, expected: Severity | None) -> None:
    app = uuid.UUID("0ff1ce15-a989-479d-af46-f275c6370663") if office else uuid.UUID(WINDOWS)
    host = ProductStatus(name="Office 16, OfficeKMSHostVL_KMS_Host edition" if office else
                         "Windows(R), ServerStandard edition",
                         description="Office 16, VOLUME_KMS channel" if office else
                         "Windows(R) Operating System, VOLUME_KMS_WS19 channel",
                         application_id=app, partial_product_key="ABCDE",
                         license_status=LicenseStatus.LICENSED, is_kms_host=True,
                         kms_host=KmsHost(current_count=count, listening_port=1688))
    low = [f for f in findings(one_product(host)) if f.rule_id == "ADBA-DIAG-016"]
    assert [f.severity for f in low] == ([expected] if expected else [])


# ------------------------------------------------------------------ KMS host roles (017/018)
def test_kms_host_keeps_its_key_and_could_move_to_adba() -> None:
    path = REPO / "fixtures" / "real" / "slmgr" / "officedocs-office16-kmshost-dlv.txt"
    report = read_reports(ReportInput(str(path), path))[0]
    diag = diagnose(report)[0]
    assert diag.kind.value == "kms-host"
    ids = {f.rule_id for f in diag.diagnoses}
    assert {"ADBA-DIAG-017", "ADBA-DIAG-018"} <= ids and "ADBA-DIAG-005" not in ids
    move = _by_id(list(diag.diagnoses), "ADBA-DIAG-017")
    assert move.title == "This KMS host could move to ADBA (CSVLK Office 2016 VL)"
    assert 'slmgr /ad-activation-online <CSVLK> "<name>"' in move.remediation
    assert any("Office Volume License Pack" in e for e in move.evidence)
    assert diag.kms_host_epid is not None and diag.kms_host_epid.csvlk_names == "Office 2013 VL"


def test_a_kms_host_whose_csvlk_already_has_an_object() -> None:
    host = ProductStatus(name="Windows(R), ServerStandard edition",
                         description="Windows(R) Operating System, VOLUME_KMS_WS19 channel",
                         activation_id=uuid.UUID("2e7a9ad1-a849-4b56-babe-17d5a29fe4b4"),
                         application_id=uuid.UUID(WINDOWS), partial_product_key="ABCDE",
                         license_status=LicenseStatus.LICENSED, is_kms_host=True,
                         kms_host=KmsHost(current_count=50))
    move = _by_id(findings(one_product(host)), "ADBA-DIAG-017")
    assert move.title == "This KMS host's CSVLK already has an activation object"
    assert any("WS2019 CSVLK" in e for e in move.evidence)


# ------------------------------------------------------------------ old systems, names, times
def test_windows_7_by_name_and_by_service_version_alone() -> None:
    found = findings(_read("slmgr-dlv-win7-kms.txt"))
    old = _by_id(found, "ADBA-DIAG-006")
    assert old.title == "Windows 7 cannot use ADBA"
    assert old.severity is Severity.LOW  # licensed through KMS: works, cannot move
    assert _by_id(found, "ADBA-DIAG-014").title.endswith("it can never move to AD")
    bare = one_product(ProductStatus(name="Windows(R), ServerEnterprise edition",
                                     partial_product_key="ABCDE",
                                     license_status=LicenseStatus.UNLICENSED),
                       service_version="6.1.7601.17514")
    old = _by_id(findings(bare), "ADBA-DIAG-006")
    assert old.title == "Windows Server 2008 R2 cannot use ADBA"
    assert "licensing service version 6.1.7601.17514" in old.evidence


def test_machine_is_the_computer_else_the_base_name() -> None:
    product = _kms_client()
    named = diagnose(one_product(product))[0]
    assert named.computer == "PC1" and named.diagnoses[0].subject.startswith("PC1: ")
    unnamed = diagnose(one_product(product, computer=None,
                                   source="\\\\fs01\\reports\\W10-77\\dlv.txt"))[0]
    assert unnamed.computer == "dlv.txt"
    assert unnamed.diagnoses[0].subject == "dlv.txt: Windows(R), Enterprise edition"


def test_expiry_counts_from_when_the_report_was_taken() -> None:
    report = _read("collector-win10-kms-only.adba.json")
    kms = _by_id(findings(report), "ADBA-DIAG-014")
    assert any("as of 2026-01-05 10:00 UTC, when the report was taken" in e for e in kms.evidence)
    grace = one_product(_kms_client(), collected_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    p = grace.products[0]
    soon = ProductStatus(**{**p.__dict__, "grace_minutes": 10 * 1440})
    warn = _by_id(findings(one_product(soon, collected_at=grace.collected_at)), "ADBA-DIAG-008")
    assert any("until about 2026-03-11" in e and "as of 2026-03-01 08:00 UTC" in e
               for e in warn.evidence)


def test_ato_output_gets_its_error_explained_not_another_ato() -> None:
    found = findings(_read("slmgr-ato-c004f074.txt"))
    failed = _by_id(found, "ADBA-DIAG-011")
    assert failed.title == "The activation attempt failed"
    assert failed.severity is Severity.MEDIUM  # the licence state is not in the report
    assert "0xC004F074" in failed.remediation and "slmgr /ato" not in failed.remediation
    assert "repeat the activation" in failed.remediation


# ------------------------------------------------------------------ the real command
def test_cli_json_carries_the_decoded_kms_blocks() -> None:
    run = run_adba("diagnose", str(CLIENTS / "slmgr-dlv-win10-kms.txt"), "--demo",
                   "--format", "json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    report = doc["data"]["reports"][0]
    assert report["machine"] == "slmgr-dlv-win10-kms.txt"
    product = report["products"][0]
    assert product["kind"] == "kms-client" and product["diagnoses"] == ["ADBA-DIAG-014"]
    client = product["kms_client"]
    assert (client["host"], client["port"], client["found_by"]) == ("kms01.contoso.test", 1688,
                                                                    "dns")
    assert client["host_epid"]["csvlks"][0]["name"] == "Windows Server 2019"
    assert client["host_epid"]["matches_csvlk"] is True
    assert client["renewal_interval_minutes"] == 10080 and client["host_caching"] is True
    assert doc["findings"][0]["rule_id"] == "ADBA-DIAG-014"


def test_cli_text_shows_kms_tables_and_base_names(tmp_path: Path) -> None:
    host = REPO / "fixtures" / "real" / "slmgr" / "technet-ws2008r2-ent-kmshost-dli-doublespaced.txt"
    args = [str(CLIENTS / "slmgr-dlv-win10-kms.txt"), str(host)]
    run = run_adba("diagnose", *args, "--demo")
    assert run.code in (0, 1), run.stderr
    out = run.stdout
    assert "KMS clients" in out and "kms01.contoso.test" in out and "found by DNS" in out
    assert "Windows Server 2019" in out
    assert str(CLIENTS) not in out.split("By diagnosis")[0]  # Machine column: base names only
    if host.exists():
        assert "KMS hosts" in out and "826 received, 0 failed" in out
        assert run.code == 1  # a host below its threshold is a warning


def test_cli_exit_code_for_an_emulator(tmp_path: Path) -> None:
    dlv = (CLIENTS / "slmgr-dlv-win10-kms.txt").read_text(encoding="utf-8")
    fake = tmp_path / "pc.txt"
    fake.write_text(dlv.replace("kms01.contoso.test", "kms.03k.org"), encoding="utf-8")
    run = run_adba("diagnose", str(fake), "--demo", "--format", "json")
    doc = json.loads(run.stdout)
    assert run.code == 2 == doc["exit_code"]
    assert doc["data"]["reports"][0]["products"][0]["kms_client"]["host_listed_as_emulator"]


# ------------------------------------------------------------------ the emulator list loader
_GOOD = {"format": "adba-kms-emulators", "format_version": 1,
         "sources": [{"id": "s", "description": "d", "repo": "o/r", "path": "p",
                      "commit": "0" * 40}],
         "hosts": [{"host": "kms.example.org", "sources": ["s"]}], "epids": []}


def test_packaged_list_loads_and_cites_every_entry() -> None:
    from adba.adapters.kms_emulators_file import packaged_emulator_list

    listed = packaged_emulator_list()
    assert len(listed.hosts) >= 20
    assert all(e.sources for e in listed.hosts)
    assert listed.host("azkms.core.windows.net") is None  # Azure's own KMS is genuine
    assert parse_emulator_list(json.dumps(_GOOD), "t").host("KMS.example.org:1688")


@pytest.mark.parametrize(("change", "message"), [
    ({"extra": 1}, "unknown field"),
    ({"hosts": [{"host": "KMS.Example.org", "sources": ["s"]}]}, "lower-case"),
    ({"hosts": [{"host": "kms.example.org:1688", "sources": ["s"]}]}, "no port"),
    ({"hosts": [{"host": "a.example.org", "sources": ["s"]},
                {"host": "a.example.org", "sources": ["s"]}]}, "duplicate host"),
    ({"hosts": [{"host": "a.example.org", "sources": ["t"]}]}, "unknown source"),
    ({"hosts": []}, "not cited"),
    ({"sources": [{"id": "s", "description": "d", "repo": "o/r", "path": "p"}]}, "commit"),
    ({"sources": [{"id": "s", "description": "d", "url": "http://x"}]}, "https"),
    ({"epids": [{"epid": "12345", "sources": ["s"]}]}, "not an extended PID"),
    ({"format_version": 2}, "format_version"),
])
def test_the_loader_is_strict(change: dict[str, object], message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        parse_emulator_list(json.dumps({**_GOOD, **change}), "t")
