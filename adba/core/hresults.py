"""The activation error-code knowledge base: what an HRESULT from slmgr, WMI or an event means.

The packaged document ``adba/data/hresults.json`` (format ``adba-hresults``, see
docs/error-codes.md) lists Software Licensing (``slerror.h``), Win32 and other codes that show
up around KMS, MAK and Active Directory-based activation, each with its symbol, meaning, usual
cause, fix, ADBA relevance and sources. This module checks such a document by hand, turns it
into frozen entries and answers look-ups. It does no I/O: ``adba.adapters.hresults_file`` reads
the file.

It also parses the spellings an HRESULT comes in (``0xC004F074``, ``C004F074``, ``3221549172``
as WMI prints it, ``-1073418124`` as a signed 32-bit value, ``hr=0xC004F074``) and classifies an
unknown code by its facility, without inventing a meaning for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

from adba.core.datafile import DataFileError, Source

FORMAT: Final = "adba-hresults"
FORMAT_VERSION: Final = 2
"""Version 2 added the provenance of every source (``repo``/``path``/``commit`` or ``url``)."""

AdbaRelevance = Literal["specific", "related", "no"]
"""``specific``: only ADBA produces it; ``related``: typical in ADBA flows; ``no``: KMS/MAK/general."""

ADBA_VALUES: Final[tuple[str, ...]] = get_args(AdbaRelevance)
_ADBA: Final[Mapping[str, AdbaRelevance]] = {"specific": "specific", "related": "related", "no": "no"}

KINDS: Final[frozenset[str]] = frozenset({
    "adba",           # Active Directory-based activation (forest or client)
    "kms",            # KMS client
    "kms-host",       # KMS host
    "mak",            # Multiple Activation Key / online activation servers
    "phone",          # offline (Installation ID / Confirmation ID) activation
    "token",          # token-based activation
    "dns",            # DNS look-ups of KMS hosts
    "network",        # reaching a KMS host
    "genuine",        # genuine validation
    "informational",  # a success or informational code, not an error
    "general",        # the licensing service in general
})
"""The values an entry's ``kinds`` may hold."""

FACILITY_SL_ITF: Final = 0x4
"""``slerror.h``: the facility of Software Licensing codes (0xC004xxxx, 0x4004xxxx, 0x8004xxxx)."""

FACILITY_SL_ACS: Final = 0x14
"""``slerror.h``: a second Software Licensing facility (one code, 0xC014C052)."""

FACILITY_WINDOWS_STORE: Final = 0x3F
"""``slerror.h``'s ``_FACILITY_WINDOWS_STORE``: licensing-server codes remapped for display (0x803FAxxx)."""

SL_FACILITIES: Final[Mapping[int, str]] = {
    FACILITY_SL_ITF: "FACILITY_SL_ITF 0x004",
    FACILITY_SL_ACS: "FACILITY_SL_ACS 0x014",
    FACILITY_WINDOWS_STORE: "_FACILITY_WINDOWS_STORE 0x03F",
}
"""The facilities ``slerror.h`` defines, with the name it gives each."""

FACILITY_WIN32: Final = 0x7
"""HRESULTs made from a Win32 error code: 0x8007xxxx, the low 16 bits are the error number."""

SL_ZONES: Final[Mapping[int, str]] = {
    0xA000: "licensing-server (M$) zone",
    0xB000: "activation-server zone",
    0xC000: "clearing-house zone",
    0xD000: "security-processor zone",
    0xE000: "service-internal zone",
    0xF000: "client-API zone",
}
"""``slerror.h``'s zones of a Software Licensing code, by ``code & 0xF000``."""

SL_SEVERITY: Final[tuple[str, ...]] = ("success", "informational", "warning", "error")
"""``slerror.h``: the two top bits of a Software Licensing code."""

SEVERITIES: Final[frozenset[str]] = frozenset(SL_SEVERITY)
"""Every value ``severity`` gives."""

CANONICAL: Final = re.compile(r"0x[0-9A-F]{8}")
"""How a code is written in the knowledge base: ``0x`` and eight upper-case hex digits."""

