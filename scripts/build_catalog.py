"""Build adba/data/catalog.json from the two shared reference files.

    python scripts/build_catalog.py [--reference DIR] [--output FILE] [--check]

A = volume-products.json (py-kms + vlmcsd + Microsoft GVLK pages), B = volume-products-kmsrsos.json
(Microsoft-signed licence data transcribed by kmsrsos). The reconciliation follows
catalog-reconciliation.md in the same folder:

* B wins where it has first-hand data: CSVLK group IDs and key blocks, the CSVLK KMS-ID lists it
  read from Microsoft's licences (``kms_ids_complete: true``), the four KMS IDs only B has, the
  Windows Server 2025 / Office LTSC 2024 client SKUs' KMS IDs and the WS2025 Azure Edition GVLK.
* A stands wherever B is silent (names, client SKU mapping, older products).
* No GUID is invented. py-kms's two synthetic (UUIDv5) KMS IDs are kept as aliases flagged
  ``synthetic: true`` (so traffic or objects carrying them are named, not reported unknown);
  the two synthetic IDs no source defines (WS2022 ``10a7e9fb``, Vista pre-release ``e4ce4674``)
  are dropped, the first replaced by the genuine Server 2022 KMS ID ``b74263e4``.

Output is deterministic (rows sorted by GUID, OS rules in their fixed order), so a re-run gives the
same file; ``--check`` exits 1 when the committed file differs from a fresh build.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from adba.core.catalog import FORMAT, FORMAT_VERSION, validate_catalog  # noqa: E402

CATALOG_VERSION = "2026-11-27"
SHARED_REFERENCE = REPO.parent / "shared" / "reference"
VENDORED_REFERENCE = REPO / "data" / "sources"
DEFAULT_REFERENCE = SHARED_REFERENCE if (SHARED_REFERENCE / "volume-products.json").is_file() \
    else VENDORED_REFERENCE
DEFAULT_OUTPUT = REPO / "adba" / "data" / "catalog.json"

WINDOWS = "55c92734-d682-4d71-983e-d6ec3f16059f"

# Genuine IDs that replace py-kms's synthetic or undefined ones.
WS2025_KMS = "907f1f65-adcd-4a2e-95bc-4bf500bc6e58"
WS2025_SYNTHETIC = "4b83307d-7788-50ff-8d1f-1861915bdb9d"
OFFICE2024_KMS = "a8973cb5-bf03-0a4c-9cef-703099645ab3"
OFFICE2024_SYNTHETIC = "1b4db7eb-4057-5ddf-91e0-36dec72071f5"
WS2022_KMS = "b74263e4-0f92-46c6-bcf8-c11d5efe2959"
WS2022_UNDEFINED = "10a7e9fb-ca8c-5352-88f5-91b8dbe13b22"
VISTA_PRE_UNDEFINED = "e4ce4674-966b-5e34-9b98-e988af5fad64"
LTSC2019_KMS = "11b15659-e603-4cf1-9c1f-f0ec01b81888"
LTSC2021_KMS = "3b576817-7b75-4362-9e13-223f2d9e9c97"
LTSC2024_KMS = "e85ee727-69c4-4528-99d2-216b0f065e38"
SYNTHETIC_TO_GENUINE = {WS2025_SYNTHETIC: WS2025_KMS, OFFICE2024_SYNTHETIC: OFFICE2024_KMS}
UNDEFINED_REPLACEMENT: dict[str, str | None] = {WS2022_UNDEFINED: WS2022_KMS,
                                                VISTA_PRE_UNDEFINED: None}
BUILD_DEPENDENT_SKUS = {
    "32d2fab3-e4a8-42c2-923b-4bf4fd13e6ee": [LTSC2021_KMS, LTSC2024_KMS],  # EnterpriseS
    "7103a333-b8c8-49cc-93ce-d37c09687f92": [LTSC2021_KMS, LTSC2024_KMS],  # EnterpriseSN
}
GVLK_FIXES = {  # (SKU, key, the B/Microsoft Learn row that says so)
    "c2e946d1-cfa2-4523-8c87-30bc696ee584": "XGN3F-F394H-FD2MY-PP6FD-8MCRC",
}

SOURCES: list[dict[str, str]] = [
    {"id": "kmsrsos", "description": (
        "schlarpc/kmsrsos ac3171560995e129d974960d73254bd7d4ea8081 crates/kmsrs-db/data/products.toml "
        "(machine transcription of Microsoft-signed pkeyconfig and KMS-host licences, "
        "Security-SPP-KmsCountedIdList, from the Windows Server 2025 build 26100 image and the "
        "Office LTSC 2024 Volume License Pack) plus docs/research-findings.md, as extracted in "
        "https://github.com/adba-project/adba/blob/main/data/sources/volume-products-kmsrsos.json. "
        "Trusted first where it has a value.")},
    {"id": "pykms", "description": (
        "Py-KMS-Organization/py-kms b0e1615dec06293c927625006a99e6ec54a001aa py-kms/KmsDataBase.xml "
        "(KMS emulator data; the only source for most names and for client SKU -> KMS ID), as "
        "merged in https://github.com/adba-project/adba/blob/main/data/sources/volume-products.json.")},
    {"id": "vlmcsd", "description": (
        "Wind4/vlmcsd 70e03572b254688b8c3557f898e7ebd765d29ae1 src/kmsdata-full.c (KMS emulator data "
        "up to Windows Server 2019 / Office 2019), as merged in "
        "https://github.com/adba-project/adba/blob/main/data/sources/volume-products.json.")},
    {"id": "msdocs", "description": (
        "Microsoft Learn KMS client activation keys (GVLK) pages for Windows/Windows Server and "
        "Office, and the KMS planning table; no GUIDs. A client SKU carries it when Microsoft "
        "publishes its GVLK.")},
    {"id": "ms-lifecycle", "description": (
        "Microsoft lifecycle data, for support_end (end of extended support, or of the only "
        "support phase): learn.microsoft.com/lifecycle/products/windows-server-2022; Microsoft's "
        "lifecycle page sources MicrosoftDocs/lifecycle-data-pr.de-de lifecycle-data/products/"
        "{windows-server-2019,windows-server-2016,windows-server-2012-r2,windows-server-2012,"
        "windows-server-2008-r2,windows-81,windows-8,windows-7,windows-10-enterprise-ltsc-2019,"
        "windows-10-enterprise-ltsc-2021}.yml; Office: MicrosoftDocs/OfficeDocs-DeployOffice "
        "DeployOffice/endofsupport/resources.md (Office 2016 and 2019: 2025-10-14; Office 2013: "
        "2023-04-11; Office 2010: 2020-10-13).")},
    {"id": "ms-release-info", "description": (
        "Microsoft 'Windows Server release information' (docs.microsoft.com/windows-server/"
        "get-started/windows-server-release-info; MicrosoftDocs/windowsserverdocs "
        "WindowsServerDocs/get-started/windows-server-release-info.md, 2019 and 2020 revisions): "
        "Server 2016 = build 14393, Server 2019 and version 1809 = 17763, version 1803 = 17134, "
        "1903 = 18362, 1909 = 18363.")},
    {"id": "msrc-cve", "description": (
        "Build numbers from Microsoft-issued CVE records (MSRC as CNA, CVEProject/cvelistV5): "
        "CVE-2025-26671 affected ranges start at 6.1.7601 (Server 2008 R2 SP1), 6.2.9200 (Server "
        "2012), 6.3.9600 (Server 2012 R2), 10.0.14393 (Server 2016), 10.0.17763 (Server 2019), "
        "10.0.20348 (Server 2022), 10.0.25398 (Server 23H2), 10.0.26100 (Server 2025); "
        "CVE-2026-69525: 10.0.19044 (Windows 10 21H2, the LTSC 2021 base) and 10.0.17763 "
        "(Windows 10 1809, the LTSC 2019 base).")},
    {"id": "unverified-build", "description": (
        "Build boundaries not confirmed from a Microsoft page while compiling this catalog: "
        "Windows 11 = build 22000 and later, Windows 10 = 10240 to 19045 (LTSB 2015 = 10240), "
        "Windows 11 LTSC 2024 = 26100 (the Server 2025 build). Correct them with --product-db "
        "if needed.")},
    {"id": "adba-reconciliation", "description": (
        "A value set by adba's build script following "
        "https://github.com/adba-project/adba/blob/main/data/sources/catalog-reconciliation.md: "
        "a synthetic or undefined py-kms KMS ID replaced by the genuine one (WS2022 10a7e9fb -> "
        "b74263e4; WS2025 4b83307d -> 907f1f65; Office LTSC 2024 1b4db7eb -> a8973cb5), an "
        "undefined ID dropped (Vista pre-release e4ce4674), build-dependent LTSC KMS IDs, the WS2025 "
        "Azure Edition GVLK from Microsoft, a CSVLK's application derived from its KMS IDs, or an "
        "OS-family rule's mapping.")},
]

# family label of every KMS ID (the catalog holds 38; the script fails on a missing one)
FAMILIES: dict[str, str] = {
    "e85af946-2e25-47b7-83e1-bebcebeac611": "Office 2010",
    "e6a6f1bf-9d40-40c3-aa9f-c77ba21578c0": "Office 2013",
    "aa4c7968-b9da-4680-92b6-acb25e2f866c": "Office 2013",
    "85b5f61b-320b-4be3-814a-b76b2bfafc82": "Office 2016",
    "617d9eb1-ef36-4f82-86e0-a65ae07b96c6": "Office 2019",
    "86d50b16-4808-41af-b83b-b338274318b2": "Office LTSC 2021",
    OFFICE2024_SYNTHETIC: "Office LTSC 2024",
    OFFICE2024_KMS: "Office LTSC 2024",
    "969fe3c0-a3ec-491a-9f25-423605deb365": "Windows 10 Enterprise LTSB 2016",
    LTSC2019_KMS: "Windows 10 Enterprise LTSC 2019",
    LTSC2021_KMS: "Windows 10 Enterprise LTSC 2021",
    LTSC2024_KMS: "Windows 11 Enterprise LTSC 2024",
    "cbdcb1ba-e093-4c81-a463-10775291fdf9": "Windows 10/11 Enterprise multi-session",
    "d27cd636-1962-44e9-8b4f-27b6c23efb85": "Windows 10/11",
    "e1c51358-fe3e-4203-a4a2-3b6b20c9734e": "Windows 10/11",
    "58e2134f-8e11-4d17-9cb2-91069c151148": "Windows 10/11",
    "7ba0bf23-d0f5-4072-91d9-d55af5a481b6": "Windows 10/11 Enterprise G (China Government)",
    "7fde5219-fbfa-484a-82c9-34d1ad53e856": "Windows 7",
    "bbb97b3b-8ca4-4a28-9717-89fabd42c4ac": "Windows 8",
    "3c40b358-5948-45af-923b-53d21fcc7e79": "Windows 8",
    "6d646890-3606-461a-86ab-598bb84ace82": "Windows 8.1",
    "cb8fc780-2c05-495a-9710-85afffc904d7": "Windows 8.1",
    "5f94a0bb-d5a0-4081-a685-5819418b2fe0": "Windows Preview",
    "33e156e4-b76f-4a52-9f91-f641dd95ac48": "Windows Server 2008",
    "8fe53387-3087-4447-8985-f75132215ac9": "Windows Server 2008",
    "8a21fdf3-cbc5-44eb-83f3-fe284e6680a7": "Windows Server 2008",
    "0fc6ccaf-ff0e-4fae-9d08-4370785bf7ed": "Windows Server 2008 R2",
    "ca87f5b6-cd46-40c0-b06d-8ecd57a4373f": "Windows Server 2008 R2",
    "b2ca2689-a9a8-42d7-938d-cf8e9f201958": "Windows Server 2008 R2",
    "8665cb71-468c-4aa3-a337-cb9bc9d5eaac": "Windows Server 2012",
    "8456efd3-0c04-4089-8740-5b7238535a65": "Windows Server 2012 R2",
    "6e9fc069-257d-4bc4-b4a7-750514d32743": "Windows Server 2016",
    "8449b1fb-f0ea-497a-99ab-66ca96e9a0f5": "Windows Server 2019",
    WS2022_KMS: "Windows Server 2022",
    WS2025_SYNTHETIC: "Windows Server 2025",
    WS2025_KMS: "Windows Server 2025",
    "6d5f5270-31ac-433e-b90a-39892923c657": "Windows Server Preview",
    "212a64dc-43b1-4d3d-a30c-2fc69d2095c6": "Windows Vista",
}

# End of Microsoft's (extended) support, only where a Microsoft page was read (source ms-lifecycle).
SUPPORT_END: dict[str, str] = {
    "Office 2010": "2020-10-13",
    "Office 2013": "2023-04-11",
    "Office 2016": "2025-10-14",
    "Office 2019": "2025-10-14",
    "Windows 7": "2020-01-14",
    "Windows 8": "2016-01-12",
    "Windows 8.1": "2023-01-10",
    "Windows 10 Enterprise LTSC 2019": "2029-01-09",
    "Windows 10 Enterprise LTSC 2021": "2027-01-12",
    "Windows Server 2008 R2": "2020-01-14",
    "Windows Server 2012": "2023-10-10",
    "Windows Server 2012 R2": "2023-10-10",
    "Windows Server 2016": "2027-01-12",
    "Windows Server 2019": "2029-01-09",
    "Windows Server 2022": "2031-10-14",
}

EXTRA_NOTES: dict[str, str] = {
    WS2025_SYNTHETIC: ("py-kms synthetic (UUIDv5) alias; in no Microsoft artifact (kmsrsos), so never "
                       "expected in a genuine msSPP-KMSIds. The genuine Windows Server 2025 KMS ID "
                       f"is {WS2025_KMS}."),
    OFFICE2024_SYNTHETIC: ("py-kms synthetic (UUIDv5) alias; in no Microsoft artifact (kmsrsos), so "
                           "never expected in a genuine msSPP-KMSIds. The genuine Office LTSC 2024 "
                           f"KMS ID is {OFFICE2024_KMS}."),
    "7ba0bf23-d0f5-4072-91d9-d55af5a481b6": (
        "Client-side ID for Enterprise G (py-kms, vlmcsd). No CSVLK licence in kmsrsos counts it, "
        "not even the China Government CSVLK ecc0774a: do not derive a CSVLK requirement from it."),
    "d27cd636-1962-44e9-8b4f-27b6c23efb85": (
        "Counted by Microsoft's Windows 10 and Server 2025 CSVLK licences (kmsrsos); which client "
        "SKUs use it is unknown."),
    OFFICE2024_KMS: "Version nibble 0 in Microsoft's own licence: a genuine value, not a typo.",
}


def _load(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"build_catalog: cannot read {path}: {exc}") from exc
    if not isinstance(doc, dict):
        raise SystemExit(f"build_catalog: {path}: not a JSON object")
    return doc


def _sorted_sources(names: list[str]) -> list[str]:
    order = [s["id"] for s in SOURCES]
    return sorted(set(names), key=order.index)


def build(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The catalog document from A and B."""
    b_apps = {r["id"]: r for r in b["applications"]}
    b_kms = {r["id"]: r for r in b["kms_ids"]}
    b_skus = {r["id"]: r for r in b["client_skus"]}
    b_csvlks = {r["sku_id"]: r for r in b["csvlks"]}

    applications = []
    for r in a["applications"]:
        src = list(r["sources"]) + (["kmsrsos"] if r["id"] in b_apps else [])
        applications.append({"id": r["id"], "name": r["name"], "source": _sorted_sources(src)})
    missing_apps = set(b_apps) - {r["id"] for r in a["applications"]}
    if missing_apps:
        raise SystemExit(f"build_catalog: B has applications A lacks: {sorted(missing_apps)}")

    kms_rows: dict[str, dict[str, Any]] = {}
    for r in a["kms_ids"]:
        kid = r["id"]
        notes = list(r.get("notes", []))
        synthetic = kid in SYNTHETIC_TO_GENUINE
        if synthetic:
            notes = []  # A's UUIDv5 remark is restated in EXTRA_NOTES
        if kid in EXTRA_NOTES:
            notes.append(EXTRA_NOTES[kid])
        src = list(r["sources"]) + (["kmsrsos"] if kid in b_kms else [])
        kms_rows[kid] = {"id": kid, "name": r["name"], "app_id": r["app_id"],
                         "retail": r["retail"], "preview": r["preview"], "synthetic": synthetic,
                         "source": src, "notes": notes}
    for kid, r in b_kms.items():
        if kid in kms_rows:
            if r["app_id"] != kms_rows[kid]["app_id"]:
                raise SystemExit(f"build_catalog: app_id of KMS ID {kid} differs between A and B")
            continue
        if not r["name"]:
            raise SystemExit(f"build_catalog: B-only KMS ID {kid} has no name")
        notes = [f"Only in kmsrsos ({r['provenance']}); missing from py-kms and vlmcsd."]
        if kid in EXTRA_NOTES:
            notes.append(EXTRA_NOTES[kid])
        kms_rows[kid] = {"id": kid, "name": r["name"], "app_id": r["app_id"], "retail": False,
                         "preview": False, "synthetic": False, "source": ["kmsrsos"],
                         "notes": notes}
    kms_ids = []
    for kid in sorted(kms_rows):
        row = kms_rows[kid]
        family = FAMILIES.get(kid)
        if family is None:
            raise SystemExit(f"build_catalog: no family label for KMS ID {kid} ({row['name']})")
        end = SUPPORT_END.get(family)
        src = list(row["source"]) + (["ms-lifecycle"] if end else [])
        kms_ids.append({
            "id": kid, "name": row["name"], "family": family, "app_id": row["app_id"],
            "retail": row["retail"], "preview": row["preview"], "synthetic": row["synthetic"],
            "support_end": end, "source": _sorted_sources(src),
            "notes": " ".join(row["notes"]) or None,
        })
    kms_app = {k["id"]: k["app_id"] for k in kms_ids}

    client_skus = []
    for r in sorted(a["client_skus"], key=lambda r: r["id"]):
        sid = r["id"]
        src = list(r["sources"]) + (["kmsrsos"] if sid in b_skus else [])
        kms_id = r["kms_id"]
        if kms_id in SYNTHETIC_TO_GENUINE:
            kms_id = SYNTHETIC_TO_GENUINE[kms_id]
            src.append("adba-reconciliation")
        alt = BUILD_DEPENDENT_SKUS.get(sid, [])
        if alt:
            src.append("adba-reconciliation")
        gvlk = r["gvlk"]
        if sid in GVLK_FIXES:
            gvlk = GVLK_FIXES[sid]
            published = {g["key"] for g in b["published_gvlks"]}
            if gvlk not in published:
                raise SystemExit(f"build_catalog: GVLK fix for {sid} is not in B's published keys")
            src += ["msdocs", "kmsrsos", "adba-reconciliation"]
        if kms_id is not None and kms_id not in kms_app:
            raise SystemExit(f"build_catalog: SKU {sid} points at undefined KMS ID {kms_id}")
        client_skus.append({"id": sid, "name": r["name"], "app_id": r["app_id"], "kms_id": kms_id,
                            "alt_kms_ids": list(alt), "gvlk": gvlk, "source": _sorted_sources(src)})
    only_b = set(b_skus) - {r["id"] for r in a["client_skus"]}
    if only_b:
        raise SystemExit(f"build_catalog: B has client SKUs A lacks: {sorted(only_b)}")

    csvlks = []
    for r in sorted(a["csvlks"], key=lambda r: r["sku_id"]):
        cid = r["sku_id"]
        rb = b_csvlks.get(cid)
        src = list(r["sources"])
        if rb is not None:
            src.append("kmsrsos")
            group_id = rb["group_id"]
            blocks = [[blk["start"], blk["end"]] for blk in rb["key_blocks"]]
        else:
            group_id = r["group_id"]
            blocks = ([] if r["key_id_min"] is None
                      else [[r["key_id_min"], r["key_id_max"]]])
        if rb is not None and rb["activates_known"]:
            kms = sorted(rb["activates_kms_ids"])
            complete = True
        else:
            kms = []
            for k in r["activates_kms_ids"]:
                if k in UNDEFINED_REPLACEMENT:
                    src.append("adba-reconciliation")
                    replacement = UNDEFINED_REPLACEMENT[k]
                    if replacement is not None:
                        kms.append(replacement)
                elif k in SYNTHETIC_TO_GENUINE:
                    raise SystemExit(f"build_catalog: CSVLK {cid} lists synthetic {k} without B data")
                else:
                    kms.append(k)
            kms = sorted(set(kms))
            complete = False
        for k in kms:
            if k not in kms_app:
                raise SystemExit(f"build_catalog: CSVLK {cid} lists undefined KMS ID {k}")
        apps = {kms_app[k] for k in kms}
        app_id = rb["app_id"] if rb is not None and rb["app_id"] else None
        if app_id is None and len(apps) == 1:
            app_id = apps.pop()
            src.append("adba-reconciliation")
        elif app_id is not None and apps and apps != {app_id}:
            raise SystemExit(f"build_catalog: CSVLK {cid} application disagrees with its KMS IDs")
        csvlks.append({
            "sku_id": cid, "name": r["name"], "app_id": app_id, "group_id": group_id,
            "key_blocks": sorted(blocks), "kms_ids": kms, "kms_ids_complete": complete,
            "lab": bool(r["is_lab"] or (rb is not None and rb["is_lab"])),
            "azure_only": bool((rb is not None and rb["is_azure_only"]) or "azure" in r["name"].lower()),
            "preview": bool(r["is_preview"]),
            "source": _sorted_sources(src),
        })
    only_b_c = set(b_csvlks) - {r["sku_id"] for r in a["csvlks"]}
    if only_b_c:
        raise SystemExit(f"build_catalog: B has CSVLKs A lacks: {sorted(only_b_c)}")

    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "catalog_version": CATALOG_VERSION,
        "sources": SOURCES,
        "applications": sorted(applications, key=lambda r: r["id"]),
        "kms_ids": kms_ids,
        "client_skus": client_skus,
        "csvlks": csvlks,
        "os_families": os_families(),
    }


