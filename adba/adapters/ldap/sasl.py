"""SASL binds (GSS-SPNEGO and GSSAPI) with the SASL security layer, on an ldap3 connection.

ldap3 2.9.1 binds with SASL but offers no security layer, which every DC that requires LDAP
signing demands on port 389. This module performs the bind itself with pyspnego (NTLM, or
Kerberos through the ``gssapi`` package), sending BindRequests built with ldap3's encoders on
the connection's socket. When integrity or confidentiality was negotiated it then replaces
``connection.socket`` with a :class:`SaslSocket`, which wraps everything sent (a 4-byte
big-endian length, then the wrapped message) and unwraps everything received, so ldap3's own
searches and adba's ``PagedStream`` keep working unchanged on top of it.

Over TLS no security layer is negotiated (Samba refuses sign/seal inside TLS; Windows DCs
accept either); the TLS channel-binding token (``tls-server-end-point``) is passed instead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ldap3.operation.bind import bind_operation
from ldap3.protocol.rfc4511 import LDAPMessage, MessageID, ProtocolOp
from ldap3.utils.asn1 import decoder, encode
from pyasn1.error import PyAsn1Error

from adba.adapters.ldap.limits import Budget, budget_of
from adba.adapters.ldap.paged_stream import BerError, frame_length

GSS_SPNEGO = "GSS-SPNEGO"
GSSAPI = "GSSAPI"
_SASL_IN_PROGRESS = 14
_LAYER_NONE, _LAYER_INTEGRITY, _LAYER_CONFIDENTIALITY = 1, 2, 4
_MAX_BUFFER = 0xFFFFFF


class SaslBindError(Exception):
    """The SASL exchange failed; ``result`` is the server's LDAP result when there was one."""

    def __init__(self, message: str, result: dict[str, Any] | None = None,
                 cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.result = result or {}
        self.cause = cause


@dataclass(frozen=True)
class SaslOutcome:
    """What the bind negotiated."""

    mechanism: str
    protocol: str  # "ntlm" or "kerberos"
    protection: str  # "sealed", "signed" or "none"


def channel_bindings(tls_socket: Any) -> Any:
    """The RFC 5929 ``tls-server-end-point`` channel binding of a TLS socket, for pyspnego."""
    from spnego.channel_bindings import GssChannelBindings

    der = tls_socket.getpeercert(binary_form=True)
    if not der:
        return None
    digest = _cert_hash(der)
    return GssChannelBindings(application_data=b"tls-server-end-point:" + digest)


def _cert_hash(der: bytes) -> bytes:
    """The certificate hash RFC 5929 asks for: its signature hash, MD5/SHA-1 upgraded to
    SHA-256."""
    try:
        from cryptography import x509

        algorithm = x509.load_der_x509_certificate(der).signature_hash_algorithm
        name = (algorithm.name if algorithm is not None else "sha256").lower()
    except Exception:
        name = "sha256"
    if name in ("md5", "sha1"):
        name = "sha256"
    try:
        return hashlib.new(name, der).digest()
    except ValueError:
        return hashlib.sha256(der).digest()


class SaslSocket:
    """A socket look-alike that applies the SASL security layer to an established socket."""

    def __init__(self, raw: Any, context: Any, encrypt: bool,
                 budget: Budget | None = None) -> None:
        self.raw = raw
        self._context = context
        self._encrypt = encrypt
        self._budget = budget
        self._inbound = bytearray()  # wrapped bytes not yet unwrapped
        self._plain = bytearray()  # unwrapped bytes not yet returned

    def sendall(self, data: bytes) -> None:
        """Wrap ``data`` (one or more LDAP messages) and send it as one SASL buffer."""
        try:
            wrapped = self._context.wrap(bytes(data), encrypt=self._encrypt).data
        except Exception as exc:
            raise OSError(f"SASL wrap failed: {type(exc).__name__}") from exc
        self.raw.sendall(len(wrapped).to_bytes(4, "big") + wrapped)

    send = sendall

    def recv(self, size: int) -> bytes:
        """Up to ``size`` bytes of plaintext; b"" when the server closed the connection."""
        while not self._plain:
            if len(self._inbound) >= 4:
                length = int.from_bytes(self._inbound[:4], "big")
                if length > 0x1000000:
                    if self._budget is not None:
                        raise self._budget.fault(
                            f"{self._budget.label} announced a {length:,}-byte SASL buffer "
                            "(limit 16 MB)",
                            "this is not what a domain controller sends; check --server")
                    raise OSError("SASL buffer too large: the session is out of step")
                if len(self._inbound) >= 4 + length:
                    buffer = bytes(self._inbound[4:4 + length])
                    del self._inbound[:4 + length]
                    try:
                        self._plain += self._context.unwrap(buffer).data
                    except Exception as exc:
                        raise OSError(f"SASL unwrap failed: {type(exc).__name__}") from exc
                    continue
            chunk = self._budget.recv(self.raw, max(size, 65536)) if self._budget is not None \
                else self.raw.recv(max(size, 65536))
            if not chunk:
                return b""
            self._inbound += chunk
        out = bytes(self._plain[:size])
        del self._plain[:size]
        return out

    def settimeout(self, value: float | None) -> None:
        self.raw.settimeout(value)

    def shutdown(self, how: int) -> None:
        self.raw.shutdown(how)

    def close(self) -> None:
        self.raw.close()

    def fileno(self) -> int:
        return int(self.raw.fileno())

    def __getattr__(self, name: str) -> Any:  # getpeername, getsockname, setsockopt...
        return getattr(self.raw, name)


def _send_bind(connection: Any, mechanism: str, token: bytes | None) -> int:
    return send_bind_request(connection, bind_operation(3, "SASL", None, None, mechanism, token))


def send_bind_request(connection: Any, request: Any) -> int:
    """Send one BindRequest on the connection's socket; its message id."""
    message = LDAPMessage()
    msgid: int = connection.server.next_message_id()
    message["messageID"] = MessageID(msgid)
    message["protocolOp"] = ProtocolOp().setComponentByName("bindRequest", request)
    budget = budget_of(connection)
    if budget is not None:
        budget.check_time()
        budget.begin()
    connection.socket.sendall(encode(message))
    return msgid


def read_bind_response(connection: Any, msgid: int, buffer: bytearray) -> dict[str, Any]:
    """Read until the BindResponse to ``msgid``: its result code, diagnostic message, SASL
    token, and the raw matchedDN (where a Sicily answer carries its data)."""
    sock = connection.socket
    budget = budget_of(connection)
    while True:
        try:
            size = frame_length(buffer)
            if size is None and budget is not None:
                _check_announced(buffer, budget)
        except BerError as exc:
            if budget is not None:
                raise budget.not_ldap(str(exc)) from exc
            raise
        if size is not None:
            raw = bytes(buffer[:size])
            del buffer[:size]
            try:
                decoded, _rest = decoder.decode(raw, asn1Spec=LDAPMessage())
                got = int(decoded["messageID"])
                op = decoded["protocolOp"]
                name = op.getName()
            except (PyAsn1Error, ValueError, KeyError, TypeError) as exc:
                if budget is not None:
                    raise budget.not_ldap("a message that does not decode") from exc
                raise BerError("a message that does not decode") from exc
            if got != msgid:
                continue
            if name != "bindResponse":
                raise SaslBindError(f"unexpected answer to the bind: {name}")
            response = op.getComponent()
            creds = response["serverSaslCreds"]
            return {
                "result": int(response["resultCode"]),
                "message": str(response["diagnosticMessage"]),
                "description": str(response["resultCode"].prettyPrint()),
                "token": bytes(creds) if creds is not None and creds.hasValue() else None,
                "matched": bytes(response["matchedDN"]),
            }
        chunk = budget.recv(sock, 65536) if budget is not None else sock.recv(65536)
        if not chunk:
            raise SaslBindError("the server closed the connection during the bind")
        buffer += chunk


def _check_announced(buffer: bytearray, budget: Budget) -> None:
    """Refuse a bind answer announcing more than the budget's cap (before reading it)."""
    if len(buffer) < 2:
        return
    first = buffer[1]
    if first < 0x80:
        budget.check_announced(2 + first)
    elif len(buffer) >= 2 + (first & 0x7F) and 0 < first & 0x7F <= 4:
        count = first & 0x7F
        budget.check_announced(2 + count + int.from_bytes(buffer[2:2 + count], "big"))


def sasl_bind(connection: Any, *, protocol: str, hostname: str, user: str | None,
              password: str | None, tls_socket: Any | None) -> SaslOutcome:
    """Bind ``connection`` (open, not bound) with NTLM or Kerberos; install the security layer.

    ``protocol`` is "ntlm" (SASL GSS-SPNEGO) or "kerberos" (SASL GSSAPI, ticket from the
    credential cache). ``tls_socket`` is the TLS socket when the session already runs over TLS.
    Raises ``SaslBindError`` (with the LDAP result when the server refused), or pyspnego's own
    errors for failures on this side (no ticket, KDC unreachable...).
    """
    import spnego

    over_tls = tls_socket is not None
    req = spnego.ContextReq.mutual_auth if protocol == "kerberos" else spnego.ContextReq.none
    if not over_tls:
        req |= (spnego.ContextReq.integrity | spnego.ContextReq.confidentiality
                | spnego.ContextReq.sequence_detect)
    bindings = channel_bindings(tls_socket) if over_tls else None
    context = spnego.client(user, password, hostname=hostname, service="ldap",
                            channel_bindings=bindings, context_req=req, protocol=protocol)
    mechanism = GSSAPI if protocol == "kerberos" else GSS_SPNEGO
    buffer = bytearray()
    token: bytes | None = context.step()
    layer: int | None = None  # the RFC 4752 layer chosen (GSSAPI only)
    try:
        while True:
            msgid = _send_bind(connection, mechanism, token)
            result = read_bind_response(connection, msgid, buffer)
            code = result["result"]
            in_token = result["token"]
            if code not in (0, _SASL_IN_PROGRESS):
                raise SaslBindError(f"bind refused: {result['description']}", result)
            if in_token and not context.complete:
                token = context.step(in_token)
            elif context.complete and mechanism == GSSAPI and code == _SASL_IN_PROGRESS:
                token, layer = _gssapi_layer(context, in_token or b"", want_layer=not over_tls)
            else:
                token = b"" if code == _SASL_IN_PROGRESS else None
            if code == 0:
                break
    except BerError as exc:
        raise SaslBindError(f"malformed answer to the bind: {exc}") from exc
    protection = "none"
    if not over_tls:
        if mechanism == GSSAPI:  # the layer both sides agreed on, not what the context could do
            protection = {_LAYER_CONFIDENTIALITY: "sealed", _LAYER_INTEGRITY: "signed"}.get(
                layer or 0, "none")
        elif context.complete and has_flag(context, "confidentiality"):
            protection = "sealed"
        elif context.complete and has_flag(context, "integrity"):
            protection = "signed"
        if protection == "none":
            raise SaslBindError("the server did not agree to sign or seal the session")
    finish_bind(connection, buffer, context, protection)
    return SaslOutcome(mechanism, protocol, protection)


def finish_bind(connection: Any, buffer: bytearray, context: Any, protection: str) -> None:
    """Mark ``connection`` bound; with ``signed`` or ``sealed`` protection, every later message
    goes through ``context`` (:class:`SaslSocket`). Refuses leftover bytes from the server."""
    if buffer:
        raise SaslBindError("the server sent data after the bind before any request")
    if protection in ("signed", "sealed"):
        connection.socket = SaslSocket(connection.socket, context, protection == "sealed",
                                       budget_of(connection))
    connection.bound = True
    connection.sasl_in_progress = False


def has_flag(context: Any, flag: str) -> bool:
    """Whether the established pyspnego ``context`` has ``flag`` (``integrity``...)."""
    import spnego

    return bool(context.context_attr & getattr(spnego.ContextReq, flag))


def _gssapi_layer(context: Any, in_token: bytes, *, want_layer: bool) -> tuple[bytes, int]:
    """RFC 4752 section 3.1: pick the security layer from the server's offer; the wrapped
    answer and the layer chosen."""
    offer = context.unwrap(in_token).data
    if len(offer) != 4:
        raise SaslBindError("malformed GSSAPI security-layer offer from the server")
    offered = offer[0]
    if want_layer:
        if offered & _LAYER_CONFIDENTIALITY and has_flag(context, "confidentiality"):
            layer = _LAYER_CONFIDENTIALITY
        elif offered & _LAYER_INTEGRITY and has_flag(context, "integrity"):
            layer = _LAYER_INTEGRITY
        else:
            raise SaslBindError("the server offers no SASL security layer")
    else:
        if not offered & _LAYER_NONE:
            raise SaslBindError("the server requires a SASL security layer inside TLS")
        layer = _LAYER_NONE
    answer = bytes([layer]) + (_MAX_BUFFER if layer != _LAYER_NONE else 0).to_bytes(3, "big")
    return bytes(context.wrap(answer, encrypt=False).data), layer


__all__ = [
    "GSSAPI",
    "GSS_SPNEGO",
    "SaslBindError",
    "SaslOutcome",
    "SaslSocket",
    "channel_bindings",
    "finish_bind",
    "has_flag",
    "read_bind_response",
    "sasl_bind",
    "send_bind_request",
]
