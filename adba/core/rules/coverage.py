"""Rules on the coverage matrix: families nobody activates, OSes ADBA cannot serve."""

from __future__ import annotations

from adba.about import DOCS_URL
from adba.core.catalog import Catalog
from adba.core.coverage import CoverageReport
from adba.core.findings import Finding, RuleText, Severity, make_finding

CATALOG_DOC = f"{DOCS_URL}catalog.md"

UNCOVERED = RuleText(
    "ADBA-COV-001", Severity.MEDIUM,
    "Active computers run a product no activation object enables",
    "A client activates through AD only when an activation object lists its edition's KMS id. "
    "These computers can use ADBA, but no object enables their product family, so they fall "
    "back to KMS (if there is a KMS host) or stay unactivated.",
    "Activate the forest with a CSVLK that enables this family (a newer CSVLK also enables "
    "older products): slmgr /ad-activation-online <CSVLK> \"<name>\" on a machine with the "
    "Volume Activation Tools, or the Volume Activation Tools wizard.",
)
NOT_ADBA_CAPABLE = RuleText(
    "ADBA-COV-002", Severity.LOW,
    "Active computers run an OS that cannot use ADBA",
    "ADBA arrived with Windows 8 and Windows Server 2012; older systems (Windows 7, Server 2008 "
    "R2 and before) never read activation objects and need a KMS host or MAK keys.",
    "Keep a KMS host for these machines (the same CSVLK can be installed on a KMS host), "
    "activate them with MAK keys, or upgrade them.",
)
UNKNOWN_OS = RuleText(
    "ADBA-COV-003", Severity.INFO,
    "Some computers run an OS the catalog does not know",
    "Their operatingSystem value matches no family in the product catalog, so adba cannot "
    "tell whether an activation object covers them.",
    "Add a family for them with --product-db (see " + CATALOG_DOC + "), or ignore non-Windows "
    "machines.",
)
RULES = (UNCOVERED, NOT_ADBA_CAPABLE, UNKNOWN_OS)
CHECKS = ()  # these rules need a coverage report: see coverage_findings()


def coverage_findings(report: CoverageReport, catalog: Catalog, subject: str) -> list[Finding]:
    """Findings for a coverage report; ``subject`` is the searched base DN."""
    findings: list[Finding] = []
    for row in report.families:
        if row.active == 0:
            continue
        if not row.adba_capable:
            findings.append(make_finding(NOT_ADBA_CAPABLE, subject, [
                f"{row.family}: {row.active} active computer(s)"],
                title=f"{row.active} active computer(s) run {row.family}, which cannot use ADBA"))
            continue
        if row.covered or row.kms_id is None:
            continue
        enablers = [c.name for c in catalog.csvlks_enabling(row.kms_id)
                    if not (c.lab or c.preview)]
        evidence = [f"{row.family}: {row.active} active computer(s), KMS id {row.kms_id}"
                    + (f" ({row.kms_name})" if row.kms_name else "")]
        shown = list(row.uncovered_machines[:5])
        if shown:
            more = row.active - len(shown)
            evidence.append("e.g. " + ", ".join(shown) + (f" and {more} more" if more > 0 else ""))
        if enablers:
            evidence.append("CSVLKs that enable it: " + "; ".join(enablers))
        remediation = UNCOVERED.remediation
        if enablers:
            remediation += f" A CSVLK for one of: {'; '.join(enablers)}."
        findings.append(make_finding(
            UNCOVERED, subject, evidence, remediation=remediation,
            title=f"{row.active} active computer(s) run {row.family}; no activation object "
                  "enables it"))
    if report.unknown_os:
        findings.append(make_finding(UNKNOWN_OS, subject, [
            f"{report.unknown_os} computer(s)", *report.unknown_examples]))
    return findings
