"""What the HTML and CSV reports show, built once from a command's typed result.

The HTML and CSV renderers do not walk the result themselves: they read the plain values made
here from the result and the ``data`` member of its JSON envelope
(:func:`adba.cli.render_json.data_json`), so the three formats say the same thing. A result this
module has no special view for (a command added later) still gets its header, verdict,
findings and its ``data`` shown as nested lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adba.core import results as res
from adba.core.findings import Finding, Severity

CATEGORIES = {
    "SCHEMA": "Schema and containers", "CONT": "Schema and containers",
    "ACL": "Permissions", "OBJ": "Activation objects", "PID": "Activation objects",
    "PHONE": "Activation objects", "FORGE": "Forged objects", "DUP": "Duplicates",
    "CAT": "Product catalog", "COV": "Coverage", "DIAG": "Clients",
    "REPL": "Replication between DCs",
}
"""Rule-id group (``ADBA-<GROUP>-NNN``) -> the category a report groups findings under; a
group not listed is shown under its own name."""


def category(rule_id: str) -> str:
    """The category of a rule id, e.g. ``Permissions`` for ``ADBA-ACL-002``."""
    parts = rule_id.split("-")
    group = parts[1] if len(parts) > 2 else rule_id
    return CATEGORIES.get(group.upper(), group.upper())


@dataclass(frozen=True)
class Table:
    """A table of text cells: a name (the CSV file's stem), a title, headers and rows."""

    name: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class ReportView:
    """Everything a rendered report shows, as plain values."""

    command: str
    title: str
    verdict: str
    exit_code: int
    status: str
    header: list[tuple[str, str]]
    insecure: bool
    severity_counts: list[tuple[str, int]]
    findings: list[Finding]
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    @property
    def finding_groups(self) -> list[tuple[str, list[Finding]]]:
        """Findings by category (categories in order of their worst finding), worst first."""
        groups: dict[str, list[Finding]] = {}
        for f in sorted(self.findings, key=Finding.sort_key):
            groups.setdefault(category(f.rule_id), []).append(f)
        return list(groups.items())

    def finding_anchor(self, finding: Finding) -> str:
        """The id of a finding's article in the HTML page (``finding-N``, N its place in the
        findings worst first)."""
        ordered = self.__dict__.setdefault("_order", {
            id(f): i for i, f in enumerate(sorted(self.findings, key=Finding.sort_key), 1)})
        return f"finding-{ordered.get(id(finding), 0)}"

    def table(self, name: str) -> Table | None:
        """The table called ``name``, if this report has one."""
        return next((t for t in self.tables if t.name == name), None)


TITLES = {"scan": "ADBA scan", "coverage": "ADBA coverage", "diagnose": "ADBA diagnosis",
          "diff": "ADBA changes", "consistency": "ADBA consistency across DCs"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "\n".join(_text(v) for v in value)
    return str(value)


def source_header(source: Mapping[str, Any] | None, forest: Mapping[str, Any] | None,
                  prefix: str = "") -> list[tuple[str, str]]:
    """Header rows for a forest source: forest, DC, how it was read and protected, when."""
    rows: list[tuple[str, str]] = []
    if forest:
        if forest.get("root_domain_nc"):
            rows.append((f"{prefix}Forest", str(forest["root_domain_nc"])))
        if forest.get("dns_host_name"):
            rows.append((f"{prefix}Domain controller", str(forest["dns_host_name"])))
    if not source:
        return rows
    kind = source.get("kind")
    if kind in ("snapshot", "ldif") and source.get("path"):
        rows.append((f"{prefix}Source", f"{kind} {source['path']}"))
    if source.get("server"):
        method = ", ".join(str(source[k]) for k in ("transport", "auth") if source.get(k))
        if source.get("user"):
            method += f" as {source['user']}"
        rows.append((f"{prefix}Server", f"{source['server']}:{source.get('port') or ''}"
                     .rstrip(":")))
        rows.append((f"{prefix}Method and protection", method))
        rows.append((f"{prefix}Certificate", "NOT VALIDATED (--insecure)"
                     if source.get("insecure") else str(source.get("certificate") or "—")))
    if source.get("captured_at"):
        rows.append((f"{prefix}Captured", str(source["captured_at"])))
    return rows


def build_view(result: Any, exit_code: int, generated: str) -> ReportView:
    """The report view of any command's result (``generated``: the time of the run)."""
    from adba import __version__
    from adba.cli.exit_codes import STATUS, ExitCode
    from adba.cli.render_json import data_json

    data = data_json(result)
    findings = list(getattr(result, "findings", ()))
    source = data.get("source") or data.get("forest_source")
    header = source_header(source if isinstance(source, dict) else None,
                           data.get("forest") if isinstance(data.get("forest"), dict) else None)
    if isinstance(result, res.DiffResult):
        header = [("Forest", result.new.forest or "—")] + [
            (label, f"{side.path} ({side.kind}, {side.taken_at or 'time unknown'}"
                    f"{', from ' + side.server if side.server else ''})")
            for label, side in (("Old", result.old), ("New", result.new))]
    header += [("Report generated", generated), ("Tool", f"adba {__version__}")]
    counts = [(s.value, sum(1 for f in findings if f.severity is s))
              for s in sorted(Severity, key=lambda s: -s.rank)]
    view = ReportView(
        command=result.command, title=TITLES.get(result.command, f"adba {result.command}"),
        verdict=str(data.get("verdict") or ""), exit_code=int(exit_code),
        status=STATUS[ExitCode(exit_code)], header=header,
        insecure=bool(isinstance(source, dict) and source.get("insecure")),
        severity_counts=counts, findings=findings, data=data,
        notes=[str(n) for n in getattr(result, "notes", ())])
    view.tables = tables_for(result, data, findings)
    return view


# --- tables (CSV files, and the HTML report's tables) ---------------------------------------

FINDING_HEADERS = ("rule_id", "severity", "category", "title", "subject", "evidence",
                   "explanation", "remediation", "rules_show", "doc_url")


def findings_table(findings: Iterable[Finding]) -> Table:
    """One row per finding, worst first."""
    rows = tuple((f.rule_id, f.severity.value, category(f.rule_id), f.title, f.subject,
                  "\n".join(f.evidence), f.explanation, f.remediation,
                  f"adba rules show {f.rule_id}", f.doc_url)
                 for f in sorted(findings, key=Finding.sort_key))
    return Table("findings", "Findings", FINDING_HEADERS, rows)


def objects_table(objects: list[dict[str, Any]], findings: list[Finding]) -> Table:
    """One row per activation object, with the products it enables and its findings."""
    by_subject: dict[str, list[str]] = {}
    for f in findings:
        by_subject.setdefault(f.subject.lower(), []).append(f.rule_id)
    rows = []
    for o in objects:
        csvlk = o.get("csvlk") or {}
        rows.append((
            _text(o.get("display_name")), _text(o.get("cn")), _text(o.get("dn")),
            _text(o.get("csvlk_sku_id")), _text(csvlk.get("name") if csvlk.get("known")
                                                 else "unknown CSVLK" if csvlk else ""),
            _text(o.get("csvlk_pid")), _text(o.get("partial_product_key")),
            "\n".join(e.get("name") or f"unknown {e.get('kms_id')}"
                      for e in o.get("enables", [])),
            "\n".join(str(k) for k in o.get("kms_ids", [])),
            ", ".join(sorted(o.get("licences", {}))),
            _text(o.get("when_created")), _text(o.get("when_changed")),
            _text(o.get("object_guid")),
            " ".join(sorted(set(by_subject.get(str(o.get("dn", "")).lower(), []))))))
    return Table("objects", "Activation objects",
                 ("display_name", "cn", "dn", "csvlk_sku_id", "csvlk", "csvlk_pid",
                  "partial_product_key", "enables", "kms_ids", "licences", "when_created",
                  "when_changed", "object_guid", "findings"), tuple(rows))


def coverage_table(coverage: dict[str, Any]) -> Table:
    """The coverage matrix: one row per product family."""
    rows = []
    for r in coverage.get("families", []):
        if not r.get("adba_capable"):
            state = "cannot use ADBA"
        elif r.get("covered"):
            state = "covered"
        elif r.get("kms_id") is None:
            state = "no volume licensing"
        elif r.get("active"):
            state = "NOT COVERED"
        else:
            state = "not covered (no active computers)"
        rows.append((_text(r.get("family")), _text(r.get("kms_id")), _text(r.get("kms_name")),
                     _text(r.get("adba_capable")), str(r.get("active", 0)),
                     str(r.get("stale", 0)), str(r.get("disabled", 0)), state,
                     "\n".join(r.get("covered_by", [])),
                     "\n".join(r.get("uncovered_machines", [])),
                     str(r.get("uncovered_not_listed", 0))))
    return Table("coverage", "Coverage", ("family", "kms_id", "kms_name", "adba_capable",
                                          "active", "stale", "disabled", "state", "covered_by",
                                          "uncovered_machines", "uncovered_not_listed"),
                 tuple(rows))


def acl_table(containers: dict[str, Any]) -> Table:
    """Owner and every ACE of both containers."""
    rows = []
    for key in ("activation_objects", "spp"):
        c = containers.get(key) or {}
        dn = _text(c.get("dn"))
        if c.get("owner"):
            rows.append((dn, "owner", _text(c["owner"].get("name")), _text(c["owner"].get("sid")),
                         "", "", ""))
        for ace in c.get("dacl") or []:
            rows.append((dn, "allow" if ace.get("allowed") else "deny",
                         _text(ace.get("principal")), _text(ace.get("sid")),
                         " ".join(ace.get("rights", [])), _text(ace.get("inherited")),
                         _text(ace.get("sddl"))))
    return Table("acl", "Container permissions",
                 ("container", "entry", "principal", "sid", "rights", "inherited", "sddl"),
                 tuple(rows))


def clients_table(reports: list[dict[str, Any]]) -> Table:
    """One row per product of each client report (the fleet)."""
    rows = []
    for r in reports:
        for p in r.get("products", []):
            kms = p.get("kms_client") or {}
            rows.append((_text(r.get("machine")), _text(r.get("domain")), _text(r.get("os_name")),
                         _text(r.get("os_build")), _text(p.get("name")), _text(p.get("kind")),
                         _text(p.get("state")), _text(p.get("channel")),
                         _text(p.get("partial_product_key")), _text(p.get("activation_id")),
                         _text(kms.get("host")), " ".join(p.get("diagnoses", [])),
                         _text(r.get("collected_at")), _text(r.get("source")),
                         _text(r.get("format"))))
    return Table("clients", "Clients", ("machine", "domain", "os", "os_build", "product", "kind",
                                        "state", "channel", "partial_product_key",
                                        "activation_id", "kms_host", "diagnoses",
                                        "collected_at", "source", "format"), tuple(rows))


def tables_for(result: Any, data: dict[str, Any], findings: list[Finding]) -> list[Table]:
    """Every table of a result: the findings (for a diff: the changes, then the findings that
    appeared), then what the result holds: objects, coverage, permissions, clients."""
    tables = [findings_table(findings)]
    if isinstance(result, res.ScanResult | res.CoverageResult):
        tables.append(objects_table(data.get("objects", []), findings))
        if data.get("coverage"):
            tables.append(coverage_table(data["coverage"]))
        if data.get("containers"):
            tables.append(acl_table(data["containers"]))
    elif isinstance(result, res.DiagnoseResult):
        tables.append(clients_table(data.get("reports", [])))
    elif isinstance(result, res.DiffResult):
        from adba.cli.render_diff import changes_table

        tables.insert(0, changes_table(result))
    elif isinstance(result, res.ConsistencyResult):
        tables.extend(consistency_tables(data))
    return tables


def consistency_tables(data: dict[str, Any]) -> list[Table]:
    """``adba consistency``: one row per DC, and one row per entry and DC (what it serves)."""
    dcs = tuple((_text(d.get("name")), _text(d.get("address")), _text(d.get("site")),
                 _text(d.get("rodc")), _text(d.get("origin")), _text(d.get("in_dns")),
                 _text(d.get("state")), _text(d.get("error")),
                 _text(d.get("inbound_replication")), _text(d.get("outbound_replication")),
                 str(sum(1 for s in d.get("serves", []) if s.get("kind") == "object")))
                for d in data.get("dcs", []))
    copies = tuple((_text(c.get("dn")), _text(c.get("kind")), _text(c.get("consistent")),
                    _text(copy.get("dc")), _text(copy.get("present")), _text(copy.get("digest")),
                    _text(copy.get("object_guid")), _text(copy.get("when_changed")),
                    _text(copy.get("usn_changed")))
                   for c in [*data.get("containers", []), *data.get("objects", [])]
                   for copy in c.get("copies", []))
    return [Table("dcs", "Domain controllers", ("name", "address", "site", "rodc", "origin",
                                                "in_dns", "state", "error",
                                                "inbound_replication", "outbound_replication",
                                                "objects"), dcs),
            Table("copies", "What each DC serves", ("dn", "kind", "consistent", "dc", "present",
                                                    "digest", "object_guid", "when_changed",
                                                    "usn_changed"), copies)]
