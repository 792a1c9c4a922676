"""``adba consistency`` against the real two-DC lab (``dc_pair``: REPL.TEST, 127.0.0.41/42).

Replication between the two DCs runs only when a test asks for it (no DNS for Samba to find
its partner), so a change on the first DC stays there until ``resync()``. Every test that
changes the lab puts it back in sync (both DCs up, inbound replication on) before it ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ldap3
import pytest

from tests.conftest import REPO, DCPair, run_adba
from tests.integration import seeds
from tests.support.dns_server import DnsServer
from tests.testdc import ActivationObjectSeed, join_dc

pytestmark = pytest.mark.dc

DC1 = "dc21.repl.test"
DC2 = "dc22.repl.test"
RODC = "dc23.repl.test"
RODC_IP = "127.0.0.43"


def _args(pair: DCPair, *extra: str) -> list[str]:
    return ["consistency", "--user", pair.first.user_upn, "--ca-file", str(pair.first.ca_file),
            "--timeout", "3", *extra]


def _json(pair: DCPair, *extra: str) -> tuple[int, dict[str, Any], str]:
    run = run_adba(*_args(pair, *extra, "--format", "json"), password=pair.first.user_password)
    assert run.stdout, run.stderr
    return run.code, json.loads(run.stdout), run.stderr


@pytest.fixture
def lab_dns(dc_pair: DCPair) -> Iterator[DnsServer]:
    """DNS for the lab: both DCs' A records and their SRV records."""
    records = {
        "_ldap._tcp.dc._msdcs.repl.test": [("SRV", f"0 100 389 {DC1}."),
                                           ("SRV", f"0 100 389 {DC2}.")],
        DC1: [("A", dc_pair.first.ip)],
        DC2: [("A", dc_pair.second.ip)],
    }
    with DnsServer(records) as server:
        yield server


@pytest.fixture
def pair(dc_pair: DCPair) -> Iterator[DCPair]:
    """The lab in sync before the test, and put back in sync after it."""
    dc_pair.resync()
    yield dc_pair
    dc_pair.resync()


def _served_cns(doc: dict[str, Any], dc: str) -> set[str]:
    entry = next(d for d in doc["data"]["dcs"] if d["name"] == dc)
    return {s["dn"].split(",", 1)[0].removeprefix("CN=") for s in entry["serves"]
            if s["kind"] == "object"}


def _ao_cns(pair: DCPair) -> set[str]:
    conn = pair.first.reader_connection()
    try:
        conn.search(pair.first.ao_container_dn, "(objectClass=msSPP-ActivationObject)",
                    ldap3.LEVEL, attributes=["cn"])
        return {str(e.cn) for e in conn.entries}
    finally:
        conn.unbind()


def test_dcs_in_sync_are_consistent_and_exit_0(pair: DCPair) -> None:
    expected = _ao_cns(pair)
    run = run_adba(*_args(pair, "--dc", pair.first.ip, "--dc", pair.second.ip),
                   password=pair.first.user_password)
    assert run.code == 0, run.stdout + run.stderr
    first_line = run.stdout.splitlines()[0]
    assert first_line == (f"All 2 domain controllers serve the same {len(expected)} activation "
                          "object(s) and container permissions; no findings")
    code, doc, _ = _json(pair, "--dc", pair.first.ip, "--dc", pair.second.ip)
    assert code == 0 and doc["findings"] == []
    data = doc["data"]
    assert data["consistent"] is True
    assert [d["state"] for d in data["dcs"]] == ["read", "read"]
    assert [d["dns_host_name"] for d in data["dcs"]] == [DC1, DC2]
    for name in (pair.first.ip, pair.second.ip):
        assert _served_cns(doc, name) == expected
    assert all(o["consistent"] for o in data["objects"])
    assert {c["kind"] for c in data["containers"]} == {"container", "spp-container"}


def test_the_dc_list_comes_from_the_directory(pair: DCPair, lab_dns: DnsServer) -> None:
    code, doc, stderr = _json(pair, "--server", pair.first.ip, "--dns-server", lab_dns.address)
    assert code == 0, stderr
    dcs = {d["name"]: d for d in doc["data"]["dcs"]}
    assert sorted(dcs) == [DC1, DC2]
    for name, ip in ((DC1, pair.first.ip), (DC2, pair.second.ip)):
        assert dcs[name]["origin"] == "directory"
        assert dcs[name]["ntds_dn"].startswith(f"CN=NTDS Settings,CN={name.split('.')[0].upper()},")
        assert dcs[name]["site"] == "Default-First-Site-Name"
        assert dcs[name]["rodc"] is False
        assert dcs[name]["in_dns"] is True
        assert dcs[name]["address"] == ip
        assert dcs[name]["state"] == "read"
        assert dcs[name]["inbound_replication"] == "enabled"
    assert doc["data"]["dns"] == {"checked": True, "srv_only": []}
    # the second DC was found in the directory and reached under its own name (its
    # certificate validated for dc22.repl.test through the address DNS gave)
    assert f"{DC2}. A" in lab_dns.queries
    assert "_ldap._tcp.dc._msdcs.repl.test. SRV" in lab_dns.queries


