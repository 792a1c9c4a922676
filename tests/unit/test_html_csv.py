"""``--format html`` and ``--format csv``: the same results as the text and JSON output, every
value from the directory escaped, nothing loaded from the network, no formula in a cell."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from adba.cli.render_csv import safe_cell
from tests.conftest import REPO, run_adba

SAMPLE = REPO / "adba" / "data" / "sample-forest.json"
HOSTILE_NAME = "<script>document.title='pwned'</script>\x1b[31m & \"q\""
HOSTILE_CN = "<img src=x onerror=alert(1)>"


class _Tags(HTMLParser):
    """Start tags and their attributes; the text of the document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def hostile_snapshot(tmp_path: Path) -> Path:
    """The sample forest with one object named by an attacker (display name, cn and DN)."""
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    child = doc["children"][0]
    child["attributes"]["displayName"] = [HOSTILE_NAME]
    old_dn = child["dn"]
    child["dn"] = old_dn.replace("CN=ao-office2021-phone", f"CN={HOSTILE_CN}")
    child["attributes"]["cn"] = [HOSTILE_CN]
    child["attributes"]["distinguishedName"] = [child["dn"]]
    doc["children"][1]["attributes"]["displayName"] = ["=HYPERLINK(\"http://x\",\"y\")"]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_html_report_of_the_sample_is_self_contained_and_complete(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run = run_adba("scan", "--demo", "--coverage", "--format", "html", "-o", str(out))
    assert run.code == 2, run.stderr
    assert run.stdout == ""
    assert f"adba: wrote {out}" in run.stderr
    html = out.read_text(encoding="utf-8")
    doc = json.loads(run_adba("scan", "--demo", "--coverage", "--format", "json").stdout)
    page = parse(html)
    tags = [t for t, _ in page.tags]
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert not [a for _, attrs in page.tags for k, a in attrs.items()
                if k in ("src", "srcset", "data", "action") and a]
    csp = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") ==
           "Content-Security-Policy"]
    assert csp and csp[0]["content"].startswith("default-src 'none'")
    assert "svg" in tags and tags.count("rect") >= len(doc["data"]["coverage"]["families"])
    text = "".join(page.text)
    assert doc["data"]["verdict"] in text
    assert sum(1 for t, a in page.tags if t == "article" and "finding" in (a.get("class") or ""))\
        == len(doc["findings"])
    for obj in doc["data"]["objects"]:
        assert obj["display_name"] in text and obj["dn"] in text
    for f in doc["findings"]:
        assert f"adba rules show {f['rule_id']}" in text
    for ace in doc["data"]["containers"]["activation_objects"]["dacl"]:
        assert ace["sddl"] in text
    assert "dc1.contoso.test" in text and "LDAPS, simple bind as reader@contoso.test" in text
    assert "Permissions (" in text and "Forged objects (" in text  # grouped by category
    assert "@media print" in html
    ids = {a["id"] for _, a in page.tags if a.get("id")}
    links = [a["href"][1:] for t, a in page.tags if t == "a" and (a.get("href") or "")
             .startswith("#")]
    assert links and set(links) <= ids  # every in-page link (object -> its findings) resolves
    assert sum(1 for i in ids if i.startswith("finding-")) == len(doc["findings"])


def test_a_script_in_a_name_or_dn_is_shown_as_text(tmp_path: Path) -> None:
    snap = hostile_snapshot(tmp_path)
    out = tmp_path / "hostile.html"
    run = run_adba("scan", "--snapshot", str(snap), "--format", "html", "-o", str(out))
    assert run.code == 2, run.stderr
    html = out.read_text(encoding="utf-8")
    page = parse(html)
    assert [t for t, _ in page.tags if t in ("script", "img")] == []
    assert "<script" not in html.lower() and "<img" not in html.lower()
    text = "".join(page.text)
    assert "<script>document.title='pwned'</script>\\x1b[31m & \"q\"" in text
    assert HOSTILE_CN in text and "\x1b" not in html
    assert "&lt;script&gt;" in html


