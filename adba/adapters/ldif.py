"""Read LDIF exports (RFC 2849 content records) as written by ``ldifde -f`` and ``ldapsearch``.

Handled: UTF-8 (optionally with BOM) and UTF-16 (with BOM, or LE/BE detected from a NUL byte),
CRLF or LF line ends, line folding (a continuation line starts with one space, which is
removed; folding may split a DN, a value or base64 text anywhere), ``#`` comments (also
folded), ``version: 1``, ``changetype: add``, ``attr:: base64`` and the ``search:``/``result:``
summary that ``ldapsearch`` prints without ``-LLL``.

Refused with an :class:`LdifError` naming the line: undecodable or binary input, a line
without a colon, a continuation line with nothing to continue, an attribute before ``dn:``,
change records other than ``add``, ``attr:< URL`` file references, bad base64, and an
``ldapsearch`` summary reporting a non-zero result (the export is incomplete).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

__all__ = ["LdifError", "LdifRecord", "parse_ldif"]


class LdifError(ValueError):
    """A malformed LDIF file; ``str()`` is ``<path>:<line>: <message>``."""

    def __init__(self, message: str, line: int, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.path = path

    def __str__(self) -> str:
        return f"{self.path if self.path is not None else '<input>'}:{self.line}: {self.message}"


@dataclass(frozen=True)
class LdifRecord:
    """One entry: its DN, the 1-based line of its ``dn:`` and its attribute values.

    Attribute names keep the case (and any ``;options``) they were written with; values are
    raw bytes (text values UTF-8 encoded, base64 values decoded), in file order.
    """

    dn: str
    line: int
    attributes: dict[str, list[bytes]] = field(hash=False)

    def get(self, name: str) -> list[bytes]:
        """All values of ``name`` (case-insensitive); an empty list when absent."""
        wanted = name.lower()
        values: list[bytes] = []
        for key, vals in self.attributes.items():
            if key.lower() == wanted:
                values.extend(vals)
        return values

    def first(self, name: str) -> bytes | None:
        """The first value of ``name`` (case-insensitive), or None."""
        values = self.get(name)
        return values[0] if values else None


# An attribute description: a name or OID, optionally followed by ;options.
_ATTR_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_]*(?:;[A-Za-z0-9.\-_=]+)*")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f]")


@dataclass
class _Logical:
    line: int
    text: str
    comment: bool


def _decode(data: bytes, path: str | None) -> str:
    if data.startswith(b"\xff\xfe"):
        encoding, body = "utf-16-le", data[2:]
    elif data.startswith(b"\xfe\xff"):
        encoding, body = "utf-16-be", data[2:]
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding, body = "utf-8", data[3:]
    elif len(data) >= 2 and data[0] != 0 and data[1] == 0:
        encoding, body = "utf-16-le", data
    elif len(data) >= 2 and data[0] == 0 and data[1] != 0:
        encoding, body = "utf-16-be", data
    else:
        encoding, body = "utf-8", data
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        line = body[:exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise LdifError(
            f"not a text LDIF file: bytes that are not valid {encoding.upper()} "
            f"(at byte {exc.start})", line, path) from None


def _logical_lines(text: str, path: str | None) -> list[_Logical | None]:
    """Unfold lines; None marks a blank line (record separator). Continuations are collected and
    joined once (adding to a string each time is quadratic in a long folded value)."""
    out: list[_Logical | None] = []
    current: _Logical | None = None
    parts: list[str] = []

    def finish() -> None:
        if current is not None and len(parts) > 1:
            current.text = "".join(parts)

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        bad = _CONTROL_CHARS.search(line)
        if bad is not None:
            raise LdifError(
                f"binary data: control character {bad.group()!r} in a text line", number, path)
        if line.startswith(" "):
            if current is None:
                if not line.strip():
                    continue  # whitespace-only line between records
                raise LdifError(
                    "continuation line (starts with a space) before any attribute", number, path)
            parts.append(line[1:])
            continue
        finish()
        if line == "":
            if current is not None:
                out.append(None)
            current = None
            continue
        current = _Logical(number, line, line.startswith("#"))
        parts = [line]
        out.append(current)
    finish()
    return out


def _split(logical: _Logical, path: str | None) -> tuple[str, str, str]:
    """Return ``(name, kind, value)``; kind is ``":"`` (text), ``"::"`` (base64) or ``":<"``."""
    name, colon, rest = logical.text.partition(":")
    if not colon:
        raise LdifError(f"line without a colon: {logical.text[:60]!r}", logical.line, path)
    if not _ATTR_RE.fullmatch(name):
        raise LdifError(f"invalid attribute name {name[:60]!r}", logical.line, path)
    if rest.startswith(":"):
        return name, "::", rest[1:].strip(" ")
    if rest.startswith("<"):
        return name, ":<", rest[1:].strip(" ")
    return name, ":", rest.lstrip(" ")


def _value(name: str, kind: str, value: str, line: int, path: str | None) -> bytes:
    if kind == ":<":
        raise LdifError(
            f"{name}:< {value} refers to a file or URL; external references are not read",
            line, path)
    if kind == "::":
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            raise LdifError(f"bad base64 in the value of {name}", line, path) from None
    return value.encode("utf-8")


def _parse_record(lines: list[_Logical], path: str | None, first: bool) -> LdifRecord | None:
    if first and lines and lines[0].text.lower().startswith("version:"):
        name, kind, value = _split(lines[0], path)
        if name.lower() == "version":
            if kind != ":" or value.strip() != "1":
                raise LdifError(f"unsupported LDIF version {value!r}", lines[0].line, path)
            lines = lines[1:]
    if not lines:
        return None
    head = lines[0]
    name, kind, value = _split(head, path)
    if name.lower() == "search":
        _check_search_summary(lines, path)
        return None
    if name.lower() != "dn":
        raise LdifError(f"attribute {name!r} before dn: (a record must start with dn:)",
                        head.line, path)
    raw_dn = _value(name, kind, value, head.line, path)
    try:
        dn = raw_dn.decode("utf-8")
    except UnicodeDecodeError:
        raise LdifError("dn:: is not UTF-8 text", head.line, path) from None
    attributes: dict[str, list[bytes]] = {}
    for logical in lines[1:]:
        name, kind, value = _split(logical, path)
        lowered = name.lower()
        if lowered == "dn":
            raise LdifError("second dn: in one record (missing blank line?)", logical.line, path)
        if lowered == "changetype":
            change = _value(name, kind, value, logical.line, path).decode("utf-8", "replace")
            if change.strip().lower() != "add":
                raise LdifError(
                    f"changetype: {change.strip()} is a change record, not an export "
                    "(only changetype: add is accepted)", logical.line, path)
            continue
        attributes.setdefault(name, []).append(_value(name, kind, value, logical.line, path))
    return LdifRecord(dn=dn, line=head.line, attributes=attributes)


def _check_search_summary(lines: list[_Logical], path: str | None) -> None:
    """ldapsearch's trailing ``search: N`` / ``result: 0 Success`` block."""
    for logical in lines:
        name, kind, value = _split(logical, path)
        if name.lower() == "result" and kind == ":":
            code = value.split(" ", 1)[0]
            if code != "0":
                raise LdifError(
                    f"ldapsearch reported result: {value}; the export is incomplete",
                    logical.line, path)


def parse_ldif(data: bytes, path: str | None = None) -> list[LdifRecord]:
    """Parse an LDIF export into records, in file order.

    ``path`` is only used in error messages. Raises :class:`LdifError` with the 1-based line
    of the problem (the first line of a folded line).
    """
    text = _decode(data, path)
    records: list[LdifRecord] = []
    group: list[_Logical] = []
    first = True
    for logical in [*_logical_lines(text, path), None]:
        if logical is None:
            if group:
                record = _parse_record(group, path, first)
                first = False
                if record is not None:
                    records.append(record)
            group = []
        elif not logical.comment:
            group.append(logical)
    return records