def test_dns_that_disagrees_with_the_directory_is_reported(pair: DCPair) -> None:
    records = {
        "_ldap._tcp.dc._msdcs.repl.test": [("SRV", f"0 100 389 {DC1}."),
                                           ("SRV", "0 100 389 old-dc.repl.test.")],
        DC1: [("A", pair.first.ip)], DC2: [("A", pair.second.ip)],
    }
    with DnsServer(records) as dns_server:
        code, doc, stderr = _json(pair, "--server", pair.first.ip, "--dns-server",
                                  dns_server.address)
    assert code == 1, stderr
    found = {(f["rule_id"], f["subject"]) for f in doc["findings"]}
    assert found == {("ADBA-REPL-006", DC2), ("ADBA-REPL-006", "old-dc.repl.test")}
    assert doc["data"]["dns"]["srv_only"] == ["old-dc.repl.test"]
    # both DCs were still read and compared
    assert doc["data"]["consistent"] is True


def test_a_lagging_replica_is_reported_difference_by_difference(pair: DCPair,
                                                                lab_dns: DnsServer) -> None:
    first, second = pair.first, pair.second
    second.set_inbound_replication(False)
    added = ActivationObjectSeed("ao-added-on-dc21", dict(seeds.REPL_OBJECTS[2].attributes))
    added_dn = first.add_activation_object(added)
    deleted_dn = f"CN={seeds.REPL_OBJECTS[0].cn},{first.ao_container_dn}"
    first.delete_entry(deleted_dn)
    changed_dn = f"CN={seeds.REPL_OBJECTS[1].cn},{first.ao_container_dn}"
    first.modify_entry(changed_dn, {"displayName": [(ldap3.MODIFY_REPLACE, ["Changed on DC21"])],
                                    "msSPP-CSVLKPartialProductKey": [(ldap3.MODIFY_REPLACE,
                                                                      ["ZZZZZ"])]})
    first.add_aces(first.ao_container_dn, ["(A;;RPLCLORC;;;DU)"])

    code, doc, stderr = _json(pair, "--server", first.ip, "--dns-server", lab_dns.address)
    assert code == 2, stderr
    by_subject = {(f["rule_id"], f["subject"]): f for f in doc["findings"]}
    assert set(by_subject) == {
        ("ADBA-REPL-005", DC2),
        ("ADBA-REPL-002", added_dn),
        ("ADBA-REPL-002", deleted_dn),
        ("ADBA-REPL-003", changed_dn),
        ("ADBA-REPL-004", first.ao_container_dn),
    }, doc["findings"]
    assert by_subject[("ADBA-REPL-005", DC2)]["title"] == \
        "Inbound replication is switched off on dc22.repl.test"
    new = by_subject[("ADBA-REPL-002", added_dn)]
    assert f"served by {DC1}" in new["title"] and f"missing on {DC2}" in new["title"]
    assert f"samba-tool drs replicate {DC2} {DC1} \"{first.config_dn}\"" in new["remediation"]
    assert f"repadmin /showrepl {DC2}" in new["remediation"]
    gone = by_subject[("ADBA-REPL-002", deleted_dn)]
    assert f"served by {DC2}" in gone["title"] and f"missing on {DC1}" in gone["title"]
    changed = by_subject[("ADBA-REPL-003", changed_dn)]
    assert f"({DC1} has the newer copy)" in changed["title"]
    evidence = "\n".join(changed["evidence"])
    assert "displayName differs" in evidence and "Changed on DC21" in evidence
    assert "msSPP-CSVLKPartialProductKey differs" in evidence and "ZZZZZ" in evidence
    assert f"samba-tool drs replicate {DC2} {DC1}" in changed["remediation"]
    acl = by_subject[("ADBA-REPL-004", first.ao_container_dn)]
    assert "dacl differs" in "\n".join(acl["evidence"])
    assert DC1 in acl["title"] and DC2 in acl["title"]
    data = doc["data"]
    assert data["consistent"] is False
    assert next(d for d in data["dcs"] if d["name"] == DC2)["inbound_replication"] == "disabled"
    assert "ao-added-on-dc21" in _served_cns(doc, DC1)
    assert "ao-added-on-dc21" not in _served_cns(doc, DC2)

    run = run_adba(*_args(pair, "--server", first.ip, "--dns-server", lab_dns.address),
                   password=first.user_password)
    assert run.code == 2
    assert run.stdout.splitlines()[0].startswith(
        "The domain controllers disagree on 3 of 4 activation object(s) and the container;")

    # once replication runs again, the same command finds the two DCs consistent
    pair.resync()
    code, doc, stderr = _json(pair, "--server", first.ip, "--dns-server", lab_dns.address)
    assert code == 0, doc["findings"]
    first.delete_entry(added_dn)  # the lab as the other tests expect it (ao-ws2022 stays gone)


