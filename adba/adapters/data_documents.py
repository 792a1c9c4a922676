"""Reading adba's JSON data documents (the error-code base, the emulator list, ...): text to a
validated core object, every failure one :class:`InputFileError` naming the document and where."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any, TypeVar

from adba.core.datafile import DataFileError
from adba.errors import InputFileError

__all__ = ["packaged_text", "parse_document"]

T = TypeVar("T")


def parse_document(text: str, label: str, validate: Callable[[Any, str], T],
                   hint: str | None = None) -> T:
    """JSON ``text`` checked by ``validate``; ``InputFileError`` with the line or JSON path."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(label, f"not valid JSON: {exc.msg} (column {exc.colno})",
                             line=exc.lineno, hint=hint) from exc
    except RecursionError as exc:
        raise InputFileError(label, "JSON nested too deeply", hint=hint) from exc
    try:
        return validate(doc, label)
    except DataFileError as exc:
        raise InputFileError(label, f"{exc.path}: {exc.detail}", hint=hint) from exc


def packaged_text(name: str, label: str) -> str:
    """The text of ``adba/data/<name>`` as installed."""
    try:
        return (resources.files("adba") / "data" / name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(label, f"cannot read: {exc}", hint="reinstall adba") from exc
