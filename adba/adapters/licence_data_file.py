"""Reading the packaged licence data (``adba/data/licences.json``), validated strictly."""

from __future__ import annotations

from functools import lru_cache

from adba.adapters.data_documents import packaged_text, parse_document
from adba.core.licence_data import LicenceData, validate_licence_data

PACKAGED_NAME = "licences.json"
PACKAGED_LABEL = "adba/data/licences.json (packaged)"


def parse_licence_data(text: str, label: str) -> LicenceData:
    """Validate a document given as text; ``InputFileError`` naming where it is wrong."""
    return parse_document(text, label, validate_licence_data)


@lru_cache(maxsize=1)
def packaged_licence_data() -> LicenceData:
    """The data shipped with adba (read once per process)."""
    return parse_licence_data(packaged_text(PACKAGED_NAME, PACKAGED_LABEL), PACKAGED_LABEL)
