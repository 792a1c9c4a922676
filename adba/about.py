"""Where the project lives: the links printed in findings and help point here."""

from __future__ import annotations

REPO_URL = "https://github.com/adba-project/adba"
DOCS_URL = f"{REPO_URL}/blob/main/docs/"
"""Base of the documentation links (``docs/`` of the repository, also in the sdist)."""
ISSUES_URL = f"{REPO_URL}/issues"
