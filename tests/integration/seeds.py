"""The forests the integration tests (and the bundled sample) are built from.

Each seeded object carries, in ``EXPECTED``, the rule ids its defects must raise, so the tests
compare the scan's findings with exactly what was planted.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.support import xrml_signer
from tests.testdc import ActivationObjectSeed, DCSpec


def guid(text: str) -> bytes:
    """GUID text to the 16 little-endian bytes AD stores."""
    return uuid.UUID(text).bytes_le


def _cid_group(data: str) -> str:
    """Append the mod-7 check digit (weights 1,2,1,2,...) to five data digits."""
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(data))
    return data + str(total % 7)


WS2022_CSVLK = "661f7658-7035-4b4c-9f35-010682943ec2"
OFFICE2021_CSVLK = "47f3b983-7c53-4d45-abc6-bcd91e2dd90a"
WIN10_2019_CSVLK = "90da7373-1c51-430b-bf26-c97e9c5cdc31"
WIN10_2016_CSVLK = "30a42c86-b7a0-4a34-8c90-ff177cb2acb7"
WIN10_2015_CSVLK = "0724cb7d-3437-4cb7-93cb-830375d0079d"
WS2019_CSVLK = "2e7a9ad1-a849-4b56-babe-17d5a29fe4b4"
OFFICE2019_CSVLK = "70512334-47b4-44db-a233-be5ea33b914c"
KMS_OFFICE2019 = "617d9eb1-ef36-4f82-86e0-a65ae07b96c6"
KMS_WS2022 = "b74263e4-0f92-46c6-bcf8-c11d5efe2959"
KMS_WS2019 = "8449b1fb-f0ea-497a-99ab-66ca96e9a0f5"
KMS_WIN10 = "58e2134f-8e11-4d17-9cb2-91069c151148"
KMS_OFFICE2021 = "86d50b16-4808-41af-b83b-b338274318b2"
KMS_LTSC2021 = "3b576817-7b75-4362-9e13-223f2d9e9c97"
KMS_OFFICE2024 = "a8973cb5-bf03-0a4c-9cef-703099645ab3"
# The counted-id lists of the Windows 10 CSVLKs, as Microsoft's licences give them (kmsrsos).
_WIN10_BASE = ["58e2134f-8e11-4d17-9cb2-91069c151148", "7fde5219-fbfa-484a-82c9-34d1ad53e856",
               "212a64dc-43b1-4d3d-a30c-2fc69d2095c6", "3c40b358-5948-45af-923b-53d21fcc7e79",
               "cb8fc780-2c05-495a-9710-85afffc904d7", "d27cd636-1962-44e9-8b4f-27b6c23efb85"]
WIN10_2015_KMS = _WIN10_BASE
WIN10_2016_KMS = [*_WIN10_BASE, "969fe3c0-a3ec-491a-9f25-423605deb365"]
WIN10_2019_KMS = [*WIN10_2016_KMS, "11b15659-e603-4cf1-9c1f-f0ec01b81888"]

# A real 63-digit Installation ID quoted in the facts file (all nine groups pass the check).
GOOD_IID = "253037440405119108201413961093786848722385303726677949056629205"
BAD_IID = GOOD_IID[:-1] + ("0" if GOOD_IID[-1] != "0" else "1")
GOOD_CID = "".join(_cid_group(f"{n:05d}") for n in (12345, 67890, 13579, 24680,
                                                     11223, 34455, 66778, 89900))

OFFICE2024_CSVLK = "f3d89bbf-c0ec-47ce-a8fa-e5a5f97e447f"


def _licences(sku: str, group: int, serial: int, *, phone: bool = False,
              online: bool = True) -> dict[str, list[bytes | str]]:
    """Licence blobs that fit the object, signed at test time (tests/support/xrml_signer.py):
    a configuration licence with the CSVLK's entry (``group``, a key range holding
    ``serial``), an online and/or phone use licence for the SKU, and the issuance licence that
    certifies their signer."""
    made = xrml_signer.object_licences(sku, group, serial=serial)
    blobs: dict[str, list[bytes | str]] = {"msSPP-ConfigLicense": [made.config],
                                           "msSPP-IssuanceLicense": [made.issuance]}
    if online:
        blobs["msSPP-OnlineLicense"] = [made.online]
    if phone:
        blobs["msSPP-PhoneLicense"] = [made.phone]
    return blobs


def _tampered(blobs: dict[str, list[bytes | str]]) -> dict[str, list[bytes | str]]:
    """The same blobs with one byte of the online licence's title changed after signing."""
    online = blobs["msSPP-OnlineLicense"][0]
    assert isinstance(online, bytes)
    at = online.index(b"<r:title>") + len(b"<r:title>")
    changed = online[:at] + (b"X" if online[at:at + 1] != b"X" else b"Y") + online[at + 1:]
    return {**blobs, "msSPP-OnlineLicense": [changed]}


