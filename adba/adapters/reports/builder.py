"""One builder for the frozen models the readers make: values are set by the model's own field
names while a report is read, and the model is built once at the end.

A reader therefore cannot drift from the model: setting a name the model lacks raises at
once, and reading a name not set yet gives the model's default. Nothing here knows any shape.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Generic, TypeVar

__all__ = ["Draft"]

T = TypeVar("T")
_FIELDS: dict[type, dict[str, Any]] = {}


def _defaults(model: type) -> dict[str, Any]:
    known = _FIELDS.get(model)
    if known is None:
        known = {}
        for item in dataclasses.fields(model):
            if item.default is not dataclasses.MISSING:
                known[item.name] = item.default
            elif item.default_factory is not dataclasses.MISSING:
                known[item.name] = item.default_factory()
            else:
                known[item.name] = None
        _FIELDS[model] = known
    return known


class Draft(Generic[T]):
    """The values of one ``model`` instance being read (``draft.name = ...``), then ``build()``."""

    __slots__ = ("_model", "_values")

    def __init__(self, model: type[T]) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_values", {})
        _defaults(model)

    def __getattr__(self, name: str) -> Any:
        defaults = _FIELDS[self._model]
        if name not in defaults:
            raise AttributeError(f"{self._model.__name__} has no field {name!r}")
        return self._values.get(name, defaults[name])

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in _FIELDS[self._model]:
            raise AttributeError(f"{self._model.__name__} has no field {name!r}")
        self._values[name] = value

    def is_set(self, name: str) -> bool:
        """True once ``name`` was given a value."""
        return name in self._values

    def build(self, **overrides: Any) -> T:
        """The frozen model, from the values set and ``overrides``."""
        built: T = self._model(**{**_FIELDS[self._model], **self._values, **overrides})
        return built
