"""docs/json.md describes what the commands print: each marked table lists exactly the fields of
its object, checked against real runs (no DC: the bundled sample forest and report fixtures)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, run_adba

DOC = REPO / "docs" / "json.md"


def documented() -> dict[str, set[str]]:
    """Marker name -> the field names of the table under ``<!-- fields: NAME -->``."""
    tables: dict[str, set[str]] = {}
    current: str | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        marker = re.match(r"<!-- fields: ([\w-]+) -->", line)
        if marker:
            current = marker.group(1)
            tables[current] = set()
            continue
        if current is None:
            continue
        if line.startswith("|"):
            first = line.split("|")[1]
            names = re.findall(r"`([^`]+)`", first)
            tables[current].update(n.split(".")[0].removesuffix("[]") for n in names)
        elif line.strip() and tables[current]:
            current = None
    return tables


@cache
def _licence_inputs() -> tuple[str, str]:
    """(an LDIF export with an object carrying test-signed licences, one licence file)."""
    import tempfile

    from tests.support import xrml_signer as xs

    folder = Path(tempfile.mkdtemp(prefix="adba-json-docs-"))
    blobs = xs.object_licences(xs.WS2022_CSVLK, 4573, serial=12345)
    ldif = folder / "licences.ldf"
    ldif.write_text(xs.licence_ldif([("ao-licensed", xs.online_set(blobs))]), encoding="utf-8")
    single = folder / "config.xrm-ms"
    single.write_bytes(blobs.config)
    return str(ldif), str(single)


@cache
def _doc(*args: str) -> dict[str, Any]:
    run = run_adba(*args, "--format", "json")
    return json.loads(run.stdout)


@cache
def _second_dc_snapshot() -> str:
    """The sample forest as a second DC that lags: one object missing, one changed."""
    import tempfile

    doc = json.loads((REPO / "adba" / "data" / "sample-forest.json").read_text(encoding="utf-8"))
    doc["source"]["server"] = "dc2.contoso.test"
    del doc["children"][1]
    doc["children"][0]["attributes"]["displayName"] = ["changed on one DC only"]
    path = Path(tempfile.mkdtemp(prefix="adba-json-docs-")) / "dc2.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def actual(name: str) -> set[str]:
    """The fields the commands print for each documented object."""
    scan = _doc("scan", "--demo", "--coverage")
    consistency = _doc("consistency", "--snapshot", str(REPO / "adba" / "data" /
                                                       "sample-forest.json"),
                       "--snapshot", _second_dc_snapshot())["data"]
    diagnose = _doc("diagnose", "fixtures/clients", "--demo")
    objects: dict[str, Any] = {
        "envelope": scan,
        "error": _doc("scan")["errors"][0],
        "finding": scan["findings"][0],
        "scan": scan["data"],
        "object": scan["data"]["objects"][0],
        "coverage": scan["data"]["coverage"],
        "coverage-command": _doc("coverage", "--demo")["data"],
        "diagnose": diagnose["data"],
        "report": diagnose["data"]["reports"][0],
        "product": diagnose["data"]["reports"][0]["products"][0],
        "explain": _doc("explain", "0xC004F074")["data"],
        "explain-code": _doc("explain", "0xC004F074")["data"]["codes"][0],
        "catalog": _doc("catalog", "server 2022")["data"],
        "catalog-explain": _doc("catalog", "explain",
                                "661f7658-7035-4b4c-9f35-010682943ec2")["data"],
        "rules": _doc("rules", "list")["data"],
        "consistency": consistency,
        "consistency-dc": consistency["dcs"][0],
        "consistency-served": consistency["dcs"][0]["serves"][0],
        "consistency-comparison": consistency["objects"][0],
        "consistency-copy": consistency["objects"][0]["copies"][0],
        **_diff_objects(),
    }
    if name.startswith("licence"):
        ldif, single = _licence_inputs()
        obj = _doc("scan", "--ldif", ldif)["data"]["objects"][0]
        blob = obj["licences"]["msSPP-ConfigLicense"]
        objects.update({"licence-blob": blob, "licence": blob["licences"][0],
                        "licence-summary": obj["licence_summary"],
                        "licence-file": _doc("licence", single)["data"]})
    return set(objects[name])


def _diff_objects() -> dict[str, Any]:
    data = _doc("diff", "adba/data/sample-forest.json", "fixtures/diff/scan-changed.json")["data"]
    return {"diff": data, "diff-side": data["old"],
            "diff-change": data["objects"]["changed"][0]["changes"][0],
            "diff-ace": data["acl"]["added"][0]}


MARKERS = ["envelope", "error", "finding", "scan", "object", "coverage", "coverage-command",
           "diagnose", "report", "product", "explain", "explain-code", "catalog",
           "catalog-explain", "rules", "licence-blob", "licence", "licence-summary",
           "licence-file", "diff", "diff-side", "diff-change", "diff-ace", "consistency",
           "consistency-dc", "consistency-served", "consistency-comparison", "consistency-copy"]


def test_every_table_is_checked() -> None:
    assert sorted(documented()) == sorted(MARKERS)


@pytest.mark.parametrize("name", MARKERS)
def test_docs_list_exactly_the_fields_printed(name: str) -> None:
    listed = documented()[name]
    printed = actual(name)
    assert listed == printed, {"documented, not printed": sorted(listed - printed),
                               "printed, not documented": sorted(printed - listed)}
