"""The forests the integration tests (and the bundled sample) are built from.

Each seeded object carries, in ``EXPECTED``, the rule ids its defects must raise, so the tests
compare the scan's findings with exactly what was planted.
"""

from __future__ import annotations

import uuid

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
OFFICE2019_CSVLK = "70512334-47b4-44db-a233-be5ea33b914c"
KMS_OFFICE2019 = "617d9eb1-ef36-4f82-86e0-a65ae07b96c6"
KMS_WS2022 = "b74263e4-0f92-46c6-bcf8-c11d5efe2959"
KMS_WS2019 = "8449b1fb-f0ea-497a-99ab-66ca96e9a0f5"
KMS_WIN10 = "58e2134f-8e11-4d17-9cb2-91069c151148"
KMS_OFFICE2021 = "86d50b16-4808-41af-b83b-b338274318b2"

# A real 63-digit Installation ID quoted in the facts file (all nine groups pass the check).
GOOD_IID = "253037440405119108201413961093786848722385303726677949056629205"
BAD_IID = GOOD_IID[:-1] + ("0" if GOOD_IID[-1] != "0" else "1")
GOOD_CID = "".join(_cid_group(f"{n:05d}") for n in (12345, 67890, 13579, 24680,
                                                     11223, 34455, 66778, 89900))

ONLINE = {"msSPP-OnlineLicense": [b"<online licence: test bytes>" * 40],
          "msSPP-ConfigLicense": [b"<config licence: test bytes>" * 30],
          "msSPP-IssuanceLicense": [b"<issuance licence: test bytes>" * 20]}


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
         **ONLINE),
    _obj("ao-office2021-phone", OFFICE2021_CSVLK, [KMS_OFFICE2021],
         "03612-00206-571-234567-03-1033-19041.0000-0402023", "TJ4VB", "Office LTSC 2021",
         **{"msSPP-PhoneLicense": [b"<phone licence: test bytes>" * 25],
            "msSPP-ConfigLicense": [b"<config licence 2>" * 10],
            "msSPP-IssuanceLicense": [b"<issuance licence 2>" * 10],
            "msSPP-InstallationId": [GOOD_IID], "msSPP-ConfirmationId": [GOOD_CID]}),
    _obj("ao-forged", "00000000-0000-0000-0000-000000000000", [KMS_WIN10],
         "00000-01234-000-000000-03-1033-12345.0000-0012025", "XXXXX", "KMS AO"),
    _obj("ao-ws2022-again", WS2022_CSVLK, [KMS_WS2022, KMS_WS2019, KMS_WIN10],
         "03612-04573-000-012345-03-1033-20348.0000-1502024", "7H3KQ", "Contoso WS2022 (again)",
         **ONLINE),
    _obj("ao-bad-pid", WIN10_2019_CSVLK, [KMS_WIN10], "garbage-pid", "M4QDR", "Win10 2019",
         **ONLINE),
    _obj("ao-bad-iid", OFFICE2019_CSVLK, [KMS_OFFICE2019],
         "03612-00206-666-000001-03-1033-17763.0000-0412020", "B2C3D",
         "A name that is far longer than the forty characters allowed",
         **{"msSPP-PhoneLicense": [b"<phone licence 3>" * 25],
            "msSPP-InstallationId": [BAD_IID], "msSPP-ConfirmationId": [GOOD_CID]}),
    _obj("ao-future", WIN10_2016_CSVLK, [KMS_WIN10],
         "03612-00206-531-000123-03-1033-14393.0000-1502031", "Q7RT9", "Win10 2019 future",
         **ONLINE),
)

# Rule ids each seeded object must raise (and nothing else). ao-ws2022 is the older duplicate:
# the finding is reported on the newest object, ao-ws2022-again.
EXPECTED_OBJECT_FINDINGS: dict[str, set[str]] = {
    "ao-ws2022": set(),
    "ao-office2021-phone": set(),
    "ao-forged": {"ADBA-FORGE-001", "ADBA-FORGE-002", "ADBA-FORGE-003", "ADBA-OBJ-007",
                  "ADBA-PID-003"},
    "ao-ws2022-again": {"ADBA-DUP-001"},
    "ao-bad-pid": {"ADBA-PID-001"},
    "ao-bad-iid": {"ADBA-PHONE-001", "ADBA-OBJ-005"},
    "ao-future": {"ADBA-PID-002"},
}
# Domain Users may create children: planted by the seed below, raised on the container.
MAIN_CONTAINER_FINDINGS = {"ADBA-ACL-002"}
DOMAIN_USERS_CREATE_CHILD = "(A;;CC;;;DU)"

MAIN = DCSpec(ip="127.0.0.11", objects=MAIN_OBJECTS,
              extra_container_aces=(DOMAIN_USERS_CREATE_CHILD,))
OLD_SCHEMA = DCSpec(ip="127.0.0.12", realm="OLDFOREST.TEST", netbios="OLDFOREST",
                    base_schema="2008_R2")
NO_AU_READ = DCSpec(ip="127.0.0.13", realm="LOCKED.TEST", netbios="LOCKED",
                    spp_containers="no-au-read", objects=(MAIN_OBJECTS[0],))
MISSING = DCSpec(ip="127.0.0.14", realm="EMPTY.TEST", netbios="EMPTY", spp_containers="missing")
