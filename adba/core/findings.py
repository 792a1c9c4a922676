"""Findings are data: a stable rule id, a severity and the texts an admin needs to act."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from adba.about import DOCS_URL
from adba.core.fast_init import fast_init

DOC_BASE = f"{DOCS_URL}rules.md"
"""Every finding links to its rule's section here; ``adba rules show ID`` prints the same text."""


class Severity(StrEnum):
    """How bad a finding is, from informational to critical."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Order of severities: info=0 ... critical=4."""
        return _RANK[self]


_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


@dataclass(frozen=True)
class RuleText:
    """The fixed text of a rule, kept beside the rule and listed in docs/rules.md."""

    rule_id: str
    severity: Severity
    title: str
    explanation: str
    remediation: str

    @property
    def doc_url(self) -> str:
        """Link to the rule's section in docs/rules.md."""
        return f"{DOC_BASE}#{self.rule_id.lower()}"


@fast_init
@dataclass(frozen=True)
class Finding:
    """One problem (or notable fact) found by a rule, with its evidence."""

    rule_id: str
    severity: Severity
    title: str
    subject: str
    evidence: tuple[str, ...]
    explanation: str
    remediation: str
    doc_url: str
    extra: tuple[tuple[str, str], ...] = field(default=())

    def sort_key(self) -> tuple[int, str, str]:
        """Worst first, then by rule id and subject, so output order is stable."""
        return (-self.severity.rank, self.rule_id, self.subject)


def make_finding(
    rule: RuleText,
    subject: str,
    evidence: tuple[str, ...] | list[str],
    *,
    severity: Severity | None = None,
    remediation: str | None = None,
    title: str | None = None,
) -> Finding:
    """Build a finding from a rule's text, with evidence and optional overrides.

    ``remediation`` may contain ``{subject}``, which is replaced by the subject (usually a DN),
    so that the printed command is exact for the object concerned.
    """
    text = remediation if remediation is not None else rule.remediation
    return Finding(
        rule_id=rule.rule_id,
        severity=severity or rule.severity,
        title=title or rule.title,
        subject=subject,
        evidence=tuple(evidence),
        explanation=rule.explanation,
        remediation=text.replace("{subject}", subject),
        doc_url=rule.doc_url,
    )
