"""Hostile input is normal input: one bad report never takes the others down, nothing from
outside reaches the terminal raw, and special files are refused before they are opened."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from adba.adapters.ldif import parse_ldif
from adba.core.sanitize import clean, json_escape
from tests.conftest import REPO, run_adba

GOOD = REPO / "fixtures" / "clients" / "slmgr-dlv-ws2022-adba.txt"
WMI = REPO / "fixtures" / "clients" / "wmi-product-single.json"
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _hostile(tmp_path: Path, kind: str) -> Path:
    text = GOOD.read_text(encoding="utf-8")
    target = tmp_path / f"{kind}.txt"
    if kind == "huge-minutes":
        target.write_text(re.sub(r"\d+ minute\(s\)", "99999999999 minute(s)", text),
                          encoding="utf-8")
    elif kind == "deep-json":
        target.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    elif kind == "lone-surrogate":
        doc = WMI.read_text(encoding="utf-8-sig")
        target.write_text(re.sub(r'"Name":\s*"', r'"Name": "\\ud800\\u009b', doc, count=1),
                          encoding="utf-8")
    elif kind == "terminal-escapes":
        target.write_text(text.replace("Name: ", "Name: \x1b[31mEVIL\x1b]0;owned\x07\u202e", 1),
                          encoding="utf-8")
    elif kind == "fifo":
        os.mkfifo(target)
    return target


KINDS = ["huge-minutes", "deep-json", "lone-surrogate", "terminal-escapes", "fifo"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_hostile_report_never_takes_the_good_one_down(tmp_path: Path, kind: str,
                                                        fmt: str) -> None:
    bad = _hostile(tmp_path, kind)
    run = run_adba("diagnose", str(bad), str(GOOD), "--demo", "--format", fmt, timeout=60)
    assert run.code in (0, 1, 2), run.stderr
    assert "Traceback" not in run.stderr and "unexpected error" not in run.stderr
    assert not RAW_CONTROLS.search(run.stdout), repr(RAW_CONTROLS.search(run.stdout))
    if fmt == "json":
        doc = json.loads(run.stdout)
        sources = [r["source"] for r in doc["data"]["reports"]]
        assert str(GOOD) in sources
        listed = sources + [u["source"] for u in doc["data"]["unreadable"]]
        assert str(bad) in listed  # read sanely or listed unreadable with its reason
    else:
        assert "W22-SRV01" in run.stdout or "Windows(R), ServerDatacenter" in run.stdout


def test_terminal_escapes_are_shown_escaped_in_text_and_in_files(tmp_path: Path) -> None:
    bad = _hostile(tmp_path, "terminal-escapes")
    run = run_adba("diagnose", str(bad), "--demo", env={"FORCE_COLOR": "1"}, colour=True)
    assert "\\x1b[31mEVIL" in run.stdout and "\\u202e" in run.stdout
    assert "\x1b[31mEVIL" not in run.stdout and "\x1b]0;owned" not in run.stdout
    target = tmp_path / "report.txt"
    assert run_adba("diagnose", str(bad), "--demo", "-o", str(target)).code in (0, 1, 2)
    assert not RAW_CONTROLS.search(target.read_text(encoding="utf-8"))
    doc = run_adba("diagnose", str(bad), "--demo", "--format", "json").stdout
    assert "\\u202e" in doc and "\u202e" not in doc
    name = json.loads(doc)["data"]["reports"][0]["products"][0]["name"]
    assert name.startswith("\x1b[31mEVIL")  # JSON keeps the value, escaped


def test_an_error_message_with_escapes_is_one_clean_line(tmp_path: Path) -> None:
    weird = tmp_path / "x\x1b[2Jy.json"
    run = run_adba("scan", "--snapshot", str(weird))
    assert run.code == 3 and "\\x1b[2J" in run.stderr and "\x1b" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("option", ["--snapshot", "--ldif", "--product-db"])
def test_a_fifo_or_device_is_refused_before_it_is_opened(tmp_path: Path, option: str) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    args = ["scan", option, str(fifo)] + (["--demo"] if option == "--product-db" else [])
    run = run_adba(*args, timeout=30)  # a blocking open() would hang until the timeout
    assert run.code == 3 and "FIFO" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    run = run_adba("scan", "--ldif", "/dev/zero", timeout=30)
    assert run.code == 3 and "is a device" in run.stderr


def test_clean_escapes_controls_bidi_and_surrogates_and_keeps_the_rest() -> None:
    assert clean("plain text, ünïcödé, 日本語\n\tend") == "plain text, ünïcödé, 日本語\n\tend"
    assert clean("a\x1bb\x9bc\u202ed\ud800e\x7f") == "a\\x1bb\\x9bc\\u202ed\\ud800e\\x7f"
    document = json.dumps({"v": "\x9b\u202e\ud800"}, ensure_ascii=False)
    escaped = json_escape(document)
    assert json.loads(escaped) == json.loads(document) and escaped.isascii()


def test_ldif_unfolds_a_long_folded_value_exactly() -> None:
    import base64

    blob = bytes(range(256)) * 4000
    value = base64.b64encode(blob).decode()
    folded = "\n ".join(value[i:i + 76] for i in range(0, len(value), 76))
    data = ("dn: CN=x,CN=Activation Objects,CN=Microsoft SPP,CN=Services,CN=Configuration,DC=t\n"
            f"msSPP-PhoneLicense:: {folded}\n\n").encode()
    (record,) = parse_ldif(data)
    assert record.get("msSPP-PhoneLicense") == [blob]


def test_a_diagnosis_that_fails_makes_only_its_input_unreadable() -> None:
    from adba.adapters.reports import expand_inputs, read_reports
    from adba.cli.diagnose_work import DiagnoseJob
    from adba.core.client import UnreadableReport
    from tests.unit.diag_support import correlator

    class Exploding:
        def diagnose(self, report: object) -> list[object]:
            raise OverflowError("date value out of range")

    real = correlator()
    job = DiagnoseJob(real.data, real.catalog, None, None, None, as_json=False)  # type: ignore[arg-type]
    job._correlator = Exploding()  # type: ignore[assignment]
    item = next(iter(expand_inputs([str(GOOD)])))
    result = job(item, read_reports(item))
    assert isinstance(result, UnreadableReport)
    assert "could not be diagnosed (OverflowError: date value out of range)" in result.reason


ESC = "\x1b]0;owned\x07\x1b[2J\u009b31m\u202e"


def _escape_inputs(tmp_path: Path) -> list[list[str]]:
    """One command line per input format, each carrying ESC in a value it prints."""
    import base64

    from adba.cli.sources import demo_path

    ldif = (REPO / "fixtures" / "ldif" / "ldifde-broken.ldf").read_text(encoding="utf-8")
    encoded = base64.b64encode(f"Fabrikam {ESC} WS2019".encode()).decode()
    (tmp_path / "x.ldf").write_text(
        ldif.replace("displayName: Fabrikam WS2019", f"displayName:: {encoded}"), encoding="utf-8")
    snapshot = demo_path().read_text(encoding="utf-8").replace(
        '"Contoso WS2022 CSVLK"', json.dumps(f"Contoso {ESC} CSVLK"))
    (tmp_path / "snap.json").write_text(snapshot, encoding="utf-8")
    (tmp_path / "products.json").write_text(json.dumps({
        "format": "adba-catalog", "format_version": 1,
        "csvlks": [{"sku_id": "{661F7658-7035-4B4C-9F35-010682943EC2}",
                    "name": f"Contoso {ESC} key"}]}), encoding="utf-8")
    wmi = WMI.read_text(encoding="utf-8-sig")
    (tmp_path / "wmi.json").write_text(
        re.sub(r'"Name":\s*"', lambda _m: '"Name": ' + json.dumps(ESC)[:-1], wmi, count=1),
        encoding="utf-8")
    event = (REPO / "fixtures" / "real" / "event-text").glob("*.txt")
    first = sorted(event)[0].read_text(encoding="utf-8")
    (tmp_path / "event.txt").write_text(first.replace("Computer:", f"Computer: {ESC}", 1)
                                        if "Computer:" in first else ESC + first,
                                        encoding="utf-8")
    return [["scan", "--ldif", str(tmp_path / "x.ldf")],
            ["scan", "--snapshot", str(tmp_path / "snap.json")],
            ["scan", "--demo", "--product-db", str(tmp_path / "products.json")],
            ["diagnose", str(tmp_path / "wmi.json"), "--demo"],
            ["diagnose", str(tmp_path / "event.txt"), "--demo"],
            ["diagnose", str(GOOD.parent / "nope" / f"{ESC}.txt"), "--demo"]]


@pytest.mark.parametrize("index", range(6))
def test_no_control_character_from_any_input_reaches_text_or_stderr(tmp_path: Path,
                                                                      index: int) -> None:
    args = _escape_inputs(tmp_path)[index]
    run = run_adba(*args, env={"COLUMNS": "120"})
    assert "Traceback" not in run.stderr, run.stderr
    for stream in (run.stdout, run.stderr):
        assert not RAW_CONTROLS.search(stream), (args, repr(RAW_CONTROLS.search(stream)))
    assert "\\x1b" in run.stdout + run.stderr  # shown, escaped


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


@pytest.mark.parametrize(("option", "too_big"), [("--snapshot", 2049), ("--ldif", 257),
                                                  ("--product-db", 17)])
def test_special_and_oversized_files_end_quickly_in_one_line(tmp_path: Path, option: str,
                                                             too_big: int) -> None:
    from tests.support.child import run_measured

    extra = ["--demo"] if option == "--product-db" else []
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target in (fifo, tmp_path, Path("/dev/zero"),
                   _sparse(tmp_path / "big", too_big * 1024 * 1024)):
        run, peak = run_measured("scan", option, str(target), *extra, timeout=15)  # hang: fails
        assert run.code == 3, (option, target, run.stderr)
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert peak < 300 * 1024 * 1024, (option, target, peak)
    oversized = _sparse(tmp_path / "report.txt", 21 * 1024 * 1024)
    run = run_adba("diagnose", str(oversized), str(fifo), str(tmp_path), str(GOOD), "--demo",
                   "--format", "json", timeout=15)
    unreadable = {u["source"]: u["reason"] for u in json.loads(run.stdout)["data"]["unreadable"]}
    assert "too large" in unreadable[str(oversized)] and "FIFO" in unreadable[str(fifo)]
