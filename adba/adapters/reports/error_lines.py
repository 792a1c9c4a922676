"""An activation error as people paste it when there is nothing else: the one line slmgr (or the
slmgr pop-up) printed, in any UI language, retyped, quoted or cut.

The HRESULT is the same in every language, so it is read wherever it stands behind a word for
"error" (``错误：0xC004F074``, ``Fehler: 0xC004F074``, ``Ошибка: 0xC004F074``, ``error 0xc004e016``),
at the start of a line followed by its quoted message (``0xC004F074, "The Software Licensing
Service reported ..."``), or in slmgr's "run 'slui.exe 0x2a 0x<code>'" hint. The localized text
is kept as the error's text (evidence), and the language is named.

This reader only accepts short texts made of such lines (at most :data:`MAX_LINES` non-blank
lines, most of them carrying a code): a localized ``/dlv`` is refused by the slmgr reader,
naming its language, never mined for codes here.
"""

from __future__ import annotations

import re

from adba.core.client import ClientReport, Evidence, ReportedError, UnreadableReport

__all__ = ["MAX_LINES", "read_error_lines", "sniff_error_lines"]

MAX_LINES = 12
_ERROR_WORDS = {
    "错误": "Chinese", "錯誤": "Chinese", "エラー": "Japanese", "오류": "Korean", "Fehler": "German",
    "Erreur": "French", "Error": "English", "Errore": "Italian", "Erro": "Portuguese",
    "Ошибка": "Russian", "Помилка": "Ukrainian", "Fout": "Dutch", "Błąd": "Polish", "Fel": "Swedish",
    "Hata": "Turkish", "Chyba": "Czech", "Hiba": "Hungarian", "Σφάλμα": "Greek", "Virhe": "Finnish",
    "Fejl": "Danish", "Feil": "Norwegian", "Eroare": "Romanian", "Lỗi": "Vietnamese",
}
_WORDS = "|".join(sorted((re.escape(w) for w in _ERROR_WORDS), key=len, reverse=True))
_CODE = r"0[xX](?P<hex>[0-9A-Fa-f]{8})(?![0-9A-Fa-f])"
_PATTERNS = (
    re.compile(rf"(?P<word>{_WORDS})\s*[:：]?\s*{_CODE}", re.IGNORECASE),
    re.compile(rf"^\W{{0,3}}{_CODE}\s*[,:]\s*[\"“'](?P<text>.+)$"),
    re.compile(rf"slui(?:\.exe|\s+exe)?\s+0x2a\s+{_CODE}", re.IGNORECASE),
)
_SCRIPTS = ((re.compile(r"[\u3040-\u30ff]"), "Japanese"), (re.compile(r"[\uac00-\ud7af]"), "Korean"),
            (re.compile(r"[\u4e00-\u9fff]"), "Chinese"), (re.compile(r"[\u0400-\u04ff]"), "Russian"))


def _codes(line: str) -> list[tuple[int, str | None]]:
    found: list[tuple[int, str | None]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(line):
            word = match.groupdict().get("word")
            found.append((int(match.group("hex"), 16), word))
    return found


def sniff_error_lines(text: str) -> bool:
    """A short text whose lines are mostly activation errors with a code."""
    lines = [line for line in text[:8000].splitlines() if line.strip()]
    if not lines or len(lines) > MAX_LINES:
        return False
    with_code = [line for line in lines if _codes(line)]
    return bool(with_code) and len(with_code) * 2 >= len(lines) - 1


def _language(text: str, words: list[str | None]) -> str | None:
    for pattern, language in _SCRIPTS:
        if pattern.search(text):
            return language
    for word in words:
        if word is None:
            continue
        for key, language in _ERROR_WORDS.items():
            if key.lower() == word.lower() and language != "English":
                return language
    return None


def read_error_lines(text: str, source: str) -> list[ClientReport]:
    """Read pasted error lines into a report with ``errors`` only (format ``slmgr-error``)."""
    errors: list[ReportedError] = []
    words: list[str | None] = []
    seen: set[int] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        for code, word in _codes(line):
            words.append(word)
            if code in seen:
                continue
            seen.add(code)
            errors.append(ReportedError(code, line[:300], Evidence(source, f"line {number}", line[:300])))
    if not errors:
        raise UnreadableReport("slmgr-error: no error code in it")
    language = _language(text, words)
    notes = ["only error lines: the HRESULT was read" + (
        f"; the text is in {language} and is kept as evidence only" if language else "")]
    return [ClientReport(source=source, format="slmgr-error", errors=tuple(errors),
                         notes=tuple(notes), language=language)]