def test_diagnose_html_has_the_fleet_and_each_machine(tmp_path: Path) -> None:
    out = tmp_path / "fleet.html"
    run = run_adba("diagnose", "fixtures/clients", "--demo", "--format", "html", "-o", str(out))
    assert run.code in (1, 2), run.stderr
    doc = json.loads(run_adba("diagnose", "fixtures/clients", "--demo", "--format", "json").stdout)
    text = "".join(parse(out.read_text(encoding="utf-8")).text)
    assert f"Clients: {doc['data']['summary']['reports_read']} report(s)" in text
    for report in doc["data"]["reports"]:
        assert report["machine"] in text
    for code in doc["data"]["summary"]["by_diagnosis"]:
        assert code in text


def test_any_command_renders_as_html(tmp_path: Path) -> None:
    out = tmp_path / "rules.html"
    run = run_adba("rules", "show", "ADBA-ACL-002", "--format", "html", "-o", str(out))
    assert run.code == 0, run.stderr
    text = "".join(parse(out.read_text(encoding="utf-8")).text)
    assert "ADBA-ACL-002" in text and "Result" in text


def test_html_to_a_terminal_is_refused_in_one_line() -> None:
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADBA_")}
    proc = subprocess.run([sys.executable, "-m", "adba", "scan", "--demo", "--format", "html"],
                          stdout=follower, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env,
                          timeout=60, check=False)
    os.close(follower)
    os.close(leader)
    assert proc.returncode == 3
    assert proc.stderr.strip().splitlines() == [
        "adba: error: an HTML report is not for the terminal (add -o report.html, or pipe it "
        "to a file)"]


