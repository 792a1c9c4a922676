"""NTLM binds that only Windows DCs offer: Sicily, NTLM inside TLS, channel-binding enforcement.

Samba implements none of these, so they run against ``WindowsBindServer``, a loopback LDAP
server whose NTLM acceptor is pyspnego's real one: the client's NTLM messages, its
channel-binding token and its sealing are checked, not assumed. The same client code runs
against the real Samba DC in ``tests/integration/test_auth.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adba.adapters.ldap.connection import ConnectOptions, connect
from adba.adapters.ldap.credentials import AuthMethod, Credentials
from adba.adapters.ldap.sasl import SaslSocket
from adba.adapters.ldap.target import Transport
from adba.errors import AuthFailed
from tests.conftest import run_adba
from tests.support.windows_bind_server import BindServerConfig, WindowsBindServer
from tests.testdc import TlsFiles, write_tls_files

USER = "CONTOSO\\reader"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return write_tls_files(tmp_path_factory.mktemp("wintls"), "dc1.contoso.test", "127.0.0.1")


@pytest.fixture(scope="module")
def other_cert(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The DER certificate of another host: what a TLS-inspecting proxy would present."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    files = write_tls_files(tmp_path_factory.mktemp("proxytls"), "proxy.contoso.test", "127.0.0.1")
    return x509.load_pem_x509_certificate(files.cert_file.read_bytes()).public_bytes(Encoding.DER)


def _server(tls_files: TlsFiles, **kw: Any) -> WindowsBindServer:
    config = BindServerConfig(cert_file=tls_files.cert_file, key_file=tls_files.key_file, **kw)
    return WindowsBindServer(config)


@pytest.fixture()
def server(tls_files: TlsFiles) -> Iterator[WindowsBindServer]:
    with _server(tls_files) as srv:
        yield srv


def _options(srv: WindowsBindServer, transport: Transport, auth: AuthMethod,
             tls_files: TlsFiles, password: str | None = None) -> ConnectOptions:
    port = srv.ldaps_port if transport is Transport.LDAPS else srv.ldap_port
    return ConnectOptions(server=f"127.0.0.1:{port}", domain=None, dns_server=None,
                          transport=transport, ca_file=str(tls_files.ca_file), insecure=False,
                          timeout=10, auth=auth,
                          credentials=Credentials(USER, password or srv.config.password))


def _root_naming_context(directory: Any) -> str:
    entry = directory.root_dse(["defaultNamingContext"])
    assert entry is not None
    values = entry.attributes["defaultNamingContext"]
    return str(values[0].decode() if isinstance(values[0], bytes) else values[0])


@pytest.mark.parametrize(("transport", "label"), [
    (Transport.LDAPS, "LDAPS"), (Transport.STARTTLS, "StartTLS")])
def test_sicily_inside_tls_sends_the_channel_binding_token(
        server: WindowsBindServer, tls_files: TlsFiles, transport: Transport, label: str) -> None:
    directory, session = connect(_options(server, transport, AuthMethod.NTLM_SICILY, tls_files))
    try:
        port = server.ldaps_port if transport is Transport.LDAPS else server.ldap_port
        assert session.auth == f"NTLM (Sicily), inside {label}, channel-bound, port {port}"
        assert _root_naming_context(directory) == "DC=contoso,DC=test"
    finally:
        directory.close()
    # the acceptor was given the DC's tls-server-end-point token and accepted the client's
    assert server.config.events[-1] == "bound sicily tls"
    assert "sicily discovery" in server.config.events


def test_sicily_on_389_seals_every_message(server: WindowsBindServer, tls_files: TlsFiles) -> None:
    directory, session = connect(_options(server, Transport.PLAIN, AuthMethod.NTLM_SICILY,
                                          tls_files))
    try:
        assert session.auth == f"NTLM (Sicily), sealed, port {server.ldap_port}"
        assert isinstance(directory._connection.socket, SaslSocket)
        assert _root_naming_context(directory) == "DC=contoso,DC=test"
    finally:
        directory.close()
    assert server.config.events[-1] == "bound sicily sealed"
    # asked for and answered after the bind only, so sealed: never on the wire in clear
    assert b"defaultNamingContext" not in server.received
    assert b"DC=contoso,DC=test" not in server.sent


def test_ntlm_uses_sicily_when_the_dc_offers_no_gss_spnego(tls_files: TlsFiles) -> None:
    with _server(tls_files, sasl_mechanisms=("GSSAPI", "EXTERNAL")) as srv:
        directory, session = connect(_options(srv, Transport.LDAPS, AuthMethod.NTLM, tls_files))
        directory.close()
    assert session.auth.startswith("NTLM (Sicily), inside LDAPS")


@pytest.mark.parametrize("transport", [Transport.LDAPS, Transport.PLAIN])
def test_gss_spnego_ntlm_as_a_windows_dc_accepts_it(server: WindowsBindServer, tls_files: TlsFiles,
                                                    transport: Transport) -> None:
    """NTLM in GSS-SPNEGO inside TLS (with the token) or sealed on 389: what Windows takes."""
    directory, session = connect(_options(server, transport, AuthMethod.NTLM, tls_files))
    try:
        assert session.auth.startswith("NTLM (GSS-SPNEGO), ")
        assert _root_naming_context(directory) == "DC=contoso,DC=test"
    finally:
        directory.close()
    expected = "bound gss-spnego tls" if transport is Transport.LDAPS else "bound gss-spnego sealed"
    assert server.config.events[-1] == expected


def _one_line_error(run: Any) -> str:
    assert run.code == 3, (run.stdout, run.stderr)
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("adba: error: "), run.stderr
    return lines[0]


@pytest.mark.parametrize("auth", ["ntlm", "ntlm-sicily"])
def test_token_for_another_certificate_gets_80090346_as_one_line(
        tls_files: TlsFiles, other_cert: bytes, auth: str) -> None:
    """A DC that enforces channel binding behind a TLS-inspecting proxy: the token adba computes
    from the certificate it sees is not the DC's."""
    with _server(tls_files, binding_certificate=other_cert) as srv:
        run = run_adba("scan", "--server", f"127.0.0.1:{srv.ldaps_port}", "--user", USER,
                       "--auth", auth, "--ca-file", str(tls_files.ca_file),
                       password=srv.config.password)
    line = _one_line_error(run)
    assert "80090346" in line and "channel binding" in line and "proxy" in line
    assert "--plain-ldap" in line
    assert srv.config.events[-1] == "bad-bindings"


