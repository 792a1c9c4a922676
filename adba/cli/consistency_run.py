"""``adba consistency`` (and ``adba scan --all-dcs``): find the DCs, read each one, compare.

The DC list is ``--dc`` as given, else every DC the directory lists (read from the DC that
``--server``/``--domain`` reaches); credentials are asked once and used for every DC; the
reads run in a bounded pool. The comparison and the findings are the pure core's
(:mod:`adba.core.consistency`, :mod:`adba.core.rules.consistency`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from adba.cli.sources import LiveOptions
from adba.core.consistency import ConsistencyReport, DcCopy, DomainController, compare
from adba.core.results import ConsistencyResult
from adba.errors import ConnectionFailed, UsageError

ONE_DC = "only one domain controller was read: there is nothing to compare it with"


def check_consistency(*, live: LiveOptions, dcs: Sequence[str], snapshots: Sequence[Path],
                      workers: int, progress: Callable[[str], None]) -> ConsistencyResult:
    """Read every DC (or snapshot), compare the copies and judge them."""
    from adba.core.rules.consistency import consistency_findings

    if workers < 1:
        raise UsageError("--parallel must be at least 1")
    if snapshots:
        if dcs or live.server or live.domain:
            raise UsageError("--snapshot compares files; --dc/--server/--domain would be ignored",
                             "drop one of them")
        copies = _snapshot_copies(snapshots)
        report = compare(copies, notes=[ONE_DC] if len(copies) == 1 else [])
    else:
        report = read_forest_dcs(live, dcs, workers, progress)
    findings = tuple(consistency_findings(report))
    return ConsistencyResult(report=report, findings=findings, notes=report.notes)


def _unique(name: str, seen: set[str]) -> str:
    candidate, n = name, 2
    while candidate.lower() in seen:
        candidate, n = f"{name}#{n}", n + 1
    seen.add(candidate.lower())
    return candidate


def _snapshot_copies(paths: Sequence[Path]) -> list[DcCopy]:
    from adba.adapters.decode import decode_forest
    from adba.adapters.snapshot import read_snapshot

    seen: set[str] = set()
    copies = []
    for path in paths:
        raw = read_snapshot(path)
        name = _unique(raw.source.server or path.name, seen)
        copies.append(DcCopy(DomainController(name=name, origin="snapshot", port=raw.source.port),
                             decode_forest(raw)))
    return copies


def _given_dcs(texts: Sequence[str], live: LiveOptions) -> list[DomainController]:
    from adba.adapters.ldap.target import Transport, parse_server

    transport = Transport.PLAIN if live.plain else (Transport.LDAPS if live.ldaps
                                                    else Transport.STARTTLS)
    seen: set[str] = set()
    out = []
    for text in texts:
        endpoint = parse_server(text, transport)
        key = f"{endpoint.host}:{endpoint.port}".lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(DomainController(name=endpoint.host, port=endpoint.port, origin="--dc"))
    return out


def read_forest_dcs(live: LiveOptions, dc_texts: Sequence[str], workers: int,
                    progress: Callable[[str], None]) -> ConsistencyReport:
    """The live path: the DC list, each DC's copy, the DNS cross-check; compared."""
    from adba.adapters.decode import decode_forest
    from adba.adapters.ldap.dcs import read_all, resolve_names
    from adba.cli.sources import connect_options

    notes: list[str] = []
    bound: dict[str, Any] = {}
    dns_checked = False
    dns_only: list[str] = []
    if dc_texts:
        if live.server or live.domain:
            raise UsageError("--dc lists the DCs to compare; --server/--domain would be ignored",
                             "drop --server/--domain, or drop --dc to compare every DC the "
                             "directory lists")
        if live.server_name:
            raise UsageError("--server-name names one DC's service principal; with --dc each "
                             "DC is named by itself", "give each --dc by its full DNS name")
        dcs = _given_dcs(dc_texts, live)
        options = connect_options(replace(live, server=dc_texts[0]), preflight=False)
        options = replace(options, server=None)
        ends_at = time.monotonic() + live.deadline
    else:
        options = connect_options(live)
        ends_at = time.monotonic() + live.deadline
        dcs, bound, dns_checked, dns_only, more = _discover(live, options, progress)
        notes.extend(more)
        options = replace(options, server_name=None)  # it named the seed DC only
    if live.dns_server:
        from adba.adapters.ldap.discovery import make_resolver

        dcs = resolve_names(dcs, make_resolver(live.dns_server, live.timeout))
    progress(f"reading {len(dcs)} domain controller(s)")
    reads = read_all(dcs, options, ends_at=ends_at, progress=progress, workers=workers,
                     bound=bound)
    copies = [DcCopy(r.dc, decode_forest(r.raw) if r.raw is not None else None, r.error,
                     r.options, r.seconds) for r in reads]
    if not any(c.readable for c in copies):
        raise ConnectionFailed(
            "no domain controller could be read: "
            + "; ".join(f"{c.dc.label}: {c.error}" for c in copies),
            "check the names, the network and the credentials; 'adba scan --server DC' shows "
            "one DC's error in full")
    if len(copies) == 1:
        notes.append(ONE_DC)
    if live.insecure:
        notes.append("the DC certificates were not validated (--insecure): what was read may "
                     "not come from the DCs named")
    return compare(copies, dns_checked=dns_checked, dns_only=dns_only, notes=notes,
                   seed=next(iter(bound), None))


