"""KMS as clients report it: which host activated them (and how it was found), what the host's
extended PID says about its CSVLK, and what a KMS host's own counters mean.

A genuine KMS host's ePID names the group of its CSVLK and a key serial inside one of that
CSVLK's key blocks. A "host" whose ePID matches no CSVLK key block is not a Microsoft KMS host:
it is an emulator answering on port 1688.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from adba.core.catalog import Catalog, Csvlk
from adba.core.client import KmsClient, KmsHost
from adba.core.epid import EpidProblem, ExtendedPid, epid_problems, parse_extended_pid
from adba.core.fast_init import fast_init
from adba.core.kms_emulators import EmulatorEntry, EmulatorList, normalise_host

CLIENT_THRESHOLD = 25
"""A KMS host activates Windows client editions once it has counted 25 machines."""
SERVER_THRESHOLD = 5
"""Windows Server editions (and Office) are activated from a count of 5."""
COUNT_CAP = 50
"""The count a KMS host keeps never exceeds 50 (twice the largest threshold)."""


@fast_init
@dataclass(frozen=True)
class HostEpid:
    """A KMS host's extended PID, decoded and matched against the catalog's CSVLKs."""

    raw: str
    parsed: ExtendedPid | None
    csvlks: tuple[Csvlk, ...]
    """CSVLKs of the ePID's group whose key blocks hold its key serial (usually one)."""
    group_known: bool
    """Whether any CSVLK in the catalog has the ePID's group id."""
    problems: tuple[EpidProblem, ...]
    listed: EmulatorEntry | None
    """The public emulator list names this exact ePID."""

    @property
    def matches_no_csvlk(self) -> bool:
        """Parsed, but its key serial lies in no CSVLK key block of the catalog."""
        return self.parsed is not None and not self.csvlks

    @property
    def csvlk_names(self) -> str:
        """The matching CSVLKs' names, or a dash."""
        return "; ".join(c.name for c in self.csvlks) or "—"

    def describe(self) -> str:
        """One evidence line: the ePID and what it decodes to."""
        pid = self.parsed
        if pid is None:
            return f"host ePID {self.raw!r} is not an extended PID"
        date = pid.activation_date
        fields = (f"group {pid.group_id}, key serial {pid.key_serial_text}, host build {pid.build}"
                  + (f", host key activated {date.isoformat()}" if date else ""))
        if self.csvlks:
            return f"host ePID {self.raw}: CSVLK {self.csvlk_names} ({fields})"
        where = ("no key block of that group holds the serial" if self.group_known
                 else "no CSVLK in the catalog has that group")
        return f"host ePID {self.raw}: matches no CSVLK ({fields}; {where})"


def identify_epid(text: str, catalog: Catalog, today: datetime.date,
                  emulators: EmulatorList) -> HostEpid:
    """Decode a KMS host ePID and find the CSVLK(s) its group and key serial belong to."""
    raw = text.strip()
    pid = parse_extended_pid(raw)
    listed = emulators.epid(raw)
    if pid is None:
        return HostEpid(raw, None, (), False, (), listed)
    same_group = [c for c in catalog.csvlks if c.group_id == pid.group_id]
    matching = tuple(c for c in same_group if c.has_key_id(pid.key_serial))
    problems = tuple(p for p in epid_problems(pid, today) if p.code != "before-adba")
    return HostEpid(raw, pid, matching, bool(same_group), problems, listed)


