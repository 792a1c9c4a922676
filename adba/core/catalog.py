"""The product catalog: what a CSVLK, KMS ID, client SKU or application GUID is, and how they relate.

The packaged catalog (``adba/data/catalog.json``, built by ``scripts/build_catalog.py``) and any
user file given with ``--product-db`` are plain JSON documents of the same format (see
docs/catalog.md). This module checks such a document by hand (an equivalent of a JSON Schema,
without a dependency), turns it into frozen rows and answers look-ups. It does no I/O: the
adapter ``adba.adapters.catalog_file`` reads the files.

GUIDs are accepted in any common spelling (braces, upper case, 32 hex digits without dashes) and
with ANY version nibble: Microsoft's Office LTSC 2024 KMS ID ``a8973cb5-bf03-0a4c-...`` has
version 0, so RFC 4122 checks would reject a genuine value.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from adba.core.datafile import DataFileError, Source

FORMAT = "adba-catalog"
FORMAT_VERSION = 1

LIST_KEYS: dict[str, str] = {
    "applications": "id",
    "kms_ids": "id",
    "client_skus": "id",
    "csvlks": "sku_id",
}
"""The lists whose rows are identified by a GUID, and the name of that GUID field."""

_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
_DASHED = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_GVLK = re.compile(r"[0-9A-Z]{5}(?:-[0-9A-Z]{5}){4}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BUILD_IN_PARENS = re.compile(r"\((\d+)\)")
_DOTTED_BUILD = re.compile(r"^\s*\d+\.\d+\.(\d+)")


def parse_guid(text: str) -> uuid.UUID | None:
    """A GUID from text in any common form, or None.

    Accepts ``{ABC...}`` braces, upper or lower case, with or without dashes and surrounding
    blanks. The version and variant bits are not checked.
    """
    value = text.strip()
    if value.startswith("{") and value.endswith("}"):
        value = value[1:-1].strip()
    if _DASHED.fullmatch(value) or _HEX32.fullmatch(value):
        return uuid.UUID(hex=value.replace("-", ""))
    return None


def parse_build(version: str | None) -> int | None:
    """The build number from an AD ``operatingSystemVersion`` such as ``10.0 (20348)``.

    Also accepts the dotted form ``10.0.20348``. Returns None when there is no build.
    """
    if not version:
        return None
    match = _BUILD_IN_PARENS.search(version) or _DOTTED_BUILD.search(version)
    return int(match.group(1)) if match else None


class CatalogError(DataFileError):
    """A catalog document is malformed; names the document and the JSON path of the problem."""


@dataclass(frozen=True)
class Application:
    """A licensing application (Windows, Office 2010, Office 2013 and later)."""

    id: uuid.UUID
    name: str
    source: tuple[str, ...]


@dataclass(frozen=True)
class KmsId:
    """A KMS (counted) ID: a value an activation object's ``msSPP-KMSIds`` may hold."""

    id: uuid.UUID
    name: str
    family: str
    app_id: uuid.UUID
    retail: bool
    preview: bool
    synthetic: bool
    support_end: date | None
    source: tuple[str, ...]
    notes: str | None


@dataclass(frozen=True)
class ClientSku:
    """A client's volume SKU (``SoftwareLicensingProduct.ID``) and the KMS ID it asks for."""

    id: uuid.UUID
    name: str
    app_id: uuid.UUID
    kms_id: uuid.UUID | None
    alt_kms_ids: tuple[uuid.UUID, ...]
    gvlk: str | None
    source: tuple[str, ...]

    @property
    def all_kms_ids(self) -> tuple[uuid.UUID, ...]:
        """The KMS ID and the build-dependent alternatives, in that order."""
        head = (self.kms_id,) if self.kms_id is not None else ()
        return head + self.alt_kms_ids