@pytest.mark.parametrize(("module", "auth"), [("sicily", AuthMethod.NTLM_SICILY),
                                              ("sasl", AuthMethod.NTLM)])
def test_missing_token_is_refused_by_an_enforcing_dc(server: WindowsBindServer, tls_files: TlsFiles,
                                                     monkeypatch: pytest.MonkeyPatch, module: str,
                                                     auth: AuthMethod) -> None:
    """Without adba's token (as ldap3 2.9 binds), the enforcing DC answers 80090346: the
    acceptor really checks the token the other tests send."""
    import importlib

    monkeypatch.setattr(importlib.import_module(f"adba.adapters.ldap.{module}"),
                        "channel_bindings", lambda sock: None)
    with pytest.raises(AuthFailed, match="80090346"):
        connect(_options(server, Transport.LDAPS, auth, tls_files))
    assert server.config.events[-1] == "bad-bindings"


def test_sicily_wrong_password_is_one_line(server: WindowsBindServer, tls_files: TlsFiles) -> None:
    run = run_adba("scan", "--server", f"127.0.0.1:{server.ldaps_port}", "--user", USER,
                   "--auth", "ntlm-sicily", "--ca-file", str(tls_files.ca_file),
                   password="Not-The-Pa55word")
    line = _one_line_error(run)
    assert "user name or password is wrong" in line
    assert "Not-The-Pa55word" not in run.stdout + run.stderr


