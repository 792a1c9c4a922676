"""Reading the product catalog: the packaged ``adba/data/catalog.json`` plus an optional user file.

Every problem becomes ``InputFileError`` naming the file and, for JSON syntax errors, the line;
structure errors name the JSON path. The command line prints it on one line and exits 3.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from adba.about import DOCS_URL
from adba.adapters.data_documents import parse_document
from adba.adapters.input_files import PRODUCT_DB_MAX, read_file
from adba.core.catalog import Catalog, CatalogError, merge_catalogs, validate_catalog
from adba.errors import InputFileError

PACKAGED_NAME = "catalog.json"
PACKAGED_LABEL = "adba/data/catalog.json (packaged)"
ENV_VAR = "ADBA_PRODUCT_DB"
HINT = f"see {DOCS_URL}catalog.md for the format"


def _object(doc: Any, label: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise InputFileError(label, "expected a JSON object at the top level", line=1, hint=HINT)
    return doc


def _parse(text: str, label: str) -> dict[str, Any]:
    return parse_document(text, label, _object, HINT)


def _structure_error(label: str, exc: CatalogError) -> InputFileError:
    return InputFileError(label, f"{exc.path}: {exc.detail}", hint=HINT)


@lru_cache(maxsize=1)
def packaged_catalog() -> Catalog:
    """The catalog shipped with adba (read once per process)."""
    try:
        text = (resources.files("adba") / "data" / PACKAGED_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(PACKAGED_LABEL, f"cannot read: {exc}",
                             hint="reinstall adba") from exc
    doc = _parse(text, PACKAGED_LABEL)
    try:
        return validate_catalog(doc, PACKAGED_LABEL)
    except CatalogError as exc:
        raise _structure_error(PACKAGED_LABEL, exc) from exc


def read_user_document(path: Path) -> dict[str, Any]:
    """A user catalog file's JSON object; ``InputFileError`` when unreadable or not JSON."""
    label = str(path)
    data = read_file(path, PRODUCT_DB_MAX, "product file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(label, "not UTF-8 text; is this an adba product file?",
                             hint=HINT) from exc
    return _parse(text, label)


def load_catalog(user_file: Path | None = None, *, use_env: bool = True) -> Catalog:
    """The packaged catalog, with ``user_file`` merged on top when given.

    Without ``user_file``, the file named by the ``ADBA_PRODUCT_DB`` environment variable is used
    when set and ``use_env`` is true. Any problem raises ``InputFileError``.
    """
    base = packaged_catalog()
    if user_file is None and use_env:
        env = os.environ.get(ENV_VAR, "").strip()
        user_file = Path(env) if env else None
    if user_file is None:
        return base
    doc = read_user_document(user_file)
    try:
        return merge_catalogs(base, doc, str(user_file))
    except CatalogError as exc:
        raise _structure_error(str(user_file), exc) from exc
