"""No fix may do harm or ask for what the report already holds.

Walks every diagnosis of every report file under fixtures/ (clients and real, whatever is there
today) and of synthetic products of every kind, and fails when a remediation

- suggests ``slmgr /ipk``, ``/upk`` or ``/cpky`` for a KMS host (it would remove the host key),
  an evaluation edition (it refuses volume keys) or an ESU add-on (the OS key must stay);
- tells the admin to run ``slmgr /ato`` on a report that is /ato output;
- prints anything shaped like a full product key.

It also checks that a product whose licence state is unknown never gets a high finding from the
state-dependent diagnoses.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from adba.adapters.reports import expand_inputs, read_reports
from adba.core.client import (
    ActivationType,
    ClientReport,
    Evidence,
    KmsClient,
    KmsHost,
    LicenseStatus,
    ProductStatus,
    ReportedError,
    UnreadableReport,
)
from adba.core.findings import Severity
from tests.conftest import REPO
from tests.unit.diag_support import WINDOWS, diagnose

KEY_CHANGE = re.compile(r"\bslmgr(?:\.vbs)?\s+[/-](?:ipk|upk|cpky)\b", re.IGNORECASE)
ATO = re.compile(r"\bslmgr(?:\.vbs)?\s+[/-]ato\b", re.IGNORECASE)
FULL_KEY = re.compile(r"\b[A-Z0-9]{5}(?:-[A-Z0-9]{5}){4}\b")
STATE_RULES = {"ADBA-DIAG-003", "ADBA-DIAG-005", "ADBA-DIAG-011", "ADBA-DIAG-019",
               "ADBA-DIAG-020", "ADBA-DIAG-021", "ADBA-DIAG-018"}


def _fixture_reports() -> list[ClientReport]:
    reports: list[ClientReport] = []
    roots = [str(REPO / "fixtures" / "clients"), str(REPO / "fixtures" / "real")]
    for item in expand_inputs([r for r in roots if Path(r).is_dir()]):
        try:
            reports.extend(read_reports(item))
        except UnreadableReport:
            continue
    return reports


def _is_kms_host(p: ProductStatus) -> bool:
    desc = (p.description or "").upper()
    if "VOLUME_KMSCLIENT" in desc or (p.product_key_channel or "").lower() == "volume:gvlk":
        return False
    return "VOLUME_KMS" in desc or p.is_kms_host or p.kms_host is not None or \
        (p.product_key_channel or "").lower() == "volume:csvlk"


def _is_eval(p: ProductStatus) -> bool:
    text = " ".join(t for t in (p.name, p.description, p.product_key_channel) if t)
    return "TIMEBASED_EVAL" in text.upper() or "Eval" in text


def _is_esu(p: ProductStatus) -> bool:
    return bool(re.search(r"(?:^|[^A-Za-z])ESU(?:[^A-Za-z]|$)", p.name or ""))


# --------------------------------------------------------------------- synthetic products
_ERR = ReportedError(0xC004F074, "No Key Management Service (KMS) could be contacted.",
                     Evidence("ato.txt", "line 3", "Error: 0xC004F074 ..."))
_KINDS = {
    "kms-host-windows": ProductStatus(
        name="Windows(R), ServerStandard edition",
        description="Windows(R) Operating System, VOLUME_KMS_2012-R2_WIN10 channel",
        product_key_channel="Volume:CSVLK", activation_id=uuid.UUID(
            "2e7a9ad1-a849-4b56-babe-17d5a29fe4b4"), application_id=uuid.UUID(WINDOWS),
        extended_pid="03612-00206-556-123456-03-1033-17763.0000-0732024",
        partial_product_key="ABCDE", is_kms_host=True, kms_host=KmsHost(current_count=3)),
    "kms-host-block-only": ProductStatus(
        name="Windows(R), ServerStandard edition", partial_product_key="ABCDE",
        kms_host=KmsHost(current_count=60)),
    "server-eval": ProductStatus(
        name="Windows(R), ServerStandardEval edition",
        description="Windows(R) Operating System, TIMEBASED_EVAL channel",
        product_key_channel="Retail:TB:Eval", partial_product_key="ABCDE",
        evaluation_end="1/1/2027 12:00:00 AM"),
    "client-eval": ProductStatus(
        name="Windows(R), EnterpriseEval edition",
        description="Windows(R) Operating System, TIMEBASED_EVAL channel",
        partial_product_key="ABCDE"),
    "esu": ProductStatus(
        name="Windows(R), Client-ESU-Year1 add-on for Education,Enterprise,Professional",
        description="Windows(R) Operating System, VOLUME_MAK channel",
        product_key_channel="Volume:MAK", partial_product_key="ABCDE",
        activation_id=uuid.UUID("f520e45e-7413-4a34-a497-d2765967d094")),
    "home": ProductStatus(name="Windows(R), Core edition",
                          description="Windows(R) Operating System, OEM_DM channel",
                          product_key_channel="OEM:DM", partial_product_key="ABCDE"),
    "subscription": ProductStatus(name="Windows(R), Enterprise edition",
                                  description="Windows(R) Operating System, TIMEBASED_SUB channel",
                                  partial_product_key="ABCDE"),
    "retail": ProductStatus(name="Windows(R), ServerStandard edition",
                            description="Windows(R) Operating System, RETAIL channel",
                            product_key_channel="Retail", partial_product_key="ABCDE",
                            has_validation_url=True),
    "oem": ProductStatus(name="Windows(R), Professional edition",
                         description="Windows(R) Operating System, OEM_DM channel",
                         product_key_channel="OEM:DM", partial_product_key="ABCDE"),
    "mak": ProductStatus(name="Windows(R), Enterprise edition",
                         description="Windows(R) Operating System, VOLUME_MAK channel",
                         product_key_channel="Volume:MAK", partial_product_key="ABCDE"),
    "gvlk-kms": ProductStatus(
        name="Windows(R), Enterprise edition",
        description="Windows(R) Operating System, VOLUME_KMSCLIENT channel",
        product_key_channel="Volume:GVLK",
        activation_id=uuid.UUID("73111121-5638-40f6-bc11-f1d7b0d64300"),
        application_id=uuid.UUID(WINDOWS), partial_product_key="2YT43",
        vl_activation_type=ActivationType.KMS,
        kms=KmsClient(discovered_host="kms.03k.org", discovered_port=1688,
                      host_pid="03612-00206-999-123456-03-1033-17763.0000-0732024")),
    "no-channel": ProductStatus(name="Windows(R), ServerStandard edition",
                                activation_id=uuid.UUID("de32eafd-aaee-4662-9444-c1befb41bde2")),
}


def _synthetic_reports() -> Iterator[ClientReport]:
    import dataclasses

    for label, base in _KINDS.items():
        for status in (LicenseStatus.LICENSED, LicenseStatus.UNLICENSED,
                       LicenseStatus.NOTIFICATION, None):
            product = dataclasses.replace(base, license_status=status,
                                          license_status_reason=0xC004F074 if status not in (
                                              LicenseStatus.LICENSED, None) else None)
            for fmt, errors in (("slmgr-dlv", ()), ("slmgr-ato", (_ERR,))):
                yield ClientReport(source=f"C:\\reports\\{label}-{fmt}.txt", format=fmt,
                                   products=(product,), errors=errors)
    yield ClientReport(source="ato-only.txt", format="slmgr-ato", errors=(_ERR,))
    yield ClientReport(source="svc.json", format="wmi-json", computer="KMS01",
                       kms_host_service=KmsHost(current_count=2))


ALL_REPORTS = _fixture_reports() + list(_synthetic_reports())


def test_the_walk_covers_real_and_synthetic_reports() -> None:
    sources = {r.source for r in ALL_REPORTS}
    assert any("fixtures/clients" in s for s in sources)
    assert len(ALL_REPORTS) > 60
    # The guards are exercised: hosts, evaluations and ESU add-ons get diagnoses, and some
    # /ato reports do too (else the test would pass by finding nothing to check).
    guarded = [d for r in ALL_REPORTS for d in diagnose(r) if d.diagnoses and (
        _is_kms_host(d.product) or _is_eval(d.product) or _is_esu(d.product))]
    assert len(guarded) >= 20
    assert sum(1 for r in ALL_REPORTS if r.format.startswith("slmgr-ato") and diagnose(r)) >= 10
    # The patterns do match what they guard against.
    assert KEY_CHANGE.search("install it: slmgr /ipk <GVLK>") and ATO.search("then slmgr.vbs -ato")


@pytest.mark.parametrize("report", ALL_REPORTS, ids=lambda r: Path(r.source.replace("\\", "/")).name)
def test_no_harmful_or_pointless_fix(report: ClientReport) -> None:
    diagnoses = diagnose(report)
    ato = report.format.startswith("slmgr-ato")
    for d in diagnoses:
        guarded = _is_kms_host(d.product) or _is_eval(d.product) or _is_esu(d.product)
        for f in d.diagnoses:
            where = f"{f.rule_id} on {f.subject}: {f.remediation}"
            if guarded:
                assert not KEY_CHANGE.search(f.remediation), "key change suggested: " + where
            if ato:
                assert not ATO.search(f.remediation), "asks for /ato on /ato output: " + where
            assert not FULL_KEY.search(f.remediation), "a product key in a fix: " + where
            assert "\\" not in f.subject and "/" not in f.subject.split(":")[0], \
                "subject shows a path: " + f.subject
            if d.product.license_status is None and f.rule_id in STATE_RULES:
                errors_only = f.rule_id == "ADBA-DIAG-011" and not report.products
                assert f.severity is not Severity.HIGH or errors_only, \
                    f"high on an unknown state: {where}"
