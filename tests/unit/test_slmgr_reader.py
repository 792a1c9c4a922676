"""slmgr.vbs output reader and report decoding: every fixture read into its exact values."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import pytest

from adba.adapters.reports import text as report_text
from adba.adapters.reports.slmgr import NO_HRESULT, read_slmgr, sniff_slmgr
from adba.adapters.reports.text import decode_report_bytes, read_report_file
from adba.core.client import (
    ActivationType,
    AdActivation,
    AoListEntry,
    ClientReport,
    Evidence,
    KmsClient,
    LicenseStatus,
    ProductStatus,
    UnreadableReport,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "clients"

WINDOWS_APP = uuid.UUID("55c92734-d682-4d71-983e-d6ec3f16059f")
OFFICE_APP = uuid.UUID("0ff1ce15-a989-479d-af46-f275c6370663")
WS2022_CSVLK = uuid.UUID("661f7658-7035-4b4c-9f35-010682943ec2")
OFFICE2021_CSVLK = uuid.UUID("47f3b983-7c53-4d45-abc6-bcd91e2dd90a")
CONTAINER = "CN=Activation Objects,CN=Microsoft SPP,CN=Services,CN=Configuration,DC=contoso,DC=test"
AO_DN = f"CN=ao-ws2022,{CONTAINER}"
AO_OFFICE_DN = f"CN=ao-office2021-phone,{CONTAINER}"
AO_PID = "03612-04573-000-012345-03-1033-20348.0000-1502024"
AO_OFFICE_PID = "03612-00206-571-234567-03-1033-19041.0000-0402023"
KMS_CLIENT = "Windows(R) Operating System, VOLUME_KMSCLIENT channel"

WS2022_AD = AdActivation(object_name="Contoso WS2022 CSVLK", object_dn=AO_DN, csvlk_pid=AO_PID,
                         csvlk_sku_id=WS2022_CSVLK)

WS2022_DATACENTER = ProductStatus(
    name="Windows(R), ServerDatacenter edition",
    description=KMS_CLIENT,
    channel="VOLUME_KMSCLIENT",
    product_key_channel="Volume:GVLK",
    activation_id=uuid.UUID("ef6cfc9f-8c5d-44ac-9aad-de6a2ea0ae03"),
    application_id=WINDOWS_APP,
    extended_pid="03612-04591-000-000000-03-1033-20348.0000-0742024",
    partial_product_key="WYWYW",
    license_status=LicenseStatus.LICENSED,
    grace_minutes=257872,
    vl_activation_type=ActivationType.AD,
    vl_activation_type_enabled=ActivationType.ALL,
    ad=WS2022_AD,
)


def read_fixture(name: str) -> ClientReport:
    text, _data = read_report_file(FIXTURES / name)
    return read_slmgr(text, name)


def without_evidence(report: ClientReport) -> ClientReport:
    """The report's values, with evidence (line numbers) and notes left out."""
    products = tuple(dataclasses.replace(p, evidence=()) for p in report.products)
    errors = tuple(dataclasses.replace(e, evidence=Evidence("", "", "")) for e in report.errors)
    return dataclasses.replace(report, source="", products=products, errors=errors, notes=())


def values(product: ProductStatus) -> ProductStatus:
    return dataclasses.replace(product, evidence=())


def wheres(product: ProductStatus) -> list[str]:
    return [e.where for e in product.evidence]


# ---------------------------------------------------------------------------------- /dlv

def test_ws2022_adba_dlv_every_value() -> None:
    report = read_fixture("slmgr-dlv-ws2022-adba.txt")
    assert report.source == "slmgr-dlv-ws2022-adba.txt"
    assert report.format == "slmgr-dlv"
    assert report.service_version == "10.0.20348.2340"
    assert [values(p) for p in report.products] == [WS2022_DATACENTER]
    assert report.ao_list is None
    assert report.ao_list_unsupported_schema is False
    assert report.errors == ()
    assert report.notes == ()
    product = report.products[0]
    assert product.is_gvlk is True
    assert wheres(product) == [f"line {n}" for n in (6, 7, 8, 9, 10, 11, 13, 14, 15, 19, 22, 23,
                                                      24, 25, 26)]
    assert product.evidence[0] == Evidence("slmgr-dlv-ws2022-adba.txt", "line 6",
                                           "Name: Windows(R), ServerDatacenter edition")
    assert product.evidence[-3].text == f"    AO DN: {AO_DN}"


