"""Offline scans (LDIF, snapshot files) through the real CLI process: rules a DC cannot produce."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, run_adba

LDIF = REPO / "fixtures" / "ldif" / "ldifde-broken.ldf"
LDIF16 = REPO / "fixtures" / "ldif" / "ldifde-broken-utf16.ldf"


def _by_cn(doc: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in doc["findings"]:
        out.setdefault(f["subject"].split(",", 1)[0].removeprefix("CN="), set()).add(f["rule_id"])
    return out


@pytest.mark.parametrize("path", [LDIF, LDIF16])
def test_ldifde_export_with_defects_the_server_would_refuse(path: Path) -> None:
    run = run_adba("scan", "--ldif", str(path), "--format", "json")
    assert run.code == 2, run.stderr
    doc = json.loads(run.stdout)
    assert doc["data"]["source"]["kind"] == "ldif"
    objects = {o["cn"]: o for o in doc["data"]["objects"]}
    assert objects["good"]["csvlk_sku_id"] == "2e7a9ad1-a849-4b56-babe-17d5a29fe4b4"
    assert objects["good"]["when_created"] == "2021-02-14T10:15:00+00:00"
    assert objects["good"]["licences"]["msSPP-OnlineLicense"]["size"] == 342
    assert objects["short-guids"]["csvlk_sku_id"].startswith("<15 bytes: ")
    by_cn = _by_cn(doc)
    # The fixture's licence blobs are placeholders, not XrML licences: read and said so.
    assert by_cn.get("good", set()) == {"ADBA-LIC-002"}
    online = objects["good"]["licences"]["msSPP-OnlineLicense"]
    assert online["read"] is True and "not an XrML licence" in online["error"]
    assert objects["good"]["licences"]["msSPP-ConfigLicense"]["error"].startswith(
        "not well-formed XML")
    assert by_cn["no-kms-ids"] == {"ADBA-OBJ-001", "ADBA-LIC-002"}
    assert by_cn["short-guids"] == {"ADBA-OBJ-002", "ADBA-OBJ-003", "ADBA-OBJ-004",
                                    "ADBA-OBJ-006", "ADBA-LIC-002"}
    assert by_cn["stray"] == {"ADBA-CONT-004"}
    # No rootDSE, schema or DACL in an LDIF export: those rules stay silent.
    assert not any(f["rule_id"].startswith(("ADBA-SCHEMA", "ADBA-ACL"))
                   for f in doc["findings"])


def test_ldif_text_report_says_what_the_source_lacks() -> None:
    run = run_adba("scan", "--ldif", str(LDIF))
    assert run.code == 2
    assert "no rootDSE, schema or permissions in this source" in run.stdout
    assert "Short GUIDs" in run.stdout


def test_malformed_ldif_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ldf"
    bad.write_text("dn: CN=x,CN=Activation Objects,CN=Microsoft SPP,CN=Services,CN=Configuration,"
                   "DC=a,DC=b\nmsSPP-CSVLKSkuId:: not*base64!\n", encoding="utf-8")
    run = run_adba("scan", "--ldif", str(bad))
    assert run.code == 3
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"adba: error: {bad}:2: ")


def test_ldif_without_activation_objects_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "users.ldf"
    other.write_text("dn: CN=bob,CN=Users,DC=a,DC=b\ncn: bob\n", encoding="utf-8")
    run = run_adba("scan", "--ldif", str(other))
    assert run.code == 3
    assert "no activation-objects container or activation object" in run.stderr


def test_malformed_snapshot_json_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "forest.json"
    bad.write_text('{\n  "format": "adba-snapshot",\n  "format_version": 1,\n  oops\n}\n')
    run = run_adba("scan", "--snapshot", str(bad), "--format", "json")
    assert run.code == 3
    assert run.stderr.strip() == (f"adba: error: {bad}:4: not valid JSON: Expecting property name "
                                  "enclosed in double quotes (column 3)")
    assert json.loads(run.stdout)["errors"][0]["type"] == "InputFileError"


def test_snapshot_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "other.json"
    bad.write_text('{"hello": 1}')
    run = run_adba("scan", "--snapshot", str(bad))
    assert run.code == 3
    assert "not an adba snapshot" in run.stderr


def test_snapshot_with_a_bad_value_names_the_place(tmp_path: Path) -> None:
    doc = json.loads((REPO / "adba" / "data" / "sample-forest.json").read_text())
    doc["children"][0]["attributes"]["msSPP-CSVLKSkuId"] = [{"b64": "***"}]
    bad = tmp_path / "forest.json"
    bad.write_text(json.dumps(doc))
    run = run_adba("scan", "--snapshot", str(bad))
    assert run.code == 3
    assert "children[0].attributes.msSPP-CSVLKSkuId[0]: bad base64" in run.stderr


def test_missing_snapshot_file() -> None:
    run = run_adba("scan", "--snapshot", "/nonexistent/forest.json")
    assert run.code == 3
    assert run.stderr.strip() == ("adba: error: /nonexistent/forest.json: cannot read: "
                                  "No such file or directory")


def test_two_sources_are_refused() -> None:
    run = run_adba("scan", "--demo", "--ldif", str(LDIF))
    assert run.code == 3
    assert "choose one source" in run.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    run = run_adba("scan", "--snapshot", str(tmp_path / "none.json"), "--debug")
    assert run.code == 3
    assert "Traceback" in run.stderr


def test_no_password_anywhere_is_one_line() -> None:
    run = run_adba("scan", "--server", "127.0.0.1", "--user", "a@b.c", stdin="")
    assert run.code == 3
    assert run.stderr.strip() == ("adba: error: no password given (set ADBA_PASSWORD, pass "
                                  "--password-file FILE, or run in a terminal to be prompted)")


DEMO = REPO / "adba" / "data" / "sample-forest.json"


def test_coverage_from_the_demo_snapshot_streams_its_rows() -> None:
    run = run_adba("coverage", "--demo", "--format", "json")
    assert run.code == 1, run.stderr
    assert json.loads(run.stdout)["data"]["coverage"]["total_computers"] == 15


def test_reformatted_snapshot_is_read_whole_with_the_same_result(tmp_path: Path) -> None:
    compact = tmp_path / "compact.json"
    compact.write_text(json.dumps(json.loads(DEMO.read_text())))  # one line, no row layout
    a = run_adba("coverage", "--snapshot", str(compact), "--format", "json")
    b = run_adba("coverage", "--demo", "--format", "json")
    assert a.code == b.code == 1
    assert json.loads(a.stdout)["data"]["coverage"] == json.loads(b.stdout)["data"]["coverage"]


def test_truncated_computer_rows_name_the_line(tmp_path: Path) -> None:
    lines = DEMO.read_text().splitlines(keepends=True)
    start = lines.index('  "computers": [\n')
    truncated = tmp_path / "cut.json"
    truncated.write_text("".join(lines[: start + 4]))
    run = run_adba("coverage", "--snapshot", str(truncated))
    assert run.code == 3
    assert run.stderr.strip() == (f"adba: error: {truncated}:{start + 4}: the computer list is "
                                  "not closed (truncated file?)")
    broken = tmp_path / "broken.json"
    broken.write_text("".join([*lines[: start + 2], '    ["x", oops],\n', *lines[start + 3:]]))
    run = run_adba("coverage", "--snapshot", str(broken))
    assert run.code == 3
    assert f"{broken}:{start + 3}: computer row is not valid JSON" in run.stderr
