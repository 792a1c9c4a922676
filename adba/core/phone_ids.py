"""Installation IDs and Confirmation IDs of phone (offline) activation: groups and check digits.

Each group ends in a check digit: the data digits weighted 1, 2, 1, 2, ... from the left,
summed, modulo 7. Verified on a 63-digit (9 x 7) and a 54-digit (9 x 6) Installation ID.
For modern 48-digit Confirmation IDs (8 x 6) the same rule is assumed but unconfirmed.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DigitGroups",
    "group_check_ok",
    "split_confirmation_id",
    "split_installation_id",
]

_ASCII_DIGITS = frozenset("0123456789")
_SEPARATORS = " -"

#: Digit count -> group size.
_IID_LAYOUTS = {63: 7, 54: 6}
_CID_LAYOUTS = {48: 6}


@dataclass(frozen=True)
class DigitGroups:
    """An ID split into its check-digit groups."""

    raw: str
    digits: str
    group_size: int
    groups: tuple[str, ...]
    bad_groups: tuple[int, ...]  # 1-based indexes of groups whose check digit fails

    @property
    def ok(self) -> bool:
        """True when every group's check digit is right."""
        return not self.bad_groups

    def formatted(self, separator: str = "-") -> str:
        """The groups joined by ``separator``."""
        return separator.join(self.groups)


def group_check_ok(group: str) -> bool:
    """True when the last digit of ``group`` is its check digit.

    The check digit is ``sum(d_i * (1 if i is even else 2) for the data digits) % 7`` with
    ``i`` counted from 0 at the left. Groups that are not at least two ASCII digits fail.
    """
    if len(group) < 2 or not set(group) <= _ASCII_DIGITS:
        return False
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(group[:-1]))
    return total % 7 == int(group[-1])


def _split(text: str, layouts: dict[int, int]) -> DigitGroups | None:
    digits = "".join(ch for ch in text if ch not in _SEPARATORS)
    if not digits or not set(digits) <= _ASCII_DIGITS:
        return None
    size = layouts.get(len(digits))
    if size is None:
        return None
    groups = tuple(digits[i:i + size] for i in range(0, len(digits), size))
    bad = tuple(n for n, group in enumerate(groups, start=1) if not group_check_ok(group))
    return DigitGroups(raw=text, digits=digits, group_size=size, groups=groups, bad_groups=bad)


def split_installation_id(text: str) -> DigitGroups | None:
    """Split an Installation ID into groups (spaces and dashes are ignored).

    63 digits give 9 groups of 7, 54 digits 9 groups of 6. Anything else (other lengths,
    other characters) returns None.
    """
    return _split(text, _IID_LAYOUTS)


def split_confirmation_id(text: str) -> DigitGroups | None:
    """Split a Confirmation ID into 8 groups of 6 (48 digits; spaces and dashes ignored).

    The check-digit rule is the one verified for Installation IDs; that it holds for modern
    Confirmation IDs is an assumption. Anything else returns None.
    """
    return _split(text, _CID_LAYOUTS)
