"""Schema ``objectVersion`` values and the Windows Server release whose adprep sets them."""

from __future__ import annotations

SCHEMA_RELEASES: dict[int, str] = {
    13: "Windows 2000 Server",
    30: "Windows Server 2003",
    31: "Windows Server 2003 R2",
    44: "Windows Server 2008",
    47: "Windows Server 2008 R2",
    56: "Windows Server 2012",
    69: "Windows Server 2012 R2",
    87: "Windows Server 2016",
    88: "Windows Server 2019 / 2022",
    91: "Windows Server 2025",
}

ADBA_MIN_SCHEMA_VERSION = 56
"""Sch48.ldf (Windows Server 2012 adprep) brings the msSPP classes; 56 is a fully prepared 2012 schema."""

FUNCTIONAL_LEVELS: dict[int, str] = {
    0: "Windows 2000",
    1: "Windows Server 2003 interim",
    2: "Windows Server 2003",
    3: "Windows Server 2008",
    4: "Windows Server 2008 R2",
    5: "Windows Server 2012",
    6: "Windows Server 2012 R2",
    7: "Windows Server 2016",
    10: "Windows Server 2025",
}


def schema_release(version: int | None) -> str:
    """Name the release for an objectVersion; unknown values say between which releases they lie."""
    if version is None:
        return "unknown"
    if version in SCHEMA_RELEASES:
        return SCHEMA_RELEASES[version]
    lower = [v for v in SCHEMA_RELEASES if v < version]
    higher = [v for v in SCHEMA_RELEASES if v > version]
    if lower and higher:
        return (f"between {SCHEMA_RELEASES[max(lower)]} and {SCHEMA_RELEASES[min(higher)]} "
                "(a partly applied adprep?)")
    if lower:
        return f"newer than {SCHEMA_RELEASES[max(lower)]}"
    return f"older than {SCHEMA_RELEASES[min(higher)]}"


def functional_level(level: int | None) -> str:
    """Name a forest or domain functional level."""
    if level is None:
        return "unknown"
    return FUNCTIONAL_LEVELS.get(level, f"level {level}")
