"""The collector script and its reader agree: what the reader maps, the script requests; the
sample documents read into the expected values; ``adba collector`` prints the script unchanged.

No PowerShell runs here (none is installable from this machine's package sources), so the
script is checked as text."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from adba.adapters.reports.collector import FORMAT_VERSION, read_collector, sniff_collector
from adba.adapters.reports.events import sniff_events_json
from adba.adapters.reports.wmi import PRODUCT_PROPERTIES, SERVICE_PROPERTIES, sniff_wmi_json
from adba.cli.commands import collector as collector_cmd
from adba.core.client import ActivationType, LicenseStatus, UnreadableReport

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "adba" / "data" / "Collect-AdbaStatus.ps1"
FIXTURES = REPO / "fixtures" / "clients"
AO_DN = "CN=ao-ws2022,CN=Activation Objects,CN=Microsoft SPP,CN=Services,CN=Configuration,DC=contoso,DC=test"
WS22_DC = uuid.UUID("ef6cfc9f-8c5d-44ac-9aad-de6a2ea0ae03")


def script_text() -> str:
    return SCRIPT.read_bytes().decode("ascii")


def ps_list(name: str) -> list[str]:
    """The quoted names of ``$name = @( ... )`` in the script."""
    match = re.search(rf"^\${name} = @\((.*?)^\)", script_text(), re.MULTILINE | re.DOTALL)
    assert match, name
    return re.findall(r"'([A-Za-z0-9]+)'", match.group(1))


def load(name: str) -> dict[str, object]:
    doc = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


# --------------------------------------------------------------------------- the script as text

def test_script_is_ascii_with_crlf_line_ends() -> None:
    data = SCRIPT.read_bytes()
    data.decode("ascii")
    assert data.startswith(b"<#") and data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n") > 100
    assert b"\r\r" not in data and b"\t" not in data


def test_script_requests_every_property_the_reader_maps() -> None:
    products = ps_list("ProductProperties")
    service = ps_list("ServiceProperties")
    assert set(PRODUCT_PROPERTIES) <= set(products), set(PRODUCT_PROPERTIES) - set(products)
    assert set(SERVICE_PROPERTIES) <= set(service), set(SERVICE_PROPERTIES) - set(service)
    for secret in ("OA3xOriginalProductKey", "OfflineInstallationId", "ProductKey", "DigitalProductId"):
        assert secret not in products and secret not in service
    assert "PartialProductKey IS NOT NULL" in script_text()


def test_script_writes_the_fields_the_reader_reads() -> None:
    text = script_text()
    document = re.search(r"^\$document = \[ordered\]@\{(.*?)^\}", text, re.MULTILINE | re.DOTALL)
    assert document
    keys = re.findall(r"^\s+([a-z_]+)\s+=", document.group(1), re.MULTILINE)
    assert keys == ["format", "format_version", "collector_version", "collected_at", "computer",
                    "dns_host_name", "domain", "part_of_domain", "forest", "domain_controller",
                    "os", "service",
                    "products", "events_days", "events", "errors"]
    assert re.search(rf"^\$FormatVersion = {FORMAT_VERSION}\r?$", text, re.MULTILINE)
    assert "format            = 'adba-collector'" in text
    for key in ("caption", "version", "build"):
        assert f"$os.{key} = " in text
    event = re.search(r"\$events \+= , \(\[ordered\]@\{(.*?)\}\)", text, re.DOTALL)
    assert event
    assert re.findall(r"^\s+(\w+)\s+=", event.group(1), re.MULTILINE) == [
        "Id", "ProviderName", "RecordId", "TimeCreated", "Message", "Properties"]
    ids = re.search(r"^\$EventIds = @\(([\d, ]+)\)", text, re.MULTILINE)
    assert ids and {int(i) for i in ids.group(1).split(",")} == {12288, 12289, 12308, 8198, 1003, 8200, 8208}
    assert "[System.DirectoryServices.ActiveDirectory.Forest]::GetCurrentForest()" in text
    assert "Win32_ComputerSystem" in text and "Win32_OperatingSystem" in text
    for flag in ("[int]$Days = 30", "[string]$OutFile", "[string]$OutDirectory"):
        assert flag in text
    assert "'.adba.json'" in text


def test_adba_collector_prints_the_script_byte_for_byte(tmp_path: Path) -> None:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    collector_cmd.register(app)
    result = CliRunner().invoke(app, ["collector"])
    assert result.exit_code == 0
    assert result.stdout_bytes == SCRIPT.read_bytes()
    target = tmp_path / "Collect-AdbaStatus.ps1"
    result = CliRunner().invoke(app, ["collector", "-o", str(target)])
    assert result.exit_code == 0 and target.read_bytes() == SCRIPT.read_bytes()
    assert collector_cmd.script_bytes() == SCRIPT.read_bytes()


# --------------------------------------------------------------------------- sample documents

def test_sniffers_tell_collector_documents_apart() -> None:
    for path in sorted(FIXTURES.glob("collector-*.adba.json")):
        doc = load(path.name)
        assert sniff_collector(doc) and not sniff_wmi_json(doc) and not sniff_events_json(doc), path.name
    assert not sniff_collector([{"format": "adba-collector"}])
    assert not sniff_collector({"format": "something-else"})


def test_adba_activated_server_2022() -> None:
    report = read_collector(load("collector-ws2022-adba.adba.json"), "ws22.json")
    assert (report.format, report.computer, report.domain, report.forest) == (
        "collector", "WS22-APP01", "contoso.test", "contoso.test")
    assert (report.os_caption, report.os_version, report.os_build) == (
        "Microsoft Windows Server 2022 Datacenter", "10.0.20348", 20348)
    assert report.service_version == "10.0.20348.2849"
    assert report.notes == ("collected at 2026-01-05T10:00:00.0000000Z",)
    (p,) = report.products
    assert (p.activation_id, p.partial_product_key, p.channel, p.product_key_channel) == (
        WS22_DC, "6VM33", "VOLUME_KMSCLIENT", "Volume:GVLK")
    assert (p.license_status, p.license_status_reason, p.grace_minutes) == (
        LicenseStatus.LICENSED, 0x4004F040, 257872)
    assert (p.vl_activation_type, p.vl_activation_type_enabled) == (ActivationType.AD, ActivationType.ALL)
    assert p.ad is not None
    assert (p.ad.object_name, p.ad.object_dn, p.ad.csvlk_pid, p.ad.csvlk_sku_id) == (
        "WS2022 CSVLK", AO_DN, "03612-04573-000-000123-03-1033-20348.0000-0452025",
        uuid.UUID("661f7658-7035-4b4c-9f35-010682943ec2"))
    assert p.kms is not None and p.kms.cmid == "4f8e2d1c-3b6a-4c59-8e7d-2a1b0c9f8e7d"
    assert [(e.where, e.text) for e in p.evidence if "ADActivationObjectDN" in e.text] == [
        ("products[0].ADActivationObjectDN", f'ADActivationObjectDN: "{AO_DN}"')]
    assert [e.event_id for e in report.events] == [12308, 1003]
    ad = report.events[0]
    assert (ad.sku_id, ad.ao_name, ad.ao_dn) == (WS22_DC, "WS2022 CSVLK", AO_DN)
    assert ad.evidence is not None and ad.evidence.where == "events[0]"
    assert report.errors == ()


def test_windows_10_configured_for_kms_only() -> None:
    report = read_collector(load("collector-win10-kms-only.adba.json"), "w10.json")
    assert (report.computer, report.os_build) == ("W10-PC042", 19045)
    (p,) = report.products
    assert (p.vl_activation_type, p.vl_activation_type_enabled) == (ActivationType.KMS, ActivationType.KMS)
    assert p.ad is None
    assert p.kms is not None
    assert (p.kms.cmid, p.kms.discovered_host, p.kms.discovered_port, p.kms.host_ip) == (
        "9b1a2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", "kms01.contoso.test", 1688, "10.0.0.5")
    assert (p.kms.activation_interval, p.kms.renewal_interval, p.kms.host_caching) == (120, 10080, True)
    assert [(e.event_id, e.hresult, e.kms_host) for e in report.events] == [
        (12289, 0, None), (12288, 0, "kms01.contoso.test:1688")]
    assert report.errors == ()


def test_retail_channel_server() -> None:
    report = read_collector(load("collector-retail-server.adba.json"), "retail.json")
    assert (report.computer, report.domain, report.forest) == ("SRV-LAB07", "lab.contoso.test", None)
    (p,) = report.products
    assert (p.channel, p.product_key_channel, p.is_gvlk, p.has_validation_url) == (
        "RETAIL", "Retail", False, True)
    assert (p.license_status, p.license_status_reason, p.grace_minutes) == (
        LicenseStatus.OOB_GRACE, 0x4004F00C, 4320)
    assert p.kms is None and p.ad is None and p.vl_activation_type is None
    assert [(e.hresult, e.evidence.where) for e in report.errors] == [(0x8007007B, "events[0]")]
    assert report.notes == (
        "collected at 2026-01-05T10:00:00.0000000Z",
        "the collector reported a problem (forest): The specified domain either does not exist "
        "or could not be contacted.")


def test_newer_or_missing_format_version_is_refused() -> None:
    doc = load("collector-ws2022-adba.adba.json")
    with pytest.raises(UnreadableReport, match=r"format_version 2 is newer than this adba reads \(1\)"):
        read_collector({**doc, "format_version": 2}, "new.json")
    for bad in (None, "1", 0, True):
        with pytest.raises(UnreadableReport, match="without a valid format_version"):
            read_collector({**doc, "format_version": bad}, "bad.json")
    with pytest.raises(UnreadableReport, match="not an adba-collector document"):
        read_collector({"format": "x"}, "x.json")


def test_workgroup_machines_and_broken_parts() -> None:
    doc = {"format": "adba-collector", "format_version": 1, "computer": "KIOSK1",
           "domain": "WORKGROUP", "part_of_domain": False, "os": {"build": "n/a"},
           "service": ["not", "an", "object"],
           "products": [{"PartialProductKey": "ABCDE", "LicenseStatus": "x"}, 5],
           "events": [{"Id": 8198, "TimeCreated": "2026-01-05T08:00:00Z", "Properties": ["hr=0xC004F074"]},
                      {"Message": "no id"}, "x"],
           "errors": ["plain text"]}
    report = read_collector(doc, "kiosk.json")
    assert (report.computer, report.domain, report.os_build) == ("KIOSK1", None, None)
    assert len(report.products) == 1 and report.products[0].license_status is None
    assert [(e.event_id, e.hresult) for e in report.events] == [(8198, 0xC004F074)]
    assert [e.hresult for e in report.errors] == [0xC004F074]
    notes = "\n".join(report.notes)
    for expected in ["not joined to a domain (workgroup WORKGROUP)", "os.build: 'n/a' is not a number",
                     "service: not an object", "products[1]: not an object",
                     'products[0].LicenseStatus: "x" is not a number', "events[1]: no numeric Id",
                     "events[2]: not an object", "errors[0]: 'plain text'"]:
        assert expected in notes, expected
