"""The per-DC comparison core and the ``adba consistency`` paths the two-DC lab cannot produce
(equal stamps with different values, re-created objects, an RODC, DNS failures, usage errors).

Copies are the bundled sample forest (recorded from the real test DC) as each DC would serve
it, changed where a test needs a difference.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adba.adapters.decode import decode_forest
from adba.adapters.ldap.dcs import _parent, directory_dcs, domain_of, srv_hosts
from adba.adapters.ldap.directory import SearchEntry
from adba.adapters.snapshot import read_snapshot
from adba.core.consistency import (
    DISABLE_INBOUND_REPL,
    DcCopy,
    DomainController,
    compare,
)
from adba.core.models import Blob, ForestData, GuidValue
from adba.core.rules.consistency import consistency_findings
from tests.conftest import REPO, run_adba

SAMPLE = REPO / "adba" / "data" / "sample-forest.json"


def _sample() -> ForestData:
    return decode_forest(read_snapshot(SAMPLE))


def _copy(name: str, data: ForestData | None = None, **kwargs: Any) -> DcCopy:
    return DcCopy(DomainController(name=name), data if data is not None else _sample(), **kwargs)


def _with_object(data: ForestData, index: int, **changes: Any) -> ForestData:
    objects = list(data.objects)
    objects[index] = replace(objects[index], **changes)
    return replace(data, objects=tuple(objects))


def _rules(report: Any) -> list[tuple[str, str]]:
    return [(f.rule_id, f.subject) for f in consistency_findings(report)]


def test_identical_copies_are_consistent_whatever_their_local_change_stamps() -> None:
    data = _sample()
    later = replace(data, objects=tuple(
        replace(o, when_changed=(o.when_changed or datetime.now(UTC)) + timedelta(days=3),
                usn_changed=99999) for o in data.objects))
    report = compare([_copy("dc1", data), _copy("dc2", later)])
    assert report.consistent
    assert _rules(report) == []


def test_a_licence_blob_that_differs_is_found_by_its_digest_not_by_whenchanged() -> None:
    data = _sample()
    obj = data.objects[0]
    name, blob = obj.licences[0]
    changed = _with_object(data, 0, licences=((name, Blob(blob.size, "0" * 64)),
                                              *obj.licences[1:]))
    report = compare([_copy("dc1", data), _copy("dc2", changed)])
    assert _rules(report) == [("ADBA-REPL-003", obj.dn)]
    finding = consistency_findings(report)[0]
    assert finding.evidence[0].startswith(f"{name} differs: dc1: {blob.size} bytes, sha256 "
                                          f"{blob.sha256}; dc2: {blob.size} bytes, sha256 000")
    assert "newest change: cannot tell" in "\n".join(finding.evidence)
    assert "has the newer copy" not in finding.title


def test_kms_ids_in_another_order_are_the_same_value() -> None:
    data = _sample()
    obj = next(o for o in data.objects if len(o.kms_ids) > 1)
    index = data.objects.index(obj)
    shuffled = _with_object(data, index, kms_ids=tuple(reversed(obj.kms_ids)))
    assert compare([_copy("dc1", data), _copy("dc2", shuffled)]).consistent


def test_an_object_recreated_under_the_same_name_differs_by_its_guid() -> None:
    data = _sample()
    obj = data.objects[2]
    recreated = _with_object(data, 2, object_guid=uuid.uuid4(),
                             when_changed=(obj.when_changed or datetime.now(UTC))
                             + timedelta(hours=1))
    report = compare([_copy("dc1", data), _copy("dc2", recreated)])
    (finding,) = consistency_findings(report)
    assert finding.rule_id == "ADBA-REPL-003"
    assert finding.evidence[0].startswith("objectGUID differs")
    assert finding.title.endswith("(dc2 has the newer copy)")
    # the copy that is behind is the one to replicate into, from the newer one
    assert "samba-tool drs replicate dc1 dc2" in finding.remediation


def test_a_kms_id_added_on_one_dc_names_both_dcs_and_the_values() -> None:
    data = _sample()
    obj = data.objects[0]
    extra = GuidValue(uuid.UUID("58e2134f-8e11-4d17-9cb2-91069c151148").bytes_le)
    changed = _with_object(data, 0, kms_ids=(*obj.kms_ids, extra))
    report = compare([_copy("dc1", data), _copy("dc2", data), _copy("dc3", changed)])
    (finding,) = consistency_findings(report)
    assert finding.rule_id == "ADBA-REPL-003"
    assert "dc1, dc2, dc3" in finding.title
    assert "58e2134f-8e11-4d17-9cb2-91069c151148" in finding.evidence[0]


def test_an_unreachable_dc_is_a_finding_and_the_others_are_still_compared() -> None:
    data = _sample()
    fewer = replace(data, objects=data.objects[1:])
    down = DcCopy(DomainController(name="dc3.contoso.test", address="10.0.0.3", port=636,
                                   site="Branch"), None, error="cannot reach 10.0.0.3:636")
    report = compare([_copy("dc1", data), _copy("dc2", fewer), down])
    rules = _rules(report)
    assert ("ADBA-REPL-001", "dc3.contoso.test") in rules
    assert ("ADBA-REPL-002", data.objects[0].dn) in rules
    finding = next(f for f in consistency_findings(report) if f.rule_id == "ADBA-REPL-001")
    assert finding.evidence[:2] == ("address: 10.0.0.3, port 636",
                                    "error: cannot reach 10.0.0.3:636")
    assert [c.dc for c in report.objects[0].copies] == ["dc1", "dc2"]


def test_inbound_replication_switched_off_is_read_from_the_dcs_own_settings() -> None:
    report = compare([_copy("dc1"), _copy("dc2", options=DISABLE_INBOUND_REPL | 1)])
    (finding,) = consistency_findings(report)
    assert (finding.rule_id, finding.subject) == ("ADBA-REPL-005", "dc2")
    assert finding.title == "Inbound replication is switched off on dc2"
    assert "samba-tool drs options dc2 --dsa-option=-DISABLE_INBOUND_REPL" in finding.remediation


def test_the_container_dacl_difference_is_shown_ace_by_ace() -> None:
    data = _sample()
    sd = data.ao_container.security
    assert sd is not None and sd.dacl
    fewer = replace(data, ao_container=replace(data.ao_container,
                                               security=replace(sd, dacl=sd.dacl[1:])))
    report = compare([_copy("dc1", data), _copy("dc2", fewer)])
    (finding,) = consistency_findings(report)
    assert finding.rule_id == "ADBA-REPL-004"
    assert finding.subject == data.ao_container.dn
    assert finding.evidence[0].startswith("dacl differs: dc1: " + sd.dacl[0].sddl())


def test_dns_cross_check_findings_only_when_dns_was_checked() -> None:
    dc = DcCopy(DomainController(name="dc2.contoso.test", in_dns=False, ntds_dn="CN=NTDS..."),
                _sample())
    unchecked = compare([_copy("dc1"), dc])
    assert _rules(unchecked) == []
    checked = compare([_copy("dc1"), dc], dns_checked=True, dns_only=["old.contoso.test"])
    assert _rules(checked) == [("ADBA-REPL-006", "dc2.contoso.test"),
                               ("ADBA-REPL-006", "old.contoso.test")]


class _Directory:
    """A directory answering the two searches of DC discovery (no Samba RODC in the lab)."""

    def __init__(self, entries: list[SearchEntry], servers: dict[str, SearchEntry]) -> None:
        self.entries = entries
        self.servers = servers

    def search(self, base: str, *_args: Any, **_kwargs: Any) -> list[SearchEntry]:
        return self.entries

    def read(self, dn: str, *_args: Any, **_kwargs: Any) -> SearchEntry | None:
        return self.servers.get(dn)


def test_rodcs_sites_and_dcs_without_a_dns_name_from_the_directory() -> None:
    config = "CN=Configuration,DC=contoso,DC=com"
    rw = f"CN=DC1,CN=Servers,CN=Paris,CN=Sites,{config}"
    ro = f"CN=RODC1,CN=Servers,CN=Branch\\, Lyon,CN=Sites,{config}"
    bare = f"CN=OLD,CN=Servers,CN=Paris,CN=Sites,{config}"
    entries = [
        SearchEntry(f"CN=NTDS Settings,{rw}", {"objectClass": [b"top", b"nTDSDSA"],
                                               "options": [b"1"]}),
        SearchEntry(f"CN=NTDS Settings,{ro}", {"objectClass": [b"top", b"nTDSDSA", b"nTDSDSARO"],
                                               "msDS-isRODC": [b"TRUE"]}),
        SearchEntry(f"CN=NTDS Settings,{bare}", {"objectClass": [b"nTDSDSA"],
                                                 "options": [b"3"]}),
    ]
    servers = {
        rw: SearchEntry(rw, {"dNSHostName": [b"DC1.contoso.com"],
                             "serverReference": [b"CN=DC1,OU=Domain Controllers,DC=contoso,DC=com"]}),
        ro: SearchEntry(ro, {"dNSHostName": [b"rodc1.lyon.contoso.com"]}),
        bare: SearchEntry(bare, {}),
    }
    found = directory_dcs(_Directory(entries, servers), config)  # type: ignore[arg-type]
    by_name = {dc.name: (dc, domain) for dc, domain in found}
    assert sorted(by_name) == ["dc1.contoso.com", "old", "rodc1.lyon.contoso.com"]
    dc1, domain1 = by_name["dc1.contoso.com"]
    assert (dc1.site, dc1.rodc, dc1.options, domain1) == ("Paris", False, 1, "contoso.com")
    rodc, domain2 = by_name["rodc1.lyon.contoso.com"]
    assert (rodc.site, rodc.rodc, domain2) == ("Branch, Lyon", True, "lyon.contoso.com")
    old, _ = by_name["old"]
    assert old.options == 3


def test_srv_lookups_that_fail_leave_their_domain_unchecked() -> None:
    import dns.exception
    import dns.resolver

    class Resolver:
        def resolve(self, name: str, _rdtype: Any) -> Any:
            if name.endswith("gone.test"):
                raise dns.resolver.NXDOMAIN()
            raise dns.exception.Timeout()

    hosts, failures = srv_hosts(["gone.test", "slow.test"], Resolver())
    assert hosts == {"gone.test": set()}
    assert failures == ["_ldap._tcp.dc._msdcs.slow.test: Timeout"]


@given(st.text(max_size=200))
def test_dn_parsing_of_what_a_server_sends_never_fails(text: str) -> None:
    server, site = _parent(text)
    assert isinstance(server, str) and (site is None or isinstance(site, str))
    assert isinstance(domain_of(text, "host.example.test"), str)


# --- the command line ---------------------------------------------------------------------

def _lagging_snapshot(tmp_path: Path) -> Path:
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc["source"]["server"] = "dc2.contoso.test"
    gone = doc["children"].pop(1)["dn"]
    (tmp_path / "gone").write_text(gone)
    path = tmp_path / "dc2.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_snapshots_from_two_dcs_compared_offline(tmp_path: Path) -> None:
    second = _lagging_snapshot(tmp_path)
    run = run_adba("consistency", "--snapshot", str(SAMPLE), "--snapshot", str(second),
                   "--format", "json")
    assert run.code == 2, run.stderr
    doc = json.loads(run.stdout)
    gone = (tmp_path / "gone").read_text()
    assert [(f["rule_id"], f["subject"]) for f in doc["findings"]] == [("ADBA-REPL-002", gone)]
    assert "missing on dc2.contoso.test" in doc["findings"][0]["title"]
    text = run_adba("consistency", "--snapshot", str(SAMPLE), "--snapshot", str(second))
    assert text.stdout.splitlines()[0] == \
        "The domain controllers disagree on 1 of 10 activation object(s); 1 high finding"
    same = run_adba("consistency", "--snapshot", str(SAMPLE), "--snapshot", str(SAMPLE))
    assert same.code == 0
    assert same.stdout.splitlines()[0].startswith("All 2 domain controllers serve the same 10 ")


def test_one_snapshot_says_there_is_nothing_to_compare() -> None:
    run = run_adba("consistency", "--snapshot", str(SAMPLE))
    assert run.code == 0
    assert run.stdout.startswith("Nothing to compare: 1 of 1 domain controller(s)")
    assert "nothing to compare it with" in run.stdout


def test_usage_errors_are_one_line_exit_3(tmp_path: Path) -> None:
    both = run_adba("consistency", "--dc", "127.0.0.1", "--server", "127.0.0.1", "--user",
                    "u@x.test", password="p")
    assert both.code == 3 and both.stderr.count("\n") == 1
    assert "--dc lists the DCs to compare" in both.stderr
    mixed = run_adba("consistency", "--snapshot", str(SAMPLE), "--dc", "127.0.0.1")
    assert mixed.code == 3 and "--snapshot compares files" in mixed.stderr
    nothing = run_adba("consistency", "--user", "u@x.test", password="p")
    assert nothing.code == 3 and "no forest to read" in nothing.stderr


def test_no_dc_reachable_is_exit_3_naming_each(tmp_path: Path) -> None:
    run = run_adba("consistency", "--dc", "127.0.0.61", "--dc", "127.0.0.62", "--user",
                   "u@x.test", "--timeout", "1", "--format", "json", password="p")
    assert run.code == 3, run.stdout + run.stderr
    line = next(x for x in run.stderr.splitlines() if x.startswith("adba: error:"))
    assert "no domain controller could be read" in line
    assert "127.0.0.61" in line and "127.0.0.62" in line
    assert json.loads(run.stdout)["status"] == "error"


def test_a_read_only_dc_that_does_not_replicate_outbound_is_normal() -> None:
    rodc = DcCopy(DomainController(name="rodc1", rodc=True), _sample(), options=0x4)
    writable = DcCopy(DomainController(name="dc2", rodc=False), _sample(), options=0x4)
    assert _rules(compare([_copy("dc1"), rodc])) == []
    (finding,) = consistency_findings(compare([_copy("dc1"), writable]))
    assert finding.title == "Outbound replication is switched off on dc2"


def test_the_dc_a_client_names_picks_that_dcs_copy() -> None:
    from adba.cli.diagnose_work import DcCopies

    one, two = _sample(), replace(_sample(), objects=())
    copies = DcCopies({"dc1.contoso.test": one, "dc2.contoso.test": two},
                      {"dc3.contoso.test": "cannot reach dc3.contoso.test:636"}, "dc1.contoso.test")
    assert copies.pick("DC2")[:2] == ("dc2.contoso.test", two)  # NetBIOS, as Win32_NTDomain says
    assert copies.pick("dc2.contoso.test.")[1] is two
    name, data, note = copies.pick("dc3")
    assert (name, data) == ("dc3.contoso.test", None)
    assert note == ("the client uses dc3.contoso.test, which could not be read (cannot reach "
                    "dc3.contoso.test:636); checked against dc1.contoso.test's copy")
    assert copies.pick("elsewhere")[2].startswith("the client uses elsewhere, which is not among")


def test_collector_reports_name_the_dc_and_client_dc_needs_a_live_forest(tmp_path: Path) -> None:
    doc = json.loads((REPO / "fixtures" / "clients" / "collector-ws2022-adba.adba.json")
                     .read_text(encoding="utf-8"))
    doc["domain_controller"] = "\\\\DC7"
    path = tmp_path / "c.adba.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    run = run_adba("diagnose", str(path), "--demo", "--format", "json")
    assert json.loads(run.stdout)["data"]["reports"][0]["domain_controller"] == "DC7"
    refused = run_adba("diagnose", str(path), "--demo", "--client-dc")
    assert refused.code == 3 and "--client-dc reads the DC each client uses" in refused.stderr


def test_scan_all_dcs_needs_a_live_forest_and_no_coverage() -> None:
    demo = run_adba("scan", "--demo", "--all-dcs")
    assert demo.code == 3 and "--all-dcs reads every domain controller" in demo.stderr
    both = run_adba("scan", "--server", "127.0.0.1", "--user", "u@x.test", "--all-dcs",
                    "--coverage", password="p")
    assert both.code == 3 and "--coverage and --all-dcs cannot be combined" in both.stderr


def test_consistency_as_html_and_csv_tables(tmp_path: Path) -> None:
    second = _lagging_snapshot(tmp_path)
    page = tmp_path / "dcs.html"
    run = run_adba("consistency", "--snapshot", str(SAMPLE), "--snapshot", str(second),
                   "--format", "html", "-o", str(page))
    assert run.code == 2, run.stderr
    html = page.read_text(encoding="utf-8")
    assert "ADBA consistency across DCs" in html and "ADBA-REPL-002" in html
    assert "dc2.contoso.test" in html
    folder = tmp_path / "csv"
    folder.mkdir()
    run = run_adba("consistency", "--snapshot", str(SAMPLE), "--snapshot", str(second),
                   "--format", "csv", "-o", str(folder))
    assert run.code == 2, run.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["copies.csv", "dcs.csv", "findings.csv"]
    dcs = (folder / "dcs.csv").read_text(encoding="utf-8-sig").splitlines()
    assert dcs[0].startswith("name,address,site,rodc,origin")
    assert dcs[2].startswith("dc2.contoso.test,") and dcs[2].endswith(",9")
    gone = (tmp_path / "gone").read_text()
    copies = (folder / "copies.csv").read_text(encoding="utf-8-sig")
    assert f'"{gone}",object,no,dc2.contoso.test,no,' in copies
