"""WMI/CIM reader: ConvertTo-Json and Export-Csv of SoftwareLicensingProduct/-Service."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from adba.adapters.reports.wmi import (
    parse_hresult,
    read_wmi_csv,
    read_wmi_json,
    sniff_wmi_csv,
    sniff_wmi_json,
)
from adba.core.client import ActivationType, ClientReport, LicenseStatus, ProductStatus, UnreadableReport

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "clients"
WINDOWS = uuid.UUID("55c92734-d682-4d71-983e-d6ec3f16059f")
WS19_STD = uuid.UUID("de32eafd-aaee-4662-9444-c1befb41bde2")
WS22_STD = uuid.UUID("9bd77860-9b31-4b7b-96ad-2564017315bf")
W10_ENT = uuid.UUID("73111121-5638-40f6-bc11-f1d7b0d64300")
KMS_HOST_PID = "06401-00206-551-123456-03-1033-17763.0000-0542025"


def load(name: str) -> object:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def only_product(report: ClientReport) -> ProductStatus:
    assert len(report.products) == 1
    return report.products[0]


def evidence(product: ProductStatus, name: str) -> tuple[str, str]:
    found = [e for e in product.evidence if e.text.startswith((f"{name}: ", f"{name} = "))]
    assert len(found) == 1, (name, product.evidence)
    return found[0].where, found[0].text


# --------------------------------------------------------------------------- HRESULTs

@pytest.mark.parametrize(("value", "expected"), [
    (3221549172, 0xC004F074),
    (-1073418124, 0xC004F074),
    ("3221549172", 0xC004F074),
    ("-1073418124", 0xC004F074),
    ("0xC004F074", 0xC004F074),
    (" 0xc004f074 ", 0xC004F074),
    (1074065472, 0x4004F040),
    (0, 0),
    (-1, 0xFFFFFFFF),
    (3221549172.0, 0xC004F074),
])
def test_hresults_become_unsigned(value: object, expected: int) -> None:
    assert parse_hresult(value) == expected


@pytest.mark.parametrize("value", [2**32, -(2**31) - 1, "abc", "", True, None, 1.5, [1]])
def test_bad_hresults_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        parse_hresult(value)


# --------------------------------------------------------------------------- JSON fixtures

def test_single_get_wmiobject_product_with_a_negative_reason() -> None:
    doc = load("wmi-product-single.json")
    assert sniff_wmi_json(doc)
    report = read_wmi_json(doc, "single.json")
    assert (report.format, report.computer, report.service_version) == ("wmi-json", "SRV19-FILE02", None)
    assert report.notes == ()
    p = only_product(report)
    assert p.name == "Windows(R), ServerStandard edition"
    assert p.description == "Windows(R) Operating System, VOLUME_KMSCLIENT channel"
    assert p.channel == "VOLUME_KMSCLIENT"
    assert p.product_key_channel == "Volume:GVLK"
    assert p.is_gvlk is True
    assert p.activation_id == WS19_STD
    assert p.application_id == WINDOWS
    assert p.extended_pid == "00429-70000-00000-AA421"
    assert p.partial_product_key == "J464C"
    assert p.license_status is LicenseStatus.NOTIFICATION
    assert p.license_status_reason == 0xC004F074
    assert p.grace_minutes == 0
    assert p.vl_activation_type is None  # 0: never activated
    assert p.vl_activation_type_enabled is ActivationType.ALL
    assert p.ad is None
    assert p.kms is not None and p.kms.cmid is None and p.kms.registered_host is None
    assert (p.kms.activation_interval, p.kms.renewal_interval) == (120, 10080)
    assert p.is_kms_host is False and p.has_validation_url is False
    assert evidence(p, "LicenseStatusReason") == ("LicenseStatusReason", "LicenseStatusReason: -1073418124")
    assert all(e.source == "single.json" for e in p.evidence)


def test_cim_array_with_only_the_cim_instance_properties_wrapper() -> None:
    doc = load("cim-products-wrapped.json")
    assert sniff_wmi_json(doc)
    report = read_wmi_json(doc, "wrapped.json")
    assert report.computer == "W11-PC007"  # CimSystemProperties.ServerName
    assert report.notes == ("1 SoftwareLicensingProduct instance(s) without a PartialProductKey skipped "
                            "(licences that are not in use)",)
    p = only_product(report)
    assert (p.activation_id, p.partial_product_key, p.license_status) == (
        W10_ENT, "2YT43", LicenseStatus.LICENSED)
    assert p.license_status_reason == 0x4004F040
    assert p.grace_minutes == 259100
    assert p.vl_activation_type is ActivationType.KMS
    assert p.kms is not None
    assert (p.kms.discovered_host, p.kms.discovered_port, p.kms.host_ip, p.kms.host_pid) == (
        "kms01.contoso.test", 1688, "10.0.0.5", KMS_HOST_PID)
    assert p.kms.registered_host is None and p.kms.registered_port is None  # port 0 = not set
    assert evidence(p, "LicenseStatusReason") == ("[0].CimInstanceProperties[8].Value",
                                                  "LicenseStatusReason: 1074065472")


def test_array_mixing_product_service_and_another_class() -> None:
    report = read_wmi_json(load("mixed-classes.json"), "mixed.json")
    assert report.computer == "WS22-WEB03"
    assert report.service_version == "10.0.20348.2849"
    assert report.notes == ("ignored 1 instance(s) that are neither SoftwareLicensingProduct nor "
                            "SoftwareLicensingService: Win32_OperatingSystem (1)",)
    p = only_product(report)
    assert p.activation_id == WS22_STD
    assert p.license_status_reason == 0xC004F074  # written as 3221549172
    assert evidence(p, "LicenseStatusReason") == ("[1].LicenseStatusReason",
                                                  "LicenseStatusReason: 3221549172")
    assert p.kms is not None
    assert p.kms.cmid == "c2d4e6f8-1a3b-4c5d-9e7f-8a6b4c2d0e1f"  # from the service
    assert (p.kms.registered_host, p.kms.registered_port) == ("kms-old.contoso.test", 1688)
    assert p.kms.host_caching is True
    assert evidence(p, "ClientMachineID")[0] == "[0].ClientMachineID"


def test_depth_cut_properties_are_read_from_name_equals_value_strings() -> None:
    doc = [{"CimClass": "root/cimv2:SoftwareLicensingProduct",
            "CimInstanceProperties": ['ID = "ef6cfc9f-8c5d-44ac-9aad-de6a2ea0ae03"',
                                      'PartialProductKey = "6VM33"', "LicenseStatus = 1",
                                      "LicenseStatusReason = 3221549172", "ValidationURL = "],
            "CimSystemProperties": "Microsoft.Management.Infrastructure.CimSystemProperties",
            "PSComputerName": "WS22-APP01"}]
    report = read_wmi_json(doc, "cut.json")
    p = only_product(report)
    assert p.activation_id == uuid.UUID("ef6cfc9f-8c5d-44ac-9aad-de6a2ea0ae03")
    assert (p.partial_product_key, p.license_status, p.license_status_reason) == (
        "6VM33", LicenseStatus.LICENSED, 0xC004F074)
    assert p.has_validation_url is False
    assert report.computer == "WS22-APP01"
    assert any("'Name = value' text" in n for n in report.notes)
    assert evidence(p, "LicenseStatus")[0] == "[0].CimInstanceProperties[2]"


def test_a_service_alone_and_the_wrapped_array_form() -> None:
    service = {"__CLASS": "SoftwareLicensingService", "Version": "10.0.19041.1", "ClientMachineID": "x"}
    report = read_wmi_json({"value": [service], "Count": 1}, "svc.json")
    assert report.products == () and report.service_version == "10.0.19041.1"


def test_records_that_cannot_be_used_become_notes() -> None:
    doc = [
        1, "text", None, {"foo": 1},
        {"__CLASS": "SoftwareLicensingProduct", "ID": "not-a-guid", "ApplicationID": str(WINDOWS),
         "PartialProductKey": "ABCDE", "LicenseStatus": "abc", "LicenseStatusReason": "zzz",
         "GracePeriodRemaining": True, "VLActivationType": 7, "VLActivationTypeEnabled": "9",
         "Name": {"nested": 1}, "IsKeyManagementServiceMachine": "maybe",
         "ADActivationCsvlkSkuId": 42, "KeyManagementServicePort": "x"},
        {"__CLASS": "SoftwareLicensingProduct", "LicenseStatus": 9, "PartialProductKey": "FGHIJ"},
    ]
    report = read_wmi_json(doc, "broken.json")
    first, second = report.products
    assert first.partial_product_key == "ABCDE" and first.application_id == WINDOWS
    assert first.activation_id is None and first.license_status is None
    assert first.license_status_reason is None and first.grace_minutes is None
    assert first.vl_activation_type is None and first.vl_activation_type_enabled is None
    assert first.name is None and first.ad is None and first.is_kms_host is False
    assert second.license_status is None
    notes = "\n".join(report.notes)
    for expected in ["[0]: int is not an object", "[1]: str is not an object",
                     "[2]: NoneType is not an object",
                     '[4].ID: "not-a-guid" is not a GUID', '[4].LicenseStatus: "abc" is not a number',
                     '[4].LicenseStatusReason: "zzz" is not an HRESULT',
                     "[4].GracePeriodRemaining: true is not a number",
                     "VLActivationType 7 is not a known activation type",
                     "VLActivationTypeEnabled 9 is not a known activation type",
                     '[4].Name: {"nested": 1} is not text',
                     '[4].IsKeyManagementServiceMachine: "maybe" is not true or false',
                     "[4].ADActivationCsvlkSkuId: 42 is not a GUID",
                     "[5]: LicenseStatus 9 is not a known state",
                     "unknown class (1)"]:
        assert expected in notes, expected


def test_json_without_licensing_instances_is_refused() -> None:
    assert not sniff_wmi_json([{"Caption": "Microsoft Windows 10"}])
    assert not sniff_wmi_json({"format": "adba-collector", "products": []})
    assert not sniff_wmi_json([])
    assert not sniff_wmi_json("text")
    assert not sniff_wmi_json(load("spp-events-ps7.json"))
    with pytest.raises(UnreadableReport, match="no SoftwareLicensingProduct or SoftwareLicensingService"):
        read_wmi_json([{"Caption": "x"}], "os.json")


# --------------------------------------------------------------------------- CSV

def test_export_csv_with_type_line_in_utf16() -> None:
    data = (FIXTURES / "wmi-products-typed.utf16.csv").read_bytes()
    assert data.startswith(b"\xff\xfe")
    text = data.decode("utf-16")
    assert sniff_wmi_csv(text)
    report = read_wmi_csv(text, "typed.csv")
    assert (report.format, report.computer) == ("wmi-csv", "WS22-SQL01")
    assert report.notes == ("1 SoftwareLicensingProduct instance(s) without a PartialProductKey skipped "
                            "(licences that are not in use)",)
    p = only_product(report)
    assert (p.activation_id, p.partial_product_key) == (WS22_STD, "VMK7H")
    assert (p.license_status, p.license_status_reason, p.grace_minutes) == (
        LicenseStatus.LICENSED, 0x4004F040, 259180)
    assert (p.vl_activation_type, p.vl_activation_type_enabled) == (ActivationType.KMS, ActivationType.ALL)
    assert p.kms is not None
    assert (p.kms.registered_host, p.kms.registered_port, p.kms.host_ip, p.kms.host_pid) == (
        "kms01.contoso.test", 1688, "10.0.0.5", KMS_HOST_PID)
    assert p.kms.discovered_host is None
    assert evidence(p, "LicenseStatusReason") == ("line 3", "LicenseStatusReason: 1074065472")


def test_export_csv_without_type_line() -> None:
    text = (FIXTURES / "cim-products-notype.csv").read_text(encoding="utf-8")
    assert sniff_wmi_csv(text)
    report = read_wmi_csv(text, "notype.csv")
    assert report.computer is None and report.notes == ()
    p = only_product(report)
    assert (p.channel, p.product_key_channel, p.is_gvlk) == ("VOLUME_MAK", "Volume:MAK", False)
    assert p.has_validation_url is True
    assert p.kms is None and p.ad is None
    assert p.license_status_reason == 0
    assert evidence(p, "PartialProductKey") == ("line 2", "PartialProductKey: H8Q99")


def test_csv_semicolons_bom_unquoted_and_a_short_row() -> None:
    text = ("\ufeff#TYPE Selected.Microsoft.Management.Infrastructure.CimInstance\r\n"
            "ID;ApplicationID;PartialProductKey;LicenseStatus;LicenseStatusReason;PSComputerName\r\n"
            f"{W10_ENT};{WINDOWS};2YT43;1;-1073418124;W10-PC042\r\n"
            "broken;row\r\n")
    assert sniff_wmi_csv(text)
    report = read_wmi_csv(text, "semi.csv")
    p = only_product(report)
    assert (p.activation_id, p.license_status_reason) == (W10_ENT, 0xC004F074)
    assert report.computer == "W10-PC042"
    assert report.notes == ("line 4: 2 field(s) where the header has 6; ignored",)
    assert evidence(p, "LicenseStatusReason")[0] == "line 3"


def test_csv_that_is_not_licensing_data() -> None:
    assert not sniff_wmi_csv('"Name","Caption"\r\n"a","b"\r\n')
    assert not sniff_wmi_csv("")
    assert not sniff_wmi_csv("Name: Windows(R), ServerStandard edition\nDescription: x\n")
    with pytest.raises(UnreadableReport):
        read_wmi_csv('"Name","Caption"\r\n"a","b"\r\n', "other.csv")
    with pytest.raises(UnreadableReport, match="no CSV header"):
        read_wmi_csv("#TYPE System.Management.ManagementObject#root\\cimv2\\SoftwareLicensingProduct\r\n",
                     "empty.csv")


@pytest.mark.parametrize("value", ['a"b\\', "é\x00\u2028", "", 0, -5, 10**30, None, True, False,
                                   1.5, float("nan"), [1, "x"], {"a": 1}, object()])
def test_property_values_are_shown_as_the_json_encoder_writes_them(value: object) -> None:
    from adba.adapters.reports.wmi import _JSON_TEXT, _json_text

    try:
        expected = _JSON_TEXT.encode(value)
    except (TypeError, ValueError):
        expected = repr(value)
    assert _json_text(value) == expected
