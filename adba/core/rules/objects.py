"""Rules on each activation object's attributes: presence, lengths, names, licence data."""

from __future__ import annotations

from collections.abc import Iterator

from adba.core.findings import Finding, RuleText, Severity, make_finding
from adba.core.models import MANDATORY_ATTRIBUTES, ActivationObject, ForestData
from adba.core.rules import RuleContext

MAX_NAME = 40
DELETE_HINT = ("slmgr /del-ao \"{subject}\" (or Remove-ADObject -Identity \"{subject}\"), then "
               "activate the forest again with the CSVLK: slmgr /ad-activation-online <CSVLK> "
               "\"<name>\"")

MISSING_ATTRIBUTE = RuleText(
    "ADBA-OBJ-001", Severity.HIGH,
    "An activation object lacks a mandatory attribute",
    "msSPP-CSVLKSkuId, msSPP-KMSIds, msSPP-CSVLKPid and msSPP-CSVLKPartialProductKey are "
    "mandatory (systemMustContain). An object without one cannot have been written by the "
    "activation tools, or this account cannot read the attribute; clients cannot use it.",
    "Delete the object and activate the forest again: " + DELETE_HINT,
)
BAD_SKU_LENGTH = RuleText(
    "ADBA-OBJ-002", Severity.HIGH,
    "The CSVLK SKU id is not a 16-byte GUID",
    "msSPP-CSVLKSkuId holds the Activation ID of the CSVLK as exactly 16 bytes; any other "
    "length cannot name a product, and the object is corrupt or hand-made.",
    "Delete the object and activate the forest again: " + DELETE_HINT,
)
BAD_KMS_ID_LENGTH = RuleText(
    "ADBA-OBJ-003", Severity.HIGH,
    "A KMS id is not a 16-byte GUID",
    "Each msSPP-KMSIds value is a KMS counted id of exactly 16 bytes; clients match their "
    "edition's KMS id against these values, so a malformed one matches nothing.",
    "Delete the object and activate the forest again: " + DELETE_HINT,
)
BAD_PARTIAL_KEY = RuleText(
    "ADBA-OBJ-004", Severity.MEDIUM,
    "The partial product key is not five product-key characters",
    "msSPP-CSVLKPartialProductKey holds the last five characters of the CSVLK. Product keys use "
    "the letters BCDFGHJKMNPQRTVWXY and digits 2346789; other characters mean a hand-made value.",
    "Compare with the CSVLK you own; if it does not match, delete the object: " + DELETE_HINT,
)
NAME_TOO_LONG = RuleText(
    "ADBA-OBJ-005", Severity.LOW,
    "The activation object's name is longer than the activation tools allow",
    "The Volume Activation Tools and slmgr refuse names over 40 characters "
    "(0xC004F082, SL_E_VL_AD_AO_NAME_TOO_LONG), so this object was not created by them.",
    "Find out who created the object; if nobody can say, delete it: " + DELETE_HINT,
)
DUPLICATE_KMS_IDS = RuleText(
    "ADBA-OBJ-006", Severity.LOW,
    "The same KMS id appears more than once in one object",
    "Genuine activation objects list each KMS counted id once; repeats point at an object "
    "written by hand.",
    "Find out who created the object; if nobody can say, delete it: " + DELETE_HINT,
)
NO_LICENCE = RuleText(
    "ADBA-OBJ-007", Severity.MEDIUM,
    "The activation object carries no licence from Microsoft",
    "A forest activated online stores msSPP-OnlineLicense, one activated by phone "
    "msSPP-PhoneLicense, together with the configuration and issuance licences. Clients verify "
    "these signed licences before they activate; an object without them cannot activate "
    "anything and was most likely written by hand.",
    "Delete the object and activate the forest again with the CSVLK: " + DELETE_HINT,
)
RULES = (MISSING_ATTRIBUTE, BAD_SKU_LENGTH, BAD_KMS_ID_LENGTH, BAD_PARTIAL_KEY, NAME_TOO_LONG,
         DUPLICATE_KMS_IDS, NO_LICENCE)

KEY_ALPHABET = frozenset("BCDFGHJKMNPQRTVWXY2346789")


def _object_findings(obj: ActivationObject) -> Iterator[Finding]:
    missing = [a for a in MANDATORY_ATTRIBUTES if not obj.has(a)]
    if missing:
        yield make_finding(MISSING_ATTRIBUTE, obj.dn, [f"missing: {', '.join(missing)}"])
    if obj.csvlk_sku_id is not None and not obj.csvlk_sku_id.valid:
        yield make_finding(BAD_SKU_LENGTH, obj.dn, [
            f"msSPP-CSVLKSkuId is {len(obj.csvlk_sku_id.raw)} bytes: "
            f"{obj.csvlk_sku_id.raw.hex()}"])
    bad_ids = [k for k in obj.kms_ids if not k.valid]
    if bad_ids:
        yield make_finding(BAD_KMS_ID_LENGTH, obj.dn, [
            f"msSPP-KMSIds value of {len(k.raw)} bytes: {k.raw.hex()}" for k in bad_ids])
    key = obj.partial_product_key
    if key is not None and (len(key) != 5 or not set(key.upper()) <= KEY_ALPHABET):
        yield make_finding(BAD_PARTIAL_KEY, obj.dn, [
            f"msSPP-CSVLKPartialProductKey: {key!r} ({len(key)} characters)"])
    if obj.display_name is not None and len(obj.display_name) > MAX_NAME:
        yield make_finding(NAME_TOO_LONG, obj.dn, [
            f"displayName has {len(obj.display_name)} characters (at most {MAX_NAME}): "
            f"{obj.display_name!r}"])
    seen: set[bytes] = set()
    repeats: list[str] = []
    for kms in obj.kms_ids:
        if kms.raw in seen:
            repeats.append(kms.text)
        seen.add(kms.raw)
    if repeats:
        yield make_finding(DUPLICATE_KMS_IDS, obj.dn, [f"repeated KMS id: {r}" for r in repeats])
    if obj.licence("msSPP-OnlineLicense") is None and obj.licence("msSPP-PhoneLicense") is None:
        present = ", ".join(name for name, _ in obj.licences) or "none"
        yield make_finding(NO_LICENCE, obj.dn, [
            "neither msSPP-OnlineLicense nor msSPP-PhoneLicense is present",
            f"licence attributes present: {present}"])


def check_objects(data: ForestData, _: RuleContext) -> Iterator[Finding]:
    """Per-object structural checks."""
    for obj in data.objects:
        yield from _object_findings(obj)


CHECKS = (check_objects,)
