"""Answers kept by their key, up to a bound: what the readers and the diagnosis look up again
and again across a fleet's reports (provider names, GUID text, product classifications, KMS
host ePIDs), never more than ``limit`` entries per process."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Kept"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_MISSING = object()


class Kept(Generic[K, V]):
    """A table of answers by key, at most ``limit`` of them (later answers are made, not kept)."""

    __slots__ = ("_limit", "_table")

    def __init__(self, limit: int) -> None:
        self._table: dict[K, V] = {}
        self._limit = limit

    def get(self, key: K, make: Callable[[], V], *, keep: bool = True) -> V:
        """The answer for ``key``: the one kept, else ``make()``'s, kept when ``keep`` (the
        caller's bound on the key's size) and the table is not full. An exception from
        ``make`` keeps nothing."""
        found = self._table.get(key, _MISSING)
        if found is _MISSING:
            found = make()
            if keep and len(self._table) < self._limit:
                self._table[key] = found
        return found  # type: ignore[return-value]

    def __len__(self) -> int:
        return len(self._table)
