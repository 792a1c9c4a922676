"""Signs of a forged activation object: placeholders no activation service would write.

A public activation-bypass script creates objects by hand with New-ADObject, with an all-zero
SKU id, a partial key like XXXXX and a PID of zeroes. Such an object lets clients report
"activated" without a CSVLK ever being activated, and is a licensing and integrity problem.
"""

from __future__ import annotations

from collections.abc import Iterator

from adba.core.epid import epid_problems
from adba.core.findings import Finding, RuleText, Severity, make_finding
from adba.core.models import ForestData
from adba.core.rules import RuleContext

FORGED_HINT = ("Treat it as an incident: find who created it (whenCreated, the DC's security "
                "log, the container's DACL), then delete it: slmgr /del-ao \"{subject}\" "
                "(or Remove-ADObject -Identity \"{subject}\").")

ZERO_SKU = RuleText(
    "ADBA-FORGE-001", Severity.CRITICAL,
    "The CSVLK SKU id is the all-zero GUID",
    "No Microsoft product has the GUID 00000000-0000-0000-0000-000000000000. An object with it "
    "was written by hand, typically by an activation-bypass tool.",
    FORGED_HINT,
)
PLACEHOLDER_KEY = RuleText(
    "ADBA-FORGE-002", Severity.HIGH,
    "The partial product key is a placeholder",
    "The partial key of a real CSVLK is five characters of the key; five times the same "
    "character (XXXXX, 00000, ...) is a placeholder written by hand.",
    FORGED_HINT,
)
PLACEHOLDER_PID = RuleText(
    "ADBA-FORGE-003", Severity.HIGH,
    "The CSVLK extended PID is a placeholder",
    "A PID made of zeroes (platform 00000, key serial 000-000000, ...) is not issued by the "
    "activation service; it is the mark of a hand-made object.",
    FORGED_HINT,
)
RULES = (ZERO_SKU, PLACEHOLDER_KEY, PLACEHOLDER_PID)


def check_forgery(data: ForestData, context: RuleContext) -> Iterator[Finding]:
    """All-zero SKU id, placeholder partial key, placeholder PID."""
    for obj in data.objects:
        if obj.csvlk_sku_id is not None and obj.csvlk_sku_id.is_zero:
            yield make_finding(ZERO_SKU, obj.dn, [f"msSPP-CSVLKSkuId: {obj.csvlk_sku_id.text}"])
        key = obj.partial_product_key
        if key and len(set(key.upper())) == 1:
            yield make_finding(PLACEHOLDER_KEY, obj.dn, [f"msSPP-CSVLKPartialProductKey: {key}"])
        if obj.extended_pid is not None:
            placeholder = [p for p in epid_problems(obj.extended_pid, context.today)
                           if p.code == "placeholder"]
            if placeholder:
                yield make_finding(PLACEHOLDER_PID, obj.dn, [
                    f"msSPP-CSVLKPid: {obj.csvlk_pid}", *(p.message for p in placeholder)])


CHECKS = (check_forgery,)
