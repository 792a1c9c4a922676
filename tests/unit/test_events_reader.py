"""Security-SPP events: Get-WinEvent | ConvertTo-Json (PowerShell 5 and 7) and .evtx records."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from adba.adapters.reports.event_xml import read_event_xml
from adba.adapters.reports.events import parse_event_time, read_events_json, sniff_events_json
from adba.adapters.reports.wmi import sniff_wmi_json
from adba.core.client import ClientReport, UnreadableReport

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "clients"
WS22_DC = uuid.UUID("ef6cfc9f-8c5d-44ac-9aad-de6a2ea0ae03")
W10_ENT = uuid.UUID("73111121-5638-40f6-bc11-f1d7b0d64300")
AO_DN = "CN=ao-ws2022,CN=Activation Objects,CN=Microsoft SPP,CN=Services,CN=Configuration,DC=contoso,DC=test"
CET = timezone(timedelta(hours=1))
SPP = "Microsoft-Windows-Security-SPP"


def check_common(report: ClientReport, times: list[datetime]) -> None:
    """Both fixtures hold the same six events."""
    assert report.format == "events-json"
    assert report.computer == "W10-PC042.contoso.test"
    assert [e.event_id for e in report.events] == [12308, 12289, 12288, 8198, 12288, 1003]
    assert [e.time for e in report.events] == times
    ad, response, request, slui, failed, status = report.events
    assert (ad.sku_id, ad.ao_name, ad.ao_dn, ad.hresult) == (WS22_DC, "WS2022 CSVLK", AO_DN, None)
    assert ad.fields == (str(WS22_DC), "WS2022 CSVLK", AO_DN)
    assert response.hresult == 0 and response.fields == (
        "0x0", "0x0", "1", "0", "50", "120", "10080", "2026/1/5 9:12")
    assert (request.hresult, request.kms_host, request.sku_id) == (0, "kms01.contoso.test:1688", W10_ENT)
    assert len(request.fields) == 10 and request.fields[3] == "9b1a2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
    assert slui.hresult == 0xC004F074
    assert (failed.hresult, failed.kms_host) == (0xC004F074, "kms-old.contoso.test:1688")
    assert status.hresult is None
    assert [(e.hresult, e.evidence.where) for e in report.errors] == [
        (0xC004F074, "[3]"), (0xC004F074, "[4]")]
    assert report.errors[0].text == "License Activation (slui.exe) failed with the following error code:"
    assert report.errors[1].text == ("The client has sent an activation request to the key management "
                                     "service machine.")
    assert report.errors[0].evidence.text.startswith("event 8198: License Activation (slui.exe) failed")


def test_powershell_7_json_with_iso_times_and_property_values() -> None:
    doc = json.loads((FIXTURES / "spp-events-ps7.json").read_text(encoding="utf-8"))
    assert sniff_events_json(doc) and not sniff_wmi_json(doc)
    report = read_events_json(doc, "ps7.json")[0]
    check_common(report, [datetime(2026, 1, 5, 10, 20, tzinfo=CET),
                          datetime(2026, 1, 5, 10, 12, 3, 123456, tzinfo=CET),
                          datetime(2026, 1, 5, 10, 12, 0, 500000, tzinfo=CET),
                          datetime(2026, 1, 4, 23, 40, 11, 250000, tzinfo=CET),
                          datetime(2026, 1, 4, 23, 40, tzinfo=CET),
                          datetime(2026, 1, 3, 9, 0, tzinfo=CET)])
    assert report.notes == ()
    slui, status = report.events[3], report.events[5]
    assert slui.fields[0] == "hr=0xC004F074" and slui.fields[1].startswith("RuleId=")
    assert status.fields[0] == "55c92734-d682-4d71-983e-d6ec3f16059f"


def test_windows_powershell_5_json_with_ms_dates_and_cut_properties() -> None:
    data = (FIXTURES / "spp-events-ps5.json").read_bytes()
    assert data.startswith(b"\xff\xfe")  # Out-File in Windows PowerShell 5 writes UTF-16
    doc = json.loads(data.decode("utf-16"))
    assert doc[0]["TimeCreated"] == "/Date(1767604800000)/"
    assert sniff_events_json(doc)
    report = read_events_json(doc, "ps5.json")[0]
    check_common(report, [datetime(2026, 1, 5, 9, 20, tzinfo=UTC),
                          datetime(2026, 1, 5, 9, 12, 3, tzinfo=UTC),
                          datetime(2026, 1, 5, 9, 12, tzinfo=UTC),
                          datetime(2026, 1, 4, 22, 40, 11, tzinfo=UTC),
                          datetime(2026, 1, 4, 22, 40, tzinfo=UTC),
                          datetime(2026, 1, 3, 8, 0, tzinfo=UTC)])
    assert report.notes == ("6 event(s) had their Properties cut by ConvertTo-Json's default depth; "
                            "values were read from the Message (export with -Depth 3 to keep them)",)


@pytest.mark.parametrize(("value", "expected", "problem"), [
    ("/Date(1767604320000)/", datetime(2026, 1, 5, 9, 12, tzinfo=UTC), None),
    ("/Date(1767604320000+0100)/", datetime(2026, 1, 5, 9, 12, tzinfo=UTC), None),
    ("2026-01-05T09:12:00.1234567Z", datetime(2026, 1, 5, 9, 12, 0, 123456, tzinfo=UTC), None),
    ("2026-01-05T10:12:00+01:00", datetime(2026, 1, 5, 10, 12, tzinfo=CET), None),
    ("2026-01-05 09:12:00.586774+00:00", datetime(2026, 1, 5, 9, 12, 0, 586774, tzinfo=UTC), None),
    ({"value": "/Date(1767604320000)/", "DateTime": "Monday, ..."}, datetime(2026, 1, 5, 9, 12, tzinfo=UTC),
     None),
    ("2026-01-05T09:12:00", datetime(2026, 1, 5, 9, 12, tzinfo=UTC),
     "TimeCreated 2026-01-05T09:12:00 has no time zone; taken as UTC"),
    (None, None, None),
    ("yesterday", None, "TimeCreated 'yesterday' is not a date"),
    (12, None, "TimeCreated 12 is not a date"),
])
def test_event_times(value: object, expected: datetime | None, problem: str | None) -> None:
    assert parse_event_time(value) == (expected, problem)


def test_broken_and_foreign_records_become_notes() -> None:
    doc = [
        "System.Diagnostics.Eventing.Reader.EventLogRecord",
        {"Id": "12308", "ProviderName": SPP, "Message": "x"},
        {"Id": 7036, "ProviderName": "Service Control Manager", "TimeCreated": None, "Message": "x"},
        {"Id": 12308, "ProviderName": "Security-SPP", "TimeCreated": "soon",
         "Properties": [{"Value": "not-a-guid"}, {"Value": "AO"}], "Message": None},
        {"Id": 12288, "ProviderName": SPP, "Properties": [{"Value": "nonsense"}], "Message": ""},
        {"Id": 12289, "ProviderName": SPP, "Properties": None, "Message": "no info here"},
        {"Id": 12289, "ProviderName": SPP, "Properties": "oops",
         "Message": "...response...\r\nInfo:\r\n0xC004F042, 0x0, 0, 0, 3, 120, 10080, 2026/1/5 9:12"},
        {"Id": 8198, "ProviderName": SPP, "Properties": [], "Message": "failed without a code"},
        {"Id": 8200, "ProviderName": SPP, "Message": "License acquisition failure details.\r\nhr=0x80072EE7"},
        {"Id": 12288, "ProviderName": SPP,
         "Properties": [{"Value": "0x4004F040, 0x0, kms:1688, c, t, 0, 1, 0, bad-sku, 5"}], "Message": None},
    ]
    assert sniff_events_json(doc)
    report = read_events_json(doc, "broken.json")[0]
    ids = [e.event_id for e in report.events]
    assert ids == [12308, 12288, 12289, 12289, 8198, 8200, 12288]
    bad_ad, nonsense, no_info, kms_fail, slui, acquisition, informational = report.events
    assert bad_ad.sku_id is None and bad_ad.ao_name == "AO" and bad_ad.ao_dn is None and bad_ad.time is None
    assert nonsense.hresult is None and nonsense.fields == ("nonsense",)
    assert no_info.fields == () and no_info.hresult is None
    assert kms_fail.hresult == 0xC004F042
    assert slui.hresult is None
    assert acquisition.hresult == 0x80072EE7
    assert informational.hresult == 0x4004F040 and informational.kms_host == "kms:1688"
    # Failing codes are errors (8200's too: the diagnosis calls it harmless); the
    # informational 12288 is not.
    assert [(e.hresult, e.evidence.where) for e in report.errors] == [
        (0xC004F042, "[6]"), (0x80072EE7, "[8]")]
    assert report.computer is None
    notes = "\n".join(report.notes)
    for expected in ["[0]: str is not an event record", "[1]: no numeric Id",
                     "[3]: TimeCreated 'soon' is not a date", "[3]: 'not-a-guid' is not a SKU id",
                     "[4]: event 12288 starts with 'nonsense', not an HRESULT",
                     "[5]: event 12289 without its Info values",
                     "[6].Properties is not a list; the Message is used",
                     "[7]: event 8198 without an error code", "[9]: 'bad-sku' is not a SKU id",
                     "skipped 1 event(s) of other providers: Service Control Manager (1)"]:
        assert expected in notes, expected


def test_single_object_and_non_spp_json() -> None:
    one = {"Id": 12308, "ProviderName": SPP, "TimeCreated": "2026-01-05T09:20:00Z",
           "MachineName": "PC1", "Properties": [{"Value": str(WS22_DC)}, {"Value": "AO"}, {"Value": AO_DN}]}
    report = read_events_json(one, "one.json")[0]
    assert report.computer == "PC1" and report.events[0].evidence is not None
    assert report.events[0].evidence.where == "(root)" and report.events[0].ao_dn == AO_DN
    wrapped = read_events_json({"value": [one], "Count": 1}, "wrapped.json")[0]
    assert wrapped.events[0].evidence is not None and wrapped.events[0].evidence.where == "value[0]"
    other = [{"Id": 7036, "ProviderName": "Service Control Manager", "TimeCreated": None, "Message": "x"}]
    assert not sniff_events_json(other)
    assert not sniff_events_json({"format": "adba-collector", "events": []})
    with pytest.raises(UnreadableReport, match="no Security-SPP event"):
        read_events_json(other, "scm.json")[0]


# --------------------------------------------------------------------------- event XML edge cases
# (real .evtx files and real event XML are tested in test_real_corpus.py; these are the shapes
# no public file shows)


def _event_xml(event_id: int, record_id: int, data: str, provider: str = SPP,
               computer: str = "WS22-APP01.contoso.test", time: str = "2026-01-05T09:20:00.5867740Z") -> str:
    return (
        '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
        + (f'<Provider Name="{provider}" Guid="{{E23B33B0-C8C9-472C-A5F9-F2BDFEA0F156}}" '
           'EventSourceName="Software Protection Platform Service"></Provider>' if provider == SPP
           else f'<Provider Name="{provider}"></Provider>')
        + f'<EventID Qualifiers="16384">{event_id}</EventID><Level>4</Level>'
        f'<TimeCreated SystemTime="{time}"></TimeCreated>'
        f"<EventRecordID>{record_id}</EventRecordID><Channel>Application</Channel>"
        f"<Computer>{computer}</Computer></System>"
        f"<EventData>{data}</EventData></Event>")


def test_event_xml_stream_with_string_children_and_two_machines() -> None:
    info_req = ("0x0, 0x0, kms01.contoso.test:1688, 9b1a2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d, "
                f"2026/1/5 9:12, 0, 2, 0, {W10_ENT}, 25")
    stream = "\n".join([
        _event_xml(12288, 1, f"<Data>{info_req}</Data>", computer="OLD-NAME", time="2026-01-05T09:12:00Z"),
        _event_xml(12289, 2, "<Data><string>0x0</string><string>0x0</string><string>1</string>"
                   "<string>0</string><string>31</string><string>120</string><string>10080</string>"
                   "<string>2026/1/5 9:12</string></Data>", computer="OLD-NAME",
                   time="2026-01-05T09:12:01Z"),
        _event_xml(7036, 3, "<Data>x</Data>", provider="Service Control Manager"),
        _event_xml(8198, 4, "<Data>hr=0x8007007B</Data>", computer="NEW-NAME", time="2026-02-01T08:00:00Z"),
    ])
    reports = read_event_xml(stream, "events.xml")
    assert [r.computer for r in reports] == ["OLD-NAME", "NEW-NAME"]
    old, new = reports
    response = old.events[1].kms_response
    assert response is not None and (response.current_count, response.activation_interval,
                                      response.renewal_interval, response.activated) == (31, 120, 10080, True)
    request = old.events[0].kms_request
    assert request is not None and (request.host, request.port, request.minimum_count) == (
        "kms01.contoso.test", 1688, 25)
    product = old.products[0]
    assert product.activation_id == W10_ENT and product.kms is not None
    assert (product.kms.contacted_host, product.kms.discovered_host) == ("kms01.contoso.test", None)
    assert [e.hresult for e in new.errors] == [0x8007007B]
    assert old.computer_aliases == ("NEW-NAME",)
    assert any("the latest name is NEW-NAME" in n for n in old.notes)
    assert any("skipped 1 event(s) of other providers" in n for n in old.notes)


def test_event_xml_with_a_doctype_is_refused() -> None:
    text = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + _event_xml(8198, 1, "<Data>&a;</Data>")
    with pytest.raises(UnreadableReport, match="DOCTYPE"):
        read_event_xml(text, "x.xml")
