"""Reading the activation error-code knowledge base shipped as ``adba/data/hresults.json``.

Every problem becomes ``InputFileError`` naming the file and, for JSON syntax errors, the line;
structure errors name the JSON path. The command line prints it on one line and exits 3.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from adba.core.hresults import HResultsError, KnowledgeBase, validate_hresults
from adba.errors import InputFileError

PACKAGED_NAME = "hresults.json"
PACKAGED_LABEL = "adba/data/hresults.json (packaged)"
HINT = "reinstall adba; see docs/error-codes.md for the format"


def parse_knowledge_base(text: str, label: str) -> KnowledgeBase:
    """Parse and validate a knowledge-base document; ``InputFileError`` when it is not valid."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(label, f"not valid JSON: {exc.msg} (column {exc.colno})",
                             line=exc.lineno, hint=HINT) from exc
    try:
        return validate_hresults(doc, label)
    except HResultsError as exc:
        raise InputFileError(label, f"{exc.path}: {exc.detail}", hint=HINT) from exc


@lru_cache(maxsize=1)
def load_knowledge_base() -> KnowledgeBase:
    """The knowledge base shipped with adba (read once per process)."""
    try:
        text = (resources.files("adba") / "data" / PACKAGED_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(PACKAGED_LABEL, f"cannot read: {exc}", hint="reinstall adba") from exc
    return parse_knowledge_base(text, PACKAGED_LABEL)
