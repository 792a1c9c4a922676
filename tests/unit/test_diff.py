"""``adba diff OLD NEW``: exactly the changes between two runs, an exit code by what changed, and
one-line refusals for files it cannot compare (no DC: the sample snapshot and edited copies)."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from adba.core.diff import Ace, ContainerView, DiffInput, ObjectView, Side, compare
from adba.core.findings import Finding, Severity
from tests.conftest import REPO, run_adba

SAMPLE = REPO / "adba" / "data" / "sample-forest.json"
CHANGED = REPO / "fixtures" / "diff" / "scan-changed.json"
WIN10 = "58e2134f-8e11-4d17-9cb2-91069c151148"


def _scan_json(tmp_path: Path) -> dict[str, Any]:
    run = run_adba("scan", "--demo", "--format", "json")
    return json.loads(run.stdout)


def _write(tmp_path: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _diff(*args: str) -> tuple[int, dict[str, Any], str]:
    run = run_adba("diff", *args, "--format", "json")
    return run.code, json.loads(run.stdout), run.stderr


def test_no_change_exits_0() -> None:
    code, doc, _ = _diff(str(SAMPLE), str(SAMPLE))
    assert code == 0 and doc["status"] == "ok" and doc["data"]["changed"] is False
    assert set(doc["data"]["summary"].values()) == {0}
    text = run_adba("diff", str(SAMPLE), str(SAMPLE))
    assert text.code == 0 and text.stdout.startswith("No change")


def test_a_scan_json_and_its_snapshot_compare_equal(tmp_path: Path) -> None:
    old = _write(tmp_path, "old.json", _scan_json(tmp_path))
    code, doc, err = _diff(str(old), str(SAMPLE))
    assert code == 0, (doc["data"], err)


def test_the_changed_fixture_reports_exactly_its_edits() -> None:
    code, doc, err = _diff(str(SAMPLE), str(CHANGED))
    assert code == 2, err  # a critical finding appeared (a new principal may create objects)
    data = doc["data"]
    assert [o["dn"].split(",")[0] for o in data["objects"]["added"]] == ["CN=ao-ws2025"]
    assert [o["dn"].split(",")[0] for o in data["objects"]["removed"]] == ["CN=ao-wrong-group"]
    changed = {o["dn"].split(",")[0]: o["changes"] for o in data["objects"]["changed"]}
    assert set(changed) == {"CN=ao-mixed", "CN=ao-office2021-phone"}
    assert changed["CN=ao-mixed"] == [{"attribute": "msSPP-KMSIds",
                                       "old": ["86d50b16-4808-41af-b83b-b338274318b2", WIN10],
                                       "new": ["86d50b16-4808-41af-b83b-b338274318b2"],
                                       "added": [], "removed": [WIN10]}]
    assert changed["CN=ao-office2021-phone"] == [{
        "attribute": "displayName", "old": ["Office LTSC 2021"],
        "new": ["Office LTSC 2021 (phone, renamed)"], "added": ["Office LTSC 2021 (phone, renamed)"],
        "removed": ["Office LTSC 2021"]}]
    assert [a["sddl"].split(";")[-1] for a in data["acl"]["removed"]] == [
        "S-1-5-21-1005800391-1889659326-977867678-513)"]
    assert [a["principal"] for a in data["acl"]["added"]] == [
        "CONTOSO\\helpdesk (S-1-5-21-1005800391-1889659326-977867678-1105)"]
    assert [(f["rule_id"], f["severity"]) for f in data["findings"]["appeared"]] == [
        ("ADBA-ACL-002", "critical")]
    assert doc["findings"] == data["findings"]["appeared"]
    assert sorted(f["rule_id"] for f in data["findings"]["resolved"]) == [
        "ADBA-ACL-002", "ADBA-CAT-003"]
    assert data["names"][WIN10] == "Windows 10/11 2015 (Volume)"
    assert data["forest"] == [] and data["containers"] == [] and data["coverage"] == []


def test_text_report_names_attributes_old_and_new() -> None:
    run = run_adba("diff", str(SAMPLE), str(CHANGED))
    out = run.stdout
    assert run.code == 2
    assert "displayName: Office LTSC 2021 -> Office LTSC 2021 (phone, renamed)" in out
    assert f"- {WIN10} (Windows 10/11 2015 (Volume))" in out
    assert "+ added allow CONTOSO\\helpdesk" in out and "- removed allow CONTOSO\\Domain Users" in out
    assert "adba rules show ADBA-ACL-002" in out


def test_a_change_without_new_findings_exits_1(tmp_path: Path) -> None:
    doc = _scan_json(tmp_path)
    new = copy.deepcopy(doc)
    new["data"]["objects"][0]["display_name"] = "renamed"
    code, out, _ = _diff(str(_write(tmp_path, "a.json", doc)), str(_write(tmp_path, "b.json", new)))
    assert code == 1 and out["data"]["summary"]["objects_changed"] == 1


def test_fail_on_decides_whether_a_new_finding_is_2(tmp_path: Path) -> None:
    run = run_adba("diff", str(SAMPLE), str(CHANGED), "--fail-on", "critical")
    assert run.code == 2
    doc = _scan_json(tmp_path)
    new = copy.deepcopy(doc)
    high = next(f for f in doc["findings"] if f["severity"] == "high")
    doc["findings"].remove(high)
    old, newp = _write(tmp_path, "a.json", doc), _write(tmp_path, "b.json", new)
    assert run_adba("diff", str(old), str(newp)).code == 2
    assert run_adba("diff", str(old), str(newp), "--fail-on", "critical").code == 1
    assert run_adba("diff", str(newp), str(old)).code == 1  # a finding went away: a change


def test_an_object_renamed_keeps_its_guid_and_is_changed(tmp_path: Path) -> None:
    doc = _scan_json(tmp_path)
    new = copy.deepcopy(doc)
    obj = new["data"]["objects"][0]
    obj["dn"] = obj["dn"].replace(f"CN={obj['cn']},", "CN=renamed,")
    obj["cn"] = "renamed"
    code, out, _ = _diff(str(_write(tmp_path, "a.json", doc)), str(_write(tmp_path, "b.json", new)))
    assert code == 1
    changes = out["data"]["objects"]["changed"]
    assert out["data"]["objects"]["added"] == out["data"]["objects"]["removed"] == []
    assert [c["attribute"] for c in changes[0]["changes"]] == ["distinguishedName", "cn"]


def test_a_recreated_object_is_removed_and_added(tmp_path: Path) -> None:
    doc = _scan_json(tmp_path)
    new = copy.deepcopy(doc)
    new["data"]["objects"][0]["object_guid"] = "00000000-1111-2222-3333-444444444444"
    _, out, _ = _diff(str(_write(tmp_path, "a.json", doc)), str(_write(tmp_path, "b.json", new)))
    assert len(out["data"]["objects"]["added"]) == len(out["data"]["objects"]["removed"]) == 1


def test_coverage_is_compared_when_both_counted(tmp_path: Path) -> None:
    old = json.loads(run_adba("scan", "--demo", "--coverage", "--format", "json").stdout)
    new = copy.deepcopy(old)
    fam = new["data"]["coverage"]["families"][0]
    fam["active"] += 3
    new["data"]["coverage"]["active"] += 3
    code, out, _ = _diff(str(_write(tmp_path, "a.json", old)), str(_write(tmp_path, "b.json", new)))
    assert code == 1
    rows = {r["family"]: r for r in out["data"]["coverage"]}
    assert [c["attribute"] for c in rows[fam["family"]]["changes"]] == ["active"]
    assert [c["attribute"] for c in rows["(totals)"]["changes"]] == ["active"]
    # one side without coverage: its findings are not compared, and a note says so
    code, out, _ = _diff(str(_write(tmp_path, "a.json", old)), str(SAMPLE))
    assert code == 0 and "not compared" in out["data"]["notes"][0]


@pytest.mark.parametrize("case", ["command", "schema", "forest", "error-envelope", "diagnose",
                                  "not-json", "not-adba", "deep", "bad-field", "fifo",
                                  "missing"])
def test_files_it_cannot_compare_are_refused_in_one_line(tmp_path: Path, case: str) -> None:
    doc = _scan_json(tmp_path)
    old = _write(tmp_path, "old.json", doc)
    new = tmp_path / "new.json"
    expected = {
        "command": "is the result of 'adba scan' and",
        "schema": "JSON schema version '2.0' is not one this adba reads (1.x)",
        "forest": "are of different forests (cn=configuration,dc=contoso,dc=test and "
                  "cn=configuration,dc=fabrikam,dc=test)",
        "error-envelope": "holds no result (that run failed: no forest to read)",
        "diagnose": "holds the result of 'adba diagnose'",
        "not-json": "not valid JSON",
        "not-adba": "not an adba JSON envelope nor an adba snapshot",
        "deep": "nested too deeply",
        "bad-field": "data.objects[0].dn: expected a string",
        "fifo": "is a FIFO (named pipe)",
        "missing": "cannot read",
    }[case]
    if case == "command":
        new.write_text(run_adba("coverage", "--demo", "--format", "json").stdout)
    elif case == "schema":
        new.write_text(json.dumps({**doc, "schema_version": "2.0"}))
    elif case == "forest":
        new.write_text(json.dumps(doc).replace("DC=contoso,DC=test", "DC=fabrikam,DC=test"))
    elif case == "error-envelope":
        new.write_text(run_adba("scan", "--format", "json").stdout)
    elif case == "diagnose":
        new.write_text(run_adba("diagnose", "fixtures/clients", "--demo", "--format",
                                "json").stdout)
    elif case == "not-json":
        new.write_text("{" + '"schema_version": "1.0", "command": "scan"')
    elif case == "not-adba":
        new.write_text('{"hello": 1}')
    elif case == "deep":
        new.write_text("[" * 100_000 + "]" * 100_000)
    elif case == "bad-field":
        bad = copy.deepcopy(doc)
        bad["data"]["objects"][0]["dn"] = {"x": [1, 2]}
        new.write_text(json.dumps(bad))
    elif case == "fifo":
        os.mkfifo(new)
    run = run_adba("diff", str(old), str(new), timeout=30)
    assert run.code == 3, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("adba: error: ") and expected in lines[0], lines
    js = run_adba("diff", str(old), str(new), "--format", "json", timeout=30)
    assert js.code == 3 and json.loads(js.stdout)["status"] == "error"


def test_csv_and_html_of_a_diff(tmp_path: Path) -> None:
    run = run_adba("diff", str(SAMPLE), str(CHANGED), "--format", "csv")
    rows = list(csv.reader(io.StringIO(run.stdout, newline="")))[1:]
    assert ["object", "added", "CN=ao-ws2025"] in [[r[0], r[1], r[2].split(",")[0]] for r in rows]
    assert sum(1 for r in rows if r[0] == "acl") == 2
    out = tmp_path / "d"
    out.mkdir()
    run_adba("diff", str(SAMPLE), str(CHANGED), "--format", "csv", "-o", str(out))
    assert sorted(p.name for p in out.iterdir()) == ["changes.csv", "findings.csv"]
    html = tmp_path / "diff.html"
    run = run_adba("diff", str(SAMPLE), str(CHANGED), "--format", "html", "-o", str(html))
    assert run.code == 2
    page = html.read_text(encoding="utf-8")
    assert page.count('class="card object-delta') == 4 and page.count('class="ace-delta') == 2
    assert "<script" not in page


def _side(path: str) -> Side:
    return Side(path, "scan", "scan", None, None, "cn=configuration,dc=x", None)


def _input(objects: tuple[ObjectView, ...] = (), aces: tuple[Ace, ...] | None = (),
           findings: tuple[Finding, ...] = ()) -> DiffInput:
    return DiffInput(_side("x"), (), objects, (ContainerView("ao", "CN=AO", "present", None,
                                                             aces),), None, findings)


def test_core_duplicate_aces_count_as_a_multiset() -> None:
    ace = Ace("(A;;CC;;;DU)", "Domain Users", True, ("CC",), False)
    result = compare(_input(aces=(ace,)), _input(aces=(ace, ace)))
    assert [a.kind for a in result.aces] == ["added"]
    result = compare(_input(aces=(ace, ace)), _input(aces=()))
    assert [a.kind for a in result.aces] == ["removed", "removed"]
    result = compare(_input(aces=None), _input(aces=(ace,)))
    assert result.aces == () and "was not read in x" in result.notes[0]


def test_core_a_multi_valued_attribute_shows_values_added_and_removed() -> None:
    a = ObjectView("CN=a", None, "a", (("msSPP-KMSIds", ("1", "2")),))
    b = ObjectView("CN=A", None, "a", (("msSPP-KMSIds", ("2", "3")),))
    delta = compare(_input((a,)), _input((b,))).objects
    assert len(delta) == 1 and delta[0].kind == "changed"  # DN matched case-insensitively
    assert (delta[0].changes[0].added, delta[0].changes[0].removed) == (("3",), ("1",))


def test_core_findings_by_rule_subject_and_title() -> None:
    f = Finding("ADBA-ACL-002", Severity.CRITICAL, "X can create", "CN=AO", (), "", "", "")
    g = Finding("ADBA-ACL-002", Severity.CRITICAL, "Y can create", "cn=ao", (), "", "", "")
    result = compare(_input(findings=(f,)), _input(findings=(f, g)))
    assert result.appeared == (g,) and result.resolved == ()
