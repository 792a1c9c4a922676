"""The JSON envelope: one versioned document per run (see docs/json.md)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from adba import __version__
from adba.core import results as res
from adba.core.catalog import Catalog
from adba.core.client import ClientReport, KmsHost
from adba.core.coverage import CoverageReport
from adba.core.diagnose import OFFICE_APPS, ProductDiagnosis, machine_name
from adba.core.findings import Finding
from adba.core.kms import HostEpid, KmsClientView, threshold_text
from adba.core.models import ActivationObject, ContainerInfo, ForestData
from adba.core.phone_ids import split_confirmation_id, split_installation_id
from adba.core.rules.acl import describe
from adba.core.sanitize import json_escape
from adba.core.schema_versions import functional_level, schema_release
from adba.errors import AdbaError

SCHEMA_VERSION = "1.0"


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def envelope(command: str, status: str, exit_code: int, data: Any,
             findings: list[Finding], errors: list[AdbaError]) -> dict[str, Any]:
    """The versioned envelope around a command's result."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "adba", "version": __version__},
        "command": command,
        "status": status,
        "exit_code": exit_code,
        "data": data,
        "findings": [finding_json(f) for f in findings],
        "errors": [{"type": type(e).__name__, "message": e.message, "hint": e.hint}
                   for e in errors],
    }


COMPACT_FROM = 1_000_000
"""Documents at least this long (fleets of reports) are written compact, on one line: Python's
fast encoder does not indent, and nobody reads a megabyte of JSON by eye."""


def error_document(command: str, error: AdbaError) -> str:
    """The envelope of a run that could not inspect (exit 3), as text."""
    return dumps(envelope(command, "error", 3, None, [], [error]))


def result_document(result: Any, exit_code: int) -> str | bytes:
    """The envelope of any command's result, as text: the one place every JSON document is
    made (its ``data`` by :func:`data_json`). A diagnosis encoded in the workers
    (:class:`~adba.cli.diagnose_work.EncodedDiagnosis`) has its reports and findings spliced
    in as they are: a large one comes back as UTF-8 bytes without the final newline
    (:func:`~adba.cli.diagnose_work.assemble_json`)."""
    from adba.cli.diagnose_work import EncodedDiagnosis, assemble_json
    from adba.cli.exit_codes import STATUS, ExitCode

    code = ExitCode(exit_code)
    if isinstance(result, EncodedDiagnosis):
        payload = {"verdict": result.verdict(),
                   "forest_source": forest_data_json(result.data)["source"], "reports": [],
                   "unreadable": [{"source": u.source, "reason": u.reason, "line": u.line}
                                  for u in result.unreadable],
                   "summary": result.summary()}
        return assemble_json(envelope(result.command, STATUS[code], code, payload, [], []),
                             list(result.reports), list(result.findings))
    return dumps(envelope(result.command, STATUS[code], code, data_json(result),
                          list(result.findings), []))


