"""The human report, rendered with rich (colour off under NO_COLOR or when not a terminal)."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from adba import __version__
from adba.cli.render_licences import licence_rows
from adba.core import results as res
from adba.core.catalog import Catalog
from adba.core.coverage import CoverageReport
from adba.core.findings import Finding, Severity
from adba.core.models import ActivationObject, ContainerInfo, ForestData, Readability, SourceKind
from adba.core.rules.acl import describe
from adba.core.schema_versions import functional_level, schema_release
from adba.core.verdict import diagnose_result_verdict, forest_verdict

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def source_line(data: ForestData) -> Text:
    """One line saying where the data came from and how it was protected."""
    src = data.source
    text = Text()
    if src.kind is SourceKind.LIVE:
        text.append(f"{src.server}:{src.port} · {src.transport} · {src.auth} as {src.user} · ")
        if src.insecure:
            text.append("CERTIFICATE NOT VALIDATED (--insecure)", style="bold red")
        else:
            text.append(f"certificate {src.certificate}")
    elif src.kind is SourceKind.SNAPSHOT:
        text.append(f"snapshot {src.path}")
        if src.captured_at:
            text.append(f", captured {src.captured_at:%Y-%m-%d %H:%M %Z}")
        if src.server:
            text.append(f" from {src.server}:{src.port} ({src.transport}, {src.auth} as {src.user})")
            if src.insecure:
                text.append(" — CERTIFICATE WAS NOT VALIDATED", style="bold red")
    else:
        text.append(f"LDIF export {src.path} (no rootDSE, schema or permissions in this source)")
    return text


def _container_state(c: ContainerInfo) -> str:
    if c.state is Readability.MISSING:
        return "[red]missing[/red]"
    if c.state is Readability.UNKNOWN:
        return "[dim]not in this source[/dim]"
    classes = [x for x in c.object_classes if x.lower() != "top"]
    return "present" + (f" ({escape(classes[-1])})" if classes else "")


def forest_table(data: ForestData) -> Table:
    """Forest and container summary."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    forest = data.forest
    if forest is not None and data.source.kind is not SourceKind.LDIF:
        table.add_row("Domain controller", escape(forest.dns_host_name or "?"))
        table.add_row("Forest root", escape(forest.root_domain_nc or "?"))
        if forest.forest_functionality is not None:
            table.add_row("Forest functional level",
                          f"{forest.forest_functionality} "
                          f"({functional_level(forest.forest_functionality)})")
        if forest.schema_object_version is not None:
            table.add_row("Schema version", f"{forest.schema_object_version} "
                          f"({schema_release(forest.schema_object_version)})")
        if forest.msspp_classes:
            table.add_row("msSPP classes", ", ".join(
                f"{name} {'present' if ok else '[red]missing[/red]'}"
                for name, ok in forest.msspp_classes))
    table.add_row("Configuration NC", escape(data.ao_container.dn.split(",", 3)[-1]))
    table.add_row("CN=Microsoft SPP", _container_state(data.spp_container))
    table.add_row("CN=Activation Objects", _container_state(data.ao_container))
    sd = data.ao_container.security
    if sd is not None:
        if sd.owner:
            table.add_row("Container owner", escape(describe(sd.owner, data)))
        if sd.dacl is not None:
            lines = []
            for ace in sd.dacl:
                kind = "allow" if ace.allowed else "deny"
                inherited = " (inherited)" if ace.inherited else ""
                lines.append(f"{kind} {describe(ace.sid, data)}: {' '.join(ace.rights())}"
                             f"{inherited}")
            table.add_row("Container DACL", escape("\n".join(lines)) or "(empty)")
    elif data.ao_container.security_error:
        table.add_row("Container DACL", f"[yellow]{escape(data.ao_container.security_error)}[/]")
    return table


