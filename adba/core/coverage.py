"""Coverage: which computers' products the forest's activation objects enable.

Computers arrive one at a time (from paged LDAP results or a snapshot) and are folded into
per-family counters, so memory does not grow with the number of computers beyond those
counters and the (optionally capped) list of uncovered machine names.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from adba.core.catalog import Catalog, OsFamily
from adba.core.models import ActivationObject

UF_ACCOUNTDISABLE = 0x2


@dataclass(frozen=True)
class Computer:
    """One computer account, as far as coverage needs it."""

    name: str
    dns_host_name: str | None
    operating_system: str | None
    os_version: str | None
    last_logon: datetime | None
    enabled: bool


@dataclass
class _Family:
    family: str
    kms_id: uuid.UUID | None
    adba: bool
    active: int = 0
    stale: int = 0
    disabled: int = 0
    listed: list[str] = field(default_factory=list)
    listed_truncated: int = 0


@dataclass(frozen=True)
class FamilyCoverage:
    """One row of the matrix: a product family, its computers and what covers it."""

    family: str
    kms_id: uuid.UUID | None
    kms_name: str | None
    adba_capable: bool
    active: int
    stale: int
    disabled: int
    covered_by: tuple[str, ...]
    uncovered_machines: tuple[str, ...]
    uncovered_not_listed: int

    @property
    def covered(self) -> bool:
        """True when some activation object enables this family's KMS id."""
        return bool(self.covered_by)


@dataclass(frozen=True)
class CoverageReport:
    """The whole matrix plus the totals."""

    families: tuple[FamilyCoverage, ...]
    total: int
    active: int
    stale: int
    disabled: int
    unknown_os: int
    unknown_examples: tuple[str, ...]
    stale_days: int
    max_listed: int | None
    counting_objects: tuple[str, ...]
    ignored_objects: tuple[str, ...]


def counts_for_coverage(obj: ActivationObject) -> bool:
    """Whether an object can activate anything: a real SKU id and a licence from Microsoft."""
    sku = obj.csvlk_sku_id
    if sku is None or not sku.valid or sku.is_zero:
        return False
    return (obj.licence("msSPP-OnlineLicense") is not None
            or obj.licence("msSPP-PhoneLicense") is not None)


class CoverageCounter:
    """Fold computers into per-family counters as they arrive."""

    def __init__(self, catalog: Catalog, objects: Sequence[ActivationObject], now: datetime,
                 stale_days: int, max_listed: int | None) -> None:
        self._catalog = catalog
        self._now = now
        self._stale_days = stale_days
        oldest = (now - datetime.min.replace(tzinfo=now.tzinfo)).days - 1  # a huge value: all
        self._stale_before = (now - timedelta(days=min(stale_days, oldest))
                              if stale_days > 0 else None)
        self._max_listed = max_listed
        self._families: dict[str, _Family] = {}
        self._total = 0
        self._unknown = 0
        self._unknown_examples: list[str] = []
        self._family_cache: dict[tuple[str, str | None], OsFamily | None] = {}
        counting = [o for o in objects if counts_for_coverage(o)]
        self._counting = counting
        self._ignored = [o for o in objects if not counts_for_coverage(o)]
        self._enablers: dict[uuid.UUID, list[str]] = {}
        for obj in counting:
            for kms in obj.kms_ids:
                value = kms.uuid
                if value is not None and obj.label not in self._enablers.get(value, []):
                    self._enablers.setdefault(value, []).append(obj.label)

    def add(self, computer: Computer) -> None:
        """Count one computer."""
        self._total += 1
        key = (computer.operating_system or "", computer.os_version)
        try:
            family = self._family_cache[key]
        except KeyError:  # few distinct OS strings: match each once
            family = self._catalog.os_family(key[0], key[1])
            if len(self._family_cache) < 10_000:
                self._family_cache[key] = family
        if family is None:
            self._unknown += 1
            if len(self._unknown_examples) < 10:
                os_text = computer.operating_system or "(no operatingSystem)"
                self._unknown_examples.append(f"{computer.name}: {os_text} {computer.os_version or ''}"
                                              .rstrip())
            return
        row = self._families.get(family.family)
        if row is None:
            row = _Family(family.family, family.kms_id, family.adba)
            self._families[family.family] = row
        if not computer.enabled:
            row.disabled += 1
            return
        if self._stale_before is not None and (computer.last_logon is None
                                               or computer.last_logon < self._stale_before):
            row.stale += 1
            return
        row.active += 1
        covered = family.adba and family.kms_id is not None and family.kms_id in self._enablers
        if not covered:
            if self._max_listed is None or len(row.listed) < self._max_listed:
                row.listed.append(computer.dns_host_name or computer.name)
            else:
                row.listed_truncated += 1

    def add_all(self, computers: Iterable[Computer]) -> None:
        """Count every computer of an iterable (consumed lazily)."""
        for computer in computers:
            self.add(computer)

    def report(self) -> CoverageReport:
        """The matrix, families sorted by name."""
        rows: list[FamilyCoverage] = []
        for fam in sorted(self._families.values(), key=lambda f: f.family.lower()):
            kms_row = self._catalog.kms_id(fam.kms_id) if fam.kms_id else None
            covered_by = tuple(self._enablers.get(fam.kms_id, ())) \
                if fam.kms_id and fam.adba else ()
            rows.append(FamilyCoverage(
                family=fam.family, kms_id=fam.kms_id, kms_name=kms_row.name if kms_row else None,
                adba_capable=fam.adba, active=fam.active, stale=fam.stale, disabled=fam.disabled,
                covered_by=covered_by,
                uncovered_machines=() if covered_by else tuple(fam.listed),
                uncovered_not_listed=0 if covered_by else fam.listed_truncated,
            ))
        return CoverageReport(
            families=tuple(rows),
            total=self._total,
            active=sum(r.active for r in rows),
            stale=sum(r.stale for r in rows),
            disabled=sum(r.disabled for r in rows),
            unknown_os=self._unknown,
            unknown_examples=tuple(self._unknown_examples),
            stale_days=self._stale_days,
            max_listed=self._max_listed,
            counting_objects=tuple(o.label for o in self._counting),
            ignored_objects=tuple(o.label for o in self._ignored),
        )
