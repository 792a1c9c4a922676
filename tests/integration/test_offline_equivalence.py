"""A snapshot or an LDIF export of the test DC gives the same findings as the live scan."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import live_args, run_adba
from tests.testdc import RunningDC


def _live(dc: RunningDC) -> dict:
    run = run_adba("scan", *live_args(dc, "--format", "json"), password=dc.user_password)
    assert run.code == 2, run.stderr
    return json.loads(run.stdout)


def test_snapshot_then_scan_gives_the_live_findings(main_dc: RunningDC, tmp_path: Path) -> None:
    snap = tmp_path / "forest.json"
    made = run_adba("snapshot", *live_args(main_dc), "-o", str(snap), password=main_dc.user_password)
    assert made.code == 0, made.stderr
    assert "wrote" in made.stderr and made.stdout == ""
    text = snap.read_text()
    assert main_dc.user_password not in text
    doc = json.loads(text)
    assert doc["format"] == "adba-snapshot" and doc["format_version"] == 1
    # Licence blobs are kept as size and digest only.
    assert all("msSPP-OnlineLicense" not in c["attributes"] for c in doc["children"])

    live = _live(main_dc)
    offline = run_adba("scan", "--snapshot", str(snap), "--format", "json")
    assert offline.code == 2, offline.stderr
    off = json.loads(offline.stdout)
    assert off["findings"] == live["findings"]
    assert off["data"]["objects"] == live["data"]["objects"]
    assert off["data"]["containers"] == live["data"]["containers"]
    assert off["data"]["source"]["kind"] == "snapshot"


def test_ldif_export_gives_the_live_object_findings(main_dc: RunningDC, tmp_path: Path) -> None:
    """Export with OpenLDAP's ldapsearch as the plain user (LDIF with ``::`` base64 values)."""
    env = dict(os.environ, LDAPTLS_CACERT=str(main_dc.ca_file))
    proc = subprocess.run(
        ["ldapsearch", "-LLL", "-o", "ldif-wrap=78", "-H", f"ldaps://{main_dc.ip}", "-x",
         "-D", main_dc.user_upn, "-y", "/dev/stdin", "-b", main_dc.ao_container_dn,
         "(objectClass=*)", "*", "uSNCreated"],
        input=main_dc.user_password, capture_output=True, text=True, env=env, check=False,
        timeout=60)
    assert proc.returncode == 0, proc.stderr
    export = tmp_path / "export.ldf"
    export.write_text(proc.stdout)
    assert ":: " in proc.stdout  # binary GUIDs came base64-encoded

    run = run_adba("scan", "--ldif", str(export), "--format", "json")
    assert run.code == 2, run.stderr
    ldif = json.loads(run.stdout)
    live = _live(main_dc)
    object_rules = [f for f in live["findings"]
                    if not f["rule_id"].startswith(("ADBA-ACL", "ADBA-SCHEMA"))]
    assert ldif["findings"] == object_rules
    assert [o["csvlk_sku_id"] for o in ldif["data"]["objects"]] == \
        [o["csvlk_sku_id"] for o in live["data"]["objects"]]
    assert [o["licences"] for o in ldif["data"]["objects"]] == \
        [o["licences"] for o in live["data"]["objects"]]
