"""The activation error-code knowledge base, HRESULT parsing and ``adba explain``."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from adba.adapters.hresults_file import load_knowledge_base, parse_knowledge_base
from adba.core.hresults import (
    CANONICAL,
    KINDS,
    HResultsError,
    classify,
    format_hresult,
    parse_hresult,
    unknown_text,
    validate_hresults,
)
from adba.errors import InputFileError
from scripts.gen_hresults_doc import render
from tests.conftest import REPO, run_adba

DATA = REPO / "adba" / "data" / "hresults.json"

NO_SYMBOL = {0x8004FE21, 0x80092328, 0x803F7001}
"""Codes no Microsoft source names a symbol for (the pages give only the message)."""


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return doc


# --------------------------------------------------------------------------- the data


def test_every_entry_has_symbol_meaning_fix_and_a_declared_source() -> None:
    doc = _doc()
    declared = {s["id"] for s in doc["sources"]}
    assert doc["format"] == "adba-hresults" and doc["format_version"] == 2
    for row in doc["codes"]:
        assert CANONICAL.fullmatch(row["code"]), row["code"]
        assert "symbol" in row
        code = int(row["code"], 16)
        if code in NO_SYMBOL:
            assert row["symbol"] is None, row["code"]
        else:
            assert isinstance(row["symbol"], str) and row["symbol"], row["code"]
        for key in ("meaning", "usual_cause", "fix"):
            assert isinstance(row[key], str) and row[key].strip(), (row["code"], key)
        assert row["source"] and set(row["source"]) <= declared, row["code"]
        assert row["adba"] in ("specific", "related", "no")
        assert row["kinds"] and set(row["kinds"]) <= KINDS
        assert row["fix"].count("`") % 2 == 0, row["code"]  # commands are quoted in pairs


def test_codes_and_aliases_are_unique() -> None:
    doc = _doc()
    seen = [r["code"] for r in doc["codes"]] + [a for r in doc["codes"] for a in r.get("aliases", [])]
    assert len(seen) == len(set(seen))
    kb = load_knowledge_base()
    assert len(kb) == len(doc["codes"]) == 437


def test_every_source_is_used() -> None:
    doc = _doc()
    used = {s for r in doc["codes"] for s in r["source"]}
    assert used == {s["id"] for s in doc["sources"]}


@pytest.mark.parametrize("code", [
    0xC004F081, 0xC004F082, 0xC004F083, 0x80072030, 0xC004F074, 0xC004F050, 0xC004F051,
    0xC004C008, 0xC004C001, 0xC004C004, 0xC004C003, 0xC004C017, 0xC004C020, 0xC004C021,
    0xC004B100, 0xC004B011, 0xC004F02C, 0xC004F02F, 0xC004F031, 0xC004F04D, 0xC004F07E,
    0xC004F07F, 0xC004F07D, 0xC004F009, 0xC004F00F, 0xC004F014, 0xC004F015, 0xC004F025,
    0x80070005, 0xC004F035, 0xC004F038, 0xC004F039, 0xC004F041, 0xC004F042, 0xC004F056,
    0xC004F064, 0x4004F065, 0xC004F066, 0xC004F069, 0xC004F06B, 0xC004F06C, 0xC004F075,
    0xC004F200, 0xC004F210, 0xC004F211, 0xC004F212, 0xC004F213, 0xC004F301, 0xC004F313,
    0xC004D307, 0x4004F040, 0x4004F00C, 0x4004F00D, 0x8007232A, 0x8007232B, 0x8007251D,
    0x800706BA, 0x80092328, 0x8007007B, 0x8004FE21, 0x80070490, 0xC0020017, 0x8007139F,
    0xC004E015, 0x80070057, 0xC004F304, 0xC004F305, 0xC004F30A, 0xC004F30D, 0xC004F312,
    # the codes activation failures show, named by the issue
    0xC004F034, 0x803F7001, 0x80072EE7, 0x80072EE2, 0x4004F401, 0xC004F012, 0x8007267C,
    0xC004FC07, 0x80004005, 0x8007000D, 0x80072F8F, 0x80072EFD, 0x80072EFE,
])
def test_the_facts_table_and_slmgrs_list_are_covered(code: int) -> None:
    assert load_knowledge_base().lookup(code) is not None, format_hresult(code)


def test_adba_relevance_follows_the_research_notes() -> None:
    kb = load_knowledge_base()
    specific = {e.code for e in kb.entries if e.adba == "specific"}
    assert specific == {0xC004F081, 0xC004F082, 0xC004F083, 0x80072030}
    related = {e.code for e in kb.entries if e.adba == "related"}
    assert {0xC004F074, 0xC004F050, 0xC004C008, 0xC004F02C, 0xC004F07D, 0xC004F014,
            0x80070005, 0x8007007B} <= related
    for entry in kb.entries:
        assert ("adba" in entry.kinds) == (entry.adba != "no"), entry.hex


def test_case_study_caveat_and_mismatch_notes() -> None:
    kb = load_knowledge_base()
    invalid_name = kb.lookup(0x8007007B)
    assert invalid_name is not None and invalid_name.symbol == "ERROR_INVALID_NAME"
    assert "RETAIL" in invalid_name.usual_cause and "red herring" in invalid_name.usual_cause
    assert "slmgr /dlv" in invalid_name.fix and "slmgr /ipk <GVLK>" in invalid_name.fix
    assert "sup-adba" in invalid_name.source
    f066, f069 = kb.lookup(0xC004F066), kb.lookup(0xC004F069)
    assert f066 is not None and f069 is not None
    assert "product SKU is not found" in f066.meaning and "0xC004F069" in f066.meaning
    assert "0xC004F066" in f069.meaning


def test_fixes_quote_exact_commands() -> None:
    kb = load_knowledge_base()
    fixes = {e.code: e.fix for e in kb.entries}
    assert "`slmgr /ad-activation-online <CSVLK> [<Activation Object name>]`" in fixes[0xC004F081]
    assert "`slmgr /act-type 0`" in fixes[0xC004F074]
    assert "`nslookup -type=all _vlmcs._tcp`" in fixes[0xC004F074]
    assert "`slmgr /skms <KMS host>:1688`" in fixes[0x8007232B]
    assert "`slmgr /ipk <GVLK>`" in fixes[0xC004F014]


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("text", [
    "0xC004F074", "C004F074", "0xc004f074", "c004f074", "0XC004F074", "0xC004F074L",
    "3221549172", "-1073418124", "hr=0xC004F074", "HR = 0xC004F074", "hresult:C004F074",
    "Error: 0xC004F074", "(0xC004F074)", "'0xC004F074',", "[3221549172]", "  -1073418124.  ",
    "0xFFFFFFFFC004F074", "code 0xC004F074",
])
def test_parse_hresult_forms(text: str) -> None:
    assert parse_hresult(text) == 0xC004F074


@pytest.mark.parametrize("text", [
    "", "   ", "hello", "0x", "0xG004F074", "0x1C004F074", "4294967296", "-2147483649",
    "C004F07", "C004F0744", "hr=", "0x00000001C004F074", "1.5", "--bogus",
])
def test_parse_hresult_rejects(text: str) -> None:
    assert parse_hresult(text) is None


def test_parse_hresult_edges() -> None:
    assert parse_hresult("0") == 0
    assert parse_hresult("4294967295") == 0xFFFFFFFF
    assert parse_hresult("-2147483648") == 0x80000000
    assert parse_hresult("-1") == 0xFFFFFFFF
    assert parse_hresult("80070005") == 0x80070005  # eight digits are hex, as slmgr writes codes
    assert parse_hresult("0x5") == 5
    assert format_hresult(0xC004F074) == "0xC004F074"
    assert format_hresult(-1073418124) == "0xC004F074"
    assert format_hresult(5) == "0x00000005"


# --------------------------------------------------------------------------- facilities


def test_unknown_codes_are_classified_by_facility() -> None:
    assert unknown_text(0x800704FB) == \
        "unknown to adba's knowledge base; facility: Win32 error 1275"
    assert classify(0x8007232B).win32 == 9003
    assert "DNS error range" in classify(0x8007232B).text
    sl = classify(0xC004F0FF)
    assert sl.name.startswith("Software Licensing") and "client-API zone" in sl.text
    assert "severity error" in sl.text
    assert "severity informational" in classify(0x4004F065).text
    assert "activation-server zone" in classify(0xC004B0FF).text
    # facility 4 outside the licensing zones is any interface-specific code, not licensing
    assert classify(0x80040154).name == "facility 0x004"
    assert classify(0xC0020017).name == "facility 0x002"


def test_lookup_by_alias_and_unknown() -> None:
    kb = load_knowledge_base()
    entry = kb.lookup(0xC004F065)
    assert entry is not None and entry.code == 0x4004F065
    assert kb.is_alias(0xC004F065) and not kb.is_alias(0x4004F065)
    assert kb.lookup(0x8007232C) is None
    assert kb.lookup(-1073418124) is kb.lookup(0xC004F074)


# --------------------------------------------------------------------------- validation


def _error(doc: Any) -> str:
    with pytest.raises(HResultsError) as info:
        validate_hresults(doc, "test.json")
    return str(info.value)


def test_validation_rejects_malformed_documents() -> None:
    good = _doc()
    assert len(validate_hresults(good, "x")) == 437
    bad = copy.deepcopy(good)
    bad["codes"].append(copy.deepcopy(bad["codes"][0]))
    assert "duplicate code 0x" in _error(bad)
    bad = copy.deepcopy(good)
    bad["codes"][1]["aliases"] = [bad["codes"][0]["code"]]
    assert "duplicate code" in _error(bad) and "$.codes[1].aliases[0]" in _error(bad)
    bad = copy.deepcopy(good)
    bad["codes"][0]["code"] = "0xc004f081"
    assert "$.codes[0].code: not a code of the form 0xC004F074" in _error(bad)
    bad = copy.deepcopy(good)
    bad["codes"][0]["code"] = 3221549185
    assert "expected a string, found a number" in _error(bad)
    bad = copy.deepcopy(good)
    del bad["codes"][0]["fix"]
    assert "$.codes[0].fix: missing" in _error(bad)
    bad = copy.deepcopy(good)
    bad["codes"][0]["extra"] = 1
    assert "$.codes[0].extra: unknown field" in _error(bad)
    bad = copy.deepcopy(good)
    bad["codes"][0]["source"] = ["nowhere"]
    assert "not declared in 'sources'" in _error(bad)
    bad = copy.deepcopy(good)
    bad["codes"][0]["adba"] = "yes"
    assert "must be one of specific, related, no" in _error(bad)
    bad = copy.deepcopy(good)
    bad["codes"][0]["kinds"] = ["kms", "kms"]
    assert "duplicate kind" in _error(bad)
    bad = copy.deepcopy(good)
    bad["codes"][0]["symbol"] = "not a symbol"
    assert "not a C identifier" in _error(bad)
    bad = copy.deepcopy(good)
    bad["format_version"] = 1
    assert "version 1 is not supported (this adba reads 2)" in _error(bad)
    assert "expected an object" in _error([])


def test_adapter_turns_problems_into_input_file_errors() -> None:
    with pytest.raises(InputFileError) as info:
        parse_knowledge_base("{not json", "kb.json")
    assert "kb.json:1: not valid JSON" in str(info.value)
    with pytest.raises(InputFileError) as info:
        parse_knowledge_base('{"format": "other"}', "kb.json")
    assert "kb.json: $.format_version: missing" in str(info.value)


# --------------------------------------------------------------------------- the command


def test_explain_prints_the_entry() -> None:
    run = run_adba("explain", "0xC004F074")
    assert run.code == 0, run.stderr
    out = run.stdout
    assert out.startswith("0xC004F074  SL_E_VL_BINDING_SERVICE_UNAVAILABLE")
    for label in ("meaning", "usual cause", "fix", "ADBA", "facility", "sources"):
        assert f"\n{label} " in out, label
    assert "No Key Management Service (KMS) could be contacted" in out
    assert "related: typical in ADBA flows" in out
    assert "slerror.h, the Software Licensing error definitions" in out
    assert run.stderr == ""


def test_explain_decimal_gives_the_same_entry() -> None:
    hexadecimal = run_adba("explain", "0xC004F074", "--format", "json")
    decimal = run_adba("explain", "3221549172", "--format", "json")
    signed = run_adba("explain", "-1073418124", "--format", "json")
    assert hexadecimal.code == decimal.code == signed.code == 0
    entries = [json.loads(r.stdout)["data"]["codes"][0] for r in (hexadecimal, decimal, signed)]
    assert entries[0]["entry"] == entries[1]["entry"] == entries[2]["entry"]
    assert entries[1]["input"] == "3221549172" and entries[1]["code"] == "0xC004F074"
    text = run_adba("explain", "3221549172")
    assert text.code == 0
    assert text.stdout.startswith("3221549172 = 0xC004F074  SL_E_VL_BINDING_SERVICE_UNAVAILABLE")


def test_explain_json_envelope() -> None:
    run = run_adba("explain", "C004F081", "0xC004F065", "0x8007232C", "--format", "json")
    assert run.code == 1
    doc = json.loads(run.stdout)
    assert doc["command"] == "explain" and doc["status"] == "warning" and doc["exit_code"] == 1
    first, alias, unknown = doc["data"]["codes"]
    assert first["known"] and first["entry"]["symbol"] == "SL_E_VL_AD_AO_NOT_FOUND"
    assert first["entry"]["adba"] == "specific"
    assert {s["id"] for s in first["sources"]} == set(first["entry"]["source"])
    assert alias["alias_of"] == "0x4004F065" and alias["code"] == "0xC004F065"
    assert not unknown["known"] and unknown["entry"] is None
    assert unknown["facility"]["win32_error"] == 9004
    assert unknown["note"] == "unknown to adba's knowledge base; facility: Win32 error 9004 " \
                              "(DNS error range)"


def test_explain_unknown_exits_1_and_names_the_facility() -> None:
    run = run_adba("explain", "0x800704FB")
    assert run.code == 1
    assert run.stdout.strip() == \
        "0x800704FB: unknown to adba's knowledge base; facility: Win32 error 1275"
    mixed = run_adba("explain", "0xC004F074", "0xC004FFFF")
    assert mixed.code == 1
    assert "SL_E_VL_BINDING_SERVICE_UNAVAILABLE" in mixed.stdout
    assert "0xC004FFFF: unknown to adba's knowledge base; facility: Software Licensing" in mixed.stdout


def test_explain_garbage_exits_3_with_one_line() -> None:
    run = run_adba("explain", "0xC004F074", "not-a-code")
    assert run.code == 3
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("adba: error: not an error code: 'not-a-code'")
    json_run = run_adba("explain", "zz", "--format", "json")
    assert json_run.code == 3
    assert json.loads(json_run.stdout)["errors"][0]["type"] == "UsageError"


# --------------------------------------------------------------------------- the doc


def test_error_codes_doc_is_current() -> None:
    path = REPO / "docs" / "error-codes.md"
    assert path.read_text(encoding="utf-8") == render(), "run: python scripts/gen_hresults_doc.py"


def test_doc_lists_every_code() -> None:
    doc = render()
    for entry in load_knowledge_base().entries:
        assert f"### {entry.hex}" in doc


def test_describe_code_is_one_line() -> None:
    from adba.core.hresults import describe_code

    kb = load_knowledge_base()
    assert describe_code(kb, 0xC004F081).startswith("SL_E_VL_AD_AO_NOT_FOUND: The Software")
    assert describe_code(kb, 0xC004F065).endswith("(listed as 0x4004F065)")
    assert describe_code(kb, 0x8004FE21) == "This computer is not running genuine Windows."
    assert describe_code(kb, 0x800704FB) == unknown_text(0x800704FB)
    assert all("\n" not in describe_code(kb, e.code) for e in kb.entries)
