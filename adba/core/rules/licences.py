"""Rules on the licence blobs of each activation object: signatures, and whether the licences
describe the object they are stored on.

A verified signature proves only that a licence was not edited since whoever holds the key in
it signed it; a public forgery script stores genuine Microsoft-signed licences of *another*
product on the objects it writes. The contradictions between the licences and the object are
what give such an object away, so they are high.
"""

from __future__ import annotations

from collections.abc import Iterator

from adba.core.findings import Finding, RuleText, Severity, make_finding
from adba.core.licence_checks import (
    CONFIG,
    CSVLK_TYPE,
    ISSUANCE,
    ONLINE,
    PHONE,
    ObjectLicences,
    object_licences,
    object_sku,
)
from adba.core.licences import Licence, Step, Verdict, guid_text
from adba.core.models import ActivationObject, ForestData
from adba.core.rules import RuleContext
from adba.core.rules.forgery import FORGED_HINT
from adba.core.rules.objects import DELETE_HINT

CHANGED = RuleText(
    "ADBA-LIC-001", Severity.HIGH,
    "A licence was changed after it was signed",
    "Each licence carries an XML signature: a SHA-1 digest of the licence (canonicalised with "
    "Microsoft's lwc14n) and an RSA signature over it, made with the key named in the licence. "
    "A digest or signature that does not match proves that the bytes were edited after "
    "signing; the activation service never writes such a licence.",
    FORGED_HINT,
)
UNREADABLE = RuleText(
    "ADBA-LIC-002", Severity.MEDIUM,
    "A licence attribute does not hold a readable, signed SPP licence",
    "The msSPP-*License attributes hold XrML licences (rg:licenseGroup or r:license), each "
    "signed in one fixed form (lwc14n, RSA-SHA1, the key in KeyInfo). Bytes that are not such "
    "a licence (not XML, a DTD or entities, another root element, a signature in another form) "
    "were not written by the activation service.",
    "Delete the object and activate the forest again: " + DELETE_HINT,
)
OTHER_SKU = RuleText(
    "ADBA-LIC-003", Severity.HIGH,
    "A licence is for another product than the object's CSVLK",
    "The phone and online use licences of an activation object are issued for the CSVLK's SKU "
    "(productSkuId = msSPP-CSVLKSkuId). A licence for another SKU or edition was copied from "
    "elsewhere: the object was made by hand, typically by a forgery script that stores the "
    "same public licence files on every object it writes.",
    FORGED_HINT,
)
NO_CSVLK_CONFIG = RuleText(
    "ADBA-LIC-004", Severity.HIGH,
    "The configuration licence has no entry for the object's CSVLK",
    "msSPP-ConfigLicense holds the product-key configuration the CSVLK was activated with: it "
    "has a Configuration whose ActConfigId is the CSVLK SKU id, of key type Volume:CSVLK. A "
    "configuration without it (for example a client pkeyconfig with only retail, OEM, MAK and "
    "GVLK entries) cannot have activated this CSVLK.",
    FORGED_HINT,
)
PID_MISFIT = RuleText(
    "ADBA-LIC-005", Severity.HIGH,
    "The object's PID does not fit the CSVLK's key configuration",
    "The configuration licence gives the CSVLK's key group (RefGroupId) and its key ranges. "
    "The extended PID of a real CSVLK carries that group in its second field and a key serial "
    "inside one of the valid ranges; a PID that does not was not produced from this "
    "configuration.",
    FORGED_HINT,
)
KNOWN_FORGERY = RuleText(
    "ADBA-LIC-006", Severity.HIGH,
    "A licence blob is a publicly known forgery's file",
    "Its SHA-256 equals a licence file that a public forgery script stores on the objects it "
    "writes (adba/data/licences.json names the file and its source). The file is a real "
    "licence of another product, copied as it is, so its signature verifies: only its digest "
    "and its contents give it away.",
    FORGED_HINT,
)
UNVERIFIABLE = RuleText(
    "ADBA-LIC-007", Severity.LOW,
    "A licence signature could not be verified on this platform",
    "Licences are signed with RSA and SHA-1. Some platforms (RHEL 9 and later system OpenSSL "
    "policies) refuse SHA-1 signatures; adba then says it could not verify, not that the "
    "licence is good or bad.",
    "Run adba with the PyPI build of cryptography (pip install cryptography in a virtual "
    "environment), which can verify SHA-1 signatures.",
)
WRONG_KIND = RuleText(
    "ADBA-LIC-008", Severity.MEDIUM,
    "A licence attribute holds the wrong kind of licence",
    "Each attribute has its kind: msSPP-ConfigLicense a product-key configuration "
    "(msft:sl/PKEYCONFIG/SIGNED), msSPP-PhoneLicense a phone use licence "
    "(msft:sl/EUL/PHONE/...), msSPP-OnlineLicense a use licence (msft:sl/EUL/...), "
    "msSPP-IssuanceLicense an issuance licence (msft:sl/ISSUANCE). Another kind was put there "
    "by hand.",
    "Delete the object and activate the forest again: " + DELETE_HINT,
)
UNLINKED = RuleText(
    "ADBA-LIC-009", Severity.LOW,
    "The object's licences do not refer to each other",
    "A use licence names the configuration licence it was issued with (pkeyConfigLicenseId). "
    "When the object's msSPP-ConfigLicense has another licence id, the two were not issued "
    "together. What genuine objects carry is not publicly documented, hence low.",
    "Compare with a genuine object of the same CSVLK; if in doubt, activate the forest again: "
    + DELETE_HINT,
)
KMS_IDS = RuleText(
    "ADBA-LIC-010", Severity.MEDIUM,
    "msSPP-KMSIds differs from the KMS ids the licence counts",
    "A CSVLK licence lists the KMS ids it enables (Security-SPP-KmsCountedIdList); the object "
    "stores the same list in msSPP-KMSIds. A difference means one of them was edited.",
    "Delete the object and activate the forest again: " + DELETE_HINT,
)
RULES = (CHANGED, UNREADABLE, OTHER_SKU, NO_CSVLK_CONFIG, PID_MISFIT, KNOWN_FORGERY,
         UNVERIFIABLE, WRONG_KIND, UNLINKED, KMS_IDS)

