"""Smoke tests for the real-DC harness (``tests/testdc``).

They start real Samba AD DCs on loopback addresses and check, with ldap3 only (no adba code),
what the rest of the suite relies on.  Without Samba/root they FAIL with the reason from
``samba_available()``: a silently skipped real-DC suite would hide a broken environment.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import ldap3
import pytest
from ldap3.core.exceptions import LDAPSocketOpenError
from ldap3.protocol.microsoft import security_descriptor_control

try:
    from tests.testdc import ActivationObjectSeed, DCSpec, RunningDC, samba_available, start_dc
except ImportError:  # plain `pytest` without the repository root on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.testdc import ActivationObjectSeed, DCSpec, RunningDC, samba_available, start_dc

pytestmark = pytest.mark.dc

MAIN_IP = "127.0.0.9"
NO_AU_IP = "127.0.0.10"

SKU_ID = uuid.UUID("84e331f6-4279-48c4-ab10-b75139181351")  # a CSVLK activation ID
KMS_ID = uuid.UUID("8449b1fb-f0ea-497a-99ab-66ca96e9a0f5")
AO_FILTER = "(objectClass=msSPP-ActivationObject)"
SD_FLAGS_OWNER_DACL = 0x05
AU_SID = bytes([1, 1, 0, 0, 0, 0, 0, 5, 11, 0, 0, 0])  # S-1-5-11, Authenticated Users


def _seed(cn: str = "ao-smoke") -> ActivationObjectSeed:
    return ActivationObjectSeed(
        cn=cn,
        attributes={
            "msSPP-CSVLKSkuId": [SKU_ID.bytes_le],
            "msSPP-KMSIds": [KMS_ID.bytes_le],
            "msSPP-CSVLKPid": ["03612-03858-000-000000-03-1033-17763.0000-0012020"],
            "msSPP-CSVLKPartialProductKey": ["7RT2Q"],
            "displayName": ["Smoke test AO"],
            "msSPP-IssuanceLicense": [b"<rg:licenseGroup/>"],
        },
    )


def _require_samba() -> None:
    ok, reason = samba_available()
    if not ok:
        pytest.fail(f"Samba test DC unavailable: {reason}", pytrace=False)


def _lo_has(ip: str) -> bool:
    out = subprocess.run(
        ["ip", "-o", "-4", "addr", "show", "dev", "lo"], capture_output=True, text=True, check=True
    ).stdout
    return f"inet {ip}/" in out


@pytest.fixture(scope="module")
def smoke_dc() -> Iterator[RunningDC]:
    _require_samba()
    dc = start_dc(DCSpec(ip=MAIN_IP, objects=(_seed(),)))
    try:
        yield dc
    finally:
        dc.stop()


def test_rootdse_gives_configuration_nc(smoke_dc: RunningDC) -> None:
    conn = smoke_dc.reader_connection(get_info=ldap3.DSA)
    try:
        assert conn.server.info.other["configurationNamingContext"] == [smoke_dc.config_dn]
    finally:
        conn.unbind()


def test_plain_user_reads_activation_object_guid_bytes(smoke_dc: RunningDC) -> None:
    conn = smoke_dc.reader_connection()
    try:
        assert conn.search(
            smoke_dc.ao_container_dn,
            AO_FILTER,
            ldap3.LEVEL,
            attributes=["cn", "msSPP-CSVLKSkuId", "msSPP-KMSIds"],
        ), conn.result
        assert len(conn.entries) == 1
        entry = conn.entries[0]
        assert entry["cn"].value == "ao-smoke"
        assert entry["msSPP-CSVLKSkuId"].raw_values == [SKU_ID.bytes_le]
        assert len(entry["msSPP-CSVLKSkuId"].raw_values[0]) == 16
        assert entry["msSPP-KMSIds"].raw_values == [KMS_ID.bytes_le]
    finally:
        conn.unbind()


def test_plain_user_reads_container_owner_and_dacl(smoke_dc: RunningDC) -> None:
    conn = smoke_dc.reader_connection()
    try:
        assert conn.search(
            smoke_dc.ao_container_dn,
            "(objectClass=*)",
            ldap3.BASE,
            attributes=["nTSecurityDescriptor"],
            controls=security_descriptor_control(sdflags=SD_FLAGS_OWNER_DACL),
        ), conn.result
        raw = conn.entries[0]["nTSecurityDescriptor"].raw_values
    finally:
        conn.unbind()
    assert len(raw) == 1
    sd = raw[0]
    # Self-relative SECURITY_DESCRIPTOR: revision 1, control (SE_SELF_RELATIVE|SE_DACL_PRESENT),
    # offsets of owner, group, SACL, DACL.
    assert sd[0] == 1
    control = int.from_bytes(sd[2:4], "little")
    assert control & 0x8000 and control & 0x0004
    owner, _group, sacl, dacl = (int.from_bytes(sd[i : i + 4], "little") for i in (4, 8, 12, 16))
    assert owner and dacl
    assert sacl == 0  # not asked for (and not granted to a plain user)
    assert AU_SID in sd[dacl:]  # forestprep's Authenticated Users read ACE


def test_only_own_ipv4_address_is_bound(smoke_dc: RunningDC) -> None:
    if shutil.which("ss") is None:
        pytest.fail("ss (iproute2) not installed")
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    mine = [line.split() for line in out.splitlines() if f"pid={smoke_dc.pid}," in line]
    local = {fields[3] for fields in mine}
    for port in (88, 389, 636):
        assert f"{MAIN_IP}:{port}" in local
    assert all(addr.rsplit(":", 1)[0] == MAIN_IP for addr in local), local


def test_certificate_names_host_and_ip_only(smoke_dc: RunningDC) -> None:
    # ldap3, TCP always to the DC's IP, validating different names.
    for name in (smoke_dc.host, None):
        conn = smoke_dc.connect(smoke_dc.user_upn, smoke_dc.user_password, name=name)
        assert conn.bound
        conn.unbind()
    with pytest.raises(LDAPSocketOpenError, match=r"Hostname mismatch.*not valid for \W*localhost"):
        smoke_dc.connect(smoke_dc.user_upn, smoke_dc.user_password, name="localhost")

    # The same with the ssl module, independent of ldap3's own name check.
    ctx = ssl.create_default_context(cafile=str(smoke_dc.ca_file))
    with (
        socket.create_connection((smoke_dc.ip, 636), timeout=5) as sock,
        ctx.wrap_socket(sock, server_hostname=smoke_dc.host) as tls,
    ):
        assert tls.version()
    with (
        pytest.raises(ssl.SSLCertVerificationError, match="localhost"),
        socket.create_connection((smoke_dc.ip, 636), timeout=5) as sock,
    ):
        ctx.wrap_socket(sock, server_hostname="localhost")


def test_no_au_read_forest_hides_activation_objects() -> None:
    _require_samba()
    assert ipaddress.ip_address(NO_AU_IP).is_loopback
    had_address = _lo_has(NO_AU_IP)
    spec = DCSpec(ip=NO_AU_IP, hostname="dc3", spp_containers="no-au-read", objects=(_seed(),))
    with start_dc(spec) as dc:
        admin = dc.admin_connection()
        try:
            assert admin.search(dc.ao_container_dn, AO_FILTER, ldap3.LEVEL, attributes=["cn"])
            assert len(admin.entries) == 1  # the object exists ...
        finally:
            admin.unbind()
        reader = dc.reader_connection()
        try:
            reader.search(dc.ao_container_dn, AO_FILTER, ldap3.SUBTREE, attributes=["cn"])
            assert reader.entries == []  # ... but the plain user sees none
            assert reader.result["description"] in ("success", "noSuchObject")
        finally:
            reader.unbind()
        pid = dc.pid
    assert not dc.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert _lo_has(NO_AU_IP) == had_address
