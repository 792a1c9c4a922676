"""What each command produces, as typed data: the renderers (text, JSON) read these and nothing else.

A result holds the facts and findings of one run; it does not know its output format or its exit
code. ``outcome`` is what a command says beyond its findings: ``"complete"``, or ``"incomplete"``
when a lookup found nothing (``adba catalog SEARCH`` with no match, ``adba explain`` of an
unknown code), which the command line turns into exit 1; ``"changed"`` when ``adba diff`` found
a difference (exit at least 1 too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # (annotations only: the diagnose path need not import consistency, diff...)
    from adba.core.catalog import Catalog, Entry
    from adba.core.client import ClientReport
    from adba.core.consistency import ConsistencyReport
    from adba.core.coverage import CoverageReport
    from adba.core.diagnose import ProductDiagnosis
    from adba.core.diff import Diff, Side
    from adba.core.findings import Finding, RuleText
    from adba.core.hresults import HResultEntry, KnowledgeBase
    from adba.core.licence_data import ForgedFile
    from adba.core.licences import ChainLink, LicenceDocument
    from adba.core.models import ForestData

Outcome = Literal["complete", "incomplete", "changed"]


@dataclass(frozen=True)
class ScanResult:
    """``adba scan``: the forest as read, the catalog it was judged with, the findings, and the
    coverage count when asked for."""

    data: ForestData
    catalog: Catalog
    findings: tuple[Finding, ...]
    coverage: CoverageReport | None = None
    notes: tuple[str, ...] = ()
    command: str = "scan"
    outcome: Outcome = "complete"
    consistency: ConsistencyReport | None = None
    """With ``--all-dcs``: every DC's copy compared (its findings are in ``findings``)."""


@dataclass(frozen=True)
class ConsistencyResult:
    """``adba consistency``: each DC's copy of the ADBA configuration, compared
    (``ADBA-REPL-*`` findings)."""

    report: ConsistencyReport
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()
    command: str = "consistency"
    outcome: Outcome = "complete"


@dataclass(frozen=True)
class CoverageResult:
    """``adba coverage``: computers per product family and what covers them (``ADBA-COV-*``)."""

    data: ForestData
    catalog: Catalog
    coverage: CoverageReport
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()
    command: str = "coverage"
    outcome: Outcome = "complete"


@dataclass(frozen=True)
class Unreadable:
    """An input no reader could read, and why."""

    source: str
    reason: str
    line: int | None = None


@dataclass(frozen=True)
class DiagnosedReport:
    """One client report and the diagnosis of each of its products.

    ``json`` is the report's JSON object when it was already built (in a worker process, for
    large fleets); the JSON renderer uses it instead of building it again.
    """

    report: ClientReport
    diagnoses: tuple[ProductDiagnosis, ...]
    json: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class DiagnoseResult:
    """``adba diagnose``: the forest it was joined with, every report read, those that could not
    be read, and the findings of all of them."""

    data: ForestData
    reports: tuple[DiagnosedReport, ...]
    unreadable: tuple[Unreadable, ...]
    findings: tuple[Finding, ...]
    command: str = "diagnose"
    outcome: Outcome = "complete"

    @property
    def notes(self) -> tuple[str, ...]:
        """Every report's caveats, prefixed with the machine they concern."""
        from adba.core.diagnose import machine_name

        return tuple(f"{machine_name(r.report)}: {note}" for r in self.reports
                     for note in r.report.notes)

    def summary(self) -> dict[str, Any]:
        """Counts: reports read and unreadable, products, findings per rule id."""
        by: dict[str, int] = {}
        for f in self.findings:
            by[f.rule_id] = by.get(f.rule_id, 0) + 1
        return {"reports_read": len(self.reports),
                "reports_unreadable": len(self.unreadable),
                "products": sum(len(r.diagnoses) for r in self.reports),
                "by_diagnosis": dict(sorted(by.items()))}


@dataclass(frozen=True, kw_only=True)
class _Lookup:
    """What a lookup command's result has beside its answer: no findings or notes, and whether
    it found what was asked."""

    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    outcome: Outcome = "complete"


@dataclass(frozen=True)
class CatalogListResult(_Lookup):
    """``adba catalog [SEARCH]``: the rows listed (all, or those matching ``query``)."""

    catalog: Catalog
    query: str | None
    rows: tuple[tuple[str, Entry], ...]
    command: str = "catalog"


@dataclass(frozen=True)
class CatalogExplainResult(_Lookup):
    """``adba catalog explain GUID``: what the catalog knows of one GUID."""

    catalog: Catalog
    text: str
    guid: str
    matches: tuple[tuple[str, Entry], ...]
    command: str = "catalog explain"


@dataclass(frozen=True)
class ExplainedCode:
    """One argument of ``adba explain``, its value and the knowledge base's entry (or none)."""

    text: str
    code: int
    entry: HResultEntry | None
    alias: bool


@dataclass(frozen=True)
class ExplainResult(_Lookup):
    """``adba explain CODE...``: each code and what the knowledge base says about it."""

    knowledge: KnowledgeBase
    codes: tuple[ExplainedCode, ...]
    command: str = "explain"


@dataclass(frozen=True)
class RulesResult(_Lookup):
    """``adba rules list`` / ``adba rules show ID``: rule texts from the package."""

    rules: tuple[RuleText, ...]
    query: str | None = None
    command: str = "rules"


@dataclass(frozen=True)
class WrittenFile(_Lookup):
    """A command whose product is a file (``adba snapshot``, ``adba collector``): what was
    written, said on stderr as ``adba: wrote FILE (...)``."""

    what: str
    command: str = "snapshot"


@dataclass(frozen=True)
class LicenceResult:
    """``adba licence FILE``: one ``.xrm-ms`` file read and verified, and its findings."""

    path: str
    size: int
    sha256: str
    document: LicenceDocument
    chain: tuple[ChainLink, ...]
    forged: ForgedFile | None
    source: str | None
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()
    command: str = "licence"
    outcome: Outcome = "complete"


@dataclass(frozen=True)
class DiffResult:
    """``adba diff OLD NEW``: the two sides, what changed, and the findings that appeared
    (``findings``: they make the exit code 2 when one is high or critical)."""

    old: Side
    new: Side
    diff: Diff
    names: tuple[tuple[str, str], ...]
    """GUID -> product name, from either side's catalog (for display only)."""
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()
    command: str = "diff"
    outcome: Outcome = "complete"


Result = (ScanResult | ConsistencyResult | CoverageResult | DiagnoseResult | CatalogListResult
          | CatalogExplainResult | ExplainResult | RulesResult | LicenceResult | WrittenFile
          | DiffResult)
