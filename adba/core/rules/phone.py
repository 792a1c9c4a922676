"""Rules on phone-activation data: Installation and Confirmation IDs and their check digits."""

from __future__ import annotations

from collections.abc import Iterator

from adba.core.findings import Finding, RuleText, Severity, make_finding
from adba.core.models import ForestData
from adba.core.phone_ids import split_confirmation_id, split_installation_id
from adba.core.rules import RuleContext
from adba.core.rules.objects import DELETE_HINT

BAD_IID = RuleText(
    "ADBA-PHONE-001", Severity.MEDIUM,
    "The Installation ID fails its check digits",
    "A phone-activated object stores the forest's Installation ID: 9 groups of 7 digits (or 6 on "
    "older releases), each ending in a check digit (weighted digit sum mod 7). A failing group "
    "means the value was typed or edited by hand (0xC004F04D, SL_E_CIDIID_INVALID_CHECK_DIGITS).",
    "Activate the forest again and let the tools store the IDs: slmgr /ad-activation-get-iid "
    "<CSVLK>, obtain the CID, then slmgr /ad-activation-apply-cid <CSVLK> <CID> \"<name>\"; "
    "afterwards delete the old object: slmgr /del-ao \"{subject}\"",
)
BAD_CID = RuleText(
    "ADBA-PHONE-002", Severity.LOW,
    "The Confirmation ID fails its check digits",
    "A Confirmation ID is 8 groups of 6 digits. The same mod-7 check as for Installation IDs is "
    "known for older releases and assumed here, so this is a warning, not proof.",
    "Compare with the Confirmation ID Microsoft gave you; if it differs, activate the forest "
    "again (slmgr /ad-activation-apply-cid) and delete this object: slmgr /del-ao \"{subject}\"",
)
PHONE_DATA_MISSING = RuleText(
    "ADBA-PHONE-003", Severity.MEDIUM,
    "Phone-activation data is incomplete",
    "An object activated by phone carries msSPP-PhoneLicense together with the Installation ID "
    "and the Confirmation ID it was activated with. One without the other points at a broken "
    "or hand-made object.",
    "Activate the forest again by phone or online and delete this object: " + DELETE_HINT,
)
RULES = (BAD_IID, BAD_CID, PHONE_DATA_MISSING)


def check_phone(data: ForestData, _: RuleContext) -> Iterator[Finding]:
    """IID/CID shapes and check digits; phone licence without IDs or IDs without licence."""
    for obj in data.objects:
        if obj.installation_id is not None:
            iid = split_installation_id(obj.installation_id)
            if iid is None:
                yield make_finding(BAD_IID, obj.dn, [
                    f"msSPP-InstallationId: {obj.installation_id!r} is not 54 or 63 digits"],
                    title="The Installation ID has the wrong length")
            elif not iid.ok:
                yield make_finding(BAD_IID, obj.dn, [
                    f"msSPP-InstallationId: {'-'.join(iid.groups)}",
                    "groups failing the check digit: " + ", ".join(str(g) for g in iid.bad_groups)])
        if obj.confirmation_id is not None:
            cid = split_confirmation_id(obj.confirmation_id)
            if cid is None:
                yield make_finding(BAD_CID, obj.dn, [
                    f"msSPP-ConfirmationId has {sum(c.isdigit() for c in obj.confirmation_id)} digits, "
                    "not 48 (value not shown)"],
                    title="The Confirmation ID has the wrong length")
            elif not cid.ok:
                yield make_finding(BAD_CID, obj.dn, [
                    f"msSPP-ConfirmationId: {len(cid.groups)} groups (value not shown)",
                    "groups failing the check digit: " + ", ".join(str(g) for g in cid.bad_groups)])
        has_phone = obj.licence("msSPP-PhoneLicense") is not None
        has_ids = obj.installation_id is not None and obj.confirmation_id is not None
        if has_phone and not has_ids:
            yield make_finding(PHONE_DATA_MISSING, obj.dn, [
                "msSPP-PhoneLicense is present but "
                + ("msSPP-InstallationId" if obj.installation_id is None else "msSPP-ConfirmationId")
                + " is missing"])
        elif (obj.installation_id is not None or obj.confirmation_id is not None) and not has_phone:
            yield make_finding(PHONE_DATA_MISSING, obj.dn, [
                "phone-activation IDs are present but msSPP-PhoneLicense is missing"])


CHECKS = (check_phone,)