def test_windows10_kms_dlv() -> None:
    report = read_fixture("slmgr-dlv-win10-kms.txt")
    assert report.format == "slmgr-dlv"
    assert report.service_version == "10.0.19041.3636"
    assert [values(p) for p in report.products] == [ProductStatus(
        name="Windows(R), Enterprise edition",
        description=KMS_CLIENT,
        channel="VOLUME_KMSCLIENT",
        product_key_channel="Volume:GVLK",
        activation_id=uuid.UUID("73111121-5638-40f6-bc11-f1d7b0d64300"),
        application_id=WINDOWS_APP,
        extended_pid="03612-03308-000-000000-03-1033-19041.0000-0882024",
        partial_product_key="2YT43",
        license_status=LicenseStatus.LICENSED,
        grace_minutes=259140,
        vl_activation_type=ActivationType.KMS,
        vl_activation_type_enabled=ActivationType.ALL,
        kms=KmsClient(
            cmid="2d8a6f0e-4c1b-4d6e-9b8a-7e5f3c2a1b90",
            discovered_host="kms01.contoso.test",
            discovered_port=1688,
            host_ip="192.0.2.15",
            host_pid="03612-00206-556-123456-03-1033-17763.0000-0732024",
            activation_interval=120,
            renewal_interval=10080,
            host_caching=True,
        ),
    )]
    assert report.notes == ()
    assert wheres(report.products[0])[-8:] == [f"line {n}" for n in range(19, 27)]


def test_retail_server_from_the_case_study() -> None:
    report = read_fixture("slmgr-dlv-ws2016-retail.txt")
    [product] = report.products
    assert values(product) == ProductStatus(
        name="Windows(R), ServerStandard edition",
        description="Windows® Operating System, RETAIL Channel",
        channel="RETAIL",
        product_key_channel="Retail",
        activation_id=uuid.UUID("8de8eb62-bbe0-40ac-ac17-f75595071ea3"),
        application_id=WINDOWS_APP,
        extended_pid="03612-01931-000-000001-00-1033-14393.0000-2882018",
        partial_product_key="3V66T",
        license_status=LicenseStatus.NOTIFICATION,
        license_status_reason=0xC004F009,
        has_validation_url=True,
    )
    assert product.license_status_reason == 3221549065
    assert product.is_gvlk is False
    assert "line 10" in wheres(product)  # the first licence URL line
    assert report.notes == ()


def test_mak_dlv() -> None:
    report = read_fixture("slmgr-dlv-win10-mak.txt")
    assert [values(p) for p in report.products] == [ProductStatus(
        name="Windows(R), Enterprise edition",
        description="Windows(R) Operating System, VOLUME_MAK channel",
        channel="VOLUME_MAK",
        product_key_channel="Volume:MAK",
        activation_id=uuid.UUID("8b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e"),
        application_id=WINDOWS_APP,
        extended_pid="03612-03311-012-345678-03-1033-19045.0000-0652024",
        partial_product_key="QW8RT",
        license_status=LicenseStatus.LICENSED,
        has_validation_url=True,
    )]
    assert report.products[0].is_gvlk is False
    assert report.notes == ()


def test_windows7_dlv_lacks_the_adba_era_lines() -> None:
    report = read_fixture("slmgr-dlv-win7-kms.txt")
    assert report.format == "slmgr-dlv"
    assert report.service_version == "6.1.7601.17514"
    assert [values(p) for p in report.products] == [ProductStatus(
        name="Windows(R) 7, Enterprise edition",
        description="Windows Operating System - Windows(R) 7, VOLUME_KMSCLIENT channel",
        channel="VOLUME_KMSCLIENT",
        product_key_channel=None,  # no "Product Key Channel" before Windows 8
        activation_id=uuid.UUID("ae2ee509-1b34-41c0-acb7-6d4650168915"),
        application_id=WINDOWS_APP,
        extended_pid="55041-00172-175-412870-03-1033-7601.0000-1192013",
        partial_product_key="33PXH",
        license_status=LicenseStatus.LICENSED,
        grace_minutes=243720,
        vl_activation_type=ActivationType.KMS,
        vl_activation_type_enabled=None,  # no "Configured Activation Type"
        kms=KmsClient(
            cmid="2ffcfc30-6a6a-49ec-92b8-f6150c7df211",
            discovered_host="kms01.contoso.test",
            discovered_port=1688,
            host_pid="55041-00168-305-190796-03-1033-7601.0000-0952013",
            activation_interval=120,
            renewal_interval=10080,
            host_caching=True,
        ),
    )]
    # 243720 minutes shown as 169 days (Windows 7 rounds down): no complaint.
    assert report.notes == ()