def test_a_stopped_dc_is_named_unreachable_and_the_rest_is_compared(pair: DCPair,
                                                                   lab_dns: DnsServer) -> None:
    pair.second.stop_samba()
    code, doc, stderr = _json(pair, "--server", pair.first.ip, "--dns-server", lab_dns.address)
    assert code == 1, stderr
    assert [(f["rule_id"], f["subject"]) for f in doc["findings"]] == [("ADBA-REPL-001", DC2)]
    finding = doc["findings"][0]
    assert f"address: {pair.second.ip}" in finding["evidence"][0]
    assert "cannot reach" in finding["evidence"][1] or "refused" in finding["evidence"][1]
    dcs = {d["name"]: d for d in doc["data"]["dcs"]}
    assert dcs[DC2]["state"] == "unreachable" and dcs[DC2]["error"]
    assert dcs[DC1]["state"] == "read" and _served_cns(doc, DC1) == _ao_cns(pair)

    # with more than one DC left, those are still compared with each other
    code, doc, stderr = _json(pair, "--dc", pair.first.ip, "--dc", DC1, "--dc", pair.second.ip,
                              "--dns-server", lab_dns.address)
    assert code == 1, stderr
    assert [d["state"] for d in doc["data"]["dcs"]] == ["read", "read", "unreachable"]
    assert doc["data"]["consistent"] is True
    assert doc["data"]["verdict"].startswith(
        "The 2 domain controllers that were read serve the same")
    assert "1 of 3 DC(s) could not be read" in doc["data"]["verdict"]


def test_scan_all_dcs_judges_the_forest_and_compares_every_dc(pair: DCPair,
                                                              lab_dns: DnsServer) -> None:
    single = run_adba("scan", "--server", pair.first.ip, "--user", pair.first.user_upn,
                      "--ca-file", str(pair.first.ca_file), "--format", "json",
                      password=pair.first.user_password)
    plain = json.loads(single.stdout)
    pair.second.set_inbound_replication(False)
    run = run_adba("scan", "--all-dcs", "--server", pair.first.ip, "--dns-server",
                   lab_dns.address, "--user", pair.first.user_upn, "--ca-file",
                   str(pair.first.ca_file), "--format", "json", password=pair.first.user_password)
    assert run.code == single.code == 2, run.stderr
    doc = json.loads(run.stdout)
    rules = sorted((f["rule_id"], f["subject"]) for f in doc["findings"])
    expected = sorted([*((f["rule_id"], f["subject"]) for f in plain["findings"]),
                       ("ADBA-REPL-005", DC2)])
    assert rules == expected
    assert doc["data"]["source"]["server"] == pair.first.ip
    assert [o["dn"] for o in doc["data"]["objects"]] == [o["dn"] for o in plain["data"]["objects"]]
    consistency = doc["data"]["consistency"]
    assert sorted(d["name"] for d in consistency["dcs"]) == [DC1, DC2]
    assert consistency["consistent"] is True
    text = run_adba("scan", "--all-dcs", "--server", pair.first.ip, "--dns-server",
                    lab_dns.address, "--user", pair.first.user_upn, "--ca-file",
                    str(pair.first.ca_file), password=pair.first.user_password)
    assert text.stdout.startswith("ADBA works for")
    assert "Domain controllers (2)" in text.stdout
    assert "Inbound replication is switched off on dc22.repl.test" in text.stdout