_SYMBOL = re.compile(r"[A-Z][A-Z0-9_]*")
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
_COMMIT = re.compile(r"[0-9a-f]{40}")
_URL = re.compile(r"https://[^\s/]+(?:/\S*)?")
_PREFIX = re.compile(r"^(?:hresult|hr|error|err|code)\s*[=:#]?\s*", re.IGNORECASE)
_HEX_0X = re.compile(r"0x([0-9a-f]{1,16})l?", re.IGNORECASE)
_HEX_BARE = re.compile(r"([0-9a-f]{8})l?", re.IGNORECASE)
_DECIMAL = re.compile(r"[+-]?[0-9]{1,20}")
_PUNCTUATION = " \t\r\n\"'`()[]{}<>.,;:!?"
_U32 = 0xFFFFFFFF


# --------------------------------------------------------------------------- parsing


def parse_hresult(text: str) -> int | None:
    """The unsigned 32-bit value of an HRESULT written in any common way, or None.

    Accepted: ``0xC004F074`` / ``0XC004F074L`` (1-8 hex digits after ``0x``, or 16 when the top
    half is the sign extension ``FFFFFFFF``), eight bare hex digits ``C004F074`` (eight digits are
    always read as hex, as slmgr and Microsoft's pages write codes), an unsigned decimal
    ``3221549172`` (WMI), a signed 32-bit decimal ``-1073418124``, any of these after ``hr=``,
    ``hresult:``, ``error`` or ``code``, and surrounded by blanks, quotes, brackets or
    punctuation. Anything else, or a value outside 32 bits, gives None.
    """
    value = text.strip(_PUNCTUATION)
    value = _PREFIX.sub("", value, count=1).strip(_PUNCTUATION)
    if not value:
        return None
    match = _HEX_0X.fullmatch(value)
    if match:
        number = int(match.group(1), 16)
        if number > _U32:
            # 0xFFFFFFFFC004F074: a negative 32-bit value sign-extended to 64 bits
            if number >> 32 != _U32 or not number & 0x80000000:
                return None
            number &= _U32
        return number
    match = _HEX_BARE.fullmatch(value)
    if match:
        return int(match.group(1), 16)
    if _DECIMAL.fullmatch(value):
        number = int(value)
        if -0x80000000 <= number < 0:
            return number & _U32
        if 0 <= number <= _U32:
            return number
    return None


def format_hresult(code: int) -> str:
    """``0x`` and eight upper-case hex digits, e.g. ``0xC004F074``; negatives are taken as 32-bit."""
    return f"0x{code & _U32:08X}"


# --------------------------------------------------------------------------- facilities


@dataclass(frozen=True)
class Facility:
    """What the bits of a code say, without any knowledge of the code itself."""

    code: int
    failure: bool
    facility: int
    name: str
    win32: int | None
    detail: str | None
    severity: str = "error"
    """``success``, ``informational``, ``warning`` or ``error`` (see ``severity``)."""

    @property
    def text(self) -> str:
        """One line, e.g. ``Win32 error 9003 (DNS error range)``."""
        return self.name + (f" ({self.detail})" if self.detail else "")


def is_sl_code(code: int) -> bool:
    """True when the code has the layout of a ``slerror.h`` Software Licensing code.

    That is facility 0x14 or 0x3F, or facility 4 (shared with other interface-specific codes) with
    a licensing zone 0xA000-0xF000 in the low 16 bits.
    """
    code &= _U32
    facility = (code >> 16) & 0x1FFF
    if facility in (FACILITY_SL_ACS, FACILITY_WINDOWS_STORE):
        return True
    return facility == FACILITY_SL_ITF and (code & 0xF000) in SL_ZONES


def severity(code: int) -> str:
    """The severity of a code: ``success``, ``informational``, ``warning`` or ``error``.

    Software Licensing codes carry ``slerror.h``'s two severity bits (0x4004F040 is informational,
    0x8004E101 a warning, 0xC004F074 an error); so do NTSTATUS-style codes with both top bits set.
    Any other HRESULT has only the failure bit: ``error`` when it is set, else ``success``.
    """
    code &= _U32
    if is_sl_code(code) or code >> 30 == 3:
        return SL_SEVERITY[code >> 30]
    return "error" if code & 0x80000000 else "success"


