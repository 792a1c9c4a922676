"""``adba consistency`` as text and JSON: the verdict, every DC, every entry per DC, findings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from adba import __version__
from adba.core.consistency import Comparison, ConsistencyReport, Copy, DcCopy
from adba.core.findings import Finding, Severity
from adba.core.results import ConsistencyResult
from adba.core.verdict import consistency_verdict


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _switch(disabled: bool | None) -> str | None:
    return None if disabled is None else ("disabled" if disabled else "enabled")


def _role(copy: DcCopy) -> str:
    rodc = copy.dc.rodc
    return "?" if rodc is None else ("RODC" if rodc else "writable")


def _replication(copy: DcCopy) -> str:
    inbound, outbound = copy.inbound_disabled, copy.outbound_disabled
    if inbound is None and outbound is None:
        return "—"
    if copy.dc.rodc:
        outbound = False  # a read-only DC never replicates outbound
    off = [name for name, flag in (("inbound", inbound), ("outbound", outbound)) if flag]
    return "[bold red]" + " and ".join(off) + " OFF[/bold red]" if off else "on"


def dcs_table(report: ConsistencyReport) -> Table:
    """One row per DC: where it is, how it was found, and what it served (or its error)."""
    table = Table(title=f"Domain controllers ({len(report.copies)})", title_justify="left")
    for name in ("Domain controller", "Site", "Role", "Found via", "In DNS", "Replication",
                 "Served"):
        table.add_column(name, overflow="fold")
    for copy in report.copies:
        dc = copy.dc
        in_dns = "—" if dc.in_dns is None else ("yes" if dc.in_dns else "[yellow]no[/yellow]")
        if copy.data is None:
            served = f"[bold red]unreachable[/bold red]: {escape(copy.error or 'unknown error')}"
        else:
            served = (f"{len(copy.data.objects)} object(s) in {copy.seconds:.2f} s")
        table.add_row(escape(dc.label), escape(dc.site or "—"), _role(copy), escape(dc.origin),
                      in_dns, _replication(copy), served)
    return table


def _cell(copy: Copy, comp: Comparison, majority: str | None) -> str:
    if not copy.present:
        return "[bold red]missing[/bold red]" if comp.present_on else "—"
    stamp = []
    if copy.when_changed is not None:
        stamp.append(f"{copy.when_changed:%Y-%m-%d %H:%M:%S}")
    if copy.usn_changed is not None:
        stamp.append(f"USN {copy.usn_changed}")
    mark = "" if comp.consistent or copy.digest == majority else "[bold red]≠[/bold red] "
    return f"{mark}{copy.digest}\n[dim]{' · '.join(stamp)}[/dim]"


def _majority(comp: Comparison) -> str | None:
    counts: dict[str, int] = {}
    for c in comp.copies:
        if c.present and c.digest:
            counts[c.digest] = counts.get(c.digest, 0) + 1
    newest = comp.newest()
    if newest is not None and not comp.consistent:
        return newest.digest
    return max(counts, key=lambda d: counts[d]) if counts else None


def entries_table(report: ConsistencyReport) -> Table | None:
    """One row per entry, one column per DC that was read: the copy's digest and change
    stamps, ``≠`` where it differs, ``missing`` where the DC lacks it."""
    readable = report.readable
    if not readable:
        return None
    table = Table(title="What each DC serves (digest of the compared values; whenChanged, "
                        "uSNChanged on that DC)", title_justify="left")
    table.add_column("Entry", overflow="fold")
    table.add_column("State", no_wrap=True)
    for copy in readable:
        table.add_column(escape(copy.dc.name), overflow="fold")
    for comp in (*report.containers, *report.objects):
        state = "same" if comp.consistent else "[bold red]MISSING[/bold red]" \
            if comp.missing_on else "[bold red]DIFFERS[/bold red]"
        majority = _majority(comp)
        table.add_row(escape(comp.label), state,
                      *[_cell(c, comp, majority) for c in comp.copies])
    return table


def render_consistency(console: Console, result: ConsistencyResult, exit_code: int) -> None:
    """The whole report: the verdict first, the DCs, what each serves, notes, findings."""
    from adba.cli.render_text import render_findings, render_notes

    report = result.report
    console.print(Text(consistency_verdict(report, result.findings), style="bold"),
                  soft_wrap=True)
    console.print(Text(f"adba {__version__} — ADBA consistency across "
                       f"{len(report.copies)} domain controller(s)", style="dim"))
    console.print()
    console.print(dcs_table(report))
    console.print()
    table = entries_table(report)
    if table is not None:
        console.print(table)
        console.print()
    render_notes(console, result.notes)
    render_findings(console, list(result.findings))
    console.print(summary_line(result, exit_code))


def render_copies(console: Console, report: ConsistencyReport, findings: list[Finding]) -> None:
    """The per-DC part of ``adba scan --all-dcs`` (its findings are among the scan's)."""
    console.print()
    console.print(Text(consistency_verdict(report, findings), style="bold"), soft_wrap=True)
    console.print(dcs_table(report))
    table = entries_table(report)
    if table is not None:
        console.print(table)


def summary_line(result: ConsistencyResult, exit_code: int) -> Text:
    """``2 DC(s) read of 2, 3 activation object(s), 1 finding(s) (1 high); exit code 2``."""
    report = result.report
    counts = {s: sum(1 for f in result.findings if f.severity is s) for s in Severity}
    parts = [f"{n} {s.value}" for s, n in sorted(counts.items(), key=lambda kv: -kv[0].rank) if n]
    text = Text(f"{len(report.readable)} of {len(report.copies)} DC(s) read, "
                f"{len(report.objects)} activation object(s), {len(result.findings)} finding(s)")
    if parts:
        text.append(" (" + ", ".join(parts) + ")")
    text.append(f"; exit code {exit_code}")
    return text


# --- JSON -----------------------------------------------------------------------------------

def _served(comp: Comparison, dc: str) -> dict[str, Any] | None:
    for c in comp.copies:
        if c.dc == dc and c.present:
            return {"dn": comp.dn, "kind": comp.kind, "object_guid": c.object_guid,
                    "digest": c.digest, "when_changed": _time(c.when_changed),
                    "usn_changed": c.usn_changed}
    return None


def dc_json(copy: DcCopy, report: ConsistencyReport) -> dict[str, Any]:
    """One DC: how it was found, whether it was read, and what it serves."""
    dc = copy.dc
    forest = copy.data.forest if copy.data is not None else None
    served = [s for comp in (*report.containers, *report.objects)
              if (s := _served(comp, dc.name)) is not None] if copy.data is not None else []
    return {
        "name": dc.name, "address": dc.address, "port": dc.port, "site": dc.site,
        "rodc": dc.rodc, "origin": dc.origin, "ntds_dn": dc.ntds_dn, "in_dns": dc.in_dns,
        "state": "read" if copy.readable else "unreachable", "error": copy.error,
        "inbound_replication": _switch(copy.inbound_disabled),
        "outbound_replication": _switch(copy.outbound_disabled),
        "seconds": round(copy.seconds, 3),
        "dns_host_name": forest.dns_host_name if forest else None,
        "highest_committed_usn": forest.highest_committed_usn if forest else None,
        "serves": served,
    }


def comparison_json(comp: Comparison) -> dict[str, Any]:
    """One entry across the DCs that were read."""
    newest = comp.newest()
    return {
        "dn": comp.dn, "label": comp.label, "kind": comp.kind, "consistent": comp.consistent,
        "differing": list(comp.differing), "present_on": list(comp.present_on),
        "missing_on": list(comp.missing_on), "newest": newest.dc if newest else None,
        "copies": [{"dc": c.dc, "present": c.present, "digest": c.digest,
                    "object_guid": c.object_guid, "when_created": _time(c.when_created),
                    "when_changed": _time(c.when_changed), "usn_changed": c.usn_changed}
                   for c in comp.copies],
    }


def consistency_json(report: ConsistencyReport, findings: tuple[Finding, ...]) -> dict[str, Any]:
    """The ``data`` of ``adba consistency`` (and ``consistency`` of ``scan --all-dcs``)."""
    return {
        "verdict": consistency_verdict(report, findings),
        "consistent": report.consistent,
        "dcs": [dc_json(c, report) for c in report.copies],
        "containers": [comparison_json(c) for c in report.containers],
        "objects": [comparison_json(c) for c in report.objects],
        "dns": {"checked": report.dns_checked, "srv_only": list(report.dns_only)},
        "notes": list(report.notes),
    }