@dataclass(frozen=True)
class Csvlk:
    """A KMS host key's SKU (``msSPP-CSVLKSkuId``), its key blocks and the KMS IDs it counts."""

    sku_id: uuid.UUID
    name: str
    app_id: uuid.UUID | None
    group_id: int | None
    key_blocks: tuple[tuple[int, int], ...]
    kms_ids: tuple[uuid.UUID, ...]
    kms_ids_complete: bool
    lab: bool
    azure_only: bool
    preview: bool
    source: tuple[str, ...]

    def has_key_id(self, key_id: int) -> bool:
        """True when a product key's key ID lies in one of this CSVLK's key blocks."""
        return any(start <= key_id <= end for start, end in self.key_blocks)


@dataclass(frozen=True)
class OsFamily:
    """One ordered rule mapping an AD ``operatingSystem`` (and build) to a product family."""

    family: str
    kms_id: uuid.UUID | None
    adba: bool
    os_pattern: str
    build_min: int | None
    build_max: int | None
    source: tuple[str, ...]
    regex: re.Pattern[str] = field(compare=False, repr=False)

    def matches(self, operating_system: str, build: int | None) -> bool:
        """Whether the rule applies.

        The pattern is searched case-insensitively. A rule with a build bound applies only when
        the build is known and within the bounds.
        """
        if not self.regex.search(operating_system):
            return False
        if self.build_min is None and self.build_max is None:
            return True
        if build is None:
            return False
        if self.build_min is not None and build < self.build_min:
            return False
        return self.build_max is None or build <= self.build_max


Entry = Application | KmsId | ClientSku | Csvlk
"""A row that has a GUID of its own."""


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    return value if isinstance(value, uuid.UUID) else parse_guid(value)