WS2022_LICENCES = _licences(WS2022_CSVLK, 4573, 12345)


def _obj(cn: str, sku: str, kms: list[str], pid: str, key: str, name: str,
         **extra: list[bytes | str]) -> ActivationObjectSeed:
    attrs: dict[str, list[bytes | str]] = {
        "msSPP-CSVLKSkuId": [guid(sku)],
        "msSPP-KMSIds": [guid(k) for k in kms],
        "msSPP-CSVLKPid": [pid],
        "msSPP-CSVLKPartialProductKey": [key],
        "displayName": [name],
    }
    attrs.update(extra)
    return ActivationObjectSeed(cn=cn, attributes=attrs)


MAIN_OBJECTS = (
    _obj("ao-ws2022", WS2022_CSVLK, [KMS_WS2022, KMS_WS2019, KMS_WIN10],
         "03612-04573-000-012345-03-1033-20348.0000-1502024", "7H3KQ", "Contoso WS2022 CSVLK",
         **WS2022_LICENCES),
    _obj("ao-office2021-phone", OFFICE2021_CSVLK, [KMS_OFFICE2021],
         "03612-00206-571-234567-03-1033-19041.0000-0402023", "TJ4VB", "Office LTSC 2021",
         **_licences(OFFICE2021_CSVLK, 206, 571234567, phone=True, online=False),
         **{"msSPP-InstallationId": [GOOD_IID], "msSPP-ConfirmationId": [GOOD_CID]}),
    _obj("ao-forged", "00000000-0000-0000-0000-000000000000", [KMS_WIN10],
         "00000-01234-000-000000-03-1033-12345.0000-0012025", "XXXXX", "KMS AO"),
    _obj("ao-ws2022-again", WS2022_CSVLK, [KMS_WS2022, KMS_WS2019, KMS_WIN10],
         "03612-04573-000-012345-03-1033-20348.0000-1502024", "7H3KQ", "Contoso WS2022 (again)",
         **WS2022_LICENCES),
    _obj("ao-bad-pid", WIN10_2015_CSVLK, WIN10_2015_KMS, "garbage-pid", "M4QDR", "Win10 2015",
         **_licences(WIN10_2015_CSVLK, 206, 0)),
    _obj("ao-bad-iid", OFFICE2019_CSVLK, [KMS_OFFICE2019],
         "03612-00206-666-000001-03-1033-17763.0000-0412020", "B2C3D",
         "A name that is far longer than the forty characters allowed",
         **{"msSPP-PhoneLicense": _licences(OFFICE2019_CSVLK, 206, 666000001, phone=True,
                                            online=False)["msSPP-PhoneLicense"],
            "msSPP-InstallationId": [BAD_IID], "msSPP-ConfirmationId": [GOOD_CID]}),
    _obj("ao-future", WIN10_2016_CSVLK, WIN10_2016_KMS,
         "03612-00206-531-000123-03-1033-14393.0000-1502031", "Q7RT9", "Win10 2016 future",
         **_licences(WIN10_2016_CSVLK, 206, 531000123)),
    _obj("ao-tampered", WIN10_2019_CSVLK, [*WIN10_2019_KMS, KMS_LTSC2021],
         "03612-00206-256-000777-03-1033-17763.0000-0202022", "C9K3M", "Win10 2019 CSVLK",
         **_licences(WIN10_2019_CSVLK, 206, 256000777)),
    _obj("ao-wrong-group", WS2019_CSVLK, [KMS_WS2019, "6e9fc069-257d-4bc4-b4a7-750514d32743",
                                           "8456efd3-0c04-4089-8740-5b7238535a65"],
         "03612-04573-551-000042-03-1033-17763.0000-0302021", "HT6QD", "WS2019 CSVLK",
         # The configuration gives WS2019's real group (206), not the PID's 04573.
         **_licences(WS2019_CSVLK, 206, 551000042)),
    _obj("ao-mixed", OFFICE2021_CSVLK, [KMS_OFFICE2021, KMS_WIN10],
         "03612-00206-571-000099-03-1033-19041.0000-0502023", "P8DRK", "Office 2021 + Windows",
         # its online licence was edited after signing (one byte of its title)
         **_tampered(_licences(OFFICE2021_CSVLK, 206, 571000099))),
)

