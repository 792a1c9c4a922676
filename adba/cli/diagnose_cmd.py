"""``adba diagnose REPORT...``: why each client product did or did not activate."""

# No "from __future__ import annotations" here: typer must see the option types themselves.
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from adba.cli import app as app_module
from adba.cli.app import (
    Auth,
    AuthChoice,
    CaFile,
    Debug,
    Demo,
    DnsServer,
    Domain,
    FailOn,
    Format,
    Insecure,
    Ldaps,
    LdifOpt,
    Output,
    OutputFormat,
    PasswordFile,
    Plain,
    ProductDb,
    Server,
    ServerName,
    SnapshotOpt,
    Timeout,
    User,
    Verbose,
)
from adba.core.findings import Severity


def register(app: typer.Typer) -> None:
    """Add ``adba diagnose`` to the app (its options mirror ``adba scan``)."""

    @app.command()
    def diagnose(
        reports: Annotated[list[str], typer.Argument(
            help="Report files, directories (read recursively) or - for standard input.")],
        server: Server = None,
        domain: Domain = None,
        dns_server: DnsServer = None,
        user: User = None,
        password_file: PasswordFile = None,
        auth: Auth = AuthChoice.AUTO,
        ldaps: Ldaps = True,
        plain_ldap: Plain = False,
        ca_file: CaFile = None,
        insecure: Insecure = False,
        timeout: Timeout = 10.0,
        server_name: ServerName = None,
        fmt: Format = OutputFormat.TEXT,
        output: Output = None,
        fail_on: FailOn = Severity.MEDIUM,
        snapshot: SnapshotOpt = None,
        ldif: LdifOpt = None,
        demo: Demo = False,
        product_db: ProductDb = None,
        warn_days: Annotated[int, typer.Option(
            "--warn-days", envvar="ADBA_WARN_DAYS",
            help="Warn when an activation or grace period ends within this many days.")] = 30,
        debug: Debug = False,
        verbose: Verbose = False,
    ) -> None:
        """Read what clients report (slmgr text, CIM/WMI JSON or CSV, Security-SPP events,
        collector JSON), join it with the forest and say why each product did or did not
        activate. The forest comes from a DC (as for scan), --snapshot, --ldif or --demo."""
        from adba.cli.sources import LiveOptions

        app_module._setup_logging(debug, verbose)
        live = LiveOptions(server, domain, dns_server, user, password_file, auth.value, ldaps,
                           plain_ldap, ca_file, insecure, timeout, server_name)
        try:
            result = _run(reports, snapshot, ldif, demo, live, product_db, warn_days, verbose,
                          as_json=fmt is OutputFormat.JSON)
        except Exception as exc:  # the one error boundary
            app_module._fail(exc, fmt, "diagnose", debug, output)
            return
        _emit(result, fmt, output, fail_on)