def test_dlv_all_with_windows_an_unused_licence_and_office() -> None:
    report = read_fixture("slmgr-dlv-all-win11-office.txt")
    assert report.format == "slmgr-dlv"
    assert report.service_version == "10.0.22621.3155"
    windows, office = report.products  # the EnterpriseN licence has no key: left out
    assert values(windows) == ProductStatus(
        name="Windows(R), Enterprise edition",
        description=KMS_CLIENT,
        channel="VOLUME_KMSCLIENT",
        product_key_channel="Volume:GVLK",
        activation_id=uuid.UUID("73111121-5638-40f6-bc11-f1d7b0d64300"),
        application_id=WINDOWS_APP,
        extended_pid="03612-03308-000-000000-03-1033-22621.0000-0612024",
        partial_product_key="2YT43",
        license_status=LicenseStatus.LICENSED,
        grace_minutes=252000,
        vl_activation_type=ActivationType.AD,
        vl_activation_type_enabled=ActivationType.AD,
        ad=WS2022_AD,
    )
    assert values(office) == ProductStatus(
        name="Office 21, Office21ProPlus2021VL_KMS_Client_AE edition",
        description="Office 21, VOLUME_KMSCLIENT channel",
        channel="VOLUME_KMSCLIENT",
        product_key_channel="Volume:GVLK",
        activation_id=uuid.UUID("fbdb3e18-a8ef-4fb3-9183-dffd60bd0984"),
        application_id=OFFICE_APP,
        extended_pid="03612-03858-000-000000-03-1033-22621.0000-0612024",
        partial_product_key="6F7TH",
        license_status=LicenseStatus.LICENSED,
        grace_minutes=252000,
        vl_activation_type=ActivationType.AD,
        vl_activation_type_enabled=ActivationType.ALL,
        ad=AdActivation(object_name="Office LTSC 2021", object_dn=AO_OFFICE_DN,
                        csvlk_pid=AO_OFFICE_PID, csvlk_sku_id=OFFICE2021_CSVLK),
    )
    assert wheres(office)[0] == "line 40"
    assert report.notes == ("1 licence(s) not in use (no product key) left out: "
                            "Windows(R), EnterpriseN edition",)


def test_a_licence_not_in_use_alone() -> None:
    text = ("Name: Windows(R), EnterpriseN edition\nDescription: " + KMS_CLIENT +
            "\nThis license is not in use.\nLicense Status: Unlicensed\n")
    report = read_slmgr(text, "unused.txt")
    assert report.format == "slmgr-dli"
    assert report.products == ()
    assert report.notes == ("1 licence(s) not in use (no product key) left out: "
                            "Windows(R), EnterpriseN edition",)


# ---------------------------------------------------------------------------------- /ato

def test_ato_failing_with_c004f074() -> None:
    report = read_fixture("slmgr-ato-c004f074.txt")
    assert report.format == "slmgr-ato"
    [error] = report.errors
    assert error.hresult == 0xC004F074 == 3221549172
    assert error.text == (
        "The Software Licensing Service reported that the computer could not be activated. No "
        "Key Management Service (KMS) could be contacted. Please see the Application Event Log "
        "for additional information.")
    assert error.evidence.source == "slmgr-ato-c004f074.txt"
    assert error.evidence.where == "line 3"
    assert error.evidence.text.startswith("Error: 0xC004F074 ")
    [product] = report.products
    assert values(product) == ProductStatus(
        name="Windows(R), ServerStandard edition",
        activation_id=uuid.UUID("de32eafd-aaee-4662-9444-c1befb41bde2"),
        license_status=None,
    )
    assert wheres(product) == ["line 2", "line 3"]


ATO_VARIANTS = [
    "Error: 0xC004F074 The Software Licensing Service reported that the computer could not be "
    "activated. No Key Management Service (KMS) could be contacted. Please see the Application "
    "Event Log for additional information.",
    "Error: 0xc004f074 The Software Licensing Service reported that the product could not be "
    "activated. No Key Management Service (KMS) could be contacted.",
    "Error: 0xC004F074 On a computer running Microsoft Windows non-core edition, run 'slui.exe "
    "0x2a 0xC004F074' to display the error text.",
    "Error: -1073418124 The Software Licensing Service reported that the computer could not be "
    "activated.",
    "    Error: 0xC004F074",
]


@pytest.mark.parametrize("line", ATO_VARIANTS)
def test_the_same_code_worded_differently_gives_the_same_unsigned_hresult(line: str) -> None:
    text = ("Activating Windows(R), Enterprise edition (73111121-5638-40f6-bc11-f1d7b0d64300) ...\r\n"
            f"{line}\r\n")
    [error] = read_slmgr(text, "ato.txt").errors
    assert error.hresult == 3221549172
    assert error.hresult >= 0


@pytest.mark.parametrize(("line", "hresult", "text"), [
    ("Error: 0x80070005 Access denied: the requested action requires elevated privileges",
     0x80070005, "Access denied: the requested action requires elevated privileges"),
    ("Error: 5 Access denied: the requested action requires elevated privileges", 5,
     "Access denied: the requested action requires elevated privileges"),
    ("Error 0x80041010 occurred in connecting to the local WMI provider.", 0x80041010,
     "occurred in connecting to the local WMI provider."),
    ("Error: 0x8007232B DNS name does not exist", 0x8007232B, "DNS name does not exist"),
    ("Error: product key not found.", NO_HRESULT, "product key not found."),
    ("Error: product not found.", NO_HRESULT, "product not found."),
    ("Error: Product activation failed.", NO_HRESULT, "Product activation failed."),
])
def test_error_lines(line: str, hresult: int, text: str) -> None:
    report = read_slmgr(f"{line}\n", "e.txt")
    assert [(e.hresult, e.text) for e in report.errors] == [(hresult, text)]
    assert report.errors[0].evidence == Evidence("e.txt", "line 1", line)


