"""Turn the bytes of a client report file into text, whatever wrote it.

Reports come from ``cscript slmgr.vbs ... > out.txt`` in cmd (console code page), from
PowerShell 5.1 ``>`` / ``Out-File`` (UTF-16 LE with a BOM), PowerShell 7 (UTF-8 without BOM),
Notepad (UTF-8 with or without BOM, or ANSI), or from copying a console window.

The encoding rule, in order (first match wins):

1. A byte-order mark: UTF-32 LE/BE, UTF-8, UTF-16 LE/BE.
2. No BOM, but NUL bytes in the pattern of UTF-16 text (at least 30 % of the bytes at odd
   positions are NUL and at most 5 % of those at even positions, or the reverse): UTF-16 LE
   (or BE).
3. Valid UTF-8 (plain ASCII included).
4. Otherwise a single-byte Windows code page: **cp1252** (Windows ANSI, Western), unless the
   non-ASCII bytes look like an OEM console code page -- most of them (more than half) in
   0x80-0xA5, where cp850 keeps its accented letters and cp1252 only punctuation -- then
   **cp850** (the Western European console code page; it agrees with cp437 on those letters).
   cp850 is also used when a byte cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D)
   occurs.
   Labels of slmgr output are ASCII, so this choice only touches free text such as an
   activation object's name.

A file cut short keeps what is there: a UTF-16 text with an odd number of bytes loses the last
byte, a UTF-8 text cut inside a multi-byte character loses that character.

After decoding, a leading U+FEFF is dropped, ``\\r\\r\\n``, ``\\r\\n`` and lone ``\\r`` become
``\\n``, and a trailing Ctrl-Z (the old DOS end-of-file mark) is removed. The result is refused
with :class:`~adba.core.client.UnreadableReport` when it is empty or only whitespace
(``"empty file"``) or when more than 1 % of its characters are control characters other than
tab, line feed and form feed, or U+FFFD (``"binary data, not a text report"``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import BinaryIO

from adba.core.client import UnreadableReport

__all__ = ["MAX_REPORT_BYTES", "decode_report_bytes", "detect_report_encoding", "read_report_file"]

MAX_REPORT_BYTES = 20 * 1024 * 1024
"""Largest report file adba reads (20 MiB): a slmgr output is a few kilobytes, an event export
a few megabytes."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

_SNIFF_BYTES = 64 * 1024
_BINARY_RATIO = 0.01
_ALLOWED_CONTROLS = frozenset("\t\n\x0c")
# Control characters other than the allowed ones, DEL and U+FFFD (one C-level scan per file).
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0d-\x1f\x7f\ufffd]")
_BAD_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0D, 0x20), 0x7F])
"""The characters of ``_BAD_CHARS`` below 128, as bytes (counted fast in ASCII text)."""
_CP1252_UNDEFINED = frozenset((0x81, 0x8D, 0x8F, 0x90, 0x9D))


def detect_report_encoding(data: bytes) -> tuple[str, int]:
    """The codec name for ``data`` and the length of its byte-order mark (0 if none).

    Follows the rule in the module docstring; it never fails (cp1252/cp850 accept anything).
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    utf16 = _utf16_without_bom(data[:_SNIFF_BYTES])
    if utf16:
        return utf16, 0
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            return "utf-8", 0  # valid UTF-8 cut inside the last character
        return _single_byte_codepage(data), 0
    return "utf-8", 0


def decode_report_bytes(data: bytes) -> str:
    """Decode a report file's bytes to text with ``\\n`` line ends.

    Raises :class:`UnreadableReport` ("empty file", or "binary data, not a text report").
    """
    codec, skip = detect_report_encoding(data)
    body = data[skip:]
    if codec.startswith("utf-16") and len(body) % 2:
        body = body[:-1]  # cut in the middle of a UTF-16 code unit
    elif codec.startswith("utf-32") and len(body) % 4:
        body = body[: len(body) - len(body) % 4]
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        if codec == "utf-8" and exc.reason == "unexpected end of data" and exc.start >= len(body) - 3:
            text = body[: exc.start].decode(codec)
        elif codec.startswith("utf-16") and exc.start >= len(body) - 2:
            text = body[: exc.start].decode(codec)  # a high surrogate cut off at the end
        else:
            raise UnreadableReport("binary data, not a text report") from None
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip("\x1a")
    if not text.strip():
        raise UnreadableReport("empty file")
    bad = _bad_chars(text)
    if bad > len(text) * _BINARY_RATIO:
        raise UnreadableReport("binary data, not a text report")
    return text


def _bad_chars(text: str) -> int:
    """How many characters of ``text`` match ``_BAD_CHARS`` (controls, U+FFFD)."""
    if text.isascii():  # the usual case: count the bytes a translate deletes (no regex scan)
        data = text.encode("ascii")
        return len(data) - len(data.translate(None, _BAD_BYTES))
    return len(_BAD_CHARS.findall(text))


def read_bounded(handle: BinaryIO, size: int, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``handle``, whose size was ``size`` (0 when unknown, as
    for a pipe): read at the size known instead of asking for ``limit + 1`` at once, which makes
    Python allocate the whole limit for every small file."""
    want = min(size if size > 0 else 64 * 1024, limit) + 1
    data = handle.read(want)
    if len(data) < want:
        return data  # the usual case: all of it, in one read
    parts, total = [data], len(data)
    while total <= limit:  # grew while read, or its size was unknown
        more = handle.read(min(1 << 20, limit + 1 - total))
        if not more:
            break
        parts.append(more)
        total += len(more)
    return b"".join(parts)


def read_report_file(path: str | os.PathLike[str]) -> tuple[str, bytes]:
    """Read a report file: ``(text, raw bytes)``.

    Refuses a file larger than :data:`MAX_REPORT_BYTES` without reading more than that plus
    one byte, and turns an ``OSError`` into :class:`UnreadableReport` with the system's reason.
    The text is :func:`decode_report_bytes` of the bytes.
    """
    file_path = Path(path)
    try:
        with file_path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_REPORT_BYTES:
                raise UnreadableReport(_too_large(size))
            data = read_bounded(handle, size, MAX_REPORT_BYTES)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise UnreadableReport(f"cannot read {file_path.name}: {reason}") from None
    if len(data) > MAX_REPORT_BYTES:
        raise UnreadableReport(_too_large(None))  # grew while read, or not a regular file
    return decode_report_bytes(data), data


def _too_large(size: int | None) -> str:
    limit_mb = MAX_REPORT_BYTES // (1024 * 1024)
    shown = f"{size / (1024 * 1024):.1f} MB" if size is not None else f"more than {limit_mb} MB"
    return (f"file too large ({shown} > {limit_mb} MB); a client report is a few kilobytes to a "
            "few megabytes -- export only the output needed")


def _utf16_without_bom(sample: bytes) -> str | None:
    if len(sample) < 4 or b"\x00" not in sample:  # (no NUL byte: neither half has any)
        return None
    even = sample[0::2]
    odd = sample[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul >= 0.3 and even_nul <= 0.05:
        return "utf-16-le"
    if even_nul >= 0.3 and odd_nul <= 0.05:
        return "utf-16-be"
    return None


def _single_byte_codepage(data: bytes) -> str:
    high = [b for b in data if b >= 0x80]
    if any(b in _CP1252_UNDEFINED for b in high):
        return "cp850"
    oem_letters = sum(1 for b in high if b <= 0xA5)
    return "cp850" if high and oem_letters * 2 > len(high) else "cp1252"
