"""The inputs of ``adba diff``: adba's JSON envelopes (``adba scan``/``adba coverage --format
json``) and snapshots, read with a cap and checked field by field into the comparable form
of :mod:`adba.core.diff`.

A snapshot is judged by the command line first (it holds raw attributes, not findings); its
``data`` then has the shape of a scan's and goes through the same checks.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adba.adapters.input_files import SNAPSHOT_MAX, MiB, check_regular, read_file
from adba.core.diff import Ace, ContainerView, CoverageView, DiffInput, ObjectView, Side, Values
from adba.core.findings import Finding, Severity
from adba.errors import InputFileError

ENVELOPE_MAX = 512 * MiB
"""A scan envelope of a forest with every computer listed is a few tens of MB."""
SCHEMA_MAJOR = "1"
COMMANDS = ("scan", "coverage")
_SNAPSHOT_MARK = re.compile(rb'"format"\s*:\s*"adba-snapshot"')
HINT = "give two files written by 'adba scan --format json -o FILE' or 'adba snapshot -o FILE'"


def kind_of(path: Path) -> str:
    """``snapshot`` or ``envelope``, from the file's first 64 KB (a regular file, capped)."""
    check_regular(path, SNAPSHOT_MAX, "adba JSON document")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            head = handle.read(64 * 1024)
    except OSError as exc:
        raise InputFileError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    return "snapshot" if _SNAPSHOT_MARK.search(head) else "envelope"


def read_envelope(path: Path) -> dict[str, Any]:
    """An adba JSON envelope of ``scan`` or ``coverage``, checked: schema version, command,
    status; ``InputFileError`` naming the file otherwise."""
    name = str(path)
    raw = read_file(path, ENVELOPE_MAX, "adba JSON document")
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputFileError(name, "not UTF-8 text; is this adba's JSON output?",
                             hint=HINT) from exc
    except json.JSONDecodeError as exc:
        raise InputFileError(name, f"not valid JSON: {exc.msg} (column {exc.colno})",
                             line=exc.lineno, hint=HINT) from exc
    except RecursionError as exc:
        raise InputFileError(name, "JSON nested too deeply; is this adba's JSON output?",
                             hint=HINT) from exc
    if not isinstance(doc, dict) or "schema_version" not in doc or "command" not in doc:
        raise InputFileError(name, "not an adba JSON envelope nor an adba snapshot", hint=HINT)
    version = doc["schema_version"]
    if not isinstance(version, str) or version.split(".")[0] != SCHEMA_MAJOR:
        raise InputFileError(name, f"JSON schema version {str(version)[:20]!r} is not one this "
                                   f"adba reads ({SCHEMA_MAJOR}.x)",
                             hint="compare files written by the same major version of adba")
    command = doc["command"]
    if command not in COMMANDS:
        raise InputFileError(name, f"holds the result of 'adba {str(command)[:40]}'; adba diff "
                                   "compares 'adba scan' and 'adba coverage' results and "
                                   "snapshots", hint=HINT)
    if doc.get("status") == "error" or not isinstance(doc.get("data"), dict):
        errors = doc.get("errors")
        why = ""
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            why = f": {str(errors[0].get('message'))[:200]}"
        raise InputFileError(name, f"holds no result (that run failed{why})",
                             hint="compare two runs that could inspect")
    return doc


