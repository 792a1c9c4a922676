"""Rules across objects: several objects for the same CSVLK."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from adba.core.findings import Finding, RuleText, Severity, make_finding
from adba.core.models import ActivationObject, ForestData
from adba.core.rules import RuleContext

DUPLICATE_CSVLK = RuleText(
    "ADBA-DUP-001", Severity.MEDIUM,
    "Several activation objects were made from the same CSVLK",
    "Each forest activation with a CSVLK writes one object; two objects with the same CSVLK SKU "
    "id (and often the same PID) mean the key was activated twice, each use counting against the "
    "key's activation limit. Clients may use either; the older one is redundant.",
    "Keep the newest object and delete the redundant one(s): slmgr /del-ao \"<DN>\" "
    "(the evidence names which).",
)
RULES = (DUPLICATE_CSVLK,)

_EPOCH = datetime.min.replace(tzinfo=UTC)


def _created(obj: ActivationObject) -> tuple[datetime, int]:
    return (obj.when_created or _EPOCH, obj.usn_created or 0)


def check_duplicates(data: ForestData, _: RuleContext) -> Iterator[Finding]:
    """Objects sharing a (well-formed, non-zero) CSVLK SKU id."""
    groups: dict[bytes, list[ActivationObject]] = {}
    for obj in data.objects:
        sku = obj.csvlk_sku_id
        if sku is None or not sku.valid or sku.is_zero:
            continue
        groups.setdefault(sku.raw, []).append(obj)
    for objs in groups.values():
        if len(objs) < 2:
            continue
        ordered = sorted(objs, key=_created, reverse=True)
        keep, redundant = ordered[0], ordered[1:]
        sku_text = keep.csvlk_sku_id.text if keep.csvlk_sku_id else "?"
        evidence = [f"CSVLK SKU id {sku_text} in {len(objs)} objects",
                    f"newest (keep): {keep.dn} created {_when(keep)}"]
        evidence += [f"redundant: {o.dn} created {_when(o)}"
                     + (" (same PID)" if o.csvlk_pid and o.csvlk_pid == keep.csvlk_pid else "")
                     for o in redundant]
        remediation = "Keep the newest object and delete the redundant one(s): " + "; ".join(
            f"slmgr /del-ao \"{o.dn}\"" for o in redundant)
        yield make_finding(DUPLICATE_CSVLK, keep.dn, evidence, remediation=remediation)


def _when(obj: ActivationObject) -> str:
    return obj.when_created.strftime("%Y-%m-%d %H:%M UTC") if obj.when_created else "(unknown)"


CHECKS = (check_duplicates,)