def data_json(result: res.Result) -> dict[str, Any]:
    """The ``data`` member of a command's envelope (docs/json.md)."""
    from adba.cli import render_catalog, render_explain
    from adba.core.verdict import forest_verdict

    if isinstance(result, res.ScanResult):
        payload = {"verdict": forest_verdict(result.data, result.findings, result.catalog,
                                             result.coverage),
                   **forest_data_json(result.data, result.catalog)}
        if result.coverage is not None:
            payload["coverage"] = coverage_json(result.coverage)
        if result.consistency is not None:
            from adba.cli.render_consistency import consistency_json

            payload["consistency"] = consistency_json(
                result.consistency, tuple(f for f in result.findings
                                          if f.rule_id.startswith("ADBA-REPL-")))
        payload["notes"] = list(result.notes)
        return payload
    if isinstance(result, res.ConsistencyResult):
        from adba.cli.render_consistency import consistency_json

        return consistency_json(result.report, result.findings)
    if isinstance(result, res.CoverageResult):
        forest = forest_data_json(result.data, result.catalog)
        return {"verdict": forest_verdict(result.data, result.findings, result.catalog,
                                          result.coverage),
                "source": forest["source"], "coverage": coverage_json(result.coverage),
                "objects": forest["objects"], "notes": list(result.notes)}
    if isinstance(result, res.DiagnoseResult):
        from adba.core.verdict import diagnose_result_verdict

        return {
            "verdict": diagnose_result_verdict(result),
            "forest_source": forest_data_json(result.data)["source"],
            "reports": [r.json if r.json is not None
                        else diagnose_report_json(r.report, list(r.diagnoses))
                        for r in result.reports],
            "unreadable": [{"source": u.source, "reason": u.reason, "line": u.line}
                           for u in result.unreadable],
            "summary": result.summary(),
        }
    if isinstance(result, res.CatalogListResult):
        return render_catalog.list_json(result)
    if isinstance(result, res.CatalogExplainResult):
        return render_catalog.explain_json(result)
    if isinstance(result, res.ExplainResult):
        return render_explain.explain_json(result)
    if isinstance(result, res.LicenceResult):
        from adba.cli.render_licences import licence_file_json

        return licence_file_json(result)
    if isinstance(result, res.DiffResult):
        from adba.cli.render_diff import diff_json

        return diff_json(result)
    if isinstance(result, res.RulesResult):
        return {"query": result.query, "rules": [
            {"rule_id": r.rule_id, "severity": r.severity.value, "title": r.title,
             "explanation": r.explanation, "remediation": r.remediation, "doc_url": r.doc_url}
            for r in result.rules]}
    return {"written": result.what}


