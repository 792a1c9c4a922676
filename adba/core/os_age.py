"""Systems too old for ADBA (before Windows 8 / Server 2012), named as an admin knows them.

The name comes from whatever the report says: the OS name or caption, the product's Name
(``Windows(R) 7, Enterprise edition``), the Description in its pre-Windows 8 form
(``Windows Operating System - Windows Server(R), ...``), the OS build (below 9200), or the
licensing service version (6.0 = Vista / Server 2008, 6.1 = 7 / Server 2008 R2), whose build is
turned into the system's name rather than quoted as a bare version.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from adba.core.client import ClientReport, ProductStatus

ADBA_FIRST_BUILD = 9200

_NAMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Server(?:\s*\(R\)|®)?\s*2008\s*R2", re.IGNORECASE), "Windows Server 2008 R2"),
    (re.compile(r"Server(?:\s*\(R\)|®)?\s*2008", re.IGNORECASE), "Windows Server 2008"),
    (re.compile(r"Server(?:\s*\(R\)|®)?\s*2003", re.IGNORECASE), "Windows Server 2003"),
    (re.compile(r"\bVista\b", re.IGNORECASE), "Windows Vista"),
    (re.compile(r"Windows(?:\s*\(R\)|®)?\s*XP\b", re.IGNORECASE), "Windows XP"),
    (re.compile(r"Windows(?:\s*\(R\)|®)?\s*7\b", re.IGNORECASE), "Windows 7"),
)
_OLD_DESCRIPTION = re.compile(r"^\s*Windows Operating System\s+-\s+", re.IGNORECASE)
_VERSION = re.compile(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class TooOld:
    """A system ADBA cannot activate: its name and the evidence it was read from."""

    name: str
    evidence: tuple[str, ...]


@functools.lru_cache(maxsize=1024)
def _old_name(text: str) -> str | None:
    """The old system ``text`` names, if any (kept: a fleet's reports repeat a few names)."""
    for pattern, found in _NAMES:
        if pattern.search(text):
            return found
    return None


def _pick(server: bool | None, server_name: str, client_name: str, either: str) -> str:
    if server is None:
        return either
    return server_name if server else client_name


def _by_build(build: int, server: bool | None) -> str:
    if build < 6000:
        return "Windows XP / Server 2003"
    if build < 7000:
        return _pick(server, "Windows Server 2008", "Windows Vista", "Windows Vista / Server 2008")
    if build < 8000:
        return _pick(server, "Windows Server 2008 R2", "Windows 7", "Windows 7 / Server 2008 R2")
    return "a Windows release before Windows 8 / Server 2012"


def _version_build(version: str | None) -> tuple[int, int, int | None] | None:
    match = _VERSION.match(version or "")
    if not match:
        return None
    return int(match[1]), int(match[2]), int(match[3]) if match[3] else None


def too_old(report: ClientReport, p: ProductStatus) -> TooOld | None:
    """Whether this product runs on a system before Windows 8 / Server 2012, and which one."""
    evidence: list[str] = []
    name: str | None = None
    for label, text in (("OS", report.os_name), ("OS caption", report.os_caption),
                        ("product", p.name), ("Description", p.description)):
        if not text:
            continue
        found = _old_name(text) if len(text) <= 1000 else _old_name.__wrapped__(text)
        if found is not None:
            name = name or found
            evidence.append(f"{label}: {text}")
    server = None
    for text in (report.os_name, report.os_caption, p.name, p.description):
        if text:
            server = "server" in text.lower()
            break
    build = report.os_build
    if build is None:
        for version in (report.os_version, report.service_version):
            parsed = _version_build(version)
            if parsed and parsed[0] == 6 and parsed[1] in (0, 1):
                build = parsed[2] if parsed[2] else (6000 if parsed[1] == 0 else 7600)
                evidence.append(("OS version " if version == report.os_version else
                                 "licensing service version ") + str(version))
                break
    elif build < ADBA_FIRST_BUILD:
        evidence.append(f"OS build {build}")
    if build is not None and build < ADBA_FIRST_BUILD:
        name = name or _by_build(build, server)
    if name is None and p.description and _OLD_DESCRIPTION.match(p.description):
        name = _pick(server, "Windows Server 2008 / 2008 R2", "Windows Vista / 7",
                     "a Windows release before Windows 8 / Server 2012")
        evidence.append(f"Description in the pre-Windows 8 form: {p.description}")
    if name is None:
        return None
    return TooOld(name, tuple(dict.fromkeys(evidence)))