def test_ato_success_and_product_key_not_found() -> None:
    text = ("Activating Windows(R), ServerStandard edition (de32eafd-aaee-4662-9444-c1befb41bde2)"
            " ...\nProduct activated successfully.\n")
    report = read_slmgr(text, "ato.txt")
    assert report.errors == ()
    assert report.products[0].license_status is LicenseStatus.LICENSED
    # The case study: /dlv after /upk.
    report = read_slmgr("Software licensing service version: 10.0.14393.0\n\n"
                        "Error: product key not found.\n", "dlv.txt")
    assert report.format == "slmgr-dlv"
    assert report.products == ()
    assert [(e.hresult, e.text) for e in report.errors] == [(NO_HRESULT, "product key not found.")]


# ---------------------------------------------------------------------------------- /ao-list

def test_ao_list_with_two_objects() -> None:
    report = read_fixture("slmgr-ao-list-two.txt")
    assert report.format == "slmgr-ao-list"
    assert report.products == ()
    assert report.ao_list == (
        AoListEntry("Contoso WS2022 CSVLK", WS2022_CSVLK, "7H3KQ", AO_PID, AO_DN),
        AoListEntry("Office LTSC 2021", OFFICE2021_CSVLK, "TJ4VB", AO_OFFICE_PID, AO_OFFICE_DN),
    )
    assert report.ao_list_unsupported_schema is False
    assert report.notes == ()


def test_ao_list_no_objects_found() -> None:
    report = read_fixture("slmgr-ao-list-none.txt")
    assert report.format == "slmgr-ao-list"
    assert report.ao_list == ()
    assert report.ao_list_unsupported_schema is False


def test_ao_list_unsupported_schema() -> None:
    report = read_fixture("slmgr-ao-list-unsupported-schema.txt")
    assert report.format == "slmgr-ao-list"
    assert report.ao_list == ()
    assert report.ao_list_unsupported_schema is True


def test_ao_list_cut_after_its_header_is_not_an_empty_list() -> None:
    report = read_slmgr("Activation Objects\r\n", "cut.txt")
    assert report.ao_list is None
    assert any("ends after its 'Activation Objects' header" in n for n in report.notes)


# ---------------------------------------------------------------------------------- messy text

def test_hard_wrapped_copy_reads_like_the_original() -> None:
    original = read_fixture("slmgr-dlv-ws2022-adba.txt")
    wrapped = read_fixture("slmgr-dlv-ws2022-adba-wrapped80.txt")
    assert without_evidence(wrapped) == without_evidence(original)
    assert wrapped.notes == ("lines 24-25: re-joined a line that was hard-wrapped at 80 columns",)
    dn_evidence = wrapped.products[0].evidence[-3]
    assert dn_evidence.where == "lines 24-25"
    assert dn_evidence.text == f"    AO DN: {AO_DN}"


def test_utf16_copy_reads_like_the_utf8_one() -> None:
    utf8 = read_fixture("slmgr-dlv-ws2022-adba.txt")
    utf16 = read_fixture("slmgr-dlv-ws2022-adba-utf16le.txt")
    assert (FIXTURES / "slmgr-dlv-ws2022-adba-utf16le.txt").read_bytes()[:2] == b"\xff\xfe"
    assert without_evidence(utf16) == without_evidence(utf8)
    assert utf16.notes == utf8.notes == ()
    assert [(e.where, e.text) for e in utf16.products[0].evidence] == [
        (e.where, e.text) for e in utf8.products[0].evidence]


def wrap(line: str, width: int = 80, trim: bool = False) -> list[str]:
    rows = []
    while len(line) > width:
        rows.append(line[:width].rstrip() if trim else line[:width])
        line = line[width:]
    return [*rows, line]


def test_description_split_inside_channel_is_rejoined() -> None:
    description = "Description: Windows Operating System - Windows Server(R), VOLUME_KMSCLIENT channel"
    rows = wrap(description)
    assert rows[0].endswith("VOLUME_KMSCLIENT chan") and rows[1] == "nel"
    text = "\r\n".join(["Name: Windows Server(R), ServerEnterprise edition", *rows,
                        "License Status: Licensed", ""])
    [product] = read_slmgr(text, "w.txt").products
    assert product.channel == "VOLUME_KMSCLIENT"
    assert product.description == description.removeprefix("Description: ")
    assert product.is_gvlk is True


