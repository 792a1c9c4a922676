"""Every real artefact under fixtures/real/ (copied from public sources, see each group's
manifest.json and fixtures/real/MANIFEST.md) is read with exactly the facts its manifest
lists, or refused with a one-line reason naming the shape or language. A test per artefact."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from adba.adapters.reports import ReportInput, read_reports
from adba.core.client import ClientReport, LicenseStatus, ProductStatus, UnreadableReport

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "real"
STATUS_NAMES = {
    "unlicensed": LicenseStatus.UNLICENSED,
    "licensed": LicenseStatus.LICENSED,
    "initial grace period": LicenseStatus.OOB_GRACE,
    "additional grace period": LicenseStatus.OOT_GRACE,
    "non-genuine grace period": LicenseStatus.NON_GENUINE_GRACE,
    "notification": LicenseStatus.NOTIFICATION,
    "extended grace period": LicenseStatus.EXTENDED_GRACE,
}
NO_HRESULT = 0xFFFFFFFF


def _entries() -> list[Any]:
    params = []
    for manifest in sorted(ROOT.glob("*/manifest.json")):
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        for entry in doc["artefacts"]:
            params.append(pytest.param(manifest.parent, entry,
                                       id=f"{manifest.parent.name}/{entry['file']}"))
    return params


ENTRIES = _entries()


def test_the_corpus_is_large_enough() -> None:
    files = [entry for param in ENTRIES for entry in param.values[1:]]
    evtx = [e for e in files if e["file"].lower().endswith(".evtx")]
    assert len(files) >= 40, len(files)
    assert len(evtx) >= 8, len(evtx)


def _status(value: Any) -> LicenseStatus:
    if isinstance(value, int):
        return LicenseStatus(value)
    text = str(value).lower().rstrip(".")
    for name, status in STATUS_NAMES.items():
        if text.startswith(name):
            return status
    raise AssertionError(f"manifest status {value!r} unknown to the test")


def _hex(value: int | None) -> str | None:
    return None if value is None else f"0x{value:08X}"


def _guid_or_none(text: str | None) -> uuid.UUID | None:
    """A manifest's GUID; None for a masked one (``XXXX...``), which a reader must not invent."""
    try:
        return uuid.UUID(str(text).strip("{}")) if text else None
    except ValueError:
        return None


def _find_product(report: ClientReport, match: dict[str, str]) -> ProductStatus:
    for product in report.products:
        ok = True
        for key, wanted in match.items():
            got = getattr(product, key)
            if isinstance(got, uuid.UUID):
                ok = ok and got == uuid.UUID(str(wanted).strip("{}"))
            else:
                ok = ok and got == wanted
        if ok:
            return product
    names = [(p.name, str(p.activation_id), p.partial_product_key) for p in report.products]
    raise AssertionError(f"no product matching {match}; products: {names}")


def _check_kms_client(product: ProductStatus, wanted: dict[str, Any]) -> None:
    kms = product.kms
    assert kms is not None, f"{product.name}: no KMS client block"
    discovered = wanted.get("discovered")
    for key, value in wanted.items():
        if key == "host":
            hosts = {True: [kms.discovered_host], False: [kms.registered_host],
                     None: [kms.discovered_host, kms.registered_host, kms.contacted_host]}[discovered]
            assert value in hosts, (key, value, hosts)
        elif key == "port":
            ports = {True: [kms.discovered_port], False: [kms.registered_port],
                     None: [kms.discovered_port, kms.registered_port]}[discovered]
            assert value in ports, (key, value, ports)
        elif key == "discovered":
            continue
        else:
            attr = {"ip": "host_ip", "host_epid": "host_pid", "caching": "host_caching"}.get(key, key)
            assert getattr(kms, attr) == value, (key, getattr(kms, attr), value)


def _check_kms_host(report: ClientReport, product: ProductStatus | None, wanted: dict[str, Any]) -> None:
    blocks = [product.kms_host] if product is not None else [p.kms_host for p in report.products]
    blocks = [b for b in blocks if b is not None] + (
        [report.kms_host_service] if report.kms_host_service else [])
    assert blocks, "no KMS host block"
    host = blocks[0]
    for key, value in wanted.items():
        attr = {"port": "listening_port"}.get(key, key)
        assert getattr(host, attr) == value, (key, getattr(host, attr), value)


def _check_product(report: ClientReport, wanted: dict[str, Any]) -> None:
    product = _find_product(report, wanted.get("match", {}))
    for key, value in wanted.items():
        if key == "match":
            continue
        if key == "license_status":
            assert product.license_status is _status(value), (product.name, product.license_status, value)
        elif key == "license_status_reason":
            assert _hex(product.license_status_reason) == value.upper().replace("0X", "0x")
        elif key in ("vl_activation_type", "vl_activation_type_enabled"):
            got = getattr(product, key)
            assert got is not None and got.name.lower() == str(value).lower(), (key, got, value)
        elif key == "activation_id":
            assert product.activation_id == uuid.UUID(str(value).strip("{}"))
        elif key == "kms_client":
            _check_kms_client(product, value)
        elif key == "kms_host":
            _check_kms_host(report, product, value)
        elif key == "ad":
            assert product.ad is not None, f"{product.name}: no AD block"
            for ad_key, ad_value in value.items():
                got = getattr(product.ad, ad_key)
                if isinstance(got, uuid.UUID):
                    ad_value = uuid.UUID(str(ad_value).strip("{}"))
                assert got == ad_value, (ad_key, got, ad_value)
        else:
            assert getattr(product, key) == value, (key, getattr(product, key), value)


