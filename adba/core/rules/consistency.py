"""Rules on per-DC consistency: do all domain controllers serve the same activation objects?

These rules judge a :class:`~adba.core.consistency.ConsistencyReport` (``adba consistency``,
``adba scan --all-dcs``), not one forest copy, so ``CHECKS`` is empty: see
:func:`consistency_findings`. Remediation commands are printed, never run.
"""

from __future__ import annotations

from adba.core.consistency import Comparison, ConsistencyReport, Copy, DcCopy
from adba.core.findings import Finding, RuleText, Severity, make_finding

_CHECK = ("Check replication: repadmin /showrepl {dc} (Windows) or samba-tool drs showrepl "
          "{dc} (Samba)")
_FORCE = ("force it: repadmin /replicate {dc} {source} \"{nc}\" (or repadmin /syncall {dc} "
          "\"{nc}\" /e to pull from every partner), or samba-tool drs replicate {dc} {source} "
          "\"{nc}\"")

UNREACHABLE = RuleText(
    "ADBA-REPL-001", Severity.MEDIUM,
    "A domain controller could not be read",
    "Clients read activation objects from whichever DC they reach. A DC that adba could not "
    "read may serve a different set of objects (or none), and nothing here can tell; the "
    "other DCs were still compared.",
    "Check that the DC is up and that LDAP (TCP 636, or 389) is open from here, then run adba "
    "again; " + _CHECK.format(dc="{subject}") + ".",
)
OBJECT_MISSING = RuleText(
    "ADBA-REPL-002", Severity.HIGH,
    "An activation object is missing on some domain controllers",
    "The Configuration partition is replicated to every DC of the forest, so every DC should "
    "serve the same activation objects. This one is served by some DCs and not others: either "
    "the DCs without it have not received its creation, or the others have not received its "
    "deletion. Clients that reach one set activate, the others do not (or still use an object "
    "that was removed).",
    _CHECK.format(dc="<dc>") + "; compare the object's replication metadata with repadmin "
    "/showobjmeta <dc> \"{subject}\"; then " + _FORCE.format(dc="<dc>", source="<source>",
                                                              nc="<configuration NC>") + ".",
)
_RESYNC = (_CHECK.format(dc="<dc>") + "; then "
           + _FORCE.format(dc="<dc>", source="<source>", nc="<configuration NC>") + ".")
"""Check replication on the DC that differs, then force it from the DC that is right."""

OBJECT_DIFFERS = RuleText(
    "ADBA-REPL-003", Severity.HIGH,
    "An activation object's values differ between domain controllers",
    "Two DCs serve the same activation object with different attribute values (compared value "
    "by value, licence blobs by SHA-256, not by whenChanged): a change made on one DC has not "
    "reached the other, or the object was deleted and re-created under the same name (a "
    "different objectGUID). Clients get a different product key, KMS ids or licence "
    "depending on the DC they reach.",
    _RESYNC,
)
CONTAINER_DIFFERS = RuleText(
    "ADBA-REPL-004", Severity.HIGH,
    "The activation-objects container differs between domain controllers",
    "The container's owner and DACL decide who can read activation objects and who can plant "
    "new ones. DCs that serve different permissions (or no container at all) give clients "
    "different answers, and a permission fix made on one DC is not yet in force everywhere.",
    _RESYNC,
)
REPLICATION_DISABLED = RuleText(
    "ADBA-REPL-005", Severity.HIGH,
    "Replication is switched off on a domain controller",
    "The DC's NTDS Settings object carries DISABLE_INBOUND_REPL (it receives no change from "
    "other DCs, so it keeps serving old activation objects) or DISABLE_OUTBOUND_REPL (its own "
    "changes reach no other DC; normal on a read-only DC, which is not reported). "
    "Administrators set these flags for maintenance and forget them.",
    "Unless this is deliberate maintenance, switch replication back on: repadmin /options "
    "{subject} -DISABLE_INBOUND_REPL (and -DISABLE_OUTBOUND_REPL), or samba-tool drs options "
    "{subject} --dsa-option=-DISABLE_INBOUND_REPL; then check with repadmin /showrepl "
    "{subject} or samba-tool drs showrepl {subject}.",
)
DNS_DISAGREES = RuleText(
    "ADBA-REPL-006", Severity.MEDIUM,
    "DNS and the directory disagree about the domain controllers",
    "Clients find DCs through the _ldap._tcp.dc._msdcs SRV records. A DC the directory lists "
    "without records is never used by clients (and adba compared it anyway); a record naming "
    "a DC the directory does not list sends clients to a server that was removed or never "
    "joined.",
    "Register the DC's records again (on Windows: restart the Netlogon service, or nltest "
    "/dsregdns on the DC; on Samba: samba_dnsupdate --verbose), or delete the stale records "
    "from the _msdcs zone (after a DC was removed: ntdsutil metadata cleanup).",
)
RULES = (UNREACHABLE, OBJECT_MISSING, OBJECT_DIFFERS, CONTAINER_DIFFERS, REPLICATION_DISABLED,
         DNS_DISAGREES)
