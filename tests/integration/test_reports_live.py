"""The HTML report of the real test DC in headless Chromium, and ``adba diff`` over two runs of
the DC taken before and after adding, changing and deleting objects and changing the
container's DACL (restored afterwards: the other tests expect the seeded forest)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ldap3
import pytest
from ldap3.protocol.microsoft import security_descriptor_control

from tests.conftest import live_args, run_adba
from tests.integration import seeds
from tests.support.browser import artifacts_dir, report_page
from tests.testdc import ActivationObjectSeed, RunningDC
from tests.unit.test_html_csv import HOSTILE_CN, hostile_snapshot

SCRIPT_NAME = "<script>window.__pwned = 1; document.title = 'pwned'</script>Drift & <b>new</b>"
ACCOUNT_OPERATORS_ACE = "(A;;CCDC;;;AO)"


def _scan(dc: RunningDC, *extra: str) -> tuple[int, str, str]:
    run = run_adba("scan", *live_args(dc, *extra), password=dc.user_password)
    return run.code, run.stdout, run.stderr


def test_html_report_of_the_test_dc_in_chromium(main_dc: RunningDC, tmp_path: Path) -> None:
    report = tmp_path / "scan-report.html"
    code, _, err = _scan(main_dc, "--coverage", "--format", "html", "-o", str(report))
    assert code == 2, err
    code, out, err = _scan(main_dc, "--coverage", "--format", "json")
    doc = json.loads(out)
    shots = artifacts_dir()
    with report_page(report) as (page, log):
        assert int(page.locator("#findings-count").inner_text()) == len(doc["findings"])
        assert page.locator("article.finding").count() == len(doc["findings"])
        names = page.locator(".object-name").all_inner_texts()
        assert sorted(names) == sorted(o["display_name"] or o["cn"] for o in doc["data"]["objects"])
        assert len(names) == len(seeds.MAIN_OBJECTS)
        header = page.locator("#report-header").inner_text()
        assert "LDAPS, simple bind as reader@contoso.test" in header
        assert "validated against" in header and "dc1.contoso.test" in header
        assert page.locator("#verdict").inner_text() == doc["data"]["verdict"]
        families = doc["data"]["coverage"]["families"]
        assert page.locator("#coverage-matrix tbody tr").count() >= len(families)
        assert page.locator("#coverage-chart svg rect").count() >= len(families)
        assert page.locator("#acl-activation_objects tbody tr").count() == len(
            doc["data"]["containers"]["activation_objects"]["dacl"])
        assert page.evaluate("document.scripts.length") == 0
        page.screenshot(path=str(shots / "scan-report.png"), full_page=True)
        page.emulate_media(media="print")
        page.pdf(path=str(shots / "scan-report.pdf"))
    assert log.requests == [log.allowed] and log.blocked == []
    assert log.console_errors == [] and log.page_errors == []
    assert (shots / "scan-report.png").stat().st_size > 10_000
    assert (shots / "scan-report.pdf").read_bytes().startswith(b"%PDF")
    print(f"screenshot: {shots / 'scan-report.png'}")


def test_a_script_in_a_name_is_text_in_chromium(tmp_path: Path) -> None:
    """Offline: an attacker's display name, cn and DN are shown as text and run nothing, even
    with the page's Content-Security-Policy bypassed (so only the escaping protects)."""
    snap = hostile_snapshot(tmp_path)
    report = tmp_path / "hostile.html"
    run = run_adba("scan", "--snapshot", str(snap), "--format", "html", "-o", str(report))
    assert run.code == 2, run.stderr
    with report_page(report, bypass_csp=True) as (page, log):
        names = page.locator(".object-name").all_inner_texts()
        assert "<script>document.title='pwned'</script>\\x1b[31m & \"q\"" in names
        assert page.title() != "pwned"
        assert page.evaluate("document.scripts.length") == 0
        assert page.locator("img").count() == 0
        assert HOSTILE_CN in page.locator("main").inner_text()
        page.locator("article.object", has_text="document.title").screenshot(
            path=str(artifacts_dir() / "hostile-names.png"))
    assert log.blocked == [] and log.page_errors == [] and log.console_errors == []


# --- drift against the real DC ------------------------------------------------------------

def _object(cn: str, name: str, kms: list[str]) -> ActivationObjectSeed:
    return ActivationObjectSeed(cn=cn, attributes={
        "msSPP-CSVLKSkuId": [seeds.guid(seeds.WS2019_CSVLK)],
        "msSPP-KMSIds": [seeds.guid(k) for k in kms],
        "msSPP-CSVLKPid": ["03612-04573-551-000043-03-1033-17763.0000-0302021"],
        "msSPP-CSVLKPartialProductKey": ["R2D2X"],
        "displayName": [name], **seeds._licences(seeds.WS2019_CSVLK, 4573, 551000043)})


@dataclass
class Drift:
    """The DNs the drift test owns."""

    change: str
    delete: str
    new: str


def _container_dacl(dc: RunningDC) -> bytes:
    conn = dc.admin_connection(get_info=ldap3.NONE)
    try:
        conn.search(dc.ao_container_dn, "(objectClass=*)", ldap3.BASE,
                    attributes=["nTSecurityDescriptor"],
                    controls=security_descriptor_control(sdflags=0x04))
        return bytes(conn.entries[0]["nTSecurityDescriptor"].raw_values[0])
    finally:
        conn.unbind()