def _rule(family: str, kms_id: str | None, adba: bool, pattern: str,
          build_min: int | None = None, build_max: int | None = None,
          source: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"family": family, "kms_id": kms_id, "adba": adba, "os_pattern": pattern,
            "build_min": build_min, "build_max": build_max,
            "source": _sorted_sources([*source, "adba-reconciliation"])}


def os_families() -> list[dict[str, Any]]:
    """Ordered rules: specific before general; the first match wins.

    Names follow the AD ``operatingSystem`` attribute as Windows writes it ("Windows Server 2022
    Datacenter", "Windows Server® 2008 Enterprise", "Windows 10 Enterprise LTSC",
    "Windows Vista™ Business"). Windows 10 and 11 share "10.0", so they and the LTSC releases
    are told apart by the build in ``operatingSystemVersion``.
    """
    w10 = "^Windows 1[01] "
    ltsc = r"^Windows 1[01] Enterprise(?: N)?(?: 20\d\d)? LTS[BC]"
    return [
        # --- Windows 10/11 editions that are not the plain volume family
        _rule("Windows 10/11 Home", None, False, w10 + r"Home\b", source=("pykms",)),
        _rule("Windows 10/11 Enterprise G (China Government)",
              "7ba0bf23-d0f5-4072-91d9-d55af5a481b6", True, w10 + r"Enterprise G\b",
              source=("pykms", "vlmcsd")),
        _rule("Windows 10/11 Enterprise multi-session", "cbdcb1ba-e093-4c81-a463-10775291fdf9",
              True, w10 + r"Enterprise (?:multi-session|for Virtual Desktops)",
              source=("pykms", "kmsrsos")),
        _rule("Windows 10/11 IoT Enterprise LTSC", "58e2134f-8e11-4d17-9cb2-91069c151148", True,
              w10 + r"IoT Enterprise(?: N)?(?: 20\d\d)? LTS[BC]", source=("pykms",)),
        _rule("Windows 11 Enterprise LTSC 2024", LTSC2024_KMS, True, ltsc, 26100, 26100,
              ("kmsrsos", "unverified-build")),
        _rule("Windows 10 Enterprise LTSC 2021", LTSC2021_KMS, True, ltsc, 19044, 19044,
              ("kmsrsos", "msrc-cve")),
        _rule("Windows 10 Enterprise LTSC 2019", LTSC2019_KMS, True, ltsc, 17763, 17763,
              ("pykms", "vlmcsd", "msrc-cve")),
        _rule("Windows 10 Enterprise LTSB 2016", "969fe3c0-a3ec-491a-9f25-423605deb365", True,
              ltsc, 14393, 14393, ("pykms", "vlmcsd", "ms-release-info")),
        _rule("Windows 10 Enterprise LTSB 2015", "58e2134f-8e11-4d17-9cb2-91069c151148", True,
              ltsc, 10240, 10240, ("pykms", "vlmcsd", "unverified-build")),
        _rule("Windows 10/11 Enterprise LTSB/LTSC (release unknown)", None, True, ltsc,
              source=("kmsrsos",)),
        # --- Windows 10 and 11 (same "10.0", told apart by the build)
        _rule("Windows 11", "58e2134f-8e11-4d17-9cb2-91069c151148", True, w10, 22000, None,
              ("pykms", "vlmcsd", "unverified-build")),
        _rule("Windows 10", "58e2134f-8e11-4d17-9cb2-91069c151148", True, w10, 10240, 21999,
              ("pykms", "vlmcsd", "unverified-build")),
        _rule("Windows 11", "58e2134f-8e11-4d17-9cb2-91069c151148", True, r"^Windows 11 ",
              source=("pykms",)),
        _rule("Windows 10", "58e2134f-8e11-4d17-9cb2-91069c151148", True, r"^Windows 10 ",
              source=("pykms", "vlmcsd")),
        # --- Windows 8 / 8.1 (Core editions have no GVLK for a volume KMS ID)
        _rule("Windows 8/8.1 (Core)", None, False,
              r"^Windows 8(?:\.1)?(?: (?:N|Single Language|China|with Bing|Core))*$",
              source=("pykms",)),
        _rule("Windows 8.1", "cb8fc780-2c05-495a-9710-85afffc904d7", True, r"^Windows 8\.1 ",
              source=("pykms", "vlmcsd")),
        _rule("Windows 8", "3c40b358-5948-45af-923b-53d21fcc7e79", True, r"^Windows 8 ",
              source=("pykms", "vlmcsd")),
        # --- clients before Windows 8: KMS or MAK only, no ADBA
        _rule("Windows 7", "7fde5219-fbfa-484a-82c9-34d1ad53e856", False, r"^Windows 7 ",
              source=("pykms", "vlmcsd")),
        _rule("Windows Vista", "212a64dc-43b1-4d3d-a30c-2fc69d2095c6", False, r"^Windows Vista",
              source=("pykms", "vlmcsd")),
        _rule("Windows XP / Server 2003 and older", None, False,
              r"^Windows (?:XP|2000|NT)|^Windows Server\W{0,3} 2003"),
        # --- Windows Server, named by release
        _rule("Windows Server 2025", WS2025_KMS, True, r"^Windows Server 2025\b",
              source=("kmsrsos",)),
        _rule("Windows Server 2022", WS2022_KMS, True, r"^Windows Server 2022\b",
              source=("pykms", "kmsrsos")),
        _rule("Windows Server 2019", "8449b1fb-f0ea-497a-99ab-66ca96e9a0f5", True,
              r"^Windows Server 2019\b", source=("pykms", "vlmcsd")),
        _rule("Windows Server 2016", "6e9fc069-257d-4bc4-b4a7-750514d32743", True,
              r"^Windows Server 2016\b", source=("pykms", "vlmcsd")),
        _rule("Windows Server 2012 R2", "8456efd3-0c04-4089-8740-5b7238535a65", True,
              r"^Windows Server 2012 R2\b", source=("pykms", "vlmcsd")),
        _rule("Windows Server 2012", "8665cb71-468c-4aa3-a337-cb9bc9d5eaac", True,
              r"^Windows Server 2012\b", source=("pykms", "vlmcsd")),
        _rule("Windows Server 2008 R2", "0fc6ccaf-ff0e-4fae-9d08-4370785bf7ed", False,
              r"^Windows Web Server 2008 R2|^Windows Server\W{0,3} 2008 R2 .*(?:Web|HPC)",
              source=("pykms", "vlmcsd")),
        _rule("Windows Server 2008 R2", "b2ca2689-a9a8-42d7-938d-cf8e9f201958", False,
              r"^Windows Server\W{0,3} 2008 R2 .*(?:Datacenter|Itanium)", source=("pykms", "vlmcsd")),
        _rule("Windows Server 2008 R2", "ca87f5b6-cd46-40c0-b06d-8ecd57a4373f", False,
              r"^Windows Server\W{0,3} 2008 R2 .*(?:Standard|Enterprise)", source=("pykms", "vlmcsd")),
        _rule("Windows Server 2008 R2", None, False, r"^Windows (?:Web )?Server\W{0,3} 2008 R2\b"),
        _rule("Windows Server 2008", "33e156e4-b76f-4a52-9f91-f641dd95ac48", False,
              r"^Windows (?:Web )?Server\W{0,3} 2008\b.*(?:Web|HPC|Compute Cluster)|^Windows Web Server 2008",
              source=("pykms", "vlmcsd")),
        _rule("Windows Server 2008", "8a21fdf3-cbc5-44eb-83f3-fe284e6680a7", False,
              r"^Windows Server\W{0,3} 2008\b.*(?:Datacenter|Itanium)", source=("pykms", "vlmcsd")),
        _rule("Windows Server 2008", "8fe53387-3087-4447-8985-f75132215ac9", False,
              r"^Windows Server\W{0,3} 2008\b.*(?:Standard|Enterprise)", source=("pykms", "vlmcsd")),
        _rule("Windows Server 2008", None, False, r"^Windows (?:Web )?Server\W{0,3} 2008\b"),
        # --- Windows Server without a year in its name (Semi-Annual / Annual Channel, ...)
        _rule("Windows Server, version 1803 (Semi-Annual Channel)",
              "6e9fc069-257d-4bc4-b4a7-750514d32743", True,
              r"^Windows Server (?:Standard|Datacenter)\b", 17134, 17134,
              ("pykms", "vlmcsd", "msdocs", "ms-release-info")),
        _rule("Windows Server, versions 1809-1909 (Semi-Annual Channel)",
              "8449b1fb-f0ea-497a-99ab-66ca96e9a0f5", True,
              r"^Windows Server (?:Standard|Datacenter)\b", 17763, 18363,
              ("pykms", "vlmcsd", "msdocs", "ms-release-info")),
        _rule("Windows Server 2022", WS2022_KMS, True, r"^Windows Server (?:Standard|Datacenter)\b",
              20348, 20348, ("pykms", "kmsrsos", "msrc-cve")),
        _rule("Windows Server 2025", WS2025_KMS, True, r"^Windows Server (?:Standard|Datacenter)\b",
              26100, 26100, ("kmsrsos", "msrc-cve")),
    ]


def render(doc: dict[str, Any]) -> str:
    """The file text: indented, key order as documented, final newline."""
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE,
                        help="folder holding volume-products.json and volume-products-kmsrsos.json "
                             "(default: ../shared/reference beside the repository, else the copies "
                             "in data/sources/)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the output file differs from a fresh build")
    args = parser.parse_args(argv)
    a = _load(args.reference / "volume-products.json")
    b = _load(args.reference / "volume-products-kmsrsos.json")
    doc = build(a, b)
    validate_catalog(doc, "build_catalog output")  # raises CatalogError on any inconsistency
    text = render(doc)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"build_catalog: {args.output} is out of date", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"build_catalog: wrote {args.output}: {len(doc['applications'])} applications, "
          f"{len(doc['kms_ids'])} KMS IDs, {len(doc['client_skus'])} client SKUs, "
          f"{len(doc['csvlks'])} CSVLKs, {len(doc['os_families'])} OS rules", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
