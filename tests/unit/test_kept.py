"""``Kept``: answers kept by key, never more than the bound, never a failed one."""

from __future__ import annotations

import pytest

from adba.core.kept import Kept


def test_answers_are_made_once_and_kept_up_to_the_limit() -> None:
    made: list[int] = []
    table: Kept[int, bool] = Kept(3)
    for key in [1, 2, 1, 3, 4, 4, 2]:
        table.get(key, lambda k=key: made.append(k) or k % 2 == 0)  # type: ignore[func-returns-value]
    assert made == [1, 2, 3, 4, 4]  # 4 came after the table was full: made each time
    assert len(table) == 3
    assert table.get(1, lambda: True) is False  # a falsy answer is kept like any other


def test_a_key_the_caller_says_not_to_keep_and_a_failed_answer_are_not_kept() -> None:
    table: Kept[str, int] = Kept(10)
    assert table.get("long", lambda: 1, keep=False) == 1
    assert table.get("long", lambda: 2) == 2

    def fail() -> int:
        raise ValueError("not a GUID")

    with pytest.raises(ValueError):
        table.get("bad", fail)
    assert table.get("bad", lambda: 3) == 3
    assert len(table) == 2
