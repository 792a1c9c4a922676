"""Rules on the two containers and what the activation-objects container holds."""

from __future__ import annotations

from collections.abc import Iterator

from adba.core.findings import Finding, RuleText, Severity, make_finding
from adba.core.models import AO_CONTAINER_CLASS, ContainerInfo, ForestData, Readability
from adba.core.rules import RuleContext

CONTAINER_MISSING = RuleText(
    "ADBA-CONT-001", Severity.HIGH,
    "The activation-objects container is missing",
    "Clients read CN=Activation Objects,CN=Microsoft SPP,CN=Services in the Configuration "
    "partition; without it no client can activate through AD (slmgr reports 0x80072030 and "
    "'not supported in the current Active Directory schema'). Forestprep operations 91 and 92 "
    "create both containers.",
    "Run adprep /forestprep from Windows Server 2012 or later media (it creates the containers "
    "with their default permissions). Installing the Volume Activation Services role and "
    "activating a forest also needs them.",
)
CONTAINER_WRONG_CLASS = RuleText(
    "ADBA-CONT-002", Severity.HIGH,
    "An ADBA container has the wrong object class",
    "CN=Microsoft SPP must be a 'container' and CN=Activation Objects an "
    "'msSPP-ActivationObjectsContainer'; activation objects can only be created under the "
    "latter, and clients look for it by name. A container created by hand with another class "
    "hides the real one.",
    "Move any objects out, delete the wrongly created container (Remove-ADObject -Identity "
    "\"{subject}\" -Recursive) and re-run adprep /forestprep so that operations 91 and 92 create "
    "it with the right class and permissions.",
)
NO_OBJECTS = RuleText(
    "ADBA-CONT-003", Severity.MEDIUM,
    "No activation objects are visible",
    "The container exists but holds no activation object that this account can see, so no "
    "client activates through AD. Clients then fall back to KMS, if there is one.",
    "Activate the forest with a KMS host key (CSVLK): on a Windows Server with the Volume "
    "Activation Tools, or 'slmgr /ad-activation-online <CSVLK> \"<name>\"'. If objects exist "
    "but are invisible, check the container's permissions (ADBA-ACL-001).",
)
OTHER_CHILDREN = RuleText(
    "ADBA-CONT-004", Severity.LOW,
    "The activation-objects container holds entries that are not activation objects",
    "Only msSPP-ActivationObject entries belong here; clients ignore anything else. An entry of "
    "another class was created by hand or by a tool, and is worth explaining.",
    "Inspect the entry and remove it if nobody can say why it is there: "
    "Remove-ADObject -Identity \"{subject}\"",
)
RULES = (CONTAINER_MISSING, CONTAINER_WRONG_CLASS, NO_OBJECTS, OTHER_CHILDREN)

_EXPECTED = {"spp": "container", "ao": AO_CONTAINER_CLASS}


def _structural(container: ContainerInfo) -> str | None:
    classes = [c for c in container.object_classes if c.lower() != "top"]
    return classes[-1] if classes else None


def check_containers(data: ForestData, _: RuleContext) -> Iterator[Finding]:
    """Missing containers, wrong classes, empty container, foreign children."""
    spp, ao = data.spp_container, data.ao_container
    if ao.state is Readability.MISSING and spp.readable is False:
        return  # hidden, not known to be missing: ADBA-ACL-001 reports it
    if ao.state is Readability.MISSING:
        evidence = [f"{ao.dn} does not exist (or this account cannot see it)"]
        if spp.state is Readability.MISSING:
            evidence.append(f"{spp.dn} does not exist either")
        yield make_finding(CONTAINER_MISSING, ao.dn, evidence)
        return
    for key, container in (("spp", spp), ("ao", ao)):
        found = _structural(container)
        expected = _EXPECTED[key]
        if container.state is Readability.PRESENT and found and found.lower() != expected.lower():
            yield make_finding(CONTAINER_WRONG_CLASS, container.dn, [
                f"objectClass: {', '.join(container.object_classes)}",
                f"expected structural class {expected}",
            ])
    if ao.state is Readability.PRESENT and ao.readable is not False and not data.objects:
        evidence = [f"{ao.dn} has no msSPP-ActivationObject children visible to this account"]
        if data.source.user:
            evidence.append(f"read as {data.source.user}")
        yield make_finding(NO_OBJECTS, ao.dn, evidence)
    for child in data.other_children:
        yield make_finding(OTHER_CHILDREN, child.dn,
                           [f"objectClass: {', '.join(child.object_classes)}"])


CHECKS = (check_containers,)