def test_wrap_whose_trailing_space_was_trimmed_by_the_copy() -> None:
    prefix = "    AO DN: CN="
    dn = "CN=" + "a" * (79 - len(prefix)) + " b," + CONTAINER
    line = "    AO DN: " + dn
    assert line[79] == " "  # the 80th column is a space: the copy trims it from the row
    rows = [line[:80].rstrip(), line[80:]]
    assert len(rows[0]) == 79
    text = "\n".join(["Name: Windows(R), ServerDatacenter edition",
                      "Description: " + KMS_CLIENT, "License Status: Licensed",
                      "AD Activation client information", *rows, ""])
    report = read_slmgr(text, "w.txt")
    assert report.products[0].ad == AdActivation(object_dn=dn)
    assert report.notes == ("lines 5-6: re-joined a line that was hard-wrapped at 80 columns",)


def test_an_80_column_line_followed_by_a_label_is_not_joined() -> None:
    iid_line = "Installation ID: " + "1" * 63
    assert len(iid_line) == 80
    text = f"Name: Windows(R), ServerDatacenter edition\n{iid_line}\nPartial Product Key: WYWYW\n"
    report = read_slmgr(text, "x.txt")
    assert report.products[0].partial_product_key == "WYWYW"
    assert report.notes == ()


def test_double_spaced_copy_without_indentation() -> None:
    # Microsoft's Windows 7 /dli sample as web pages show it: blank lines, indentation lost.
    text = """Name: Windows(R) 7, Enterprise edition

Description: Windows Operating System - Windows(R) 7, VOLUME_KMSCLIENT channel

Partial Product Key: DVQ7P

License Status: Licensed

Volume activation expiration: 243720 minute(s) (169 day(s))

Key Management Service client information

Client Machine ID (CMID): 2ffcfc30-6a6a-49ec-92b8-f6150c7df211

KMS machine name from DNS: emeronb10-rc3.sppvltest.net:1688

KMS machine extended PID: 55041-00140-015-871562-03-1033-7078.0000-0992009

Activation interval: 15 minutes

Renewal interval: 25 minutes

KMS host caching is enabled
"""
    report = read_slmgr(text, "technet.txt")
    assert report.format == "slmgr-dli"
    assert [values(p) for p in report.products] == [ProductStatus(
        name="Windows(R) 7, Enterprise edition",
        description="Windows Operating System - Windows(R) 7, VOLUME_KMSCLIENT channel",
        channel="VOLUME_KMSCLIENT",
        partial_product_key="DVQ7P",
        license_status=LicenseStatus.LICENSED,
        grace_minutes=243720,
        vl_activation_type=ActivationType.KMS,
        kms=KmsClient(cmid="2ffcfc30-6a6a-49ec-92b8-f6150c7df211",
                      discovered_host="emeronb10-rc3.sppvltest.net", discovered_port=1688,
                      host_pid="55041-00140-015-871562-03-1033-7078.0000-0992009",
                      activation_interval=15, renewal_interval=25, host_caching=True),
    )]
    assert report.notes == ()


def test_kms_host_and_registered_kms_and_lookup_domain() -> None:
    text = """Name: Windows Server(R), ServerEnterprise edition
Description: Windows Operating System - Windows Server(R), VOLUME_KMS_C channel
Partial Product Key: PYWKV
License Status: Licensed
Key Management Service is enabled on this machine
Current count: 2
 Key Management Service cumulative requests received from clients
Requests with License Status Licensed: 826

Name: Windows(R), Enterprise edition
Description: Windows(R) Operating System, VOLUME_KMSCLIENT channel
License Status: Licensed
Configured Activation Type: KMS

Most recent activation information:
Key Management Service client information
    Client Machine ID (CMID): 2d8a6f0e-4c1b-4d6e-9b8a-7e5f3c2a1b90
    Registered KMS SRV record lookup domain: corp.contoso.test
    Registered KMS machine name: [2001:db8::15]:1688
    KMS machine IP address: not available
    KMS machine extended PID: 03612-00206-556-123456-03-1033-17763.0000-0732024
    Activation interval: 120 minutes
    Renewal interval: 10080 minutes
    KMS host caching is disabled

Warning: /skms setting overrides the /skms-domain setting. [2001:db8::15]:1688 will be used for activation.
"""
    host, client = read_slmgr(text, "k.txt").products
    assert host.is_kms_host is True
    assert host.channel == "VOLUME_KMS_C"
    assert host.kms is None and host.vl_activation_type is None
    assert client.is_kms_host is False
    assert client.vl_activation_type is ActivationType.KMS
    assert client.vl_activation_type_enabled is ActivationType.KMS
    assert client.kms == KmsClient(
        cmid="2d8a6f0e-4c1b-4d6e-9b8a-7e5f3c2a1b90", registered_host="2001:db8::15",
        registered_port=1688, host_ip=None,
        host_pid="03612-00206-556-123456-03-1033-17763.0000-0732024",
        lookup_domain="corp.contoso.test", activation_interval=120, renewal_interval=10080,
        host_caching=False)