def objects_table(data: ForestData, catalog: Catalog | None = None) -> Group:
    """One block per activation object: its name, CSVLK (named from the catalog), extended PID,
    key, licence, creation date and what it enables. Identifiers sit on lines of their own and
    are never broken; long names fold."""
    blocks: list[Any] = []
    for i, obj in enumerate(data.objects, 1):
        if obj.licence("msSPP-OnlineLicense"):
            licence = "online licence"
        elif obj.licence("msSPP-PhoneLicense"):
            licence = "phone licence"
        else:
            licence = "[red]no licence[/red]"
        if i > 1:
            blocks.append(Text(""))
        blocks.append(Text(f"{i}. {obj.label}", style="bold", overflow="fold"))
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True, style="bold")
        table.add_column(overflow="fold")
        table.add_row("   CSVLK", _csvlk_cell(obj, catalog))
        table.add_row("   PID", escape(obj.csvlk_pid or "none"))
        created = obj.when_created.strftime("%Y-%m-%d") if obj.when_created else "unknown"
        table.add_row("   Key", f"{escape(obj.partial_product_key or '—')} · {licence} · "
                                f"created {created}")
        table.add_row("   Enables", _enables(obj, catalog))
        for label, cell in licence_rows(obj):
            table.add_row(label, cell)
        blocks.append(table)
    return Group(*blocks)


def render_finding(console: Console, f: Finding) -> None:
    """A finding with its evidence, explanation and fix.

    DNs and commands are printed with soft wrapping, never broken by rich, so that a command
    copied from the terminal is exactly the command to run.
    """
    title = Text.assemble((f" {f.severity.value.upper()} ", SEVERITY_STYLE[f.severity]),
                          "  ", (f.rule_id, "bold"), "  ", f.title)
    console.print(title, soft_wrap=True)
    console.print(Text.assemble(("  Subject: ", "bold"), f.subject), soft_wrap=True)
    for item in f.evidence:
        console.print(Text(f"    - {item}"), soft_wrap=True)
    why = Table.grid(padding=(0, 1))
    why.add_column(no_wrap=True, style="bold")
    why.add_column()
    why.add_row("  Why:", f.explanation)
    console.print(why)
    console.print(Text.assemble(("  Fix: ", "bold"), f.remediation), soft_wrap=True)
    console.print(Text(f"  More: adba rules show {f.rule_id} · {f.doc_url}", style="dim"),
                  soft_wrap=True)
    console.print()


def render_findings(console: Console, findings: list[Finding]) -> None:
    """Every finding, worst first, or a line saying there are none."""
    if not findings:
        console.print("No findings.")
        return
    console.print(Text("Findings", style="bold underline"))
    for finding in findings:
        render_finding(console, finding)


def summary_line(data: ForestData, findings: list[Finding], exit_code: int) -> Text:
    """Counts by severity and the exit code."""
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    parts = [f"{n} {s.value}" for s, n in sorted(counts.items(), key=lambda kv: -kv[0].rank) if n]
    text = Text(f"{len(data.objects)} activation object(s), {len(findings)} finding(s)")
    if parts:
        text.append(" (" + ", ".join(parts) + ")")
    text.append(f"; exit code {exit_code}")
    return text


def _csvlk_cell(obj: ActivationObject, catalog: Catalog | None) -> str:
    if obj.csvlk_sku_id is None:
        return "—"
    text = escape(obj.csvlk_sku_id.text)
    value = obj.csvlk_sku_id.uuid
    if catalog is None or value is None:
        return text
    row = catalog.csvlk(value)
    name = escape(row.name) if row else "[yellow]unknown CSVLK[/yellow]"
    return f"{text}\n{name}"


def _enables(obj: ActivationObject, catalog: Catalog | None) -> str:
    names: list[str] = []
    for kms in obj.kms_ids:
        row = catalog.kms_id(kms.uuid) if catalog is not None and kms.uuid is not None else None
        names.append(escape(row.name) if row else f"[yellow]unknown {escape(kms.text)}[/yellow]")
    return "\n".join(names) or "—"


