"""Rules on the CSVLK extended PID (msSPP-CSVLKPid)."""

from __future__ import annotations

from collections.abc import Iterator

from adba.core.epid import epid_problems
from adba.core.findings import Finding, RuleText, Severity, make_finding
from adba.core.models import ForestData
from adba.core.rules import RuleContext
from adba.core.rules.objects import DELETE_HINT

MALFORMED_PID = RuleText(
    "ADBA-PID-001", Severity.HIGH,
    "The CSVLK extended PID is malformed",
    "msSPP-CSVLKPid holds the CSVLK's extended PID, "
    "PPPPP-GGGGG-KKK-KKKKKK-CC-LLLL-BBBBB.0000-DDDYYYY (platform, group, key serial, channel, "
    "language, build, activation day and year). A value of another shape was not written by "
    "the activation service.",
    "Delete the object and activate the forest again: " + DELETE_HINT,
)
IMPLAUSIBLE_PID = RuleText(
    "ADBA-PID-002", Severity.MEDIUM,
    "The CSVLK extended PID is implausible",
    "The PID parses, but a field cannot be right for a forest activation: the channel of a CSVLK "
    "is always 03 (volume), the activation day must be a real day, not in the future and not "
    "before ADBA existed (2012).",
    "Check where the object came from; if it was not created by the activation tools, delete "
    "it: " + DELETE_HINT,
)
PLATFORM_BUILD = RuleText(
    "ADBA-PID-003", Severity.INFO,
    "The PID's platform id and build number do not agree",
    "Each Windows build family has its own platform id in extended PIDs (05426 = 9200, "
    "06401 = 9600, 03612 = 10240 and later). Real PIDs do not always agree, so this is only "
    "a hint, worth a look together with other findings on the same object.",
    "No action needed on its own.",
)
RULES = (MALFORMED_PID, IMPLAUSIBLE_PID, PLATFORM_BUILD)


def check_pids(data: ForestData, context: RuleContext) -> Iterator[Finding]:
    """Malformed and implausible extended PIDs (placeholders are ADBA-FORGE-003)."""
    today = context.today
    for obj in data.objects:
        if obj.csvlk_pid is None:
            continue
        if obj.extended_pid is None:
            yield make_finding(MALFORMED_PID, obj.dn, [f"msSPP-CSVLKPid: {obj.csvlk_pid!r}"])
            continue
        problems = epid_problems(obj.extended_pid, today)
        implausible = [p for p in problems if p.code not in ("platform-build", "placeholder")]
        if implausible:
            yield make_finding(IMPLAUSIBLE_PID, obj.dn, [
                f"msSPP-CSVLKPid: {obj.csvlk_pid}", *(p.message for p in implausible)])
        if any(p.code == "platform-build" for p in problems):
            yield make_finding(PLATFORM_BUILD, obj.dn, [
                f"msSPP-CSVLKPid: {obj.csvlk_pid}",
                *(p.message for p in problems if p.code == "platform-build")])


CHECKS = (check_pids,)
