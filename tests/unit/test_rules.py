"""Rules on decoded data, for cases a real DC cannot easily produce (pure core, no LDAP)."""

from __future__ import annotations

import uuid
from datetime import date

from adba.adapters.decode import decode_forest
from adba.adapters.records import RawEntry, RawForest, digest
from adba.core.findings import Finding
from adba.core.models import Readability, SourceInfo, SourceKind
from adba.core.rules import RuleContext, run_rules
from adba.core.security_descriptor import Ace, build_security_descriptor

ROOT = "S-1-5-21-1-2-3"
EA, DA, DU = f"{ROOT}-519", f"{ROOT}-512", f"{ROOT}-513"
CONFIG = "CN=Configuration,DC=contoso,DC=com"
AO_DN = f"CN=Activation Objects,CN=Microsoft SPP,CN=Services,{CONFIG}"
SPP_DN = f"CN=Microsoft SPP,CN=Services,{CONFIG}"
TODAY = date(2026, 11, 27)
AO_CLASS = uuid.UUID("51a0e68c-0dc5-43ca-935d-c1c911bf2ee5")
USER_CLASS = uuid.UUID("bf967aba-0de6-11d0-a285-00aa003049e2")


def ace(sid: str, mask: int, *, kind: int = 0, flags: int = 0,
        object_type: uuid.UUID | None = None) -> Ace:
    return Ace(ace_type=kind, flags=flags, mask=mask, sid=sid, object_type=object_type)


FORESTPREP = [ace("S-1-5-11", 0x20094), ace(EA, 0xF01BD), ace("S-1-5-18", 0xF01FF)]


def good_object(cn: str = "ok", **over: list[bytes]) -> RawEntry:
    attrs: dict[str, list[bytes]] = {
        "objectClass": [b"top", b"msSPP-ActivationObject"],
        "msSPP-CSVLKSkuId": [uuid.UUID("661f7658-7035-4b4c-9f35-010682943ec2").bytes_le],
        "msSPP-KMSIds": [uuid.UUID("b74263e4-0f92-46c6-bcf8-c11d5efe2959").bytes_le],
        "msSPP-CSVLKPid": [b"03612-04573-000-012345-03-1033-20348.0000-1502024"],
        "msSPP-CSVLKPartialProductKey": [b"7H3KQ"],
        "displayName": [b"WS2022"],
    }
    attrs.update(over)
    return RawEntry(dn=f"CN={cn},{AO_DN}", attributes=attrs,
                    blobs={"msSPP-OnlineLicense": [digest(b"licence")]})


def forest(dacl: list[Ace] | None = None, owner: str = EA, children: list[RawEntry] | None = None,
           ao_classes: list[bytes] | None = None) -> RawForest:
    sd = build_security_descriptor(owner, owner, FORESTPREP if dacl is None else dacl)
    ao = RawEntry(dn=AO_DN, attributes={
        "objectClass": ao_classes or [b"top", b"msSPP-ActivationObjectsContainer"],
        "nTSecurityDescriptor": [sd]})
    spp = RawEntry(dn=SPP_DN, attributes={"objectClass": [b"top", b"container"]})
    return RawForest(source=SourceInfo(kind=SourceKind.SNAPSHOT), config_nc=CONFIG,
                     root_domain_sid=ROOT, schema_object_version=69,
                     schema_classes={"msSPP-ActivationObject": True,
                                     "msSPP-ActivationObjectsContainer": True},
                     spp_container=spp, spp_state=Readability.PRESENT,
                     ao_container=ao, ao_state=Readability.PRESENT,
                     children=[good_object()] if children is None else children)


def findings(raw: RawForest) -> list[Finding]:
    return run_rules(decode_forest(raw), RuleContext(today=TODAY))


def ids(raw: RawForest) -> set[str]:
    return {f.rule_id for f in findings(raw)}


def test_a_healthy_forest_has_no_findings() -> None:
    assert findings(forest()) == []


def test_empty_container() -> None:
    assert ids(forest(children=[])) == {"ADBA-CONT-003"}


def test_wrong_container_class() -> None:
    result = findings(forest(ao_classes=[b"top", b"container"]))
    assert [f.rule_id for f in result] == ["ADBA-CONT-002"]
    assert 'Remove-ADObject -Identity "' + AO_DN in result[0].remediation


def test_broad_group_with_create_child_is_critical_and_named() -> None:
    result = [f for f in findings(forest(dacl=[*FORESTPREP, ace(DU, 0x1)]))
              if f.rule_id == "ADBA-ACL-002"]
    assert len(result) == 1 and result[0].severity.value == "critical"
    assert "Domain Users" in result[0].title and DU in result[0].title


