"""Extended PID parsing and plausibility checks."""

from __future__ import annotations

import datetime

import pytest

from adba.core.epid import (
    EpidProblem,
    ExtendedPid,
    epid_problems,
    epid_text_problems,
    parse_extended_pid,
)

TODAY = datetime.date(2025, 6, 1)

# From the facts file: Office 2016 KMS host /dlv sample, and the "prompt's example".
OFFICE_HOST = "05426-00206-234-001162-03-1033-9200.0000-0992013"
WS2016_ON_06401 = "06401-03860-000-000000-03-1033-14393.0000-1172016"
FORGED = "00000-01234-000-000000-03-1033-12345.0000-0012025"


def parse(text: str) -> ExtendedPid:
    pid = parse_extended_pid(text)
    assert pid is not None, text
    return pid


def codes(problems: list[EpidProblem]) -> list[str]:
    return [p.code for p in problems]


def test_parses_every_field_of_the_office_host_sample() -> None:
    pid = parse(OFFICE_HOST)
    assert pid == ExtendedPid(
        raw=OFFICE_HOST,
        platform_id=5426,
        group_id=206,
        key_serial=234_001_162,
        key_serial_text="234-001162",
        channel=3,
        lcid=1033,
        build=9200,
        build_minor=0,
        activation_day=99,
        activation_year=2013,
    )
    assert pid.activation_date == datetime.date(2013, 4, 9)  # "0992013 = 9 April 2013"
    assert epid_problems(pid, TODAY) == []


def test_06401_with_build_14393_only_raises_the_low_confidence_platform_build_problem() -> None:
    pid = parse(WS2016_ON_06401)
    assert (pid.platform_id, pid.group_id, pid.key_serial) == (6401, 3860, 0)
    assert pid.build == 14393
    assert pid.activation_date == datetime.date(2016, 4, 26)  # day 117 of a leap year
    problems = epid_problems(pid, TODAY)
    assert codes(problems) == ["platform-build"]
    assert problems[0].low_confidence
    assert "03612" in problems[0].message  # suggests the expected platform for the build


def test_forged_placeholder_is_reported() -> None:
    pid = parse(FORGED)
    assert pid.activation_date == datetime.date(2025, 1, 1)
    problems = epid_problems(pid, TODAY)
    assert "placeholder" in codes(problems)
    assert "platform-build" in codes(problems)
    placeholder = next(p for p in problems if p.code == "placeholder")
    assert not placeholder.low_confidence
    assert "platform id 00000" in placeholder.message
    # all other problems are absent: channel 03, valid past date after 2012
    assert set(codes(problems)) == {"placeholder", "platform-build"}


def test_a_zero_key_id_alone_is_not_a_placeholder() -> None:
    # WS2025 CSVLK key blocks start at key id 0, so 000-000000 alone is legitimate.
    pid = parse("03612-04919-000-000000-03-1033-26100.0000-0452025")
    assert epid_problems(pid, TODAY) == []


def test_zero_group_with_zero_key_is_a_placeholder() -> None:
    pid = parse("03612-00000-000-000000-03-1033-26100.0000-0452025")
    assert codes(epid_problems(pid, TODAY)) == ["placeholder"]


