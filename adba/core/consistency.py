"""Per-DC consistency: does every domain controller serve the same activation objects?

Pure comparison of what each DC served (one :class:`~adba.core.models.ForestData` per DC, read
by the same reader as ``adba scan``). Objects are matched by DN; each copy is reduced to a
fingerprint of the attributes a client uses (values and licence digests, never only
``whenChanged``), and the container to its owner and DACL. ``whenChanged`` and ``uSNChanged``
are kept per copy: both are local to the DC that serves the copy (not replicated), so they
tell which DC applied a change last, not which value is right.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from adba.core.models import ActivationObject, ContainerInfo, ForestData, Readability

DISABLE_INBOUND_REPL = 0x2
DISABLE_OUTBOUND_REPL = 0x4
"""Bits of an nTDSDSA object's ``options`` (MS-ADTS 6.1.1.2.2.1.2.1.1, NTDSDSA_OPT_*)."""


@dataclass(frozen=True)
class DomainController:
    """One DC to compare: where it was found and how to reach it."""

    name: str
    """Its DNS name (the server object's ``dNSHostName``), or what ``--dc`` named."""
    address: str | None = None
    """Where to connect when it differs from ``name`` (resolved through ``--dns-server``)."""
    port: int | None = None
    site: str | None = None
    rodc: bool | None = None
    """True for a read-only DC (``nTDSDSARO``), None when the source does not say."""
    origin: str = "directory"
    """``directory`` (an nTDSDSA object), ``--dc``, ``seed`` (the DC ``--server`` or
    ``--domain`` reached, when the directory it serves does not list it) or ``snapshot``."""
    ntds_dn: str | None = None
    in_dns: bool | None = None
    """Listed in the domain's ``_ldap._tcp.dc._msdcs`` SRV records; None when not checked."""
    options: int | None = None
    """The nTDSDSA ``options`` as the directory that listed it says."""

    @property
    def label(self) -> str:
        """The name, with the address when it differs: ``dc2.contoso.com (10.0.0.2)``."""
        if self.address and self.address != self.name:
            return f"{self.name} ({self.address})"
        return self.name


@dataclass(frozen=True)
class DcCopy:
    """What one DC served, or why it could not be read."""

    dc: DomainController
    data: ForestData | None
    error: str | None = None
    options: int | None = None
    """The ``options`` of the DC's own nTDSDSA object, read from the DC itself."""
    seconds: float = 0.0

    @property
    def readable(self) -> bool:
        """Whether the DC answered and its copy was read."""
        return self.data is not None

    @property
    def inbound_disabled(self) -> bool | None:
        """Whether the DC refuses inbound replication (``DISABLE_INBOUND_REPL``)."""
        opts = self.options if self.options is not None else self.dc.options
        return None if opts is None else bool(opts & DISABLE_INBOUND_REPL)

    @property
    def outbound_disabled(self) -> bool | None:
        """Whether the DC refuses outbound replication (``DISABLE_OUTBOUND_REPL``)."""
        opts = self.options if self.options is not None else self.dc.options
        return None if opts is None else bool(opts & DISABLE_OUTBOUND_REPL)


@dataclass(frozen=True)
class Copy:
    """One DC's copy of one entry."""

    dc: str
    present: bool
    digest: str | None = None
    object_guid: str | None = None
    when_created: datetime | None = None
    when_changed: datetime | None = None
    usn_changed: int | None = None
    values: tuple[tuple[str, str], ...] = ()
    """The compared attributes as text, for the evidence of a difference."""


@dataclass(frozen=True)
class Comparison:
    """One entry (an activation object or a container) across every DC that was read."""

    dn: str
    label: str
    kind: str
    """``object``, ``container`` or ``spp-container``."""
    copies: tuple[Copy, ...]
    differing: tuple[str, ...] = ()
    """Attributes whose values are not the same on every DC that has the entry."""

    @property
    def missing_on(self) -> tuple[str, ...]:
        """DCs without the entry."""
        return tuple(c.dc for c in self.copies if not c.present)

    @property
    def present_on(self) -> tuple[str, ...]:
        """DCs with the entry."""
        return tuple(c.dc for c in self.copies if c.present)

    @property
    def consistent(self) -> bool:
        """Every DC serves the same copy (or none has it)."""
        return not self.differing and (not self.missing_on or not self.present_on)

    def newest(self) -> Copy | None:
        """The present copy changed last on its DC (latest ``whenChanged``), when one is
        strictly later than the others."""
        dated = sorted((c for c in self.copies if c.present and c.when_changed is not None),
                       key=lambda c: c.when_changed or datetime.min)
        if not dated or (len(dated) > 1 and dated[-1].when_changed == dated[-2].when_changed):
            return None
        return dated[-1]


@dataclass(frozen=True)
class ConsistencyReport:
    """Every DC's copy and the comparison of each entry."""

    copies: tuple[DcCopy, ...]
    objects: tuple[Comparison, ...]
    containers: tuple[Comparison, ...]
    dns_checked: bool = False
    dns_only: tuple[str, ...] = ()
    """SRV record targets that no nTDSDSA object names (stale records)."""
    notes: tuple[str, ...] = field(default=())
    seed: str | None = None
    """The DC the list was read from (``--server``/``--domain``), when there was one."""

    def seed_copy(self) -> DcCopy | None:
        """The seed DC's copy when it was read, else the first copy read."""
        readable = self.readable
        for copy in readable:
            if copy.dc.name == self.seed:
                return copy
        return readable[0] if readable else None

    @property
    def readable(self) -> tuple[DcCopy, ...]:
        """The DCs that were read."""
        return tuple(c for c in self.copies if c.readable)

    @property
    def unreachable(self) -> tuple[DcCopy, ...]:
        """The DCs that could not be read."""
        return tuple(c for c in self.copies if not c.readable)

    @property
    def consistent(self) -> bool:
        """Every DC that was read serves the same objects and container permissions."""
        return all(c.consistent for c in (*self.objects, *self.containers))