# An object that looks genuine on its face (a real CSVLK SKU, a PID inside its key block,
# valid IID/CID check digits, the CSVLK's exact KMS ids) but carries the public forgery
# script's phone and pkeyconfig licences. Those files may not be copied into the repository:
# they are read from ../shared/testdata/xrml, and the object exists only where they do
# (tests/integration/test_licences_live.py skips, or fails under CI, without them).
SHARED_XRML = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "xrml"
COPIED_LICENCES_CN = "ao-copied-licences"


def _copied_licences() -> tuple[ActivationObjectSeed, ...]:
    phone, config = SHARED_XRML / "phone.xrm-ms", SHARED_XRML / "pkeyconfig.xrm-ms"
    if not (phone.is_file() and config.is_file()):
        return ()
    # Office LTSC 2024: a CSVLK no other seeded object shares, so coverage, redundancy and
    # duplicate findings of the other objects stay as they are.
    return (_obj(COPIED_LICENCES_CN, OFFICE2024_CSVLK, [KMS_OFFICE2024],
                 "03612-00206-591-000123-03-1033-26100.0000-1502025", "9QRT4",
                 "Office LTSC 2024 CSVLK",
                 **{"msSPP-PhoneLicense": [phone.read_bytes()],
                    "msSPP-ConfigLicense": [config.read_bytes()],
                    "msSPP-InstallationId": [GOOD_IID], "msSPP-ConfirmationId": [GOOD_CID]}),)


MAIN_OBJECTS = MAIN_OBJECTS + _copied_licences()

# Rule ids each seeded object must raise (and nothing else). ao-ws2022 is the older duplicate:
# the finding is reported on the newest object, ao-ws2022-again.
EXPECTED_OBJECT_FINDINGS: dict[str, set[str]] = {
    "ao-ws2022": set(),
    "ao-office2021-phone": set(),
    "ao-forged": {"ADBA-FORGE-001", "ADBA-FORGE-002", "ADBA-FORGE-003", "ADBA-OBJ-007",
                  "ADBA-PID-003"},
    "ao-ws2022-again": {"ADBA-DUP-001"},
    "ao-bad-pid": {"ADBA-PID-001", "ADBA-CAT-005"},
    # Office 2019 left extended support on 2025-10-14 (Microsoft lifecycle data).
    "ao-bad-iid": {"ADBA-PHONE-001", "ADBA-OBJ-005", "ADBA-CAT-006"},
    "ao-future": {"ADBA-PID-002", "ADBA-CAT-005"},
    "ao-tampered": {"ADBA-CAT-002"},
    # The test-signed configuration licence gives the CSVLK's real group: the licences agree
    # with the catalog that the PID's group is wrong.
    "ao-wrong-group": {"ADBA-CAT-003", "ADBA-LIC-005"},
    "ao-mixed": {"ADBA-CAT-004", "ADBA-DUP-001", "ADBA-LIC-001"},
}
if any(o.cn == COPIED_LICENCES_CN for o in MAIN_OBJECTS):
    EXPECTED_OBJECT_FINDINGS[COPIED_LICENCES_CN] = {"ADBA-LIC-003", "ADBA-LIC-004",
                                                    "ADBA-LIC-006"}
