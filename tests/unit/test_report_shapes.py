"""Edge cases of the report shapes that no real artefact in fixtures/real shows: each test feeds
the dispatcher a small text of the shape and checks what comes out (or the refusal)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adba.adapters.reports import ReportInput, read_reports
from adba.adapters.reports.event_text import parse_local_times
from adba.adapters.reports.registry import strip_paste_marks
from adba.core.client import ClientReport, LicenseStatus, UnreadableReport

W10_ENT = uuid.UUID("73111121-5638-40f6-bc11-f1d7b0d64300")


def read(tmp_path: Path, text: str | bytes, name: str = "report.txt") -> list[ClientReport]:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return read_reports(ReportInput(str(path), path))


# --------------------------------------------------------------------------- slmgr


def test_excerpt_without_name_keeps_its_notification_reason(tmp_path: Path) -> None:
    text = ("Partial Product Key: 2YT43\r\nLicense Status: Notification\r\n"
            "Notification Reason: 0xC004F034\r\n")
    report, = read(tmp_path, text)
    product, = report.products
    assert product.license_status is LicenseStatus.NOTIFICATION
    assert product.license_status_reason == 0xC004F034
    assert product.name is None
    assert any("without a 'Name:' line" in note for note in report.notes)


def test_blanked_minutes_use_the_days_as_a_lower_bound(tmp_path: Path) -> None:
    text = ("Name: Windows(R), Enterprise edition\nDescription: Windows(R) Operating System, "
            "VOLUME_KMSCLIENT channel\nPartial Product Key: 2YT43\nLicense Status: Licensed\n"
            "Volume activation expiration: xxxxx minute(s) (180 day(s))\n")
    report, = read(tmp_path, text)
    assert report.products[0].grace_minutes == 179 * 1440 + 1
    assert any("blanked" in note for note in report.notes)


def test_caching_colon_form_and_unused_licences_and_os_name(tmp_path: Path) -> None:
    text = "\n".join([
        "Name: Windows(R) 7, Enterprise edition",
        "Description: Windows Operating System - Windows(R) 7, VOLUME_KMSCLIENT channel",
        "Partial Product Key: 33PXH", "License Status: Licensed",
        "Key Management Service client information",
        "    KMS machine name from DNS: kms1.contoso.test:1688",
        "    KMS host caching: Enabled", "",
        "Name: Windows(R) 7, EnterpriseN edition", "Description: Windows Operating System - "
        "Windows(R) 7, VOLUME_KMSCLIENT channel", "This license is not in use.", ""])
    report, = read(tmp_path, text)
    assert report.products[0].kms is not None and report.products[0].kms.host_caching is True
    assert report.unused_licences == 1 and len(report.products) == 1
    assert report.os_name == "Windows(R) 7, Enterprise edition"


def test_localized_dlv_is_refused_not_mined_for_codes(tmp_path: Path) -> None:
    text = ("Name: Windows(R), Professional edition\nBeschreibung: Windows(R) Operating System, "
            "RETAIL channel\nTeil-Product Key: 3V66T\nLizenzstatus: Benachrichtigung\n"
            "Benachrichtigungsgrund: 0xC004F034.\n")
    with pytest.raises(UnreadableReport, match="German"):
        read(tmp_path, text)


@pytest.mark.parametrize(("text", "code", "language"), [
    ("Fehler: 0xC004F074 Der Softwarelizenzierungsdienst hat gemeldet ...\n", 0xC004F074, "German"),
    ("Ошибка: 0xC004F050 Служба лицензирования ...\n", 0xC004F050, "Russian"),
    ("エラー: 0xC004F074 ソフトウェア ライセンス サービス ...\n", 0xC004F074, "Japanese"),
    ("error 0xc004f074 while activating\n", 0xC004F074, None),
])
def test_an_activation_error_is_read_in_any_language(tmp_path: Path, text: str, code: int,
                                                     language: str | None) -> None:
    report, = read(tmp_path, text)
    assert [e.hresult for e in report.errors] == [code]
    assert report.language == language
    assert report.errors[0].text == text.strip()


# --------------------------------------------------------------------------- PowerShell


def test_format_list_wrapped_values_and_table_truncation(tmp_path: Path) -> None:
    listing = "\n".join([
        "PS C:\\> Get-CimInstance SoftwareLicensingProduct | ? PartialProductKey | fl *", "", "",
        "Name                           : Windows(R), Enterprise edition",
        "Description                    : Windows(R) Operating System, VOLUME_KMSCLIENT channel",
        f"ID                             : {W10_ENT}",
        "ApplicationID                  : 55c92734-d682-4d71-983e-d6ec3f16059f",
        "PartialProductKey              : 2YT43",
        "LicenseStatus                  : 1",
        "LicenseStatusReason            : 1074066433",
        "GracePeriodRemaining           : 259200",
        "ADActivationObjectDN           : CN=ao-w10,CN=Activation Objects,CN=Microsoft",
        "                                 SPP,CN=Services,CN=Configuration,DC=contoso,DC=test",
        "VLActivationType               : 1", ""])
    report, = read(tmp_path, listing)
    assert report.format == "ps-list"
    product, = report.products
    assert product.activation_id == W10_ENT and product.license_status is LicenseStatus.LICENSED
    assert product.license_status_reason == 0x4004F401
    assert product.ad is not None and product.ad.object_dn == (
        "CN=ao-w10,CN=Activation Objects,CN=Microsoft SPP,CN=Services,CN=Configuration,DC=contoso,DC=test")
    table = "\n".join([
        "Name                                     LicenseStatus PartialProductKey",
        "----                                     ------------- -----------------",
        "Windows(R), Enterprise edition                       5 2YT43",
        "Office 16, Office16ProPlusVL_KMS_Clie...             1 XQNVK", ""])
    report, = read(tmp_path, table)
    assert report.format == "ps-table"
    names = [p.name for p in report.products]
    assert names == ["Windows(R), Enterprise edition", None]
    assert any("cut by the console" in note for note in report.notes)


def test_paste_marks_are_undone_only_when_every_line_has_them() -> None:
    assert strip_paste_marks("> a\n> b\n") == "a\nb\n"
    assert strip_paste_marks("a\\\nb\\\n") == "a\nb\n"
    assert strip_paste_marks("    a\n      b\n") == "a\n  b\n"
    assert strip_paste_marks("a\n> b\nc\n") == "a\n> b\nc\n"


# --------------------------------------------------------------------------- events as text


def test_locale_dates_are_read_only_when_the_file_settles_the_order() -> None:
    notes: list[str] = []
    times = parse_local_times(["3/4/2024 10:00:00 AM", "13/4/2024 9:00:00 PM"], notes)
    assert times == [datetime(2024, 4, 3, 10, tzinfo=UTC), datetime(2024, 4, 13, 21, tzinfo=UTC)]
    notes = []
    assert parse_local_times(["3/4/2024 10:00", "5/6/2024 11:00"], notes) == [None, None]
    assert "day and month cannot be told apart" in notes[0]
    notes = []
    assert parse_local_times(["2024-03-04T10:00:00Z"], notes) == [datetime(2024, 3, 4, 10, tzinfo=UTC)]
    assert notes == []


def test_localized_event_viewer_text_without_xml_is_refused(tmp_path: Path) -> None:
    text = ("Protokollname: Application\nQuelle:        Microsoft-Windows-Security-SPP\n"
            "Ereignis-ID:   8198\nBeschreibung:\n"
            "Fehler bei der Lizenzaktivierung (slui.exe): hr=0xC004F074\n")
    with pytest.raises(UnreadableReport, match="German"):
        read(tmp_path, text)


def test_event_list_groups_by_machine_and_pairs_kms_events(tmp_path: Path) -> None:
    info_req = f"0x0, 0x0, kms9.contoso.test:1688, c1d2, 2024/4/13 20:59, 0, 2, 0, {W10_ENT}, 25"
    text = "\n".join([
        "TimeCreated  : 13/04/2024 21:00:01", "ProviderName : Microsoft-Windows-Security-SPP",
        "Id           : 12289", "MachineName  : PC1.contoso.test",
        "Message      : The client has processed an activation response from the key management",
        "               service machine.", "               Info:",
        "               0x0, 0x0, 1, 0, 12, 120, 10080, 2024/4/13 21:00", "",
        "TimeCreated  : 13/04/2024 21:00:00", "ProviderName : Microsoft-Windows-Security-SPP",
        "Id           : 12288", "MachineName  : PC1.contoso.test",
        "Message      : The client has sent an activation request to the key management service",
        "               machine.", "               Info:", f"               {info_req}", ""])
    report, = read(tmp_path, text)
    assert report.format == "event-list" and report.computer == "PC1.contoso.test"
    assert [e.event_id for e in report.events] == [12289, 12288]
    product, = report.products
    assert product.activation_id == W10_ENT and product.kms is not None
    assert (product.kms.contacted_host, product.kms.activation_interval) == ("kms9.contoso.test", 120)
    response = report.events[0].kms_response
    assert response is not None and response.current_count == 12


def test_unknown_text_is_refused_once_listing_what_is_read(tmp_path: Path) -> None:
    with pytest.raises(UnreadableReport) as info:
        read(tmp_path, "hello world\nnothing here\n")
    reason = str(info.value)
    assert reason.startswith("not a shape adba reads")
    assert reason.count("slmgr text") == 1


@pytest.mark.parametrize(("text", "language"), [
    ("软件授权服务报告无法激活计算机。没有可以联系的密钥管理服务。\n", "Chinese"),
    ("Служба лицензирования программного обеспечения сообщила об ошибке активации\n", "Russian"),
])
def test_other_text_in_another_language_is_refused_naming_it(tmp_path: Path, text: str,
                                                              language: str) -> None:
    with pytest.raises(UnreadableReport) as info:
        read(tmp_path, text)
    assert f"looks like {language}" in str(info.value)


def test_kms_host_block_carries_the_host_epid(tmp_path: Path) -> None:
    text = "\n".join([
        "Name: Windows(R), ServerStandard edition",
        "Description: Windows(R) Operating System, VOLUME_KMS_2012-R2_WIN10 channel",
        "Extended PID: 06401-00206-491-411285-03-1033-9600.0000-0802017",
        "Partial Product Key: ABCDE", "License Status: Licensed",
        "Key Management Service is enabled on this machine", "    Current count: 27",
        "    Listening on Port: 1688", "    DNS publishing enabled", "    KMS priority: Low", ""])
    report, = read(tmp_path, text)
    host = report.products[0].kms_host
    assert host is not None
    assert (host.current_count, host.listening_port, host.dns_publishing, host.priority) == (
        27, 1688, True, "Low")
    assert host.host_epid == "06401-00206-491-411285-03-1033-9600.0000-0802017"


def test_read_all_keeps_order_and_isolates_bad_inputs(tmp_path: Path) -> None:
    from adba.adapters.reports.batch import read_all

    good = tmp_path / "good.txt"
    good.write_text("Error: 0xC004F074 No Key Management Service (KMS) could be contacted.\n")
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    items = [ReportInput(str(p), p) for p in (good, bad, good, tmp_path / "missing.txt")] * 20
    for workers in (1, 2):
        results = list(read_all(items, workers=workers))
        assert [item for item, _ in results] == items
        kinds = [isinstance(result, UnreadableReport) for _, result in results]
        assert kinds == [False, True, False, True] * 20
        first = results[0][1]
        assert not isinstance(first, UnreadableReport) and first[0].errors[0].hresult == 0xC004F074


def test_event_table_rows_take_the_provider_group_above_them(tmp_path: Path) -> None:
    text = "\n".join([
        "", "   ProviderName: Microsoft-Windows-Security-SPP", "",
        "TimeCreated                     Id LevelDisplayName Message",
        "-----------                     -- ---------------- -------",
        "2024-04-13T21:00:00Z          8198 Error            License Activation (slui.exe) "
        "failed with the...",
        "", "   ProviderName: Service Control Manager", "",
        "TimeCreated                     Id LevelDisplayName Message",
        "-----------                     -- ---------------- -------",
        "2024-04-13T21:00:00Z          7036 Information      The service entered the running state.", ""])
    report, = read(tmp_path, text)
    assert report.format == "event-table"
    assert [(e.event_id, e.evidence.where if e.evidence else None) for e in report.events] == [
        (8198, "line 6")]
    assert any("Service Control Manager (1)" in note for note in report.notes)
    assert any("cut by the console" in note for note in report.notes)