@fast_init
@dataclass(frozen=True)
class KmsClientView:
    """The KMS-client block of one product, as an admin reads it."""

    host: str | None
    port: int | None
    found_by: str | None
    """``registered`` (set with slmgr /skms), ``dns`` (found through _vlmcs._tcp SRV records)
    or None when the report names no host."""
    lookup_domain: str | None
    ip: str | None
    host_epid: HostEpid | None
    activation_interval: int | None
    renewal_interval: int | None
    host_caching: bool | None
    cmid: str | None
    listed_host: EmulatorEntry | None
    """The public emulator list names the host."""

    @property
    def host_text(self) -> str:
        """``host:port (found by DNS)`` or a dash."""
        if not self.host:
            return "—"
        port = f":{self.port}" if self.port else ""
        how = {"registered": "registered with slmgr /skms",
               "dns": "found by DNS"}.get(self.found_by or "", "")
        return f"{self.host}{port}" + (f" ({how})" if how else "")

    @property
    def intervals_text(self) -> str:
        """``activation every 120 min, renewal every 10080 min (7 days)``."""
        parts = []
        if self.activation_interval is not None:
            parts.append(f"activation retry every {self.activation_interval} min")
        if self.renewal_interval is not None:
            days = f" ({self.renewal_interval // 1440} days)" if self.renewal_interval >= 1440 \
                and self.renewal_interval % 1440 == 0 else ""
            parts.append(f"renewal every {self.renewal_interval} min{days}")
        return ", ".join(parts) or "—"

    @property
    def caching_text(self) -> str:
        """``enabled``, ``disabled`` or a dash."""
        return {True: "enabled", False: "disabled", None: "—"}[self.host_caching]


def client_view(k: KmsClient, catalog: Catalog, today: datetime.date,
                emulators: EmulatorList,
                identify: Callable[[str, datetime.date], HostEpid] | None = None) -> KmsClientView:
    """Decode a product's KMS-client block; ``identify`` decodes the host ePID (by default
    :func:`identify_epid` with this catalog and emulator list; a caller may keep its answers)."""
    if k.registered_host:
        host, port, found = k.registered_host, k.registered_port, "registered"
    elif k.discovered_host:
        host, port, found = k.discovered_host, k.discovered_port, "dns"
    elif k.contacted_host:
        host, port, found = k.contacted_host, k.contacted_port, None
    else:
        host, port, found = None, None, None
    if not k.host_pid:
        epid = None
    elif identify is not None:
        epid = identify(k.host_pid, today)
    else:
        epid = identify_epid(k.host_pid, catalog, today, emulators)
    listed = emulators.host(host) or (emulators.host(k.host_ip) if k.host_ip else None)
    return KmsClientView(host, port, found, k.lookup_domain, k.host_ip, epid,
                         k.activation_interval, k.renewal_interval, k.host_caching, k.cmid, listed)


def threshold_text(count: int | None, office: bool = False) -> str:
    """What a KMS host with this count activates."""
    if count is None:
        return "count unknown"
    if count > COUNT_CAP:
        return (f"count {count} is above {COUNT_CAP}, which a Microsoft KMS host never reports")
    if office:
        return ("activates Office clients" if count >= SERVER_THRESHOLD else
                f"activates nothing yet: Office needs a count of {SERVER_THRESHOLD}")
    if count >= CLIENT_THRESHOLD:
        return "activates Windows client and server editions"
    if count >= SERVER_THRESHOLD:
        return (f"activates Windows Server editions only: client editions need a count of "
                f"{CLIENT_THRESHOLD}")
    return (f"activates nothing yet: Windows Server editions need a count of {SERVER_THRESHOLD}, "
            f"client editions {CLIENT_THRESHOLD}")


def host_requests_text(h: KmsHost) -> str:
    """``826 received, 0 failed; Licensed 826`` or a dash."""
    parts = []
    if h.total_requests is not None:
        parts.append(f"{h.total_requests} received")
    if h.failed_requests is not None:
        parts.append(f"{h.failed_requests} failed")
    text = ", ".join(parts)
    by = [f"{label} {n}" for label, n in h.requests_by_status if n]
    if by:
        text += ("; " if text else "") + ", ".join(by)
    return text or "—"


def same_host(a: str | None, b: str | None) -> bool:
    """Whether two host names as reported (any case, with or without port) are the same."""
    na, nb = normalise_host(a), normalise_host(b)
    return bool(na and nb and na == nb)