# --- fingerprints ---------------------------------------------------------------------------

def object_values(obj: ActivationObject) -> dict[str, str]:
    """The attributes a client uses, as comparable text (multi-valued GUIDs sorted: LDAP does
    not order values); licence blobs by size and SHA-256."""
    values = {
        "objectGUID": str(obj.object_guid) if obj.object_guid else "",
        "cn": obj.cn or "",
        "displayName": obj.display_name or "",
        "objectClass": ",".join(sorted(c.lower() for c in obj.object_classes)),
        "msSPP-CSVLKSkuId": obj.csvlk_sku_id.text if obj.csvlk_sku_id else "",
        "msSPP-KMSIds": ",".join(sorted(k.text for k in obj.kms_ids)),
        "msSPP-CSVLKPid": obj.csvlk_pid or "",
        "msSPP-CSVLKPartialProductKey": obj.partial_product_key or "",
        "msSPP-InstallationId": obj.installation_id or "",
        "msSPP-ConfirmationId": obj.confirmation_id or "",
    }
    for name, blob in obj.licences:
        values[name] = f"{blob.size} bytes, sha256 {blob.sha256}"
    return {k: v for k, v in values.items() if v}


def container_values(container: ContainerInfo) -> dict[str, str]:
    """The container's class, owner and DACL (each ACE in SDDL, in order) as comparable text."""
    values = {"objectClass": ",".join(sorted(c.lower() for c in container.object_classes))}
    sd = container.security
    if sd is not None:
        values["owner"] = sd.owner or ""
        if sd.dacl is not None:
            values["dacl"] = "".join(ace.sddl() for ace in sd.dacl)
    elif container.security_error:
        values["security"] = f"unreadable: {container.security_error}"
    return {k: v for k, v in values.items() if v}


def digest_of(values: dict[str, str]) -> str:
    """A short stable digest (SHA-256, 16 hex digits) of compared values."""
    text = json.dumps(values, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def _object_copy(dc: str, obj: ActivationObject | None) -> Copy:
    if obj is None:
        return Copy(dc=dc, present=False)
    values = object_values(obj)
    return Copy(dc=dc, present=True, digest=digest_of(values),
                object_guid=str(obj.object_guid) if obj.object_guid else None,
                when_created=obj.when_created, when_changed=obj.when_changed,
                usn_changed=obj.usn_changed, values=tuple(sorted(values.items())))


def _container_copy(dc: str, container: ContainerInfo) -> Copy:
    if container.state is not Readability.PRESENT:
        return Copy(dc=dc, present=False)
    values = container_values(container)
    return Copy(dc=dc, present=True, digest=digest_of(values),
                when_created=container.when_created, when_changed=container.when_changed,
                usn_changed=container.usn_changed, values=tuple(sorted(values.items())))


def _differing(copies: Sequence[Copy]) -> tuple[str, ...]:
    present = [dict(c.values) for c in copies if c.present]
    if len(present) < 2:
        return ()
    names = sorted({k for values in present for k in values})
    return tuple(n for n in names if len({values.get(n, "") for values in present}) > 1)


def _comparison(dn: str, label: str, kind: str, copies: Sequence[Copy]) -> Comparison:
    return Comparison(dn=dn, label=label, kind=kind, copies=tuple(copies),
                      differing=_differing(copies))


def compare(copies: Iterable[DcCopy], *, dns_checked: bool = False,
            dns_only: Sequence[str] = (), notes: Sequence[str] = (),
            seed: str | None = None) -> ConsistencyReport:
    """Compare what each readable DC served.

    Objects are matched by DN (case-insensitive); an object deleted and re-created under the
    same name shows as a differing ``objectGUID``.
    """
    copies = tuple(copies)
    readable = [c for c in copies if c.data is not None]
    by_dn: dict[str, dict[str, ActivationObject]] = {}
    labels: dict[str, tuple[str, str]] = {}
    for copy in readable:
        assert copy.data is not None
        for obj in copy.data.objects:
            key = obj.dn.lower()
            by_dn.setdefault(key, {})[copy.dc.name] = obj
            labels.setdefault(key, (obj.dn, obj.cn or obj.dn))
    objects = []
    for key in sorted(by_dn):
        dn, label = labels[key]
        objects.append(_comparison(dn, label, "object", [
            _object_copy(c.dc.name, by_dn[key].get(c.dc.name)) for c in readable]))
    containers = []
    for kind in ("container", "spp-container"):
        found = [(c.dc.name, c.data.ao_container if kind == "container" else c.data.spp_container)
                 for c in readable if c.data is not None]
        if not found:
            continue
        dn = next((info.dn for _dc, info in found if info.state is Readability.PRESENT),
                  found[0][1].dn)
        containers.append(_comparison(dn, dn.split(",", 1)[0], kind,
                                      [_container_copy(name, info) for name, info in found]))
    return ConsistencyReport(copies=copies, objects=tuple(objects),
                             containers=tuple(containers), dns_checked=dns_checked,
                             dns_only=tuple(dns_only), notes=tuple(notes), seed=seed)