_KINDS = {CONFIG.lower(): ("msft:sl/pkeyconfig/",),
          PHONE.lower(): ("msft:sl/eul/phone/",),
          ONLINE.lower(): ("msft:sl/eul/",),
          ISSUANCE.lower(): ("msft:sl/issuance",)}


def _name(lic: Licence) -> str:
    return lic.licence_id or "(no licenseId)"


def _signatures(obj: ActivationObject, view: ObjectLicences) -> Iterator[Finding]:
    for attribute, doc in view.documents:
        if doc.error is not None:
            yield make_finding(UNREADABLE, obj.dn, [f"{attribute}: {doc.error}"])
            continue
        for lic in doc.licences:
            check = lic.signature
            signer = check.signer.fingerprint if check.signer else "(none)"
            where = f"{attribute}: licence {_name(lic)} ({lic.kind})"
            if check.verdict is Verdict.FAILED and check.step is Step.STRUCTURE:
                yield make_finding(UNREADABLE, obj.dn, [where, f"signature: {check.detail}"],
                                   title="A licence is not signed in SPP's form")
            elif check.verdict is Verdict.FAILED:
                step = check.step.value if check.step else "?"
                yield make_finding(CHANGED, obj.dn, [where, f"failed at the {step} step: "
                                                            f"{check.detail}",
                                                     f"key in the licence: {signer}"])
            elif check.verdict is Verdict.UNVERIFIABLE:
                yield make_finding(UNVERIFIABLE, obj.dn, [where, check.detail])


def _kinds(obj: ActivationObject, view: ObjectLicences) -> Iterator[Finding]:
    for attribute, doc in view.documents:
        expected = _KINDS.get(attribute.lower())
        if expected is None or doc.error is not None:
            continue
        wrong = [lic for lic in doc.licences
                 if not (lic.licence_type or lic.category or "").lower().startswith(expected)
                 and not (lic.category or "").lower().startswith(expected)]
        if wrong and len(wrong) == len(doc.licences):
            yield make_finding(WRONG_KIND, obj.dn, [
                f"{attribute}: " + ", ".join(f"{_name(lic)} is {lic.kind}" for lic in wrong),
                f"expected a licence of type {expected[0]}..."])


def _product(lic: Licence) -> str:
    parts = [p for p in (lic.product_name, lic.description, lic.channel) if p]
    return f" ({', '.join(parts)})" if parts else ""


