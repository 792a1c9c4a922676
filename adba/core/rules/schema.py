"""Rules on the schema: is it new enough for ADBA, and does it define the msSPP classes."""

from __future__ import annotations

from collections.abc import Iterator

from adba.core.findings import Finding, RuleText, Severity, make_finding
from adba.core.models import MSSPP_CLASSES, ForestData
from adba.core.rules import RuleContext
from adba.core.schema_versions import ADBA_MIN_SCHEMA_VERSION, schema_release

SCHEMA_TOO_OLD = RuleText(
    "ADBA-SCHEMA-001", Severity.HIGH,
    "The forest schema is too old for Active Directory-based activation",
    "ADBA needs the Windows Server 2012 schema extensions (Sch48.ldf); clients fail with "
    "0xC004F083 (SL_E_VL_AD_SCHEMA_VERSION_NOT_SUPPORTED) and slmgr /ao-list says ADBA is not "
    "supported in the current schema.",
    "On the schema master, as a member of Schema Admins and Enterprise Admins, run from Windows "
    "Server 2012 or later media: adprep /forestprep (then adprep /domainprep in each domain), or "
    "promote a Windows Server 2012+ DC, which prepares the forest.",
)
CLASSES_MISSING = RuleText(
    "ADBA-SCHEMA-002", Severity.HIGH,
    "The schema does not define the activation-object classes",
    "Without the classes msSPP-ActivationObject and msSPP-ActivationObjectsContainer no "
    "activation object can exist, whatever the schema version says.",
    "Run adprep /forestprep from Windows Server 2012 or later media on the schema master, and "
    "check that Sch48.ldf was applied (adprep logs under %SystemRoot%\\System32\\Debug\\adprep).",
)
RULES = (SCHEMA_TOO_OLD, CLASSES_MISSING)


def check_schema(data: ForestData, _: RuleContext) -> Iterator[Finding]:
    """Schema objectVersion below 56, or msSPP classes absent."""
    forest = data.forest
    if forest is None:
        return
    version = forest.schema_object_version
    subject = forest.schema_nc or "schema"
    if version is not None and version < ADBA_MIN_SCHEMA_VERSION:
        yield make_finding(SCHEMA_TOO_OLD, subject, [
            f"objectVersion {version} ({schema_release(version)})",
            f"ADBA needs objectVersion {ADBA_MIN_SCHEMA_VERSION} "
            f"({schema_release(ADBA_MIN_SCHEMA_VERSION)}) or later",
        ])
    missing = [c for c in MSSPP_CLASSES if forest.has_class(c) is False]
    if missing:
        yield make_finding(CLASSES_MISSING, subject,
                           [f"class {c} is not in the schema" for c in missing])


CHECKS = (check_schema,)