@pytest.mark.parametrize(("line", "status", "minutes"), [
    ("License Status: Unlicensed", LicenseStatus.UNLICENSED, None),
    ("License Status: Licensed", LicenseStatus.LICENSED, None),
    ("License Status: Initial grace period\nTime remaining: 43200 minute(s) (30 day(s))",
     LicenseStatus.OOB_GRACE, 43200),
    ("License Status: Additional grace period (KMS license expired or hardware out of tolerance)"
     "\nTime remaining: 100 minute(s) (1 day(s))", LicenseStatus.OOT_GRACE, 100),
    ("License Status: Non-genuine grace period.\nTime remaining: 1440 minute(s) (1 day(s))",
     LicenseStatus.NON_GENUINE_GRACE, 1440),
    ("License Status: Notification\nNotification Reason: 0xC004F200 (non-genuine).",
     LicenseStatus.NOTIFICATION, None),
    ("License Status: Extended grace period\nTime remaining: 2 minute(s) (1 day(s))",
     LicenseStatus.EXTENDED_GRACE, 2),
    ("License Status: Unknown", None, None),
])
def test_every_license_status(line: str, status: LicenseStatus | None, minutes: int | None) -> None:
    text = f"Name: Windows(R), Professional edition\nDescription: {KMS_CLIENT}\n{line}\n"
    [product] = read_slmgr(text, "s.txt").products
    assert product.license_status is status
    assert product.grace_minutes == minutes
    if status is LicenseStatus.NOTIFICATION:
        assert product.license_status_reason == 0xC004F200


@pytest.mark.parametrize(("configured", "expected"), [
    ("All", ActivationType.ALL), ("AD", ActivationType.AD), ("KMS", ActivationType.KMS),
    ("Token", ActivationType.TOKEN)])
def test_configured_activation_type(configured: str, expected: ActivationType) -> None:
    text = (f"Name: Windows(R), Enterprise edition\nDescription: {KMS_CLIENT}\n"
            f"License Status: Licensed\nConfigured Activation Type: {configured}\n")
    assert read_slmgr(text, "t.txt").products[0].vl_activation_type_enabled is expected


def test_xpr_output() -> None:
    text = """Windows(R), ServerDatacenter edition:
    Volume activation will expire 12.09.2024 10:31:05

Office 21, Office21ProPlus2021VL_KMS_Client_AE edition:
    Windows is in Notification mode
"""
    report = read_slmgr(text, "xpr.txt")
    assert report.format == "slmgr-xpr"
    assert [(p.name, p.license_status) for p in report.products] == [
        ("Windows(R), ServerDatacenter edition", LicenseStatus.LICENSED),
        ("Office 21, Office21ProPlus2021VL_KMS_Client_AE edition", LicenseStatus.NOTIFICATION)]
    assert wheres(report.products[0]) == ["line 1", "line 2"]
    assert report.notes == ("line 2: /xpr end date for Windows(R), ServerDatacenter edition: "
                            "12.09.2024 10:31:05 (kept as text)",)


# ---------------------------------------------------------------------------------- truncation

def test_truncated_file_reads_what_is_there() -> None:
    report = read_fixture("slmgr-dlv-ws2022-truncated.txt")
    [product] = report.products
    assert values(product) == ProductStatus(
        name="Windows(R), ServerDatacenter edition",
        description=KMS_CLIENT,
        channel="VOLUME_KMSCLIENT",
        product_key_channel="Volume:GVLK",
        activation_id=uuid.UUID("ef6cfc9f-8c5d-44ac-9aad-de6a2ea0ae03"),
        application_id=WINDOWS_APP,
        extended_pid="03612-04591-000-000000-03-1033-20348.0000-0742024",
        partial_product_key="WYWYW",
        license_status=None,  # "License Status: Lic" is not a status
    )
    assert report.errors == ()
    assert report.notes == (
        "line 14: the file ends inside this line; its License Status was not used",
        "the file does not end with a line break: it may be truncated",
    )


@pytest.mark.parametrize(("last", "field_name"), [
    ("Partial Product Key: WYW", "partial_product_key"),
    ("Activation ID: ef6cfc9f-8c5d-44ac-9aad", "activation_id"),
    ("Extended PID: 03612-04591-000-000000-03", "extended_pid"),
    ("Volume activation expiration: 257872 minute(s) (18", "grace_minutes"),
    ("Description: Windows(R) Operating System, VOLUME_KMS", "description"),
    ("Product Key Channel: Volume:GV", "product_key_channel"),
])
def test_a_value_cut_by_the_end_of_the_file_is_not_used(last: str, field_name: str) -> None:
    text = f"Name: Windows(R), ServerDatacenter edition\r\n{last}"
    report = read_slmgr(text, "cut.txt")
    assert getattr(report.products[0], field_name) is None
    assert report.notes[-1] == "the file does not end with a line break: it may be truncated"