def _check_kms_event(decoded: Any, wanted: dict[str, Any]) -> None:
    """One decoded 12288 request or 12289 response against the manifest's values."""
    for key, value in wanted.items():
        if key == "host":
            got = f"{decoded.host}:{decoded.port}" if decoded.port else decoded.host
        elif key == "hresult":
            got, value = _hex(decoded.hresult), value.upper().replace("0X", "0x")
        elif key == "sku_id":
            got, value = decoded.sku_id, uuid.UUID(value)
        else:
            got = getattr(decoded, key)
        assert got == value, (key, got, value)


def _check(report: ClientReport, expect: dict[str, Any]) -> None:
    for key, value in expect.items():
        if key == "computer":
            assert report.computer is not None and report.computer.lower() == value.lower(), \
                (report.computer, value)
        elif key in ("service_version", "os_build"):
            assert getattr(report, key) == value, (key, getattr(report, key), value)
        elif key == "product_count":
            assert len(report.products) == value, [p.name or str(p.activation_id) for p in report.products]
        elif key == "unused_licences":
            assert report.unused_licences == value, (report.unused_licences, value)
        elif key == "products":
            for wanted in value:
                _check_product(report, wanted)
        elif key == "kms_client":
            with_kms = [p for p in report.products if p.kms is not None]
            assert with_kms, "no product with a KMS client block"
            _check_kms_client(with_kms[0], value)
        elif key == "kms_host":
            _check_kms_host(report, None, value)
        elif key == "errors":
            got = {_hex(e.hresult) for e in report.errors if e.hresult != NO_HRESULT}
            assert got == {v.upper().replace("0X", "0x") for v in value}, (got, value)
        elif key == "events":
            got_events = Counter(str(e.event_id) for e in report.events)
            assert got_events == Counter({str(k): v for k, v in value.items()}), (got_events, value)
        elif key in ("kms_requests", "kms_responses"):
            attr = "kms_request" if key == "kms_requests" else "kms_response"
            decoded = [getattr(e, attr) for e in report.events if getattr(e, attr) is not None]
            for index, wanted in enumerate(value):
                _check_kms_event(decoded[index], wanted)
        elif key == "ad_activations":
            got_ad = [(e.sku_id, e.ao_name, e.ao_dn) for e in report.events if e.event_id == 12308]
            for wanted in value:
                item = (_guid_or_none(wanted.get("sku_id")),
                        wanted.get("object_name"), wanted.get("object_dn"))
                assert item in got_ad, (item, got_ad)
        elif key == "sku_states":
            states = [s for e in report.events for s in e.sku_states]
            for wanted in value:
                sku = uuid.UUID(wanted["sku_id"])
                found = [s for s in states if s.sku_id == sku]
                assert found, (sku, [str(s.sku_id) for s in states])
                if "license_state" in wanted:
                    assert any(wanted["license_state"] in (s.license_state, s.text) for s in found), \
                        (wanted, found)
                for code_key in ("hresult", "status"):
                    if code_key in wanted:
                        assert any(_hex(s.hresult) == wanted[code_key].upper().replace("0X", "0x")
                                   for s in found), (sku, wanted, found)
        elif key == "xpr":
            statuses = {p.license_status for p in report.products}
            wanted_status = {"permanent": LicenseStatus.LICENSED, "expires": LicenseStatus.LICENSED,
                             "grace": LicenseStatus.OOB_GRACE,
                             "notification": LicenseStatus.NOTIFICATION}[value]
            assert wanted_status in statuses, (statuses, value)
        elif key == "reports":
            continue
        else:
            raise AssertionError(f"manifest key {key!r} unknown to the test")


@pytest.mark.parametrize(("folder", "entry"), ENTRIES)
def test_artefact(folder: Path, entry: dict[str, Any]) -> None:
    path = folder / entry["file"]
    assert path.is_file(), path
    assert entry.get("source"), "every artefact names its source"
    item = ReportInput(path.name, path)
    if "refuse" in entry:
        with pytest.raises(UnreadableReport) as info:
            read_reports(item)
        reason = str(info.value)
        assert "\n" not in reason
        assert entry["refuse"].lower() in reason.lower(), reason
        return
    reports = read_reports(item)
    expect = entry["expect"]
    shape = entry["shape"]
    for report in reports:
        assert report.format.split("-")[0] == shape.split("-")[0] or report.format == shape, \
            (report.format, shape)
        assert report.source == path.name
    if "reports" in expect:
        by_name = {(r.computer or "").lower(): r for r in reports}
        assert len(reports) == len(expect["reports"]), [r.computer for r in reports]
        for wanted in expect["reports"]:
            report = by_name.get(wanted["computer"].lower())
            assert report is not None, (wanted["computer"], list(by_name))
            _check(report, wanted)
        _check(reports[0], {k: v for k, v in expect.items() if k == "reports"})
        return
    assert len(reports) == 1, [r.computer for r in reports]
    _check(reports[0], expect)
