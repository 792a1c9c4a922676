"""``fast_init``: the quicker ``__init__`` builds the same instances as the dataclass's own."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pickle
import uuid
from dataclasses import InitVar, dataclass, field

import pytest

from adba.core.client import ClientEvent, Evidence, ProductStatus
from adba.core.fast_init import fast_init

HOT_MODULES = ("adba.core.client", "adba.core.findings", "adba.core.diagnose",
               "adba.core.product_kind", "adba.core.kms", "adba.core.epid",
               "adba.adapters.reports.spp_events", "adba.adapters.reports.wmi",
               "adba.adapters.reports.slmgr_lines", "adba.adapters.reports.ps_format",
               "adba.adapters.reports")


def _pair(fast: bool) -> type:
    """The same dataclass, with or without ``fast_init``."""
    counter = iter(range(100))

    @dataclass(frozen=True)
    class Sample:
        a: int
        b: str = "b"
        c: list[int] = field(default_factory=list)
        d: int = field(default=4, init=False)
        e: list[str] = field(default_factory=lambda: ["e"], init=False)
        f: int = field(default=6, kw_only=True)
        g: int = field(kw_only=True, default_factory=lambda: next(counter))

        def __post_init__(self) -> None:
            object.__setattr__(self, "h", self.a * 2)

    return fast_init(Sample) if fast else Sample


CALLS = [((1,), {}), ((1, "x"), {}), ((1, "x", [3]), {"f": 9}), ((), {"a": 2, "g": 7}),
         ((), {"a": 3, "b": "y", "c": [], "f": 1, "g": 2})]


@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_same_values_defaults_factories_and_post_init(args: tuple, kwargs: dict) -> None:
    slow, fast = _pair(False), _pair(True)
    a, b = slow(*args, **kwargs), fast(*args, **kwargs)
    assert vars(a) == vars(b)
    assert list(vars(a)) == list(vars(b))  # same field order (repr, asdict)
    assert b.c is not _pair(True)(1).c  # a fresh list from the factory each time


def test_same_signature_and_same_errors() -> None:
    slow, fast = _pair(False), _pair(True)
    assert str(inspect.signature(slow)) == str(inspect.signature(fast))
    for bad in (lambda k: k(), lambda k: k(1, "x", [], 4), lambda k: k(1, d=3),
                lambda k: k(1, nope=1)):
        with pytest.raises(TypeError):
            bad(slow)
        with pytest.raises(TypeError):
            bad(fast)


def test_still_frozen_comparable_hashable_replaceable_and_picklable() -> None:
    ev = Evidence("f.txt", "line 3", "License Status: Licensed")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.text = "changed"  # type: ignore[misc]
    assert ev == Evidence("f.txt", "line 3", "License Status: Licensed")
    assert hash(ev) == hash(Evidence("f.txt", "line 3", "License Status: Licensed"))
    assert dataclasses.replace(ev, where="line 4").where == "line 4"
    product = ProductStatus(activation_id=uuid.uuid4(), name="Windows", evidence=(ev,))
    assert pickle.loads(pickle.dumps(product)) == product
    assert repr(ClientEvent(event_id=12308, time=None)).startswith("ClientEvent(event_id=12308, time=None")


def test_refuses_what_it_cannot_speed_up() -> None:
    @dataclass
    class Open:
        a: int

    with pytest.raises(TypeError):
        fast_init(Open)

    @dataclass(frozen=True, slots=True)
    class Slotted:
        a: int

    @dataclass(frozen=True)
    class WithInitVar:
        a: int
        b: InitVar[int] = 0

        def __post_init__(self, b: int) -> None:
            object.__setattr__(self, "a", self.a + b)

    for cls in (Slotted, WithInitVar):
        before = cls.__init__
        assert fast_init(cls).__init__ is before  # left to the dataclass's own
    assert WithInitVar(1, 2).a == 3


@pytest.mark.parametrize("module", HOT_MODULES)
def test_every_model_built_the_fast_way_keeps_its_dataclass_signature(module: str) -> None:
    """Each decorated class takes exactly the parameters its fields say (same names, order,
    defaults, keyword-only marks) as the dataclass's generated ``__init__`` would."""
    found = 0
    for value in vars(importlib.import_module(module)).values():
        if not (isinstance(value, type) and value.__module__ == module
                and getattr(value.__dict__.get("__init__"), "fast_init", False)):
            continue
        expected = [f for f in dataclasses.fields(value) if f.init]
        params = list(inspect.signature(value).parameters.values())
        assert [p.name for p in params] == [f.name for f in expected], value
        for p, f in zip(params, expected, strict=True):
            assert (p.kind is inspect.Parameter.KEYWORD_ONLY) == f.kw_only, (value, f.name)
            has_default = (f.default is not dataclasses.MISSING
                           or f.default_factory is not dataclasses.MISSING)
            assert (p.default is not inspect.Parameter.empty) == has_default, (value, f.name)
        found += 1
    assert found, f"no class of {module} uses fast_init"