def render_notes(console: Console, notes: tuple[str, ...] | list[str]) -> None:
    """Caveats of what was read, one per line (never only in JSON)."""
    if not notes:
        return
    console.print(Text("Notes", style="bold underline"))
    for note in notes:
        console.print(Text(f"  - {note}"), soft_wrap=True)
    console.print()


def render_scan(console: Console, data: ForestData, findings: list[Finding],
                exit_code: int, catalog: Catalog | None = None, verdict: str = "",
                notes: tuple[str, ...] = ()) -> None:
    """Print the whole scan report: the verdict first, then what was read, then the findings."""
    if verdict:
        console.print(Text(verdict, style="bold"), soft_wrap=True)
    console.print(Text(f"adba {__version__} — ADBA scan", style="dim"))
    console.print(source_line(data))
    console.print()
    console.print(forest_table(data))
    console.print()
    if data.objects:
        console.print(Text(f"Activation objects ({len(data.objects)})", style="bold underline"))
        console.print(objects_table(data, catalog))
    else:
        console.print("No activation objects.")
    console.print()
    render_notes(console, notes)
    render_findings(console, findings)
    console.print(summary_line(data, findings, exit_code))


def render_coverage(console: Console, data: ForestData, report: CoverageReport | None,
                    findings: list[Finding], exit_code: int, catalog: Catalog | None,
                    full: bool, verdict: str = "") -> None:
    """The matrix family × computers × covering objects (and, alone, its findings)."""
    if full:
        if verdict:
            console.print(Text(verdict, style="bold"), soft_wrap=True)
        console.print(Text(f"adba {__version__} — ADBA coverage", style="dim"))
        console.print(source_line(data))
        console.print()
    if report is None:
        console.print("No computers were read.")
        return
    table = Table(title=f"Coverage: {report.total:,} computer account(s), {report.active:,} "
                        f"active", title_justify="left")
    table.add_column("Product family", overflow="fold")
    table.add_column("Active", justify="right")
    table.add_column("Stale", justify="right")
    table.add_column("Disabled", justify="right")
    table.add_column("Covered by", overflow="fold")
    for row in report.families:
        if not row.adba_capable:
            cover = "[yellow]cannot use ADBA (KMS or MAK)[/yellow]"
        elif row.covered:
            cover = escape(", ".join(row.covered_by))
        elif row.kms_id is None:
            cover = "[dim]no volume licensing[/dim]"
        elif row.active:
            cover = "[red]NOT COVERED[/red]"
        else:
            cover = "[dim]not covered (no active computers)[/dim]"
        table.add_row(escape(row.family), f"{row.active:,}", f"{row.stale:,}",
                      f"{row.disabled:,}", cover)
    if report.unknown_os:
        table.add_row("[dim]unknown OS[/dim]", f"{report.unknown_os:,}", "", "", "")
    console.print(table)
    stale = (f"stale = no logon for {report.stale_days} days" if report.stale_days
             else "staleness not checked")
    console.print(Text(f"{stale}; objects counted: {', '.join(report.counting_objects) or 'none'}"
                       + (f"; not counted (no licence or forged SKU): "
                          f"{', '.join(report.ignored_objects)}" if report.ignored_objects else ""),
                       style="dim"), soft_wrap=True)
    console.print()
    if full:
        render_findings(console, findings)
        uncovered = sum(r.active for r in report.families if r.adba_capable and not r.covered
                        and r.kms_id is not None)
        console.print(Text(f"{uncovered:,} active computer(s) without ADBA coverage; "
                           f"exit code {exit_code}"))