def test_html_to_a_pipe_is_the_document() -> None:
    run = run_adba("scan", "--demo", "--format", "html")
    assert run.code == 2 and run.stdout.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(("cell", "shown"), [
    ("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\r=x", "\\x0d=x"), ("\uff1dcmd", "'\uff1dcmd"),
    ("\x1b=evil", "\\x1b=evil"), ("a=b", "a=b"), ("", ""), (None, ""), ("CN=x,DC=y", "CN=x,DC=y"),
])
def test_csv_cells_never_start_a_formula(cell: str | None, shown: str) -> None:
    assert safe_cell(cell) == shown


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_directory_gets_one_file_per_table_with_a_bom(tmp_path: Path) -> None:
    snap = hostile_snapshot(tmp_path)
    outdir = tmp_path / "csv"
    outdir.mkdir()
    run = run_adba("scan", "--snapshot", str(snap), "--format", "csv", "-o", str(outdir))
    assert run.code == 2, run.stderr
    assert sorted(p.name for p in outdir.iterdir()) == ["acl.csv", "findings.csv",
                                                        "objects.csv"]
    assert "(findings.csv, objects.csv, acl.csv)" in run.stderr
    doc = json.loads(run_adba("scan", "--snapshot", str(snap), "--format", "json").stdout)
    raw = (outdir / "findings.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    findings = _rows(raw)
    assert findings[0][:5] == ["rule_id", "severity", "category", "title", "subject"]
    assert [(r[0], r[4]) for r in findings[1:]] == [(f["rule_id"], f["subject"])
                                                    for f in doc["findings"]]
    objects = _rows((outdir / "objects.csv").read_bytes())
    names = [r[0] for r in objects[1:]]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in names
    assert HOSTILE_NAME.replace("\x1b", "\\x1b") in names
    assert len(objects) - 1 == len(doc["data"]["objects"])
    acl = _rows((outdir / "acl.csv").read_bytes())
    assert len([r for r in acl[1:] if r[1] != "owner"]) == sum(
        len(c["dacl"] or []) for c in doc["data"]["containers"].values())
    assert not [c for row in objects + findings + acl for c in row
                if c.startswith(("=", "+", "-", "@"))]


def test_csv_on_stdout_is_the_findings_table_without_bom(tmp_path: Path) -> None:
    run = run_adba("scan", "--demo", "--coverage", "--format", "csv")
    assert run.code == 2
    assert not run.stdout.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(run.stdout, newline="")))
    doc = json.loads(run_adba("scan", "--demo", "--coverage", "--format", "json").stdout)
    assert len(rows) - 1 == len(doc["findings"])
    out = tmp_path / "f.csv"
    run = run_adba("coverage", "--demo", "--format", "csv", "-o", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbfrule_id,")
    cov_dir = tmp_path / "cov"
    cov_dir.mkdir()
    run_adba("coverage", "--demo", "--format", "csv", "-o", str(cov_dir))
    cov = _rows((cov_dir / "coverage.csv").read_bytes())
    assert [r[0] for r in cov[1:]] == [f["family"] for f in doc["data"]["coverage"]["families"]]


def test_a_directory_is_refused_for_other_formats(tmp_path: Path) -> None:
    run = run_adba("scan", "--demo", "--format", "html", "-o", str(tmp_path))
    assert run.code == 3
    assert run.stderr.strip().splitlines() == [
        f"adba: error: -o {tmp_path}: is a directory (give a file name (a directory takes one "
        "file per table with --format csv))"]


def test_diagnose_csv_has_the_clients_table(tmp_path: Path) -> None:
    run = run_adba("diagnose", "fixtures/clients", "--demo", "--format", "csv", "-o", str(tmp_path))
    assert run.code in (1, 2), run.stderr
    doc = json.loads(run_adba("diagnose", "fixtures/clients", "--demo", "--format", "json").stdout)
    clients = _rows((tmp_path / "clients.csv").read_bytes())
    assert len(clients) - 1 == doc["data"]["summary"]["products"]


def _property_settings() -> Any:
    from hypothesis import HealthCheck, settings

    return settings(max_examples=int(os.environ.get("ADBA_FUZZ_EXAMPLES", "40")), deadline=None,
                    derandomize=not os.environ.get("ADBA_FUZZ_RANDOM"),
                    suppress_health_check=[HealthCheck.too_slow])


def test_property_no_csv_cell_starts_a_formula_or_holds_a_control() -> None:
    import re

    from hypothesis import given
    from hypothesis import strategies as st

    controls = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

    @_property_settings()
    @given(st.text(max_size=30)
           | st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\uff1d"]).flatmap(
               lambda c: st.text(max_size=10).map(lambda t: c + t)))
    def check(text: str) -> None:
        cell = safe_cell(text)
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b"))
        assert not controls.search(cell.replace("\t", "").replace("\n", ""))

    check()


def test_property_any_text_in_a_report_is_text_in_the_html() -> None:
    """Whatever a title, subject or evidence holds, the page has exactly the template's tags
    and shows the text (cleaned) verbatim."""
    from hypothesis import given
    from hypothesis import strategies as st

    from adba.cli.render_html import html_document
    from adba.core.findings import Finding, Severity
    from adba.core.results import RulesResult
    from adba.core.sanitize import clean

    baseline = [t for t, _ in parse(html_document(RulesResult(rules=()), 0)).tags]

    @_property_settings()
    @given(st.text(max_size=40) | st.sampled_from(["<script>alert(1)</script>", "</dd><img src=x>",
                                                  "{{ 7*7 }}", "{% raw %}", "&lt;&amp;", "\"'><"]))
    def check(text: str) -> None:
        finding = Finding("ADBA-X-001", Severity.HIGH, text, text, (text,), text, text, "u")
        html = html_document(RulesResult(rules=(), findings=(finding,)), 2)
        page = parse(html)
        tags = [t for t, _ in page.tags]
        assert "script" not in tags and "img" not in tags
        assert set(tags) <= set(baseline) | {"article", "h3", "h4", "span", "code", "dl", "dt",
                                             "dd", "ul", "li", "pre", "a", "section"}
        assert clean(text).strip() in "".join(page.text) or not clean(text).strip()

    check()
