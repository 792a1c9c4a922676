"""Publicly known KMS emulator hosts (host names and ePIDs), each with the public source where
it is listed. A client that reports one of them as its KMS host was activated by an emulator
(vlmcsd, py-kms and the like), not by a genuine KMS host of the organisation.

The document is validated strictly: unknown fields, duplicates, dangling or unused sources and
sources without a URL or a repository, path and commit are all refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from adba.core.datafile import DataFileError
from adba.core.epid import parse_extended_pid

FORMAT = "adba-kms-emulators"
FORMAT_VERSION = 1
_HOST_RE = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}"
                      r"[a-z0-9])?)+")
_IPV4_RE = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}"
                      r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])")
_COMMIT_RE = re.compile(r"[0-9a-f]{40}")


class EmulatorListError(DataFileError):
    """The emulator list is malformed; names the document and the JSON path of the problem."""


@dataclass(frozen=True)
class ListSource:
    """Where an entry is publicly listed: a URL, or a file of a repository at a commit."""

    id: str
    description: str
    url: str | None = None
    repo: str | None = None
    path: str | None = None
    commit: str | None = None

    @property
    def cite(self) -> str:
        """The citation as one string (``URL`` or ``github:owner/repo@commit:path``)."""
        if self.url:
            return self.url
        return f"github:{self.repo}@{self.commit}:{self.path}"


@dataclass(frozen=True)
class EmulatorEntry:
    """One known emulator: a host name (or IPv4 address) or an ePID, and its sources."""

    value: str
    kind: str
    """``host`` or ``epid``."""
    sources: tuple[ListSource, ...]
    note: str | None = None


@dataclass(frozen=True)
class EmulatorList:
    """The validated list with look-ups by host and by ePID."""

    sources: tuple[ListSource, ...]
    hosts: tuple[EmulatorEntry, ...]
    epids: tuple[EmulatorEntry, ...]
    _by_host: dict[str, EmulatorEntry] = field(init=False, compare=False, repr=False)
    _by_epid: dict[str, EmulatorEntry] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_host", {e.value: e for e in self.hosts})
        object.__setattr__(self, "_by_epid", {e.value: e for e in self.epids})

    def host(self, name: str | None) -> EmulatorEntry | None:
        """The entry for a host as a client reports it (``host``, ``host:port``, any case)."""
        key = normalise_host(name)
        return self._by_host.get(key) if key else None

    def epid(self, text: str | None) -> EmulatorEntry | None:
        """The entry for an ePID, compared exactly after trimming spaces."""
        return self._by_epid.get(text.strip()) if text else None


EMPTY = EmulatorList((), (), ())


def normalise_host(name: str | None) -> str | None:
    """``KMS.Example.org:1688.`` -> ``kms.example.org``; IPv6 in brackets keeps its address."""
    if not name:
        return None
    text = name.strip().lower()
    if text.startswith("["):
        return text[1:text.find("]")] if "]" in text else text
    if text.count(":") == 1:
        text = text.split(":", 1)[0]
    return text.rstrip(".") or None


class _Check:
    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, path: str, detail: str) -> EmulatorListError:
        return EmulatorListError(self.origin, path, detail)

    def obj(self, value: Any, path: str, required: tuple[str, ...],
            optional: tuple[str, ...] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "expected an object")
        for key in required:
            if key not in value:
                raise self.fail(path, f"missing field {key!r}")
        unknown = sorted(set(value) - set(required) - set(optional))
        if unknown:
            raise self.fail(path, f"unknown field {unknown[0]!r}")
        return value

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            raise self.fail(path, "expected a non-empty string without surrounding spaces")
        return value

    def array(self, value: Any, path: str, *, empty: bool = True) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, "expected an array")
        if not value and not empty:
            raise self.fail(path, "must not be empty")
        return value


def _source(c: _Check, raw: Any, path: str) -> ListSource:
    row = c.obj(raw, path, ("id", "description"), ("url", "repo", "path", "commit"))
    src = ListSource(c.text(row["id"], f"{path}.id"), c.text(row["description"], f"{path}.description"),
                     *(c.text(row[k], f"{path}.{k}") if k in row else None
                       for k in ("url", "repo", "path", "commit")))
    if src.url is not None:
        if src.repo or src.path or src.commit:
            raise c.fail(path, "give either url or repo+path+commit, not both")
        if not src.url.startswith("https://"):
            raise c.fail(f"{path}.url", "expected an https:// URL")
    elif not (src.repo and src.path and src.commit):
        raise c.fail(path, "a source needs a url, or repo, path and commit")
    elif not _COMMIT_RE.fullmatch(src.commit) or src.repo.count("/") != 1:
        raise c.fail(path, "repo must be owner/name and commit 40 lower-case hex digits")
    return src


def validate_emulator_list(doc: Any, origin: str) -> EmulatorList:
    """Check the whole document and build the list; ``EmulatorListError`` on any problem."""
    c = _Check(origin)
    top = c.obj(doc, "$", ("format", "format_version", "sources", "hosts", "epids"), ("note",))
    if top["format"] != FORMAT:
        raise c.fail("$.format", f"expected {FORMAT!r}")
    if top["format_version"] != FORMAT_VERSION or isinstance(top["format_version"], bool):
        raise c.fail("$.format_version", f"expected {FORMAT_VERSION}")
    sources: dict[str, ListSource] = {}
    for i, raw in enumerate(c.array(top["sources"], "$.sources", empty=False)):
        src = _source(c, raw, f"$.sources[{i}]")
        if src.id in sources:
            raise c.fail(f"$.sources[{i}].id", f"duplicate source id {src.id!r}")
        sources[src.id] = src
    used: set[str] = set()

    def entries(list_name: str, kind: str) -> tuple[EmulatorEntry, ...]:
        out: list[EmulatorEntry] = []
        seen: set[str] = set()
        for i, raw in enumerate(c.array(top[list_name], f"$.{list_name}")):
            path = f"$.{list_name}[{i}]"
            row = c.obj(raw, path, (kind, "sources"), ("note",))
            value = c.text(row[kind], f"{path}.{kind}")
            if kind == "host":
                if value != value.lower() or not (_HOST_RE.fullmatch(value) or
                                                  _IPV4_RE.fullmatch(value)):
                    raise c.fail(f"{path}.host", f"{value!r} is not a lower-case DNS name or "
                                                 "IPv4 address (no port)")
            elif parse_extended_pid(value) is None:
                raise c.fail(f"{path}.epid", f"{value!r} is not an extended PID")
            if value in seen:
                raise c.fail(f"{path}.{kind}", f"duplicate {kind} {value!r}")
            seen.add(value)
            refs = c.array(row["sources"], f"{path}.sources", empty=False)
            cited: list[ListSource] = []
            for j, ref in enumerate(refs):
                if not isinstance(ref, str) or ref not in sources:
                    raise c.fail(f"{path}.sources[{j}]", f"unknown source {ref!r}")
                if sources[ref] in cited:
                    raise c.fail(f"{path}.sources[{j}]", f"source {ref!r} cited twice")
                cited.append(sources[ref])
                used.add(ref)
            note = c.text(row["note"], f"{path}.note") if "note" in row else None
            out.append(EmulatorEntry(value, kind, tuple(cited), note))
        return tuple(out)

    hosts = entries("hosts", "host")
    epids = entries("epids", "epid")
    unused = sorted(set(sources) - used)
    if unused:
        raise c.fail("$.sources", f"source {unused[0]!r} is not cited by any entry")
    return EmulatorList(tuple(sources.values()), hosts, epids)
