"""Extended product ID (ePID) parsing and plausibility checks.

An ePID looks like ``05426-00206-234-001162-03-1033-9200.0000-0992013``::

    PPPPP-GGGGG-KKK-KKKKKK-CC-LLLL-BBBBB.BBBB-DDDYYYY

platform id, CSVLK group id, key id (``KKK * 1_000_000 + KKKKKK``), licence channel, LCID,
host OS build and minor, and the activation date as a 1-based day of year plus a 4-digit year.
"""

from __future__ import annotations

import datetime
import itertools
import re
from dataclasses import dataclass

from adba.core.fast_init import fast_init

__all__ = [
    "ADBA_FIRST_YEAR",
    "KNOWN_PLATFORM_BUILDS",
    "EpidProblem",
    "ExtendedPid",
    "epid_problems",
    "epid_text_problems",
    "parse_extended_pid",
]

# [0-9] rather than \d: \d would also accept non-ASCII digits.
_EPID_RE = re.compile(
    r"(?P<platform>[0-9]{5})"
    r"-(?P<group>[0-9]{5})"
    r"-(?P<key_hi>[0-9]{3})"
    r"-(?P<key_lo>[0-9]{6})"
    r"-(?P<channel>[0-9]{2})"
    r"-(?P<lcid>[0-9]{1,5})"
    r"-(?P<build>[0-9]{4,5})\.(?P<build_minor>[0-9]{4})"
    r"-(?P<day>[0-9]{3})(?P<year>[0-9]{4})"
)

#: ADBA arrived with Windows Server 2012 / Windows 8; no genuine CSVLK ePID in an
#: activation object can carry an earlier activation year.
ADBA_FIRST_YEAR = 2012

#: Volume licence channel; always ``03`` for KMS host keys (CSVLKs).
VOLUME_CHANNEL = 3

#: Known platform id -> (lowest build, highest build) pairs, both inclusive; ``None`` = open.
#: Third-party data (py-kms, kmsrsos); real ePIDs do not always agree with it.
KNOWN_PLATFORM_BUILDS: dict[int, tuple[int | None, int | None]] = {
    55041: (None, 9199),  # Vista / 7 / Server 2008 (R2)
    5426: (9200, 9200),  # Windows 8 / Server 2012
    6401: (9600, 9600),  # Windows 8.1 / Server 2012 R2
    3612: (10240, None),  # Windows 10 / Server 2016 and later
}


@fast_init
@dataclass(frozen=True)
class ExtendedPid:
    """The fields of a syntactically valid extended PID."""

    raw: str
    platform_id: int
    group_id: int
    key_serial: int
    key_serial_text: str
    channel: int
    lcid: int
    build: int
    build_minor: int
    activation_day: int
    activation_year: int

    @property
    def activation_date(self) -> datetime.date | None:
        """The activation date, or None when the day/year pair is not a real date."""
        return _day_of_year(self.activation_year, self.activation_day)


@fast_init
@dataclass(frozen=True)
class EpidProblem:
    """One plausibility problem found in an ePID.

    ``code`` is stable (``format``, ``channel``, ``day``, ``future``, ``before-adba``,
    ``platform-build``, ``placeholder``); ``message`` is for people. ``low_confidence`` is
    True for heuristics that genuine ePIDs are known to trip (``platform-build``).
    """

    code: str
    message: str
    low_confidence: bool = False


def _day_of_year(year: int, day: int) -> datetime.date | None:
    if not 1 <= day <= 366 or not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        return None
    date = datetime.date(year, 1, 1) + datetime.timedelta(days=day - 1)
    if date.year != year:  # day 366 in a common year
        return None
    return date


def parse_extended_pid(text: str) -> ExtendedPid | None:
    """Parse ``PPPPP-GGGGG-KKK-KKKKKK-CC-LLLL-BBBBB.BBBB-DDDYYYY``.

    Fixed-width fields must have exactly their width; the LCID has 1-5 digits and the build
    4-5 digits followed by a 4-digit minor. The whole string must match (no surrounding
    whitespace is stripped; callers strip it if they want to). Returns None when ``text`` is
    not of that form. The date is not validated here; see :func:`epid_problems`.
    """
    match = _EPID_RE.fullmatch(text)
    if match is None:
        return None
    key_hi = match["key_hi"]
    key_lo = match["key_lo"]
    return ExtendedPid(
        raw=text,
        platform_id=int(match["platform"]),
        group_id=int(match["group"]),
        key_serial=int(key_hi) * 1_000_000 + int(key_lo),
        key_serial_text=f"{key_hi}-{key_lo}",
        channel=int(match["channel"]),
        lcid=int(match["lcid"]),
        build=int(match["build"]),
        build_minor=int(match["build_minor"]),
        activation_day=int(match["day"]),
        activation_year=int(match["year"]),
    )


