"""The bundled demo, exit codes, --fail-on, output files, --version and the rules doc."""

from __future__ import annotations

import json
from pathlib import Path

from adba import __version__
from adba.cli.exit_codes import ExitCode, exit_code_for
from adba.core.findings import Finding, Severity
from scripts.gen_rules_doc import render
from tests.conftest import REPO, run_adba


def _finding(sev: Severity) -> Finding:
    return Finding("X-1", sev, "t", "s", (), "e", "r", "d")


def test_exit_code_thresholds() -> None:
    assert exit_code_for([], Severity.MEDIUM) is ExitCode.OK
    assert exit_code_for([_finding(Severity.LOW)], Severity.MEDIUM) is ExitCode.OK
    assert exit_code_for([_finding(Severity.LOW)], Severity.LOW) is ExitCode.WARNING
    assert exit_code_for([_finding(Severity.MEDIUM)], Severity.MEDIUM) is ExitCode.WARNING
    assert exit_code_for([_finding(Severity.MEDIUM), _finding(Severity.HIGH)],
                         Severity.MEDIUM) is ExitCode.CRITICAL
    assert exit_code_for([_finding(Severity.HIGH)], Severity.CRITICAL) is ExitCode.OK
    assert exit_code_for([_finding(Severity.INFO)], Severity.INFO) is ExitCode.WARNING


def test_demo_prints_the_report() -> None:
    run = run_adba("scan", "--demo")
    assert run.code == 2, run.stderr
    assert "ADBA scan" in run.stdout
    assert "Activation objects (10)" in run.stdout
    assert "ADBA-FORGE-001" in run.stdout
    assert run.stderr == ""


def test_demo_json_and_fail_on() -> None:
    run = run_adba("scan", "--demo", "--format", "json", "--fail-on", "critical")
    doc = json.loads(run.stdout)
    assert run.code == doc["exit_code"] == 2  # the demo holds a critical finding
    severities = {f["severity"] for f in doc["findings"]}
    assert "critical" in severities
    # Findings come worst first.
    ranks = [["info", "low", "medium", "high", "critical"].index(f["severity"])
             for f in doc["findings"]]
    assert ranks == sorted(ranks, reverse=True)


def test_output_file_gets_the_result_and_stdout_stays_empty(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    run = run_adba("scan", "--demo", "--format", "json", "-o", str(out))
    assert run.stdout == ""
    assert json.loads(out.read_text())["command"] == "scan"


def test_version() -> None:
    run = run_adba("--version")
    assert run.code == 0 and run.stdout.strip() == f"adba {__version__}"


def test_help_documents_exit_codes() -> None:
    run = run_adba("--help")
    assert "3 adba could not inspect" in " ".join(run.stdout.split())


def test_rules_doc_is_current() -> None:
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == render(), \
        "run: python scripts/gen_rules_doc.py"


def test_every_rule_id_is_unique_and_documented() -> None:
    from adba.core.rules import all_rules

    ids = [t.rule_id for t in all_rules()[1]]
    assert len(ids) == len(set(ids))
    doc = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule_id in ids:
        assert f"## {rule_id}" in doc


def test_no_color_is_respected() -> None:
    coloured = run_adba("scan", "--demo", env={"FORCE_COLOR": "1"}, colour=True)
    plain = run_adba("scan", "--demo", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}, colour=True)
    assert "\x1b[" in coloured.stdout
    assert "\x1b[" not in plain.stdout
    assert "ADBA-FORGE-001" in plain.stdout


def test_every_option_has_an_environment_variable() -> None:
    import typer.main

    from adba.cli.main import app

    group = typer.main.get_command(app)
    for name in ("scan", "snapshot"):
        command = group.commands[name]  # type: ignore[attr-defined]
        for param in command.params:
            if param.name in ("help",):
                continue
            assert param.envvar, f"{name} --{param.name} has no ADBA_ variable"
            assert str(param.envvar).startswith("ADBA_")


def test_scan_uses_the_product_db_and_refuses_a_bad_one(tmp_path: Path) -> None:
    user = tmp_path / "products.json"
    user.write_text(json.dumps({
        "format": "adba-catalog", "format_version": 1,
        "csvlks": [{"sku_id": "{661F7658-7035-4B4C-9F35-010682943EC2}",
                    "name": "Contoso's WS2022 key"}],
    }))
    run = run_adba("scan", "--demo", "--format", "json", "--product-db", str(user))
    objects = {o["cn"]: o for o in json.loads(run.stdout)["data"]["objects"]}
    assert objects["ao-ws2022"]["csvlk"]["name"] == "Contoso's WS2022 key"
    assert any(s.startswith("user:") for s in objects["ao-ws2022"]["csvlk"]["source"])
    # Every object with a real SKU id is named, and so is every product it enables.
    for cn, obj in objects.items():
        if cn != "ao-forged":
            assert obj["csvlk"]["known"], cn
            assert all(e["known"] for e in obj["enables"]), cn
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "adba-catalog",\n "format_version": 1,\n "kms_ids": [\n  {"id": 5}]}')
    run = run_adba("scan", "--demo", "--product-db", str(bad))
    assert run.code == 3
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "kms_ids[0]" in lines[0]
