"""``adba diagnose`` on many files: the reports are diagnosed and encoded where they were read
(in workers), and the document assembled from those parts is the one encoding everything at once
gives."""

from __future__ import annotations

import json
import pickle
import shutil
import sys
from pathlib import Path

import pytest

from adba.adapters.catalog_file import load_catalog
from adba.adapters.hresults_file import load_knowledge_base
from adba.adapters.kms_emulators_file import packaged_emulator_list
from adba.adapters.reports import ReportInput, expand_inputs, read_reports
from adba.adapters.reports.batch import read_all
from adba.cli import render_json
from adba.cli.diagnose_work import DiagnoseJob, JsonParts, assemble_json, json_finding
from adba.core.client import UnreadableReport
from adba.core.diagnose import DiagnoseOptions
from tests.conftest import REPO, run_adba
from tests.unit.diag_support import NOW, correlator

CLIENTS = REPO / "fixtures" / "clients"


def _job(as_json: bool) -> DiagnoseJob:
    return DiagnoseJob(correlator().data, load_catalog(None, use_env=False), load_knowledge_base(),
                       DiagnoseOptions(warn_days=30, now=NOW), packaged_emulator_list(),
                       as_json=as_json)


def _inputs() -> list[ReportInput]:
    return list(expand_inputs([str(CLIENTS)]))


@pytest.mark.parametrize("workers", [1, 2])
def test_then_runs_on_what_was_read_and_keeps_order(workers: int) -> None:
    items = _inputs() * 3
    results = list(read_all(items, workers=workers, then=_job(as_json=False)))
    assert [item for item, _ in results] == items
    for item, result in results:
        try:
            expected = read_reports(item)
        except UnreadableReport as exc:
            assert isinstance(result, UnreadableReport) and result.reason == exc.reason
            continue
        assert not isinstance(result, UnreadableReport)
        assert [report for report, _ in result] == expected
        assert [diags for _, diags in result] == [correlator().diagnose(r) for r in expected]


def test_json_parts_from_workers_equal_those_made_here() -> None:
    items = _inputs() * 3
    here = list(read_all(items, workers=1, then=_job(as_json=True)))
    there = list(read_all(items, workers=2, then=_job(as_json=True)))
    assert [r if isinstance(r, JsonParts) else r.reason for _, r in there] == \
        [r if isinstance(r, JsonParts) else r.reason for _, r in here]
    parts = [r for _, r in here if isinstance(r, JsonParts)]
    assert parts and all(json.loads(text)["source"] for part in parts for text in part.reports)


def test_job_pickles_without_its_correlator() -> None:
    job = _job(as_json=True)
    item = next(i for i in _inputs() if i.name.endswith("slmgr-dlv-ws2022-adba.txt"))
    reports = read_reports(item)
    made_here = job(item, reports)
    copy = pickle.loads(pickle.dumps(job))
    assert copy._correlator is None
    assert copy(item, reports) == made_here


@pytest.mark.parametrize("copies", [1, 400])
def test_assembled_document_is_what_dumps_writes(copies: int) -> None:
    """Small documents come out indented, large ones compact: byte for byte as ``dumps``."""
    job = _job(as_json=False)
    pairs = [pair for item, result in read_all(_inputs(), workers=1, then=job)
             if not isinstance(result, UnreadableReport) for pair in result] * copies
    findings = sorted((f for _r, diags in pairs for d in diags for f in d.diagnoses),
                      key=lambda f: f.sort_key())
    data = {"forest_source": {"kind": "demo"}, "reports": [], "summary": {"n": len(pairs)}}
    whole = dict(data, reports=[render_json.diagnose_report_json(r, d) for r, d in pairs])
    expected = render_json.dumps(render_json.envelope("diagnose", "ok", 0, whole, findings, []))
    texts = [json.dumps(render_json.diagnose_report_json(r, d), ensure_ascii=False,
                        separators=(",", ":")).encode() for r, d in pairs]
    got = assemble_json(render_json.envelope("diagnose", "ok", 0, data, [], []), texts,
                        [json_finding(f) for f in findings])
    assert isinstance(got, bytes) == (copies > 1)  # large: UTF-8 bytes, the newline left out
    text = got.decode() + "\n" if isinstance(got, bytes) else got
    assert text == expected
    assert (len(text) >= render_json.COMPACT_FROM) == (copies > 1)


def test_folder_of_unreadable_reports_is_refused(tmp_path: Path) -> None:
    for name in ("garbage.bin", "empty.txt"):
        shutil.copy(CLIENTS / name, tmp_path / name)
    run = run_adba("diagnose", str(tmp_path), "--demo", "--format", "json")
    assert run.code == 3
    assert "none of the 2 report(s) could be read" in run.stderr