def _run(reports: list[str], snapshot: Path | None, ldif: Path | None, demo: bool, live: Any,
         product_db: Path | None, warn_days: int, verbose: bool, *,
         as_json: bool = False) -> dict[str, Any]:
    """Read, diagnose and (``as_json``) encode every report: on many files each worker
    diagnoses what it read (:mod:`adba.cli.diagnose_work`). The forest is loaded once one
    report could be read, so a folder of nothing readable is refused before it is."""
    from adba.adapters.catalog_file import load_catalog
    from adba.adapters.hresults_file import load_knowledge_base
    from adba.adapters.kms_emulators_file import packaged_emulator_list
    from adba.adapters.reports import expand_inputs
    from adba.adapters.reports.batch import read_all, read_one
    from adba.cli import app as app_module
    from adba.cli.diagnose_work import DiagnoseJob, JsonParts, Pairs, json_finding
    from adba.cli.sources import load_forest
    from adba.core.client import UnreadableReport
    from adba.core.diagnose import DiagnoseOptions, unreadable_finding
    from adba.errors import UsageError

    catalog = load_catalog(product_db)
    knowledge = load_knowledge_base()
    inputs = list(expand_inputs(reports))
    if not inputs:
        raise UsageError("no report files found", "give files, directories or - for stdin")
    unreadable: list[tuple[str, str, int | None]] = []
    first: tuple[Any, Any] | None = None
    rest = 0
    while first is None and rest < len(inputs):  # up to the first readable input, here
        item, read = inputs[rest], read_one(inputs[rest])
        rest += 1
        if isinstance(read, UnreadableReport):
            unreadable.append((item.name, read.reason, read.line))
        else:
            first = (item, read)
    if first is None:
        raise UsageError(f"none of the {len(inputs)} report(s) could be read: "
                         + "; ".join(f"{n}: {r}" for n, r, _ in unreadable[:3]),
                         "adba reads slmgr text, PowerShell output, CIM/WMI JSON or CSV, "
                         "Security-SPP events and collector JSON")
    status_ctx, progress = app_module._progress(verbose)
    with status_ctx:
        _raw, data = load_forest(snapshot=snapshot, ldif=ldif, demo=demo, live=live,
                                 progress=progress)
    job = DiagnoseJob(data, catalog, knowledge,
                      DiagnoseOptions(warn_days=warn_days, now=datetime.now(UTC)),
                      packaged_emulator_list(), as_json=as_json)
    done = [job(*first)]
    for item, result in read_all(inputs[rest:], then=job):  # on every core for many
        if isinstance(result, UnreadableReport):
            unreadable.append((item.name, result.reason, result.line))
        else:
            done.append(result)
    lost = [unreadable_finding(name, f"line {line}: {reason}" if line else reason)
            for name, reason, line in unreadable]
    if as_json:
        parts = cast(list[JsonParts], done)
        found = [f for part in parts for f in part.findings] + [json_finding(f) for f in lost]
        found.sort(key=lambda f: f.sort_key)
        return {"data": data, "json_reports": [r for part in parts for r in part.reports],
                "unreadable": unreadable, "findings": found,
                "products": sum(part.products for part in parts)}
    per_report = [pair for pairs in cast(list[Pairs], done) for pair in pairs]
    findings = [f for _r, diags in per_report for d in diags for f in d.diagnoses] + lost
    findings.sort(key=lambda f: f.sort_key())
    return {"data": data, "reports": per_report, "unreadable": unreadable, "findings": findings}


def _emit(result: dict[str, Any], fmt: Any, output: Path | None, fail_on: Any) -> None:
    from rich.console import Console

    from adba.cli.app import OutputFormat, _write
    from adba.cli.diagnose_work import assemble_json
    from adba.cli.exit_codes import STATUS, exit_code_for
    from adba.cli.render_json import envelope, forest_data_json
    from adba.cli.render_text import render_diagnose

    findings = result["findings"]
    code = exit_code_for(findings, fail_on)
    if fmt is OutputFormat.JSON:  # the reports and findings are JSON text already
        forest = forest_data_json(result["data"])
        payload = {
            "forest_source": forest["source"],
            "reports": [],
            "unreadable": [{"source": n, "reason": reason, "line": line}
                           for n, reason, line in result["unreadable"]],
            "summary": _summary(result),
        }
        _write(assemble_json(envelope("diagnose", STATUS[code], code, payload, [], []),
                             result["json_reports"], findings), output)
        raise typer.Exit(code)
    if output is None:
        console = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 140,
                          color_system=None if os.environ.get("NO_COLOR") else "auto")
        render_diagnose(console, result, _summary(result), code)
    else:
        with output.open("w", encoding="utf-8") as handle:
            render_diagnose(Console(file=handle, width=140, no_color=True, color_system=None),
                            result, _summary(result), code)
    raise typer.Exit(code)


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    by: dict[str, int] = {}
    for f in result["findings"]:
        by[f.rule_id] = by.get(f.rule_id, 0) + 1
    if "json_reports" in result:
        read, products = len(result["json_reports"]), result["products"]
    else:
        read, products = len(result["reports"]), sum(len(d) for _r, d in result["reports"])
    return {"reports_read": read,
            "reports_unreadable": len(result["unreadable"]),
            "products": products,
            "by_diagnosis": dict(sorted(by.items()))}
