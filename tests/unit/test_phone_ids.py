"""Installation ID / Confirmation ID grouping and check digits."""

from __future__ import annotations

import random

import pytest

from adba.core.phone_ids import (
    group_check_ok,
    split_confirmation_id,
    split_installation_id,
)

# Both samples are quoted in adba-facts.md §8.1.
IID_63 = "253037440405119108201413961093786848722385303726677949056629205"
IID_54 = "020650770493837252929082195773527024195725809211989214"


def reference_check_digit(data: str) -> int:
    """Independent statement of the rule: weights 1, 2, 1, 2, ... from the left, mod 7."""
    weights = [1, 2] * len(data)
    return sum(int(d) * w for d, w in zip(data, weights, strict=False)) % 7


def test_63_digit_sample_iid_verifies() -> None:
    groups = split_installation_id(IID_63)
    assert groups is not None
    assert groups.group_size == 7
    assert groups.groups == (
        "2530374", "4040511", "9108201", "4139610", "9378684",
        "8722385", "3037266", "7794905", "6629205",
    )
    assert groups.bad_groups == ()
    assert groups.ok
    assert all(group_check_ok(g) for g in groups.groups)


def test_54_digit_sample_iid_verifies() -> None:
    groups = split_installation_id(IID_54)
    assert groups is not None
    assert groups.group_size == 6
    assert len(groups.groups) == 9
    assert groups.groups[0] == "020650"
    assert groups.groups[-1] == "989214"
    assert groups.ok


def test_separators_are_ignored_and_raw_is_kept() -> None:
    dashed = "-".join(IID_63[i:i + 7] for i in range(0, 63, 7))
    spaced = " ".join(IID_54[i:i + 6] for i in range(0, 54, 6))
    g63 = split_installation_id(dashed)
    g54 = split_installation_id(spaced)
    assert g63 is not None and g54 is not None
    assert g63.raw == dashed and g63.digits == IID_63 and g63.ok
    assert g63.formatted() == dashed
    assert g54.digits == IID_54 and g54.ok
    assert g54.formatted(" ") == spaced


def corrupt(text: str, index: int) -> str:
    digit = (int(text[index]) + 1) % 10
    return text[:index] + str(digit) + text[index + 1:]


def test_corrupted_check_digit_is_reported_by_group_number() -> None:
    bad = corrupt(IID_63, 3 * 7 - 1)  # last digit of group 3
    groups = split_installation_id(bad)
    assert groups is not None
    assert groups.bad_groups == (3,)
    assert not groups.ok


def test_corrupted_data_digit_is_reported() -> None:
    bad = corrupt(corrupt(IID_54, 0), 8 * 6 + 2)  # groups 1 and 9
    groups = split_installation_id(bad)
    assert groups is not None
    assert groups.bad_groups == (1, 9)


def test_every_single_digit_change_by_one_is_caught() -> None:
    # +1 on one digit changes the weighted sum by 1 or 2 (mod 7), or the check digit itself.
    for index in range(len(IID_63)):
        groups = split_installation_id(corrupt(IID_63, index))
        assert groups is not None
        assert groups.bad_groups == (index // 7 + 1,), index


@pytest.mark.parametrize(
    ("group", "ok"),
    [
        ("2530374", True),
        ("2530375", False),
        ("020650", True),
        ("020651", False),
        ("0000000", True),
        ("10", False),
        ("11", True),
        ("77", False),  # 7 % 7 == 0: check digits 7, 8 and 9 never match
        ("70", True),
        ("", False),
        ("1", False),
        ("12a4", False),
        ("12 4", False),
        ("\u0661\u0661", False),  # Arabic-Indic digits are not ASCII digits
    ],
)
def test_group_check_ok(group: str, ok: bool) -> None:
    assert group_check_ok(group) is ok


def test_group_check_matches_the_reference_rule_on_random_groups() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        size = rng.choice([6, 7])
        data = "".join(rng.choice("0123456789") for _ in range(size - 1))
        check = reference_check_digit(data)
        assert group_check_ok(data + str(check))
        for other in range(10):
            if other != check:
                assert not group_check_ok(data + str(other))


@pytest.mark.parametrize(
    "text",
    ["", "1" * 62, "1" * 64, "1" * 48, IID_63 + "0", IID_63[:-1] + "x", IID_63.replace("5", "_")],
)
def test_installation_id_of_wrong_shape_is_none(text: str) -> None:
    assert split_installation_id(text) is None


def make_valid(groups: int, size: int, seed: int) -> str:
    rng = random.Random(seed)
    out = []
    for _ in range(groups):
        data = "".join(rng.choice("0123456789") for _ in range(size - 1))
        out.append(data + str(reference_check_digit(data)))
    return "".join(out)


def test_confirmation_id_is_eight_groups_of_six() -> None:
    cid = make_valid(8, 6, seed=1)
    groups = split_confirmation_id("-".join(cid[i:i + 6] for i in range(0, 48, 6)))
    assert groups is not None
    assert groups.group_size == 6
    assert len(groups.groups) == 8
    assert groups.ok
    broken = split_confirmation_id(corrupt(cid, 6 * 4 + 5))
    assert broken is not None and broken.bad_groups == (5,)


@pytest.mark.parametrize("text", ["", IID_54, IID_63, "1" * 47, "1" * 49, "x" * 48])
def test_confirmation_id_of_wrong_shape_is_none(text: str) -> None:
    assert split_confirmation_id(text) is None
