"""Build a ``RawForest`` from an LDIF export (``ldifde -f export.ldf -d "CN=Activation Objects,..."``).

An LDIF export carries entries only: no rootDSE, schema or (usually) security descriptor. The
rules that need those report nothing for such a source, and the report says so.
"""

from __future__ import annotations

from pathlib import Path

from adba import __version__
from adba.adapters.input_files import LDIF_MAX, read_file
from adba.adapters.ldif import LdifError, LdifRecord, parse_ldif
from adba.adapters.records import RawEntry, RawForest
from adba.core.models import (
    AO_CONTAINER_RDN,
    LICENCE_ATTRIBUTES,
    SPP_CONTAINER_RDN,
    Readability,
    SourceInfo,
    SourceKind,
)
from adba.errors import InputFileError

_LICENCES = {a.lower() for a in LICENCE_ATTRIBUTES}


def _norm(dn: str) -> str:
    return ",".join(part.strip() for part in dn.split(",")).lower()


def read_ldif(path: Path) -> RawForest:
    """Read an LDIF export of the activation-objects container or its children."""
    name = str(path)
    data = read_file(path, LDIF_MAX, "LDIF export")
    try:
        records = parse_ldif(data, name)
    except LdifError as exc:
        raise InputFileError(name, exc.message, line=exc.line,
                             hint="export again with ldifde -f FILE -d \"CN=Activation Objects,...\"") \
            from exc
    return forest_from_records(records, name)


def forest_from_records(records: list[LdifRecord], name: str) -> RawForest:
    """Find the container and its children among the records."""
    ao_suffix = _norm(AO_CONTAINER_RDN) + ","
    config_nc: str | None = None
    container: LdifRecord | None = None
    spp: LdifRecord | None = None
    for record in records:
        dn = _norm(record.dn)
        if dn.startswith(ao_suffix):
            config_nc = record.dn.split(",", 3)[3].strip()
            container = record
            break
    if config_nc is None:
        for record in records:
            parts = [p.strip() for p in record.dn.split(",")]
            if len(parts) > 4 and ",".join(parts[1:4]).lower() == _norm(AO_CONTAINER_RDN):
                config_nc = ",".join(parts[4:])
                break
    if config_nc is None:
        raise InputFileError(
            name, "no activation-objects container or activation object in this LDIF",
            line=records[0].line if records else 1,
            hint='export with ldifde -d "CN=Activation Objects,CN=Microsoft SPP,CN=Services,'
                 '<configuration NC>"')
    container_dn = _norm(f"{AO_CONTAINER_RDN},{config_nc}")
    spp_dn = _norm(f"{SPP_CONTAINER_RDN},{config_nc}")
    children: list[RawEntry] = []
    for record in records:
        parent = _norm(record.dn.split(",", 1)[1]) if "," in record.dn else ""
        if parent == container_dn:
            children.append(_entry(record))
        elif _norm(record.dn) == spp_dn:
            spp = record
    source = SourceInfo(kind=SourceKind.LDIF, path=name, tool_version=__version__)
    return RawForest(
        source=source,
        config_nc=config_nc,
        spp_container=_entry(spp) if spp else None,
        spp_state=Readability.PRESENT if spp else Readability.UNKNOWN,
        ao_container=_entry(container) if container else None,
        ao_state=Readability.PRESENT if container or children else Readability.UNKNOWN,
        children=children,
    )


def _entry(record: LdifRecord) -> RawEntry:
    entry = RawEntry(dn=record.dn)
    for attr, values in record.attributes.items():
        if attr.lower() in _LICENCES:
            entry.add_licences(attr, list(values))
        else:
            entry.attributes[attr] = list(values)
    return entry
