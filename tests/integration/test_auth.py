"""Kerberos and NTLM binds with the SASL security layer, against a real Samba DC.

The DC here runs with ``ldap server require strong auth = allow_sasl_over_tls`` (the closest
match to a Windows DC that requires LDAP signing) on its own address, with the ``ldap/`` SPN
registered and a ticket for the plain user in a cache under its workdir.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adba.adapters.ldap.connection import ConnectOptions, connect
from adba.adapters.ldap.credentials import AuthMethod, Credentials
from adba.adapters.ldap.reader import read_forest
from adba.adapters.ldap.sasl import SaslSocket
from adba.adapters.ldap.target import Transport
from tests.conftest import _start, run_adba
from tests.integration import seeds
from tests.testdc import RunningDC


def _require(module: str) -> None:
    """The auth tests must run: a missing package fails them (scripts/test.sh installs it)."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError as exc:
        pytest.fail(f"{module} is required for the authentication tests ({exc}); "
                    "run scripts/test.sh, which installs it", pytrace=False)


_require("spnego")

AUTH_SPEC = dataclasses.replace(
    seeds.MAIN, ip="127.0.0.31", extra_ldif="",
    smb_conf_options=(("ldap server require strong auth", "allow_sasl_over_tls"),))


@pytest.fixture(scope="module")
def auth_dc() -> Iterator[RunningDC]:
    for dc in _start(AUTH_SPEC):
        dc.register_ldap_spn()
        yield dc


@pytest.fixture(scope="module")
def krb_env(auth_dc: RunningDC) -> dict[str, str]:
    _require("gssapi")
    _require("krb5")
    return auth_dc.kinit_reader()


def _json(run: Any) -> dict[str, Any]:
    assert run.code == 2, run.stderr
    result: dict[str, Any] = json.loads(run.stdout)
    return result


@pytest.fixture(scope="module")
def ldaps_findings(auth_dc: RunningDC) -> list[Any]:
    run = run_adba("scan", "--server", auth_dc.ip, "--user", auth_dc.user_upn, "--auth", "simple",
                   "--ca-file", str(auth_dc.ca_file), "--format", "json",
                   password=auth_dc.user_password)
    data = _json(run)
    assert data["findings"]
    findings: list[Any] = data["findings"]
    return findings


def test_ntlm_sealed_on_389_gives_the_same_findings(auth_dc: RunningDC,
                                                    ldaps_findings: list[Any]) -> None:
    run = run_adba("scan", "--server", auth_dc.ip, "--user", auth_dc.user_down_level,
                   "--auth", "ntlm", "--plain-ldap", "--format", "json",
                   password=auth_dc.user_password)
    data = _json(run)
    assert data["data"]["source"]["auth"] == "NTLM (GSS-SPNEGO), sealed, port 389"
    assert data["findings"] == ldaps_findings


def test_kerberos_sealed_on_389_gives_the_same_findings(auth_dc: RunningDC, krb_env: dict[str, str],
                                                        ldaps_findings: list[Any]) -> None:
    run = run_adba("scan", "--server", auth_dc.ip, "--auth", "kerberos", "--plain-ldap",
                   "--format", "json", env=krb_env)
    data = _json(run)
    assert data["data"]["source"]["auth"] == "Kerberos, sealed, port 389"
    assert data["data"]["source"]["user"] == f"reader@{auth_dc.spec.realm}"
    assert data["findings"] == ldaps_findings


def test_kerberos_over_ldaps_and_auto_choice(auth_dc: RunningDC, krb_env: dict[str, str],
                                             ldaps_findings: list[Any]) -> None:
    # no --auth: the cached ticket makes it Kerberos, inside validated LDAPS
    run = run_adba("scan", "--server", auth_dc.ip, "--ca-file", str(auth_dc.ca_file),
                   "--format", "json", env=krb_env)
    data = _json(run)
    assert data["data"]["source"]["auth"] == "Kerberos, inside LDAPS, channel-bound, port 636"
    assert data["findings"] == ldaps_findings


