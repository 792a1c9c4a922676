"""Correlation: join what a client reports with the forest's activation objects and the catalog,
and say why each product did or did not activate. Diagnoses are findings with stable codes.

Remediation follows the product's role and the evidence at hand: a KMS host, an evaluation
edition, an ESU add-on, a Home edition each get their own fix (never "install the GVLK" where
that would do harm), and a report that *is* ``slmgr /ato`` output gets its error explained
rather than a request to run /ato again. Severity follows certainty: a product whose licence
state the report does not give is never high. Times (expiry, grace) count from when the report
was taken, when it says so.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from adba.core.catalog import Catalog, Csvlk
from adba.core.client import (
    ActivationType,
    ClientReport,
    Evidence,
    KmsHost,
    KmsRequest,
    KmsResponse,
    LicenseStatus,
    ProductStatus,
)
from adba.core.diagnose_texts import (
    ACT_TYPE_EXCLUDES_AD,
    ACTIVATED_OTHERWISE,
    ESU_ADDON,
    EVALUATION,
    FOREIGN_DOMAIN,
    GRACE_EXPIRING,
    HEALTHY,
    HOME_EDITION,
    KIND_EXPLANATIONS,
    KIND_FIXES,
    KMS_BELOW_THRESHOLD,
    KMS_FALLBACK_FAILED,
    KMS_HOST_COULD_MOVE,
    KMS_HOST_KEY,
    KMS_HOST_NOT_GENUINE,
    LICENSED_BY_KMS,
    NO_OBJECT_FOR_PRODUCT,
    NOT_ACTIVATED,
    NOT_GVLK,
    OBJECT_GONE,
    OS_TOO_OLD,
    RULES,
    SEES_NO_OBJECTS,
    SUBSCRIPTION,
    UNREADABLE,
)
from adba.core.fast_init import fast_init
from adba.core.findings import Finding, RuleText, Severity, make_finding
from adba.core.kept import Kept
from adba.core.kms import (
    CLIENT_THRESHOLD,
    COUNT_CAP,
    SERVER_THRESHOLD,
    HostEpid,
    KmsClientView,
    client_view,
    identify_epid,
    threshold_text,
)
from adba.core.kms_emulators import EMPTY, EmulatorEntry, EmulatorList
from adba.core.models import ActivationObject, ForestData
from adba.core.os_age import ADBA_FIRST_BUILD, TooOld, too_old
from adba.core.product_kind import ADBA_KINDS, Classification, ProductKind, classify

__all__ = [
    "ADBA_FIRST_BUILD", "CHECKS", "KMS_FAILURE_CODES", "NO_HRESULT", "OFFICE_APPS", "RULES",
    "WINDOWS_APP",
    "Correlator", "DiagnoseOptions", "Explainer", "ProductDiagnosis", "evidence_text",
    "is_ato_report", "machine_name", "unreadable_finding",
]

WINDOWS_APP = uuid.UUID("55c92734-d682-4d71-983e-d6ec3f16059f")
OFFICE_APPS = frozenset({uuid.UUID("0ff1ce15-a989-479d-af46-f275c6370663"),
                         uuid.UUID("0ff1ce16-a989-479d-af46-f275c6370663"),
                         uuid.UUID("59a52881-a989-479d-af46-f275c6370663")})
NO_HRESULT = 0xFFFFFFFF
"""What readers store for an error line that prints no code (e.g. 'Error: product not found.')."""
KMS_FAILURE_CODES = frozenset({0xC004F074, 0xC004F039, 0xC004F038, 0xC004F041, 0xC004F042,
                               0x8007232A, 0x8007232B, 0x8007251D, 0x800706BA, 0xC0020017,
                               0x8007139F})
NOT_ENOUGH_COUNT = 0xC004F038
STATE_CODES = frozenset({0xC004F009, 0xC004F014, 0xC004F200, 0xC004F064})
"""Codes that say the product *is* not activated (grace expired, no key, not genuine), as
opposed to an attempt that failed while the licence may still hold."""
INFO_CODES = frozenset({0x4004F040, 0x4004F00C, 0x4004F00D})
CHECKS = ()
_ATO_STEP = re.compile(r"[^.]*\bslmgr(?:\.vbs)?\s+[/-]ato\b[^.]*\.?")
_ERROR_ADVICE: dict[int, str] = {
    0xC004F074: "No activation object applied and no KMS host answered. ADBA is the fix: an "
                "object must enable the product's KMS id and the client must read it (the "
                "other diagnoses say which part is missing); for KMS, check the _vlmcs._tcp "
                "SRV records and TCP 1688.",
    0xC004F081: "No activation object enables this product, or the client cannot read the "
                "objects: adba scan shows which objects exist and who may read them.",
    0xC004F014: "No product key is installed: install the edition's KMS client key (slmgr "
                "/ipk <GVLK>).",
    0xC004F069: "The key does not match the installed edition (an evaluation edition refuses "
                "volume keys: convert it with DISM /online /Set-Edition:<edition> "
                "/ProductKey:<key> /AcceptEula; check the edition with DISM /online "
                "/Get-CurrentEdition).",
    0xC004F038: "The KMS host has not counted enough machines yet (25 for client editions, 5 "
                "for servers); ADBA has no threshold.",
    0xC004F042: "The KMS host's CSVLK is too old for this product: give the host a newer "
                "CSVLK, or activate the forest with one (ADBA).",
    0xC004F041: "The KMS host itself is not activated: activate it (slui 4 by phone if it "
                "cannot reach Microsoft).",
    0xC004F06C: "The client's and the KMS host's clocks disagree: fix the time (w32tm "
                "/resync) on both.",
    0x80070005: "Access denied: run the command from an elevated prompt.",
    0xC004C008: "The key has reached its activation limit: ask the Microsoft Licensing "
                "Activation Centre for more, or use ADBA with a GVLK.",
    0xC004C020: "The MAK has reached its activation limit: ask for a new MAK, or use ADBA with "
                "a GVLK.",
}
_ERROR_ADVICE[0xC004F066] = _ERROR_ADVICE[0xC004F069]
for _code in (0xC004F039, 0x8007232A, 0x8007232B, 0x8007251D, 0x800706BA, 0xC0020017, 0x8007139F):
    _ERROR_ADVICE[_code] = _ERROR_ADVICE[0xC004F074]


@dataclass(frozen=True)
class Explainer:
    """What correlation may use to explain HRESULTs (the knowledge base), kept abstract so the
    core does not depend on how it is loaded."""

    describe: Callable[[int], str]


@dataclass(frozen=True)
class DiagnoseOptions:
    """Knobs: warning window for grace periods, and when 'now' is (used only when a report
    does not say when it was taken)."""

    warn_days: int
    now: datetime


@fast_init
@dataclass(frozen=True)
class ProductDiagnosis:
    """One product of one report, its state and its diagnoses, with what was decoded."""

    computer: str
    product: ProductStatus
    state: str
    diagnoses: tuple[Finding, ...]
    kind: ProductKind = ProductKind.UNKNOWN
    kms_client: KmsClientView | None = None
    kms_host: KmsHost | None = None
    """The KMS-host block that belongs to this product (or the machine's service block)."""
    kms_host_epid: HostEpid | None = None
    """This KMS host's own ePID, decoded (for a KMS host product)."""
    as_of: datetime | None = None
    """When the state was observed: the product's time, else the report's; None = unknown."""


@fast_init
@dataclass(frozen=True)
class _Ctx:
    report: ClientReport
    machine: str
    subject: str
    p: ProductStatus
    cls: Classification
    explained: list[str]
    codes: list[int]
    as_of: datetime
    as_of_known: bool
    kms: KmsClientView | None

    @property
    def licensed(self) -> bool:
        return self.p.license_status is LicenseStatus.LICENSED

    @property
    def ato(self) -> bool:
        return is_ato_report(self.report)

    @property
    def as_of_text(self) -> str:
        if self.as_of_known:
            when = self.as_of.astimezone(UTC) if self.as_of.tzinfo else self.as_of
            zone = " UTC" if self.as_of.tzinfo else ""
            return f"as of {when:%Y-%m-%d %H:%M}{zone}, when the report was taken"
        return "as of now: the report does not say when it was taken"


def machine_name(report: ClientReport) -> str:
    """The machine as people know it: the computer name, else the report file's base name."""
    if report.computer:
        return report.computer
    return re.split(r"[\\/]", report.source.rstrip("\\/"))[-1] or report.source


def is_ato_report(report: ClientReport) -> bool:
    """Whether the report is the output of ``slmgr /ato`` (so asking for it again is pointless)."""
    return report.format.startswith("slmgr-ato")


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
    """The first six evidence lines of ``p`` that name one of ``keys`` (any case)."""
    wanted = [k.lower() for k in keys]
    lines: list[str] = []
    for e in p.evidence:
        text = e.text.lower()
        for key in wanted:
            if key in text:
                lines.append(str(e))
                break
        if len(lines) == 6:
            break
    return lines


def _short_name(name: str | None) -> str | None:
    """An ESU add-on's name without its list of a dozen editions."""
    if name is None:
        return None
    return re.sub(r"\s+add-on for\s.*$", " add-on", name)


def _drop_ato_steps(text: str) -> str:
    """A remediation without its ``slmgr /ato`` sentences, for a report that is /ato output."""
    kept = _ATO_STEP.sub("", text).strip()
    kept = re.sub(r"\s{2,}", " ", kept)
    return (kept + " " if kept else "") + ("This report already is the output of an activation "
                                           "attempt: after the fix, repeat that attempt.")


def _by_certainty(p: ProductStatus, *, licensed: Severity, unlicensed: Severity,
                  unknown: Severity = Severity.MEDIUM) -> Severity:
    if p.license_status is LicenseStatus.LICENSED:
        return licensed
    if p.license_status is None:
        return unknown if unknown.rank < Severity.HIGH.rank else Severity.MEDIUM
    return unlicensed


def _article(label: str) -> str:
    return "an" if label[:1].lower() in "aeiou" or label.startswith(("OEM", "MAK")) else "a"


def _after(start: datetime, minutes: int) -> datetime:
    """``start`` plus ``minutes``, clamped to the calendar (a report may claim 10^11 minutes)."""
    try:
        return start + timedelta(minutes=minutes)
    except OverflowError:
        edge = datetime.max if minutes > 0 else datetime.min
        return edge.replace(tzinfo=start.tzinfo)


def _days(minutes: int) -> int:
    return minutes // 1440


class Correlator:
    """Diagnose reports against one forest."""

    def __init__(self, data: ForestData, catalog: Catalog, explainer: Explainer,
                 options: DiagnoseOptions, emulators: EmulatorList = EMPTY) -> None:
        self.data = data
        self.catalog = catalog
        self.explainer = explainer
        self.options = options
        self.emulators = emulators
        self.forest_dns = _forest_dns(data)
        self.by_dn = {o.dn.lower(): o for o in data.objects}
        self._epids: Kept[tuple[str, date], HostEpid] = Kept(4096)
        self.enablers: dict[uuid.UUID, list[ActivationObject]] = {}
        for obj in data.objects:
            sku = obj.csvlk_sku_id
            if sku is None or not sku.valid or sku.is_zero:
                continue
            for kms in obj.kms_ids:
                if kms.uuid is not None:
                    self.enablers.setdefault(kms.uuid, []).append(obj)

    # ------------------------------------------------------------------ entry point
    def diagnose(self, report: ClientReport) -> list[ProductDiagnosis]:
        """Every product with a key in the report, diagnosed."""
        machine = machine_name(report)
        results: list[ProductDiagnosis] = []
        host_block_used = False
        for product in report.products:
            if product.partial_product_key is None and product.license_status is None \
                    and product.activation_id is None and not report.errors \
                    and product.kms_host is None and not product.is_kms_host:
                continue  # an installed licence without a key: nothing to diagnose
            if product.name is None and product.activation_id is not None and \
                    (sku := self.catalog.client_sku(product.activation_id)) is not None:
                # Events give only the SKU id; the catalog's name says so.
                product = dataclasses.replace(product, name=f"{sku.name} (name from the catalog)")
            ctx = self._context(report, machine, product)
            block = product.kms_host
            if block is None and ctx.cls.kind is ProductKind.KMS_HOST:
                block = report.kms_host_service
            host_block_used |= block is not None
            own_epid = self._own_epid(ctx) if ctx.cls.kind is ProductKind.KMS_HOST else None
            findings = list(self._product(ctx, block, own_epid))
            findings.sort(key=lambda f: f.sort_key())
            results.append(ProductDiagnosis(machine, product, _state(product), tuple(findings),
                                            ctx.cls.kind, ctx.kms, block, own_epid,
                                            ctx.as_of if ctx.as_of_known else None))
        if report.kms_host_service is not None and not host_block_used:
            product = ProductStatus(name="(KMS host service)")
            ctx = self._context(report, machine, product)
            findings = list(self._host_block(ctx, report.kms_host_service, office=False))
            results.append(ProductDiagnosis(machine, product, "unknown", tuple(findings),
                                            ProductKind.KMS_HOST, None,
                                            report.kms_host_service))
        if not report.products and report.ao_list is not None:
            findings = list(self._ao_list_only(report, machine))
            if findings:
                results.append(ProductDiagnosis(machine, ProductStatus(name="(ao-list)"),
                                                "unknown", tuple(findings)))
        if not report.products and (report.errors or self._has_kms_events(report)):
            product = ProductStatus(name="(errors only)" if report.errors else "(events)")
            ctx = self._context(report, machine, product)
            findings = list(self._errors_only(ctx))
            if findings:
                findings.sort(key=lambda f: f.sort_key())
                results.append(ProductDiagnosis(machine, product, "unknown", tuple(findings)))
        return results

    # ------------------------------------------------------------------ helpers
    def _context(self, report: ClientReport, machine: str, p: ProductStatus) -> _Ctx:
        name = _short_name(p.name) or (str(p.activation_id) if p.activation_id else "product")
        explained, codes = self._explain_errors(report, p)
        as_of = p.as_of or report.collected_at
        today = (as_of or self.options.now).date()
        kms = client_view(p.kms, self.catalog, today, self.emulators,
                          self._identify) if p.kms else None
        return _Ctx(report, machine, f"{machine}: {name}", p,
                    classify(p, report.os_name or report.os_caption), explained, codes,
                    as_of or self.options.now, as_of is not None, kms)

    def _make(self, ctx: _Ctx, rule: RuleText, evidence: Iterable[str], *,
              severity: Severity | None = None, remediation: str | None = None,
              title: str | None = None, explanation: str | None = None,
              subject: str | None = None) -> Finding:
        finding = make_finding(rule, subject or ctx.subject, list(evidence), severity=severity,
                               remediation=remediation, title=title)
        if ctx.ato and re.search(r"\bslmgr(?:\.vbs)?\s+[/-]ato\b", finding.remediation):
            finding = dataclasses.replace(finding,
                                          remediation=_drop_ato_steps(finding.remediation))
        if explanation is not None:
            finding = dataclasses.replace(finding, explanation=explanation)
        return finding

    def _kms_ids(self, p: ProductStatus) -> list[uuid.UUID]:
        if p.activation_id is None:
            return []
        sku = self.catalog.client_sku(p.activation_id)
        return list(sku.all_kms_ids) if sku else []

    def _enabling(self, p: ProductStatus) -> tuple[list[uuid.UUID], list[ActivationObject]]:
        kms_ids = self._kms_ids(p)
        seen: dict[str, ActivationObject] = {}
        for k in kms_ids:
            for o in self.enablers.get(k, []):
                seen.setdefault(o.dn.lower(), o)
        return kms_ids, list(seen.values())

    def _csvlk_names(self, kms_ids: list[uuid.UUID]) -> list[str]:
        return sorted({c.name for k in kms_ids for c in self.catalog.csvlks_enabling(k)
                       if not (c.lab or c.preview)})

    def _explain_errors(self, report: ClientReport,
                        p: ProductStatus) -> tuple[list[str], list[int]]:
        codes: list[tuple[int, str]] = []
        if p.license_status_reason and p.license_status_reason not in (0, 0x4004F040):
            codes.append((p.license_status_reason, "licence status reason"))
        codes += [(e.hresult, str(e.evidence)) for e in report.errors]
        codes += [(ev.hresult, f"event {ev.event_id}" + (f" at {ev.time:%Y-%m-%d %H:%M}"
                                                         if ev.time else ""))
                  for ev in report.events if ev.hresult]
        out: list[str] = []
        seen: list[int] = []
        for code, where in codes:
            if code in seen:
                continue
            seen.append(code)
            if code == NO_HRESULT:  # an error line without a code: its own text says it all
                out.append(f"error without a code ({where})")
                continue
            out.append(f"0x{code:08X} ({where}): {self.explainer.describe(code)}")
        return out, seen

    @staticmethod
    def _kms_errors(ctx: _Ctx) -> list[str]:
        return [line for line in ctx.explained
                if line.startswith("0x") and int(line[2:10], 16) in KMS_FAILURE_CODES]

    def _error_fix(self, ctx: _Ctx) -> str:
        """The remediation for a failed activation, from the codes the report holds."""
        real = [c for c in ctx.codes if c != NO_HRESULT and c not in INFO_CODES]
        advice = [_ERROR_ADVICE[c] for c in real if c in _ERROR_ADVICE]
        if ctx.cls.kind not in ADBA_KINDS:
            advice = [a for a in advice if "/ipk" not in a]
        advice = list(dict.fromkeys(advice))
        named = ", ".join(f"0x{c:08X}" for c in real[:3])
        if ctx.ato:
            head = ("This report is the output of an activation attempt (/ato) that failed"
                    + (f" with {named}" if named else "") + ", explained in the evidence. ")
            tail = (" " + " ".join(advice)) if advice else \
                (f" adba explain {named.split(',')[0]} describes the code." if named else "")
            return head.strip() + tail + " After the fix, repeat the activation."
        if real:
            return (f"The report already gives the reason ({named}, explained in the "
                    "evidence). " + (" ".join(advice) if advice else
                                     f"adba explain 0x{real[0]:08X} has the details."))
        return NOT_ACTIVATED.remediation

    def _code_severity(self, ctx: _Ctx) -> Severity:
        """What the error codes justify when the licence state itself is unknown."""
        real = [c for c in ctx.codes if c not in INFO_CODES]
        if not real:
            return Severity.INFO if ctx.codes else Severity.MEDIUM
        if any(c in STATE_CODES for c in real):
            return Severity.HIGH if ctx.p.license_status is not None or \
                not ctx.report.products else Severity.MEDIUM
        return Severity.MEDIUM

    def _own_epid(self, ctx: _Ctx) -> HostEpid | None:
        if not ctx.p.extended_pid:
            return None
        return self._identify(ctx.p.extended_pid, ctx.as_of.date())

    def _identify(self, text: str, today: date) -> HostEpid:
        """:func:`identify_epid` with this forest's catalog, kept per ePID and day (a fleet's
        clients name the same few KMS hosts)."""
        return self._epids.get((text, today),
                               lambda: identify_epid(text, self.catalog, today, self.emulators),
                               keep=len(text) <= 200)

    @staticmethod
    def _has_kms_events(report: ClientReport) -> bool:
        return any(ev.kms_request or ev.kms_response for ev in report.events)

    # ------------------------------------------------------------------ one product
    def _product(self, ctx: _Ctx, block: KmsHost | None,
                 own_epid: HostEpid | None) -> Iterator[Finding]:
        p, report = ctx.p, ctx.report
        kind = ctx.cls.kind
        windows = p.application_id in (None, WINDOWS_APP)
        # 1. Domain outside the forest.
        domain = (report.domain or "").lower().rstrip(".")
        outside = bool(domain and self.forest_dns and not (
            domain == self.forest_dns or domain.endswith("." + str(self.forest_dns))))
        if outside and not (report.forest and report.forest.lower() == self.forest_dns):
            yield self._make(ctx, FOREIGN_DOMAIN, [
                f"client domain {domain}", f"scanned forest {self.forest_dns}"])
            return
        # 2. A KMS host: its key stays; what it does for others.
        if kind is ProductKind.KMS_HOST:
            yield from self._kms_host_product(ctx, block, own_epid)
            return
        old = too_old(report, p) if windows else None
        # 3. Kinds ADBA can never activate, each with its own fix.
        if kind not in ADBA_KINDS:
            yield from self._other_kind(ctx, old)
            return
        # 4. OS too old (a volume client of a system before Windows 8 / Server 2012).
        if old is not None:
            yield self._too_old(ctx, old)
            yield from self._kms_facts(ctx, old=old)
            return
        if p.is_gvlk is False:  # a channel the classifier did not name
            yield from self._other_kind(ctx, None)
            return
        yield from self._volume_client(ctx)

    def _too_old(self, ctx: _Ctx, old: TooOld, *, severity: Severity | None = None) -> Finding:
        sev = severity or _by_certainty(ctx.p, licensed=Severity.LOW, unlicensed=Severity.MEDIUM)
        return self._make(ctx, OS_TOO_OLD, [f"{old.name}: released before Windows 8 / Server "
                                            "2012, so it never reads activation objects",
                                            *old.evidence], severity=sev,
                          title=f"{old.name} cannot use ADBA")

    def _volume_client(self, ctx: _Ctx) -> Iterator[Finding]:
        p = ctx.p
        licensed = ctx.licensed
        ad = p.ad
        # Activated by AD: does the object still exist, unchanged?
        if p.vl_activation_type is ActivationType.AD and ad is not None and ad.object_dn:
            obj = self.by_dn.get(ad.object_dn.lower())
            valid_until = _after(ctx.as_of, p.grace_minutes or 0)
            days = _days(p.grace_minutes or 0)
            validity = (f"valid for {days} more day(s), until about {valid_until:%Y-%m-%d} "
                        f"({ctx.as_of_text})" if p.grace_minutes is not None else
                        "the report does not give the remaining validity")
            if obj is None:
                yield self._make(ctx, OBJECT_GONE, [
                    f"AO DN: {ad.object_dn} is not in the forest",
                    f"activation {validity}; it fails at renewal after that",
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
                yield self._make(ctx, OBJECT_GONE, [
                    f"AO DN: {ad.object_dn} was replaced", *changed,
                    f"activation {validity}"],
                    title="Activated by an activation object that was replaced")
                return
            if licensed and p.grace_minutes is not None and \
                    p.grace_minutes < self.options.warn_days * 1440:
                yield self._make(ctx, GRACE_EXPIRING, [
                    f"{days} day(s) left, until about {valid_until:%Y-%m-%d} "
                    f"({ctx.as_of_text}; warning window {self.options.warn_days} days)",
                    *_ev(p, "expiration", "remaining", "GracePeriodRemaining"), *ctx.explained])
            yield self._make(ctx, HEALTHY, [
                f"activation object: {obj.label} ({obj.dn})",
                f"{validity}; renewal is attempted every 7 days"],
                severity=Severity.INFO)
            return
        # Configured activation type excludes AD.
        if p.vl_activation_type_enabled in (ActivationType.KMS, ActivationType.TOKEN):
            yield self._make(ctx, ACT_TYPE_EXCLUDES_AD, [
                f"configured activation type: {p.vl_activation_type_enabled.name}",
                *_ev(p, "Configured Activation Type", "VLActivationTypeEnabled")])
        # Does any object enable its KMS id?
        kms_ids, enabling = self._enabling(p)
        explained = list(ctx.explained)
        if kms_ids and not enabling:
            names = self._csvlk_names(kms_ids)
            kms_names = [f"{k} ({row.name})" if (row := self.catalog.kms_id(k)) else str(k)
                         for k in kms_ids]
            yield self._make(ctx, NO_OBJECT_FOR_PRODUCT, [
                f"product KMS id: {', '.join(kms_names)}",
                "CSVLKs that enable it: " + ("; ".join(names) if names else "unknown to the catalog"),
                *explained], severity=_by_certainty(p, licensed=Severity.MEDIUM,
                                                    unlicensed=Severity.HIGH))
        elif not kms_ids and p.activation_id is not None and p.is_gvlk:
            explained.insert(0, f"activation ID {p.activation_id} is unknown to the catalog, so "
                                "adba cannot say which objects cover it")
        # Client sees no objects.
        report = ctx.report
        if report.ao_list is not None and not report.ao_list and self.data.objects:
            yield self._make(ctx, SEES_NO_OBJECTS, [
                "slmgr /ao-list: no objects found" + (" (schema message)"
                                                      if report.ao_list_unsupported_schema else ""),
                f"the forest holds {len(self.data.objects)} object(s)"])
        kms_errors = self._kms_errors(ctx)
        if kms_errors and not licensed:
            yield self._make(ctx, KMS_FALLBACK_FAILED, kms_errors,
                             severity=Severity.MEDIUM)
        yield from self._kms_facts(ctx, kms_ids=kms_ids, enabling=enabling)
        if licensed:
            if enabling and p.vl_activation_type is ActivationType.TOKEN:
                yield self._make(ctx, ACTIVATED_OTHERWISE, [
                    f"last activation: {p.vl_activation_type.name}",
                    f"covered by: {', '.join(o.label for o in enabling[:3])}"])
            if p.grace_minutes is not None and p.grace_minutes < self.options.warn_days * 1440:
                until = _after(ctx.as_of, p.grace_minutes)
                yield self._make(ctx, GRACE_EXPIRING, [
                    f"{_days(p.grace_minutes)} day(s) left, until about {until:%Y-%m-%d} "
                    f"({ctx.as_of_text}; warning window {self.options.warn_days} days)"])
        elif p.license_status is not None:
            left = []
            if p.grace_minutes:
                until = _after(ctx.as_of, p.grace_minutes)
                left.append(f"{_days(p.grace_minutes)} day(s) of grace left, until about "
                            f"{until:%Y-%m-%d} ({ctx.as_of_text})")
            yield self._make(ctx, NOT_ACTIVATED, [
                f"licence status: {_state(p)}", *left,
                *_ev(p, "License Status", "LicenseStatus"), *explained],
                remediation=self._error_fix(ctx))
        elif report.errors:
            yield self._make(ctx, NOT_ACTIVATED, [
                "the activation attempt failed; the report does not give the licence status",
                *_ev(p, "Activating", "Error"), *explained],
                title="The activation attempt failed", severity=self._code_severity(ctx),
                remediation=self._error_fix(ctx))

    # ------------------------------------------------------------------ other kinds
    def _other_kind(self, ctx: _Ctx, old: TooOld | None) -> Iterator[Finding]:
        p = ctx.p
        kind = ctx.cls.kind
        evidence = [f"{kind.label}: {ctx.cls.reason}"]
        if kind is ProductKind.EVALUATION:
            if p.evaluation_end:
                evidence.append(f"evaluation ends {p.evaluation_end}")
            if p.grace_minutes and not ctx.licensed:
                evidence.append(f"{_days(p.grace_minutes)} day(s) of grace left "
                                f"({ctx.as_of_text})")
            server = ctx.cls.server
            edition = (ctx.cls.edition or "")
            target = re.sub(r"Eval(?:uation)?$", "", edition) if edition else ""
            if server is False or (server is None and old is not None):
                fix = ("A Windows client evaluation edition cannot be converted: reinstall from "
                       "volume-licensing media with a supported version; its GVLK then "
                       "activates it through ADBA.")
            else:
                fix = (f"Convert it in place: DISM /online /Set-Edition:{target or '<edition>'} "
                       "/ProductKey:<key> /AcceptEula (DISM /online /Get-TargetEditions lists "
                       "the editions; use that edition's GVLK as the key to make it an ADBA "
                       "client; a domain controller must be demoted first).")
                if server is None:
                    fix = ("Windows Server: " + fix + " Windows client evaluation editions "
                           "cannot be converted: reinstall from volume-licensing media.")
            yield self._make(ctx, EVALUATION, [*evidence, *ctx.explained],
                             severity=_by_certainty(p, licensed=Severity.LOW,
                                                    unlicensed=Severity.HIGH),
                             remediation=fix)
        elif kind is ProductKind.ESU:
            act = str(p.activation_id) if p.activation_id else "<ActivationID>"
            if ctx.licensed:
                fix = "Nothing to do: the add-on is activated. Leave the operating system's key alone."
            elif ctx.ato:
                fix = self._error_fix(ctx) + " Leave the operating system's key alone."
            else:
                fix = (f"Activate the add-on by its own activation ID: slmgr /ato {act}. The ESU "
                       "prerequisites (servicing stack and licensing preparation updates) must "
                       "be installed first. Leave the operating system's key alone.")
            yield self._make(ctx, ESU_ADDON, [*evidence, f"licence status: {_state(p)}",
                                               *ctx.explained],
                             severity=_by_certainty(p, licensed=Severity.INFO,
                                                    unlicensed=Severity.HIGH),
                             remediation=fix)
        elif kind is ProductKind.HOME:
            yield self._make(ctx, HOME_EDITION, [*evidence, f"licence status: {_state(p)}"],
                             severity=_by_certainty(p, licensed=Severity.LOW,
                                                    unlicensed=Severity.HIGH))
        elif kind is ProductKind.SUBSCRIPTION:
            yield self._make(ctx, SUBSCRIPTION, [*evidence, f"licence status: {_state(p)}",
                                                 *ctx.explained],
                             severity=_by_certainty(p, licensed=Severity.INFO,
                                                    unlicensed=Severity.MEDIUM))
        else:
            key = kind.value if kind.value in KIND_FIXES else "unknown"
            extra = [*_ev(p, "Description", "Channel", "Validation URL", "ValidationURL")]
            if p.has_validation_url:
                extra.append("a Validation URL is shown: the SKU is not a KMS client")
            if 0x8007007B in ctx.codes:
                extra.append("0x8007007B (KMS host not found) is a red herring here: a machine "
                             "without a KMS client key has nothing to ask a KMS host for "
                             "(Microsoft's ADBA case study saw the same)")
            fix = KIND_FIXES[key]
            if not ctx.licensed and kind is ProductKind.MAK:
                fix = ("Activate the MAK (a limit error such as 0xC004C008 or 0xC004C020 needs a "
                       "new MAK), or move the machine to ADBA with the edition's KMS client "
                       "key: slmgr /ipk <GVLK>. Then activate: slmgr /ato.")
            yield self._make(ctx, NOT_GVLK, [*evidence, *extra, *ctx.explained],
                             severity=_by_certainty(p, licensed=Severity.INFO,
                                                    unlicensed=Severity.HIGH),
                             remediation=fix, explanation=KIND_EXPLANATIONS[key],
                             title=f"The installed key is {_article(kind.label)} {kind.label}, "
                                   "not a KMS client key (GVLK): ADBA can never apply"
                             if kind is not ProductKind.UNKNOWN else None)
        if old is not None:
            yield self._too_old(ctx, old, severity=Severity.LOW)

    # ------------------------------------------------------------------ KMS
    def _kms_facts(self, ctx: _Ctx, *, kms_ids: list[uuid.UUID] | None = None,
                   enabling: list[ActivationObject] | None = None,
                   old: TooOld | None = None) -> Iterator[Finding]:
        """KMS client facts: licensed by which host, genuine or not, count thresholds."""
        p = ctx.p
        view = ctx.kms
        if kms_ids is None or enabling is None:
            kms_ids, enabling = self._enabling(p)
        yield from self._not_genuine(ctx)
        yield from self._client_count(ctx)
        ad_activated = p.vl_activation_type is ActivationType.AD or \
            bool(p.ad and p.ad.object_dn)
        by_kms = p.vl_activation_type is ActivationType.KMS or (
            p.vl_activation_type is None and not ad_activated and view is not None and
            bool(view.host or view.host_epid))
        if not (ctx.licensed and by_kms):
            return
        evidence = [f"last activation: KMS, host {view.host_text if view else '— (not recorded)'}"]
        if view is not None:
            if view.ip:
                evidence.append(f"host address {view.ip}")
            if view.host_epid is not None:
                evidence.append(view.host_epid.describe())
            if view.intervals_text != "—":
                evidence.append(view.intervals_text)
            if view.host_caching is not None:
                evidence.append(f"host caching {view.caching_text}")
        if p.grace_minutes is not None:
            until = _after(ctx.as_of, p.grace_minutes)
            evidence.append(f"valid until about {until:%Y-%m-%d} ({ctx.as_of_text})")
        names = self._csvlk_names(kms_ids)
        excluded = p.vl_activation_type_enabled is ActivationType.KMS
        host_label = view.host if view and view.host else "(unnamed)"
        if view is not None and view.found_by:
            host_label += " (registered with /skms)" if view.found_by == "registered" \
                else " (found by DNS)"
        if old is not None:
            evidence.append(f"{old.name} cannot use ADBA, whatever the forest holds: it depends "
                            "on the KMS host for as long as it runs")
            fix = ("Nothing is broken while the KMS host works. Keep a KMS host for it until the "
                   "machine is upgraded (ADBA-DIAG-006).")
            title = f"Licensed by KMS host {host_label}; it can never move to AD"
        elif enabling:
            cover = ", ".join(o.label for o in enabling[:3])
            if excluded:
                evidence.append(f"an activation object enables this product ({cover}), but the "
                                "configured activation type is KMS only: AD does not take over "
                                "(ADBA-DIAG-004)")
                fix = ("Nothing is broken. To let AD take over: slmgr /act-type 0. Then, while a "
                       "DC is reachable: slmgr /ato.")
            else:
                evidence.append(f"an activation object enables this product ({cover}): the "
                                "client tries AD first at its next renewal, so AD takes over")
                fix = ("Nothing is broken: AD takes over at the next renewal. To switch now, "
                       "while a DC is reachable: slmgr /ato.")
            title = f"Licensed by KMS host {host_label}; AD would take over"
        else:
            evidence.append("no activation object in this forest enables this product: the "
                            "client depends on the KMS host"
                            + (f"; CSVLKs that would: {'; '.join(names)}" if names else ""))
            fix = LICENSED_BY_KMS.remediation
            title = f"Licensed by KMS host {host_label}; no activation object covers it"
        yield self._make(ctx, LICENSED_BY_KMS, evidence, remediation=fix, title=title)

    def _listed_text(self, entry: EmulatorEntry) -> str:
        cites = "; ".join(s.cite for s in entry.sources)
        return f"{entry.value} is listed publicly as a KMS emulator host ({cites})"

    def _not_genuine(self, ctx: _Ctx) -> Iterator[Finding]:
        signals: list[tuple[Severity, str]] = []
        view = ctx.kms
        if view is not None:
            if view.listed_host is not None:
                signals.append((Severity.HIGH, self._listed_text(view.listed_host)))
            epid = view.host_epid
            if epid is not None:
                if epid.listed is not None:
                    signals.append((Severity.HIGH, self._listed_text(epid.listed)))
                if epid.parsed is None:
                    signals.append((Severity.MEDIUM, epid.describe() +
                                    " (a Microsoft KMS host always sends one)"))
                elif epid.matches_no_csvlk:
                    signals.append((Severity.HIGH if epid.group_known else Severity.MEDIUM,
                                    epid.describe()))
                for problem in epid.problems:
                    if problem.code in ("channel", "day", "future", "placeholder"):
                        signals.append((Severity.HIGH, f"host ePID: {problem.message}"))
        request, response = self._latest_kms_events(ctx.report, ctx.p)
        if request is not None and request.host:
            entry = self.emulators.host(request.host)
            if entry is not None and not (view and view.listed_host is entry):
                signals.append((Severity.HIGH, self._listed_text(entry) + " (event 12288)"))
        if response is not None and response.current_count is not None and \
                response.current_count > COUNT_CAP:
            signals.append((Severity.HIGH, f"the host answered with a count of "
                                           f"{response.current_count} (event 12289); a Microsoft "
                                           f"KMS host never counts above {COUNT_CAP}"))
        if not signals:
            return
        host = (view.host if view and view.host else None) or (request.host if request else None)
        evidence = [f"KMS host: {view.host_text if view and view.host else host or '(unnamed)'}"]
        if view is not None and view.ip:
            evidence.append(f"host address {view.ip}")
        evidence += [text for _sev, text in signals]
        if ctx.licensed:
            evidence.append(f"licence status: licensed, by that host ({ctx.as_of_text})")
        severity = max((sev for sev, _t in signals), key=lambda s: s.rank)
        if severity is Severity.HIGH:
            title = f"The KMS host {host or '(unnamed)'} is not a genuine Microsoft KMS host " \
                    "(an emulator)"
        else:
            title = f"The KMS host {host or '(unnamed)'} may not be a genuine Microsoft KMS host"
            evidence.append("not certain: the catalog may lack this CSVLK (a pre-release or a "
                            "very new one); compare the host's ePID with its CSVLK on the host "
                            "itself (slmgr /dlv there)")
        yield self._make(ctx, KMS_HOST_NOT_GENUINE, evidence, severity=severity, title=title)

    def _latest_kms_events(self, report: ClientReport,
                           p: ProductStatus) -> tuple[KmsRequest | None, KmsResponse | None]:
        request: KmsRequest | None = None
        response: KmsResponse | None = None
        events = sorted((ev for ev in report.events if ev.kms_request or ev.kms_response),
                        key=lambda ev: ev.time.timestamp() if ev.time else float("-inf"))
        for ev in events:
            if ev.kms_request is not None:
                sku = ev.kms_request.sku_id
                if p.activation_id is None or sku is None or sku == p.activation_id:
                    request = ev.kms_request
            if ev.kms_response is not None:
                response = ev.kms_response
        return request, response

    def _client_count(self, ctx: _Ctx) -> Iterator[Finding]:
        """A client told (by event 12289 or 0xC004F038) that its KMS host's count is too low."""
        request, response = self._latest_kms_events(ctx.report, ctx.p)
        server = ctx.cls.server
        office = ctx.p.application_id in OFFICE_APPS
        needed = request.minimum_count if request and request.minimum_count else (
            SERVER_THRESHOLD if server or office else CLIENT_THRESHOLD)
        count = response.current_count if response else None
        low = count is not None and count < needed
        if not low and NOT_ENOUGH_COUNT not in ctx.codes:
            return
        host = (ctx.kms.host if ctx.kms and ctx.kms.host else None) or \
            (request.host if request else None)
        evidence = [f"KMS host: {host or '(unnamed)'}"]
        if count is not None:
            evidence.append(f"the host reports a count of {count}; this product needs {needed} "
                            f"({'server' if server else 'client'} edition"
                            + (", from the request's N-policy" if request and
                               request.minimum_count else "") + f"; the count never exceeds "
                            f"{COUNT_CAP})")
        evidence += [line for line in ctx.explained if line.startswith(f"0x{NOT_ENOUGH_COUNT:08X}")]
        yield self._make(ctx, KMS_BELOW_THRESHOLD, evidence,
                         severity=Severity.MEDIUM if not ctx.licensed else Severity.LOW,
                         title=f"The KMS host {host} is below its activation threshold"
                         if host else None)

    def _kms_host_product(self, ctx: _Ctx, block: KmsHost | None,
                          own_epid: HostEpid | None) -> Iterator[Finding]:
        p = ctx.p
        office = p.application_id in OFFICE_APPS
        csvlk = self._host_csvlk(p, own_epid)
        evidence = [f"{ProductKind.KMS_HOST.label}: {ctx.cls.reason}",
                    f"licence status: {_state(p)}"]
        if csvlk is not None:
            evidence.append(f"CSVLK: {csvlk.name} ({csvlk.sku_id})")
        if own_epid is not None:
            evidence.append(own_epid.describe().replace("host ePID", "this host's ePID", 1))
            if csvlk is not None and own_epid.csvlks and csvlk not in own_epid.csvlks:
                evidence.append(f"the ePID's key serial lies in the key block of "
                                f"{own_epid.csvlk_names}, not of {csvlk.name}")
        if block is not None and block.current_count is not None:
            evidence.append(f"current count {block.current_count}: "
                            f"{threshold_text(block.current_count, office)}")
        yield self._make(ctx, KMS_HOST_KEY, [*evidence, *ctx.explained],
                         severity=_by_certainty(p, licensed=Severity.INFO,
                                                unlicensed=Severity.HIGH, unknown=Severity.LOW))
        if block is not None:
            yield from self._host_block(ctx, block, office)
        yield self._could_move(ctx, csvlk, office)

    def _host_csvlk(self, p: ProductStatus, own_epid: HostEpid | None) -> Csvlk | None:
        if p.activation_id is not None:
            row = self.catalog.csvlk(p.activation_id)
            if row is not None:
                return row
        if own_epid is not None and len(own_epid.csvlks) == 1:
            return own_epid.csvlks[0]
        return None

    def _host_block(self, ctx: _Ctx, block: KmsHost, office: bool) -> Iterator[Finding]:
        count = block.current_count
        if count is None:
            return
        needed = SERVER_THRESHOLD if office else CLIENT_THRESHOLD
        if count >= needed and count <= COUNT_CAP:
            return
        evidence = [f"current count {count}: {threshold_text(count, office)}"]
        if block.total_requests is not None:
            evidence.append(f"{block.total_requests} request(s) received in all, "
                            f"{block.failed_requests or 0} failed")
        if count > COUNT_CAP:
            yield self._make(ctx, KMS_HOST_NOT_GENUINE, evidence, severity=Severity.MEDIUM,
                             title="This KMS host reports a count above 50")
            return
        severity = Severity.MEDIUM if count < SERVER_THRESHOLD else Severity.LOW
        yield self._make(ctx, KMS_BELOW_THRESHOLD, evidence, severity=severity,
                         title=f"This KMS host is below its activation threshold ({count} of "
                               f"{needed})")

    def _could_move(self, ctx: _Ctx, csvlk: Csvlk | None, office: bool) -> Finding:
        evidence: list[str] = []
        fix = KMS_HOST_COULD_MOVE.remediation
        title = None
        if csvlk is None:
            evidence.append("the report does not name this host's CSVLK (no activation ID or "
                            "ePID the catalog knows)")
        else:
            same = [o for o in self.data.objects
                    if o.csvlk_sku_id and o.csvlk_sku_id.uuid == csvlk.sku_id]
            wanted = set(csvlk.kms_ids)
            wider = [o for o in self.data.objects if o not in same and wanted and
                     wanted <= {k.uuid for k in o.kms_ids if k.uuid}
                     and o.csvlk_sku_id and o.csvlk_sku_id.valid and not o.csvlk_sku_id.is_zero]
            old = re.search(r"Vista|2008|Windows 7\b|Office 2010", csvlk.name)
            if old:
                evidence.append(f"CSVLK {csvlk.name}: it only activates systems too old for ADBA")
                fix = ("This CSVLK cannot move to ADBA: the products it activates never read "
                       "activation objects. Keep the host while they remain, and activate the "
                       "forest with a current CSVLK for newer systems: slmgr "
                       "/ad-activation-online <CSVLK> \"<name>\".")
                title = "This KMS host's CSVLK is too old for ADBA"
            elif same:
                evidence.append(f"the forest already has an object for CSVLK {csvlk.name}: "
                                + ", ".join(o.label for o in same[:3]))
                fix = ("Nothing to create: clients that can use ADBA are already activated by AD. "
                       "Keep the KMS host only while clients that cannot (Windows 7, Server 2008 "
                       "R2, Office 2010, machines outside the forest) remain; then retire it and "
                       "remove its _vlmcs._tcp SRV record.")
                title = "This KMS host's CSVLK already has an activation object"
            elif wider:
                evidence.append(f"no object was made from CSVLK {csvlk.name}, but "
                                f"{', '.join(o.label for o in wider[:3])} enables everything "
                                "it does")
                fix = ("Nothing to create: ADBA already covers what this host activates. Keep "
                       "the KMS host only while clients that cannot use ADBA remain; then retire "
                       "it and remove its _vlmcs._tcp SRV record.")
                title = "Another activation object already covers this KMS host's products"
            else:
                evidence.append(f"the forest has no object for CSVLK {csvlk.name} "
                                f"({csvlk.sku_id}): it would need one")
                title = f"This KMS host could move to ADBA (CSVLK {csvlk.name})"
        if office:
            evidence.append("an Office CSVLK: install the matching Office Volume License Pack "
                            "on the machine that creates the object")
        host_os = too_old(ctx.report, ctx.p)
        if host_os is not None:
            evidence.append(f"the host runs {host_os.name}: create the object from a Windows 8 / "
                            "Server 2012 or later machine (a CSVLK made for that system is "
                            "too old to make one)")
        return self._make(ctx, KMS_HOST_COULD_MOVE, evidence, remediation=fix, title=title,
                          severity=Severity.INFO)

    # ------------------------------------------------------------------ reports without products
    def _ao_list_only(self, report: ClientReport, machine: str) -> Iterator[Finding]:
        if report.ao_list is not None and not report.ao_list and self.data.objects:
            yield make_finding(SEES_NO_OBJECTS, f"{machine}: slmgr /ao-list", [
                "slmgr /ao-list: no objects found",
                f"the forest holds {len(self.data.objects)} object(s)"])

    def _errors_only(self, ctx: _Ctx) -> Iterator[Finding]:
        subject = f"{ctx.machine}: activation"
        kms = self._kms_errors(ctx)
        if kms:
            yield self._make(ctx, KMS_FALLBACK_FAILED, kms, subject=subject,
                             severity=Severity.MEDIUM)
        yield from (dataclasses.replace(f, subject=subject)
                    for f in self._not_genuine(ctx))
        yield from (dataclasses.replace(f, subject=subject)
                    for f in self._client_count(ctx))
        if ctx.report.errors:
            yield self._make(ctx, NOT_ACTIVATED, [
                "the report holds only errors; it does not give the licence status",
                *ctx.explained], subject=subject, severity=self._code_severity(ctx),
                remediation=self._error_fix(ctx),
                title="The activation attempt failed" if ctx.ato else
                "The report holds licensing errors, not the licence status")


def unreadable_finding(source: str, reason: str) -> Finding:
    """The diagnosis for a report that could not be read (subject: the file's base name)."""
    name = re.split(r"[\\/]", source.rstrip("\\/"))[-1] or source
    return make_finding(UNREADABLE, name, [reason])


def evidence_text(evidence: Evidence) -> str:
    """One evidence line as text."""
    return str(evidence)
