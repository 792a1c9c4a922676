"""Runs of the core on a chosen source: the forest judged (scan, coverage) and client reports
joined with it (diagnose). Each returns a typed result from :mod:`adba.core.results`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from adba.core.results import DiagnosedReport, DiagnoseResult, ScanResult, Unreadable

Progress = tuple[AbstractContextManager[Any], Callable[[str], None]]


def analyse_forest(*, snapshot: Path | None, ldif: Path | None, demo: bool, live: Any,
                   product_db: Path | None, coverage: bool, stale_days: int,
                   max_listed: int | None, search_base: str | None,
                   progress: Progress) -> ScanResult:
    """Read the source, run the rules, and (optionally) count coverage while connected."""
    from adba.adapters.catalog_file import load_catalog
    from adba.adapters.licence_data_file import packaged_licence_data
    from adba.cli.sources import open_source
    from adba.core.coverage import CoverageCounter
    from adba.core.rules import RuleContext, run_rules
    from adba.core.rules.coverage import coverage_findings

    # A user's product file is checked before any connection, so its errors come first.
    user_catalog = load_catalog(product_db) if product_db is not None else None
    status_ctx, report_progress = progress
    report = None
    with status_ctx, open_source(snapshot=snapshot, ldif=ldif, demo=demo, live=live,
                                 progress=report_progress, computers=coverage,
                                 search_base=search_base) as loaded:
        # A live DC is already working on the first page of computers: do the rest meanwhile.
        catalog = user_catalog or load_catalog(None)
        data = loaded.data
        now = datetime.now(UTC)
        findings = run_rules(data, RuleContext(today=now.date(), catalog=catalog,
                                               licence_data=packaged_licence_data()))
        if coverage and loaded.computers is not None:
            counter = CoverageCounter(catalog, data.objects, now, stale_days, max_listed)
            counter.add_all(loaded.computers)
            report = counter.report()
            findings = sorted([*findings, *coverage_findings(
                report, catalog, loaded.search_base or data.forest.config_nc
                if data.forest else "")], key=lambda f: f.sort_key())
    return ScanResult(data=data, catalog=catalog, findings=tuple(findings), coverage=report,
                      notes=source_notes(data))


def analyse_all_dcs(*, snapshot: Path | None, ldif: Path | None, demo: bool, live: Any,
                    product_db: Path | None, coverage: bool, workers: int,
                    progress: Progress) -> ScanResult:
    """``adba scan --all-dcs``: read every DC of the forest once (credentials asked once), judge
    the copy of the DC ``--server``/``--domain`` reached with every rule, and add the
    consistency findings of all copies."""
    from dataclasses import replace

    from adba.adapters.catalog_file import load_catalog
    from adba.cli.consistency_run import read_forest_dcs
    from adba.core.rules import RuleContext, run_rules
    from adba.core.rules.consistency import consistency_findings
    from adba.errors import UsageError

    if snapshot is not None or ldif is not None or demo:
        raise UsageError("--all-dcs reads every domain controller; a file source has one copy",
                         "give --server DC or --domain DOMAIN (or compare snapshots with "
                         "'adba consistency --snapshot A --snapshot B')")
    if coverage:
        raise UsageError("--coverage and --all-dcs cannot be combined",
                         "run 'adba scan --coverage' and 'adba consistency' separately")
    catalog = load_catalog(product_db)
    status_ctx, report_progress = progress
    with status_ctx:
        report = read_forest_dcs(live, [], workers, report_progress)
    seed = report.seed_copy()
    assert seed is not None and seed.data is not None  # read_forest_dcs: at least one was read
    data = seed.data
    findings = run_rules(data, RuleContext(today=datetime.now(UTC).date(), catalog=catalog))
    findings = sorted([*findings, *consistency_findings(report)], key=lambda f: f.sort_key())
    notes = (*source_notes(data), f"the forest was judged on {seed.dc.label}'s copy; "
             f"{len(report.copies)} DC(s) were compared", *report.notes)
    return replace(ScanResult(data=data, catalog=catalog, findings=tuple(findings),
                              notes=notes), consistency=report)


def _every_dc_copy(live: Any, progress: Callable[[str], None]) -> tuple[Any, Any]:
    """``diagnose --client-dc``: every DC's copy (read as ``adba consistency`` does); the copy
    of the DC ``--server``/``--domain`` reached is the default."""
    from adba.cli.consistency_run import read_forest_dcs
    from adba.cli.diagnose_work import DcCopies

    report = read_forest_dcs(live, [], 8, progress)
    seed = report.seed_copy()
    assert seed is not None and seed.data is not None
    copies = DcCopies({c.dc.name: c.data for c in report.copies if c.data is not None},
                      {c.dc.name: c.error or "unknown error" for c in report.copies
                       if c.data is None}, seed.dc.name)
    return seed.data, copies


def source_notes(data: Any) -> tuple[str, ...]:
    """Caveats of the forest source that the text report must show."""
    from adba.core.models import SourceKind

    notes: list[str] = []
    src = data.source
    if src.kind is SourceKind.LDIF:
        notes.append("an LDIF export holds no rootDSE, schema or permissions: the schema, "
                     "container-class and permission rules could not run")
    if src.insecure:
        notes.append("the DC certificate was not validated (--insecure): what was read may not "
                     "come from the DC named")
    return tuple(notes)


def diagnose_reports(reports: list[str], *, snapshot: Path | None, ldif: Path | None,
                     demo: bool, live: Any, product_db: Path | None, warn_days: int,
                     progress: Progress, as_json: bool = False,
                     client_dc: bool = False) -> DiagnoseResult | Any:
    """Read every report, read the forest, and diagnose each product of each report.

    On many files each worker diagnoses what it read (:mod:`adba.cli.diagnose_work`) and, with
    ``as_json``, encodes it too: the result is then an
    :class:`~adba.cli.diagnose_work.EncodedDiagnosis`. The forest is read once one report could
    be read, so a folder of nothing readable is refused before any connection."""
    from adba.adapters.catalog_file import load_catalog
    from adba.adapters.hresults_file import load_knowledge_base
    from adba.adapters.kms_emulators_file import packaged_emulator_list
    from adba.adapters.reports import expand_inputs
    from adba.adapters.reports.batch import read_all, read_one
    from adba.cli.diagnose_work import DiagnoseJob, EncodedDiagnosis, JsonParts, Pairs, json_finding
    from adba.cli.sources import check_source, load_forest
    from adba.core.client import UnreadableReport
    from adba.core.diagnose import DiagnoseOptions, unreadable_finding
    from adba.errors import UsageError

    check_source(snapshot, ldif, demo, live)
    if client_dc and (snapshot is not None or ldif is not None or demo):
        raise UsageError("--client-dc reads the DC each client uses; a file source has one copy",
                         "give --server DC or --domain DOMAIN")
    catalog = load_catalog(product_db)
    knowledge = load_knowledge_base()
    inputs = list(expand_inputs(reports))
    if not inputs:
        where = ", ".join(reports[:3]) + (" ..." if len(reports) > 3 else "")
        raise UsageError(f"no report files found in {where} (a directory is searched for "
                         "regular files; hidden ones are skipped)",
                         "give files, directories or - for stdin")
    unreadable: list[Unreadable] = []
    first: tuple[Any, Any] | None = None
    rest = 0
    while first is None and rest < len(inputs):  # up to the first readable input, here
        item, read = inputs[rest], read_one(inputs[rest])
        rest += 1
        if isinstance(read, UnreadableReport):
            unreadable.append(Unreadable(item.name, read.reason, read.line))
        else:
            first = (item, read)
    if first is None:
        shown = unreadable[:3]
        told = any("adba reads" in u.reason or "it reads" in u.reason for u in shown)
        raise UsageError(f"none of the {len(inputs)} report(s) could be read: "
                         + "; ".join(f"{u.source}: {u.reason}" for u in shown),
                         None if told else "adba reads slmgr text, PowerShell output, CIM/WMI "
                         "JSON or CSV, Security-SPP events and collector JSON")
    status_ctx, report_progress = progress
    copies = None
    with status_ctx:
        if client_dc:
            data, copies = _every_dc_copy(live, report_progress)
        else:
            _raw, data = load_forest(snapshot=snapshot, ldif=ldif, demo=demo, live=live,
                                     progress=report_progress)
    job = DiagnoseJob(data, catalog, knowledge,
                      DiagnoseOptions(warn_days=warn_days, now=datetime.now(UTC)),
                      packaged_emulator_list(), as_json=as_json, copies=copies)
    done = []
    for item, result in [(first[0], job(*first)),
                         *read_all(inputs[rest:], then=job)]:  # on every core for many files
        if isinstance(result, UnreadableReport):
            unreadable.append(Unreadable(item.name, result.reason, result.line))
        else:
            done.append(result)
    lost = [unreadable_finding(u.source, f"line {u.line}: {u.reason}" if u.line else u.reason)
            for u in unreadable]
    if as_json:
        parts: list[JsonParts] = done  # type: ignore[assignment]
        found = [f for part in parts for f in part.findings] + [json_finding(f) for f in lost]
        found.sort(key=itemgetter(0))  # (SORT_KEY)
        computers = {c for part in parts for c in part.computers}
        encoded = tuple(r for part in parts for r in part.reports)
        return EncodedDiagnosis(data, encoded, tuple(found), tuple(unreadable),
                                sum(part.products for part in parts),
                                sum(part.licensed for part in parts),
                                len(computers) or len(encoded))
    pairs: list[Pairs] = done  # type: ignore[assignment]
    diagnosed = tuple(DiagnosedReport(report, tuple(diags)) for chunk in pairs
                      for report, diags in chunk)
    findings = [f for r in diagnosed for d in r.diagnoses for f in d.diagnoses] + lost
    findings.sort(key=lambda f: f.sort_key())
    return DiagnoseResult(data=data, reports=diagnosed, unreadable=tuple(unreadable),
                          findings=tuple(findings))