class _Check:
    """Typed access to a JSON document, failing with the file and the JSON path."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, what: str) -> InputFileError:
        return InputFileError(self.path, f"{where}: expected {what}", hint=HINT)

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "an object")
        return value

    def items(self, value: Any, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(where, "a list")
        return value

    def text(self, value: Any, where: str, required: bool = False) -> str | None:
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(where, "a string" if required else "a string or null")
        return str(value)

    def values(self, value: Any, where: str) -> Values:
        """A scalar or a list of scalars as text values (null and absent: none)."""
        if value is None:
            return ()
        if isinstance(value, list):
            return tuple(self.scalar(v, f"{where}[{i}]") for i, v in enumerate(value))
        return (self.scalar(value, where),)

    def scalar(self, value: Any, where: str) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, str | int | float):
            return str(value)
        raise self.fail(where, "a string, number or true/false")


def _object(c: _Check, value: Any, where: str) -> tuple[ObjectView, dict[str, str]]:
    o = c.obj(value, where)
    dn = c.text(o.get("dn"), f"{where}.dn", required=True) or ""
    names: dict[str, str] = {}
    for i, e in enumerate(c.items(o.get("enables"), f"{where}.enables")):
        e = c.obj(e, f"{where}.enables[{i}]")
        kms, label = e.get("kms_id"), e.get("name")
        if isinstance(kms, str) and isinstance(label, str):
            names[kms] = label
    csvlk = o.get("csvlk")
    sku = c.text(o.get("csvlk_sku_id"), f"{where}.csvlk_sku_id")
    if sku and isinstance(csvlk, dict) and isinstance(csvlk.get("name"), str):
        names[sku] = csvlk["name"]
    iid = o.get("installation_id")
    cid = o.get("confirmation_id")
    attrs: list[tuple[str, Values]] = [
        ("distinguishedName", (dn,)),
        ("cn", c.values(o.get("cn"), f"{where}.cn")),
        ("displayName", c.values(o.get("display_name"), f"{where}.display_name")),
        ("msSPP-CSVLKSkuId", (sku,) if sku else ()),
        ("msSPP-KMSIds", c.values(o.get("kms_ids"), f"{where}.kms_ids")),
        ("msSPP-CSVLKPid", c.values(o.get("csvlk_pid"), f"{where}.csvlk_pid")),
        ("msSPP-CSVLKPartialProductKey", c.values(o.get("partial_product_key"),
                                                  f"{where}.partial_product_key")),
        ("msSPP-InstallationId", () if iid is None else c.values(
            c.obj(iid, f"{where}.installation_id").get("value"),
            f"{where}.installation_id.value")),
        ("msSPP-ConfirmationId", () if cid is None else (
            "{} groups, check digits {}".format(
                c.scalar(c.obj(cid, f"{where}.confirmation_id").get("groups"),
                         f"{where}.confirmation_id.groups")
                if cid.get("groups") is not None else "?",
                "ok" if cid.get("check_digits_ok") is True else "wrong"),)),
    ]
    for lname, blob in sorted(c.obj(o.get("licences") or {}, f"{where}.licences").items()):
        b = c.obj(blob, f"{where}.licences.{lname}")
        attrs.append((str(lname), (f"{c.scalar(b.get('size'), f'{where}.licences.size')} bytes, "
                                    f"sha256 {c.scalar(b.get('sha256'), f'{where}.sha256')}",)))
    label = next((v[0] for n, v in attrs if n == "displayName" and v), None) or \
        next((v[0] for n, v in attrs if n == "cn" and v), None) or dn
    guid = c.text(o.get("object_guid"), f"{where}.object_guid")
    return ObjectView(dn=dn, guid=guid.lower() if guid else None, label=label,
                      attributes=tuple(attrs)), names


def _container(c: _Check, key: str, value: Any, where: str) -> ContainerView:
    o = c.obj(value, where)
    owner = o.get("owner")
    owner_name = None
    if owner is not None:
        owner_d = c.obj(owner, f"{where}.owner")
        owner_name = c.text(owner_d.get("name") or owner_d.get("sid"), f"{where}.owner.name")
    aces = None
    if o.get("dacl") is not None:
        aces = []
        for i, a in enumerate(c.items(o.get("dacl"), f"{where}.dacl")):
            a = c.obj(a, f"{where}.dacl[{i}]")
            aces.append(Ace(sddl=c.text(a.get("sddl"), f"{where}.dacl[{i}].sddl",
                                        required=True) or "",
                            principal=c.text(a.get("principal") or a.get("sid"),
                                             f"{where}.dacl[{i}].principal") or "?",
                            allowed=a.get("allowed") is not False,
                            rights=c.values(a.get("rights"), f"{where}.dacl[{i}].rights"),
                            inherited=a.get("inherited") is True))
    return ContainerView(key=key, dn=c.text(o.get("dn"), f"{where}.dn", required=True) or "",
                         state=c.text(o.get("state"), f"{where}.state") or "unknown",
                         owner=owner_name, aces=None if aces is None else tuple(aces))


def _coverage(c: _Check, value: Any) -> CoverageView | None:
    if value is None:
        return None
    cov = c.obj(value, "data.coverage")
    totals = tuple((k, c.values(cov.get(k), f"data.coverage.{k}"))
                   for k in ("total_computers", "active", "stale", "disabled", "unknown_os")
                   if k in cov)
    families = []
    for i, f in enumerate(c.items(cov.get("families"), "data.coverage.families")):
        where = f"data.coverage.families[{i}]"
        f = c.obj(f, where)
        name = c.text(f.get("family"), f"{where}.family", required=True) or ""
        families.append((name, tuple((k, c.values(f.get(k), f"{where}.{k}")) for k in (
            "adba_capable", "active", "stale", "disabled", "covered", "covered_by",
            "uncovered_machines", "uncovered_not_listed") if k in f)))
    return CoverageView(totals=totals, families=tuple(families))


def finding_from_json(c: _Check, value: Any, where: str) -> Finding:
    """A finding of a JSON envelope, typed again."""
    f = c.obj(value, where)
    try:
        severity = Severity(str(f.get("severity")))
    except ValueError as exc:
        raise c.fail(f"{where}.severity", "info, low, medium, high or critical") from exc
    return Finding(
        rule_id=c.text(f.get("rule_id"), f"{where}.rule_id", required=True) or "",
        severity=severity, title=c.text(f.get("title"), f"{where}.title") or "",
        subject=c.text(f.get("subject"), f"{where}.subject") or "",
        evidence=c.values(f.get("evidence"), f"{where}.evidence"),
        explanation=c.text(f.get("explanation"), f"{where}.explanation") or "",
        remediation=c.text(f.get("remediation"), f"{where}.remediation") or "",
        doc_url=c.text(f.get("doc_url"), f"{where}.doc_url") or "")


def _forest_id(data: dict[str, Any], objects: tuple[ObjectView, ...],
               containers: tuple[ContainerView, ...]) -> str | None:
    """The Configuration NC the data belongs to (lower case), from the forest or a DN."""
    forest = data.get("forest")
    if isinstance(forest, dict) and isinstance(forest.get("config_nc"), str):
        return str(forest["config_nc"]).lower()
    for dn in [c.dn for c in containers] + [o.dn for o in objects]:
        at = dn.lower().find("cn=services,")
        if at >= 0:
            return dn[at + len("cn=services,"):].lower()
    return None


def diff_input(path: Path, kind: str, command: str, data: Any, findings: Any,
               tool_version: str | None) -> tuple[DiffInput, dict[str, str]]:
    """One side, checked, and the product names its objects give their GUIDs."""
    c = _Check(str(path))
    data = c.obj(data, "data")
    names: dict[str, str] = {}
    objects = []
    for i, item in enumerate(c.items(data.get("objects"), "data.objects")):
        view, known = _object(c, item, f"data.objects[{i}]")
        objects.append(view)
        names.update(known)
    containers: list[ContainerView] = []
    if data.get("containers") is not None:
        for key, value in c.obj(data.get("containers"), "data.containers").items():
            if value is not None:
                containers.append(_container(c, str(key), value, f"data.containers.{key}"))
    forest = data.get("forest")
    forest_attrs: list[tuple[str, Values]] = []
    if forest is not None:
        f = c.obj(forest, "data.forest")
        forest_attrs = [(k, c.values(f.get(k), f"data.forest.{k}")) for k in (
            "schema_object_version", "forest_functionality", "domain_functionality")]
        classes = f.get("msspp_classes")
        if classes is not None:
            forest_attrs.append(("msSPP classes", tuple(
                f"{k}: {'present' if v else 'missing'}"
                for k, v in sorted(c.obj(classes, "data.forest.msspp_classes").items()))))
    src = data.get("source")
    src = c.obj(src, "data.source") if src is not None else {}
    taken = c.text(src.get("captured_at"), "data.source.captured_at")
    if taken is None:
        try:
            taken = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(
                timespec="seconds") + " (file time)"
        except OSError:
            taken = None
    server = c.text(src.get("server"), "data.source.server")
    fdns = forest.get("dns_host_name") if isinstance(forest, dict) else None
    side = Side(path=str(path), kind=kind, command=command, taken_at=taken,
                server=str(fdns) if isinstance(fdns, str) else server,
                forest=_forest_id(data, tuple(objects), tuple(containers)),
                tool_version=tool_version)
    typed = tuple(finding_from_json(c, f, f"findings[{i}]")
                  for i, f in enumerate(c.items(findings, "findings")))
    return DiffInput(side=side, forest=tuple(forest_attrs), objects=tuple(objects),
                     containers=tuple(containers), coverage=_coverage(c, data.get("coverage")),
                     findings=typed), names