def test_a_complete_last_line_without_line_break_is_used() -> None:
    report = read_slmgr("Name: Windows(R), ServerDatacenter edition\nPartial Product Key: WYWYW",
                        "cut.txt")
    assert report.products[0].partial_product_key == "WYWYW"


def test_cut_ao_dn_and_cut_error_code() -> None:
    text = ("Name: Windows(R), ServerDatacenter edition\nDescription: " + KMS_CLIENT +
            "\nAD Activation client information\n    Activation Object name: Contoso\n"
            "    AO DN: CN=ao-ws2022,CN=Activa")
    product = read_slmgr(text, "cut.txt").products[0]
    assert product.ad == AdActivation(object_name="Contoso")
    report = read_slmgr("Activating Windows(R), Enterprise edition "
                        "(73111121-5638-40f6-bc11-f1d7b0d64300) ...\nError: 0xC004F0", "cut.txt")
    assert report.errors == ()


# ---------------------------------------------------------------------------------- languages

def test_german_output_is_refused_with_the_language_named() -> None:
    text, _data = read_report_file(FIXTURES / "slmgr-dlv-german-cp850.txt")
    assert "Vertrauenswürdige Zeit" in text  # cp850 console output decoded as such
    assert sniff_slmgr(text) is True
    with pytest.raises(UnreadableReport) as caught:
        read_slmgr(text, "de.txt")
    assert caught.value.reason == "slmgr output in an unsupported language (looks like German)"


def test_confirmed_german_label_alone_is_enough() -> None:
    text = ("Name: Windows(R), Professional edition\nLizenzstatus: Lizenziert\n"
            "Configured Activation Type: All\n")
    with pytest.raises(UnreadableReport, match=r"looks like German"):
        read_slmgr(text, "de.txt")


@pytest.mark.parametrize(("text", "language"), [
    ("Nom : Windows(R), ServerStandard edition\n"
     "Description : Windows(R) Operating System, VOLUME_KMSCLIENT channel\n"
     "ID d’activation : de32eafd-aaee-4662-9444-c1befb41bde2\n"
     "Clé de produit partielle : VMK7H\nÉtat de la licence : Avec licence\n", "French"),
    ("Name: Windows(R), Professional edition\n"
     "Descripción: Windows(R) Operating System, RETAIL channel\n"
     "Clave de producto parcial: 3V66T\nEstado de la licencia: Con licencia\n", "Spanish"),
    ("Имя: Windows(R), Professional edition\n"
     "Описание: Windows(R) Operating System, RETAIL channel\n"
     "Частичный ключ продукта: 3V66T\nСостояние лицензии: Имеет лицензию\n", "Russian"),
])
def test_other_languages_are_refused(text: str, language: str) -> None:
    assert sniff_slmgr(text) is True
    with pytest.raises(UnreadableReport) as caught:
        read_slmgr(text, "x.txt")
    assert caught.value.reason == f"slmgr output in an unsupported language (looks like {language})"


def test_unknown_language_is_refused_by_the_shape_of_the_values() -> None:
    text = ("Qwe: Windows(R), Professional edition\nRty: Windows(R) Operating System, RETAIL channel\n"
            "Uio: de32eafd-aaee-4662-9444-c1befb41bde2\nPas: 3V66T\n")
    assert sniff_slmgr(text) is True
    with pytest.raises(UnreadableReport) as caught:
        read_slmgr(text, "x.txt")
    assert caught.value.reason == ("slmgr output in an unsupported language (no English slmgr "
                                   "labels; language not recognised)")


def test_product_block_without_english_core_labels_is_refused() -> None:
    # Name: and an untranslated line are English, the rest is not: never half-read.
    text = ("Name: Windows(R), Professional edition\nQwe: Windows(R) Operating System, RETAIL channel"
            "\nAsd: Lizenziertxyz\nConfigured Activation Type: All\n")
    with pytest.raises(UnreadableReport, match=r"unsupported language"):
        read_slmgr(text, "x.txt")


@pytest.mark.parametrize("text", [
    '{"Name": "Windows(R), ServerStandard edition", "LicenseStatus": 1}',
    "Name                  : Windows(R), ServerStandard edition\n"
    "Description           : Windows(R) Operating System, VOLUME_KMSCLIENT channel\n"
    "ID                    : de32eafd-aaee-4662-9444-c1befb41bde2\n"
    "PartialProductKey     : VMK7H\nLicenseStatus         : 1\n",
    '"Name","ID","PartialProductKey","LicenseStatus"\n'
    '"Windows(R), ServerStandard edition","de32eafd-aaee-4662-9444-c1befb41bde2","VMK7H","1"\n',
    "just some notes: nothing here\n",
])
def test_not_slmgr_output(text: str) -> None:
    assert sniff_slmgr(text) is False
    with pytest.raises(UnreadableReport, match=r"no slmgr output found"):
        read_slmgr(text, "x.txt")


