"""Telling slmgr output in another UI language from English, and naming the language: a survey
of which lines are English slmgr lines, which are known translated labels, and which carry
slmgr-shaped values behind unknown labels."""

from __future__ import annotations

import re
from dataclasses import dataclass

from adba.adapters.reports.slmgr_labels import (
    CHANNEL,
    CORE_KINDS,
    EDITION,
    EPID,
    GUID,
    LANGUAGE_WORDS,
    LOCALIZED_LABELS,
    PARTIAL_KEY,
    SCRIPTS,
    WEAK_KINDS,
    WMI_NAMES,
    classify,
)
from adba.adapters.reports.slmgr_lines import Line
from adba.core.fast_init import fast_init


@fast_init
@dataclass(frozen=True)
class Survey:
    english: int
    """English slmgr lines other than weak ones (Name:, banner, prompts)."""
    english_core: int
    localized: int
    localized_language: str | None
    shapes: int
    """Kinds of slmgr values found behind unknown labels."""
    wmi: bool


def survey(lines: list[Line]) -> Survey:
    english = english_core = localized = 0
    first_language: str | None = None
    shapes: set[str] = set()
    wmi = False
    for line in lines:
        item = classify(line.text)
        if item is not None:
            if item.kind not in WEAK_KINDS and item.kind not in ("blank", "error_other"):
                english += 1
            if item.kind in CORE_KINDS:
                english_core += 1
            continue
        label, value = label_value(line.text)
        if label is None:
            continue
        if label.replace(" ", "").lower() in WMI_NAMES:
            wmi = True
        language = localized_label(label)
        if language is not None:
            localized += 1
            first_language = first_language or language
        shape = value_shape(value)
        if shape:
            shapes.add(shape)
    return Survey(english, english_core, localized, first_language, len(shapes), wmi)


def label_value(text: str) -> tuple[str | None, str]:
    colon = text.find(":")
    if colon <= 0 or colon > 60:
        return None, ""
    return text[:colon].strip(), text[colon + 1:].strip()


def localized_label(label: str) -> str | None:
    key = label.lower().replace("\u2019", "'").replace("`", "'")
    for language, labels in LOCALIZED_LABELS.items():
        if key in labels:
            return language
    return None


def value_shape(value: str) -> str | None:
    if GUID.fullmatch(value):
        return "guid"
    if EPID.fullmatch(value):
        return "epid"
    if PARTIAL_KEY.fullmatch(value) and any(ch.isdigit() for ch in value):
        return "key"
    if CHANNEL.search(value) and re.search(r"Windows|Office", value):
        return "channel"
    if EDITION.search(value):
        return "edition"
    return None


def guess_language(lines: list[Line]) -> str | None:
    words: list[str] = []
    for line in lines:
        if classify(line.text) is not None:
            continue
        for pattern, language in SCRIPTS:
            if pattern.search(line.text):
                return language
        label, _value = label_value(line.text)
        part = label if label is not None else line.text
        words.extend(re.findall(r"[^\W\d_]+", part.lower()))
    best: str | None = None
    best_score = 0
    for language, vocabulary in LANGUAGE_WORDS.items():
        score = sum(1 for word in words if word in vocabulary)
        if score > best_score:
            best, best_score = language, score
    return best


def foreign_reason(lines: list[Line], language: str | None) -> str:
    guess = language or guess_language(lines)
    if guess:
        return f"slmgr output in an unsupported language (looks like {guess})"
    return ("slmgr output in an unsupported language (no English slmgr labels; language not "
            "recognised)")


def is_json_or_table(text: str) -> bool:
    head = text[:4096].lstrip("\ufeff \t\n")[:1]
    return head in ("{", "[", "<")
