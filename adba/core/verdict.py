"""The one-line verdict that opens every report: does ADBA work, for what, and how bad is it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from adba.core.catalog import Catalog
from adba.core.consistency import ConsistencyReport
from adba.core.coverage import CoverageReport, counts_for_coverage
from adba.core.findings import Finding, Severity
from adba.core.models import ForestData
from adba.core.results import DiagnoseResult

BLOCKING = ("ADBA-SCHEMA-", "ADBA-CONT-001", "ADBA-CONT-002", "ADBA-ACL-001")
"""Rules whose high findings mean no client can use ADBA in this forest at all."""


class Rated(Protocol):
    """Anything with a severity: a finding, or one already encoded for JSON."""

    @property
    def severity(self) -> Severity: ...


def severity_counts(findings: Iterable[Rated] = (), *,
                    counts: Mapping[Severity, int] | None = None) -> str:
    """``2 critical, 6 high findings`` (worst first), or ``no findings``; from the findings,
    or from their ``counts`` by severity when the caller has counted them."""
    if counts is None:
        tally = {s: 0 for s in Severity}
        for f in findings:
            tally[f.severity] += 1
    else:
        tally = {s: counts.get(s, 0) for s in Severity}
    counts = tally
    total = sum(counts.values())
    if not total:
        return "no findings"
    parts = [f"{n} {s.value}" for s, n in sorted(counts.items(), key=lambda kv: -kv[0].rank)
             if n]
    return ", ".join(parts) + (" finding" if total == 1 else " findings")


def _families(objects: Iterable[str], data: ForestData, catalog: Catalog | None) -> set[str]:
    wanted = set(objects)
    families: set[str] = set()
    for obj in data.objects:
        if obj.dn not in wanted:
            continue
        for kms in obj.kms_ids:
            row = catalog.kms_id(kms.uuid) if catalog is not None and kms.uuid else None
            families.add(row.family if row is not None else f"unknown {kms.text}")
    return families


def forest_verdict(data: ForestData, findings: Iterable[Finding], catalog: Catalog | None,
                   coverage: CoverageReport | None = None) -> str:
    """E.g. ``ADBA works for 4 of 6 product families its objects name (5 of 10 objects sound);
    2 critical, 6 high findings``."""
    findings = list(findings)
    tail = severity_counts(findings)
    blocking = [f for f in findings if f.severity.rank >= Severity.HIGH.rank
                and f.rule_id.startswith(BLOCKING)]
    if blocking:
        return f"ADBA cannot work in this forest: {blocking[0].title}; {tail}"
    if not data.objects:
        return f"ADBA activates nothing: the forest holds no activation object; {tail}"
    flawed = {f.subject for f in findings if f.severity.rank >= Severity.HIGH.rank}
    sound = [o.dn for o in data.objects if o.dn not in flawed and counts_for_coverage(o)]
    named = _families((o.dn for o in data.objects), data, catalog)
    working = _families(sound, data, catalog)
    objects = f"{len(sound)} of {len(data.objects)} objects sound"
    if coverage is not None:
        needed = [r for r in coverage.families if r.adba_capable and r.kms_id is not None
                  and r.active]
        covered = [r for r in needed if r.covered]
        uncovered = sum(r.active for r in needed if not r.covered)
        return (f"ADBA covers {len(covered)} of {len(needed)} product families in use "
                f"({uncovered:,} active computer(s) uncovered; {objects}); {tail}")
    return (f"ADBA works for {len(working)} of {len(named)} product families its objects name "
            f"({objects}); {tail}")


def diagnose_verdict(products: int, activated: int, machines: int, unreadable: int,
                     findings: Iterable[Rated] = (), *,
                     counts: Mapping[Severity, int] | None = None) -> str:
    """E.g. ``12 of 15 products on 9 machines are licensed; 1 report unreadable; 2 high
    findings`` (the findings, or their ``counts`` by severity)."""
    extra = f"; {unreadable} report(s) unreadable" if unreadable else ""
    return (f"{activated} of {products} product(s) on {machines} machine(s) are licensed{extra}; "
            f"{severity_counts(findings, counts=counts)}")


def diagnose_result_verdict(result: DiagnoseResult) -> str:
    """The verdict line of a diagnosis."""
    products = [d for r in result.reports for d in r.diagnoses]
    machines = len({d.computer for d in products} or {r.report.source for r in result.reports})
    activated = sum(1 for d in products if d.state == "licensed")
    return diagnose_verdict(len(products), activated, machines, len(result.unreadable),
                            result.findings)


def consistency_verdict(report: ConsistencyReport, findings: Iterable[Rated]) -> str:
    """E.g. ``All 2 domain controllers serve the same 3 activation objects and container;
    no findings`` or ``The domain controllers disagree on 2 of 4 activation objects; 1 of 3
    DCs could not be read; 3 high findings``."""
    tail = severity_counts(findings)
    total = len(report.copies)
    read = len(report.readable)
    lost = f"; {total - read} of {total} DC(s) could not be read" if read < total else ""
    objects = len(report.objects)
    differing = sum(1 for c in report.objects if not c.consistent)
    containers = [c for c in report.containers if not c.consistent]
    if read < 2:
        return (f"Nothing to compare: {read} of {total} domain controller(s) could be read, "
                f"serving {objects} activation object(s); {tail}")
    if not differing and not containers:
        who = f"All {read} domain controllers" if read == total else \
            f"The {read} domain controllers that were read"
        return (f"{who} serve the same {objects} activation object(s) and container "
                f"permissions{lost}; {tail}")
    parts = []
    if differing:
        parts.append(f"{differing} of {objects} activation object(s)")
    if containers:
        parts.append("the container" + ("s" if len(containers) > 1 else ""))
    return f"The domain controllers disagree on {' and '.join(parts)}{lost}; {tail}"
