"""Reading the packaged list of public KMS emulator hosts (``adba/data/kms-emulators.json``).

Any problem becomes ``InputFileError`` naming the file; the list is validated strictly at load
(see ``adba.core.kms_emulators``), so a broken release fails loudly instead of matching nothing.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from adba.adapters.data_documents import packaged_text, parse_document
from adba.core.kms_emulators import EmulatorList, validate_emulator_list
from adba.errors import InputFileError

PACKAGED_NAME = "kms-emulators.json"
PACKAGED_LABEL = "adba/data/kms-emulators.json (packaged)"


def parse_emulator_list(text: str, label: str) -> EmulatorList:
    """Validate a document given as text; ``InputFileError`` with the line or JSON path."""
    return parse_document(text, label, validate_emulator_list)


def load_emulator_file(path: Path) -> EmulatorList:
    """A list from a file (tests, or a site's own copy)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(str(path), f"cannot read: {exc}") from exc
    return parse_emulator_list(text, str(path))


@lru_cache(maxsize=1)
def packaged_emulator_list() -> EmulatorList:
    """The list shipped with adba (read once per process)."""
    return parse_emulator_list(packaged_text(PACKAGED_NAME, PACKAGED_LABEL), PACKAGED_LABEL)