def dumps(document: dict[str, Any]) -> str:
    """Stable JSON text: indented, or compact when it is :data:`COMPACT_FROM` characters or more."""
    compact = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    if len(compact) >= COMPACT_FROM:
        return json_escape(compact) + "\n"
    return json_escape(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def finding_json(f: Finding) -> dict[str, Any]:
    """One finding as JSON."""
    return {
        "rule_id": f.rule_id, "severity": f.severity.value, "title": f.title,
        "subject": f.subject, "evidence": list(f.evidence), "explanation": f.explanation,
        "remediation": f.remediation, "doc_url": f.doc_url,
    }


def forest_data_json(data: ForestData, catalog: Catalog | None = None) -> dict[str, Any]:
    """Everything the scan read, decoded, as JSON; products named from the catalog."""
    src = data.source
    forest = data.forest
    return {
        "source": {
            "kind": src.kind.value, "server": src.server, "port": src.port,
            "transport": src.transport, "auth": src.auth, "user": src.user,
            "certificate": src.certificate, "insecure": src.insecure, "path": src.path,
            "captured_at": _time(src.captured_at),
        },
        "forest": None if forest is None else {
            "dns_host_name": forest.dns_host_name,
            "root_domain_nc": forest.root_domain_nc,
            "default_nc": forest.default_nc,
            "config_nc": forest.config_nc,
            "schema_nc": forest.schema_nc,
            "forest_functionality": forest.forest_functionality,
            "forest_functionality_name": functional_level(forest.forest_functionality)
            if forest.forest_functionality is not None else None,
            "domain_functionality": forest.domain_functionality,
            "highest_committed_usn": forest.highest_committed_usn,
            "schema_object_version": forest.schema_object_version,
            "schema_release": schema_release(forest.schema_object_version)
            if forest.schema_object_version is not None else None,
            "msspp_classes": dict(forest.msspp_classes) if forest.msspp_classes else None,
            "root_domain_sid": forest.root_domain_sid,
        },
        "containers": {
            "spp": container_json(data.spp_container, data),
            "activation_objects": container_json(data.ao_container, data),
        },
        "objects": [object_json(o, catalog) for o in data.objects],
        "other_children": [{"dn": c.dn, "object_classes": list(c.object_classes)}
                           for c in data.other_children],
    }


def container_json(c: ContainerInfo, data: ForestData) -> dict[str, Any]:
    """A container with its owner and DACL."""
    sd = c.security
    return {
        "dn": c.dn,
        "state": c.state.value,
        "object_classes": list(c.object_classes),
        "when_created": _time(c.when_created),
        "when_changed": _time(c.when_changed),
        "security_error": c.security_error,
        "owner": None if sd is None or sd.owner is None else {
            "sid": sd.owner, "name": describe(sd.owner, data)},
        "dacl": None if sd is None or sd.dacl is None else [
            {"allowed": a.allowed, "sid": a.sid, "principal": describe(a.sid, data),
             "rights": list(a.rights()), "inherited": a.inherited, "sddl": a.sddl()}
            for a in sd.dacl],
    }


def object_json(o: ActivationObject, catalog: Catalog | None = None) -> dict[str, Any]:
    """One activation object, decoded, with its CSVLK and products named where known."""
    from adba.cli.render_licences import object_licence_json

    licences, summary = object_licence_json(o)
    pid = o.extended_pid
    iid = split_installation_id(o.installation_id) if o.installation_id else None
    cid = split_confirmation_id(o.confirmation_id) if o.confirmation_id else None
    return {
        "dn": o.dn,
        "cn": o.cn,
        "display_name": o.display_name,
        "object_guid": str(o.object_guid) if o.object_guid else None,
        "when_created": _time(o.when_created),
        "when_changed": _time(o.when_changed),
        "csvlk_sku_id": o.csvlk_sku_id.text if o.csvlk_sku_id else None,
        "csvlk": _csvlk_json(o, catalog),
        "kms_ids": [k.text for k in o.kms_ids],
        "enables": [_kms_json(k.uuid, k.text, catalog) for k in o.kms_ids],
        "partial_product_key": o.partial_product_key,
        "csvlk_pid": o.csvlk_pid,
        "extended_pid": None if pid is None else {
            "platform_id": pid.platform_id, "group_id": pid.group_id,
            "key_serial": pid.key_serial, "channel": pid.channel, "lcid": pid.lcid,
            "build": pid.build, "activation_day": pid.activation_day,
            "activation_year": pid.activation_year,
            "activation_date": pid.activation_date.isoformat() if pid.activation_date else None,
        },
        "installation_id": None if o.installation_id is None else {
            "value": o.installation_id,
            "groups": len(iid.groups) if iid else None,
            "check_digits_ok": iid.ok if iid else False,
        },
        "confirmation_id": None if o.confirmation_id is None else {
            "groups": len(cid.groups) if cid else None,
            "check_digits_ok": cid.ok if cid else False,
        },
        "licences": licences,
        "licence_summary": summary,
    }


def _csvlk_json(o: ActivationObject, catalog: Catalog | None) -> dict[str, Any] | None:
    if catalog is None or o.csvlk_sku_id is None or o.csvlk_sku_id.uuid is None:
        return None
    row = catalog.csvlk(o.csvlk_sku_id.uuid)
    if row is None:
        return {"known": False, "name": None}
    return {"known": True, "name": row.name, "group_id": row.group_id,
            "source": list(row.source)}


def _kms_json(value: Any, text: str, catalog: Catalog | None) -> dict[str, Any]:
    row = catalog.kms_id(value) if catalog is not None and value is not None else None
    return {"kms_id": text, "known": row is not None, "name": row.name if row else None,
            "family": row.family if row else None}


def coverage_json(report: CoverageReport) -> dict[str, Any]:
    """The coverage matrix as JSON."""
    return {
        "total_computers": report.total,
        "active": report.active,
        "stale": report.stale,
        "disabled": report.disabled,
        "unknown_os": report.unknown_os,
        "unknown_os_examples": list(report.unknown_examples),
        "stale_days": report.stale_days,
        "max_listed": report.max_listed,
        "counting_objects": list(report.counting_objects),
        "ignored_objects": list(report.ignored_objects),
        "families": [
            {"family": r.family, "kms_id": str(r.kms_id) if r.kms_id else None,
             "kms_name": r.kms_name, "adba_capable": r.adba_capable, "active": r.active,
             "stale": r.stale, "disabled": r.disabled, "covered": r.covered,
             "covered_by": list(r.covered_by), "uncovered_machines": list(r.uncovered_machines),
             "uncovered_not_listed": r.uncovered_not_listed}
            for r in report.families],
    }


# ---------------------------------------------------------------------------------- diagnose
def host_epid_json(epid: HostEpid | None) -> dict[str, Any] | None:
    """A KMS host's ePID, its fields and the CSVLK(s) its group and key serial belong to."""
    if epid is None:
        return None
    pid = epid.parsed
    return {
        "raw": epid.raw,
        "parsed": pid is not None,
        "platform_id": pid.platform_id if pid else None,
        "group_id": pid.group_id if pid else None,
        "key_serial": pid.key_serial if pid else None,
        "host_build": pid.build if pid else None,
        "activation_date": pid.activation_date.isoformat() if pid and pid.activation_date
        else None,
        "csvlks": [{"sku_id": str(c.sku_id), "name": c.name} for c in epid.csvlks],
        "matches_csvlk": bool(epid.csvlks),
        "group_known": epid.group_known,
        "problems": [{"code": p.code, "message": p.message} for p in epid.problems],
        "listed_as_emulator": [s.cite for s in epid.listed.sources] if epid.listed else [],
    }


def kms_client_json(view: KmsClientView | None) -> dict[str, Any] | None:
    """The KMS-client block of a product, decoded."""
    if view is None:
        return None
    return {
        "host": view.host, "port": view.port, "found_by": view.found_by,
        "lookup_domain": view.lookup_domain, "ip": view.ip,
        "host_epid": host_epid_json(view.host_epid),
        "activation_interval_minutes": view.activation_interval,
        "renewal_interval_minutes": view.renewal_interval,
        "host_caching": view.host_caching, "cmid": view.cmid,
        "host_listed_as_emulator": [s.cite for s in view.listed_host.sources]
        if view.listed_host else [],
    }


def kms_host_json(block: KmsHost | None, office: bool = False) -> dict[str, Any] | None:
    """A KMS host's counters and settings, with what its count activates."""
    if block is None:
        return None
    return {
        "current_count": block.current_count,
        "activates": threshold_text(block.current_count, office),
        "listening_port": block.listening_port,
        "dns_publishing": block.dns_publishing,
        "priority": block.priority,
        "total_requests": block.total_requests,
        "failed_requests": block.failed_requests,
        "requests_by_status": {label: n for label, n in block.requests_by_status},
    }


def diagnose_report_json(report: ClientReport, diags: list[ProductDiagnosis]) -> dict[str, Any]:
    """One report of ``adba diagnose``: the machine, when it was taken, each product."""
    return {
        "source": report.source, "machine": machine_name(report), "format": report.format,
        "computer": report.computer, "computer_aliases": list(report.computer_aliases),
        "domain": report.domain, "domain_controller": report.domain_controller,
        "os_name": report.os_name or report.os_caption,
        "os_build": report.os_build, "collected_at": _time(report.collected_at),
        "kms_host_service": kms_host_json(report.kms_host_service),
        "products": [{
            "name": d.product.name,
            "kind": d.kind.value,
            "activation_id": str(d.product.activation_id) if d.product.activation_id else None,
            "channel": d.product.product_key_channel or d.product.channel,
            "partial_product_key": d.product.partial_product_key,
            "state": d.state,
            "grace_minutes": d.product.grace_minutes,
            "as_of": _time(d.as_of),
            "evaluation_end": d.product.evaluation_end,
            "kms_client": kms_client_json(d.kms_client),
            "kms_host": kms_host_json(d.kms_host, d.product.application_id in OFFICE_APPS),
            "kms_host_epid": host_epid_json(d.kms_host_epid),
            "diagnoses": [f.rule_id for f in d.diagnoses],
        } for d in diags],
        "notes": list(report.notes),
    }