def test_ntlm_needs_no_md4_from_openssl(server: WindowsBindServer, tls_files: TlsFiles,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenSSL 3 has no MD4; NTLM's hash must not come from hashlib."""
    real_new = hashlib.new

    def no_md4(name: str, *args: Any, **kw: Any) -> Any:
        if name.lower() == "md4":
            raise ValueError("unsupported hash type md4")
        return real_new(name, *args, **kw)

    monkeypatch.setattr(hashlib, "new", no_md4)
    for auth in (AuthMethod.NTLM_SICILY, AuthMethod.NTLM):
        directory, _session = connect(_options(server, Transport.PLAIN, auth, tls_files))
        directory.close()
    assert server.config.events[-1] == "bound gss-spnego sealed"


def test_unprotected_bind_on_389_refused_by_a_signing_dc(server: WindowsBindServer,
                                                          tls_files: TlsFiles,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A DC that requires signing refuses an NTLM bind that negotiated none (strongerAuthRequired)
    with one line that names the protected ways."""
    import spnego

    real_client = spnego.client

    def unsigned(*args: Any, **kw: Any) -> Any:
        kw["context_req"] = spnego.ContextReq.none
        return real_client(*args, **kw)

    monkeypatch.setattr(spnego, "client", unsigned)
    with pytest.raises(AuthFailed) as caught:
        connect(_options(server, Transport.PLAIN, AuthMethod.NTLM_SICILY, tls_files))
    assert "stronger authentication" in str(caught.value)
    assert "--ldaps" in (caught.value.hint or "")


def test_no_secret_in_any_output_of_the_windows_paths(tls_files: TlsFiles, tmp_path: Path) -> None:
    """--debug runs of every Windows-only path: neither the password nor its NT hash appears."""
    from spnego._ntlm_raw.crypto import ntowfv1

    password = "Sicily-Secret-9z!"
    nt_hash = ntowfv1(password)
    runs = []
    with _server(tls_files, password=password) as srv:
        for auth, extra in (("ntlm-sicily", ["--ca-file", str(tls_files.ca_file)]),
                            ("ntlm-sicily", ["--plain-ldap"]),
                            ("ntlm", ["--ca-file", str(tls_files.ca_file)]),
                            ("ntlm", ["--plain-ldap"])):
            port = srv.ldap_port if "--plain-ldap" in extra else srv.ldaps_port
            runs.append(run_adba("scan", "--debug", "--server", f"127.0.0.1:{port}", "--user",
                                 USER, "--auth", auth, *extra, password=password))
        bound = [e for e in srv.config.events if e.startswith("bound")]
    assert len(bound) == 4, srv.config.events
    for run in runs:
        text = run.stdout + run.stderr
        assert "binding as" in run.stderr
        for secret in (password, nt_hash.hex(), nt_hash.hex().upper()):
            assert secret not in text


def _free_loopback_389() -> str:
    """A loopback address whose port 389 is free: CI runs the unit tests on several Pythons at
    once, and these tests need the default port."""
    import socket

    for third in range(34, 250):
        host = f"127.0.{third}.34"
        probe = socket.socket()
        try:
            probe.bind((host, 389))
        except OSError:
            continue
        finally:
            probe.close()
        return host
    raise RuntimeError("no loopback address with a free port 389")


def test_auto_falls_back_to_ntlm_sealed_when_starttls_is_refused() -> None:
    """A DC without a certificate refuses StartTLS (unavailable, "Error initializing SSL/TLS"):
    --auth auto then binds with NTLM sealed on 389 and says so."""
    host = _free_loopback_389()
    with WindowsBindServer(BindServerConfig(), host=host, ldap_port=389) as srv:
        options = ConnectOptions(server=host, domain=None, dns_server=None,
                                 transport=Transport.STARTTLS, ca_file=None, insecure=False,
                                 timeout=10, auth=AuthMethod.AUTO,
                                 credentials=Credentials(USER, srv.config.password))
        directory, session = connect(options)
        directory.close()
    assert session.auth == "NTLM (GSS-SPNEGO), sealed, port 389"
    assert srv.config.events[0] == "starttls refused"
    assert srv.config.events[-1] == "bound gss-spnego sealed"


def test_starttls_refused_with_simple_auth_is_one_line() -> None:
    host = _free_loopback_389()
    with WindowsBindServer(BindServerConfig(), host=host, ldap_port=389) as srv:
        run = run_adba("scan", "--server", host, "--user", USER, "--auth", "simple",
                       "--starttls", password=srv.config.password)
    line = _one_line_error(run)
    assert "refused StartTLS" in line and "--plain-ldap" in line
