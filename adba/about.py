"""Where adba lives: the canonical repository and its documentation, in one place.

The command line links findings and errors to pages under :data:`DOCS_URL`, e.g.
``f"{DOCS_URL}rules.md#adba-forge-001"``; ``pyproject.toml``'s ``[project.urls]`` carries the
same addresses (a unit test keeps them equal).
"""

from __future__ import annotations

REPO_URL = "https://github.com/adba-project/adba"
"""The canonical repository."""

DOCS_URL = f"{REPO_URL}/blob/main/docs/"
"""The documentation folder on the main branch; ends with ``/`` so a page name can follow."""

ISSUES_URL = f"{REPO_URL}/issues"
"""Where to report a bug."""


def docs_url(page: str, anchor: str | None = None) -> str:
    """The address of ``docs/<page>`` (e.g. ``"rules.md"``), with ``#anchor`` when given."""
    return f"{DOCS_URL}{page.lstrip('/')}" + (f"#{anchor}" if anchor else "")


__all__ = ["DOCS_URL", "ISSUES_URL", "REPO_URL", "docs_url"]
