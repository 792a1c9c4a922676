"""Exit codes, in one place.

0  nothing at or above --fail-on
1  the worst such finding is info, low or medium
2  the worst such finding is high or critical
3  adba could not inspect (connection, bind, bad input file, bad options)
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Protocol

from adba.core.findings import Severity


class ExitCode(IntEnum):
    """Named exit codes."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


STATUS = {ExitCode.OK: "ok", ExitCode.WARNING: "warning", ExitCode.CRITICAL: "critical",
          ExitCode.UNKNOWN: "error"}


class Rated(Protocol):
    """What the exit code looks at: a severity (a Finding, or a finding already in JSON)."""

    @property
    def severity(self) -> Severity: ...


def exit_code_for(findings: Iterable[Rated], fail_on: Severity) -> ExitCode:
    """The exit code for findings, counting only those at or above ``fail_on``."""
    counted = [f.severity.rank for f in findings if f.severity.rank >= fail_on.rank]
    if not counted:
        return ExitCode.OK
    return ExitCode.CRITICAL if max(counted) >= Severity.HIGH.rank else ExitCode.WARNING


def exit_code_of(result: object, fail_on: Severity) -> ExitCode:
    """A result's exit code: from its findings at or above ``fail_on``; a lookup that found
    nothing (``outcome == "incomplete"``), or a diff that found a change (``"changed"``), is at
    least 1."""
    severities = getattr(result, "severities", None)  # (a diagnosis encoded in the workers)
    code = exit_code_for(severities() if callable(severities) else getattr(result, "findings", ()),
                         fail_on)
    if getattr(result, "outcome", "complete") != "complete" and code is ExitCode.OK:
        return ExitCode.WARNING
    return code
