"""The product catalog: its data checked against the shared facts files, the validator, merging,
look-ups and the operating-system rules."""

from __future__ import annotations

import copy
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from adba.adapters.catalog_file import load_catalog, packaged_catalog
from adba.core.catalog import (
    Catalog,
    CatalogError,
    merge_catalogs,
    parse_build,
    parse_guid,
    validate_catalog,
)
from adba.errors import InputFileError
from tests.conftest import REPO


def _shared_reference() -> Path:
    """The shared facts: ADBA_SHARED_REFERENCE, else a shared/ beside or above the clone (as in CI),
    else the copies vendored in data/sources/."""
    import os

    if os.environ.get("ADBA_SHARED_REFERENCE"):
        return Path(os.environ["ADBA_SHARED_REFERENCE"])
    return _shared_copy() or VENDORED


VENDORED = REPO / "data" / "sources"
"""The copies kept in the repository (data/sources/README.md)."""


def _shared_copy() -> Path | None:
    """A shared/reference/ beside or above the clone (as CI has it), if there is one."""
    for parent in REPO.parents:
        candidate = parent / "shared" / "reference"
        if (candidate / "volume-products.json").is_file():
            return candidate
    return None


SHARED = _shared_reference()


@pytest.mark.parametrize("name", ["volume-products.json", "volume-products-kmsrsos.json",
                                  "volume-products.md", "catalog-reconciliation.md"])
def test_the_vendored_reference_is_the_shared_one(name: str) -> None:
    shared = _shared_copy()
    assert (VENDORED / name).is_file()
    if shared is None:
        return  # a clone with nothing beside it: the vendored copy is all there is
    assert (VENDORED / name).read_bytes() == (shared / name).read_bytes(), (
        f"data/sources/{name} differs from {shared / name}: copy the shared file again")
CATALOG_FILE = REPO / "adba" / "data" / "catalog.json"

WINDOWS = "55c92734-d682-4d71-983e-d6ec3f16059f"
# The reconciliation (shared/reference/catalog-reconciliation.md), typed here independently of
# scripts/build_catalog.py so that a slip in either is caught.
SYNTHETIC = {
    "4b83307d-7788-50ff-8d1f-1861915bdb9d": "907f1f65-adcd-4a2e-95bc-4bf500bc6e58",  # WS2025
    "1b4db7eb-4057-5ddf-91e0-36dec72071f5": "a8973cb5-bf03-0a4c-9cef-703099645ab3",  # Office 2024
}
UNDEFINED = {
    "10a7e9fb-ca8c-5352-88f5-91b8dbe13b22": "b74263e4-0f92-46c6-bcf8-c11d5efe2959",  # WS2022
    "e4ce4674-966b-5e34-9b98-e988af5fad64": None,  # Vista pre-release: dropped
}
B_ONLY_KMS = {
    "3b576817-7b75-4362-9e13-223f2d9e9c97",
    "907f1f65-adcd-4a2e-95bc-4bf500bc6e58",
    "a8973cb5-bf03-0a4c-9cef-703099645ab3",
    "e85ee727-69c4-4528-99d2-216b0f065e38",
}
LTSC_ALTERNATIVES = {
    "32d2fab3-e4a8-42c2-923b-4bf4fd13e6ee": ["3b576817-7b75-4362-9e13-223f2d9e9c97",
                                             "e85ee727-69c4-4528-99d2-216b0f065e38"],
    "7103a333-b8c8-49cc-93ce-d37c09687f92": ["3b576817-7b75-4362-9e13-223f2d9e9c97",
                                             "e85ee727-69c4-4528-99d2-216b0f065e38"],
}
GVLK_FROM_MICROSOFT = {"c2e946d1-cfa2-4523-8c87-30bc696ee584": "XGN3F-F394H-FD2MY-PP6FD-8MCRC"}
GUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# --------------------------------------------------------------------------- (a) data vs facts


