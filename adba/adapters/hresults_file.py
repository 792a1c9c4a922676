"""Reading the activation error-code knowledge base shipped as ``adba/data/hresults.json``.

Every problem becomes ``InputFileError`` naming the file and, for JSON syntax errors, the line;
structure errors name the JSON path. The command line prints it on one line and exits 3.
"""

from __future__ import annotations

from functools import lru_cache

from adba.about import DOCS_URL
from adba.adapters.data_documents import packaged_text, parse_document
from adba.core.hresults import KnowledgeBase, validate_hresults

PACKAGED_NAME = "hresults.json"
PACKAGED_LABEL = "adba/data/hresults.json (packaged)"
HINT = f"reinstall adba; see {DOCS_URL}error-codes.md for the format"


def parse_knowledge_base(text: str, label: str) -> KnowledgeBase:
    """Parse and validate a knowledge-base document; ``InputFileError`` when it is not valid."""
    return parse_document(text, label, validate_hresults, HINT)


@lru_cache(maxsize=1)
def load_knowledge_base() -> KnowledgeBase:
    """The knowledge base shipped with adba (read once per process)."""
    return parse_knowledge_base(packaged_text(PACKAGED_NAME, PACKAGED_LABEL), PACKAGED_LABEL)
