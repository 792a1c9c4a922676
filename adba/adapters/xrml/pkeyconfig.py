"""The product-key configuration inside a configuration licence (``pkeyConfigData``).

The payload is base64 of a ``ProductKeyConfiguration`` XML document, gzip-compressed in some
products (detected by its magic bytes). It is read in one streaming pass, with the same
refusals as the licence itself (no DTD, no entities) and bounds on its size and item counts.
"""

from __future__ import annotations

import zlib
from xml.parsers import expat

from adba.adapters.xrml.names import PKEY
from adba.adapters.xrml.text import decode_xml_bytes
from adba.core.licences import KeyConfiguration, KeyRange, ProductKeyConfig, guid_text

MAX_DECODED = 32 * 1024 * 1024
"""A decompressed configuration larger than this is refused (a compression bomb)."""
MAX_ITEMS = 200_000
_CONFIG = ("ActConfigId", "RefGroupId", "EditionId", "ProductDescription", "ProductKeyType")
_RANGE = ("RefActConfigId", "PartNumber", "EulaType", "IsValid", "Start", "End")


def _failed(message: str, compressed: bool = False) -> ProductKeyConfig:
    return ProductKeyConfig((), (), (), compressed, error=message)


def _gunzip(data: bytes) -> bytes:
    inflater = zlib.decompressobj(wbits=47)  # gzip or zlib header
    out = inflater.decompress(data, MAX_DECODED + 1)
    if len(out) > MAX_DECODED or inflater.unconsumed_tail:
        raise ValueError(f"decompresses to more than {MAX_DECODED // (1024 * 1024)} MB")
    return out


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 20 else None


def read_key_config(payload: bytes) -> ProductKeyConfig:
    """Decode ``pkeyConfigData`` (already base64-decoded); errors are kept in ``error``."""
    compressed = payload[:2] == b"\x1f\x8b" or payload[:1] == b"\x78"
    if compressed:
        try:
            payload = _gunzip(payload)
        except (zlib.error, ValueError) as exc:
            return _failed(f"the compressed configuration cannot be read: {exc}", True)
    try:
        text, _encoding = decode_xml_bytes(payload)
    except ValueError as exc:
        return _failed(f"the configuration is not text: {exc}", compressed)
    configs: list[KeyConfiguration] = []
    ranges: list[KeyRange] = []
    groups: list[int] = []
    path: list[str] = []
    fields: dict[str, str] = {}
    buffer: list[str] = []

    def refuse(*_: object) -> int:
        raise ValueError("a DTD or entity is not allowed in a product-key configuration")

    def start(name: str, _attrs: object) -> None:
        uri, _, local = name.rpartition("\x1f")
        path.append(local if uri in ("", PKEY) else "")
        if len(path) > 32:
            raise ValueError("elements nested too deeply")
        if local in ("Configuration", "KeyRange", "PublicKey"):
            fields.clear()
        buffer.clear()

    def end(_name: str) -> None:
        local = path.pop()
        parent = path[-1] if path else ""
        if parent in ("Configuration", "KeyRange", "PublicKey"):
            fields[local] = "".join(buffer)
        elif local == "Configuration":
            configs.append(KeyConfiguration(
                act_config_id=guid_text(fields.get("ActConfigId")) or fields.get("ActConfigId", ""),
                ref_group_id=_int(fields.get("RefGroupId", "")),
                edition_id=fields.get("EditionId", ""),
                description=fields.get("ProductDescription", ""),
                key_type=fields.get("ProductKeyType", "")))
        elif local == "KeyRange":
            ranges.append(KeyRange(
                act_config_id=guid_text(fields.get("RefActConfigId"))
                or fields.get("RefActConfigId", ""),
                part_number=fields.get("PartNumber", ""), eula_type=fields.get("EulaType", ""),
                valid=fields.get("IsValid", "").strip().lower() == "true",
                start=_int(fields.get("Start", "")) or 0, end=_int(fields.get("End", "")) or 0))
        elif local == "PublicKey":
            group = _int(fields.get("GroupId", ""))
            if group is not None:
                groups.append(group)
        if len(configs) + len(ranges) + len(groups) > MAX_ITEMS:
            raise ValueError(f"more than {MAX_ITEMS:,} entries")
        buffer.clear()

    parser = expat.ParserCreate(encoding="UTF-8", namespace_separator="\x1f")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = buffer.append
    try:
        parser.Parse(text.encode("utf-8"), True)
    except expat.ExpatError as exc:
        return _failed(f"the configuration is not well-formed XML: {expat.ErrorString(exc.code)}",
                       compressed)
    except ValueError as exc:
        return _failed(f"the configuration was refused: {exc}", compressed)
    return ProductKeyConfig(tuple(configs), tuple(ranges), tuple(groups), compressed)