def _kms_client_rows(result: res.DiagnoseResult) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for entry in result.reports:
        diags = entry.diagnoses
        for d in diags:
            v = d.kms_client
            if v is None or not (v.host or v.host_epid or v.ip):
                continue
            epid = v.host_epid
            if epid is None:
                epid_text = "—"
            elif epid.csvlks:
                epid_text = f"{epid.raw}\n{escape(epid.csvlk_names)}"
            else:
                epid_text = f"{epid.raw}\n[red]matches no CSVLK[/red]"
            host = escape(v.host_text)
            if v.listed_host is not None:
                host += "\n[red]listed as a public KMS emulator[/red]"
            rows.append((d.computer, escape(_product_label(d.product)), host,
                         escape(v.ip or "—"), epid_text if epid is None else
                         epid_text.replace(epid.raw, escape(epid.raw)),
                         escape(v.intervals_text), v.caching_text))
    return rows


def _kms_host_rows(result: res.DiagnoseResult) -> list[tuple[str, ...]]:
    from adba.core.diagnose import OFFICE_APPS
    from adba.core.kms import host_requests_text, threshold_text

    rows: list[tuple[str, ...]] = []
    for entry in result.reports:
        diags = entry.diagnoses
        for d in diags:
            h = d.kms_host
            if h is None:
                continue
            office = d.product.application_id in OFFICE_APPS
            count = "—" if h.current_count is None else \
                f"{h.current_count}\n[dim]{escape(threshold_text(h.current_count, office))}[/dim]"
            dns = {True: "enabled", False: "disabled", None: "—"}[h.dns_publishing]
            csvlk = "—"
            if d.kms_host_epid is not None:
                csvlk = escape(d.kms_host_epid.csvlk_names if d.kms_host_epid.csvlks
                               else "matches no CSVLK")
            rows.append((d.computer, escape(_product_label(d.product)), csvlk, count,
                         str(h.listening_port or "—"), dns, escape(h.priority or "—"),
                         escape(host_requests_text(h))))
    return rows


def render_diagnose(console: Console, result: res.DiagnoseResult, exit_code: int) -> None:
    """Verdict, fleet table, KMS clients and hosts, summary by diagnosis, unreadable reports,
    notes, then the findings."""
    summary = result.summary()
    console.print(Text(diagnose_result_verdict(result), style="bold"), soft_wrap=True)
    console.print(Text(f"adba {__version__} — ADBA diagnosis", style="dim"))
    console.print(Text("forest: ").append(source_line(result.data)))
    console.print()
    console.print(Text("Clients", style="bold underline"))
    for entry in result.reports:
        for d in entry.diagnoses:
            state = d.state + (f" as of {d.as_of:%Y-%m-%d %H:%M}" if d.as_of else "")
            rows: list[tuple[str, str]] = [("Product", escape(_product_label(d.product))),
                                           ("Key", d.kind.value), ("State", escape(state))]
            for f in d.diagnoses:
                rows.append((f.rule_id, f"[{SEVERITY_STYLE[f.severity]}]{f.severity.value}[/] "
                                        f"{escape(f.title)}"))
            _block(console, d.computer, rows)
    clients = _kms_client_rows(result)
    if clients:
        console.print(Text("KMS clients", style="bold underline"))
        for row in clients:
            _block(console, row[0], list(zip(("Product", "KMS host", "IP", "Host ePID",
                                              "Intervals", "Caching"), row[1:], strict=True)))
    hosts = _kms_host_rows(result)
    if hosts:
        console.print(Text("KMS hosts", style="bold underline"))
        for row in hosts:
            _block(console, row[0], list(zip(("Product", "CSVLK", "Current count", "Port",
                                              "DNS publishing", "Priority", "Requests"),
                                             row[1:], strict=True)))
    if summary["by_diagnosis"]:
        by = Table(title="By diagnosis", title_justify="left")
        by.add_column("Code")
        by.add_column("Count", justify="right")
        for code, count in summary["by_diagnosis"].items():
            by.add_row(code, str(count))
        console.print(by)
    for bad in result.unreadable:
        console.print(Text(f"unreadable: {bad.source}" + (f":{bad.line}" if bad.line else "")
                           + f": {bad.reason}", style="yellow"), soft_wrap=True)
    console.print()
    render_notes(console, result.notes)
    render_findings(console, [f for f in result.findings if f.severity is not Severity.INFO]
                    or list(result.findings))
    console.print(Text(f"{summary['reports_read']} report(s) read, "
                       f"{summary['reports_unreadable']} unreadable, {summary['products']} "
                       f"product(s); exit code {exit_code}"))


