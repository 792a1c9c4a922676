"""Snapshot files: what a scan read, saved as versioned JSON and read back for offline scans.

Values are stored raw: text attributes as strings, binary ones as ``{"b64": ...}``, licence
blobs as ``{"size": ..., "sha256": ..., "b64": ...}`` (the bytes too, so that an offline scan
reads and verifies the licences again; a snapshot of an older adba has no ``b64`` and gives
digests only). Reading a snapshot rebuilds the same ``RawForest``
that a live scan produces, so the same decoding and rules apply.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from adba.adapters.computer_records import computer_from_attributes
from adba.adapters.input_files import SNAPSHOT_HEAD_MAX, SNAPSHOT_MAX, check_regular
from adba.adapters.records import RawEntry, RawForest, licence_blob
from adba.core.coverage import Computer
from adba.core.models import Blob, Readability, SourceInfo, SourceKind
from adba.errors import InputFileError

FORMAT = "adba-snapshot"
FORMAT_VERSION = 1
BINARY_ATTRIBUTES = frozenset(
    a.lower() for a in ("objectGUID", "objectSid", "nTSecurityDescriptor",
                        "msSPP-CSVLKSkuId", "msSPP-KMSIds")
)


def _encode_value(name: str, value: bytes) -> Any:
    if name.lower() not in BINARY_ATTRIBUTES:
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if text.isprintable():
                return text
    return {"b64": base64.b64encode(value).decode("ascii")}


def _encode_blob(blob: Blob, data: list[bytes]) -> dict[str, Any]:
    """Size and digest, and the bytes (base64) when they were read, so that the licences are
    read and verified again from the snapshot."""
    encoded: dict[str, Any] = {"size": blob.size, "sha256": blob.sha256}
    if data:
        encoded["b64"] = base64.b64encode(data[0]).decode("ascii")
    return encoded


def _encode_entry(entry: RawEntry | None) -> Any:
    if entry is None:
        return None
    return {
        "dn": entry.dn,
        "attributes": {k: [_encode_value(k, v) for v in vals]
                       for k, vals in sorted(entry.attributes.items())},
        "blobs": {k: [_encode_blob(b, entry.blob_bytes.get(k, [])[i:i + 1])
                      for i, b in enumerate(vals)]
                  for k, vals in sorted(entry.blobs.items())},
    }


def snapshot_document(raw: RawForest) -> dict[str, Any]:
    """The JSON document for a ``RawForest``."""
    src = raw.source
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tool_version": src.tool_version,
        "captured_at": src.captured_at.isoformat() if src.captured_at else None,
        "source": {
            "server": src.server, "port": src.port, "transport": src.transport,
            "auth": src.auth, "user": src.user, "certificate": src.certificate,
            "insecure": src.insecure,
        },
        "config_nc": raw.config_nc,
        "root_dse": raw.root_dse,
        "schema": {"object_version": raw.schema_object_version, "classes": raw.schema_classes},
        "root_domain_sid": raw.root_domain_sid,
        "netbios_name": raw.netbios_name,
        "containers": {
            "spp": {"state": raw.spp_state.value, "entry": _encode_entry(raw.spp_container)},
            "activation_objects": {"state": raw.ao_state.value,
                                   "entry": _encode_entry(raw.ao_container),
                                   "security_error": raw.security_error},
        },
        "children": [_encode_entry(c) for c in raw.children],
        "principals": dict(sorted(raw.principals.items())),
    }


COMPUTER_FIELDS = ("cn", "dNSHostName", "operatingSystem", "operatingSystemVersion",
                   "lastLogonTimestamp", "userAccountControl")


def write_snapshot(raw: RawForest, out: TextIO,
                   computers: Iterable[dict[str, list[bytes]]] | None = None,
                   computers_base: str | None = None) -> int:
    """Write the snapshot JSON to ``out``; computers (raw attributes) are streamed one per line.

    Returns the number of computers written.
    """
    doc = snapshot_document(raw)
    if computers is None:
        out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return 0
    doc["computers_base"] = computers_base
    doc["computer_fields"] = list(COMPUTER_FIELDS)
    head = json.dumps(doc, indent=2, ensure_ascii=False)
    out.write(head[: head.rstrip().rfind("}")].rstrip() + ',\n  "computers": [')
    count = 0
    for attrs in computers:
        row = [_computer_value(attrs, name) for name in COMPUTER_FIELDS]
        out.write(("\n    " if count == 0 else ",\n    ") + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n  ]\n}\n")
    return count


def _computer_value(attrs: dict[str, list[bytes]], name: str) -> str | None:
    for key, values in attrs.items():
        if key.lower() == name.lower() and values:
            return values[0].decode("utf-8", "replace")
    return None


def snapshot_computers(rows: Iterable[list[object]]) -> Iterator[Computer]:
    """Decode a snapshot's computer rows lazily."""
    for row in rows:
        attrs = {name: [str(value).encode("utf-8")] for name, value in zip(COMPUTER_FIELDS, row,
                                                                          strict=False)
                 if value is not None}
        yield computer_from_attributes(str(row[0]) if row else "", attrs)


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> InputFileError:
        return InputFileError(self.path, f"{where}: {message}",
                              hint="re-create it with 'adba snapshot -o FILE'")

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "expected an object")
        return value

    def opt_str(self, value: Any, where: str) -> str | None:
        if value is not None and not isinstance(value, str):
            raise self.fail(where, "expected a string")
        return value

    def opt_int(self, value: Any, where: str) -> int | None:
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise self.fail(where, "expected a whole number")
        return value

    def value(self, item: Any, where: str) -> bytes:
        if isinstance(item, str):
            return item.encode("utf-8")
        if isinstance(item, dict) and set(item) == {"b64"} and isinstance(item["b64"], str):
            try:
                return base64.b64decode(item["b64"], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise self.fail(where, f"bad base64: {exc}") from exc
        raise self.fail(where, "expected a string or {\"b64\": ...}")

    def entry(self, value: Any, where: str) -> RawEntry | None:
        if value is None:
            return None
        data = self.obj(value, where)
        dn = data.get("dn")
        if not isinstance(dn, str) or not dn:
            raise self.fail(f"{where}.dn", "missing or not a string")
        attrs: dict[str, list[bytes]] = {}
        for name, values in self.obj(data.get("attributes", {}), f"{where}.attributes").items():
            if not isinstance(values, list):
                raise self.fail(f"{where}.attributes.{name}", "expected a list")
            attrs[name] = [self.value(v, f"{where}.attributes.{name}[{i}]")
                           for i, v in enumerate(values)]
        entry = RawEntry(dn=dn, attributes=attrs)
        for name, values in self.obj(data.get("blobs", {}), f"{where}.blobs").items():
            if not isinstance(values, list):
                raise self.fail(f"{where}.blobs.{name}", "expected a list")
            items, raw = [], []
            for i, b in enumerate(values):
                here = f"{where}.blobs.{name}[{i}]"
                b = self.obj(b, here)
                size, sha = b.get("size"), b.get("sha256")
                if not isinstance(size, int) or not isinstance(sha, str) or len(sha) != 64:
                    raise self.fail(here, "expected size and sha256")
                if "b64" not in b:  # a snapshot that kept only the digest
                    items.append(Blob(size=size, sha256=sha))
                    continue
                value = self.value({"b64": b["b64"]}, f"{here}.b64")
                if len(value) != size or hashlib.sha256(value).hexdigest() != sha.lower():
                    raise self.fail(here, "the licence bytes do not match their size and sha256")
                items.append(licence_blob(value))
                raw.append(value)
            entry.blobs[name] = items
            if raw:
                entry.blob_bytes[name] = raw
        return entry


ROWS_MARKER = '  "computers": ['
ROWS_END = "  ]"


ROW_MAX = 64 * 1024
"""A computer row is a few hundred bytes."""


class _StreamedRows:
    """The computer rows of a snapshot written by ``write_snapshot``: one JSON array per line,
    parsed only while iterated, so memory does not grow with the number of computers."""

    def __init__(self, path: Path, offset: int, first_line: int) -> None:
        self.path = path
        self.offset = offset
        self.first_line = first_line

    def __iter__(self) -> Iterator[list[object]]:
        name = str(self.path)
        number = self.first_line - 1
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            for raw_line in iter(lambda: handle.readline(ROW_MAX + 1), b""):
                number += 1
                if len(raw_line) > ROW_MAX:
                    raise InputFileError(name, "a computer row longer than "
                                               f"{ROW_MAX // 1024} KB", line=number)
                line = raw_line.decode("utf-8", "replace").rstrip("\r\n")
                if line == ROWS_END:
                    return
                try:
                    row = json.loads(line.rstrip(","))
                except json.JSONDecodeError as exc:
                    raise InputFileError(name, f"computer row is not valid JSON: {exc.msg}",
                                         line=number) from exc
                except RecursionError as exc:
                    raise InputFileError(name, "computer row nested too deeply",
                                         line=number) from exc
                if not isinstance(row, list) or len(row) != len(COMPUTER_FIELDS) or not all(
                        v is None or isinstance(v, str) for v in row):
                    raise InputFileError(name, f"expected a list of {len(COMPUTER_FIELDS)} "
                                               "strings or nulls", line=number)
                yield row
        raise InputFileError(name, "the computer list is not closed (truncated file?)",
                             line=number)


def _read_head(path: Path) -> tuple[str, _StreamedRows | None]:
    """The document up to the computer rows (closed into valid JSON), and the rows' location.

    A snapshot laid out otherwise (edited, re-formatted) is read whole.
    """
    lines: list[str] = []
    with path.open("rb") as handle:
        number = size = 0
        while True:
            raw_line = handle.readline(SNAPSHOT_HEAD_MAX + 1)
            if not raw_line:
                break
            number += 1
            size += len(raw_line)
            if size > SNAPSHOT_HEAD_MAX:
                raise InputFileError(str(path), "too large before its computer rows (at most "
                                     f"{SNAPSHOT_HEAD_MAX // (1024 * 1024)} MB); is this an adba "
                                     "snapshot?")
            line = raw_line.decode("utf-8-sig" if number == 1 else "utf-8")
            if line.rstrip("\r\n") == ROWS_MARKER:
                head = "".join(lines).rstrip().rstrip(",") + "\n}\n"
                return head, _StreamedRows(path, handle.tell(), number + 1)
            lines.append(line)
    return "".join(lines), None


def read_snapshot(path: Path) -> RawForest:
    """Read a snapshot file; any problem raises ``InputFileError`` naming the file and place."""
    name = str(path)
    check_regular(path, SNAPSHOT_MAX, "snapshot")
    try:
        text, streamed = _read_head(path)
    except OSError as exc:
        raise InputFileError(name, f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(name, "not UTF-8 text; is this an adba snapshot?") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(name, f"not valid JSON: {exc.msg} (column {exc.colno})",
                             line=exc.lineno) from exc
    except RecursionError as exc:
        raise InputFileError(name, "JSON nested too deeply; is this an adba snapshot?") from exc
    r = _Reader(name)
    doc = r.obj(doc, "document")
    if doc.get("format") != FORMAT:
        raise InputFileError(name, "not an adba snapshot (no \"format\": \"adba-snapshot\")",
                             hint="create one with 'adba snapshot -o FILE'")
    version = doc.get("format_version")
    if version != FORMAT_VERSION:
        raise InputFileError(name, f"snapshot format version {version!r} is not supported "
                                   f"(this adba reads version {FORMAT_VERSION})",
                             hint="re-create it with this version of adba")
    config_nc = doc.get("config_nc")
    if not isinstance(config_nc, str) or not config_nc:
        raise r.fail("config_nc", "missing")
    src = r.obj(doc.get("source", {}), "source")
    captured = r.opt_str(doc.get("captured_at"), "captured_at")
    try:
        captured_at = datetime.fromisoformat(captured) if captured else None
    except ValueError as exc:
        raise r.fail("captured_at", "not an ISO date and time") from exc
    source = SourceInfo(
        kind=SourceKind.SNAPSHOT,
        server=r.opt_str(src.get("server"), "source.server"),
        port=r.opt_int(src.get("port"), "source.port"),
        transport=r.opt_str(src.get("transport"), "source.transport"),
        auth=r.opt_str(src.get("auth"), "source.auth"),
        user=r.opt_str(src.get("user"), "source.user"),
        certificate=r.opt_str(src.get("certificate"), "source.certificate"),
        insecure=bool(src.get("insecure", False)),
        path=name,
        captured_at=captured_at,
        tool_version=r.opt_str(doc.get("tool_version"), "tool_version"),
    )
    root_dse_doc = doc.get("root_dse")
    root_dse: dict[str, list[str]] | None = None
    if root_dse_doc is not None:
        root_dse = {}
        for key, values in r.obj(root_dse_doc, "root_dse").items():
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise r.fail(f"root_dse.{key}", "expected a list of strings")
            root_dse[key] = values
    schema = r.obj(doc.get("schema", {}), "schema")
    classes_doc = schema.get("classes")
    classes: dict[str, bool] | None = None
    if classes_doc is not None:
        classes = {}
        for key, present in r.obj(classes_doc, "schema.classes").items():
            if not isinstance(present, bool):
                raise r.fail(f"schema.classes.{key}", "expected true or false")
            classes[key] = present
    containers = r.obj(doc.get("containers", {}), "containers")
    spp = r.obj(containers.get("spp", {}), "containers.spp")
    ao = r.obj(containers.get("activation_objects", {}), "containers.activation_objects")
    children_doc = doc.get("children", [])
    if not isinstance(children_doc, list):
        raise r.fail("children", "expected a list")
    principals = r.obj(doc.get("principals", {}), "principals")
    return RawForest(
        source=source,
        config_nc=config_nc,
        root_dse=root_dse,
        schema_object_version=r.opt_int(schema.get("object_version"), "schema.object_version"),
        schema_classes=classes,
        root_domain_sid=r.opt_str(doc.get("root_domain_sid"), "root_domain_sid"),
        netbios_name=r.opt_str(doc.get("netbios_name"), "netbios_name"),
        spp_container=r.entry(spp.get("entry"), "containers.spp.entry"),
        spp_state=_state(r, spp.get("state"), "containers.spp.state"),
        ao_container=r.entry(ao.get("entry"), "containers.activation_objects.entry"),
        ao_state=_state(r, ao.get("state"), "containers.activation_objects.state"),
        security_error=r.opt_str(ao.get("security_error"),
                                 "containers.activation_objects.security_error"),
        children=[e for i, c in enumerate(children_doc)
                  if (e := r.entry(c, f"children[{i}]")) is not None],
        principals={str(k): str(v) for k, v in principals.items()},
        computers=streamed if streamed is not None else _computer_rows(r, doc.get("computers")),
        computers_base=r.opt_str(doc.get("computers_base"), "computers_base"),
    )


def _computer_rows(r: _Reader, value: Any) -> list[list[object]] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise r.fail("computers", "expected a list")
    for i, row in enumerate(value):
        if not isinstance(row, list) or len(row) != len(COMPUTER_FIELDS) or not all(
                v is None or isinstance(v, str) for v in row):
            raise r.fail(f"computers[{i}]", f"expected a list of {len(COMPUTER_FIELDS)} strings "
                                            "or nulls")
    return value


def _state(r: _Reader, value: Any, where: str) -> Readability:
    try:
        return Readability(value if value is not None else "unknown")
    except ValueError as exc:
        raise r.fail(where, "expected present, missing or unknown") from exc
