"""Bytes of an XML document to text: the byte-order mark sniffed, trailing NULs dropped."""

from __future__ import annotations

import codecs


def decode_xml_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding name). UTF-8 (with or without BOM) or UTF-16 with a BOM (or starting
    with ``<`` and a zero byte); anything else raises ``ValueError`` with one line."""
    if data.startswith(codecs.BOM_UTF8):
        body, encoding = data[3:], "utf-8-bom"
        codec = "utf-8"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        body, encoding, codec = data, "utf-16", "utf-16"
    elif data.startswith(b"<\x00"):
        body, encoding, codec = data, "utf-16-le", "utf-16-le"
    else:
        body, encoding, codec = data, "utf-8", "utf-8"
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        raise ValueError(f"not {encoding.upper()} text (byte {exc.start})") from None
    return text.rstrip("\x00"), encoding
