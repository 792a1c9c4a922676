"""One sanitiser for every text that came from outside (reports, the directory, files, names).

A product name, an LDIF ``displayName::``, a file name or an error message may hold terminal
control sequences (``ESC [ 31 m``, ``ESC ] 0 ;`` title changes), C1 controls (U+009B is a
one-character CSI), bidirectional overrides that reorder what the admin reads (U+202E), or lone
surrogates that no encoder can write. :func:`clean` shows each of them escaped (``\\x1b``,
``\\u202e``, ``\\udc80``), so what reaches a terminal or a text file is inert and visible.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"          # C0 but tab and newline, DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e"       # bidi marks and embeddings/overrides
    "\u2066-\u2069"                         # bidi isolates
    "\ud800-\udfff]")                       # lone surrogates (never valid alone in text)

_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""What ``json.dumps(..., ensure_ascii=False)`` leaves raw although it should not be: C0 is
escaped by the encoder itself."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """``text`` with every control, bidi and surrogate character shown escaped (newline and tab
    kept)."""
    if text.isprintable() or _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def json_escape(document: str) -> str:
    """JSON text with C1 controls, bidi controls and lone surrogates written as ``\\uXXXX``
    escapes (valid JSON: they only occur inside strings; the value read back is the same)."""
    if (document.isascii() and "\x7f" not in document) or _JSON_UNSAFE.search(document) is None:
        return document  # (isascii is a flag test, and DEL the only unsafe ASCII character)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