def test_unreadable_before_and_after_the_first_readable_are_all_listed(tmp_path: Path) -> None:
    for name in ("empty.txt", "garbage.bin", "slmgr-dlv-ws2022-adba.txt"):
        shutil.copy(CLIENTS / name, tmp_path / ("a-" + name))
    shutil.copy(CLIENTS / "garbage.bin", tmp_path / "z-garbage.bin")
    run = run_adba("diagnose", str(tmp_path), "--demo", "--format", "json")
    doc = json.loads(run.stdout)
    assert [Path(u["source"]).name for u in doc["data"]["unreadable"]] == [
        "a-empty.txt", "a-garbage.bin", "z-garbage.bin"]
    assert doc["data"]["summary"]["reports_read"] == 1
    assert doc["data"]["summary"]["reports_unreadable"] == 3


@pytest.mark.parametrize(("text", "expected"), [
    ("  one value  ", "one value"), ("", ""), (" \t ", ""), ("a\nb", "a b"), ("a\r\n\r\nb ", "a b"),
    ("a\x0bb\x0cc", "a b c"), ("a\x1cb\x1dc\x1ed", "a b c d"), ("a\x85b\u2028c\u2029d", "a b c d"),
    ("a\x1fb", "a\x1fb"), ("x" * 400, "x" * 299 + "…")])
def test_one_line_joins_at_every_line_break_splitlines_knows(text: str, expected: str) -> None:
    from adba.adapters.reports.spp_events import one_line

    assert one_line(text) == expected


def test_a_directory_is_walked_in_sorted_path_order_without_hidden_entries(tmp_path: Path) -> None:
    """The order of ``sorted(rglob)`` by path parts, hidden files and folders skipped, links to
    folders not followed."""
    for name in ["b/x.txt", "b.txt", "a/z/1.txt", "a/2.txt", "B.txt", ".hidden/h.txt", "c/.h.txt",
                 "c/d.txt", "a b/e.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "c", target_is_directory=True)
    names = [item.name for item in expand_inputs([str(tmp_path)])]
    rel = [str(Path(n).relative_to(tmp_path)) for n in names]
    assert rel == ["B.txt", "a/2.txt", "a/z/1.txt", "a b/e.txt", "b/x.txt", "b.txt", "c/d.txt"]


@pytest.mark.parametrize("arg", [".", "./d", "d/", "d", "ABS", "ABS/./d/"])
def test_walked_files_are_named_as_pathlib_names_them(tmp_path: Path, arg: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Names built from strings (cheap to send to the workers) are ``str(folder / name)``."""
    for name in ("d/a.txt", "d/s/b.txt", "d/s/t/c.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    arg = arg.replace("ABS", str(tmp_path))
    expected = [str(p) for p in sorted(Path(arg).rglob("*")) if p.is_file()]
    found = list(expand_inputs([arg]))
    assert [item.name for item in found] == expected
    assert all(str(item.path) == item.name for item in found)


def test_finding_text_is_the_encoders_text_for_every_finding_and_hostile_strings() -> None:
    """The findings of the client fixtures and the real corpus, and findings carrying quotes,
    controls, C1, bidi, lone surrogates and long texts: written from cached fragments, each is
    exactly ``compact(finding_json(f))``."""
    from dataclasses import replace

    from adba.cli.diagnose_work import compact, finding_text

    job = _job(as_json=False)
    items = _inputs() + list(expand_inputs([str(REPO / "fixtures" / "real")]))
    findings = [f for _item, result in read_all(items, workers=1, then=job)
                if not isinstance(result, UnreadableReport)
                for _r, diags in result for d in diags for f in d.diagnoses]
    assert len({f.rule_id for f in findings}) >= 10
    odd = ['say "hi"\\', "tab\tnew\nline\x00\x1b[31m", "c1 \x9b bidi \u202e lone \ud800 end",
           "é ü 中文 ✓ \u2028", "x" * 9000, ""]
    base = findings[0]
    for text in odd:
        findings.append(replace(base, title=text, subject=text, evidence=(text, "plain"),
                                explanation=text, remediation=text, doc_url=text))
    for f in findings:
        assert finding_text(f) == compact(render_json.finding_json(f))
        assert finding_text(f) == finding_text(f)  # the second time from the kept fragments


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are set on Linux")
def test_the_result_pipe_is_widened_so_workers_do_not_wait_on_the_parent() -> None:
    import fcntl
    from concurrent.futures import ProcessPoolExecutor

    from adba.adapters.reports.batch import RESULT_PIPE_BYTES, _widen_result_pipe

    with ProcessPoolExecutor(max_workers=1) as pool:
        writer = pool._result_queue._writer  # type: ignore[attr-defined]
        before = fcntl.fcntl(writer.fileno(), 1032)  # F_GETPIPE_SZ
        _widen_result_pipe(pool)
        assert fcntl.fcntl(writer.fileno(), 1032) == RESULT_PIPE_BYTES > before
        assert pool.submit(sum, [1, 2]).result() == 3
