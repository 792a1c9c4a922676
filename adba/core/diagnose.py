"""Correlation: join what a client reports with the forest's activation objects and the catalog,
and say why each product did or did not activate. Diagnoses are findings with stable codes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from adba.core.catalog import Catalog
from adba.core.client import ActivationType, ClientReport, Evidence, LicenseStatus, ProductStatus
from adba.core.findings import Finding, RuleText, Severity, make_finding
from adba.core.models import ActivationObject, ForestData

WINDOWS_APP = uuid.UUID("55c92734-d682-4d71-983e-d6ec3f16059f")
ADBA_FIRST_BUILD = 9200
NO_HRESULT = 0xFFFFFFFF
"""What readers store for an error line that prints no code (e.g. 'Error: product not found.')."""
KMS_FAILURE_CODES = frozenset({0xC004F074, 0xC004F039, 0xC004F038, 0xC004F041, 0xC004F042,
                               0x8007232A, 0x8007232B, 0x8007251D, 0x800706BA, 0xC0020017,
                               0x8007139F})


@dataclass(frozen=True)
class Explainer:
    """What correlation may use to explain HRESULTs (the knowledge base), kept abstract so the
    core does not depend on how it is loaded."""

    describe: Callable[[int], str]


HEALTHY = RuleText(
    "ADBA-DIAG-001", Severity.INFO,
    "Activated through AD by an activation object that exists",
    "The product's last activation came from an activation object that is still in the forest, "
    "with the same CSVLK. The client renews by itself (by default every 7 days) and stays "
    "activated for up to 180 days after its last contact with a DC.",
    "Nothing to do.",
)
OBJECT_GONE = RuleText(
    "ADBA-DIAG-002", Severity.HIGH,
    "Activated by an activation object that no longer exists or was replaced",
    "The client keeps its activation until the validity runs out, but at the next renewal it "
    "will not find that object; unless another object enables its KMS id, it then falls back to "
    "KMS or drops out of activation.",
    "Make sure an object enabling this product exists (adba scan); then renew on the client: "
    "slmgr /ato (it re-reads the objects) and check with slmgr /dlv.",
)
NO_OBJECT_FOR_PRODUCT = RuleText(
    "ADBA-DIAG-003", Severity.HIGH,
    "No activation object enables this product",
    "ADBA activates a client only when an activation object lists its edition's KMS id. None "
    "does in this forest.",
    "Activate the forest with a CSVLK that enables this product: slmgr /ad-activation-online "
    "<CSVLK> \"<name>\" (the evidence names suitable CSVLKs), then slmgr /ato on the client.",
)
ACT_TYPE_EXCLUDES_AD = RuleText(
    "ADBA-DIAG-004", Severity.MEDIUM,
    "The configured activation type excludes AD",
    "slmgr /act-type (VLActivationTypeEnabled) is set to KMS-only (2) or token-only (3), so the "
    "client never reads activation objects.",
    "Allow AD again on the client: slmgr /act-type 0 (any) or slmgr /act-type 1 (AD only), then "
    "slmgr /ato.",
)
NOT_GVLK = RuleText(
    "ADBA-DIAG-005", Severity.HIGH,
    "The installed key is not a KMS client key (GVLK): ADBA can never apply",
    "ADBA (like KMS) activates only volume editions installed with a generic volume licence key. "
    "A MAK, retail or OEM key is activated another way; a machine built from retail media shows "
    "'RETAIL channel' and a Validation URL in slmgr /dlv (Microsoft's own ADBA troubleshooting "
    "case).",
    "Install the GVLK for this edition (Microsoft's 'KMS client activation keys' table): "
    "slmgr /ipk <GVLK>, then slmgr /ato. Prefer /ipk over /upk, which leaves the machine without "
    "a key.",
)
OS_TOO_OLD = RuleText(
    "ADBA-DIAG-006", Severity.MEDIUM,
    "The operating system cannot use ADBA",
    "ADBA arrived with Windows 8 and Windows Server 2012; older systems never read activation "
    "objects.",
    "Activate it with a KMS host or a MAK key, or upgrade it.",
)
FOREIGN_DOMAIN = RuleText(
    "ADBA-DIAG-007", Severity.HIGH,
    "The client's domain is not in the scanned forest",
    "A client reads activation objects from its own computer's forest. The objects scanned here "
    "belong to another forest, so they cannot activate this client.",
    "Scan the client's own forest (adba scan --domain <client's domain>), or join the client to "
    "this forest.",
)
GRACE_EXPIRING = RuleText(
    "ADBA-DIAG-008", Severity.MEDIUM,
    "The activation or grace period ends soon",
    "The remaining validity is shorter than the warning window; once it runs out the product "
    "goes to notification mode.",
    "Renew now on the client: slmgr /ato, then read slmgr /dlv; if it fails, the other "
    "diagnoses for this machine say why.",
)
SEES_NO_OBJECTS = RuleText(
    "ADBA-DIAG-009", Severity.HIGH,
    "The client sees no activation objects although the forest has some",
    "slmgr /ao-list on the client found nothing, while the scan reads objects. The client either "
    "lacks read access (container DACL), asks a DC that has not replicated them, or cannot reach "
    "a DC.",
    "Check the container's permissions (adba scan: ADBA-ACL-001), which DC the client uses "
    "(nltest /dsgetdc:<domain>) and replication (repadmin /showrepl), then slmgr /ato.",
)
KMS_FALLBACK_FAILED = RuleText(
    "ADBA-DIAG-010", Severity.MEDIUM,
    "The KMS fallback failed",
    "When AD activation does not apply, a volume client tries KMS; these errors say that failed "
    "too (no KMS host found or reachable, or it refused).",
    "Fix the ADBA cause first (the other diagnoses); for KMS, check _vlmcs._tcp SRV records "
    "(nslookup -type=srv _vlmcs._tcp.<domain>), TCP 1688, or set a host: slmgr /skms host:1688.",
)
NOT_ACTIVATED = RuleText(
    "ADBA-DIAG-011", Severity.HIGH,
    "The product is not activated",
    "The licence status is not Licensed and none of the specific causes above explains it; the "
    "errors and their meanings are in the evidence.",
    "Run slmgr /ato on the client and read the error; adba explain <code> describes it.",
)
ACTIVATED_OTHERWISE = RuleText(
    "ADBA-DIAG-012", Severity.INFO,
    "Activated without AD although an activation object enables it",
    "The product is licensed, but its last activation came from KMS or a token, not from the "
    "activation object that would cover it.",
    "Nothing is broken. To move it to ADBA: slmgr /act-type 0 and slmgr /ato while a DC is "
    "reachable.",
)
UNREADABLE = RuleText(
    "ADBA-DIAG-013", Severity.MEDIUM,
    "A report could not be read",
    "The file is listed with the reason; the other reports were still processed.",
    "Collect it again (adba collector) or save slmgr output as text, in English.",
)
RULES = (HEALTHY, OBJECT_GONE, NO_OBJECT_FOR_PRODUCT, ACT_TYPE_EXCLUDES_AD, NOT_GVLK, OS_TOO_OLD,
         FOREIGN_DOMAIN, GRACE_EXPIRING, SEES_NO_OBJECTS, KMS_FALLBACK_FAILED, NOT_ACTIVATED,
         ACTIVATED_OTHERWISE, UNREADABLE)
CHECKS = ()


@dataclass(frozen=True)
class DiagnoseOptions:
    """Knobs: warning window for grace periods, and when 'now' is."""

    warn_days: int
    now: datetime


@dataclass(frozen=True)
class ProductDiagnosis:
    """One product of one report, its state and its diagnoses."""

    computer: str
    product: ProductStatus
    state: str
    diagnoses: tuple[Finding, ...]


def _forest_dns(data: ForestData) -> str | None:
    root = data.forest.root_domain_nc if data.forest else None
    if not root:
        root = data.forest.config_nc.split(",", 1)[1] if data.forest and "," in \
            data.forest.config_nc else None
    if not root:
        return None
    parts = [p.split("=", 1)[1] for p in root.split(",") if p.strip().upper().startswith("DC=")]
    return ".".join(parts).lower() or None


def _state(p: ProductStatus) -> str:
    if p.license_status is None:
        return "unknown"
    return {LicenseStatus.UNLICENSED: "unlicensed", LicenseStatus.LICENSED: "licensed",
            LicenseStatus.OOB_GRACE: "initial grace", LicenseStatus.OOT_GRACE: "additional grace",
            LicenseStatus.NON_GENUINE_GRACE: "non-genuine grace",
            LicenseStatus.NOTIFICATION: "notification",
            LicenseStatus.EXTENDED_GRACE: "extended grace"}[p.license_status]


def _ev(p: ProductStatus, *keys: str) -> list[str]:
    lines = [str(e) for e in p.evidence if any(k.lower() in e.text.lower() for k in keys)]
    return lines[:6]


class Correlator:
    """Diagnose reports against one forest."""

    def __init__(self, data: ForestData, catalog: Catalog, explainer: Explainer,
                 options: DiagnoseOptions) -> None:
        self.data = data
        self.catalog = catalog
        self.explainer = explainer
        self.options = options
        self.forest_dns = _forest_dns(data)
        self.by_dn = {o.dn.lower(): o for o in data.objects}
        self.enablers: dict[uuid.UUID, list[ActivationObject]] = {}
        for obj in data.objects:
            sku = obj.csvlk_sku_id
            if sku is None or not sku.valid or sku.is_zero:
                continue
            for kms in obj.kms_ids:
                if kms.uuid is not None:
                    self.enablers.setdefault(kms.uuid, []).append(obj)

    def diagnose(self, report: ClientReport) -> list[ProductDiagnosis]:
        """Every product with a key in the report, diagnosed."""
        computer = report.computer or report.source
        results = []
        for product in report.products:
            if product.partial_product_key is None and product.license_status is None \
                    and product.activation_id is None and not report.errors:
                continue  # an installed licence without a key: nothing to diagnose
            findings = list(self._product(report, computer, product))
            results.append(ProductDiagnosis(computer, product, _state(product), tuple(findings)))
        if not report.products and report.ao_list is not None:
            findings = list(self._ao_list_only(report, computer))
            if findings:
                results.append(ProductDiagnosis(computer, ProductStatus(name="(ao-list)"),
                                                "unknown", tuple(findings)))
        if not report.products and report.errors:
            product = ProductStatus(name="(errors only)")
            findings = list(self._errors_only(report, computer, product))
            results.append(ProductDiagnosis(computer, product, "unknown", tuple(findings)))
        return results

    def _subject(self, computer: str, p: ProductStatus) -> str:
        name = p.name or (str(p.activation_id) if p.activation_id else "product")
        return f"{computer}: {name}"

    def _kms_ids(self, p: ProductStatus) -> list[uuid.UUID]:
        if p.activation_id is None:
            return []
        sku = self.catalog.client_sku(p.activation_id)
        return list(sku.all_kms_ids) if sku else []

    def _explain_errors(self, report: ClientReport, p: ProductStatus) -> list[str]:
        codes: list[tuple[int, str]] = []
        if p.license_status_reason and p.license_status_reason not in (0, 0x4004F040):
            codes.append((p.license_status_reason, "licence status reason"))
        codes += [(e.hresult, str(e.evidence)) for e in report.errors]
        codes += [(ev.hresult, f"event {ev.event_id}" + (f" at {ev.time:%Y-%m-%d %H:%M}"
                                                         if ev.time else ""))
                  for ev in report.events if ev.hresult]
        out, seen = [], set()
        for code, where in codes:
            if code in seen:
                continue
            seen.add(code)
            if code == NO_HRESULT:  # an error line without a code: its own text says it all
                out.append(f"error without a code ({where})")
                continue
            out.append(f"0x{code:08X} ({where}): {self.explainer.describe(code)}")
        return out

    def _product(self, report: ClientReport, computer: str,
                 p: ProductStatus) -> Iterator[Finding]:
        subject = self._subject(computer, p)
        explained = self._explain_errors(report, p)
        licensed = p.license_status is LicenseStatus.LICENSED
        windows = p.application_id in (None, WINDOWS_APP)
        # 1. Domain outside the forest.
        domain = (report.domain or "").lower().rstrip(".")
        outside = bool(domain and self.forest_dns and not (
            domain == self.forest_dns or domain.endswith("." + str(self.forest_dns))))
        if outside and not (report.forest and report.forest.lower() == self.forest_dns):
            yield make_finding(FOREIGN_DOMAIN, subject, [
                f"client domain {domain}", f"scanned forest {self.forest_dns}"])
            return
        # 2. OS too old.
        build = report.os_build
        old_service = report.service_version and report.service_version.startswith(("6.0", "6.1"))
        if windows and ((build is not None and build < ADBA_FIRST_BUILD) or old_service):
            yield make_finding(OS_TOO_OLD, subject, [
                f"OS build {build}" if build is not None else
                f"Software licensing service version {report.service_version}"])
            return
        # 3. Not a GVLK.
        if p.is_gvlk is False:
            evidence = [f"channel: {p.product_key_channel or p.channel or p.description}",
                        *_ev(p, "Description", "Channel", "Validation URL", "ValidationURL")]
            if p.has_validation_url:
                evidence.append("a Validation URL is shown: the SKU is not a KMS client")
            severity = Severity.INFO if licensed else Severity.HIGH
            yield make_finding(NOT_GVLK, subject, evidence + explained, severity=severity)
            return
        ad = p.ad
        # 4. Activated by AD: does the object still exist, unchanged?
        if p.vl_activation_type is ActivationType.AD and ad is not None and ad.object_dn:
            obj = self.by_dn.get(ad.object_dn.lower())
            valid_until = self.options.now + timedelta(minutes=p.grace_minutes or 0)
            days = (p.grace_minutes or 0) // 1440
            if obj is None:
                yield make_finding(OBJECT_GONE, subject, [
                    f"AO DN: {ad.object_dn} is not in the forest",
                    f"activation valid for {days} more day(s), until about "
                    f"{valid_until:%Y-%m-%d}; it fails at renewal after that",
                    *_ev(p, "AO DN", "Activation Object", "ADActivationObject")])
                return
            changed = []
            if ad.csvlk_sku_id and obj.csvlk_sku_id and obj.csvlk_sku_id.uuid and \
                    ad.csvlk_sku_id != obj.csvlk_sku_id.uuid:
                changed.append(f"AO activation ID {ad.csvlk_sku_id}, the object now holds "
                               f"{obj.csvlk_sku_id.uuid}")
            if ad.csvlk_pid and obj.csvlk_pid and ad.csvlk_pid != obj.csvlk_pid:
                changed.append(f"AO extended PID {ad.csvlk_pid}, the object now holds "
                               f"{obj.csvlk_pid}")
            if changed:
                yield make_finding(OBJECT_GONE, subject, [
                    f"AO DN: {ad.object_dn} was replaced", *changed,
                    f"activation valid until about {valid_until:%Y-%m-%d}"],
                    title="Activated by an activation object that was replaced")
                return
            if licensed and p.grace_minutes is not None and \
                    p.grace_minutes < self.options.warn_days * 1440:
                yield make_finding(GRACE_EXPIRING, subject, [
                    f"{days} day(s) left (warning window {self.options.warn_days} days)",
                    *_ev(p, "expiration", "remaining", "GracePeriodRemaining"), *explained])
            yield make_finding(HEALTHY, subject, [
                f"activation object: {obj.label} ({obj.dn})",
                f"valid for {days} more day(s), until about {valid_until:%Y-%m-%d}; renewal is "
                "attempted every 7 days"], severity=Severity.INFO)
            return
        # 5. Configured activation type excludes AD.
        if p.vl_activation_type_enabled in (ActivationType.KMS, ActivationType.TOKEN):
            yield make_finding(ACT_TYPE_EXCLUDES_AD, subject, [
                f"configured activation type: {p.vl_activation_type_enabled.name}",
                *_ev(p, "Configured Activation Type", "VLActivationTypeEnabled")])
        # 6. Does any object enable its KMS id?
        kms_ids = self._kms_ids(p)
        enabling = [o for k in kms_ids for o in self.enablers.get(k, [])]
        if kms_ids and not enabling:
            names = sorted({c.name for k in kms_ids for c in self.catalog.csvlks_enabling(k)
                            if not (c.lab or c.preview)})
            kms_names = [f"{k} ({row.name})" if (row := self.catalog.kms_id(k)) else str(k)
                         for k in kms_ids]
            severity = Severity.MEDIUM if licensed else Severity.HIGH
            yield make_finding(NO_OBJECT_FOR_PRODUCT, subject, [
                f"product KMS id: {', '.join(kms_names)}",
                "CSVLKs that enable it: " + ("; ".join(names) if names else "unknown to the catalog"),
                *explained], severity=severity)
        elif not kms_ids and p.activation_id is not None and p.is_gvlk:
            explained.insert(0, f"activation ID {p.activation_id} is unknown to the catalog, so "
                                "adba cannot say which objects cover it")
        # 7. Client sees no objects.
        if report.ao_list is not None and not report.ao_list and self.data.objects:
            yield make_finding(SEES_NO_OBJECTS, subject, [
                "slmgr /ao-list: no objects found" + (" (schema message)"
                                                      if report.ao_list_unsupported_schema else ""),
                f"the forest holds {len(self.data.objects)} object(s)"])
        kms_errors = [line for line in explained
                      if line.startswith("0x") and int(line[2:10], 16) in KMS_FAILURE_CODES]
        if kms_errors and not licensed:
            yield make_finding(KMS_FALLBACK_FAILED, subject, kms_errors)
        if licensed:
            if enabling and p.vl_activation_type in (ActivationType.KMS, ActivationType.TOKEN):
                yield make_finding(ACTIVATED_OTHERWISE, subject, [
                    f"last activation: {p.vl_activation_type.name}",
                    f"covered by: {', '.join(o.label for o in enabling[:3])}"])
            if p.grace_minutes is not None and p.grace_minutes < self.options.warn_days * 1440:
                yield make_finding(GRACE_EXPIRING, subject, [
                    f"{p.grace_minutes // 1440} day(s) left (warning window "
                    f"{self.options.warn_days} days)"])
        elif p.license_status is not None:
            yield make_finding(NOT_ACTIVATED, subject, [
                f"licence status: {_state(p)}", *_ev(p, "License Status", "LicenseStatus"),
                *explained])
        elif report.errors:
            yield make_finding(NOT_ACTIVATED, subject, [
                "the activation attempt failed", *_ev(p, "Activating", "Error"), *explained],
                title="The activation attempt failed")

    def _ao_list_only(self, report: ClientReport, computer: str) -> Iterator[Finding]:
        if report.ao_list is not None and not report.ao_list and self.data.objects:
            yield make_finding(SEES_NO_OBJECTS, f"{computer}: slmgr /ao-list", [
                "slmgr /ao-list: no objects found",
                f"the forest holds {len(self.data.objects)} object(s)"])

    def _errors_only(self, report: ClientReport, computer: str,
                     p: ProductStatus) -> Iterator[Finding]:
        explained = self._explain_errors(report, p)
        kms = [line for line in explained
               if line.startswith("0x") and int(line[2:10], 16) in KMS_FAILURE_CODES]
        if kms:
            yield make_finding(KMS_FALLBACK_FAILED, f"{computer}: activation", kms)
        yield make_finding(NOT_ACTIVATED, f"{computer}: activation", [
            "the report holds only errors", *explained])


def unreadable_finding(source: str, reason: str) -> Finding:
    """The diagnosis for a report that could not be read."""
    return make_finding(UNREADABLE, source, [reason])


def evidence_text(evidence: Evidence) -> str:
    """One evidence line as text."""
    return str(evidence)
