"""Rules on the activation-objects container's owner and DACL.

Forestprep's default: Authenticated Users read (RPLCLORC), Enterprise Admins write and
create-child, SYSTEM everything. Clients (as their computer accounts) need read and list;
whoever can create children or rewrite the DACL can plant an activation object.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from adba.core.findings import Finding, RuleText, Severity, make_finding
from adba.core.models import ContainerInfo, ForestData, Readability
from adba.core.rules import RuleContext
from adba.core.security_descriptor import Ace
from adba.core.sids import domain_rid, well_known_name

AO_CLASS_GUID = uuid.UUID("51a0e68c-0dc5-43ca-935d-c1c911bf2ee5")

# Directory-service access rights (MS-ADTS / ADS_RIGHTS_ENUM).
CREATE_CHILD = 0x1
DELETE_CHILD = 0x2
LIST_CHILDREN = 0x4
READ_PROPERTY = 0x10
WRITE_PROPERTY = 0x20
DELETE_TREE = 0x40
DELETE = 0x10000
WRITE_DAC = 0x40000
WRITE_OWNER = 0x80000
GENERIC_ALL = 0x10000000
GENERIC_WRITE = 0x40000000
GENERIC_READ = 0x80000000

ACE_INHERIT_ONLY = 0x08
ACE_CONTAINER_INHERIT = 0x02

READERS_FOR_CLIENTS = ("S-1-5-11", "S-1-1-0")  # Authenticated Users, Everyone
BROAD_SIDS = frozenset({"S-1-1-0", "S-1-5-11", "S-1-5-7", "S-1-5-32-545", "S-1-5-32-554",
                        "S-1-5-2", "S-1-5-4"})
BROAD_RIDS = frozenset({513, 514, 515})  # Domain Users, Domain Guests, Domain Computers
ADMIN_SIDS = frozenset({"S-1-5-18", "S-1-5-32-544", "S-1-5-9"})
ADMIN_ROOT_RIDS = frozenset({512, 516, 519})  # root Domain Admins, Domain Controllers, EA

NO_CLIENT_READ = RuleText(
    "ADBA-ACL-001", Severity.HIGH,
    "Clients cannot read the activation-objects container",
    "Clients read activation objects as their computer account. The container's DACL must let "
    "Authenticated Users list and read (forestprep grants them RPLCLORC); without it every "
    "client sees no object and falls back to KMS or fails with 0xC004F081.",
    "Grant the forestprep default read right back, as an Enterprise Admin: "
    "dsacls \"{subject}\" /G \"NT AUTHORITY\\Authenticated Users:LCRPLORC\"",
)
PLANT_RIGHTS = RuleText(
    "ADBA-ACL-002", Severity.HIGH,
    "A principal outside the forest's admins can create or alter activation objects",
    "Whoever can create children in this container, write activation objects, or rewrite the "
    "container's permissions or owner can plant an activation object of their own, forged or "
    "not, that every client in the forest will read. Forestprep grants such rights only to "
    "Enterprise Admins and SYSTEM.",
    "Remove the principal's rights unless this is a deliberate, documented delegation: "
    "dsacls \"{subject}\" /R \"<principal>\" (then review the remaining ACEs with "
    "dsacls \"{subject}\").",
)
OWNER_NOT_ADMIN = RuleText(
    "ADBA-ACL-003", Severity.HIGH,
    "The activation-objects container is owned by a non-admin principal",
    "The owner of an object can always rewrite its DACL, so a non-admin owner can grant itself "
    "the right to plant activation objects.",
    "Make Enterprise Admins (or Domain Admins of the forest root) the owner: "
    "dsacls \"{subject}\" /takeownership run as an Enterprise Admin, or in PowerShell "
    "$acl = Get-Acl \"AD:{subject}\"; $acl.SetOwner([Security.Principal.NTAccount]"
    "'<ROOT>\\Enterprise Admins'); Set-Acl \"AD:{subject}\" $acl",
)
SD_UNREADABLE = RuleText(
    "ADBA-ACL-004", Severity.MEDIUM,
    "The container's permissions could not be read",
    "Without the owner and DACL, adba cannot tell whether clients can read the objects or who "
    "can plant new ones. Forestprep grants Authenticated Users READ_CONTROL, so a normal user "
    "can read them unless the DACL was changed.",
    "Run the scan as an account with READ_CONTROL on the container, or restore the default "
    "read right: dsacls \"{subject}\" /G \"NT AUTHORITY\\Authenticated Users:LCRPLORC\"",
)
DELETE_RIGHTS = RuleText(
    "ADBA-ACL-005", Severity.MEDIUM,
    "A principal outside the forest's admins can delete activation objects",
    "Deleting an activation object stops every client it covers from renewing; after up to "
    "180 days they drop out of activation. Forestprep grants delete rights only to SYSTEM.",
    "Remove the principal's delete rights: dsacls \"{subject}\" /R \"<principal>\"",
)
RULES = (NO_CLIENT_READ, PLANT_RIGHTS, OWNER_NOT_ADMIN, SD_UNREADABLE, DELETE_RIGHTS)


def _is_admin(sid: str, root_sid: str | None) -> bool:
    if sid in ADMIN_SIDS:
        return True
    parsed = domain_rid(sid)
    if parsed is None:
        return False
    domain, rid = parsed
    if root_sid is not None and domain != root_sid:
        return False
    return rid in ADMIN_ROOT_RIDS


def _is_broad(sid: str) -> bool:
    if sid in BROAD_SIDS:
        return True
    parsed = domain_rid(sid)
    return parsed is not None and parsed[1] in BROAD_RIDS


def describe(sid: str, data: ForestData) -> str:
    """``NAME (SID)``, or just the SID when no name is known."""
    root_sid = data.forest.root_domain_sid if data.forest else None
    name = data.principal_name(sid) or well_known_name(sid, root_sid)
    return f"{name} ({sid})" if name else sid


def _applies_to_container(ace: Ace) -> bool:
    return not ace.flags & ACE_INHERIT_ONLY


def _applies_to_objects(ace: Ace) -> bool:
    if not ace.flags & ACE_CONTAINER_INHERIT:
        return False
    return ace.inherited_object_type in (None, AO_CLASS_GUID)


def _plant_rights(ace: Ace) -> list[str]:
    rights: list[str] = []
    if _applies_to_container(ace):
        if ace.mask & GENERIC_ALL:
            rights.append("full control of the container")
        if ace.mask & CREATE_CHILD and ace.object_type in (None, AO_CLASS_GUID):
            rights.append("create child objects")
        if ace.mask & WRITE_DAC:
            rights.append("change the container's permissions")
        if ace.mask & WRITE_OWNER:
            rights.append("take ownership of the container")
    if _applies_to_objects(ace) and ace.mask & (GENERIC_ALL | GENERIC_WRITE | WRITE_PROPERTY
                                                | WRITE_DAC | WRITE_OWNER):
        rights.append("write activation objects (inherited to them)")
    return rights


def _delete_rights(ace: Ace) -> list[str]:
    rights: list[str] = []
    if _applies_to_container(ace) and ace.mask & (DELETE_CHILD | DELETE_TREE):
        rights.append("delete child objects")
    if _applies_to_objects(ace) and ace.mask & DELETE:
        rights.append("delete activation objects (inherited to them)")
    return rights


def _grants_read(ace: Ace) -> bool:
    if not _applies_to_container(ace) or ace.object_type is not None:
        return False
    mask = ace.mask
    if mask & (GENERIC_ALL | GENERIC_READ):
        return True
    return bool(mask & READ_PROPERTY and mask & LIST_CHILDREN)


def _denies_read(ace: Ace) -> bool:
    return (_applies_to_container(ace)
            and bool(ace.mask & (READ_PROPERTY | LIST_CHILDREN | GENERIC_READ | GENERIC_ALL)))


def check_acl(data: ForestData, _: RuleContext) -> Iterator[Finding]:
    """Client read access, planting rights, owner, delete rights on the AO container."""
    container: ContainerInfo = data.ao_container
    spp = data.spp_container
    who = f" ({data.source.user})" if data.source.user else ""
    if container.state is Readability.MISSING and spp.readable is False:
        yield make_finding(NO_CLIENT_READ, container.dn, [
            f"{spp.dn} is visible but this account{who} can read none of its attributes",
            f"{container.dn} cannot be seen at all (it may also be missing; an Enterprise Admin "
            "can tell)",
            "a client reads as its computer account, an Authenticated User like this one"])
        return
    if container.state is not Readability.PRESENT:
        return
    if container.readable is False:
        yield make_finding(NO_CLIENT_READ, container.dn, [
            f"the container is visible but this account{who} can read none of its attributes",
            f"{len(data.objects)} activation object(s) visible"])
        return
    sd = container.security
    if sd is None:
        if container.security_error is not None:
            yield make_finding(SD_UNREADABLE, container.dn, [container.security_error])
        return
    root_sid = data.forest.root_domain_sid if data.forest else None
    if sd.dacl is not None:
        readers = [a for a in sd.dacl if a.allowed and a.sid in READERS_FOR_CLIENTS
                   and _grants_read(a)]
        deniers = [a for a in sd.dacl if a.denied and a.sid in READERS_FOR_CLIENTS
                   and _denies_read(a)]
        if not readers or deniers:
            evidence = [f"DACL: {''.join(a.sddl() for a in sd.dacl) or '(empty)'}"]
            if not readers:
                evidence.insert(0, "no ACE lets Authenticated Users (or Everyone) list and read "
                                   "the container")
            for ace in deniers:
                evidence.insert(0, f"deny ACE for {describe(ace.sid, data)}: {ace.sddl()}")
            yield make_finding(NO_CLIENT_READ, container.dn, evidence)
        planting: dict[str, list[str]] = {}
        deleting: dict[str, list[str]] = {}
        for ace in sd.dacl:
            if not ace.allowed or _is_admin(ace.sid, root_sid):
                continue
            for right in _plant_rights(ace):
                planting.setdefault(ace.sid, []).append(f"{right}: {ace.sddl()}")
            for right in _delete_rights(ace):
                deleting.setdefault(ace.sid, []).append(f"{right}: {ace.sddl()}")
        for sid, rights in sorted(planting.items()):
            who = describe(sid, data)
            severity = Severity.CRITICAL if _is_broad(sid) else Severity.HIGH
            yield make_finding(
                PLANT_RIGHTS, container.dn, [f"principal: {who}", *rights],
                severity=severity,
                title=f"{who} can create or alter activation objects",
                remediation=PLANT_RIGHTS.remediation.replace("<principal>", _account(sid, data)))
        for sid, rights in sorted(deleting.items()):
            if sid in planting:
                continue
            who = describe(sid, data)
            yield make_finding(
                DELETE_RIGHTS, container.dn, [f"principal: {who}", *rights],
                title=f"{who} can delete activation objects",
                remediation=DELETE_RIGHTS.remediation.replace("<principal>", _account(sid, data)))
    if sd.owner is not None and not _is_admin(sd.owner, root_sid) \
            and not _is_schema_or_builtin_admin(sd.owner):
        yield make_finding(OWNER_NOT_ADMIN, container.dn, [f"owner: {describe(sd.owner, data)}"])


def _is_schema_or_builtin_admin(sid: str) -> bool:
    parsed = domain_rid(sid)
    return parsed is not None and parsed[1] == 518


def _account(sid: str, data: ForestData) -> str:
    name = data.principal_name(sid)
    return name if name and "\\" in name else sid


CHECKS = (check_acl,)