@dataclass(frozen=True)
class Catalog:
    """A validated catalog with look-ups by GUID, name and operating system."""

    format_version: int
    catalog_version: str
    origin: str
    sources: tuple[Source, ...]
    applications: tuple[Application, ...]
    kms_ids: tuple[KmsId, ...]
    client_skus: tuple[ClientSku, ...]
    csvlks: tuple[Csvlk, ...]
    os_families: tuple[OsFamily, ...]
    _apps: dict[uuid.UUID, Application] = field(init=False, compare=False, repr=False)
    _kms: dict[uuid.UUID, KmsId] = field(init=False, compare=False, repr=False)
    _skus: dict[uuid.UUID, ClientSku] = field(init=False, compare=False, repr=False)
    _csvlks: dict[uuid.UUID, Csvlk] = field(init=False, compare=False, repr=False)
    _enabling: dict[uuid.UUID, tuple[Csvlk, ...]] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_apps", {a.id: a for a in self.applications})
        object.__setattr__(self, "_kms", {k.id: k for k in self.kms_ids})
        object.__setattr__(self, "_skus", {s.id: s for s in self.client_skus})
        object.__setattr__(self, "_csvlks", {c.sku_id: c for c in self.csvlks})
        enabling: dict[uuid.UUID, list[Csvlk]] = {}
        for csvlk in self.csvlks:
            for kms_id in dict.fromkeys(csvlk.kms_ids):
                enabling.setdefault(kms_id, []).append(csvlk)
        object.__setattr__(self, "_enabling", {
            k: tuple(sorted(found, key=lambda c: c.name.lower())) for k, found in enabling.items()})

    def source(self, source_id: str) -> Source | None:
        """A source by id."""
        return next((s for s in self.sources if s.id == source_id), None)

    def application(self, guid: uuid.UUID | str) -> Application | None:
        """The application with this GUID, or None."""
        key = _as_uuid(guid)
        return self._apps.get(key) if key is not None else None

    def kms_id(self, guid: uuid.UUID | str) -> KmsId | None:
        """The KMS ID with this GUID, or None."""
        key = _as_uuid(guid)
        return self._kms.get(key) if key is not None else None

    def client_sku(self, guid: uuid.UUID | str) -> ClientSku | None:
        """The client SKU with this Activation ID, or None."""
        key = _as_uuid(guid)
        return self._skus.get(key) if key is not None else None

    def csvlk(self, guid: uuid.UUID | str) -> Csvlk | None:
        """The CSVLK with this SKU ID (``msSPP-CSVLKSkuId``), or None."""
        key = _as_uuid(guid)
        return self._csvlks.get(key) if key is not None else None

    def explain(self, guid: uuid.UUID | str) -> list[tuple[str, Entry]]:
        """Every row this GUID names, as (kind, row); kind is csvlk, kms_id, client_sku or application.

        A GUID may name more than one thing (py-kms gives the Windows Vista CSVLK the GUID of
        the Vista KMS ID), so the answer is a list; it is empty for an unknown GUID.
        """
        key = _as_uuid(guid)
        if key is None:
            return []
        found: list[tuple[str, Entry]] = []
        for kind, table in (("csvlk", self._csvlks), ("kms_id", self._kms),
                            ("client_sku", self._skus), ("application", self._apps)):
            row = table.get(key)
            if row is not None:
                found.append((kind, row))
        return found

    def search(self, text: str) -> list[tuple[str, Entry]]:
        """Rows matching a GUID (any common form) or a case-insensitive piece of a name or GUID.

        A whole GUID gives ``explain``'s answer. Otherwise a row matches when its name (for a KMS
        ID also its family) contains the text, or its GUID text contains it (braces and case do
        not matter). Results come in the order CSVLKs, KMS IDs, client SKUs, applications, each
        sorted by name.
        """
        guid = parse_guid(text)
        if guid is not None:
            return self.explain(guid)
        needle = text.strip().strip("{}").lower()
        if not needle:
            return []
        found: list[tuple[str, Entry]] = []
        kinds: tuple[tuple[str, Iterable[Entry]], ...] = (
            ("csvlk", self.csvlks), ("kms_id", self.kms_ids),
            ("client_sku", self.client_skus), ("application", self.applications))
        for kind, rows in kinds:
            hits = [r for r in rows if needle in _haystack(r)]
            found.extend((kind, r) for r in sorted(hits, key=lambda r: (r.name.lower(), str(entry_id(r)))))
        return found

    def csvlks_enabling(self, kms_guid: uuid.UUID | str) -> list[Csvlk]:
        """The CSVLKs whose KMS-ID list holds this KMS ID, sorted by name."""
        key = _as_uuid(kms_guid)
        if key is None:
            return []
        return list(self._enabling.get(key, ()))

    def skus_for_kms_id(self, kms_guid: uuid.UUID | str) -> list[ClientSku]:
        """The client SKUs that ask for this KMS ID (also as a build-dependent alternative)."""
        key = _as_uuid(kms_guid)
        if key is None:
            return []
        return sorted((s for s in self.client_skus if key in s.all_kms_ids),
                      key=lambda s: s.name.lower())

    def os_family(self, operating_system: str, version: str | None) -> OsFamily | None:
        """The first rule matching an AD ``operatingSystem`` and ``operatingSystemVersion``."""
        build = parse_build(version)
        name = operating_system.strip()
        return next((r for r in self.os_families if r.matches(name, build)), None)


def entry_id(row: Entry) -> uuid.UUID:
    """The GUID a row is known by (``sku_id`` for a CSVLK)."""
    return row.sku_id if isinstance(row, Csvlk) else row.id


def _haystack(row: Entry) -> str:
    parts = [row.name, str(entry_id(row))]
    if isinstance(row, KmsId):
        parts.append(row.family)
    return "\n".join(parts).lower()


# --------------------------------------------------------------------------- validation


