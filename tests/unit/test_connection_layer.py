"""Connection-layer pieces a real DC cannot exercise: option checks, parsing, error mapping."""

from __future__ import annotations

import errno
import inspect
import socket
import ssl
from typing import ClassVar

import pytest

from adba.adapters.ldap import connection as conn_mod
from adba.adapters.ldap.connection import ConnectOptions, check_options
from adba.adapters.ldap.credentials import AuthMethod, Credentials
from adba.adapters.ldap.directory import ReadOnlyDirectory
from adba.adapters.ldap.discovery import _order, _split_dns_server
from adba.adapters.ldap.target import Endpoint, Transport, parse_server
from adba.errors import AuthFailed, ConnectionFailed, UsageError


def _options(**kw: object) -> ConnectOptions:
    base: dict[str, object] = dict(server="dc1", domain=None, dns_server=None,
                                   transport=Transport.LDAPS, ca_file=None, insecure=False,
                                   timeout=5.0, auth=AuthMethod.SIMPLE,
                                   credentials=Credentials("u@x", "pw"))
    base.update(kw)
    return ConnectOptions(**base)  # type: ignore[arg-type]


def test_read_only_by_construction() -> None:
    public = {name for name, _ in inspect.getmembers(ReadOnlyDirectory) if not name.startswith("_")}
    assert public == {"search", "stream", "read", "root_dse", "close"}
    source = inspect.getsource(conn_mod)
    assert "read_only=True" in source


def test_credentials_never_show_the_password() -> None:
    creds = Credentials("CONTOSO\\reader", "S3cret!")
    assert "S3cret!" not in repr(creds) and "S3cret!" not in str(creds)
    assert creds.form == "down-level"
    assert Credentials("reader@contoso.com", "x").form == "upn"


@pytest.mark.parametrize(("text", "host", "port"), [
    ("dc1.contoso.com", "dc1.contoso.com", 636),
    ("dc1:3269", "dc1", 3269),
    ("[fe80::1]", "fe80::1", 636),
    ("[::1]:10636", "::1", 10636),
    ("fe80::1", "fe80::1", 636),
])
def test_parse_server(text: str, host: str, port: int) -> None:
    assert parse_server(text, Transport.LDAPS) == Endpoint(host, port)


@pytest.mark.parametrize("text", ["", "dc1:0", "dc1:x", "[::1", "[::1]x"])
def test_parse_server_refuses(text: str) -> None:
    with pytest.raises(UsageError):
        parse_server(text, Transport.LDAPS)


def test_starttls_default_port() -> None:
    assert parse_server("dc1", Transport.STARTTLS).port == 389


def test_option_checks() -> None:
    with pytest.raises(UsageError, match="clear text"):
        check_options(_options(transport=Transport.PLAIN))
    with pytest.raises(UsageError, match="both given"):
        check_options(_options(domain="contoso.com"))
    with pytest.raises(UsageError, match="no domain controller"):
        check_options(_options(server=None))
    with pytest.raises(UsageError, match="no such file"):
        check_options(_options(ca_file="/nonexistent.pem"))


def test_dns_server_forms() -> None:
    assert _split_dns_server("10.0.0.1") == ("10.0.0.1", 53)
    assert _split_dns_server("10.0.0.1:5353") == ("10.0.0.1", 5353)
    assert _split_dns_server("[::1]:53") == ("::1", 53)
    with pytest.raises(UsageError):
        _split_dns_server("dns.contoso.com")


def test_srv_priority_orders_first() -> None:
    records = [(10, 100, "b", 389), (0, 0, "a", 389), (10, 0, "c", 389)]
    ordered = [r[2] for r in _order(records)]
    assert ordered[0] == "a" and set(ordered[1:]) == {"b", "c"}


@pytest.mark.parametrize(("code", "message", "expected"), [
    (49, "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 775, v4563",
     "the account is locked out"),
    (49, "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 532, v4563",
     "the password has expired"),
    (49, "", "wrong user name or password"),
    (8, "BindSimple: Transport encryption required.", "requires a stronger authentication"),
    (13, "", "requires confidentiality"),
])
def test_bind_errors_say_the_cause_and_the_way_out(code: int, message: str,
                                                   expected: str) -> None:
    with pytest.raises(AuthFailed) as info:
        conn_mod._raise_bind_error({"result": code, "message": message}, Endpoint("dc1", 636),
                                   _options())
    assert expected in str(info.value)
    assert info.value.hint