def classify(code: int) -> Facility:
    """The facility of a 32-bit code: Software Licensing with its zone, Win32 with the error number.

    Only what the layout of the bits documents is said (``slerror.h`` for the Software Licensing
    facilities 0x4, 0x14 and 0x3F, its zones 0xA000-0xF000 and its two severity bits;
    ``HRESULT_FROM_WIN32`` for facility 7). Facility 4 is shared with other interface-specific
    codes, so a facility-4 code outside the licensing zones is named by number, like every other
    facility.
    """
    code &= _U32
    failure = bool(code & 0x80000000)
    facility = (code >> 16) & 0x1FFF
    zone = SL_ZONES.get(code & 0xF000)
    level = severity(code)
    if is_sl_code(code):
        detail = f"{zone}, severity {level}" if zone else f"severity {level}"
        return Facility(code, failure, facility, f"Software Licensing, {SL_FACILITIES[facility]}",
                        None, detail, level)
    if facility == FACILITY_WIN32 and failure:
        number = code & 0xFFFF
        dns = "DNS error range" if 9000 <= number <= 9999 else None
        winhttp = "WinHTTP error range" if 12000 <= number <= 12999 else None
        return Facility(code, failure, facility, f"Win32 error {number}", number, dns or winhttp,
                        level)
    if not failure and code <= 0xFFFF:
        return Facility(code, failure, 0, "success or a bare Win32 error number", None,
                        f"{code} decimal", level)
    name = f"facility 0x{facility:03X}"
    return Facility(code, failure, facility, name, None,
                    "failure bit set" if failure else "failure bit clear", level)


def unknown_text(code: int) -> str:
    """The line shown for a code the knowledge base does not hold."""
    return f"unknown to adba's knowledge base; facility: {classify(code).text}"


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class HResultSource(Source):
    """A source with its provenance: a file at a commit of a GitHub repository, or a web page."""

    repo: str | None = None
    path: str | None = None
    commit: str | None = None
    url: str | None = None

    @property
    def where(self) -> str:
        """``owner/name:path@commit``, or the URL."""
        if self.repo and self.path and self.commit:
            return f"{self.repo}:{self.path}@{self.commit}"
        return self.url or ""


class HResultsError(DataFileError):
    """A knowledge-base document is malformed; names the document and the JSON path of the problem."""


@dataclass(frozen=True)
class HResultEntry:
    """One code with its symbol, meaning, usual cause, fix, ADBA relevance and sources."""

    code: int
    symbol: str | None
    meaning: str
    usual_cause: str
    fix: str
    adba: AdbaRelevance
    kinds: tuple[str, ...]
    aliases: tuple[int, ...]
    source: tuple[str, ...]

    @property
    def hex(self) -> str:
        """The code as ``0xC004F074``."""
        return format_hresult(self.code)

    @property
    def facility(self) -> Facility:
        """What the bits of the code say: facility, zone, severity (see ``classify``)."""
        return classify(self.code)

    @property
    def severity(self) -> str:
        """``success``, ``informational``, ``warning`` or ``error`` (see ``severity``)."""
        return severity(self.code)

    @property
    def adba_specific(self) -> bool:
        """True when only Active Directory-based activation produces this code."""
        return self.adba == "specific"

    def as_dict(self) -> dict[str, Any]:
        """The entry in the document's JSON form."""
        doc: dict[str, Any] = {
            "code": self.hex, "symbol": self.symbol, "meaning": self.meaning,
            "usual_cause": self.usual_cause, "fix": self.fix, "adba": self.adba,
            "kinds": list(self.kinds),
        }
        if self.aliases:
            doc["aliases"] = [format_hresult(a) for a in self.aliases]
        doc["source"] = list(self.source)
        return doc


@dataclass(frozen=True)
class KnowledgeBase:
    """A validated knowledge base with look-ups by code (or alias)."""

    format_version: int
    origin: str
    sources: tuple[Source, ...]
    entries: tuple[HResultEntry, ...]
    _by_code: dict[int, HResultEntry] = field(init=False, compare=False, repr=False)
    _by_alias: dict[int, HResultEntry] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {e.code: e for e in self.entries})
        object.__setattr__(self, "_by_alias",
                           {a: e for e in self.entries for a in e.aliases})

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, code: int) -> HResultEntry | None:
        """The entry for a code, also when the code is another spelling (alias) of it; else None."""
        code &= _U32
        return self._by_code.get(code) or self._by_alias.get(code)

    def is_alias(self, code: int) -> bool:
        """True when the code is known only as an alias of another entry's code."""
        code &= _U32
        return code not in self._by_code and code in self._by_alias

    def source(self, source_id: str) -> Source | None:
        """A source by id."""
        return next((s for s in self.sources if s.id == source_id), None)


