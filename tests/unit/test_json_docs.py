"""docs/json.md describes what the commands print: each marked table lists exactly the fields of
its object, checked against real runs (no DC: the bundled sample forest and report fixtures)."""

from __future__ import annotations

import json
import re
from functools import cache
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
def _doc(*args: str) -> dict[str, Any]:
    run = run_adba(*args, "--format", "json")
    return json.loads(run.stdout)


def actual(name: str) -> set[str]:
    """The fields the commands print for each documented object."""
    scan = _doc("scan", "--demo", "--coverage")
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
        **_diff_objects(),
    }
    return set(objects[name])


def _diff_objects() -> dict[str, Any]:
    data = _doc("diff", "adba/data/sample-forest.json", "fixtures/diff/scan-changed.json")["data"]
    return {"diff": data, "diff-side": data["old"],
            "diff-change": data["objects"]["changed"][0]["changes"][0],
            "diff-ace": data["acl"]["added"][0]}


MARKERS = ["envelope", "error", "finding", "scan", "object", "coverage", "coverage-command",
           "diagnose", "report", "product", "explain", "explain-code", "catalog",
           "catalog-explain", "rules", "diff", "diff-side", "diff-change", "diff-ace"]


def test_every_table_is_checked() -> None:
    assert sorted(documented()) == sorted(MARKERS)


@pytest.mark.parametrize("name", MARKERS)
def test_docs_list_exactly_the_fields_printed(name: str) -> None:
    listed = documented()[name]
    printed = actual(name)
    assert listed == printed, {"documented, not printed": sorted(listed - printed),
                               "printed, not documented": sorted(printed - listed)}
