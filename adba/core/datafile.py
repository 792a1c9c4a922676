"""Pieces shared by adba's validated data files (product catalog, error-code knowledge base)."""

from __future__ import annotations

from dataclasses import dataclass


class DataFileError(ValueError):
    """A data document is malformed; names the document and the JSON path of the problem."""

    def __init__(self, origin: str, path: str, detail: str) -> None:
        super().__init__(f"{origin}: {path}: {detail}")
        self.origin = origin
        self.path = path
        self.detail = detail


@dataclass(frozen=True)
class Source:
    """Where facts come from: an id used in rows' ``source`` lists, and what it is."""

    id: str
    description: str