CHECKS = ()  # these rules need several DCs' copies: see consistency_findings()


def _when(copy: Copy) -> str:
    parts = []
    if copy.when_changed is not None:
        parts.append(f"whenChanged {copy.when_changed:%Y-%m-%d %H:%M:%S %Z}".rstrip())
    if copy.usn_changed is not None:
        parts.append(f"uSNChanged {copy.usn_changed}")
    return ", ".join(parts) or "no change stamps"


def _nc(report: ConsistencyReport) -> str:
    for copy in report.readable:
        if copy.data is not None and copy.data.forest is not None:
            return copy.data.forest.config_nc
    return "<configuration NC>"


def _remedy(dcs: tuple[str, ...], source: str, nc: str, dn: str | None = None) -> str:
    steps = [_CHECK.format(dc=dc) for dc in dcs]
    if dn is not None:
        steps.append(f"compare the object's replication metadata: repadmin /showobjmeta "
                     f"{source} \"{dn}\"")
    forced = [_FORCE.format(dc=dc, source=source, nc=nc) for dc in dcs]
    return "; ".join(steps) + "; then " + "; ".join(forced) + "."


def _unreachable(copy: DcCopy) -> Finding:
    dc = copy.dc
    evidence = [f"address: {dc.address or dc.name}" + (f", port {dc.port}" if dc.port else ""),
                f"error: {copy.error or 'unknown'}",
                f"found through: {dc.origin}" + (f", site {dc.site}" if dc.site else "")]
    return make_finding(UNREACHABLE, dc.name, evidence,
                        title=f"{dc.name} could not be read; the other DCs were compared")


def _missing(comp: Comparison, nc: str) -> Finding:
    have = [c for c in comp.copies if c.present]
    lack = comp.missing_on
    evidence = [f"served by {c.dc} ({_when(c)}"
                + (f", created {c.when_created:%Y-%m-%d %H:%M:%S %Z}" if c.when_created else "")
                + (f", objectGUID {c.object_guid}" if c.object_guid else "") + ")" for c in have]
    evidence.append("not served by " + ", ".join(lack))
    source = have[0].dc
    title = (f"Activation object {comp.label} is served by {', '.join(c.dc for c in have)} "
             f"but missing on {', '.join(lack)}")
    return make_finding(OBJECT_MISSING, comp.dn, evidence, title=title,
                        remediation=_remedy(lack, source, nc, comp.dn))