def _block(console: Console, heading: str, rows: list[tuple[str, str]]) -> None:
    """A heading (a machine), then ``label value`` lines: values fold at word boundaries,
    labels and identifiers stay whole."""
    console.print(Text(heading, style="bold", overflow="fold"))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for label, value in rows:
        grid.add_row(f"   {label}", value)
    console.print(grid)
    console.print()


def _product_label(product: Any) -> str:
    """The product's name, else its SKU id (events name products by SKU only), else a dash."""
    if product.name:
        return str(product.name)
    if product.activation_id is not None:
        return f"SKU {product.activation_id}"
    return "—"


def render_rules(console: Console, result: res.RulesResult) -> None:
    """``adba rules list`` (a table) or ``adba rules show ID`` (the full text)."""
    if result.query is None:
        table = Table(title=f"adba rules ({len(result.rules)})", title_justify="left")
        table.add_column("Rule", no_wrap=True)
        table.add_column("Severity", no_wrap=True)
        table.add_column("Title", overflow="fold")
        for rule in result.rules:
            table.add_row(rule.rule_id, rule.severity.value, escape(rule.title))
        console.print(table)
        return
    for rule in result.rules:
        console.print(Text.assemble((rule.rule_id, "bold"), f"  ({rule.severity.value})  ",
                                    rule.title), soft_wrap=True)
        why = Table.grid(padding=(0, 1))
        why.add_column(no_wrap=True, style="bold")
        why.add_column()
        why.add_row("Why:", escape(rule.explanation))
        why.add_row("Fix:", escape(rule.remediation))
        console.print(why)
        console.print(Text(f"Documentation: {rule.doc_url}", style="dim"), soft_wrap=True)


def render_result(console: Console, result: res.Result, exit_code: int) -> None:
    """The text report of any command's result."""
    from adba.cli import render_catalog, render_explain

    if isinstance(result, res.ScanResult):
        render_scan(console, result.data, list(result.findings), exit_code, result.catalog,
                    forest_verdict(result.data, result.findings, result.catalog,
                                   result.coverage), result.notes)
        if result.coverage is not None:
            render_coverage(console, result.data, result.coverage, [], exit_code,
                            result.catalog, full=False)
        if result.consistency is not None:
            from adba.cli.render_consistency import render_copies

            render_copies(console, result.consistency, [
                f for f in result.findings if f.rule_id.startswith("ADBA-REPL-")])
    elif isinstance(result, res.ConsistencyResult):
        from adba.cli.render_consistency import render_consistency

        render_consistency(console, result, exit_code)
    elif isinstance(result, res.CoverageResult):
        render_coverage(console, result.data, result.coverage, list(result.findings), exit_code,
                        result.catalog, full=True,
                        verdict=forest_verdict(result.data, result.findings, result.catalog,
                                               result.coverage))
        render_notes(console, result.notes)
    elif isinstance(result, res.DiagnoseResult):
        render_diagnose(console, result, exit_code)
    elif isinstance(result, res.CatalogListResult):
        render_catalog.list_text(console, result)
    elif isinstance(result, res.CatalogExplainResult):
        render_catalog.explain_text(console, result)
    elif isinstance(result, res.ExplainResult):
        render_explain.explain_text(console, result)
    elif isinstance(result, res.RulesResult):
        render_rules(console, result)
    elif isinstance(result, res.LicenceResult):
        from adba.cli.render_licences import render_licence_file

        render_licence_file(console, result)
    elif isinstance(result, res.DiffResult):
        from adba.cli.render_diff import render_diff

        render_diff(console, result, exit_code)