def _client_report(tmp_path: Path, name: str, dc: str) -> Path:
    """The collector fixture of an ADBA-activated Server 2022, moved to the lab's forest and
    naming the DC its secure channel uses (as Win32_NTDomain gives it: NetBIOS)."""
    text = (REPO / "fixtures" / "clients" / "collector-ws2022-adba.adba.json").read_text(
        encoding="utf-8")
    pid = str(seeds.REPL_OBJECTS[0].attributes["msSPP-CSVLKPid"][0])
    text = (text.replace("DC=contoso,DC=test", "DC=repl,DC=test")
            .replace("contoso.test", "repl.test").replace("WS22-APP01", name)
            .replace("03612-04573-000-000123-03-1033-20348.0000-0452025", pid))
    doc = json.loads(text)
    doc["domain_controller"] = dc
    path = tmp_path / f"{name}.adba.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_diagnose_checks_each_client_against_the_copy_of_its_dc(pair: DCPair, lab_dns: DnsServer,
                                                                tmp_path: Path) -> None:
    first = pair.first
    seed = seeds.REPL_OBJECTS[0]
    dn = f"CN={seed.cn},{first.ao_container_dn}"
    if seed.cn in _ao_cns(pair):  # the lagging test may have deleted it already
        first.delete_entry(dn)
        pair.resync()
    pair.second.set_inbound_replication(False)
    first.add_activation_object(seed)  # on DC21 only: DC22 lags
    reports = [_client_report(tmp_path, "APP-ON-DC21", "DC21"),
               _client_report(tmp_path, "APP-ON-DC22", "DC22")]
    try:
        run = run_adba("diagnose", *map(str, reports), "--client-dc", "--server", first.ip,
                       "--dns-server", lab_dns.address, "--user", first.user_upn, "--ca-file",
                       str(first.ca_file), "--format", "json", password=first.user_password)
        plain = run_adba("diagnose", *map(str, reports), "--server", first.ip, "--user",
                         first.user_upn, "--ca-file", str(first.ca_file), "--format", "json",
                         password=first.user_password)
    finally:
        first.delete_entry(dn)
    assert run.code == 2, run.stderr
    doc = json.loads(run.stdout)
    by_machine = {f["subject"].split(":", 1)[0]: f["rule_id"] for f in doc["findings"]}
    assert by_machine == {"APP-ON-DC21": "ADBA-DIAG-001", "APP-ON-DC22": "ADBA-DIAG-002"}
    notes = {r["machine"]: r["notes"] for r in doc["data"]["reports"]}
    assert f"checked against {DC1}'s copy (the DC the client uses)" in notes["APP-ON-DC21"]
    assert f"checked against {DC2}'s copy (the DC the client uses)" in notes["APP-ON-DC22"]
    assert {r["domain_controller"] for r in doc["data"]["reports"]} == {"DC21", "DC22"}
    # without --client-dc both are checked against the DC adba was given
    assert plain.code == 0, plain.stderr
    assert {f["rule_id"] for f in json.loads(plain.stdout)["findings"]} == {"ADBA-DIAG-001"}


def test_a_read_only_dc_is_found_and_recognised(pair: DCPair, lab_dns: DnsServer) -> None:
    """Last in the file: a third DC joins as an RODC, and leaves the forest afterwards."""
    first = pair.first
    rodc = join_dc(first, RODC_IP, "dc23", role="RODC")
    records = {
        "_ldap._tcp.dc._msdcs.repl.test": [("SRV", f"0 100 389 {name}.")
                                           for name in (DC1, DC2, RODC)],
        DC1: [("A", first.ip)], DC2: [("A", pair.second.ip)], RODC: [("A", rodc.ip)],
    }
    try:
        with DnsServer(records) as dns_server:
            code, doc, stderr = _json(pair, "--server", first.ip, "--dns-server",
                                      dns_server.address)
            text = run_adba(*_args(pair, "--server", first.ip, "--dns-server",
                                   dns_server.address), password=first.user_password)
    finally:
        rodc.stop()
        first.samba_tool("domain", "demote", "--remove-other-dead-server=DC23", "-H",
                         str(first.sam_ldb))
    assert code == 0, (stderr, doc["findings"])  # its DISABLE_OUTBOUND_REPL is by design
    dcs = {d["name"]: d for d in doc["data"]["dcs"]}
    assert sorted(dcs) == [DC1, DC2, RODC]
    assert (dcs[RODC]["rodc"], dcs[DC1]["rodc"], dcs[DC2]["rodc"]) == (True, False, False)
    assert dcs[RODC]["state"] == "read" and dcs[RODC]["outbound_replication"] == "disabled"
    assert _served_cns(doc, RODC) == _served_cns(doc, DC1)
    assert "RODC" in next(line for line in text.stdout.splitlines() if RODC in line)
