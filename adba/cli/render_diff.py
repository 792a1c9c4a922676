"""``adba diff`` in each format: the JSON ``data`` (docs/json.md), the text report and the
changes table (CSV, HTML)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.text import Text

from adba.cli.report_view import Table
from adba.core.diff import Ace, Change, Side, verdict
from adba.core.results import DiffResult


def _named(value: str, names: dict[str, str]) -> str:
    return f"{value} ({names[value]})" if value in names else value


def side_json(side: Side) -> dict[str, Any]:
    """One input of the comparison."""
    return {"path": side.path, "kind": side.kind, "taken_at": side.taken_at,
            "server": side.server, "forest": side.forest, "tool_version": side.tool_version}


def change_json(c: Change) -> dict[str, Any]:
    """One attribute that differs."""
    return {"attribute": c.attribute, "old": list(c.old), "new": list(c.new),
            "added": list(c.added), "removed": list(c.removed)}


def ace_json(container: str, a: Ace) -> dict[str, Any]:
    """A DACL entry that appeared or went away."""
    return {"container": container, "allowed": a.allowed, "principal": a.principal,
            "rights": list(a.rights), "inherited": a.inherited, "sddl": a.sddl}


def diff_json(result: DiffResult) -> dict[str, Any]:
    """The ``data`` of ``adba diff``."""
    from adba.cli.render_json import finding_json

    d = result.diff
    return {
        "verdict": verdict(d),
        "old": side_json(result.old), "new": side_json(result.new),
        "changed": d.changed,
        "summary": d.counts(),
        "forest": [change_json(c) for c in d.forest],
        "objects": {kind: [{"dn": o.dn, "label": o.label,
                            **({"changes": [change_json(c) for c in o.changes]}
                               if kind == "changed" else {})}
                           for o in d.objects if o.kind == kind]
                    for kind in ("added", "removed", "changed")},
        "containers": [{"dn": c.container, "changes": [change_json(x) for x in c.changes]}
                       for c in d.containers],
        "acl": {kind: [ace_json(a.container, a.ace) for a in d.aces if a.kind == kind]
                for kind in ("added", "removed")},
        "findings": {"appeared": [finding_json(f) for f in d.appeared],
                     "resolved": [finding_json(f) for f in d.resolved]},
        "coverage": [{"family": f.family, "kind": f.kind,
                      "changes": [change_json(c) for c in f.changes]} for f in d.coverage],
        "names": dict(result.names),
        "notes": list(result.notes),
    }


def _values(values: tuple[str, ...], names: dict[str, str]) -> str:
    return ", ".join(_named(v, names) for v in values) if values else "(none)"


def change_lines(c: Change, names: dict[str, str]) -> list[str]:
    """``attribute: old -> new``, and for a multi-valued attribute the values added/removed."""
    if len(c.old) > 1 or len(c.new) > 1:
        lines = [f"{c.attribute}:"]
        lines += [f"  + {_named(v, names)}" for v in c.added]
        lines += [f"  - {_named(v, names)}" for v in c.removed]
        if not c.added and not c.removed:
            lines.append(f"  order {_values(c.old, names)} -> {_values(c.new, names)}")
        return lines
    return [f"{c.attribute}: {_values(c.old, names)} -> {_values(c.new, names)}"]


def changes_table(result: DiffResult) -> Table:
    """Every change, one row each: area, change, subject, attribute, old, new."""
    names = dict(result.names)
    d = result.diff
    rows: list[tuple[str, ...]] = []

    def add(area: str, kind: str, subject: str, c: Change | None = None) -> None:
        if c is None:
            rows.append((area, kind, subject, "", "", ""))
        else:
            rows.append((area, kind, subject, c.attribute,
                         "\n".join(_named(v, names) for v in c.old),
                         "\n".join(_named(v, names) for v in c.new)))

    for c in d.forest:
        add("forest", "changed", result.new.forest or "", c)
    for o in d.objects:
        if o.changes:
            for c in o.changes:
                add("object", o.kind, o.dn, c)
        else:
            add("object", o.kind, o.dn)
    for cd in d.containers:
        for c in cd.changes:
            add("container", "changed", cd.container, c)
    for a in d.aces:
        rows.append(("acl", a.kind, a.container, a.ace.principal,
                     a.ace.sddl if a.kind == "removed" else "",
                     a.ace.sddl if a.kind == "added" else ""))
    for f in d.appeared:
        rows.append(("finding", "appeared", f.subject, f.rule_id, "", f"{f.severity.value}: "
                                                                     f"{f.title}"))
    for f in d.resolved:
        rows.append(("finding", "resolved", f.subject, f.rule_id, f"{f.severity.value}: "
                                                                  f"{f.title}", ""))
    for fam in d.coverage:
        if fam.changes and fam.kind == "changed":
            for c in fam.changes:
                add("coverage", fam.kind, fam.family, c)
        else:
            add("coverage", fam.kind, fam.family)
    return Table("changes", "Changes", ("area", "change", "subject", "attribute", "old", "new"),
                 tuple(rows))


def _side_line(label: str, side: Side) -> Text:
    what = "snapshot" if side.kind == "snapshot" else f"adba {side.kind} JSON"
    parts = [f"{label}: {side.path} ({what}"]
    if side.taken_at:
        parts.append(f", {side.taken_at}")
    if side.server:
        parts.append(f", from {side.server}")
    if side.tool_version:
        parts.append(f", adba {side.tool_version}")
    return Text("".join(parts) + ")")


def render_diff(console: Console, result: DiffResult, exit_code: int) -> None:
    """The text report of ``adba diff``."""
    from adba import __version__
    from adba.cli.render_text import SEVERITY_STYLE, render_notes

    d = result.diff
    names = dict(result.names)
    console.print(Text(verdict(d), style="bold"), soft_wrap=True)
    console.print(Text(f"adba {__version__} — ADBA changes", style="dim"))
    console.print(_side_line("old", result.old), soft_wrap=True)
    console.print(_side_line("new", result.new), soft_wrap=True)
    console.print()

    def heading(title: str) -> None:
        console.print(Text(title, style="bold underline"))

    def changes(items: Iterable[Change], indent: str = "      ") -> None:
        for c in items:
            for line in change_lines(c, names):
                console.print(Text(f"{indent}{line}"), soft_wrap=True)

    if d.forest:
        heading("Forest")
        changes(d.forest, "  ")
        console.print()
    if d.objects:
        heading("Activation objects")
        marks = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow")}
        for o in d.objects:
            mark, style = marks[o.kind]
            console.print(Text.assemble((f"  {mark} {o.kind} ", style), (o.label, "bold")),
                          soft_wrap=True)
            console.print(Text(f"      {o.dn}"), soft_wrap=True)
            changes(o.changes)
        console.print()
    if d.containers or d.aces:
        heading("Container permissions")
        for cd in d.containers:
            console.print(Text(f"  {cd.container}"), soft_wrap=True)
            changes(cd.changes)
        for a in d.aces:
            mark, style = ("+", "green") if a.kind == "added" else ("-", "red")
            kind = "allow" if a.ace.allowed else "deny"
            console.print(Text.assemble((f"  {mark} {a.kind} ", style),
                                        f"{kind} {a.ace.principal}: {' '.join(a.ace.rights)}"
                                        f"{' (inherited)' if a.ace.inherited else ''}"),
                          soft_wrap=True)
            console.print(Text(f"      {a.ace.sddl} on {a.container}"), soft_wrap=True)
        console.print()
    for title, items, mark in (("New findings", d.appeared, "+"),
                               ("Findings gone", d.resolved, "-")):
        if not items:
            continue
        heading(title)
        for f in items:
            console.print(Text.assemble(f"  {mark} ", (f" {f.severity.value.upper()} ",
                                                      SEVERITY_STYLE[f.severity]),
                                        "  ", (f.rule_id, "bold"), "  ", f.title), soft_wrap=True)
            console.print(Text(f"      {f.subject}"), soft_wrap=True)
            if mark == "+":
                console.print(Text(f"      adba rules show {f.rule_id}", style="dim"),
                              soft_wrap=True)
        console.print()
    if d.coverage:
        heading("Coverage")
        for fam in d.coverage:
            console.print(Text(f"  {fam.kind} {fam.family}"), soft_wrap=True)
            changes(fam.changes)
        console.print()
    render_notes(console, result.notes)
    counts = d.counts()
    console.print(Text(
        f"{counts['objects_added']} added, {counts['objects_removed']} removed, "
        f"{counts['objects_changed']} changed object(s); {counts['aces_added']} ACE(s) added, "
        f"{counts['aces_removed']} removed; {counts['findings_appeared']} finding(s) appeared, "
        f"{counts['findings_resolved']} gone; exit code {exit_code}"))