def describe_code(kb: KnowledgeBase, code: int) -> str:
    """One line for evidence: ``SYMBOL: meaning`` for a known code, else the facility text.

    A code known only as another spelling says which entry it belongs to.
    """
    entry = kb.lookup(code)
    if entry is None:
        return unknown_text(code)
    text = f"{entry.symbol}: {entry.meaning}" if entry.symbol else entry.meaning
    if kb.is_alias(code):
        text = f"{text} (listed as {entry.hex})"
    return text


# --------------------------------------------------------------------------- validation


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class _Checker:
    """Type checks that raise ``HResultsError`` with the JSON path of the offending value."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, path: str, detail: str) -> HResultsError:
        return HResultsError(self.origin, path, detail)

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, found {_kind(value)}")
        return value

    def array(self, value: Any, path: str, *, empty: bool = True) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, found {_kind(value)}")
        if not empty and not value:
            raise self.fail(path, "must not be empty")
        return value

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, found {_kind(value)}")
        if not value.strip():
            raise self.fail(path, "must not be empty")
        return value

    def code(self, value: Any, path: str) -> int:
        text = self.text(value, path)
        if not CANONICAL.fullmatch(text):
            raise self.fail(path, f"not a code of the form 0xC004F074 (0x and eight upper-case "
                                  f"hex digits): {text!r}")
        return int(text, 16)

    def fields(self, row: dict[str, Any], path: str, required: tuple[str, ...],
               optional: tuple[str, ...] = ()) -> None:
        for key in row:
            if key not in required and key not in optional:
                raise self.fail(f"{path}.{key}", "unknown field")
        for key in required:
            if key not in row:
                raise self.fail(f"{path}.{key}", "missing")


_ENTRY_FIELDS = ("code", "symbol", "meaning", "usual_cause", "fix", "adba", "kinds", "source")


def _entry(check: _Checker, raw: Any, path: str, known: Mapping[str, Source]) -> HResultEntry:
    row = check.obj(raw, path)
    check.fields(row, path, _ENTRY_FIELDS, ("aliases",))
    code = check.code(row["code"], f"{path}.code")
    symbol = row["symbol"]
    if symbol is not None:
        symbol = check.text(symbol, f"{path}.symbol")
        if not _SYMBOL.fullmatch(symbol):
            raise check.fail(f"{path}.symbol", f"not a C identifier in upper case: {symbol!r}")
    adba_text = check.text(row["adba"], f"{path}.adba")
    adba = _ADBA.get(adba_text)
    if adba is None:
        raise check.fail(f"{path}.adba",
                         f"must be one of {', '.join(ADBA_VALUES)}, not {adba_text!r}")
    kinds: list[str] = []
    for i, item in enumerate(check.array(row["kinds"], f"{path}.kinds", empty=False)):
        kind = check.text(item, f"{path}.kinds[{i}]")
        if kind not in KINDS:
            raise check.fail(f"{path}.kinds[{i}]",
                             f"unknown kind {kind!r} (known: {', '.join(sorted(KINDS))})")
        if kind in kinds:
            raise check.fail(f"{path}.kinds[{i}]", f"duplicate kind {kind!r}")
        kinds.append(kind)
    aliases: list[int] = []
    for i, item in enumerate(check.array(row.get("aliases", []), f"{path}.aliases")):
        alias = check.code(item, f"{path}.aliases[{i}]")
        if alias == code or alias in aliases:
            raise check.fail(f"{path}.aliases[{i}]", f"duplicate code {format_hresult(alias)}")
        aliases.append(alias)
    sources: list[str] = []
    for i, item in enumerate(check.array(row["source"], f"{path}.source", empty=False)):
        name = check.text(item, f"{path}.source[{i}]")
        if name not in known:
            raise check.fail(f"{path}.source[{i}]", f"source {name!r} is not declared in 'sources'")
        if name in sources:
            raise check.fail(f"{path}.source[{i}]", f"duplicate source {name!r}")
        sources.append(name)
    return HResultEntry(
        code=code, symbol=symbol, meaning=check.text(row["meaning"], f"{path}.meaning"),
        usual_cause=check.text(row["usual_cause"], f"{path}.usual_cause"),
        fix=check.text(row["fix"], f"{path}.fix"),
        adba=adba,
        kinds=tuple(kinds), aliases=tuple(aliases), source=tuple(sources))


def _source(check: _Checker, raw: Any, path: str) -> HResultSource:
    """One source: ``id``, ``description`` and its provenance, ``repo`` + ``path`` + ``commit``
    (a file of a GitHub repository at a full commit id) or ``url`` (https), or both."""
    row = check.obj(raw, path)
    check.fields(row, path, ("id", "description"), ("repo", "path", "commit", "url"))
    source_id = check.text(row["id"], f"{path}.id")
    description = check.text(row["description"], f"{path}.description")
    values: dict[str, str | None] = {}
    for key, pattern, what in (("repo", _REPO, "owner/name"), ("path", None, "a path"),
                               ("commit", _COMMIT, "40 lower-case hex digits"),
                               ("url", _URL, "an https:// URL")):
        if key not in row:
            values[key] = None
            continue
        text = check.text(row[key], f"{path}.{key}")
        if pattern is not None and not pattern.fullmatch(text):
            raise check.fail(f"{path}.{key}", f"not {what}: {text!r}")
        if key == "path" and (text.startswith("/") or "\\" in text or ".." in text.split("/")):
            raise check.fail(f"{path}.path", f"not a relative path inside the repository: {text!r}")
        values[key] = text
    in_repo = [key for key in ("repo", "path", "commit") if values[key] is not None]
    if in_repo and len(in_repo) != 3:
        missing = next(key for key in ("repo", "path", "commit") if values[key] is None)
        raise check.fail(f"{path}.{missing}", "missing (repo, path and commit go together)")
    if not in_repo and values["url"] is None:
        raise check.fail(path, "no provenance: give repo, path and commit, or url")
    return HResultSource(source_id, description, values["repo"], values["path"],
                         values["commit"], values["url"])


def validate_hresults(doc: Any, origin: str) -> KnowledgeBase:
    """Check a knowledge-base document and build the ``KnowledgeBase``.

    Checks the top-level fields, the format name and version, every source and entry (types,
    required and unknown fields, code syntax, ``adba`` and ``kinds`` values, declared sources)
    and that no code or alias appears twice. Raises ``HResultsError`` naming the JSON path.
    """
    check = _Checker(origin)
    top = check.obj(doc, "$")
    check.fields(top, "$", ("format", "format_version", "sources", "codes"))
    if top["format"] != FORMAT:
        raise check.fail("$.format", f"expected {FORMAT!r}, found {top['format']!r}")
    version = top["format_version"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise check.fail("$.format_version", f"expected a whole number, found {_kind(version)}")
    if version != FORMAT_VERSION:
        raise check.fail("$.format_version",
                         f"version {version} is not supported (this adba reads {FORMAT_VERSION})")
    known: dict[str, Source] = {}
    for i, raw in enumerate(check.array(top["sources"], "$.sources", empty=False)):
        path = f"$.sources[{i}]"
        source = _source(check, raw, path)
        if source.id in known:
            raise check.fail(f"{path}.id", f"duplicate source id {source.id!r}")
        known[source.id] = source
    entries: list[HResultEntry] = []
    seen: dict[int, str] = {}
    for i, raw in enumerate(check.array(top["codes"], "$.codes", empty=False)):
        path = f"$.codes[{i}]"
        entry = _entry(check, raw, path, known)
        for number, where in ((entry.code, f"{path}.code"),
                              *((a, f"{path}.aliases[{j}]") for j, a in enumerate(entry.aliases))):
            if number in seen:
                raise check.fail(where, f"duplicate code {format_hresult(number)} "
                                        f"(also at {seen[number]})")
            seen[number] = where
        entries.append(entry)
    return KnowledgeBase(format_version=version, origin=origin, sources=tuple(known.values()),
                         entries=tuple(entries))