def _expected_platform(build: int) -> int | None:
    for platform, (low, high) in KNOWN_PLATFORM_BUILDS.items():
        if (low is None or build >= low) and (high is None or build <= high):
            return platform
    return None


def _platform_build_problem(pid: ExtendedPid) -> EpidProblem | None:
    expected = _expected_platform(pid.build)
    known_range = KNOWN_PLATFORM_BUILDS.get(pid.platform_id)
    if known_range is not None:
        low, high = known_range
        if (low is None or pid.build >= low) and (high is None or pid.build <= high):
            return None
    elif expected is None:
        return None  # neither the platform nor the build is in the known table
    hint = f"; build {pid.build} usually goes with platform {expected:05d}" if expected else ""
    return EpidProblem(
        "platform-build",
        f"platform id {pid.platform_id:05d} does not match host build {pid.build}{hint} "
        "(low confidence: genuine ePIDs do not always agree)",
        low_confidence=True,
    )


def _is_ascending_run(text: str) -> bool:
    """True for runs like ``01234`` or ``123456`` (each digit one more than the last)."""
    if len(text) < 4:
        return False
    return all(int(b) == int(a) + 1 for a, b in itertools.pairwise(text))


def _placeholder_signs(pid: ExtendedPid) -> list[str]:
    key_hi, _, key_lo = pid.key_serial_text.partition("-")
    signs: list[str] = []
    if pid.platform_id == 0:
        signs.append("platform id 00000")
    if pid.group_id == 0:
        signs.append("group id 00000")
    if pid.key_serial == 0:
        signs.append("key id 000-000000")
    if pid.lcid == 0:
        signs.append("LCID 0")
    if pid.build == 0:
        signs.append("build 0")
    fields = (
        ("group id", f"{pid.group_id:05d}"),
        ("key id", key_hi + key_lo),
        ("build", str(pid.build)),
    )
    signs.extend(f"{name} {text} is a counting sequence" for name, text in fields
                 if _is_ascending_run(text))
    return signs


def epid_problems(pid: ExtendedPid, today: datetime.date) -> list[EpidProblem]:
    """Plausibility checks for a CSVLK ePID as stored in an activation object.

    Reports, in this order: ``channel`` (not 03 = volume), ``day`` (day not 1..366 or no
    such date), ``future`` (activation date after ``today``), ``before-adba`` (year before
    2012), ``placeholder`` (a zero platform, group or key id together with other zeroed or
    counting-sequence fields, as in hand-forged objects) and ``platform-build`` (platform id
    and build disagree with the known pairs; ``low_confidence``). An empty list means no
    problem was found, not that the ePID is genuine.
    """
    problems: list[EpidProblem] = []
    if pid.channel != VOLUME_CHANNEL:
        problems.append(EpidProblem(
            "channel", f"channel {pid.channel:02d} is not 03 (volume); CSVLK ePIDs use 03"))
    date = pid.activation_date
    if date is None:
        problems.append(EpidProblem(
            "day",
            f"activation date {pid.activation_day:03d}{pid.activation_year:04d} is not a real "
            f"date (day {pid.activation_day} of year {pid.activation_year})"))
    elif date > today:
        problems.append(EpidProblem(
            "future", f"activation date {date.isoformat()} is after today ({today.isoformat()})"))
    if pid.activation_year < ADBA_FIRST_YEAR:
        problems.append(EpidProblem(
            "before-adba",
            f"activation year {pid.activation_year} is before {ADBA_FIRST_YEAR}, when "
            "Active Directory-based activation was introduced"))
    signs = _placeholder_signs(pid)
    core_zero = pid.platform_id == 0 or pid.group_id == 0 or pid.key_serial == 0
    if core_zero and len(signs) >= 2:
        problems.append(EpidProblem(
            "placeholder", "looks like a hand-made placeholder: " + ", ".join(signs)))
    mismatch = _platform_build_problem(pid)
    if mismatch is not None:
        problems.append(mismatch)
    return problems


def epid_text_problems(text: str, today: datetime.date) -> list[EpidProblem]:
    """Like :func:`epid_problems` for raw text; a single ``format`` problem if it doesn't parse."""
    pid = parse_extended_pid(text)
    if pid is None:
        return [EpidProblem(
            "format",
            f"{text!r} is not an extended PID "
            "(PPPPP-GGGGG-KKK-KKKKKK-CC-LLLL-BBBBB.BBBB-DDDYYYY)")]
    return epid_problems(pid, today)