class _Checker:
    """Type checks that raise ``CatalogError`` with the JSON path of the offending value."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, path: str, detail: str) -> CatalogError:
        return CatalogError(self.origin, path, detail)

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, found {_kind(value)}")
        return value

    def array(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, found {_kind(value)}")
        return value

    def text(self, value: Any, path: str, *, empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, found {_kind(value)}")
        if not empty and not value.strip():
            raise self.fail(path, "must not be empty")
        return value

    def opt_text(self, value: Any, path: str) -> str | None:
        return None if value is None else self.text(value, path)

    def flag(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, found {_kind(value)}")
        return value

    def integer(self, value: Any, path: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(path, f"expected a whole number, found {_kind(value)}")
        if value < 0:
            raise self.fail(path, "must not be negative")
        return value

    def opt_int(self, value: Any, path: str) -> int | None:
        return None if value is None else self.integer(value, path)

    def guid(self, value: Any, path: str) -> uuid.UUID:
        text = self.text(value, path)
        parsed = parse_guid(text)
        if parsed is None:
            raise self.fail(path, f"not a GUID: {text!r}")
        return parsed

    def opt_guid(self, value: Any, path: str) -> uuid.UUID | None:
        return None if value is None else self.guid(value, path)

    def guids(self, value: Any, path: str) -> tuple[uuid.UUID, ...]:
        items = [self.guid(v, f"{path}[{i}]") for i, v in enumerate(self.array(value, path))]
        seen: set[uuid.UUID] = set()
        for i, item in enumerate(items):
            if item in seen:
                raise self.fail(f"{path}[{i}]", f"duplicate GUID {item}")
            seen.add(item)
        return tuple(items)

    def sources(self, value: Any, path: str, known: Mapping[str, Source]) -> tuple[str, ...]:
        items = self.array(value, path)
        out: list[str] = []
        for i, item in enumerate(items):
            name = self.text(item, f"{path}[{i}]")
            if name not in known:
                raise self.fail(f"{path}[{i}]", f"source {name!r} is not declared in 'sources'")
            if name not in out:
                out.append(name)
        return tuple(out)

    def fields(self, row: dict[str, Any], path: str, required: tuple[str, ...],
               optional: tuple[str, ...] = ()) -> None:
        for key in row:
            if key not in required and key not in optional:
                raise self.fail(f"{path}.{key}", "unknown field")
        for key in required:
            if key not in row:
                raise self.fail(f"{path}.{key}", "missing")


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


_TOP_FIELDS = ("format", "format_version", "catalog_version", "sources", "applications",
               "kms_ids", "client_skus", "csvlks", "os_families")
_APP_FIELDS = ("id", "name", "source")
_KMS_FIELDS = ("id", "name", "family", "app_id", "retail", "preview", "synthetic",
               "support_end", "source", "notes")
_SKU_FIELDS = ("id", "name", "app_id", "kms_id", "alt_kms_ids", "gvlk", "source")
_CSVLK_FIELDS = ("sku_id", "name", "app_id", "group_id", "key_blocks", "kms_ids",
                 "kms_ids_complete", "lab", "azure_only", "preview", "source")
_FAMILY_FIELDS = ("family", "kms_id", "adba", "os_pattern", "build_min", "build_max", "source")

Labels = Mapping[tuple[str, int], str]


def validate_catalog(doc: dict[str, Any], origin: str) -> Catalog:
    """Check a whole catalog document and return it as a ``Catalog``.

    Checks structure and types, GUID syntax (normalised to lower-case canonical form; any version
    nibble), duplicate ids within each list, references (client SKU to KMS ID and application,
    CSVLK to KMS IDs and application, KMS ID to application, OS family to KMS ID, every row's
    sources to the declared ``sources``), GVLK and date syntax, and that every OS pattern
    compiles. The first problem raises ``CatalogError`` naming ``origin`` and its JSON path.
    """
    return _validate(doc, origin, {})


def _validate(doc: Any, origin: str, labels: Labels) -> Catalog:
    c = _Checker(origin)

    def where(list_name: str, index: int) -> str:
        return labels.get((list_name, index), f"{list_name}[{index}]")

    top = c.obj(doc, "$")
    c.fields(top, "$", _TOP_FIELDS)
    if top["format"] != FORMAT:
        raise c.fail("format", f"expected {FORMAT!r}, found {top['format']!r}")
    if top["format_version"] != FORMAT_VERSION or isinstance(top["format_version"], bool):
        raise c.fail("format_version", f"version {top['format_version']!r} is not supported "
                                       f"(this adba reads version {FORMAT_VERSION})")
    catalog_version = c.text(top["catalog_version"], "catalog_version")

    sources: dict[str, Source] = {}
    for i, raw in enumerate(c.array(top["sources"], "sources")):
        path = where("sources", i)
        row = c.obj(raw, path)
        c.fields(row, path, ("id", "description"))
        sid = c.text(row["id"], f"{path}.id")
        if sid in sources:
            raise c.fail(f"{path}.id", f"duplicate source id {sid!r}")
        sources[sid] = Source(sid, c.text(row["description"], f"{path}.description"))

    def rows(list_name: str, fields: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for i, raw in enumerate(c.array(top[list_name], list_name)):
            path = where(list_name, i)
            row = c.obj(raw, path)
            c.fields(row, path, fields)
            out.append((path, row))
        return out

    def unique(list_name: str, items: list[tuple[str, uuid.UUID]], key: str) -> None:
        seen: dict[uuid.UUID, str] = {}
        for path, value in items:
            if value in seen:
                raise c.fail(f"{path}.{key}", f"duplicate {key} {value} (also at {seen[value]})")
            seen[value] = path

    apps: list[Application] = []
    app_paths: list[tuple[str, uuid.UUID]] = []
    for path, row in rows("applications", _APP_FIELDS):
        app = Application(c.guid(row["id"], f"{path}.id"), c.text(row["name"], f"{path}.name"),
                          c.sources(row["source"], f"{path}.source", sources))
        apps.append(app)
        app_paths.append((path, app.id))
    unique("applications", app_paths, "id")
    app_ids = {a.id for a in apps}

    def known_app(value: uuid.UUID | None, path: str) -> None:
        if value is not None and value not in app_ids:
            raise c.fail(path, f"application {value} is not in 'applications'")

    kms: list[KmsId] = []
    kms_paths: list[tuple[str, uuid.UUID]] = []
    for path, row in rows("kms_ids", _KMS_FIELDS):
        item = KmsId(
            id=c.guid(row["id"], f"{path}.id"),
            name=c.text(row["name"], f"{path}.name"),
            family=c.text(row["family"], f"{path}.family"),
            app_id=c.guid(row["app_id"], f"{path}.app_id"),
            retail=c.flag(row["retail"], f"{path}.retail"),
            preview=c.flag(row["preview"], f"{path}.preview"),
            synthetic=c.flag(row["synthetic"], f"{path}.synthetic"),
            support_end=_date(c, row["support_end"], f"{path}.support_end"),
            source=c.sources(row["source"], f"{path}.source", sources),
            notes=c.opt_text(row["notes"], f"{path}.notes"),
        )
        known_app(item.app_id, f"{path}.app_id")
        kms.append(item)
        kms_paths.append((path, item.id))
    unique("kms_ids", kms_paths, "id")
    kms_ids = {k.id for k in kms}

    def known_kms(value: uuid.UUID | None, path: str) -> None:
        if value is not None and value not in kms_ids:
            raise c.fail(path, f"KMS ID {value} is not in 'kms_ids'")

    skus: list[ClientSku] = []
    sku_paths: list[tuple[str, uuid.UUID]] = []
    for path, row in rows("client_skus", _SKU_FIELDS):
        gvlk = c.opt_text(row["gvlk"], f"{path}.gvlk")
        if gvlk is not None and not _GVLK.fullmatch(gvlk):
            raise c.fail(f"{path}.gvlk", f"not a product key (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX): {gvlk!r}")
        sku = ClientSku(
            id=c.guid(row["id"], f"{path}.id"),
            name=c.text(row["name"], f"{path}.name"),
            app_id=c.guid(row["app_id"], f"{path}.app_id"),
            kms_id=c.opt_guid(row["kms_id"], f"{path}.kms_id"),
            alt_kms_ids=c.guids(row["alt_kms_ids"], f"{path}.alt_kms_ids"),
            gvlk=gvlk,
            source=c.sources(row["source"], f"{path}.source", sources),
        )
        known_app(sku.app_id, f"{path}.app_id")
        known_kms(sku.kms_id, f"{path}.kms_id")
        for i, alt in enumerate(sku.alt_kms_ids):
            known_kms(alt, f"{path}.alt_kms_ids[{i}]")
            if alt == sku.kms_id:
                raise c.fail(f"{path}.alt_kms_ids[{i}]", "repeats kms_id")
        skus.append(sku)
        sku_paths.append((path, sku.id))
    unique("client_skus", sku_paths, "id")

    csvlks: list[Csvlk] = []
    csvlk_paths: list[tuple[str, uuid.UUID]] = []
    for path, row in rows("csvlks", _CSVLK_FIELDS):
        item_c = Csvlk(
            sku_id=c.guid(row["sku_id"], f"{path}.sku_id"),
            name=c.text(row["name"], f"{path}.name"),
            app_id=c.opt_guid(row["app_id"], f"{path}.app_id"),
            group_id=c.opt_int(row["group_id"], f"{path}.group_id"),
            key_blocks=_blocks(c, row["key_blocks"], f"{path}.key_blocks"),
            kms_ids=c.guids(row["kms_ids"], f"{path}.kms_ids"),
            kms_ids_complete=c.flag(row["kms_ids_complete"], f"{path}.kms_ids_complete"),
            lab=c.flag(row["lab"], f"{path}.lab"),
            azure_only=c.flag(row["azure_only"], f"{path}.azure_only"),
            preview=c.flag(row["preview"], f"{path}.preview"),
            source=c.sources(row["source"], f"{path}.source", sources),
        )
        known_app(item_c.app_id, f"{path}.app_id")
        for i, k in enumerate(item_c.kms_ids):
            known_kms(k, f"{path}.kms_ids[{i}]")
        csvlks.append(item_c)
        csvlk_paths.append((path, item_c.sku_id))
    unique("csvlks", csvlk_paths, "sku_id")

    families: list[OsFamily] = []
    for path, row in rows("os_families", _FAMILY_FIELDS):
        pattern = c.text(row["os_pattern"], f"{path}.os_pattern")
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise c.fail(f"{path}.os_pattern", f"not a valid regular expression: {exc}") from exc
        build_min = c.opt_int(row["build_min"], f"{path}.build_min")
        build_max = c.opt_int(row["build_max"], f"{path}.build_max")
        if build_min is not None and build_max is not None and build_min > build_max:
            raise c.fail(f"{path}.build_max", f"{build_max} is below build_min {build_min}")
        fam = OsFamily(
            family=c.text(row["family"], f"{path}.family"),
            kms_id=c.opt_guid(row["kms_id"], f"{path}.kms_id"),
            adba=c.flag(row["adba"], f"{path}.adba"),
            os_pattern=pattern, build_min=build_min, build_max=build_max,
            source=c.sources(row["source"], f"{path}.source", sources),
            regex=regex,
        )
        known_kms(fam.kms_id, f"{path}.kms_id")
        families.append(fam)

    return Catalog(
        format_version=FORMAT_VERSION, catalog_version=catalog_version, origin=origin,
        sources=tuple(sources.values()), applications=tuple(apps), kms_ids=tuple(kms),
        client_skus=tuple(skus), csvlks=tuple(csvlks), os_families=tuple(families),
    )


def _date(c: _Checker, value: Any, path: str) -> date | None:
    if value is None:
        return None
    text = c.text(value, path)
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as exc:
        raise c.fail(path, f"expected a date YYYY-MM-DD or null, found {text!r}") from exc


def _blocks(c: _Checker, value: Any, path: str) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for i, raw in enumerate(c.array(value, path)):
        pair = c.array(raw, f"{path}[{i}]")
        if len(pair) != 2:
            raise c.fail(f"{path}[{i}]", "expected [start, end]")
        start = c.integer(pair[0], f"{path}[{i}][0]")
        end = c.integer(pair[1], f"{path}[{i}][1]")
        if start > end:
            raise c.fail(f"{path}[{i}]", f"start {start} is above end {end}")
        out.append((start, end))
    return tuple(out)


# --------------------------------------------------------------------------- serialising and merging


def _date_text(value: date | None) -> str | None:
    return value.isoformat() if value else None


def application_doc(a: Application) -> dict[str, Any]:
    """An application row as JSON."""
    return {"id": str(a.id), "name": a.name, "source": list(a.source)}


def kms_id_doc(k: KmsId) -> dict[str, Any]:
    """A KMS ID row as JSON."""
    return {"id": str(k.id), "name": k.name, "family": k.family, "app_id": str(k.app_id),
            "retail": k.retail, "preview": k.preview, "synthetic": k.synthetic,
            "support_end": _date_text(k.support_end), "source": list(k.source), "notes": k.notes}


def client_sku_doc(s: ClientSku) -> dict[str, Any]:
    """A client SKU row as JSON."""
    return {"id": str(s.id), "name": s.name, "app_id": str(s.app_id),
            "kms_id": str(s.kms_id) if s.kms_id else None,
            "alt_kms_ids": [str(k) for k in s.alt_kms_ids], "gvlk": s.gvlk,
            "source": list(s.source)}


def csvlk_doc(c: Csvlk) -> dict[str, Any]:
    """A CSVLK row as JSON."""
    return {"sku_id": str(c.sku_id), "name": c.name,
            "app_id": str(c.app_id) if c.app_id else None, "group_id": c.group_id,
            "key_blocks": [[s, e] for s, e in c.key_blocks],
            "kms_ids": [str(k) for k in c.kms_ids], "kms_ids_complete": c.kms_ids_complete,
            "lab": c.lab, "azure_only": c.azure_only, "preview": c.preview,
            "source": list(c.source)}


def os_family_doc(f: OsFamily) -> dict[str, Any]:
    """An OS-family rule as JSON."""
    return {"family": f.family, "kms_id": str(f.kms_id) if f.kms_id else None, "adba": f.adba,
            "os_pattern": f.os_pattern, "build_min": f.build_min, "build_max": f.build_max,
            "source": list(f.source)}


def entry_doc(row: Entry) -> dict[str, Any]:
    """Any GUID-identified row as JSON."""
    if isinstance(row, Application):
        return application_doc(row)
    if isinstance(row, KmsId):
        return kms_id_doc(row)
    if isinstance(row, ClientSku):
        return client_sku_doc(row)
    return csvlk_doc(row)


def catalog_doc(cat: Catalog) -> dict[str, Any]:
    """The catalog as a JSON document of the format it was read from."""
    return {
        "format": FORMAT,
        "format_version": cat.format_version,
        "catalog_version": cat.catalog_version,
        "sources": [{"id": s.id, "description": s.description} for s in cat.sources],
        "applications": [application_doc(a) for a in cat.applications],
        "kms_ids": [kms_id_doc(k) for k in cat.kms_ids],
        "client_skus": [client_sku_doc(s) for s in cat.client_skus],
        "csvlks": [csvlk_doc(c) for c in cat.csvlks],
        "os_families": [os_family_doc(f) for f in cat.os_families],
    }


_NEW_ROW_DEFAULTS: dict[str, dict[str, Any]] = {
    "applications": {},
    "kms_ids": {"retail": False, "preview": False, "synthetic": False, "support_end": None,
                "notes": None},
    "client_skus": {"kms_id": None, "alt_kms_ids": [], "gvlk": None},
    "csvlks": {"app_id": None, "group_id": None, "key_blocks": [], "kms_ids": [],
               "kms_ids_complete": False, "lab": False, "azure_only": False, "preview": False},
    "os_families": {"kms_id": None, "build_min": None, "build_max": None},
}
"""Values a row added by a user file may leave out."""

_OVERLAY_FIELDS = ("format", "format_version", "catalog_version", "sources", "applications",
                   "kms_ids", "client_skus", "csvlks", "os_families")


def merge_catalogs(base: Catalog, overlay_doc: dict[str, Any], origin: str) -> Catalog:
    """Apply a user catalog file on top of ``base`` and validate the result.

    The overlay has the same format; every list is optional. A row whose ``id`` (``sku_id`` for
    CSVLKs) is already known corrects the fields it gives; any other row is added, and may leave
    out the fields that have a neutral default (flags false, notes, GVLK, support end and build
    bounds null, lists empty). Every row the overlay touches gets the source
    ``user:<origin's file name>`` (declared automatically). Overlay ``os_families`` rules are put
    before the packaged ones, so they win. The merged document is validated like a whole
    catalog; problems raise ``CatalogError`` naming ``origin`` and the overlay's JSON path.
    """
    c = _Checker(origin)
    top = c.obj(overlay_doc, "$")
    for key in top:
        if key not in _OVERLAY_FIELDS:
            raise c.fail(key, "unknown field")
    if top.get("format") != FORMAT:
        raise c.fail("format", f"expected {FORMAT!r} (is this an adba product file?)")
    version = top.get("format_version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise c.fail("format_version", f"version {version!r} is not supported "
                                       f"(this adba reads version {FORMAT_VERSION})")
    if "catalog_version" in top:
        c.text(top["catalog_version"], "catalog_version")

    user_source = f"user:{_file_name(origin)}"
    merged = catalog_doc(base)
    labels: dict[tuple[str, int], str] = {}

    declared = {s["id"]: i for i, s in enumerate(merged["sources"])}
    for i, raw in enumerate(c.array(top.get("sources", []), "sources")):
        row = c.obj(raw, f"sources[{i}]")
        sid = c.text(row.get("id"), f"sources[{i}].id")
        if sid in declared:
            merged["sources"][declared[sid]] = {**merged["sources"][declared[sid]], **row}
            labels[("sources", declared[sid])] = f"sources[{i}]"
        else:
            declared[sid] = len(merged["sources"])
            labels[("sources", declared[sid])] = f"sources[{i}]"
            merged["sources"].append(dict(row))
    if user_source not in declared:
        merged["sources"].append({"id": user_source,
                                  "description": f"Rows added or corrected by the user file {origin}"})

    for list_name, key in LIST_KEYS.items():
        index: dict[uuid.UUID, int] = {}
        for i, row in enumerate(merged[list_name]):
            index[uuid.UUID(row[key])] = i
        for i, raw in enumerate(c.array(top.get(list_name, []), list_name)):
            path = f"{list_name}[{i}]"
            row = c.obj(raw, path)
            guid = c.guid(row.get(key), f"{path}.{key}")
            extra_sources = row.get("source", [])
            c.array(extra_sources, f"{path}.source")
            if guid in index:
                at = index[guid]
                target = merged[list_name][at]
                for name, value in row.items():
                    if name not in (key, "source"):
                        target[name] = value
            else:
                at = len(merged[list_name])
                index[guid] = at
                target = {**_NEW_ROW_DEFAULTS[list_name],
                          **{name: value for name, value in row.items() if name != "source"}}
                target[key] = str(guid)
                target["source"] = []
                merged[list_name].append(target)
            target["source"] = _dedupe([*target.get("source", []), *extra_sources, user_source])
            labels[(list_name, at)] = path

    user_rules = c.array(top.get("os_families", []), "os_families")
    prepared = []
    for i, raw in enumerate(user_rules):
        row = {**_NEW_ROW_DEFAULTS["os_families"], **c.obj(raw, f"os_families[{i}]")}
        row["source"] = _dedupe([*c.array(row.get("source", []), f"os_families[{i}].source"),
                                 user_source])
        prepared.append(row)
        labels[("os_families", i)] = f"os_families[{i}]"
    packaged_rules = merged["os_families"]
    merged["os_families"] = prepared + packaged_rules
    for j in range(len(packaged_rules)):
        labels.setdefault(("os_families", len(prepared) + j), f"packaged os_families[{j}]")

    merged_catalog = _validate(merged, origin, labels)
    return replace(merged_catalog, origin=f"{base.origin} + {origin}")


def _dedupe(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _file_name(origin: str) -> str:
    return re.split(r"[\\/]", origin)[-1] or origin


def describe_entry(kind: str) -> str:
    """A human label for a row kind: 'CSVLK', 'KMS ID', 'client SKU' or 'application'."""
    return {"csvlk": "CSVLK", "kms_id": "KMS ID", "client_sku": "client SKU",
            "application": "application"}.get(kind, kind)

