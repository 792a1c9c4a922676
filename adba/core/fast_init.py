"""A quicker ``__init__`` for frozen dataclasses that are built by the hundred thousand.

A frozen dataclass's generated ``__init__`` sets each field with ``object.__setattr__`` (the
class's own ``__setattr__`` refuses), which costs about three times what writing the instance's
``__dict__`` does. Reading 10,000 client reports builds millions of these values (evidence,
events, product states), so the hot models are decorated with :func:`fast_init` on top of
``@dataclass(frozen=True)``: same parameters, defaults, factories and ``__post_init__`` call,
same instances, built faster. The class stays a frozen dataclass in every other respect
(``replace``, ``fields``, equality, hashing, pickling, refusal of assignment).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["fast_init"]

T = TypeVar("T")
_FACTORY = getattr(dataclasses, "_HAS_DEFAULT_FACTORY", dataclasses.MISSING)
"""The default standing for "call the factory" (shown as ``<factory>``, as dataclasses do)."""


def fast_init(cls: type[T]) -> type[T]:
    """Give the frozen dataclass ``cls`` an ``__init__`` that writes its ``__dict__``.

    Left as it is: a class with ``__slots__`` (no ``__dict__``) or with ``InitVar`` fields
    (whose generated ``__init__`` passes them to ``__post_init__``)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(f"fast_init needs a frozen dataclass, not {cls.__name__}")
    every = cls.__dict__.get("__dataclass_fields__", {}).values()
    if "__slots__" in cls.__dict__ or any(
            f._field_type is dataclasses._FIELD_INITVAR for f in every):  # type: ignore[attr-defined]
        return cls
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for index, f in enumerate(dataclasses.fields(cls)):  # type: ignore[arg-type]
        factory = f.default_factory is not dataclasses.MISSING
        if f.default is not dataclasses.MISSING:
            namespace[f"_d{index}"] = f.default
        if factory:
            namespace[f"_f{index}"] = f.default_factory
        if f.init:
            if factory:
                default = "=_FACTORY"
                value = f"_f{index}() if {f.name} is _FACTORY else {f.name}"
            elif f.default is not dataclasses.MISSING:
                default, value = f"=_d{index}", f.name
            else:
                default, value = "", f.name
            (keyword if f.kw_only else positional).append(f"{f.name}{default}")
        elif factory:
            value = f"_f{index}()"
        else:
            continue  # init=False: a default stays on the class, as the generated __init__ does
        body.append(f"  _s[{f.name!r}] = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    signature = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({signature}):\n  _s = self.__dict__\n" + "\n".join(body) + "\n"
    exec(source, namespace)  # the text is built from the class's own field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    init.fast_init = True  # (the tests find the classes built this way by it)
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
