"""Rules that need the product catalog: unknown CSVLKs, tampered KMS-id lists, PID groups,
overlapping objects and objects whose products are all out of support."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from adba.about import DOCS_URL
from adba.core.findings import Finding, RuleText, Severity, make_finding
from adba.core.models import ActivationObject, ForestData
from adba.core.rules import RuleContext
from adba.core.rules.objects import DELETE_HINT

CATALOG_DOC = f"{DOCS_URL}catalog.md"

UNKNOWN_CSVLK = RuleText(
    "ADBA-CAT-001", Severity.MEDIUM,
    "The CSVLK SKU id is unknown to the product catalog",
    "The object names a CSVLK that the catalog does not know: a product newer than this adba "
    "release, a pre-release key, or a value that was not written by the activation service.",
    "Check the GUID with 'adba catalog explain <GUID>'; if it is a real product, add it with "
    "--product-db (" + CATALOG_DOC + "); if nobody knows where the object came from, delete it: "
    + DELETE_HINT,
)
KMS_IDS_DISAGREE = RuleText(
    "ADBA-CAT-002", Severity.HIGH,
    "The object's KMS ids disagree with what its CSVLK enables",
    "An activation object lists exactly the KMS counted ids of the CSVLK it was made from. "
    "Extra ids, or missing ones, mean the object was edited or forged after the fact.",
    "Treat it as an incident: find who changed it (whenChanged, the DC's security log), delete "
    "it and activate the forest again with the genuine CSVLK: " + DELETE_HINT,
)
PID_GROUP = RuleText(
    "ADBA-CAT-003", Severity.HIGH,
    "The extended PID does not belong to the CSVLK",
    "The group id and key serial in the extended PID come from the product key; each CSVLK has "
    "its own group and key-id blocks. A PID outside them was not issued for this CSVLK.",
    "Treat the object as forged or corrupt: " + DELETE_HINT,
)
MIXED_APPLICATIONS = RuleText(
    "ADBA-CAT-004", Severity.HIGH,
    "The object mixes Windows and Office KMS ids",
    "A genuine CSVLK belongs to one application (Windows or Office), so its object lists KMS ids "
    "of that application only. A mix is a sign of a hand-made object.",
    "Treat it as an incident and delete it: " + DELETE_HINT,
)
REDUNDANT = RuleText(
    "ADBA-CAT-005", Severity.LOW,
    "An activation object is redundant: another enables everything it does",
    "Every KMS id this object enables is also enabled by another object (usually a newer CSVLK), "
    "so clients do not need it.",
    "Keep the newer object; delete this one when you are sure: slmgr /del-ao \"{subject}\"",
)
OUT_OF_SUPPORT = RuleText(
    "ADBA-CAT-006", Severity.LOW,
    "Every product this object activates is out of support",
    "The newest product family this object enables has left Microsoft's support, so the object "
    "only serves unsupported systems.",
    "Plan a newer CSVLK for the remaining machines; delete the object once they are gone: "
    "slmgr /del-ao \"{subject}\"",
)
RULES = (UNKNOWN_CSVLK, KMS_IDS_DISAGREE, PID_GROUP, MIXED_APPLICATIONS, REDUNDANT, OUT_OF_SUPPORT)


def _valid_kms(obj: ActivationObject) -> set[uuid.UUID]:
    return {k.uuid for k in obj.kms_ids if k.uuid is not None}


def _name(ctx: RuleContext, kms: uuid.UUID) -> str:
    row = ctx.catalog.kms_id(kms) if ctx.catalog else None
    return f"{kms} ({row.name})" if row else f"{kms} (unknown)"


def check_catalog(data: ForestData, ctx: RuleContext) -> Iterator[Finding]:
    """Catalog-backed checks for each object, then across objects."""
    catalog = ctx.catalog
    if catalog is None:
        return
    for obj in data.objects:
        sku = obj.csvlk_sku_id.uuid if obj.csvlk_sku_id else None
        if sku is None or obj.csvlk_sku_id is None or obj.csvlk_sku_id.is_zero:
            continue
        csvlk = catalog.csvlk(sku)
        if csvlk is None:
            yield make_finding(UNKNOWN_CSVLK, obj.dn, [f"msSPP-CSVLKSkuId: {sku}"])
            continue
        have = _valid_kms(obj)
        expected = set(csvlk.kms_ids)
        missing = expected - have
        extra = have - expected if csvlk.kms_ids_complete else set()
        if (missing or extra) and obj.has("msSPP-KMSIds"):  # absent: ADBA-OBJ-001
            evidence = [f"CSVLK {csvlk.name} ({sku})"]
            evidence += [f"missing: {_name(ctx, k)}" for k in sorted(missing, key=str)]
            evidence += [f"not enabled by this CSVLK: {_name(ctx, k)}" for k in sorted(extra, key=str)]
            if not csvlk.kms_ids_complete:
                evidence.append("the catalog's list for this CSVLK is a lower bound; only missing "
                                "ids are checked")
            yield make_finding(KMS_IDS_DISAGREE, obj.dn, evidence)
        pid = obj.extended_pid
        if pid is not None:
            problems = []
            if csvlk.group_id is not None and pid.group_id != csvlk.group_id:
                problems.append(f"PID group {pid.group_id:05d}, CSVLK {csvlk.name} uses group "
                                f"{csvlk.group_id:05d}")
            if csvlk.key_blocks and not any(lo <= pid.key_serial <= hi
                                            for lo, hi in csvlk.key_blocks):
                blocks = ", ".join(f"{lo:,}–{hi:,}" for lo, hi in csvlk.key_blocks)
                problems.append(f"key serial {pid.key_serial:,} is outside the CSVLK's key "
                                f"blocks ({blocks})")
            if problems:
                yield make_finding(PID_GROUP, obj.dn, [f"msSPP-CSVLKPid: {obj.csvlk_pid}",
                                                        *problems])
        apps = {row.app_id for k in have if (row := catalog.kms_id(k)) is not None}
        if len(apps) > 1:
            yield make_finding(MIXED_APPLICATIONS, obj.dn, [
                f"application {a}: " + ", ".join(_name(ctx, k) for k in sorted(have, key=str)
                                                 if (r := catalog.kms_id(k)) and r.app_id == a)
                for a in sorted(apps, key=str)])
        supports = [row.support_end for k in have if (row := catalog.kms_id(k)) is not None]
        if supports and all(s is not None and s < ctx.today for s in supports):
            newest = max(s for s in supports if s is not None)
            yield make_finding(OUT_OF_SUPPORT, obj.dn, [
                f"the newest product it enables left support on {newest.isoformat()}"])
    yield from _redundant(data, ctx)


def _redundant(data: ForestData, ctx: RuleContext) -> Iterator[Finding]:
    objs = [o for o in data.objects
            if o.csvlk_sku_id is not None and o.csvlk_sku_id.valid and not o.csvlk_sku_id.is_zero
            and _valid_kms(o)]
    for obj in objs:
        mine = _valid_kms(obj)
        for other in objs:
            if other is obj or other.csvlk_sku_id == obj.csvlk_sku_id:
                continue  # same CSVLK: ADBA-DUP-001
            theirs = _valid_kms(other)
            if mine <= theirs and (mine != theirs or other.dn < obj.dn):
                yield make_finding(REDUNDANT, obj.dn, [
                    f"all {len(mine)} KMS id(s) it enables are also enabled by {other.label} "
                    f"({other.dn})"])
                break


CHECKS = (check_catalog,)