def _facts(name: str) -> dict[str, Any]:
    path = SHARED / name
    if not path.is_file():
        pytest.fail(f"the shared reference file {path} is missing; the catalog cannot be checked "
                    "without it (CI keeps a copy of shared/ beside the clone)", pytrace=False)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def a() -> dict[str, Any]:
    return _facts("volume-products.json")


@pytest.fixture(scope="module")
def b() -> dict[str, Any]:
    return _facts("volume-products-kmsrsos.json")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    return data


def _by(rows: list[dict[str, Any]], key: str = "id") -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in rows}


def test_the_packaged_catalog_is_valid_and_canonical(doc: dict[str, Any]) -> None:
    cat = packaged_catalog()
    assert cat.format_version == 1 and cat.catalog_version == "2026-11-27"
    # Every GUID in the file is already lower-case canonical, so the file is greppable.
    text = CATALOG_FILE.read_text(encoding="utf-8")
    for found in re.findall(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
                            r"[0-9A-Fa-f]{12}", text):
        assert found == found.lower(), found
    for list_name, key in (("applications", "id"), ("kms_ids", "id"), ("client_skus", "id"),
                           ("csvlks", "sku_id")):
        ids = [r[key] for r in doc[list_name]]
        assert ids == sorted(ids), f"{list_name} is not sorted"
    assert (len(cat.applications), len(cat.kms_ids), len(cat.client_skus), len(cat.csvlks)) == \
        (3, 38, 262, 45)


def test_every_guid_in_the_file_is_in_the_facts_files(a: dict[str, Any], b: dict[str, Any]) -> None:
    facts = (json.dumps(a) + json.dumps(b)).lower()
    text = CATALOG_FILE.read_text(encoding="utf-8")
    unknown = sorted({g for g in GUID_RE.findall(text) if g not in facts})
    assert unknown == []


