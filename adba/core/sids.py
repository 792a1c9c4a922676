"""Names of well-known security identifiers (SIDs) met in Active Directory DACLs."""

from __future__ import annotations

import re

__all__ = [
    "DOMAIN_RIDS",
    "WELL_KNOWN_SIDS",
    "domain_rid",
    "well_known_name",
]

#: Fixed well-known SIDs (the same in every domain).
WELL_KNOWN_SIDS: dict[str, str] = {
    "S-1-0-0": "Nobody",
    "S-1-1-0": "Everyone",
    "S-1-3-0": "Creator Owner",
    "S-1-3-1": "Creator Group",
    "S-1-5-2": "Network",
    "S-1-5-4": "Interactive",
    "S-1-5-6": "Service",
    "S-1-5-7": "Anonymous Logon",
    "S-1-5-9": "Enterprise Domain Controllers",
    "S-1-5-10": "Principal Self",
    "S-1-5-11": "Authenticated Users",
    "S-1-5-12": "Restricted",
    "S-1-5-18": "Local System",
    "S-1-5-19": "Local Service",
    "S-1-5-20": "Network Service",
    "S-1-5-32-544": "Administrators",
    "S-1-5-32-545": "Users",
    "S-1-5-32-546": "Guests",
    "S-1-5-32-548": "Account Operators",
    "S-1-5-32-549": "Server Operators",
    "S-1-5-32-550": "Print Operators",
    "S-1-5-32-551": "Backup Operators",
    "S-1-5-32-554": "Pre-Windows 2000 Compatible Access",
    "S-1-5-32-560": "Windows Authorization Access Group",
}

#: Relative IDs of well-known accounts and groups inside a domain (``<domain SID>-<RID>``).
DOMAIN_RIDS: dict[int, str] = {
    498: "Enterprise Read-only Domain Controllers",
    500: "Administrator",
    501: "Guest",
    502: "krbtgt",
    512: "Domain Admins",
    513: "Domain Users",
    514: "Domain Guests",
    515: "Domain Computers",
    516: "Domain Controllers",
    517: "Cert Publishers",
    518: "Schema Admins",
    519: "Enterprise Admins",
    520: "Group Policy Creator Owners",
    521: "Read-only Domain Controllers",
    522: "Cloneable Domain Controllers",
    525: "Protected Users",
    526: "Key Admins",
    527: "Enterprise Key Admins",
}

# S-1-5-21-<a>-<b>-<c>-<rid>: a domain SID has exactly three sub-authorities after 21.
_DOMAIN_SID_RE = re.compile(r"(S-1-5-21-[0-9]+-[0-9]+-[0-9]+)-([0-9]+)", re.IGNORECASE)


def _canonical(sid: str) -> str:
    return "S" + sid[1:] if sid[:1] == "s" else sid


def domain_rid(sid: str) -> tuple[str, int] | None:
    """Split ``S-1-5-21-a-b-c-RID`` into ``("S-1-5-21-a-b-c", RID)``; None for other SIDs."""
    match = _DOMAIN_SID_RE.fullmatch(sid)
    if match is None:
        return None
    return _canonical(match.group(1)), int(match.group(2))


def well_known_name(sid: str, domain_sid: str | None) -> str | None:
    """The well-known name of ``sid``, or None.

    Fixed SIDs (``S-1-5-11`` and so on) are always named. A domain-relative SID
    (``S-1-5-21-a-b-c-RID``) is named from its RID when ``domain_sid`` is None (best effort)
    or equals its domain part; when ``domain_sid`` is given and differs, None is returned,
    since e.g. RID 519 names Enterprise Admins only in the forest root domain.
    """
    name = WELL_KNOWN_SIDS.get(_canonical(sid))
    if name is not None:
        return name
    split = domain_rid(sid)
    if split is None:
        return None
    domain, rid = split
    if domain_sid is not None and _canonical(domain_sid) != domain:
        return None
    return DOMAIN_RIDS.get(rid)