@pytest.fixture
def drift(main_dc: RunningDC) -> Iterator[Drift]:
    """Two objects of the test's own (one to change, one to delete); afterwards every object
    the test made is deleted and the container's DACL is put back byte for byte."""
    dc = main_dc
    sddl_before = dc.get_sddl(dc.ao_container_dn)
    dacl_before = _container_dacl(dc)
    owned = Drift(
        change=dc.add_activation_object(_object("ao-drift-change", "Drift to change",
                                                [seeds.KMS_WS2019, seeds.KMS_WIN10])),
        delete=dc.add_activation_object(_object("ao-drift-delete", "Drift to delete",
                                                [seeds.KMS_WS2019])),
        new=f"CN=ao-drift-new,{dc.ao_container_dn}")
    try:
        yield owned
    finally:
        conn = dc.admin_connection(get_info=ldap3.NONE)
        try:
            for dn in (owned.change, owned.delete, owned.new):
                conn.delete(dn)  # already gone: noSuchObject, ignored
            assert conn.modify(dc.ao_container_dn,
                               {"nTSecurityDescriptor": [(ldap3.MODIFY_REPLACE, [dacl_before])]},
                               controls=security_descriptor_control(sdflags=0x04)), conn.result
        finally:
            conn.unbind()
        assert dc.get_sddl(dc.ao_container_dn) == sddl_before


def test_diff_reports_exactly_the_changes_made_on_the_dc(main_dc: RunningDC, drift: Drift,
                                                         tmp_path: Path) -> None:
    dc = main_dc
    old_snap, new_snap = tmp_path / "old-snapshot.json", tmp_path / "new-snapshot.json"
    old_scan, new_scan = tmp_path / "old-scan.json", tmp_path / "new-scan.json"
    for path, cmd in ((old_snap, "snapshot"), (old_scan, "scan")):
        extra = ("-o", str(path)) if cmd == "snapshot" else ("--format", "json", "-o", str(path))
        run = run_adba(cmd, *live_args(dc, *extra), password=dc.user_password)
        assert run.code in (0, 2), run.stderr

    # the changes: add, change (two attributes), delete, one more ACE on the container
    dc.add_activation_object(ActivationObjectSeed(
        cn="ao-drift-new", attributes=_object("x", SCRIPT_NAME, [seeds.KMS_WS2019]).attributes))
    conn = dc.admin_connection(get_info=ldap3.NONE)
    try:
        assert conn.modify(drift.change, {
            "displayName": [(ldap3.MODIFY_REPLACE, ["Drift, changed"])],
            "msSPP-KMSIds": [(ldap3.MODIFY_REPLACE, [seeds.guid(seeds.KMS_WS2019)])]}), conn.result
        assert conn.delete(drift.delete), conn.result
    finally:
        conn.unbind()
    dc.add_aces(dc.ao_container_dn, [ACCOUNT_OPERATORS_ACE])

    for path, cmd in ((new_snap, "snapshot"), (new_scan, "scan")):
        extra = ("-o", str(path)) if cmd == "snapshot" else ("--format", "json", "-o", str(path))
        run = run_adba(cmd, *live_args(dc, *extra), password=dc.user_password)
        assert run.code in (0, 2), run.stderr

    for old, new in ((old_snap, new_snap), (old_scan, new_scan), (old_snap, new_scan)):
        run = run_adba("diff", str(old), str(new), "--format", "json")
        assert run.code == 2, run.stderr  # a new principal may create objects: critical
        data = json.loads(run.stdout)["data"]
        objects = data["objects"]
        assert [o["dn"] for o in objects["added"]] == [drift.new]
        assert [o["dn"] for o in objects["removed"]] == [drift.delete]
        assert [o["dn"] for o in objects["changed"]] == [drift.change]
        changes = {c["attribute"]: c for c in objects["changed"][0]["changes"]}
        assert set(changes) == {"displayName", "msSPP-KMSIds"}
        assert changes["displayName"]["old"] == ["Drift to change"]
        assert changes["displayName"]["new"] == ["Drift, changed"]
        assert changes["msSPP-KMSIds"]["removed"] == [seeds.KMS_WIN10]
        assert changes["msSPP-KMSIds"]["added"] == []
        assert data["acl"]["removed"] == []
        assert [a["sddl"] for a in data["acl"]["added"]] == ["(A;;CCDC;;;S-1-5-32-548)"]
        assert "Account Operators" in data["acl"]["added"][0]["principal"]
        assert data["containers"] == [] and data["forest"] == []
        touched = {drift.new.lower(), drift.change.lower(), drift.delete.lower(),
                   dc.ao_container_dn.lower()}
        appeared = data["findings"]["appeared"]
        assert {f["subject"].lower() for f in appeared} <= touched
        assert any(f["rule_id"] == "ADBA-ACL-002" and "Account Operators" in f["title"]
                   for f in appeared)
        assert {f["subject"].lower() for f in data["findings"]["resolved"]} <= touched
        assert data["summary"]["objects_added"] == data["summary"]["objects_removed"] == 1

    text = run_adba("diff", str(old_snap), str(new_snap))
    assert "displayName: Drift to change -> Drift, changed" in text.stdout
    assert "+ added allow BUILTIN\\Account Operators" in text.stdout or \
        "+ added allow Account Operators" in text.stdout, text.stdout

    report = tmp_path / "diff.html"
    run = run_adba("diff", str(old_snap), str(new_snap), "--format", "html", "-o", str(report))
    assert run.code == 2, run.stderr
    with report_page(report, bypass_csp=True) as (page, log):
        added = page.locator("article.object-delta.delta-added .object-name").all_inner_texts()
        assert added == [SCRIPT_NAME]
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.title() != "pwned" and page.evaluate("document.scripts.length") == 0
        assert page.locator("tr.ace-delta.delta-added").count() == 1
        page.screenshot(path=str(artifacts_dir() / "diff-report.png"), full_page=True)
    assert log.requests == [log.allowed] and log.blocked == [] and log.page_errors == []
    assert log.console_errors == []