def test_applications(doc: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> None:
    fa, fb = _by(a["applications"]), _by(b["applications"])
    for row in doc["applications"]:
        assert row["id"] in fa
        assert row["name"] == fa[row["id"]]["name"]
        assert ("kmsrsos" in row["source"]) == (row["id"] in fb)


def test_kms_ids(doc: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> None:
    fa, fb = _by(a["kms_ids"]), _by(b["kms_ids"])
    ids = {r["id"] for r in doc["kms_ids"]}
    assert ids - set(fa) == B_ONLY_KMS
    assert set(fa) <= ids  # A's synthetic aliases are kept, flagged
    assert not ids & set(UNDEFINED)
    for row in doc["kms_ids"]:
        kid = row["id"]
        assert kid in fa or kid in fb
        if kid in fa:
            assert row["name"] == fa[kid]["name"]
            assert row["app_id"] == fa[kid]["app_id"]
            assert row["retail"] == fa[kid]["retail"] and row["preview"] == fa[kid]["preview"]
        else:
            assert row["name"] == fb[kid]["name"]
        if kid in fb:
            assert row["app_id"] == fb[kid]["app_id"]
            assert "kmsrsos" in row["source"]
        assert row["synthetic"] == (kid in SYNTHETIC)
        assert (row["support_end"] is not None) == ("ms-lifecycle" in row["source"])


def test_client_skus(doc: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> None:
    fa = _by(a["client_skus"])
    published = {g["key"] for g in b["published_gvlks"]}
    assert {r["id"] for r in doc["client_skus"]} == set(fa)
    for row in doc["client_skus"]:
        src = fa[row["id"]]
        assert row["name"] == src["name"]
        assert row["app_id"] == src["app_id"]
        assert row["kms_id"] == SYNTHETIC.get(src["kms_id"], src["kms_id"])
        assert row["alt_kms_ids"] == LTSC_ALTERNATIVES.get(row["id"], [])
        if row["id"] in GVLK_FROM_MICROSOFT:
            assert row["gvlk"] == GVLK_FROM_MICROSOFT[row["id"]] and row["gvlk"] in published
        else:
            assert row["gvlk"] == src["gvlk"]
    ws2025 = [r for r in doc["client_skus"] if r["name"].startswith("Windows Server 2025")]
    assert ws2025 and {r["kms_id"] for r in ws2025} == {"907f1f65-adcd-4a2e-95bc-4bf500bc6e58"}


def _expected_csvlk(ra: dict[str, Any], rb: dict[str, Any] | None) -> dict[str, Any]:
    if rb is not None:
        group, blocks = rb["group_id"], [[k["start"], k["end"]] for k in rb["key_blocks"]]
    else:
        group = ra["group_id"]
        blocks = [] if ra["key_id_min"] is None else [[ra["key_id_min"], ra["key_id_max"]]]
    if rb is not None and rb["activates_known"]:
        kms, complete = sorted(rb["activates_kms_ids"]), True
    else:
        mapped = [UNDEFINED.get(k, k) for k in ra["activates_kms_ids"]]
        kms, complete = sorted({k for k in mapped if k is not None}), False
    return {"group_id": group, "key_blocks": sorted(blocks), "kms_ids": kms,
            "kms_ids_complete": complete}


def test_csvlks(doc: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> None:
    fa, fb = _by(a["csvlks"], "sku_id"), _by(b["csvlks"], "sku_id")
    assert {r["sku_id"] for r in doc["csvlks"]} == set(fa)
    for row in doc["csvlks"]:
        expected = _expected_csvlk(fa[row["sku_id"]], fb.get(row["sku_id"]))
        assert {k: row[k] for k in expected} == expected, row["name"]
        assert row["name"] == fa[row["sku_id"]]["name"]
        assert not set(row["kms_ids"]) & set(SYNTHETIC)
    complete = {r["sku_id"] for r in doc["csvlks"] if r["kms_ids_complete"]}
    assert len(complete) == 11
    ws2022 = _by(doc["csvlks"], "sku_id")["661f7658-7035-4b4c-9f35-010682943ec2"]
    assert ws2022["kms_ids"] == ["b74263e4-0f92-46c6-bcf8-c11d5efe2959"]
    assert "adba-reconciliation" in ws2022["source"]
    assert ws2022["key_blocks"] == [[0, 19999], [30000, 20029999]]  # the hole 20000-29999
    ws2025 = _by(doc["csvlks"], "sku_id")["84e331f6-4279-48c4-ab10-b75139181351"]
    assert ws2025["group_id"] == 4919 and len(ws2025["kms_ids"]) == 22


def test_the_committed_file_is_what_the_build_script_makes(a: dict[str, Any],
                                                           b: dict[str, Any]) -> None:
    from scripts.build_catalog import build, render

    assert render(build(a, b)) == CATALOG_FILE.read_text(encoding="utf-8"), \
        "adba/data/catalog.json is stale: run python scripts/build_catalog.py"


# --------------------------------------------------------------------------- (b) the validator


def _mini() -> dict[str, Any]:
    return {
        "format": "adba-catalog", "format_version": 1, "catalog_version": "test",
        "sources": [{"id": "t", "description": "test"}],
        "applications": [{"id": WINDOWS, "name": "Windows", "source": ["t"]}],
        "kms_ids": [{"id": "907f1f65-adcd-4a2e-95bc-4bf500bc6e58", "name": "Windows Server 2025",
                     "family": "Windows Server 2025", "app_id": WINDOWS, "retail": False,
                     "preview": False, "synthetic": False, "support_end": None, "source": ["t"],
                     "notes": None}],
        "client_skus": [{"id": "c052f164-cdf6-409a-a0cb-853ba0f0f55a",
                         "name": "Windows Server 2025 Datacenter", "app_id": WINDOWS,
                         "kms_id": "907f1f65-adcd-4a2e-95bc-4bf500bc6e58", "alt_kms_ids": [],
                         "gvlk": "D764K-2NDRG-47T6Q-P8T8W-YP6DF", "source": ["t"]}],
        "csvlks": [{"sku_id": "84e331f6-4279-48c4-ab10-b75139181351", "name": "Windows Server 2025",
                    "app_id": WINDOWS, "group_id": 4919, "key_blocks": [[0, 19999]],
                    "kms_ids": ["907f1f65-adcd-4a2e-95bc-4bf500bc6e58"], "kms_ids_complete": True,
                    "lab": False, "azure_only": False, "preview": False, "source": ["t"]}],
        "os_families": [{"family": "Windows Server 2025",
                         "kms_id": "907f1f65-adcd-4a2e-95bc-4bf500bc6e58", "adba": True,
                         "os_pattern": "^Windows Server 2025", "build_min": None,
                         "build_max": None, "source": ["t"]}],
    }


def test_the_minimal_document_is_valid() -> None:
    cat = validate_catalog(_mini(), "mini")
    assert cat.csvlk("84e331f6-4279-48c4-ab10-b75139181351") is not None


def _rejected(doc: dict[str, Any]) -> CatalogError:
    with pytest.raises(CatalogError) as info:
        validate_catalog(doc, "mini.json")
    return info.value


def test_rejects_a_duplicate_id() -> None:
    doc = _mini()
    doc["kms_ids"].append(copy.deepcopy(doc["kms_ids"][0]))
    doc["kms_ids"][1]["id"] = "{907F1F65-ADCD-4A2E-95BC-4BF500BC6E58}"  # same GUID, other form
    err = _rejected(doc)
    assert err.path == "kms_ids[1].id" and "duplicate" in err.detail
    assert str(err).startswith("mini.json: kms_ids[1].id: duplicate id 907f1f65")


def test_rejects_a_dangling_kms_id() -> None:
    doc = _mini()
    doc["client_skus"][0]["kms_id"] = "11111111-2222-3333-4444-555555555555"
    err = _rejected(doc)
    assert err.path == "client_skus[0].kms_id" and "not in 'kms_ids'" in err.detail
    doc = _mini()
    doc["csvlks"][0]["kms_ids"].append("11111111-2222-3333-4444-555555555555")
    assert _rejected(doc).path == "csvlks[0].kms_ids[1]"
    doc = _mini()
    doc["os_families"][0]["kms_id"] = "11111111-2222-3333-4444-555555555555"
    assert _rejected(doc).path == "os_families[0].kms_id"
    doc = _mini()
    doc["kms_ids"][0]["app_id"] = "11111111-2222-3333-4444-555555555555"
    assert _rejected(doc).path == "kms_ids[0].app_id"


def test_rejects_a_malformed_guid() -> None:
    doc = _mini()
    doc["csvlks"][0]["sku_id"] = "84e331f6-4279-48c4-ab10-b7513918135"  # one digit short
    err = _rejected(doc)
    assert err.path == "csvlks[0].sku_id" and "not a GUID" in err.detail


def test_rejects_a_wrong_type() -> None:
    doc = _mini()
    doc["kms_ids"][0]["retail"] = "no"
    err = _rejected(doc)
    assert err.path == "kms_ids[0].retail" and "true or false" in err.detail
    doc = _mini()
    doc["csvlks"][0]["group_id"] = "4919"
    assert _rejected(doc).path == "csvlks[0].group_id"
    doc = _mini()
    doc["client_skus"] = {}
    assert _rejected(doc).path == "client_skus"
    doc = _mini()
    doc["kms_ids"][0]["support_end"] = "2034/10/10"
    assert _rejected(doc).path == "kms_ids[0].support_end"


def test_rejects_a_bad_regex() -> None:
    doc = _mini()
    doc["os_families"][0]["os_pattern"] = "^Windows (Server"
    err = _rejected(doc)
    assert err.path == "os_families[0].os_pattern" and "regular expression" in err.detail


def test_rejects_unknown_fields_missing_fields_and_undeclared_sources() -> None:
    doc = _mini()
    doc["kms_ids"][0]["kmsid"] = "x"
    assert _rejected(doc).path == "kms_ids[0].kmsid"
    doc = _mini()
    del doc["client_skus"][0]["gvlk"]
    assert _rejected(doc).path == "client_skus[0].gvlk"
    doc = _mini()
    doc["applications"][0]["source"] = ["nobody"]
    assert _rejected(doc).path == "applications[0].source[0]"
    doc = _mini()
    doc["format_version"] = 2
    assert _rejected(doc).path == "format_version"


def test_the_loader_names_file_line_and_path(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "adba-catalog",\n "format_version": 1,\n "kms_ids": [,]\n}\n')
    with pytest.raises(InputFileError) as info:
        load_catalog(broken)
    assert info.value.path == str(broken) and info.value.line == 3
    assert str(info.value).startswith(f"{broken}:3: not valid JSON")

    dangling = tmp_path / "dangling.json"
    dangling.write_text(json.dumps({"format": "adba-catalog", "format_version": 1, "client_skus": [
        {"id": "11111111-2222-3333-4444-555555555555", "name": "x", "app_id": WINDOWS,
         "kms_id": "11111111-2222-3333-4444-666666666666"}]}))
    with pytest.raises(InputFileError) as info:
        load_catalog(dangling)
    assert f"{dangling}: client_skus[0].kms_id: KMS ID" in str(info.value)

    missing = tmp_path / "missing.json"
    with pytest.raises(InputFileError, match="cannot read"):
        load_catalog(missing)


def test_the_loader_reads_adba_product_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "mine.json"
    user.write_text(json.dumps({"format": "adba-catalog", "format_version": 1, "kms_ids": [
        {"id": "6e9fc069-257d-4bc4-b4a7-750514d32743", "name": "Server 2016 (ours)"}]}))
    monkeypatch.setenv("ADBA_PRODUCT_DB", str(user))
    kms = load_catalog().kms_id("6e9fc069-257d-4bc4-b4a7-750514d32743")
    assert kms is not None and kms.name == "Server 2016 (ours)"
    assert load_catalog(use_env=False).kms_id("6e9fc069-257d-4bc4-b4a7-750514d32743") == \
        packaged_catalog().kms_id("6e9fc069-257d-4bc4-b4a7-750514d32743")


# --------------------------------------------------------------------------- (c) GUID forms


def test_any_version_nibble_and_any_common_spelling() -> None:
    expected = uuid.UUID("a8973cb5-bf03-0a4c-9cef-703099645ab3")
    for text in ("a8973cb5-bf03-0a4c-9cef-703099645ab3", "{A8973CB5-BF03-0A4C-9CEF-703099645AB3}",
                 "A8973CB5BF030A4C9CEF703099645AB3", "  {a8973cb5bf030a4c9cef703099645ab3} "):
        assert parse_guid(text) == expected
    for bad in ("", "a8973cb5", "a8973cb5-bf03-0a4c-9cef-703099645ab", "{a8973cb5-bf03-0a4c-9cef-"
                "703099645ab3", "g8973cb5-bf03-0a4c-9cef-703099645ab3", "a8973cb5-bf030a4c-9cef-"
                "703099645ab3"):
        assert parse_guid(bad) is None, bad
    doc = _mini()
    doc["kms_ids"][0]["id"] = "{A8973CB5-BF03-0A4C-9CEF-703099645AB3}"
    doc["kms_ids"][0]["name"] = "Office LTSC 2024"
    doc["client_skus"][0]["kms_id"] = "A8973CB5BF030A4C9CEF703099645AB3"
    doc["csvlks"][0]["kms_ids"] = ["a8973cb5-bf03-0a4c-9cef-703099645ab3"]
    doc["os_families"][0]["kms_id"] = None
    cat = validate_catalog(doc, "mini")
    assert cat.kms_ids[0].id == expected and str(cat.kms_ids[0].id) == str(expected)
    assert cat.client_skus[0].kms_id == expected
    assert packaged_catalog().kms_id("{A8973CB5-BF03-0A4C-9CEF-703099645AB3}") is not None


def test_build_parsing() -> None:
    assert parse_build("10.0 (20348)") == 20348
    assert parse_build("6.1 (7601)") == 7601
    assert parse_build("10.0.22631") == 22631
    assert parse_build("10.0") is None
    assert parse_build(None) is None and parse_build("") is None


# --------------------------------------------------------------------------- look-ups


def test_lookups_explain_and_search() -> None:
    cat = packaged_catalog()
    csvlk = cat.csvlk("84E331F6-4279-48C4-AB10-B75139181351")
    assert csvlk is not None and csvlk.kms_ids_complete and csvlk.has_key_id(20019999)
    assert not csvlk.has_key_id(20020000)
    ws2022 = cat.csvlk("661f7658-7035-4b4c-9f35-010682943ec2")
    assert ws2022 is not None and not ws2022.has_key_id(25000) and ws2022.has_key_id(30000)
    sku = cat.client_sku("c2e946d1-cfa2-4523-8c87-30bc696ee584")
    assert sku is not None and sku.gvlk == "XGN3F-F394H-FD2MY-PP6FD-8MCRC"
    # The Vista CSVLK shares its GUID with the Vista KMS ID (py-kms): both are explained.
    assert [k for k, _ in cat.explain("212a64dc-43b1-4d3d-a30c-2fc69d2095c6")] == ["csvlk", "kms_id"]
    assert [k for k, _ in cat.explain(WINDOWS)] == ["application"]
    assert cat.explain("00000000-0000-0000-0000-000000000000") == []
    assert cat.explain("not a guid") == []
    hits = cat.search("LTSC 2024")
    assert ("csvlk", cat.csvlk("f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f")) in hits
    assert {k for k, _ in hits} == {"csvlk", "kms_id", "client_sku", "application"}
    assert cat.search("{907F1F65-ADCD-4A2E-95BC-4BF500BC6E58}") == \
        cat.explain("907f1f65-adcd-4a2e-95bc-4bf500bc6e58")
    assert [k for k, _ in cat.search("907f1f65")] == ["kms_id"]
    assert cat.search("   ") == []
    enabling = {c.name for c in cat.csvlks_enabling("907f1f65-adcd-4a2e-95bc-4bf500bc6e58")}
    assert enabling == {"Windows Server 2025", "Windows Server 2025 (Azure-only)",
                        "Windows Server 2025 (Microsoft Internal Lab)"}
    ltsc = {s.id for s in cat.skus_for_kms_id("e85ee727-69c4-4528-99d2-216b0f065e38")}
    assert ltsc == {uuid.UUID(k) for k in LTSC_ALTERNATIVES}
    synthetic = cat.kms_id("4b83307d-7788-50ff-8d1f-1861915bdb9d")
    assert synthetic is not None and synthetic.synthetic and cat.csvlks_enabling(synthetic.id) == []


# --------------------------------------------------------------------------- (d) merging


def test_a_user_file_adds_a_product_and_corrects_a_name() -> None:
    base = packaged_catalog()
    overlay = {
        "format": "adba-catalog", "format_version": 1,
        "kms_ids": [
            {"id": "{8449B1FB-F0EA-497A-99AB-66CA96E9A0F5}", "name": "Windows Server 2019 (our name)"},
            {"id": "12345678-1234-1234-1234-123456789abc", "name": "Contoso Appliance OS",
             "family": "Contoso", "app_id": WINDOWS},
        ],
        "client_skus": [{"id": "12345678123412341234123456789ABD", "name": "Contoso Appliance",
                         "app_id": WINDOWS, "kms_id": "12345678-1234-1234-1234-123456789abc"}],
        "csvlks": [{"sku_id": "2e7a9ad1-a849-4b56-babe-17d5a29fe4b4",
                    "kms_ids": ["8449b1fb-f0ea-497a-99ab-66ca96e9a0f5",
                                "12345678-1234-1234-1234-123456789abc"]}],
        "os_families": [{"family": "Contoso", "kms_id": "12345678-1234-1234-1234-123456789abc",
                         "adba": True, "os_pattern": "^Contoso"}],
    }
    merged = merge_catalogs(base, overlay, "/etc/adba/contoso.json")
    corrected = merged.kms_id("8449b1fb-f0ea-497a-99ab-66ca96e9a0f5")
    assert corrected is not None and corrected.name == "Windows Server 2019 (our name)"
    assert corrected.family == "Windows Server 2019" and corrected.source[-1] == "user:contoso.json"
    assert corrected.support_end is not None  # untouched fields stay
    added = merged.kms_id("12345678-1234-1234-1234-123456789abc")
    assert added is not None and added.source == ("user:contoso.json",) and not added.synthetic
    sku = merged.client_sku("12345678-1234-1234-1234-123456789abd")
    assert sku is not None and sku.kms_id == added.id and sku.alt_kms_ids == ()
    csvlk = merged.csvlk("2e7a9ad1-a849-4b56-babe-17d5a29fe4b4")
    assert csvlk is not None and added.id in csvlk.kms_ids and csvlk.group_id == 206
    fam = merged.os_family("Contoso Appliance 3", None)
    assert fam is not None and fam.family == "Contoso"
    assert merged.source("user:contoso.json") is not None
    assert len(merged.kms_ids) == len(base.kms_ids) + 1
    assert merged.origin.endswith("+ /etc/adba/contoso.json")
    # the base is unchanged
    assert base.kms_id("8449b1fb-f0ea-497a-99ab-66ca96e9a0f5") != corrected


def test_a_user_file_is_validated_after_merging() -> None:
    base = packaged_catalog()
    with pytest.raises(CatalogError) as info:
        merge_catalogs(base, {"format": "adba-catalog", "format_version": 1, "client_skus": [
            {"id": "2de67392-b7a7-462a-b1ca-108dd189f588",
             "kms_id": "99999999-2222-3333-4444-555555555555"}]}, "x.json")
    assert info.value.path == "client_skus[0].kms_id"
    with pytest.raises(CatalogError) as info:
        merge_catalogs(base, {"format": "adba-catalog", "format_version": 1, "kms_ids": [
            {"id": "99999999-2222-3333-4444-555555555555", "name": "half a row"}]}, "x.json")
    assert info.value.path == "kms_ids[0].family" and info.value.detail == "missing"
    with pytest.raises(CatalogError) as info:
        merge_catalogs(base, {"format": "adba-catalog", "format_version": 1,
                              "kms_ids": [{"name": "no id"}]}, "x.json")
    assert info.value.path == "kms_ids[0].id"
    with pytest.raises(CatalogError) as info:
        merge_catalogs(base, {"format_version": 1}, "x.json")
    assert info.value.path == "format"
    with pytest.raises(CatalogError) as info:
        merge_catalogs(base, {"format": "adba-catalog", "format_version": 1,
                              "os_families": [{"family": "x", "adba": True, "os_pattern": "("}]},
                       "x.json")
    assert info.value.path == "os_families[0].os_pattern"


# --------------------------------------------------------------------------- (e) OS families


@pytest.mark.parametrize(("operating_system", "version", "family", "kms_id", "adba"), [
    ("Windows Server 2022 Datacenter", "10.0 (20348)", "Windows Server 2022", "b74263e4", True),
    ("Windows Server 2025 Standard", "10.0 (26100)", "Windows Server 2025", "907f1f65", True),
    ("Windows Server 2019 Standard", "10.0 (17763)", "Windows Server 2019", "8449b1fb", True),
    ("Windows 10 Enterprise", "10.0 (19045)", "Windows 10", "58e2134f", True),
    ("Windows 10 Enterprise", "10.0 (22631)", "Windows 11", "58e2134f", True),
    ("Windows 11 Pro", "10.0 (22631)", "Windows 11", "58e2134f", True),
    ("Windows 10 Pro", None, "Windows 10", "58e2134f", True),
    ("Windows 10 Enterprise LTSC", "10.0 (17763)", "Windows 10 Enterprise LTSC 2019", "11b15659", True),
    ("Windows 10 Enterprise LTSC", "10.0 (19044)", "Windows 10 Enterprise LTSC 2021", "3b576817", True),
    ("Windows 11 Enterprise LTSC", "10.0 (26100)", "Windows 11 Enterprise LTSC 2024", "e85ee727", True),
    ("Windows 10 Enterprise 2016 LTSB", "10.0 (14393)", "Windows 10 Enterprise LTSB 2016", "969fe3c0",
     True),
    ("Windows 8.1 Enterprise", "6.3 (9600)", "Windows 8.1", "cb8fc780", True),
    ("Windows Server 2012 R2 Datacenter", "6.3 (9600)", "Windows Server 2012 R2", "8456efd3", True),
    ("Windows 7 Professional", "6.1 (7601)", "Windows 7", "7fde5219", False),
    ("Windows Server 2008 R2 Standard", "6.1 (7601)", "Windows Server 2008 R2", "ca87f5b6", False),
    ("Windows Server® 2008 Datacenter", "6.0 (6002)", "Windows Server 2008", "8a21fdf3", False),
    ("Windows 10 Home", "10.0 (19045)", "Windows 10/11 Home", None, False),
    ("Windows Server Datacenter", "10.0 (17763)",
     "Windows Server, versions 1809-1909 (Semi-Annual Channel)", "8449b1fb", True),
])
def test_os_family(operating_system: str, version: str | None, family: str, kms_id: str | None,
                   adba: bool) -> None:
    cat: Catalog = packaged_catalog()
    found = cat.os_family(operating_system, version)
    assert found is not None
    assert found.family == family
    assert (str(found.kms_id)[:8] if found.kms_id else None) == kms_id
    assert found.adba is adba
    if found.kms_id is not None:
        assert cat.kms_id(found.kms_id) is not None


def test_os_family_unmatched_and_unknown_ltsc_build() -> None:
    cat = packaged_catalog()
    assert cat.os_family("Samba 4.19.5-Debian", None) is None
    ltsc = cat.os_family("Windows 10 Enterprise LTSC", None)
    assert ltsc is not None and ltsc.kms_id is None and ltsc.adba


def test_every_family_kms_id_is_a_catalog_kms_id() -> None:
    cat = packaged_catalog()
    ids = {k.id for k in cat.kms_ids}
    assert all(f.kms_id in ids for f in cat.os_families if f.kms_id is not None)
    rows = [cat.kms_id(f.kms_id) for f in cat.os_families if f.kms_id is not None]
    assert all(row is not None and not row.synthetic for row in rows)
    before_8 = [f for f in cat.os_families if f.family in ("Windows 7", "Windows Vista",
                                                          "Windows Server 2008",
                                                          "Windows Server 2008 R2")]
    assert before_8 and not any(f.adba for f in before_8)


def test_csvlks_enabling_from_the_index_is_the_scan_of_every_csvlk() -> None:
    """The index built once gives, for every KMS ID (and an unknown one), the CSVLKs a scan of
    the whole table gives, in the same order."""
    cat = packaged_catalog()
    for kms in [*cat.kms_ids, None]:
        key = kms.id if kms is not None else uuid.uuid4()
        scanned = sorted((c for c in cat.csvlks if key in c.kms_ids), key=lambda c: c.name.lower())
        assert cat.csvlks_enabling(key) == scanned
        assert cat.csvlks_enabling(str(key).upper()) == scanned