def test_specific_delegation_is_high_and_object_typed_create_child_counts() -> None:
    other = f"{ROOT}-1105"
    result = [f for f in findings(forest(dacl=[*FORESTPREP, ace(other, 0x1, kind=5,
                                                                 object_type=AO_CLASS)]))
              if f.rule_id == "ADBA-ACL-002"]
    assert len(result) == 1 and result[0].severity.value == "high"
    # Creating children of an unrelated class plants nothing.
    assert "ADBA-ACL-002" not in ids(forest(dacl=[*FORESTPREP, ace(other, 0x1, kind=5,
                                                                   object_type=USER_CLASS)]))


def test_write_dacl_and_inherited_write_to_objects_count_as_planting() -> None:
    other = f"{ROOT}-1106"
    assert "ADBA-ACL-002" in ids(forest(dacl=[*FORESTPREP, ace(other, 0x40000)]))
    inherit_only_write = ace(other, 0x20, flags=0x02 | 0x08)
    assert "ADBA-ACL-002" in ids(forest(dacl=[*FORESTPREP, inherit_only_write]))


def test_admins_are_not_reported() -> None:
    assert ids(forest(dacl=[*FORESTPREP, ace(DA, 0xF01FF), ace("S-1-5-32-544", 0xF01FF)])) == set()


def test_delete_rights_for_non_admins() -> None:
    result = findings(forest(dacl=[*FORESTPREP, ace(f"{ROOT}-1107", 0x2)]))
    assert [f.rule_id for f in result] == ["ADBA-ACL-005"]


def test_no_read_for_authenticated_users_and_an_explicit_deny() -> None:
    no_read = [a for a in FORESTPREP if a.sid != "S-1-5-11"]
    assert ids(forest(dacl=no_read)) == {"ADBA-ACL-001"}
    deny = findings(forest(dacl=[ace("S-1-5-11", 0x14, kind=1), *FORESTPREP]))
    assert [f.rule_id for f in deny] == ["ADBA-ACL-001"]
    assert deny[0].evidence[0].startswith("deny ACE for Authenticated Users")


def test_owner_not_admin() -> None:
    result = findings(forest(owner=f"{ROOT}-1108"))
    assert [f.rule_id for f in result] == ["ADBA-ACL-003"]


def test_unreadable_security_descriptor() -> None:
    raw = forest()
    assert raw.ao_container is not None
    del raw.ao_container.attributes["nTSecurityDescriptor"]
    raw.security_error = "the server returned no security descriptor (no READ_CONTROL right)"
    assert ids(raw) == {"ADBA-ACL-004"}


def test_phone_rules() -> None:
    iid = b"253037440405119108201413961093786848722385303726677949056629205"
    bad_cid = b"1" * 48
    phone_without_ids = good_object("p1")
    phone_without_ids.blobs = {"msSPP-PhoneLicense": [digest(b"p")]}
    ids_without_phone = good_object("p2", **{"msSPP-InstallationId": [iid]})
    bad = good_object("p3", **{"msSPP-InstallationId": [iid], "msSPP-ConfirmationId": [bad_cid]})
    bad.blobs = {"msSPP-PhoneLicense": [digest(b"p")]}
    short = good_object("p4", **{"msSPP-InstallationId": [b"123"], "msSPP-ConfirmationId": [b"12"]})
    short.blobs = {"msSPP-PhoneLicense": [digest(b"p")]}
    result = findings(forest(children=[phone_without_ids, ids_without_phone, bad, short]))
    got = {(f.subject.split(",")[0], f.rule_id) for f in result if f.rule_id != "ADBA-DUP-001"}
    assert got == {("CN=p1", "ADBA-PHONE-003"), ("CN=p2", "ADBA-PHONE-003"),
                   ("CN=p3", "ADBA-PHONE-002"), ("CN=p4", "ADBA-PHONE-001"),
                   ("CN=p4", "ADBA-PHONE-002")}
    cid_evidence = " ".join(e for f in result if f.rule_id == "ADBA-PHONE-002" for e in f.evidence)
    assert "111111" not in cid_evidence  # a Confirmation ID is never printed


def test_schema_rules_and_unknown_versions() -> None:
    raw = forest()
    raw.schema_object_version = 52
    raw.schema_classes = {"msSPP-ActivationObject": True, "msSPP-ActivationObjectsContainer": True}
    result = findings(raw)
    assert [f.rule_id for f in result] == ["ADBA-SCHEMA-001"]
    assert "between Windows Server 2008 R2 and Windows Server 2012" in result[0].evidence[0]