class _Recorder:
    """Wraps a socket and records every byte that crosses it."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.sent = bytearray()
        self.received = bytearray()

    def sendall(self, data: bytes) -> None:
        self.sent += data
        self.raw.sendall(data)

    def recv(self, size: int) -> bytes:
        data: bytes = self.raw.recv(size)
        self.received += data
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def test_sealed_session_carries_no_attribute_value_in_clear(auth_dc: RunningDC) -> None:
    options = ConnectOptions(server=auth_dc.ip, domain=None, dns_server=None,
                             transport=Transport.PLAIN, ca_file=None, insecure=False, timeout=10,
                             auth=AuthMethod.NTLM,
                             credentials=Credentials(auth_dc.user_down_level,
                                                     auth_dc.user_password))
    directory, session = connect(options)
    try:
        sock = directory._connection.socket
        assert isinstance(sock, SaslSocket)
        recorder = _Recorder(sock.raw)
        sock.raw = recorder
        raw = read_forest(directory, session)
    finally:
        directory.close()
    names = [b"Contoso WS2022 CSVLK", b"Office LTSC 2021", b"ao-office2021-phone",
             b"03612-04573-000-012345-03-1033-20348.0000-1502024", b"7H3KQ",
             b"Activation Objects", b"msSPP"]
    assert len(recorder.received) > 2000
    seen = repr(raw.children)
    assert "Contoso WS2022 CSVLK" in seen and "7H3KQ" in seen  # read, yet never in clear
    for value in names:
        assert value not in recorder.received, value
        assert value not in recorder.sent, value
    for value in names[:2]:
        assert value.decode("utf-16-le", "ignore").encode() not in recorder.received


def _one_line_error(run: Any) -> str:
    assert run.code == 3, (run.stdout, run.stderr)
    lines = [line for line in run.stderr.splitlines() if line.startswith("adba: error:")]
    assert len(lines) == 1, run.stderr
    return lines[0]


def test_wrong_password_with_ntlm(auth_dc: RunningDC) -> None:
    run = run_adba("scan", "--server", auth_dc.ip, "--user", auth_dc.user_down_level,
                   "--auth", "ntlm", "--plain-ldap", password="not-the-password-42")
    line = _one_line_error(run)
    assert "password" in line
    assert "not-the-password-42" not in run.stdout + run.stderr


def test_no_ticket_with_kerberos(auth_dc: RunningDC, tmp_path: Path) -> None:
    _require("gssapi")
    env = {"KRB5CCNAME": f"FILE:{tmp_path / 'none.ccache'}",
           "KRB5_CONFIG": str(auth_dc.write_krb5_conf(tmp_path / "krb5.conf"))}
    run = run_adba("scan", "--server", auth_dc.ip, "--auth", "kerberos", "--plain-ldap", env=env)
    line = _one_line_error(run)
    assert "no Kerberos ticket" in line and "kinit" in line


def test_simple_bind_on_plain_ldap_is_refused_before_connecting(auth_dc: RunningDC) -> None:
    run = run_adba("scan", "--server", auth_dc.ip, "--user", auth_dc.user_upn, "--auth", "simple",
                   "--plain-ldap", password=auth_dc.user_password)
    assert run.code != 0
    assert "clear text" in run.stderr


def test_password_never_appears_in_output_with_debug(auth_dc: RunningDC,
                                                     krb_env: dict[str, str]) -> None:
    password = auth_dc.user_password
    runs = []
    for extra in (["--auth", "simple", "--ca-file", str(auth_dc.ca_file)],
                  ["--auth", "auto", "--ca-file", str(auth_dc.ca_file)],
                  ["--auth", "ntlm", "--plain-ldap"]):
        runs.append(run_adba(*_debug_args(), "--server", auth_dc.ip, "--user",
                             auth_dc.user_upn, *extra, password=password))
    runs.append(run_adba(*_debug_args(), "--server", auth_dc.ip, "--auth", "kerberos",
                         "--plain-ldap", password=password, env=krb_env))
    for run in runs:
        assert run.code == 2, run.stderr[-2000:]
        assert password not in run.stdout + run.stderr
    assert any("binding as" in r.stderr for r in runs), runs[0].stderr[-2000:]



def _debug_args() -> list[str]:
    return ["scan", "--debug"]


def test_simple_bind_over_starttls_on_the_hardened_dc(auth_dc: RunningDC,
                                                       ldaps_findings: list[Any]) -> None:
    run = run_adba("scan", "--server", auth_dc.ip, "--user", auth_dc.user_upn, "--auth", "simple",
                   "--starttls", "--ca-file", str(auth_dc.ca_file), "--format", "json",
                   password=auth_dc.user_password)
    data = _json(run)
    assert data["data"]["source"]["transport"] == "StartTLS"
    assert data["findings"] == ldaps_findings


def test_default_settings_dc_ntlm_and_kerberos_sealed(main_dc: RunningDC) -> None:
    """The DC with Samba's defaults ('require strong auth = yes') takes sealed SASL on 389."""
    reference = run_adba("scan", "--server", main_dc.ip, "--user", main_dc.user_upn,
                         "--auth", "simple", "--ca-file", str(main_dc.ca_file), "--format", "json",
                         password=main_dc.user_password)
    expected = _json(reference)["findings"]
    ntlm = run_adba("scan", "--server", main_dc.ip, "--user", main_dc.user_down_level,
                    "--auth", "ntlm", "--plain-ldap", "--format", "json",
                    password=main_dc.user_password)
    assert _json(ntlm)["findings"] == expected
    _require("gssapi")
    main_dc.register_ldap_spn()
    env = main_dc.kinit_reader()
    krb = run_adba("scan", "--server", main_dc.ip, "--auth", "kerberos", "--plain-ldap",
                   "--format", "json", env=env)
    assert _json(krb)["findings"] == expected


def test_kerberos_over_tls_refused_by_a_default_dc_is_one_line(main_dc: RunningDC) -> None:
    """Samba's default refuses SASL inside TLS without sign/seal: say so and what to use."""
    _require("gssapi")
    main_dc.register_ldap_spn()
    env = main_dc.kinit_reader()
    run = run_adba("scan", "--server", main_dc.ip, "--auth", "kerberos",
                   "--ca-file", str(main_dc.ca_file), env=env)
    assert run.code == 3, run.stdout
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("adba: error: "), run.stderr
    assert "--plain-ldap" in lines[0]


def test_expired_ticket_is_one_line(auth_dc: RunningDC, tmp_path: Path) -> None:
    _require("gssapi")
    env = auth_dc.kinit_reader(ccache=tmp_path / "short.ccache", lifetime="5s")
    time.sleep(7)
    run = run_adba("scan", "--server", auth_dc.ip, "--auth", "kerberos", "--plain-ldap", env=env)
    assert run.code == 3
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "expired" in lines[0] and "kinit" in lines[0], run.stderr