def test_sniff_recognises_every_english_fixture() -> None:
    for path in sorted(FIXTURES.glob("slmgr-*.txt")):
        text, _data = read_report_file(path)
        assert sniff_slmgr(text), path.name


# ---------------------------------------------------------------------------------- decoding

def test_empty_and_garbage_files_are_refused() -> None:
    with pytest.raises(UnreadableReport) as caught:
        read_report_file(FIXTURES / "empty.txt")
    assert caught.value.reason == "empty file"
    with pytest.raises(UnreadableReport) as caught:
        read_report_file(FIXTURES / "garbage.bin")
    assert caught.value.reason == "binary data, not a text report"
    with pytest.raises(UnreadableReport, match="empty file"):
        read_slmgr(" \n\t\n", "blank.txt")


SAMPLE = "Name: Contoso – Ärger\r\nLicense Status: Licensed\r\n"
EXPECTED = "Name: Contoso – Ärger\nLicense Status: Licensed\n"


@pytest.mark.parametrize("data", [
    b"\xff\xfe" + SAMPLE.encode("utf-16-le"),
    b"\xfe\xff" + SAMPLE.encode("utf-16-be"),
    SAMPLE.encode("utf-16-le"),
    SAMPLE.encode("utf-16-be"),
    b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"),
    SAMPLE.encode("utf-8"),
    b"\xff\xfe\x00\x00" + SAMPLE.encode("utf-32-le"),
    SAMPLE.replace("\r\n", "\r").encode("utf-8"),
    SAMPLE.replace("\r\n", "\r\r\n").encode("utf-8"),
])
def test_unicode_encodings(data: bytes) -> None:
    assert decode_report_bytes(data) == EXPECTED


def test_ansi_and_oem_code_pages() -> None:
    assert decode_report_bytes("Name: Ärger über Café\r\n".encode("cp1252")) == "Name: Ärger über Café\n"
    assert decode_report_bytes("Name: Ärger über Café\r\n".encode("cp850")) == "Name: Ärger über Café\n"
    # A byte cp1252 leaves undefined (0x81 = ü in cp850) means an OEM code page.
    assert decode_report_bytes(b"Zeit: vertrauensw\x81rdig\r\n") == "Zeit: vertrauenswürdig\n"


def test_cut_multibyte_text_keeps_what_is_there() -> None:
    assert decode_report_bytes("Name: Ä".encode()[:-1]) == "Name: "
    assert decode_report_bytes(b"\xff\xfe" + "Name: x\r\n".encode("utf-16-le")[:-1]) == "Name: x\n"


@pytest.mark.parametrize("data", [bytes(64), b"\x00\x01\x02\x03" * 40,
                                  b"\xff\xfe" + b"\x00\xd8" * 30])
def test_binary_data_is_refused(data: bytes) -> None:
    with pytest.raises(UnreadableReport, match="binary data, not a text report"):
        decode_report_bytes(data)


def test_too_large_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(25 * 1024 * 1024)  # sparse: nothing is written or read
    with pytest.raises(UnreadableReport) as caught:
        read_report_file(big)
    assert caught.value.reason.startswith("file too large (25.0 MB > 20 MB)")


def test_endless_stream_is_cut_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_text, "MAX_REPORT_BYTES", 1000)
    with pytest.raises(UnreadableReport) as caught:
        read_report_file("/dev/zero")  # size 0 to stat, endless to read
    assert caught.value.reason.startswith("file too large (more than ")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableReport, match=r"cannot read nothing\.txt"):
        read_report_file(tmp_path / "nothing.txt")


def test_read_report_file_returns_text_and_bytes() -> None:
    text, data = read_report_file(FIXTURES / "slmgr-ao-list-none.txt")
    assert data == b"Activation Objects\r\n    No objects found\r\n\r\n"
    assert text == "Activation Objects\n    No objects found\n\n"


@pytest.mark.parametrize(("length", "size_hint", "limit", "expected"), [
    (1200, 1200, 1000, 1001),      # over the limit: limit + 1 bytes, never more
    (800, 800, 1000, 800),         # the usual case: all of it
    (800, 0, 1000, 800),           # a pipe: size unknown
    (5000, 0, 1000, 1001),         # a pipe over the limit
    (900, 300, 1000, 900),         # grew after fstat: the rest is read too
    (3000, 300, 1000, 1001),       # grew past the limit
    (0, 0, 1000, 0),
])
def test_read_bounded_reads_what_is_there_up_to_the_limit(length: int, size_hint: int,
                                                          limit: int, expected: int) -> None:
    import io

    data = bytes(range(256)) * (length // 256 + 1)
    got = report_text.read_bounded(io.BytesIO(data[:length]), size_hint, limit)
    assert got == data[:expected]