def _differs(rule: RuleText, comp: Comparison, nc: str, what: str) -> Finding:
    present = [c for c in comp.copies if c.present]
    newest = comp.newest()
    evidence = []
    for name in comp.differing:
        shown = "; ".join(f"{c.dc}: {dict(c.values).get(name, '(absent)')}" for c in present)
        evidence.append(f"{name} differs: {shown}")
    evidence.extend(f"{c.dc}'s copy: {_when(c)}, digest {c.digest}" for c in present)
    if newest is not None:
        evidence.append(f"newest change: {newest.dc} (whenChanged is local to each DC: the copy "
                        "changed last there)")
        behind = tuple(c.dc for c in present if c.digest != newest.digest)
        source = newest.dc
    else:
        evidence.append("newest change: cannot tell (no or equal whenChanged)")
        behind = tuple(c.dc for c in present[1:])
        source = present[0].dc
    title = f"{what} {comp.label} differs between {', '.join(c.dc for c in present)}"
    if newest is not None:
        title += f" ({newest.dc} has the newer copy)"
    return make_finding(rule, comp.dn, evidence, title=title,
                        remediation=_remedy(behind, source, nc))


def _container(comp: Comparison, nc: str) -> Finding:
    if comp.missing_on:
        have = comp.present_on
        evidence = [f"present on {', '.join(have)}", f"missing on {', '.join(comp.missing_on)}"]
        return make_finding(CONTAINER_DIFFERS, comp.dn, evidence,
                            title=f"{comp.label} is missing on {', '.join(comp.missing_on)} "
                                  f"but present on {', '.join(have)}",
                            remediation=_remedy(comp.missing_on, have[0], nc))
    return _differs(CONTAINER_DIFFERS, comp, nc, "The container")


def _replication(copy: DcCopy) -> Finding | None:
    # A read-only DC never replicates outbound: its DISABLE_OUTBOUND_REPL is by design.
    outbound = copy.outbound_disabled and not copy.dc.rodc
    flags = [name for name, on in (("DISABLE_INBOUND_REPL", copy.inbound_disabled),
                                   ("DISABLE_OUTBOUND_REPL", outbound)) if on]
    if not flags:
        return None
    what = " and ".join(
        {"DISABLE_INBOUND_REPL": "inbound", "DISABLE_OUTBOUND_REPL": "outbound"}[f]
        for f in flags)
    source = "the DC's own copy" if copy.options is not None else "the directory"
    return make_finding(REPLICATION_DISABLED, copy.dc.name,
                        [f"NTDS Settings options: {', '.join(flags)} (read from {source})"]
                        + ([f"object: {copy.dc.ntds_dn}"] if copy.dc.ntds_dn else []),
                        title=f"{what.capitalize()} replication is switched off on "
                              f"{copy.dc.name}")


def consistency_findings(report: ConsistencyReport) -> list[Finding]:
    """Findings for a consistency report, worst first."""
    nc = _nc(report)
    findings: list[Finding] = [_unreachable(c) for c in report.unreachable]
    for copy in report.copies:
        found = _replication(copy)
        if found is not None:
            findings.append(found)
    for comp in report.objects:
        if comp.missing_on and comp.present_on:
            findings.append(_missing(comp, nc))
        elif comp.differing:
            findings.append(_differs(OBJECT_DIFFERS, comp, nc, "Activation object"))
    for comp in report.containers:
        if (comp.missing_on and comp.present_on) or comp.differing:
            findings.append(_container(comp, nc))
    if report.dns_checked:
        for copy in report.copies:
            if copy.dc.in_dns is False:
                findings.append(make_finding(
                    DNS_DISAGREES, copy.dc.name,
                    [f"{copy.dc.name} has an nTDSDSA object ({copy.dc.ntds_dn or 'given'}) but "
                     "no _ldap._tcp.dc._msdcs SRV record"],
                    title=f"{copy.dc.name} is not registered in DNS: clients do not find it"))
        for name in report.dns_only:
            findings.append(make_finding(
                DNS_DISAGREES, name,
                [f"an _ldap._tcp.dc._msdcs SRV record names {name}; no nTDSDSA object does"],
                title=f"DNS lists {name}, which the directory does not know as a DC"))
    return sorted(findings, key=Finding.sort_key)
