"""The command line as a contract: usage errors, the output file, the text report's shape, the
module layout of the CLI. Every test runs ``python -m adba`` as a user would."""

from __future__ import annotations

import ast
import json
import re
import socket
from pathlib import Path

import pytest

from tests.conftest import REPO, run_adba

CLI = REPO / "adba" / "cli"

# One case per kind of mistake a user makes on the command line.
USAGE_ERRORS = [
    (["scan", "--demo", "--fail-on", "critcal"], "scan", "--fail-on"),
    (["scan", "--demo", "--bogus"], "scan", "--bogus"),
    (["scan", "--demo", "--format", "yaml"], "scan", "--format"),
    (["nosuchcommand"], "adba", "nosuchcommand"),
    ([], "adba", "no command given"),
    (["diagnose", "--demo"], "diagnose", "REPORT"),
    (["catalog", "explain"], "catalog explain", "guid"),
    (["rules", "show"], "rules show", "RULE_ID"),
    (["rules"], "rules", "needs a command"),
    (["coverage", "--demo", "--stale-days", "many"], "coverage", "--stale-days"),
    (["explain", "--bogus", "0xC004F074"], "explain", "--bogus"),
]


@pytest.mark.parametrize(("args", "command", "named"), USAGE_ERRORS)
def test_a_usage_error_is_one_line_and_exit_3(args: list[str], command: str, named: str) -> None:
    run = run_adba(*args)
    assert run.code == 3, (args, run.code, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("adba: error: ") and named.lower() in lines[0].lower(), lines[0]
    assert "Traceback" not in run.stderr and run.stdout == ""


@pytest.mark.parametrize(("args", "command", "named"),
                         [c for c in USAGE_ERRORS if c[0] and "--format" not in c[0]])
def test_a_usage_error_under_format_json_prints_the_error_envelope(
        args: list[str], command: str, named: str) -> None:
    run = run_adba(*args, "--format", "json")
    assert run.code == 3, (args, run.stderr)
    doc = json.loads(run.stdout)
    assert doc["status"] == "error" and doc["exit_code"] == 3 and doc["data"] is None
    assert doc["command"] == command
    assert doc["errors"][0]["type"] == "UsageError"
    assert named.lower() in doc["errors"][0]["message"].lower()
    # the same under ADBA_FORMAT, as a scheduled job would set it
    run = run_adba(*args, env={"ADBA_FORMAT": "json"})
    assert run.code == 3 and json.loads(run.stdout)["status"] == "error"


def test_help_exits_0_and_lists_scan_first() -> None:
    run = run_adba("-h")
    assert run.code == 0
    commands = re.findall(r"^  (\w+)\s", run.stdout.split("Commands:")[1], re.M)
    assert commands[0] == "scan" and {"diagnose", "rules", "catalog", "explain"} <= set(commands)
    assert run_adba("scan", "--help").code == 0


@pytest.mark.parametrize("make", ["missing-dir", "a-directory"])
def test_an_unwritable_output_fails_before_any_connection(tmp_path: Path, make: str) -> None:
    target = tmp_path / "no" / "such" / "dir" / "report.json" if make == "missing-dir" else tmp_path
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    try:
        run = run_adba("scan", "--server", f"127.0.0.1:{port}", "--user", "reader@contoso.test",
                       "--insecure", "-o", str(target), password="secret", timeout=60)
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected: -o was checked first
    finally:
        listener.close()
    assert run.code == 3
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and f"-o {target}" in lines[0], run.stderr


def test_output_file_is_written_whole_and_said_so(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    run = run_adba("scan", "--demo", "--format", "json", "-o", str(target))
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.strip() == f"adba: wrote {target}"
    assert json.loads(target.read_text())["command"] == "scan"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary left


def test_a_failed_run_leaves_the_previous_output_alone_and_reports_in_it(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("yesterday's report\n")
    run = run_adba("scan", "--snapshot", str(tmp_path / "missing.json"), "-o", str(target))
    assert run.code == 3 and len(run.stderr.strip().splitlines()) == 1
    assert target.read_text() == "yesterday's report\n"
    run = run_adba("scan", "--snapshot", str(tmp_path / "missing.json"), "-o", str(target),
                   "--format", "json")
    assert run.code == 3 and json.loads(target.read_text())["status"] == "error"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_no_forest_source_says_so_first() -> None:
    run = run_adba("scan")
    assert run.code == 3 and "no forest to read" in run.stderr and "user" not in run.stderr


def test_an_unknown_host_is_named_before_any_password_is_asked() -> None:
    run = run_adba("scan", "--server", "nosuchhost.invalid", "--user", "reader@contoso.test")
    assert run.code == 3
    assert "nosuchhost.invalid" in run.stderr and "does not resolve" in run.stderr
    assert "--timeout" not in run.stderr and "password" not in run.stderr.lower()


IDENTIFIERS = {
    "GUID": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I),
    "PID": re.compile(r"\d{5}-\d{5}-\d{3}-\d{6}-\d{2}-\d{4}-\d{4,5}\.\d{4}-\d{7}"),
    "rule id": re.compile(r"ADBA-[A-Z]+-\d{3}"),
}


def _split_identifiers(text: str) -> list[str]:
    """Identifiers that appear only when line breaks and table borders are taken out."""
    joined = re.sub(r"[\s│┃|]+", "", text)
    split: list[str] = []
    for pattern in IDENTIFIERS.values():
        whole = set(pattern.findall(text))
        split += [m for m in pattern.findall(joined) if m not in whole]
    return split


@pytest.mark.parametrize("args", [["scan", "--demo"], ["scan", "--demo", "--coverage"],
                                  ["diagnose", "fixtures/clients", "fixtures/real", "--demo"]])
def test_text_at_80_columns_never_splits_an_identifier(args: list[str]) -> None:
    run = run_adba(*args, env={"COLUMNS": "80"})
    assert run.code in (1, 2), run.stderr
    assert _split_identifiers(run.stdout) == []
    doc = json.loads(run_adba(*args, "--format", "json").stdout)
    for obj in doc["data"].get("objects", []):
        assert obj["csvlk_sku_id"] in run.stdout
        if obj["extended_pid"]:
            assert obj["csvlk_pid"] in run.stdout


def test_the_split_check_catches_a_split_guid() -> None:
    assert _split_identifiers("CSVLK 70512334-47b4-44db-a233-be\n  5ea33b914c") == [
        "70512334-47b4-44db-a233-be5ea33b914c"]


def test_the_scan_report_starts_with_its_verdict() -> None:
    run = run_adba("scan", "--demo", env={"COLUMNS": "80"})
    doc = json.loads(run_adba("scan", "--demo", "--format", "json").stdout)
    verdict = doc["data"]["verdict"]
    assert run.stdout.splitlines()[0] == verdict
    assert verdict.startswith("ADBA works for ") and "2 critical, 6 high" in verdict


def test_notes_are_printed_in_text_too(tmp_path: Path) -> None:
    # a report cut off inside a line: the reader keeps a note saying what it did not use
    source = (REPO / "fixtures/clients/slmgr-dlv-ws2022-adba.txt").read_text(encoding="utf-8")
    cut = source[: source.index("License Status:") + len("License Sta")]
    report = tmp_path / "truncated.txt"
    report.write_text(cut, encoding="utf-8")
    doc = json.loads(run_adba("diagnose", str(report), "--demo", "--format", "json").stdout)
    notes = [n for r in doc["data"]["reports"] for n in r["notes"]]
    assert notes
    text = run_adba("diagnose", str(report), "--demo").stdout
    assert "Notes" in text
    for note in notes:
        assert note in " ".join(text.split()), note


def test_rules_show_prints_the_full_rule_text() -> None:
    run = run_adba("rules", "show", "adba-cat-003")
    assert run.code == 0
    assert run.stdout.startswith("ADBA-CAT-003")
    assert "Why:" in run.stdout and "Fix:" in run.stdout
    assert "https://github.com/adba-project/adba/blob/main/docs/rules.md#adba-cat-003" in run.stdout
    listed = run_adba("rules", "list", "--format", "json")
    rules = json.loads(listed.stdout)["data"]["rules"]
    assert len(rules) == len({r["rule_id"] for r in rules}) >= 59


def test_finding_links_point_at_published_docs_and_the_rules_command() -> None:
    run = run_adba("scan", "--demo")
    assert "See docs/" not in run.stdout
    assert "More: adba rules show ADBA-FORGE-001 · https://github.com/adba-project/adba/blob/main/" \
           "docs/rules.md#adba-forge-001" in run.stdout
    doc = json.loads(run_adba("scan", "--demo", "--format", "json").stdout)
    assert all(f["doc_url"].startswith("https://") for f in doc["findings"])


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_no_command_module_imports_another_or_the_main_module() -> None:
    commands = sorted((CLI / "commands").glob("*.py"))
    names = {f"adba.cli.commands.{p.stem}" for p in commands if p.stem != "__init__"}
    assert len(names) >= 8
    for path in commands:
        imported = _imports(path)
        own = f"adba.cli.commands.{path.stem}"
        assert not (imported & (names - {own})), (path.name, imported & names)
        assert "adba.cli.main" not in imported and "adba.cli.app" not in imported, path.name
    assert not (CLI / "app.py").exists()


def test_connection_options_are_declared_once() -> None:
    declared = [p for p in CLI.rglob("*.py") if '"--server"' in p.read_text(encoding="utf-8")]
    assert declared == [CLI / "options.py"]


def test_the_core_never_imports_the_cli_or_rich() -> None:
    for path in (REPO / "adba" / "core").rglob("*.py"):
        imported = _imports(path)
        bad = {m for m in imported if m.startswith(("adba.cli", "rich", "typer", "adba.adapters"))}
        assert not bad, (path, bad)
