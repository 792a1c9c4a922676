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


@pytest.mark.parametrize("method", [AuthMethod.NTLM, AuthMethod.KERBEROS])
def test_sealed_session_carries_no_attribute_value_in_clear(
        auth_dc: RunningDC, method: AuthMethod, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if method is AuthMethod.KERBEROS:
        for name, value in request.getfixturevalue("krb_env").items():
            monkeypatch.setenv(name, value)
    options = ConnectOptions(server=auth_dc.ip, domain=None, dns_server=None,
                             transport=Transport.PLAIN, ca_file=None, insecure=False, timeout=10,
                             auth=method,
                             credentials=Credentials(auth_dc.user_down_level,
                                                     auth_dc.user_password))
    directory, session = connect(options)
    assert session.auth.endswith("sealed, port 389")
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
    from spnego._ntlm_raw.crypto import ntowfv1

    nt_hash = ntowfv1(password)
    secrets = [password, nt_hash.hex(), nt_hash.hex().upper(), repr(nt_hash)[2:-1],
               *_ticket_secrets(krb_env["KRB5CCNAME"])]
    for run in runs:
        assert run.code == 2, run.stderr[-2000:]
        for secret in secrets:
            assert secret not in run.stdout + run.stderr
    assert any("binding as" in r.stderr for r in runs), runs[0].stderr[-2000:]


def _ticket_secrets(ccache: str) -> list[str]:
    """Hex and base64 forms of the cached tickets and session keys (read with the krb5
    package), as they would look if anything printed them."""
    import base64

    import krb5

    ctx = krb5.init_context()
    found: list[str] = []
    for cred in krb5.cc_resolve(ctx, ccache.encode()):
        for blob in (bytes(cred.ticket), bytes(cred.keyblock.data)):
            if len(blob) < 16:
                continue
            chunk = blob[-24:]
            found += [chunk.hex(), chunk.hex().upper(), base64.b64encode(blob).decode()[:32],
                      repr(chunk)[2:-1]]
    assert len(found) >= 8, "no ticket or key found in the cache"
    return found



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


def _libfaketime() -> str:
    import glob

    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    if not found:
        pytest.fail("libfaketime is required for the clock-skew test (apt-get install faketime; "
                    "scripts/test.sh installs it)", pytrace=False)
    return found[0]


def test_clock_skew_is_one_line(auth_dc: RunningDC, tmp_path: Path) -> None:
    """This machine's clock 20 minutes ahead of the DC's (libfaketime on the adba process only):
    the KDC refuses, and adba says it is the clock."""
    _require("gssapi")
    env = auth_dc.kinit_reader(ccache=tmp_path / "skew.ccache")
    env.update(LD_PRELOAD=_libfaketime(), FAKETIME="+20m")
    run = run_adba("scan", "--server", auth_dc.ip, "--auth", "kerberos", "--plain-ldap", env=env)
    line = _one_line_error(run)
    assert "clock" in line and "skew" in line and "NTP" in line


def test_kdc_unreachable_is_one_line(auth_dc: RunningDC, tmp_path: Path) -> None:
    """A ticket-granting ticket but no KDC to get the LDAP service ticket from."""
    _require("gssapi")
    env = auth_dc.kinit_reader(ccache=tmp_path / "tgt.ccache")
    conf = Path(env["KRB5_CONFIG"]).read_text().replace(f"kdc = {auth_dc.ip}", "kdc = 127.0.0.1:9")
    (tmp_path / "nokdc.conf").write_text(conf)
    env["KRB5_CONFIG"] = str(tmp_path / "nokdc.conf")
    run = run_adba("scan", "--server", auth_dc.ip, "--auth", "kerberos", "--plain-ldap", env=env)
    line = _one_line_error(run)
    assert "no KDC" in line and "krb5.conf" in line


def test_unknown_service_principal_is_one_line(auth_dc: RunningDC, krb_env: dict[str, str]) -> None:
    run = run_adba("scan", "--server", auth_dc.ip, "--server-name", "dc9.contoso.test",
                   "--auth", "kerberos", "--plain-ldap", env=krb_env)
    line = _one_line_error(run)
    assert "ldap/dc9.contoso.test" in line and "--server-name" in line


@pytest.mark.parametrize("transport", [["--ldaps"], ["--starttls"]])
def test_ntlm_inside_tls_refused_by_samba_is_one_line(auth_dc: RunningDC,
                                                      transport: list[str]) -> None:
    """Samba takes NTLM only sealed on 389; inside TLS it answers invalidCredentials (data 57),
    which must not be reported as a wrong password."""
    run = run_adba("scan", "--server", auth_dc.ip, "--user", auth_dc.user_down_level,
                   "--auth", "ntlm", *transport, "--ca-file", str(auth_dc.ca_file),
                   password=auth_dc.user_password)
    line = _one_line_error(run)
    assert "refused NTLM inside" in line and "--plain-ldap" in line
    assert "password" not in line.split("(")[0]


@pytest.mark.parametrize("transport", [["--plain-ldap"], ["--ca-file"]])
def test_sicily_refused_by_samba_is_one_line(auth_dc: RunningDC, transport: list[str]) -> None:
    """Samba closes the connection on a Sicily bind: say it has none and what to use."""
    extra = [*transport, str(auth_dc.ca_file)] if transport == ["--ca-file"] else transport
    run = run_adba("scan", "--server", auth_dc.ip, "--user", auth_dc.user_down_level,
                   "--auth", "ntlm-sicily", *extra, password=auth_dc.user_password)
    line = _one_line_error(run)
    assert "does not offer the Sicily NTLM bind" in line and "--auth ntlm" in line


def test_kerberos_over_ldaps_certificate_name_mismatch(auth_dc: RunningDC,
                                                       krb_env: dict[str, str]) -> None:
    """The DC found under a name its certificate lacks: refused before any Kerberos token
    leaves, with the certificate's names."""
    from tests.support.dns_server import DnsServer

    records = {
        "_ldap._tcp.dc._msdcs.contoso.test": [("SRV", "0 100 389 wrongname.contoso.test.")],
        "wrongname.contoso.test": [("A", auth_dc.ip)],
    }
    with DnsServer(records) as dns_server:
        run = run_adba("scan", "--domain", "contoso.test", "--dns-server", dns_server.address,
                       "--auth", "kerberos", "--ca-file", str(auth_dc.ca_file), env=krb_env)
    line = _one_line_error(run)
    assert "does not name 'wrongname.contoso.test'" in line
    assert auth_dc.host in line and auth_dc.ip in line


@pytest.mark.parametrize("reset_tls", [None, "on-accept", "after-hello"],
                         ids=["636-refused", "636-reset-on-accept", "636-reset-after-hello"])
def test_auto_falls_back_to_ntlm_sealed_when_the_dc_has_no_ldaps(
        auth_dc: RunningDC, ldaps_findings: list[Any], reset_tls: str | None) -> None:
    """A DC without an LDAPS certificate (port 636 closed, or reset as Windows or a load
    balancer does: at once, which the client may see in connect() or in the handshake, or after
    the ClientHello): with no --auth, adba says so and scans with NTLM sealed on 389 instead.
    The connect()-time reset, which this cannot force, is pinned in tests/unit."""
    from tests.support.tcp_relay import NoLdapsFront

    with NoLdapsFront("127.0.0.33", auth_dc.ip, reset_tls=reset_tls) as front:
        run = run_adba("scan", "--server", front.ip, "--user", auth_dc.user_down_level,
                       "--ca-file", str(auth_dc.ca_file), "--format", "json",
                       password=auth_dc.user_password)
    data = _json(run)
    assert data["data"]["source"]["auth"] == "NTLM (GSS-SPNEGO), sealed, port 389"
    assert data["findings"] == ldaps_findings
    assert "trying NTLM sealed on port 389" in run.stderr
    assert front.relayed >= 1 and front.reset == (1 if reset_tls else 0)
    if reset_tls == "after-hello":
        assert front.hello[:1] == b"\x16"  # the TLS handshake had begun


def test_no_fallback_when_the_certificate_is_not_trusted(auth_dc: RunningDC) -> None:
    """A certificate that fails validation may be an attacker's: never worked around."""
    run = run_adba("scan", "--server", auth_dc.ip, "--user", auth_dc.user_down_level,
                   password=auth_dc.user_password)
    line = _one_line_error(run)
    assert "is not trusted" in line
    assert "trying NTLM" not in run.stderr


@pytest.fixture()
def misleading_hosts_entry(auth_dc: RunningDC) -> Iterator[None]:
    """/etc/hosts gives the DC's name another canonical name (as a CNAME or a stale PTR record
    would): a Kerberos library that canonicalises asks for the wrong service principal."""
    hosts = Path("/etc/hosts")
    original = hosts.read_bytes()
    hosts.write_bytes(original + f"\n{auth_dc.ip} wrong-ptr.example {auth_dc.host}\n".encode())
    try:
        yield
    finally:
        hosts.write_bytes(original)


def test_service_principal_is_not_canonicalised_by_dns(auth_dc: RunningDC, tmp_path: Path,
                                                       misleading_hosts_entry: None) -> None:
    """A krb5.conf with MIT's defaults (rdns and canonicalisation on) and DNS that names the DC
    otherwise: adba still asks for ldap/<the DC's own name> and binds."""
    _require("gssapi")
    env = auth_dc.kinit_reader(ccache=tmp_path / "canon.ccache")
    conf = Path(env["KRB5_CONFIG"]).read_text()
    conf = conf.replace("rdns = false", "rdns = true").replace(
        "dns_canonicalize_hostname = false", "dns_canonicalize_hostname = true")
    (tmp_path / "canon.conf").write_text(conf)
    env["KRB5_CONFIG"] = str(tmp_path / "canon.conf")
    run = run_adba("scan", "--server", auth_dc.ip, "--auth", "kerberos", "--plain-ldap",
                   "--format", "json", env=env)
    assert _json(run)["data"]["source"]["auth"] == "Kerberos, sealed, port 389"


@pytest.fixture(scope="module")
def ldap_keytab(auth_dc: RunningDC, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The DC's keys for ldap/<fqdn>, so a Windows-like acceptor can check real tickets."""
    auth_dc.register_ldap_spn()
    path = tmp_path_factory.mktemp("keytab") / "ldap.keytab"
    auth_dc.samba_tool("domain", "exportkeytab", str(path), f"--principal=ldap/{auth_dc.host}")
    return path


@pytest.mark.parametrize("transport", ["--ldaps", "--starttls"])
def test_kerberos_channel_binding_checked_by_an_enforcing_acceptor(
        auth_dc: RunningDC, krb_env: dict[str, str], ldap_keytab: Path, tmp_path: Path,
        transport: str) -> None:
    """Samba does not check channel bindings; MIT's acceptor does. A ticket from the real KDC,
    the DC's own keys, and a server that demands the tls-server-end-point token: adba's token
    is accepted, and one for another certificate (a proxy's) gets 80090346 as one line."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from tests.support.windows_bind_server import BindServerConfig, WindowsBindServer
    from tests.testdc import write_tls_files

    tls = write_tls_files(tmp_path / "tls", auth_dc.host, "127.0.0.1")
    proxy = write_tls_files(tmp_path / "proxy", "proxy.contoso.test", "127.0.0.1")
    proxy_der = x509.load_pem_x509_certificate(proxy.cert_file.read_bytes()).public_bytes(
        Encoding.DER)
    outcomes = []
    for binding_certificate in (None, proxy_der):
        config = BindServerConfig(cert_file=tls.cert_file, key_file=tls.key_file,
                                  keytab=ldap_keytab, binding_certificate=binding_certificate)
        with WindowsBindServer(config) as srv:
            port = srv.ldaps_port if transport == "--ldaps" else srv.ldap_port
            outcomes.append((config.events, run_adba(
                "scan", "--server", f"127.0.0.1:{port}", "--server-name", auth_dc.host,
                "--auth", "kerberos", transport, "--ca-file", str(tls.ca_file), env=krb_env)))
    (good_events, good), (bad_events, bad) = outcomes
    assert good_events[-1] == "bound gssapi tls", (good_events, good.stderr)
    assert "80090346" not in good.stderr  # bound; the scan then stops: this server has no forest
    line = _one_line_error(bad)
    assert "80090346" in line and "proxy" in line
    assert bad_events[-1] == "bad-bindings"


def test_sealed_binds_keep_dc_failover(auth_dc: RunningDC, krb_env: dict[str, str]) -> None:
    """DNS names a dead DC first: NTLM and Kerberos on 389 skip it and bind to the next."""
    from tests.support.dns_server import DnsServer

    records = {
        "_ldap._tcp.dc._msdcs.contoso.test": [("SRV", "0 100 389 dead.contoso.test."),
                                              ("SRV", "10 100 389 dc1.contoso.test.")],
        "dead.contoso.test": [("A", "127.0.0.67")],
        "dc1.contoso.test": [("A", auth_dc.ip)],
    }
    with DnsServer(records) as dns_server:
        common = ["scan", "--domain", "contoso.test", "--dns-server", dns_server.address,
                  "--plain-ldap", "--timeout", "3", "--format", "json"]
        ntlm = run_adba(*common, "--user", auth_dc.user_down_level, "--auth", "ntlm",
                        password=auth_dc.user_password)
        krb = run_adba(*common, "--auth", "kerberos", env=krb_env)
    for run, auth in ((ntlm, "NTLM (GSS-SPNEGO), sealed, port 389"),
                      (krb, "Kerberos, sealed, port 389")):
        source = _json(run)["data"]["source"]
        assert (source["server"], source["auth"]) == ("dc1.contoso.test", auth)
        assert "cannot reach dead.contoso.test:389" in run.stderr


def test_auto_on_a_dead_host_names_both_ports() -> None:
    """auto tries 389 after 636 is refused; when that is refused too, the error says what was
    asked for (LDAPS on 636) and the fallback it tried (389)."""
    run = run_adba("scan", "--server", "127.0.0.68", "--user", "CONTOSO\\reader", "--timeout", "3",
                   password="x")
    line = _one_line_error(run)
    assert "cannot reach 127.0.0.68:636: connection refused; nor 127.0.0.68:389" in line
    assert "TCP port 636/389" in line


def test_auto_with_a_ticket_falls_back_to_kerberos_sealed_on_a_default_dc(
        main_dc: RunningDC) -> None:
    """Samba's default refuses Kerberos inside LDAPS; with no --auth, adba says so and binds
    with the same ticket sealed on 389."""
    _require("gssapi")
    main_dc.register_ldap_spn()
    env = main_dc.kinit_reader()
    run = run_adba("scan", "--server", main_dc.ip, "--ca-file", str(main_dc.ca_file),
                   "--format", "json", env=env)
    data = _json(run)
    assert data["data"]["source"]["auth"] == "Kerberos, sealed, port 389"
    assert "trying Kerberos sealed on port 389" in run.stderr


def test_kerberos_signs_when_the_dc_offers_no_sealing(
        auth_dc: RunningDC, krb_env: dict[str, str], ldap_keytab: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """RFC 4752: the client takes the best layer the server offers; integrity only -> signed,
    and every message after the bind is still wrapped (and checked) both ways."""
    from tests.support.windows_bind_server import BindServerConfig, WindowsBindServer

    for name, value in krb_env.items():
        monkeypatch.setenv(name, value)
    config = BindServerConfig(keytab=ldap_keytab, gssapi_layers=2)
    with WindowsBindServer(config) as srv:
        options = ConnectOptions(server=f"127.0.0.1:{srv.ldap_port}", domain=None, dns_server=None,
                                 transport=Transport.PLAIN, ca_file=None, insecure=False,
                                 timeout=10, auth=AuthMethod.KERBEROS,
                                 credentials=Credentials("", ""), server_name=auth_dc.host)
        directory, session = connect(options)
        try:
            entry = directory.root_dse(["defaultNamingContext"])
        finally:
            directory.close()
    assert session.auth == f"Kerberos, signed, port {srv.ldap_port}"
    assert entry is not None and entry.attributes["defaultNamingContext"]
    assert config.events[-1] == "bound gssapi signed"


@pytest.mark.parametrize("method", ["ntlm", "kerberos"])
def test_whole_sealed_scan_captured_on_the_wire_shows_no_value(
        auth_dc: RunningDC, krb_env: dict[str, str], method: str) -> None:
    """A whole `adba scan` process (bind included) through a relay that captures every byte:
    the report names the seeded objects, the wire never does."""
    from tests.support.tcp_relay import NoLdapsFront

    with NoLdapsFront("127.0.0.35", auth_dc.ip) as front:
        if method == "ntlm":
            run = run_adba("scan", "--server", front.ip, "--user", auth_dc.user_down_level,
                           "--auth", "ntlm", "--plain-ldap", "--format", "json",
                           password=auth_dc.user_password)
        else:
            run = run_adba("scan", "--server", front.ip, "--auth", "kerberos", "--plain-ldap",
                           "--format", "json", env=krb_env)
    assert _json(run)["data"]["source"]["auth"].endswith("sealed, port 389")
    values = ["Contoso WS2022 CSVLK", "Office LTSC 2021", "ao-office2021-phone", "7H3KQ",
              "03612-04573-000-012345-03-1033-20348.0000-1502024", "CN=Activation Objects",
              "msSPP-CSVLKPid", "msSPP-ActivationObject"]
    assert "Contoso WS2022 CSVLK" in run.stdout and "7H3KQ" in run.stdout
    assert len(front.from_dc) > 5000 and len(front.to_dc) > 500
    # the capture does show clear text: the anonymous rootDSE read before the bind is in clear
    assert b"dnsHostName" in front.to_dc and auth_dc.host.encode() in front.from_dc
    for value in values:
        for form in (value.encode(), value.encode("utf-16-le")):
            assert form not in front.from_dc, value
            assert form not in front.to_dc, value
