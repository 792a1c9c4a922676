"""A loopback LDAP server that binds the way a Windows DC does, for what Samba cannot show.

Samba implements neither the Sicily NTLM bind nor channel-binding enforcement, so this server
stands in for a Windows DC's bind logic only: it answers rootDSE reads, the Sicily package
discovery / negotiate / response, SASL GSS-SPNEGO with NTLM, and StartTLS; it accepts NTLM with
pyspnego's real NTLM acceptor (an ``NTLM_USER_FILE`` it writes), so the client's NTLM messages,
its channel-binding token and its sealing are checked for real. With ``require_channel_binding``
the acceptor is given the ``tls-server-end-point`` token of ``binding_certificate`` (default:
the certificate it serves) and a missing or different token gets Windows' answer,
``80090346``. After a bind that negotiated sealing, every message is unwrapped and wrapped
with the 4-byte length framing. It serves no forest: after the bind, only the rootDSE.

Every byte received is kept in ``received`` and every byte sent in ``sent``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from ldap3.operation.bind import bind_response_operation
from ldap3.protocol.rfc4511 import (
    LDAPDN,
    AttributeDescription,
    AttributeValue,
    ExtendedResponse,
    LDAPMessage,
    LDAPString,
    MessageID,
    PartialAttribute,
    PartialAttributeList,
    ProtocolOp,
    ResponseName,
    ResultCode,
    SearchResultDone,
    SearchResultEntry,
    Vals,
)
from ldap3.utils.asn1 import decoder, encode

from adba.adapters.ldap.paged_stream import frame_length
from tests.support.listeners import Listeners

STARTTLS_OID = "1.3.6.1.4.1.1466.20037"
BAD_BINDINGS = ("80090346: LdapErr: DSID-0C090709, comment: AcceptSecurityContext error, "
                "data 80090346, v4563\x00")
LOGON_FAILURE = ("8009030C: LdapErr: DSID-0C0906B5, comment: AcceptSecurityContext error, "
                 "data 52e, v4563\x00")
INTEGRITY_REQUIRED = ("00002028: LdapErr: DSID-0C090259, comment: The server requires binds to "
                      "turn on integrity checking if SSL\\TLS are not already active on the "
                      "connection, data 0, v4563\x00")


@dataclass
class BindServerConfig:
    """How the server behaves."""

    domain: str = "CONTOSO"
    user: str = "reader"
    password: str = "Sicily-Test-Pa55!"
    dns_host_name: str = "dc1.contoso.test"
    sasl_mechanisms: tuple[str, ...] = ("GSSAPI", "GSS-SPNEGO", "EXTERNAL", "DIGEST-MD5")
    sicily: bool = True
    require_channel_binding: bool = True
    require_signing: bool = True  # LDAPServerIntegrity = 2: unprotected binds on 389 refused
    binding_certificate: bytes | None = None  # DER; None: the served certificate
    keytab: Path | None = None  # with it, SASL GSSAPI (Kerberos) is accepted with these keys
    gssapi_layers: int | None = None  # RFC 4752 layers offered on 389 (1 none, 2 sign, 4 seal)
    cert_file: Path | None = None
    key_file: Path | None = None
    events: list[str] = field(default_factory=list)


def _message(msgid: int, name: str, op: Any) -> bytes:
    message = LDAPMessage()
    message["messageID"] = MessageID(msgid)
    message["protocolOp"] = ProtocolOp().setComponentByName(name, op)
    return bytes(encode(message))


def _bind_response(msgid: int, code: int, matched: bytes = b"", message: str = "",
                   creds: bytes | None = None) -> bytes:
    op = bind_response_operation(code, matched_dn="", diagnostic_message=message,
                                 server_sasl_credentials=creds)
    op["matchedDN"] = LDAPDN(matched)
    return _message(msgid, "bindResponse", op)


class _KerberosAcceptor:
    """MIT's acceptor through python-gssapi (keys from ``KRB5_KTNAME``), shaped like a
    pyspnego context for this server (``step``, ``complete``, ``wrap``/``unwrap``)."""

    def __init__(self, application_data: bytes | None) -> None:
        import gssapi
        from gssapi.raw import ChannelBindings

        bindings = ChannelBindings(application_data=application_data) if application_data else None
        self._context = gssapi.SecurityContext(usage="accept", channel_bindings=bindings)

    @property
    def complete(self) -> bool:
        return bool(self._context.complete)

    def step(self, token: bytes) -> bytes | None:
        from gssapi.raw.exceptions import BadChannelBindingsError
        from spnego.exceptions import BadBindingsError, InvalidTokenError

        try:
            out: bytes | None = self._context.step(token)
            _ = self._context.complete  # python-gssapi raises a failed step's error here
            return out
        except BadChannelBindingsError as exc:
            raise BadBindingsError(context_msg=str(exc)) from exc
        except Exception as exc:
            raise InvalidTokenError(context_msg=str(exc)) from exc

    def wrap(self, data: bytes, encrypt: bool = True) -> Any:
        from types import SimpleNamespace

        return SimpleNamespace(data=self._context.wrap(data, encrypt).message)

    def unwrap(self, data: bytes) -> Any:
        from types import SimpleNamespace

        return SimpleNamespace(data=self._context.unwrap(data).message)


def _tls_end_point(der: bytes) -> Any:
    from spnego.channel_bindings import GssChannelBindings

    return GssChannelBindings(application_data=b"tls-server-end-point:"
                              + hashlib.sha256(der).digest())


class _Session:
    """One client connection."""

    def __init__(self, server: WindowsBindServer, sock: socket.socket, tls: bool) -> None:
        self.server = server
        self.config = server.config
        self.sock: Any = sock
        self.tls = tls
        self.inbound = bytearray()
        self.context: Any = None  # the NTLM acceptor of the bind in progress
        self.sealed: Any = None  # the context that seals the session after the bind
        self.bound = False
        self.encrypt = True  # sealed (True) or signed only, once self.sealed is set
        self.gssapi_step = ""  # "offer", then "answer": the RFC 4752 security-layer exchange
        self.request: Any = None  # the LDAPMessage being answered

    # --- transport -----------------------------------------------------------------------
    def _recv(self) -> bytes:
        data: bytes = self.sock.recv(65536)
        self.server.received += data
        return data

    def send(self, data: bytes) -> None:
        if self.sealed is not None:
            wrapped = self.sealed.wrap(data, encrypt=self.encrypt).data
            data = len(wrapped).to_bytes(4, "big") + wrapped
        self.server.sent += data
        self.sock.sendall(data)

    def _next_message(self) -> bytes | None:
        while True:
            if self.sealed is not None:
                if len(self.inbound) >= 4:
                    size = int.from_bytes(self.inbound[:4], "big")
                    if len(self.inbound) >= 4 + size:
                        blob = bytes(self.inbound[4:4 + size])
                        del self.inbound[:4 + size]
                        return bytes(self.sealed.unwrap(blob).data)
            else:
                size = frame_length(self.inbound)
                if size is not None:
                    raw = bytes(self.inbound[:size])
                    del self.inbound[:size]
                    return raw
            chunk = self._recv()
            if not chunk:
                return None
            self.inbound += chunk

    def serve(self) -> None:
        try:
            self._serve()
        finally:  # an error here must end the connection, not leave the client waiting
            with contextlib.suppress(OSError):
                self.sock.close()

    def _serve(self) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            while True:
                raw = self._next_message()
                if raw is None:
                    return
                decoded, _rest = decoder.decode(raw, asn1Spec=LDAPMessage())
                self.request = decoded  # the whole message, controls included
                msgid = int(decoded["messageID"])
                op = decoded["protocolOp"]
                name = op.getName()
                if name == "unbindRequest":
                    return
                if name == "bindRequest":
                    self._bind(msgid, op.getComponent())
                elif name == "searchRequest":
                    self._search(msgid, op.getComponent())
                elif name == "extendedReq":
                    self._extended(msgid, op.getComponent())
                else:
                    return

    # --- operations ----------------------------------------------------------------------
    def _search(self, msgid: int, request: Any) -> None:
        if str(request["baseObject"]) != "":
            done = SearchResultDone()
            done["resultCode"] = ResultCode(32)
            done["matchedDN"] = LDAPDN("")
            done["diagnosticMessage"] = LDAPString("only the rootDSE is served here")
            self.send(_message(msgid, "searchResDone", done))
            return
        values = {"dnsHostName": [self.config.dns_host_name],
                  "supportedSASLMechanisms": list(self.config.sasl_mechanisms),
                  "defaultNamingContext": ["DC=contoso,DC=test"],
                  "supportedLDAPVersion": ["3", "2"]}
        wanted = {str(a).lower() for a in request["attributes"]}
        if wanted and "*" not in wanted:  # like a DC: only what was asked for
            values = {k: v for k, v in values.items() if k.lower() in wanted}
        entry = SearchResultEntry()
        entry["object"] = LDAPDN("")
        attributes = PartialAttributeList()
        for index, (attr, vals) in enumerate(values.items()):
            partial = PartialAttribute()
            partial["type"] = AttributeDescription(attr)
            partial["vals"] = Vals()
            for j, value in enumerate(vals):
                partial["vals"][j] = AttributeValue(value)
            attributes[index] = partial
        entry["attributes"] = attributes
        self.send(_message(msgid, "searchResEntry", entry))
        done = SearchResultDone()
        done["resultCode"] = ResultCode(0)
        done["matchedDN"] = LDAPDN("")
        done["diagnosticMessage"] = LDAPString("")
        self.send(_message(msgid, "searchResDone", done))

    def _extended(self, msgid: int, request: Any) -> None:
        if str(request["requestName"]) != STARTTLS_OID or self.tls:
            return
        no_cert = self.server.tls_context is None  # a DC without a certificate answers so
        response = ExtendedResponse()
        response["resultCode"] = ResultCode(52 if no_cert else 0)
        response["matchedDN"] = LDAPDN("")
        response["diagnosticMessage"] = LDAPString(
            "00000000: LdapErr: DSID-0C09112F, comment: Error initializing SSL/TLS, data 0, v4563"
            if no_cert else "")
        response["responseName"] = ResponseName(STARTTLS_OID)
        self.send(_message(msgid, "extendedResp", response))
        if no_cert:
            self.config.events.append("starttls refused")
            return
        self.sock = self.server.tls_context.wrap_socket(self.sock, server_side=True)
        self.tls = True
        self.config.events.append("starttls")

    def _acceptor(self, protocol: str) -> Any:
        import spnego

        bindings = None
        if self.tls and self.config.require_channel_binding:
            bindings = _tls_end_point(self.config.binding_certificate or self.server.served_der)
        if protocol == "kerberos":
            return _KerberosAcceptor(bindings.application_data if bindings else None)
        options = spnego.NegotiateOptions.use_negotiate if protocol == "negotiate" else 0
        return spnego.server(hostname=self.config.dns_host_name, service="ldap",
                             channel_bindings=bindings, protocol=protocol, options=options)

    def _accept(self, msgid: int, token: bytes, *, sicily: bool) -> tuple[bool, bytes | None]:
        """Step the acceptor; answer an error and return (False, None) when it fails."""
        from spnego.exceptions import BadBindingsError, SpnegoError

        try:
            return True, self.context.step(token)
        except BadBindingsError:
            self.config.events.append("bad-bindings")
            self.send(_bind_response(msgid, 49, message=BAD_BINDINGS))
        except SpnegoError:
            self.config.events.append("logon-failure")
            self.send(_bind_response(msgid, 49, message=LOGON_FAILURE))
        self.context = None
        return False, None

    def _finish(self, msgid: int, mechanism: str, out: bytes | None, *, sicily: bool) -> None:
        import spnego

        ctx = self.context
        signed = bool(ctx.context_attr & (spnego.ContextReq.integrity
                                          | spnego.ContextReq.confidentiality))
        if not self.tls and self.config.require_signing and not signed:
            self.send(_bind_response(msgid, 8, message=INTEGRITY_REQUIRED))
            self.context = None
            return
        sealed = bool(ctx.context_attr & spnego.ContextReq.confidentiality)
        self.config.events.append(f"bound {mechanism}" + (" sealed" if sealed and not self.tls else "")
                                  + (" tls" if self.tls else ""))  # before the client can go on
        self.send(_bind_response(msgid, 0, creds=None if sicily else out))
        if sealed and not self.tls:
            self.sealed = ctx
        self.bound = True
        self.context = None

    def _bind(self, msgid: int, request: Any) -> None:
        auth = request["authentication"]
        choice = auth.getName()
        data = b"" if choice == "sasl" else bytes(auth.getComponent())
        if choice == "simple":
            if not self.tls and self.config.require_signing:
                self.send(_bind_response(msgid, 8, message=INTEGRITY_REQUIRED))
                return
            ok = str(request["name"]).lower() in (
                f"{self.config.user}@contoso.test", f"{self.config.domain.lower()}\\{self.config.user}"
            ) and data.decode() == self.config.password
            self.config.events.append("simple " + ("ok" if ok else "refused"))
            self.send(_bind_response(msgid, 0 if ok else 49, message="" if ok else LOGON_FAILURE))
            return
        if choice.startswith("sicily") and not self.config.sicily:
            self.sock.close()
            return
        if choice == "sicilyPackageDiscovery":
            self.config.events.append("sicily discovery")
            self.send(_bind_response(msgid, 0, matched=b"NTLM"))
            return
        if choice == "sicilyNegotiate":
            self.context = self._acceptor("ntlm")
            ok, challenge = self._accept(msgid, data, sicily=True)
            if ok:
                self.send(_bind_response(msgid, 0, matched=challenge or b""))
            return
        if choice == "sicilyResponse":
            if self.context is None:
                self.send(_bind_response(msgid, 2, message="no Sicily negotiate before"))
                return
            ok, out = self._accept(msgid, data, sicily=True)
            if ok:
                self._finish(msgid, "sicily", out, sicily=True)
            return
        mechanism = str(auth.getComponent()["mechanism"])
        credentials = auth.getComponent()["credentials"]
        token = bytes(credentials) if credentials is not None and credentials.hasValue() else b""
        if mechanism == "GSSAPI" and self.config.keytab is not None:
            self._gssapi(msgid, token)
            return
        if mechanism != "GSS-SPNEGO":
            self.send(_bind_response(msgid, 7, message="only GSS-SPNEGO here"))
            return
        if self.context is None:
            self.context = self._acceptor("negotiate")
        ok, out = self._accept(msgid, token, sicily=False)
        if not ok:
            return
        if self.context.complete:
            self._finish(msgid, "gss-spnego", out, sicily=False)
        else:
            self.send(_bind_response(msgid, 14, creds=out))


    def _gssapi(self, msgid: int, token: bytes) -> None:
        """SASL GSSAPI (RFC 4752): the Kerberos exchange, then the security-layer offer and
        the client's choice, both wrapped with the new context."""
        if self.gssapi_step == "offer":
            layers = 1 if self.tls else (2 | 4) if self.config.require_signing else (1 | 2 | 4)
            if not self.tls and self.config.gssapi_layers is not None:
                layers = self.config.gssapi_layers
            offer = bytes([layers]) + (0xFFFFFF).to_bytes(3, "big")
            self.gssapi_step = "answer"
            self.send(_bind_response(msgid, 14, creds=self.context.wrap(offer, encrypt=False).data))
            return
        if self.gssapi_step == "answer":
            choice = self.context.unwrap(token).data[0]
            ctx, self.context, self.gssapi_step = self.context, None, ""
            if choice == 1 and not self.tls and self.config.require_signing:
                self.send(_bind_response(msgid, 8, message=INTEGRITY_REQUIRED))
                return
            layer = {1: "", 2: " signed", 4: " sealed"}.get(choice, " ?")
            self.config.events.append(f"bound gssapi{layer}" + (" tls" if self.tls else ""))
            self.send(_bind_response(msgid, 0))
            if choice in (2, 4):
                self.sealed, self.encrypt = ctx, choice == 4
            self.bound = True
            return
        self.context = self._acceptor("kerberos")
        ok, out = self._accept(msgid, token, sicily=False)
        if ok:
            self.gssapi_step = "offer" if self.context.complete else ""
            self.send(_bind_response(msgid, 14, creds=out))