@pytest.mark.parametrize(
    ("text", "lcid", "build", "minor"),
    [
        ("03612-04919-001-234567-03-9-26100.0000-0452025", 9, 26100, 0),
        ("03612-04919-001-234567-03-99999-26100.0000-0452025", 99999, 26100, 0),
        ("05426-00206-001-234567-03-1033-9200.0001-0452013", 1033, 9200, 1),
    ],
)
def test_variable_width_fields(text: str, lcid: int, build: int, minor: int) -> None:
    pid = parse(text)
    assert (pid.lcid, pid.build, pid.build_minor) == (lcid, build, minor)
    assert pid.key_serial == 1_234_567
    assert pid.key_serial_text == "001-234567"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not an epid",
        "0542-00206-234-001162-03-1033-9200.0000-0992013",  # platform 4 digits
        "054260-00206-234-001162-03-1033-9200.0000-0992013",  # platform 6 digits
        "05426-0206-234-001162-03-1033-9200.0000-0992013",  # group 4 digits
        "05426-00206-34-001162-03-1033-9200.0000-0992013",  # key high 2 digits
        "05426-00206-234-01162-03-1033-9200.0000-0992013",  # key low 5 digits
        "05426-00206-234-001162-3-1033-9200.0000-0992013",  # channel 1 digit
        "05426-00206-234-001162-03--9200.0000-0992013",  # empty LCID
        "05426-00206-234-001162-03-103300-9200.0000-0992013",  # LCID 6 digits
        "05426-00206-234-001162-03-1033-920.0000-0992013",  # build 3 digits
        "05426-00206-234-001162-03-1033-920000.0000-0992013",  # build 6 digits
        "05426-00206-234-001162-03-1033-9200.000-0992013",  # minor 3 digits
        "05426-00206-234-001162-03-1033-9200-0992013",  # no minor
        "05426-00206-234-001162-03-1033-9200.0000-992013",  # date 6 digits
        "05426-00206-234-001162-03-1033-9200.0000-09920130",  # date 8 digits
        " 05426-00206-234-001162-03-1033-9200.0000-0992013",  # leading space
        "05426-00206-234-001162-03-1033-9200.0000-0992013\n",  # trailing newline
        "05426-00206-234-001162-03-1033-9200.0000-0992013-1",  # extra field
        "05426_00206_234_001162_03_1033_9200.0000_0992013",  # wrong separators
        "0542\u0666-00206-234-001162-03-1033-9200.0000-0992013",  # Arabic-Indic digit
    ],
)
def test_rejects_malformed_text(text: str) -> None:
    assert parse_extended_pid(text) is None
    assert codes(epid_text_problems(text, TODAY)) == ["format"]


def test_text_problems_on_good_text_match_epid_problems() -> None:
    assert epid_text_problems(FORGED, TODAY) == epid_problems(parse(FORGED), TODAY)


@pytest.mark.parametrize(
    ("date_field", "expected"),
    [
        ("0012024", datetime.date(2024, 1, 1)),
        ("3662024", datetime.date(2024, 12, 31)),  # leap year
        ("3652023", datetime.date(2023, 12, 31)),
        ("3662023", None),  # day 366 in a common year
        ("0002024", None),
        ("3672024", None),
        ("9992024", None),
        ("0010000", None),  # year 0
    ],
)
def test_activation_date(date_field: str, expected: datetime.date | None) -> None:
    pid = parse(f"03612-04919-000-012345-03-1033-26100.0000-{date_field}")
    assert pid.activation_date == expected
    problem_codes = codes(epid_problems(pid, TODAY))
    assert ("day" in problem_codes) == (expected is None)


def test_future_date() -> None:
    pid = parse("03612-04919-000-012345-03-1033-26100.0000-1532025")  # 2 June 2025
    assert pid.activation_date == datetime.date(2025, 6, 2)
    assert codes(epid_problems(pid, TODAY)) == ["future"]
    assert epid_problems(pid, datetime.date(2025, 6, 2)) == []  # same day is fine


def test_before_adba() -> None:
    pid = parse("05426-00206-000-012345-03-1033-9200.0000-3652011")
    assert codes(epid_problems(pid, TODAY)) == ["before-adba"]
    year_zero = parse("03612-04919-000-012345-03-1033-26100.0000-0010000")
    assert codes(epid_problems(year_zero, TODAY)) == ["day", "before-adba"]


@pytest.mark.parametrize("channel", ["00", "01", "02", "04", "99"])
def test_channel_must_be_volume(channel: str) -> None:
    pid = parse(f"03612-04919-000-012345-{channel}-1033-26100.0000-0452025")
    assert codes(epid_problems(pid, TODAY)) == ["channel"]


@pytest.mark.parametrize(
    ("platform", "build", "mismatch"),
    [
        ("55041", "7601", False),
        ("55041", "6002", False),
        ("55041", "9200", True),
        ("05426", "9200", False),
        ("05426", "9600", True),
        ("06401", "9600", False),
        ("06401", "10240", True),
        ("03612", "10240", False),
        ("03612", "26100", False),
        ("03612", "9600", True),
        ("12345", "9600", True),  # unknown platform, but the build's platform is known
        ("12345", "9300", False),  # neither side known: nothing to say
    ],
)
def test_platform_build_pairs(platform: str, build: str, mismatch: bool) -> None:
    pid = parse(f"{platform}-00206-000-012345-03-1033-{build}.0000-0452015")
    problems = epid_problems(pid, TODAY)
    assert codes(problems) == (["platform-build"] if mismatch else [])
    assert all(p.low_confidence for p in problems)