def _skus(obj: ActivationObject, view: ObjectLicences, context: RuleContext) -> Iterator[Finding]:
    sku = object_sku(obj)
    if sku is None:
        return
    name = ""
    if context.catalog is not None:
        known = context.catalog.csvlk(sku)
        name = f" ({known.name})" if known is not None else ""
    for attribute in (PHONE, ONLINE):
        others = [lic for lic in view.licences(attribute)
                  if lic.sku_id is not None and lic.sku_id != sku]
        if others:
            yield make_finding(OTHER_SKU, obj.dn, [
                *(f"{attribute}: licence {_name(lic)} is for SKU {lic.sku_id}{_product(lic)}"
                  for lic in others),
                f"msSPP-CSVLKSkuId: {sku}{name}"])


def _config(obj: ActivationObject, view: ObjectLicences) -> Iterator[Finding]:
    config = view.config
    sku = object_sku(obj)
    if config is None or sku is None:
        return
    licences = [lic for lic in view.licences(CONFIG) if lic.key_config is not None]
    total = sum(len(lic.key_config.configurations) for lic in licences if lic.key_config)
    types = sorted({c.key_type for lic in licences if lic.key_config
                    for c in lic.key_config.configurations})
    if config.csvlk is None:
        found = (", ".join(f"{e.key_type} ({e.description})" for e in config.entries)
                 if config.entries else "none")
        yield make_finding(NO_CSVLK_CONFIG, obj.dn, [
            f"msSPP-CSVLKSkuId: {sku}",
            f"{CONFIG}: {total} configurations, key types {', '.join(types) or 'none'}",
            f"entries for this SKU: {found}; none of type {CSVLK_TYPE}"])
        return
    pid = obj.extended_pid
    if pid is None:
        return
    if config.group_matches is False:
        yield make_finding(PID_MISFIT, obj.dn, [
            f"msSPP-CSVLKPid: {obj.csvlk_pid} (group {pid.group_id:05d})",
            f"{CONFIG}: the CSVLK's RefGroupId is {config.csvlk.ref_group_id}"])
    elif config.serial_in_range is False:
        yield make_finding(PID_MISFIT, obj.dn, [
            f"msSPP-CSVLKPid: {obj.csvlk_pid} (key serial {pid.key_serial_text})",
            f"{CONFIG}: no valid key range of the CSVLK holds this serial"])


def _forged(obj: ActivationObject, context: RuleContext) -> Iterator[Finding]:
    data = context.licence_data
    if data is None:
        return
    for attribute, blob in obj.licences:
        known = data.forged(blob.sha256)
        if known is not None:
            yield make_finding(KNOWN_FORGERY, obj.dn, [
                f"{attribute}: sha256 {blob.sha256} ({blob.size:,} bytes)",
                f"equals {known.what}", f"source: {data.source_text(known.sources)}"])


def _links(obj: ActivationObject, view: ObjectLicences) -> Iterator[Finding]:
    config_ids = {(lic.licence_id or "").lower() for lic in view.licences(CONFIG)}
    if not config_ids:
        return
    for attribute in (PHONE, ONLINE):
        for lic in view.licences(attribute):
            wanted = lic.link("pkeyConfigLicenseId")
            if wanted and wanted.lower() not in config_ids:
                yield make_finding(UNLINKED, obj.dn, [
                    f"{attribute}: licence {_name(lic)} names pkeyConfigLicenseId {wanted}",
                    f"{CONFIG} holds {', '.join(sorted(config_ids))}"])


def _kms_ids(obj: ActivationObject, view: ObjectLicences) -> Iterator[Finding]:
    stored = {g.text for g in obj.kms_ids if g.valid}
    for attribute, doc in view.documents:
        for lic in doc.licences:
            counted = {guid_text(g) or g for g in lic.kms_counted_ids}
            if counted and counted != stored:
                yield make_finding(KMS_IDS, obj.dn, [
                    f"{attribute}: licence {_name(lic)} counts {len(counted)} KMS ids",
                    "only in the licence: " + (", ".join(sorted(counted - stored)) or "none"),
                    "only in msSPP-KMSIds: " + (", ".join(sorted(stored - counted)) or "none")])


def check_licences(data: ForestData, context: RuleContext) -> Iterator[Finding]:
    """Signatures, kinds, SKUs, the CSVLK configuration, known forged files, links, KMS ids."""
    pins = context.licence_data.pins if context.licence_data is not None else ()
    for obj in data.objects:
        view = object_licences(obj, pins)
        yield from _forged(obj, context)
        yield from _signatures(obj, view)
        yield from _kinds(obj, view)
        yield from _skus(obj, view, context)
        yield from _config(obj, view)
        yield from _links(obj, view)
        yield from _kms_ids(obj, view)


CHECKS = (check_licences,)