class WindowsBindServer:
    """Serve on ``host``: LDAPS on ``ldaps_port`` and LDAP (with StartTLS) on ``ldap_port``
    (0: a free port); ``config.cert_file``/``key_file`` give the TLS identity. Without them
    there is no LDAPS and StartTLS is refused, as on a DC without a certificate.
    ``session_class`` serves each connection (a subclass may answer differently)."""

    session_class: type[_Session] = _Session

    def __init__(self, config: BindServerConfig, host: str = "127.0.0.1",
                 ldap_port: int = 0) -> None:
        self.config = config
        self.host = host
        self.received = bytearray()
        self.sent = bytearray()
        self.tls_context: ssl.SSLContext | None = None
        self.served_der = b""
        if config.cert_file and config.key_file:
            self.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_context.load_cert_chain(str(config.cert_file), str(config.key_file))
            from cryptography import x509
            from cryptography.hazmat.primitives.serialization import Encoding

            cert = x509.load_pem_x509_certificate(config.cert_file.read_bytes())
            self.served_der = cert.public_bytes(Encoding.DER)
        plain = socket.create_server((host, ldap_port))
        ldaps = socket.create_server((host, 0)) if self.tls_context else None
        self.ldap_port = plain.getsockname()[1]
        self.ldaps_port = ldaps.getsockname()[1] if ldaps else 0
        self._listeners = Listeners()
        self._listeners.add(plain, lambda conn: self._serve(conn, False))
        if ldaps is not None:
            self._listeners.add(ldaps, lambda conn: self._serve(conn, True))
        self._users = tempfile.NamedTemporaryFile("w", suffix=".ntlm", delete=False)  # noqa: SIM115
        self._users.write(f"{config.domain}:{config.user}:{config.password}\n")
        self._users.close()
        self._old_env = {name: os.environ.get(name) for name in ("NTLM_USER_FILE", "KRB5_KTNAME")}

    def __enter__(self) -> WindowsBindServer:
        os.environ["NTLM_USER_FILE"] = self._users.name
        if self.config.keytab is not None:
            os.environ["KRB5_KTNAME"] = f"FILE:{self.config.keytab}"
        self._listeners.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._listeners.stop()
        for name, value in self._old_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        os.unlink(self._users.name)

    def _serve(self, conn: socket.socket, tls: bool) -> None:
        sock: Any = conn
        if tls:
            assert self.tls_context is not None
            try:
                sock = self.tls_context.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                conn.close()
                return
        self.session_class(self, sock, tls).serve()


__all__ = ["BAD_BINDINGS", "BindServerConfig", "WindowsBindServer"]