def _discover(live: LiveOptions, options: Any, progress: Callable[[str], None]
              ) -> tuple[list[DomainController], dict[str, Any], bool, list[str], list[str]]:
    """Connect to the DC ``--server``/``--domain`` reaches and list the forest's DCs from its
    directory; cross-check with DNS SRV records when ``--domain``/``--dns-server`` is given."""
    from adba.adapters.ldap.connection import connect
    from adba.adapters.ldap.dcs import directory_dcs, srv_hosts

    progress("finding the domain controllers")
    directory, session = connect(options)
    try:
        root = directory.root_dse(["configurationNamingContext", "dsServiceName"])
        attrs = {k.lower(): bytes(v[0]).decode("utf-8", "replace")
                 for k, v in (root.attributes if root else {}).items() if v}
        config_nc = attrs.get("configurationnamingcontext")
        if not config_nc:
            raise ConnectionFailed(f"{session.endpoint.display} did not name its configuration "
                                   "partition; is this an Active Directory domain controller?")
        found = directory_dcs(directory, config_nc)
    except BaseException:
        directory.close()
        raise
    seed_ntds = attrs.get("dsservicename", "").lower()
    endpoint = session.endpoint
    dcs: list[DomainController] = []
    bound: dict[str, Any] = {}
    for dc, _domain in found:
        if dc.ntds_dn and dc.ntds_dn.lower() == seed_ntds:
            dc = replace(dc, address=endpoint.address or endpoint.host, port=endpoint.port)
            bound[dc.name] = (directory, session)
        dcs.append(dc)
    notes: list[str] = []
    if not bound:  # the directory does not list the DC we are bound to: compare it anyway
        seed = DomainController(name=endpoint.host, port=endpoint.port, origin="seed")
        dcs.insert(0, seed)
        bound[seed.name] = (directory, session)
        notes.append(f"{endpoint.host} is not among the nTDSDSA objects of the directory it "
                     "serves; it was compared under the name it was reached by")
    dns_checked = False
    dns_only: list[str] = []
    if live.domain or live.dns_server:
        from adba.adapters.ldap.discovery import make_resolver

        resolver = make_resolver(live.dns_server, live.timeout)
        domain_of = {dc.name: domain for dc, domain in found}
        hosts, failures = srv_hosts(list(domain_of.values()), resolver)
        listed = {name for names in hosts.values() for name in names}
        known = {dc.name for dc in dcs}
        dcs = [replace(dc, in_dns=dc.name in listed)
               if dc.origin == "directory" and domain_of.get(dc.name) in hosts else dc
               for dc in dcs]
        dns_only = sorted(listed - known)
        dns_checked = True
        if failures:
            notes.append("some DNS SRV lookups failed, so the cross-check is partial: "
                         + "; ".join(failures))
    else:
        notes.append("DNS SRV records were not cross-checked (give --domain or --dns-server)")
    return dcs, bound, dns_checked, dns_only, notes
