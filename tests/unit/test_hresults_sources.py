"""The knowledge base against its sources: every slerror.h code, the Microsoft pages, provenance.

``adba/data/sources/slerror-codes.json`` vendors the names and values of slerror.h (Windows SDK)
with the repository, path and commit they were read from, so these tests need no network.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from adba.adapters.hresults_file import load_knowledge_base
from adba.core.hresults import (
    SEVERITIES,
    HResultsError,
    HResultSource,
    classify,
    format_hresult,
    is_sl_code,
    severity,
    validate_hresults,
)
from tests.conftest import REPO, run_adba

VENDORED = REPO / "adba" / "data" / "sources" / "slerror-codes.json"
DATA = REPO / "adba" / "data" / "hresults.json"


def _vendored() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(VENDORED.read_text(encoding="utf-8"))
    return doc


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return doc


# --------------------------------------------------------------------------- slerror.h


def test_vendored_list_is_what_the_header_has() -> None:
    doc = _vendored()
    assert doc["format"] == "adba-slerror-codes" and doc["format_version"] == 1
    prov = doc["provenance"]
    assert prov["repo"] == "trcrsired/windows-msvc-sysroot" and prov["path"] == "include/slerror.h"
    assert re.fullmatch(r"[0-9a-f]{40}", prov["commit"])
    names = [c["name"] for c in doc["codes"]]
    values = [c["value"] for c in doc["codes"]]
    assert len(set(values)) == len(values) == len(set(names)) == prov["header_count"] == 414
    for row in doc["codes"]:
        assert set(row) == {"name", "value"}
        assert re.fullmatch(r"0x[0-9A-F]{8}", row["value"]), row
        assert re.fullmatch(r"(SL_[EI]|SL_REMAPPING|E_RM)_[A-Z0-9_]+", row["name"]), row


def test_every_header_code_is_in_the_knowledge_base_by_name() -> None:
    kb = load_knowledge_base()
    by_symbol = {e.symbol: e for e in kb.entries if e.symbol}
    for row in _vendored()["codes"]:
        entry = by_symbol.get(row["name"])
        assert entry is not None, row["name"]
        assert entry.hex == row["value"], row
        assert "slerror" in entry.source, row["name"]
        assert entry.meaning.strip() and entry.usual_cause.strip() and entry.fix.strip()
    header_codes = {int(r["value"], 16) for r in _vendored()["codes"]}
    cited = {e.code for e in kb.entries if "slerror" in e.source}
    assert cited == header_codes  # slerror is cited for exactly the header's codes


def test_header_codes_have_their_facility_and_severity() -> None:
    kb = load_knowledge_base()
    for row in _vendored()["codes"]:
        code = int(row["value"], 16)
        entry = kb.lookup(code)
        assert entry is not None
        assert is_sl_code(code), row
        assert entry.facility.name.startswith("Software Licensing"), row
        # slerror.h: Sev is the top two bits, and the infix of the name agrees with it
        assert entry.severity == ("success", "informational", "warning", "error")[code >> 30]
        if row["name"].startswith("SL_I_"):
            assert entry.severity == "informational", row
        if row["name"].startswith("SL_E_") and code >> 28 == 0xC:
            assert entry.severity == "error", row


def test_facilities_and_severities() -> None:
    assert classify(0xC014C052).name == "Software Licensing, FACILITY_SL_ACS 0x014"
    store = classify(0x803FABC3)
    assert store.name == "Software Licensing, _FACILITY_WINDOWS_STORE 0x03F"
    assert "licensing-server (M$) zone" in store.text and store.severity == "warning"
    assert classify(0x803F7001).text == \
        "Software Licensing, _FACILITY_WINDOWS_STORE 0x03F (severity warning)"
    assert severity(0x4004F040) == "informational"
    assert severity(0x8004E101) == "warning"
    assert severity(0xC004F074) == "error"
    assert severity(0x80070005) == "error"  # an HRESULT: only the failure bit counts
    assert severity(0xC0020017) == "error"  # an NTSTATUS
    assert severity(0x00000000) == "success"
    assert classify(0x80072EE7).text == "Win32 error 12007 (WinHTTP error range)"
    kb = load_knowledge_base()
    assert {e.severity for e in kb.entries} <= SEVERITIES


# --------------------------------------------------------------------------- Microsoft's pages

PAGES: dict[str, set[int]] = {
    # 'Resolving common activation error codes' (windowsserverdocs): its summary table, and
    # 0x80072EE2 from the 0xC004F035 resolution
    "wsd-err": {
        0xC004C001, 0xC004C003, 0xC004C008, 0xC004B100, 0xC004C020, 0xC004C021, 0xC004F009,
        0xC004F00F, 0xC004F014, 0xC004F02C, 0xC004F035, 0xC004F038, 0xC004F039, 0xC004F041,
        0xC004F042, 0xC004F050, 0xC004F051, 0xC004F064, 0xC004F065, 0xC004F06C, 0x80070005,
        0x8007232A, 0x8007232B, 0x800706BA, 0x8007251D, 0xC004F074, 0x8004FE21, 0x80092328,
        0x8007007B, 0x80070490, 0x80072EE2,
    },
    # 'Troubleshoot Windows activation error codes' (SupportArticles-docs): its summary table
    "sup-err": {
        0x8004FE21, 0x80070005, 0x8007007B, 0x80070490, 0x800706BA, 0x8007232A, 0x8007232B,
        0x8007251D, 0x80092328, 0xC004B100, 0xC004C001, 0xC004C003, 0xC004C008, 0xC004C020,
        0xC004C021, 0xC004F009, 0xC004F00F, 0xC004F014, 0xC004F02C, 0xC004F035, 0xC004F038,
        0xC004F039, 0xC004F041, 0xC004F042, 0xC004F050, 0xC004F051, 0xC004F064, 0xC004F065,
        0xC004F06C, 0xC004F074,
    },
    "sup-f074": {0xC004F074, 0xC004F06C},          # the KMS 0xC004F074 page
    "kms-dns": {0xC004F074, 0x8007232B, 0x8007232A, 0x8007251D, 0x80092328, 0x8007007B},
    "wsd-kms-issues": {0x8007267C},                # KMS known issues: slui 0x2a 0x8007267C
    "sup-267c": {0x8007267C},
    "sup-000d": {0x8007000D},
    "sup-tokens": {0xC004E002, 0xC004E015},        # the tokens.dat pages, cited where it helps
    "wsd-tokens": {0xC004E002},
    "sup-8198": {0xC0020017, 0x8007139F},
    "sup-8200": {0x80072EE7},
    "sup-12293": {0x80072338},
}


@pytest.mark.parametrize("source_id", sorted(PAGES))
def test_every_code_on_the_pages_has_meaning_fix_and_cites_the_page(source_id: str) -> None:
    kb = load_knowledge_base()
    assert kb.source(source_id) is not None, source_id
    for code in sorted(PAGES[source_id]):
        entry = kb.lookup(code)
        assert entry is not None, format_hresult(code)
        assert entry.meaning.strip() and entry.usual_cause.strip() and entry.fix.strip()
        assert source_id in entry.source, (source_id, format_hresult(code))


# --------------------------------------------------------------------------- provenance


def test_every_source_records_repo_path_commit_or_url() -> None:
    kb = load_knowledge_base()
    for source in kb.sources:
        assert isinstance(source, HResultSource), source.id
        assert (source.repo and source.path and source.commit) or source.url, source.id
        assert source.where, source.id
    assert kb.source("slerror").where == (  # type: ignore[union-attr]
        "trcrsired/windows-msvc-sysroot:include/slerror.h@"
        + _vendored()["provenance"]["commit"])


def _error(doc: Any) -> str:
    with pytest.raises(HResultsError) as info:
        validate_hresults(doc, "test.json")
    return str(info.value)


def test_provenance_is_validated() -> None:
    good = _doc()
    bad = copy.deepcopy(good)
    for key in ("repo", "path", "commit", "url"):
        bad["sources"][0].pop(key, None)
    assert "$.sources[0]: no provenance" in _error(bad)
    bad = copy.deepcopy(good)
    del bad["sources"][0]["commit"]
    assert "$.sources[0].commit: missing (repo, path and commit go together)" in _error(bad)
    bad = copy.deepcopy(good)
    bad["sources"][0]["commit"] = "main"
    assert "not 40 lower-case hex digits" in _error(bad)
    bad = copy.deepcopy(good)
    bad["sources"][0]["repo"] = "no-slash"
    assert "$.sources[0].repo: not owner/name" in _error(bad)
    bad = copy.deepcopy(good)
    bad["sources"][0]["path"] = "../etc/passwd"
    assert "not a relative path" in _error(bad)
    bad = copy.deepcopy(good)
    url_source = next(i for i, s in enumerate(bad["sources"]) if "url" in s)
    bad["sources"][url_source]["url"] = "http://example.com/"
    assert "not an https:// URL" in _error(bad)
    bad = copy.deepcopy(good)
    bad["sources"][0]["license"] = "x"
    assert "$.sources[0].license: unknown field" in _error(bad)


# --------------------------------------------------------------------------- do no harm


def _clauses(text: str) -> list[str]:
    return [c for c in re.split(r"(?<=[.;,])\s+", text) if c]


def test_no_fix_gives_a_gvlk_to_a_kms_host_evaluation_or_esu() -> None:
    kb = load_knowledge_base()
    for entry in kb.entries:
        if "GVLK" not in entry.fix:
            continue
        if "/ipk <GVLK>" in entry.fix or "install the GVLK" in entry.fix.lower():
            assert "client" in entry.fix, entry.hex  # says whose key it is
        for clause in _clauses(entry.fix):
            lowered = clause.lower()
            if "/ipk <gvlk>" not in lowered:
                continue
            assert "client" in lowered, (entry.hex, clause)
            for role in ("kms host", "evaluation", "esu"):
                if role in lowered:  # a clause naming both must be the warning, not the advice
                    assert re.search(r"\b(never|not)\b", lowered), (entry.hex, clause)
        if "KMS host" in entry.fix:
            assert "CSVLK" in entry.fix or "never" in entry.fix, entry.hex


def test_role_dependent_fixes_say_the_role() -> None:
    kb = load_knowledge_base()
    for code in (0xC004F014, 0xC004F050, 0xC004E002, 0xC004F034, 0x803F7001, 0xC004E007):
        entry = kb.lookup(code)
        assert entry is not None
        text = entry.fix
        if "tokens.dat" in text.lower() or "ipk" in text:
            assert "KMS client" in text or "KMS or ADBA client" in text, entry.hex
    store = kb.lookup(0xC004E007)
    assert store is not None
    assert "on a KMS host its CSVLK" in store.fix and "ESU" in store.fix and "evaluation" in store.fix


# --------------------------------------------------------------------------- adba explain


def test_explain_shows_severity_facility_and_provenance() -> None:
    run = run_adba("explain", "0x803FA067", "0x80072F8F")
    assert run.code == 0, run.stderr
    assert "SL_REMAPPING_MDOLLAR_PRODUCT_KEY_BLOCKED" in run.stdout
    assert "\nseverity      warning" in run.stdout
    assert "_FACILITY_WINDOWS_STORE 0x03F" in run.stdout
    assert "ERROR_WINHTTP_SECURE_FAILURE" in run.stdout
    assert "trcrsired/windows-msvc-sysroot:include/slerror.h@" in run.stdout
    assert "https://learn.microsoft.com/windows/win32/winhttp/error-messages" in run.stdout
    js = run_adba("explain", "0x4004F401", "--format", "json")
    assert js.code == 0
    code = json.loads(js.stdout)["data"]["codes"][0]
    assert code["entry"]["symbol"] == "SL_I_STORE_BASED_ACTIVATION"
    assert code["facility"]["severity"] == "informational"
    assert code["facility"]["name"] == "Software Licensing, FACILITY_SL_ITF 0x004"
    slerror = next(s for s in code["sources"] if s["id"] == "slerror")
    assert slerror["repo"] == "trcrsired/windows-msvc-sysroot" and slerror["url"] is None