def test_kerberos_on_windows_uses_the_logon_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ticket cache on Windows: SSPI and the logon session's ticket (USERDNSDOMAIN set when
    logged on to a domain). Exercised here with the platform check and SSPI patched."""
    from spnego._sspi import SSPIProxy

    from adba.adapters.ldap import kerberos

    monkeypatch.setattr(kerberos, "_on_windows", lambda: True)
    monkeypatch.setattr(SSPIProxy, "available_protocols",
                        classmethod(lambda cls, options=None: ["kerberos", "ntlm", "negotiate"]))
    monkeypatch.setenv("USERNAME", "reader")
    monkeypatch.setenv("USERDNSDOMAIN", "contoso.test")
    assert kerberos.ticket_status() == kerberos.VALID
    assert kerberos.ticket_principal() == "reader@CONTOSO.TEST"
    monkeypatch.delenv("USERDNSDOMAIN")
    assert kerberos.ticket_status() == kerberos.MISSING
    with pytest.raises(AuthFailed, match="not logged on to a domain"):
        kerberos.ticket_principal()


_CBT = "80090346: LdapErr: DSID-0C090709, comment: AcceptSecurityContext error, data 80090346, v4563"


@pytest.mark.parametrize(("method", "transport", "code", "message", "expected", "hint"), [
    # the token was sent over TLS and refused: not the DC's certificate
    (AuthMethod.NTLM_SICILY, Transport.LDAPS, 49, _CBT, "proxy", "--plain-ldap"),
    (AuthMethod.KERBEROS, Transport.STARTTLS, 49, _CBT, "proxy", "--plain-ldap"),
    # no token could be sent (a simple bind): say what sends one
    (AuthMethod.SIMPLE, Transport.LDAPS, 49, _CBT, "requires channel binding", "--ldaps"),
    # Samba's answer to NTLM inside TLS must not read as a wrong password
    (AuthMethod.NTLM, Transport.LDAPS, 49,
     "8009030C: LdapErr: DSID-0C0904DC, comment: AcceptSecurityContext error, data 57, v1db1",
     "refused NTLM inside LDAPS", "--plain-ldap"),
    (AuthMethod.SIMPLE, Transport.LDAPS, 49,
     "8009030C: LdapErr: DSID-0C0904DC, comment: AcceptSecurityContext error, data 57, v1db1",
     "the DC refused the credentials (data 57)", "check the user"),
    (AuthMethod.NTLM, Transport.STARTTLS, 53,
     "SASL:[GSS-SPNEGO]: Sign or Seal are not allowed if TLS is used",
     "refuses signing or sealing inside TLS", "--plain-ldap"),
    (AuthMethod.NTLM, Transport.PLAIN, 8, "", "requires a stronger authentication", "--ldaps"),
])
def test_sasl_bind_errors(method: AuthMethod, transport: Transport, code: int, message: str,
                          expected: str, hint: str) -> None:
    with pytest.raises(AuthFailed) as info:
        conn_mod._raise_bind_error({"result": code, "message": message}, Endpoint("dc1", 636),
                                   _options(transport=transport, auth=method), method)
    assert expected in str(info.value)
    assert hint in (info.value.hint or "")
    assert "\n" not in str(info.value) + (info.value.hint or "")


class _ScriptedSocket(socket.socket):
    """A real socket whose ``connect`` fails as scripted per port (ldap3 still wraps it)."""

    outcomes: ClassVar[dict[int, OSError]] = {}

    def connect(self, address: object) -> None:
        port = address[1]  # type: ignore[index]
        raise self.outcomes[port]


def _auto_scan(monkeypatch: pytest.MonkeyPatch, outcomes: dict[int, OSError]) -> ConnectionFailed:
    monkeypatch.setattr(_ScriptedSocket, "outcomes", outcomes)
    monkeypatch.setattr(socket, "socket", _ScriptedSocket)
    with pytest.raises(ConnectionFailed) as info:
        conn_mod.connect(_options(server="127.0.0.1", auth=AuthMethod.AUTO,
                                  credentials=Credentials("CONTOSO\\u", "pw"), timeout=2.0))
    return info.value


def test_auto_treats_a_reset_while_connecting_like_a_refusal(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A load balancer (or a DC without an LDAPS certificate) that resets 636 right after
    accepting: when the RST beats connect(), connect() itself fails with ECONNRESET, before
    any TLS byte. auto must fall back to 389 exactly as when the handshake is reset."""
    error = _auto_scan(monkeypatch, {636: ConnectionResetError(104, "Connection reset by peer"),
                                     389: ConnectionRefusedError(111, "Connection refused")})
    assert "trying NTLM sealed on port 389" in caplog.text
    assert "TLS handshake with 127.0.0.1:636 failed: the server closed the connection" \
        in caplog.text
    # the fallback failed too: the error names 389, and why 389 was tried
    assert error.message.startswith("cannot reach 127.0.0.1:389: connection refused")
    assert "127.0.0.1:636" in error.message
    assert "TCP port 636/389" in (error.hint or "")


def test_auto_on_a_dead_host_names_both_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    refused = ConnectionRefusedError(111, "Connection refused")
    error = _auto_scan(monkeypatch, {636: refused, 389: refused})
    assert error.message == ("cannot reach 127.0.0.1:636: connection refused; nor 127.0.0.1:389 "
                          "(the sealed fallback): connection refused")
    assert "TCP port 636/389" in (error.hint or "")


def test_a_reset_on_a_non_standard_ldaps_port_is_not_worked_around(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ScriptedSocket, "outcomes",
                        {3269: ConnectionResetError(104, "Connection reset by peer")})
    monkeypatch.setattr(socket, "socket", _ScriptedSocket)
    with pytest.raises(ConnectionFailed, match=r"127\.0\.0\.1:3269 failed: the server closed"):
        conn_mod.connect(_options(server="127.0.0.1:3269", auth=AuthMethod.AUTO, timeout=2.0))


@pytest.mark.parametrize("exc", [
    ConnectionResetError(104, "Connection reset by peer"),
    ConnectionAbortedError(103, "Software caused connection abort"),
    BrokenPipeError(32, "Broken pipe"),
    ssl.SSLEOFError(8, "EOF occurred in violation of protocol"),
    ssl.SSLZeroReturnError(6, "TLS/SSL connection has been closed (EOF)"),
    OSError(errno.ECONNRESET, "reset"),
])
def test_closed_by_peer(exc: OSError) -> None:
    assert conn_mod._closed_by_peer(exc)
    assert not conn_mod._closed_by_peer(ConnectionRefusedError(111, "Connection refused"))