# Domain Users may create children: planted by the seed below, raised on the container.
MAIN_CONTAINER_FINDINGS = {"ADBA-ACL-002"}
DOMAIN_USERS_CREATE_CHILD = "(A;;CC;;;DU)"

def _filetime(days_ago: float) -> int:
    """A FILETIME (100-ns ticks since 1601) for a moment ``days_ago`` before now."""
    import time

    return int((time.time() - days_ago * 86400 + 11644473600) * 10_000_000)


# (name, operatingSystem, operatingSystemVersion, days since last logon, enabled)
COMPUTERS: tuple[tuple[str, str | None, str | None, float, bool], ...] = (
    ("SRV22-01", "Windows Server 2022 Datacenter", "10.0 (20348)", 1, True),
    ("SRV22-02", "Windows Server 2022 Standard", "10.0 (20348)", 2, True),
    ("SRV22-03", "Windows Server 2022 Datacenter", "10.0 (20348)", 3, True),
    ("SRV25-01", "Windows Server 2025 Standard", "10.0 (26100)", 1, True),
    ("SRV25-02", "Windows Server 2025 Datacenter", "10.0 (26100)", 5, True),
    ("SRV12R2-01", "Windows Server 2012 R2 Standard", "6.3 (9600)", 4, True),
    ("SRV16-OLD", "Windows Server 2016 Standard", "10.0 (14393)", 400, True),
    ("PC-W10-01", "Windows 10 Enterprise", "10.0 (19045)", 1, True),
    ("PC-W10-02", "Windows 10 Pro", "10.0 (19045)", 2, True),
    ("PC-W11-01", "Windows 11 Enterprise", "10.0 (22631)", 1, True),
    ("PC-W11-02", "Windows 11 Pro", "10.0 (26100)", 1, True),
    ("PC-LTSC-OFF", "Windows 10 Enterprise LTSC", "10.0 (17763)", 1, False),
    ("PC-W7-01", "Windows 7 Professional", "6.1 (7601)", 2, True),
    ("LINUX-01", "Ubuntu", "22.04", 1, True),
)


def computers_ldif() -> str:
    """LDIF adding the seeded computers (placeholders filled in by the harness)."""
    records = []
    for name, os_name, version, days, enabled in COMPUTERS:
        lines = [f"dn: CN={name},CN=Computers,{{base_dn}}", "changetype: add",
                 "objectClass: computer", f"sAMAccountName: {name}$",
                 f"userAccountControl: {4096 if enabled else 4098}",
                 f"dNSHostName: {name.lower()}.contoso.test",
                 f"lastLogonTimestamp: {_filetime(days)}"]
        if os_name:
            lines.append(f"operatingSystem: {os_name}")
        if version:
            lines.append(f"operatingSystemVersion: {version}")
        records.append("\n".join(lines))
    return "\n\n".join(records) + "\n"


MAIN = DCSpec(ip="127.0.0.11", objects=MAIN_OBJECTS,
              extra_container_aces=(DOMAIN_USERS_CREATE_CHILD,), extra_ldif=computers_ldif())
OLD_SCHEMA = DCSpec(ip="127.0.0.12", realm="OLDFOREST.TEST", netbios="OLDFOREST",
                    base_schema="2008_R2")
NO_AU_READ = DCSpec(ip="127.0.0.13", realm="LOCKED.TEST", netbios="LOCKED",
                    spp_containers="no-au-read", objects=(MAIN_OBJECTS[0],))
MISSING = DCSpec(ip="127.0.0.14", realm="EMPTY.TEST", netbios="EMPTY", spp_containers="missing")

# The two-DC lab of the per-DC consistency tests: its own forest, so that replication
# experiments never touch the DCs the other tests share. DC2 is joined by the fixture.
REPL_OBJECTS = (MAIN_OBJECTS[0], MAIN_OBJECTS[1], MAIN_OBJECTS[6])
REPL = DCSpec(ip="127.0.0.41", realm="REPL.TEST", netbios="REPL", hostname="dc21",
              objects=REPL_OBJECTS)
REPL_SECOND_IP = "127.0.0.42"
REPL_SECOND_HOST = "dc22"
