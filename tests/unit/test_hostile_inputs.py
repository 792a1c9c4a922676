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
    shapes = {  # report shape: (artefact, the value that gets ESC appended, its encoding)
        "slmgr.txt": (GOOD, "Name: Windows", "utf-8"),
        "cim.csv": (REPO / "fixtures" / "clients" / "cim-products-notype.csv",
                    '"Windows(R), Professional edition"', "utf-8"),
        "fl.txt": (REPO / "fixtures" / "real" / "powershell"
                   / "win10-cim-product-fl-cut-bottom-dedate.txt",
                   ": Windows(R), Professional edition", "utf-8"),
        "event.xml": (REPO / "fixtures" / "real" / "event-text" / "openwec-1003-win10-event.xml",
                      "<Computer>", "utf-8"),
        "siem.json": (REPO / "fixtures" / "real" / "event-text"
                      / "openwec-1003-win10-openwec.json", '"Computer":"', "utf-8"),
        "collector.json": (REPO / "fixtures" / "clients" / "collector-ws2022-adba.adba.json",
                           '"computer": "', "utf-8"),
        "log.evtx": (REPO / "fixtures" / "real" / "evtx"
                     / "win7-ie-vms-4-computers-application.evtx", "IE8W", "utf-16-le"),
    }
    commands = []
    for name, (artefact, anchor, encoding) in shapes.items():
        raw = artefact.read_bytes()
        needle = anchor.encode(encoding)
        assert needle in raw, (artefact, anchor)
        if name == "log.evtx":  # same length: the binary XML keeps its sizes
            evil = raw.replace(needle, "IE8\x1b".encode(encoding))
        elif name.endswith(".json"):
            evil = raw.replace(needle, needle + json.dumps(ESC)[1:-1].encode(), 1)
        elif name.endswith(".csv"):
            evil = raw.replace(needle, needle[:-1] + ESC.encode() + b'"', 1)
        elif name.endswith(".xml"):  # XML 1.0 forbids C0 controls; C1 and bidi are legal
            evil = raw.replace(needle, needle + ESC[ESC.index("\u009b"):].encode(), 1)
        else:
            evil = raw.replace(needle, needle + ESC.encode(encoding), 1)
        (tmp_path / name).write_bytes(evil)
        commands.append(["diagnose", str(tmp_path / name), "--demo"])
    return [*commands,
            ["scan", "--ldif", str(tmp_path / "x.ldf")],
            ["scan", "--snapshot", str(tmp_path / "snap.json")],
            ["scan", "--demo", "--product-db", str(tmp_path / "products.json")],
            ["diagnose", str(tmp_path / "wmi.json"), "--demo"],
            ["diagnose", str(tmp_path / "event.txt"), "--demo"],
            ["diagnose", str(GOOD.parent / "nope" / f"{ESC}.txt"), "--demo"]]


@pytest.mark.parametrize("index", range(13))
def test_no_control_character_from_any_input_reaches_text_or_stderr(tmp_path: Path,
                                                                      index: int) -> None:
    args = _escape_inputs(tmp_path)[index]
    run = run_adba(*args, env={"COLUMNS": "120"})
    assert "Traceback" not in run.stderr, run.stderr
    for stream in (run.stdout, run.stderr):
        assert not RAW_CONTROLS.search(stream), (args, repr(RAW_CONTROLS.search(stream)))
    shown = run.stdout + run.stderr
    assert "\\x1b" in shown or "\\x9b" in shown, shown  # shown, escaped


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


# Each file a user names, with the size just above its cap (in KB) and the command around it.
_LIVE = ("scan", "--server", "127.0.0.1:9", "--user", "reader@contoso.test")
FILE_OPTIONS = {
    "--snapshot": (2049 * 1024, ("scan", "--snapshot", "{}")),
    "--ldif": (257 * 1024, ("scan", "--ldif", "{}")),
    "--product-db": (17 * 1024, ("scan", "--demo", "--product-db", "{}")),
    "catalog --product-db": (17 * 1024, ("catalog", "--product-db", "{}", "2022")),
    "--password-file": (65, (*_LIVE, "--password-file", "{}")),
    "--ca-file": (17 * 1024, (*_LIVE, "--ca-file", "{}")),
    "diagnose FILE": (21 * 1024, ("diagnose", "--demo", "{}")),
}


@pytest.mark.parametrize("option", list(FILE_OPTIONS))
def test_special_and_oversized_files_end_quickly_in_one_line(tmp_path: Path,
                                                             option: str) -> None:
    """A FIFO, a directory, /dev/zero and a file above the cap: under 5 s, one line, exit 3,
    small, for every file a user can name."""
    import time

    from tests.support.child import run_measured

    too_big, template = FILE_OPTIONS[option]
    folder = tmp_path / "folder"
    folder.mkdir()
    fifo = folder / "fifo"  # the folder holds no regular file
    os.mkfifo(fifo)
    targets = (fifo, folder, Path("/dev/zero"), _sparse(tmp_path / "big", too_big * 1024))
    for target in targets:
        args = [str(target) if arg == "{}" else arg for arg in template]
        started = time.monotonic()
        run, peak = run_measured(*args, password="x", timeout=30)  # a hang fails the test
        took = time.monotonic() - started
        assert run.code == 3, (option, target, run.stderr)
        line = run.stderr.strip()
        assert len(line.splitlines()) == 1 and line.startswith("adba: error: "), run.stderr
        assert str(target) in line, line
        in_dir = "no report files found" if option == "diagnose FILE" else "directory"
        reason = {fifo: "FIFO", folder: in_dir, Path("/dev/zero"): "device"}
        assert reason.get(target, "too large") in line, line
        assert "cannot reach" not in line and "no password" not in line, line
        assert took < 5, (option, target, f"{took:.1f} s")
        assert peak < 300 * 1024 * 1024, (option, target, peak)


def test_diagnose_lists_each_special_file_as_unreadable_beside_a_good_one(
        tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    oversized = _sparse(tmp_path / "report.txt", 21 * 1024 * 1024)
    run = run_adba("diagnose", str(oversized), str(fifo), str(tmp_path), "/dev/zero", str(GOOD),
                   "--demo", "--format", "json", timeout=15)
    doc = json.loads(run.stdout)
    assert [r["source"] for r in doc["data"]["reports"]] == [str(GOOD)]
    unreadable = {u["source"]: u["reason"] for u in doc["data"]["unreadable"]}
    assert "too large" in unreadable[str(oversized)] and "FIFO" in unreadable[str(fifo)]
    assert "device" in unreadable["/dev/zero"]
