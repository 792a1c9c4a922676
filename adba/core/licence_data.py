"""The packaged licence data (``adba/data/licences.json``): digests of publicly known forged
licence files and pinned signer keys, each entry with the source it comes from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from adba.core.datafile import DataFileError, Source
from adba.core.licences import KeyPin

FORMAT = "adba-licence-data"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ForgedFile:
    """A licence file a public forgery tool stores on the objects it writes."""

    sha256: str
    attribute: str
    size: int
    what: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class LicenceData:
    """Forged-file indicators and key pins, with their sources."""

    sources: tuple[Source, ...]
    forged_files: tuple[ForgedFile, ...]
    pins: tuple[KeyPin, ...]

    def forged(self, sha256: str) -> ForgedFile | None:
        """The indicator with this digest, if any."""
        for item in self.forged_files:
            if item.sha256 == sha256.lower():
                return item
        return None

    def source_text(self, ids: tuple[str, ...]) -> str:
        """The descriptions of the sources named."""
        known = {s.id: s.description for s in self.sources}
        return "; ".join(known.get(i, i) for i in ids)


EMPTY = LicenceData((), (), ())


def _text(value: Any, origin: str, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataFileError(origin, path, "expected a non-empty string")
    return value


def validate_licence_data(doc: Any, origin: str) -> LicenceData:
    """Check the document strictly: every indicator and pin names a known source."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("format_version") != 1:
        raise DataFileError(origin, "$", f"not an {FORMAT} document of format_version 1")
    sources = []
    for i, s in enumerate(doc.get("sources") or []):
        if not isinstance(s, dict):
            raise DataFileError(origin, f"sources[{i}]", "expected an object")
        sources.append(Source(_text(s.get("id"), origin, f"sources[{i}].id"),
                              _text(s.get("description"), origin, f"sources[{i}].description")))
    ids = {s.id for s in sources}

    def cited(value: Any, path: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(v in ids for v in value):
            raise DataFileError(origin, path, "expected a list of source ids from 'sources'")
        return tuple(value)

    forged = []
    for i, f in enumerate(doc.get("forged_files") or []):
        where = f"forged_files[{i}]"
        if not isinstance(f, dict) or not _HEX64.match(str(f.get("sha256", ""))):
            raise DataFileError(origin, f"{where}.sha256", "expected 64 lower-case hex digits")
        if not isinstance(f.get("size"), int):
            raise DataFileError(origin, f"{where}.size", "expected a whole number")
        forged.append(ForgedFile(f["sha256"], _text(f.get("attribute"), origin, where),
                                 f["size"], _text(f.get("what"), origin, f"{where}.what"),
                                 cited(f.get("source"), f"{where}.source")))
    pins = []
    for i, p in enumerate(doc.get("pins") or []):
        where = f"pins[{i}]"
        if not isinstance(p, dict) or not _HEX64.match(str(p.get("fingerprint", ""))):
            raise DataFileError(origin, f"{where}.fingerprint", "expected 64 lower-case hex digits")
        described = {s.id: s.description for s in sources}
        pins.append(KeyPin(p["fingerprint"], _text(p.get("owner"), origin, f"{where}.owner"),
                           "; ".join(described[i] for i in cited(p.get("source"),
                                                                 f"{where}.source"))))
    return LicenceData(tuple(sources), tuple(forged), tuple(pins))
